"""A POS_TAGGING model for Rafiki in numpy and plain Python: a greedy averaged perceptron.

Each token is tagged left to right from sparse features (the word, its suffixes, prefix and
shape, neighbouring words, the previous tags); weights are averaged over every update, which
keeps a one-pass-per-epoch learner from overfitting its last sentences. Frequent words that
nearly always carry one tag are looked up in a tag dictionary instead. It logs a loss plot
(the online error rate), an accuracy plot against epoch and messages.

Run it alone: ``python resources/examples/pos_tagger.py`` (trains on the bundled sample).
"""

import os

import numpy as np

from rafiki.config import APP_MODE
from rafiki.constants import TaskType
from rafiki.model import (
    BaseModel,
    CategoricalKnob,
    FixedKnob,
    FloatKnob,
    IntegerKnob,
    InvalidModelParamsException,
    dataset_utils,
    logger,
    test_model_class,
)

START = '<s>'
END = '</s>'
TAG_DICT_MIN_COUNT = 10
PARAM_KEYS = ('feature_names', 'weights', 'tag_dict', 'num_tags', 'suffix_length',
              'context_words', 'lowercase')


class PosTagger(BaseModel):
    '''
    Tags parts of speech with a greedy left-to-right averaged perceptron
    '''

    @staticmethod
    def get_knob_config():
        if APP_MODE == 'DEV':
            # Ranges that always tag well within seconds, for quick checks
            return {
                'epochs': IntegerKnob(4, 6),
                'suffix_length': IntegerKnob(3, 4),
                'context_words': IntegerKnob(1, 2),
                'min_feature_count': IntegerKnob(1, 2),
                'tag_dict_purity': FloatKnob(0.95, 1.0),
                'lowercase': CategoricalKnob([True, False]),
                'seed': FixedKnob(0),
            }

        return {
            'epochs': IntegerKnob(1, 15),
            'suffix_length': IntegerKnob(0, 5),
            'context_words': IntegerKnob(0, 3),
            'min_feature_count': IntegerKnob(1, 16, is_exp=True),
            'tag_dict_purity': FloatKnob(0.8, 1.0),
            'lowercase': CategoricalKnob([True, False]),
            'seed': FixedKnob(0),
        }

    def __init__(self, **knobs):
        super().__init__(**knobs)
        self._knobs = knobs
        self._suffix_length = knobs['suffix_length']
        self._context_words = knobs['context_words']
        self._lowercase = knobs['lowercase']
        self._vocab = {}
        self._weights = None
        self._tag_dict = {}
        self._num_tags = 0

    def train(self, dataset_uri):
        rng = np.random.default_rng(self._knobs['seed'])
        dataset = dataset_utils.load_dataset_of_corpus(dataset_uri)
        sents = [([token for (token, _) in sent], [tag for (_, tag) in sent])
                 for sent in dataset if len(sent) > 0]
        self._num_tags = dataset.tag_num_classes[0]
        logger.log(f'Loaded {len(sents)} sentences, {self._num_tags} tags')

        # Hold out a tenth of the sentences to watch generalisation epoch by epoch
        order = rng.permutation(len(sents))
        val_count = len(sents) // 10
        val_sents = [sents[i] for i in order[:val_count]]
        train_sents = [sents[i] for i in order[val_count:]]

        self._tag_dict = self._make_tag_dict(train_sents)
        self._vocab = self._make_vocab(train_sents)
        logger.log(f'{len(self._vocab)} features; {len(self._tag_dict)} words in the '
                   f'tag dictionary')

        weights = np.zeros((len(self._vocab), self._num_tags))
        # Sum of (step * update): the averaged weights are weights - totals / steps
        totals = np.zeros_like(weights)
        step = 0

        logger.define_loss_plot()
        logger.define_plot('Accuracy Over Epochs', ['train_accuracy', 'val_accuracy'],
                           x_axis='epoch')

        for epoch in range(self._knobs['epochs']):
            (errors, count) = (0, 0)
            for i in rng.permutation(len(train_sents)):
                (tokens, tags) = train_sents[i]
                words = self._normalize(tokens)
                prev_tags = [START, START]
                for (position, tag) in enumerate(tags):
                    step += 1
                    guess = self._tag_dict.get(words[position + 2])
                    if guess is None:
                        features = self._feature_ids(tokens, words, position, prev_tags)
                        guess = int(weights[features].sum(axis=0).argmax())
                        if guess != tag:
                            weights[features, tag] += 1
                            weights[features, guess] -= 1
                            totals[features, tag] += step
                            totals[features, guess] -= step
                    errors += guess != tag
                    count += 1
                    prev_tags.append(guess)

            self._weights = weights - totals / step
            val_accuracy = self._accuracy(val_sents) if val_sents else 1 - errors / count
            logger.log_loss(loss=errors / count, epoch=epoch)
            logger.log(train_accuracy=1 - errors / count, val_accuracy=val_accuracy,
                       epoch=epoch)

        self._weights = self._weights.astype(np.float32)
        logger.log(f"Validation accuracy after {self._knobs['epochs']} epochs: "
                   f"{val_accuracy:.4f}")

    def evaluate(self, dataset_uri):
        dataset = dataset_utils.load_dataset_of_corpus(dataset_uri)
        sents = [([token for (token, _) in sent], [tag for (_, tag) in sent])
                 for sent in dataset]
        accuracy = self._accuracy(sents)
        logger.log(f'Test accuracy: {accuracy:.4f} on {len(sents)} sentences')
        return accuracy

    def predict(self, queries):
        return [self._tag([str(token) for token in tokens]) for tokens in queries]

    def destroy(self):
        pass

    def dump_parameters(self):
        feature_names = [''] * len(self._vocab)
        for (name, index) in self._vocab.items():
            feature_names[index] = name
        return {
            'feature_names': feature_names,
            'weights': self._weights,
            'tag_dict': dict(self._tag_dict),
            'num_tags': self._num_tags,
            'suffix_length': self._suffix_length,
            'context_words': self._context_words,
            'lowercase': self._lowercase,
        }

    def load_parameters(self, params):
        missing = [key for key in PARAM_KEYS if key not in params]
        if missing:
            raise InvalidModelParamsException(f"Parameters lack {', '.join(missing)}")
        self._vocab = {name: index for (index, name) in enumerate(params['feature_names'])}
        self._weights = np.asarray(params['weights'], dtype=np.float32)
        if self._weights.shape != (len(self._vocab), params['num_tags']):
            raise InvalidModelParamsException(
                f"Weights of shape {self._weights.shape} do not fit {len(self._vocab)} "
                f"features and {params['num_tags']} tags")
        self._tag_dict = dict(params['tag_dict'])
        self._num_tags = int(params['num_tags'])
        self._suffix_length = int(params['suffix_length'])
        self._context_words = int(params['context_words'])
        self._lowercase = bool(params['lowercase'])

    # -- tagging -------------------------------------------------------------------------

    def _tag(self, tokens):
        words = self._normalize(tokens)
        prev_tags = [START, START]
        for position in range(len(tokens)):
            guess = self._tag_dict.get(words[position + 2])
            if guess is None:
                features = self._feature_ids(tokens, words, position, prev_tags)
                guess = int(self._weights[features].sum(axis=0).argmax())
            prev_tags.append(guess)
        return prev_tags[2:]

    def _accuracy(self, sents):
        (correct, total) = (0, 0)
        for (tokens, tags) in sents:
            guesses = self._tag(tokens)
            correct += sum(guess == tag for (guess, tag) in zip(guesses, tags, strict=True))
            total += len(tags)
        return correct / total if total else 0.0

    # -- features ------------------------------------------------------------------------

    def _normalize(self, tokens):
        '''The sentence's words as features see them, padded with 2 markers each side'''
        words = []
        for token in tokens:
            if '-' in token and token[0] != '-':
                words.append('!HYPHEN')
            elif token.isdigit() and len(token) == 4:
                words.append('!YEAR')
            elif token[:1].isdigit():
                words.append('!DIGITS')
            else:
                words.append(token.lower() if self._lowercase else token)
        return [START, START] + words + [END, END]

    def _features(self, tokens, words, position, prev_tags):
        '''Feature names of the token at ``position`` given the tags guessed before it'''
        token = tokens[position]
        word = words[position + 2]
        (prev_tag, prev_prev_tag) = (prev_tags[-1], prev_tags[-2])
        features = ['bias', 'w=' + word, 'p1=' + token[:1], 'shape=' + _shape(token),
                    f't-1={prev_tag}', f't-2,t-1={prev_prev_tag},{prev_tag}',
                    f't-1,w={prev_tag},{word}']
        for length in range(1, self._suffix_length + 1):
            if len(token) >= length:
                features.append(f's{length}=' + token[-length:].lower())
        for distance in range(1, self._context_words + 1):
            before = words[position + 2 - distance] if position - distance >= -2 else START
            after = words[position + 2 + distance] if position + distance < len(tokens) + 2 \
                else END
            features.append(f'w-{distance}=' + before)
            features.append(f'w+{distance}=' + after)
            if distance == 1:
                features.append('s-1=' + before[-3:])
                features.append('s+1=' + after[-3:])
        return features

    def _feature_ids(self, tokens, words, position, prev_tags):
        vocab = self._vocab
        return [vocab[name] for name in self._features(tokens, words, position, prev_tags)
                if name in vocab]

    def _make_vocab(self, sents):
        '''Every feature seen at least ``min_feature_count`` times with the gold tags'''
        counts = {}
        for (tokens, tags) in sents:
            words = self._normalize(tokens)
            prev_tags = [START, START] + list(tags)
            for position in range(len(tokens)):
                for name in self._features(tokens, words, position, prev_tags[:position + 2]):
                    counts[name] = counts.get(name, 0) + 1
        min_count = self._knobs['min_feature_count']
        names = sorted(name for (name, count) in counts.items() if count >= min_count)
        return {name: index for (index, name) in enumerate(names)}

    def _make_tag_dict(self, sents):
        '''Frequent words whose tag is (nearly) always the same, by ``tag_dict_purity``'''
        counts = {}
        for (tokens, tags) in sents:
            for (word, tag) in zip(self._normalize(tokens)[2:-2], tags, strict=True):
                word_counts = counts.setdefault(word, {})
                word_counts[tag] = word_counts.get(tag, 0) + 1
        tag_dict = {}
        for (word, word_counts) in counts.items():
            (tag, count) = max(word_counts.items(), key=lambda item: item[1])
            total = sum(word_counts.values())
            if total >= TAG_DICT_MIN_COUNT and count / total >= self._knobs['tag_dict_purity']:
                tag_dict[word] = tag
        return tag_dict


def _shape(token):
    '''Token shape with runs collapsed: "O'Brien" -> "X'Xx", "1,200" -> "d,d"'''
    shape = []
    for char in token:
        kind = 'X' if char.isupper() else 'x' if char.islower() else \
            'd' if char.isdigit() else char
        if not shape or shape[-1] != kind:
            shape.append(kind)
    return ''.join(shape)


if __name__ == '__main__':
    datasets_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'datasets')

    test_model_class(
        model_file_path=__file__,
        model_class='PosTagger',
        task=TaskType.POS_TAGGING,
        dependencies={},
        train_dataset_uri=os.path.join(datasets_dir, 'pos_train.zip'),
        test_dataset_uri=os.path.join(datasets_dir, 'pos_test.zip'),
        queries=[
            ['Anna', 'said', ',', '"', 'The', 'dog', 'is', 'happy', '.', '"'],
            ['They', 'did', "n't", 'book', 'a', 'cheap', 'car', 'in', 'Paris', '.'],
        ],
    )
