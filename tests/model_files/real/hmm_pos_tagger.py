"""A POS_TAGGING model for Rafiki: a first-order hidden Markov model decoded with Viterbi.

Written as a Rafiki user writes one (only ``rafiki.model`` and ``rafiki.constants``, and
numpy). Tag-to-tag transitions and tag-to-word emissions are counted on the training corpus
and smoothed by adding ``smoothing`` to every count; words seen fewer than ``rare_word_count``
times are also counted as their shape (capitalised, a number, an ``-ing``/``-ed``/``-s``/``-ly``
ending...), and an unseen word is emitted by its shape, so it is tagged by what it looks like
and where it stands rather than by the transitions alone.

Run it alone: ``python tests/model_files/real/hmm_pos_tagger.py`` (UD EWT of tests/data).
"""

import os

import numpy as np

from rafiki.constants import TaskType
from rafiki.model import (
    BaseModel,
    CategoricalKnob,
    FloatKnob,
    IntegerKnob,
    InvalidModelParamsException,
    dataset_utils,
    logger,
    test_model_class,
)

SUFFIXES = ('ing', 'ed', 'ly', 'ion', 'er', 'est', 'al', 'ous', 'ive', 'able', 's')


def word_shape(word):
    '''The class of a word the tagger has (almost) never seen, from how it looks'''
    if any(c.isdigit() for c in word):
        return '<NUM>'
    if not any(c.isalpha() for c in word):
        return '<PUNCT>'
    if '-' in word:
        return '<HYPHEN>'
    prefix = '<CAP' if word[0].isupper() else '<LOW'
    lowered = word.lower()
    for suffix in SUFFIXES:
        if lowered.endswith(suffix) and len(lowered) > len(suffix) + 1:
            return f'{prefix}-{suffix}>'
    return prefix + '>'


class HmmPosTagger(BaseModel):
    '''
    Tags parts of speech with a first-order hidden Markov model and Viterbi decoding
    '''

    @staticmethod
    def get_knob_config():
        return {
            'smoothing': FloatKnob(1e-4, 1.0, is_exp=True),
            'rare_word_count': IntegerKnob(1, 3),
            'lowercase': CategoricalKnob([False, True]),
        }

    def __init__(self, **knobs):
        super().__init__(**knobs)
        self._smoothing = knobs['smoothing']
        self._rare_word_count = knobs['rare_word_count']
        self._lowercase = knobs['lowercase']
        self._words = {}
        self._log_start = None
        self._log_trans = None
        self._log_emit = None

    def train(self, dataset_uri):
        dataset = dataset_utils.load_dataset_of_corpus(dataset_uri)
        num_tags = dataset.tag_num_classes[0]
        # (word, its shape, tag): the shape is read off the token as written
        sentences = [[(self._normal(token), word_shape(token), tag) for (token, tag) in sentence]
                     for sentence in dataset]

        word_counts = {}
        for sentence in sentences:
            for (word, _, _) in sentence:
                word_counts[word] = word_counts.get(word, 0) + 1
        # Every word seen, then every shape: rare words count for both
        vocabulary = sorted(word_counts)
        shapes = sorted({shape for sentence in sentences for (_, shape, _) in sentence}
                        | {'<LOW>'})
        self._words = {word: i for (i, word) in enumerate(vocabulary + shapes)}

        start = np.zeros(num_tags)
        trans = np.zeros((num_tags, num_tags))
        emit = np.zeros((len(self._words), num_tags))
        for sentence in sentences:
            previous = None
            for (word, shape, tag) in sentence:
                emit[self._words[word], tag] += 1
                if word_counts[word] <= self._rare_word_count:
                    emit[self._words[shape], tag] += 1
                if previous is None:
                    start[tag] += 1
                else:
                    trans[previous, tag] += 1
                previous = tag

        k = self._smoothing
        self._log_start = np.log((start + k) / (start + k).sum())
        self._log_trans = np.log((trans + k) / (trans + k).sum(axis=1, keepdims=True))
        self._log_emit = np.log((emit + k) / (emit + k).sum(axis=0, keepdims=True))
        logger.log(f'Counted {len(sentences)} sentences: {len(vocabulary)} words, '
                   f'{len(shapes)} shapes, {num_tags} tags')

    def evaluate(self, dataset_uri):
        dataset = dataset_utils.load_dataset_of_corpus(dataset_uri)
        correct = 0
        total = 0
        for sentence in dataset:
            tokens = [token for (token, _) in sentence]
            tags = self._viterbi(tokens)
            correct += sum(int(p == tag) for (p, (_, tag)) in zip(tags, sentence, strict=True))
            total += len(sentence)
        return correct / total if total else 0.0

    def predict(self, queries):
        return [self._viterbi(tokens) for tokens in queries]

    def destroy(self):
        pass

    def dump_parameters(self):
        return {
            'words': list(self._words),
            'log_start': self._log_start,
            'log_trans': self._log_trans,
            'log_emit': self._log_emit,
        }

    def load_parameters(self, params):
        try:
            self._words = {word: i for (i, word) in enumerate(params['words'])}
            self._log_start = np.asarray(params['log_start'])
            self._log_trans = np.asarray(params['log_trans'])
            self._log_emit = np.asarray(params['log_emit'])
        except KeyError as e:
            raise InvalidModelParamsException(f'Saved parameters lack {e}') from e

    def _normal(self, token):
        return token.lower() if self._lowercase else token

    def _emission_row(self, token):
        index = self._words.get(self._normal(token))
        if index is None:
            index = self._words.get(word_shape(token), self._words['<LOW>'])
        return self._log_emit[index]

    def _viterbi(self, tokens):
        if len(tokens) == 0:
            return []
        scores = self._log_start + self._emission_row(tokens[0])
        back = []
        for token in tokens[1:]:
            candidates = scores[:, None] + self._log_trans  # previous tag x next tag
            best_previous = candidates.argmax(axis=0)
            scores = candidates.max(axis=0) + self._emission_row(token)
            back.append(best_previous)
        tags = [int(scores.argmax())]
        for best_previous in reversed(back):
            tags.append(int(best_previous[tags[-1]]))
        return tags[::-1]


if __name__ == '__main__':
    data_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'data')
    test_model_class(
        model_file_path=__file__,
        model_class='HmmPosTagger',
        task=TaskType.POS_TAGGING,
        dependencies={},
        train_dataset_uri=os.path.join(data_dir, 'pos_ud_ewt_train.zip'),
        test_dataset_uri=os.path.join(data_dir, 'pos_ud_ewt_test.zip'),
        queries=[
            ['The', 'quick', 'brown', 'fox', 'jumped', 'over', 'the', 'lazy', 'dog', '.'],
            ['She', 'is', 'booking', 'flights', 'to', 'Singapore', 'tomorrow', '!'],
        ]
    )
