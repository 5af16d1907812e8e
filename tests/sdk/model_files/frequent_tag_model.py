"""A valid POS_TAGGING model that tags each token with its most frequent training tag."""

import zipfile
from collections import Counter, defaultdict

from rafiki.model import BaseModel, CategoricalKnob, logger


def read_sentences(dataset_uri):
    """Sentences of (token, tag) from corpus.tsv: plain tab-separated, `\\n` rows end them."""
    with zipfile.ZipFile(dataset_uri) as archive:
        lines = archive.read("corpus.tsv").decode("utf-8").splitlines()[1:]
    sentences, sentence = [], []
    for line in lines:
        token, _, tag = line.partition("\t")
        if token == "\\n":
            sentences.append(sentence)
            sentence = []
        else:
            sentence.append((token, int(tag)))
    if sentence:
        sentences.append(sentence)
    return sentences


class FrequentTagModel(BaseModel):
    @staticmethod
    def get_knob_config():
        return {"lowercase": CategoricalKnob([True, False])}

    def __init__(self, **knobs):
        super().__init__(**knobs)
        self._lowercase = knobs["lowercase"]
        self._tags = {}
        self._default = 0

    def _key(self, token):
        return token.lower() if self._lowercase else token

    def train(self, dataset_uri):
        counts = defaultdict(Counter)
        overall = Counter()
        for sentence in read_sentences(dataset_uri):
            for token, tag in sentence:
                counts[self._key(token)][tag] += 1
                overall[tag] += 1
        self._tags = {token: c.most_common(1)[0][0] for token, c in counts.items()}
        self._default = overall.most_common(1)[0][0]
        logger.log(tokens=sum(overall.values()), vocabulary=len(self._tags))

    def evaluate(self, dataset_uri):
        right = total = 0
        for sentence in read_sentences(dataset_uri):
            predicted = self.predict([[token for token, _ in sentence]])[0]
            right += sum(p == tag for p, (_, tag) in zip(predicted, sentence, strict=True))
            total += len(sentence)
        return right / total

    def predict(self, queries):
        return [[self._tags.get(self._key(t), self._default) for t in q] for q in queries]

    def dump_parameters(self):
        return {"tags": self._tags, "default": self._default}

    def load_parameters(self, params):
        self._tags = params["tags"]
        self._default = params["default"]

    def destroy(self):
        self._tags = {}
