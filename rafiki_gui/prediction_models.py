"""Predictions as Qt table models over numpy arrays, so 10,000 rows appear at once.

Orange built its prediction tables item by item and 100,000 rows took 23 s. Here a result is
a handful of arrays (true labels, probabilities, derived argmax and confidence); a view asks
``data()`` only for the rows it paints, thumbnails are made on demand and cached, and
filtering or sorting replaces one index array (``numpy`` work) in a single model reset.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from .image_grid import gray_pixmap
from .label_names import label_text

MISMATCH_BACKGROUND = QColor(229, 57, 53, 60)
MISMATCH_FOREGROUND = QColor("#c62828")
THUMBNAIL_CACHE = 2000
SAMPLE_ROLE = Qt.ItemDataRole.UserRole + 1
"""data() role giving the sample (image) or token index behind a view row."""

_Index = QModelIndex | QPersistentModelIndex


def probabilities_array(predictions: Sequence[Sequence[float]]) -> np.ndarray:
    """Predictions (lists of class probabilities) as one (n, k) float array; shorter lists are
    padded with zeros so a model that returns fewer classes for some queries still shows."""
    try:
        array = np.asarray(predictions, dtype=np.float64)
        if array.ndim == 2:
            return array
    except ValueError:
        pass
    width = max((len(p) for p in predictions), default=0)
    array = np.zeros((len(predictions), width))
    for row, probabilities in enumerate(predictions):
        array[row, :len(probabilities)] = probabilities
    return array


def confusion_matrix(true: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """counts[true, predicted] over the rows whose true label is known (>= 0)."""
    known = true >= 0
    flat = true[known] * classes + predicted[known]
    return np.bincount(flat, minlength=classes * classes).reshape(classes, classes)


def per_class_accuracy(true: np.ndarray, predicted: np.ndarray,
                       classes: int) -> tuple[np.ndarray, np.ndarray]:
    """(accuracy per true class (NaN where a class never occurs), count per class)."""
    known = true >= 0
    counts = np.bincount(true[known], minlength=classes)[:classes]
    hits = np.bincount(true[known & (true == predicted)], minlength=classes)[:classes]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, hits / np.maximum(counts, 1), np.nan), counts


class _ArrayTableModel(QAbstractTableModel):
    """Rows are positions in ``_rows`` (an index array into the samples): filtering and
    sorting swap that array; the samples themselves never move."""

    HEADERS: tuple[str, ...] = ()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.names: dict[int, str] = {}
        self._rows = np.zeros(0, dtype=np.int64)
        self._only_mismatched = False
        self.pair: tuple[int, int] | None = None  # (true, predicted) shown alone, if any
        self._sort: tuple[int, Qt.SortOrder] | None = None

    # -- to override --------------------------------------------------------------------
    def _count(self) -> int:
        raise NotImplementedError

    def _mismatched(self) -> np.ndarray:
        raise NotImplementedError

    def _sort_key(self, column: int) -> np.ndarray | None:
        raise NotImplementedError

    def _truth_and_prediction(self) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    # -- shared -------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 (Qt API)
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def sample_at(self, row: int) -> int:
        """The sample index shown in view row ``row``."""
        return int(self._rows[row])

    def set_label_names(self, names: dict[int, str]) -> None:
        self.names = dict(names)
        if len(self._rows):
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._rows) - 1, len(self.HEADERS) - 1))

    def set_only_mismatched(self, only: bool) -> None:
        """Show only rows whose prediction differs from the known truth."""
        self._only_mismatched = bool(only)
        self._rebuild_rows()

    def set_pair(self, pair: tuple[int, int] | None) -> None:
        """Show only rows whose (true, predicted) is ``pair`` (a confusion matrix cell), or
        every row (None)."""
        self.pair = None if pair is None else (int(pair[0]), int(pair[1]))
        self._rebuild_rows()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort = (column, order)
        self._rebuild_rows()

    def _rebuild_rows(self) -> None:
        self.beginResetModel()
        count = self._count()
        kept = self._mismatched() if self._only_mismatched else np.ones(count, dtype=bool)
        if self.pair is not None:
            truth, predicted = self._truth_and_prediction()
            kept = kept & (truth == self.pair[0]) & (predicted == self.pair[1])
        rows = np.flatnonzero(kept)
        if self._sort is not None and len(rows):
            column, order = self._sort
            key = self._sort_key(column)
            if key is not None:
                rows = rows[np.argsort(key[rows], kind="stable")]
                if order == Qt.SortOrder.DescendingOrder:
                    rows = rows[::-1]
        self._rows = rows.astype(np.int64, copy=False)
        self._reset_caches()
        self.endResetModel()

    def _reset_caches(self) -> None:
        pass


class ImagePredictionsModel(_ArrayTableModel):
    """One row per image query: where it came from, thumbnail, true label (when known),
    predicted label and its probability."""

    HEADERS = ("Query", "Image", "True", "Predicted", "Confidence")
    SOURCE, IMAGE, TRUE, PREDICTED, CONFIDENCE = range(5)

    def __init__(self, parent=None, thumbnail_size: int = 32):
        super().__init__(parent)
        self.thumbnail_size = thumbnail_size
        self.images: Sequence[np.ndarray] = []
        self.sources: Sequence[str] = []
        self.true = np.zeros(0, dtype=np.int64)
        self.probabilities = np.zeros((0, 0))
        self.predicted = np.zeros(0, dtype=np.int64)
        self.confidence = np.zeros(0)
        self._pixmaps: OrderedDict[int, Any] = OrderedDict()

    def set_results(self, images: Sequence[np.ndarray], probabilities: np.ndarray,
                    true: np.ndarray | None = None,
                    sources: Sequence[str] | Callable[[int], str] | None = None) -> None:
        """Replace the rows: ``images`` (n of them), (n, k) ``probabilities``, ``true`` labels
        (-1 where unknown) and each query's ``sources`` name (default: its number)."""
        count = len(probabilities)
        self.images = images
        self.probabilities = (np.asarray(probabilities, dtype=np.float64).reshape(count, -1)
                              if count else np.zeros((0, 0)))
        self.true = (np.full(count, -1, dtype=np.int64) if true is None
                     else np.asarray(true, dtype=np.int64))
        has_classes = self.probabilities.shape[1] > 0
        self.predicted = (self.probabilities.argmax(axis=1) if has_classes
                          else np.full(count, -1, dtype=np.int64))
        self.confidence = (self.probabilities.max(axis=1) if has_classes else np.zeros(count))
        self.sources = sources if sources is not None else (lambda i: str(i))
        self._rebuild_rows()

    def _count(self) -> int:
        return len(self.predicted)

    def _mismatched(self) -> np.ndarray:
        return (self.true >= 0) & (self.true != self.predicted)

    def _truth_and_prediction(self) -> tuple[np.ndarray, np.ndarray]:
        return self.true, self.predicted

    def _sort_key(self, column: int) -> np.ndarray | None:
        return {self.SOURCE: np.arange(self._count()), self.TRUE: self.true,
                self.PREDICTED: self.predicted, self.CONFIDENCE: self.confidence}.get(column)

    def _reset_caches(self) -> None:
        self._pixmaps.clear()

    def source_of(self, sample: int) -> str:
        sources = self.sources
        return sources(sample) if callable(sources) else sources[sample]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        sample = int(self._rows[index.row()])
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.SOURCE:
                return self.source_of(sample)
            if column == self.TRUE:
                true = int(self.true[sample])
                return label_text(true, self.names) if true >= 0 else "—"
            if column == self.PREDICTED:
                return label_text(int(self.predicted[sample]), self.names)
            if column == self.CONFIDENCE:
                return f"{self.confidence[sample]:.1%}"
            return None
        if role == Qt.ItemDataRole.DecorationRole and column == self.IMAGE:
            return self._thumbnail(sample)
        if role == Qt.ItemDataRole.BackgroundRole and self._is_wrong(sample):
            return QBrush(MISMATCH_BACKGROUND)
        if role == Qt.ItemDataRole.ForegroundRole and column == self.PREDICTED \
                and self._is_wrong(sample):
            return QBrush(MISMATCH_FOREGROUND)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.CONFIDENCE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column in (self.TRUE, self.PREDICTED):
            value = self.true[sample] if column == self.TRUE else self.predicted[sample]
            return label_text(int(value), self.names, with_index=True)
        if role == SAMPLE_ROLE:
            return sample
        return None

    def _is_wrong(self, sample: int) -> bool:
        true = self.true[sample]
        return bool(true >= 0 and true != self.predicted[sample])

    def _thumbnail(self, sample: int):
        pixmap = self._pixmaps.get(sample)
        if pixmap is None:
            pixmap = gray_pixmap(self.images[sample], self.thumbnail_size)
            self._pixmaps[sample] = pixmap
            if len(self._pixmaps) > THUMBNAIL_CACHE:
                self._pixmaps.popitem(last=False)
        return pixmap

    def accuracy(self) -> float | None:
        """Share of queries with a known label that were predicted right; None if none known."""
        known = self.true >= 0
        return float(np.mean(self.true[known] == self.predicted[known])) if known.any() else None


class TokenPredictionsModel(_ArrayTableModel):
    """One row per token of the tagged sentences: sentence, token, predicted and gold tag;
    a token whose predicted tag differs from its gold tag is marked."""

    HEADERS = ("Sentence", "Token", "Predicted", "Gold")
    SENTENCE, TOKEN, PREDICTED, GOLD = range(4)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.sentences: list[list[str]] = []
        self.tokens: list[str] = []
        self.sentence_of = np.zeros(0, dtype=np.int64)
        self.predicted = np.zeros(0, dtype=np.int64)
        self.gold = np.zeros(0, dtype=np.int64)
        self.sentence_starts = np.zeros(1, dtype=np.int64)

    def set_results(self, sentences: Sequence[Sequence[str]],
                    predictions: Sequence[Sequence[int]],
                    gold: Sequence[Sequence[int]] | None = None) -> None:
        """Replace the rows: token lists, one predicted tag list per sentence, and the gold
        tags when known (None: typed sentences)."""
        self.sentences = [list(s) for s in sentences]
        lengths = np.array([len(s) for s in self.sentences], dtype=np.int64)
        self.sentence_starts = np.concatenate([[0], np.cumsum(lengths)])
        self.tokens = [token for sentence in self.sentences for token in sentence]
        self.sentence_of = np.repeat(np.arange(len(self.sentences)), lengths)
        total = len(self.tokens)
        self.predicted = _flat_tags(predictions, lengths, total)
        self.gold = (np.full(total, -1, dtype=np.int64) if gold is None
                     else _flat_tags(gold, lengths, total))
        self._rebuild_rows()

    def _count(self) -> int:
        return len(self.tokens)

    def _mismatched(self) -> np.ndarray:
        return (self.gold >= 0) & (self.gold != self.predicted)

    def _truth_and_prediction(self) -> tuple[np.ndarray, np.ndarray]:
        return self.gold, self.predicted

    def _sort_key(self, column: int) -> np.ndarray | None:
        return {self.SENTENCE: np.arange(self._count()), self.PREDICTED: self.predicted,
                self.GOLD: self.gold}.get(column)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        token = int(self._rows[index.row()])
        column = index.column()
        wrong = bool(self.gold[token] >= 0 and self.gold[token] != self.predicted[token])
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.SENTENCE:
                return str(int(self.sentence_of[token]))
            if column == self.TOKEN:
                return self.tokens[token]
            if column == self.PREDICTED:
                return ("✗ " if wrong else "") + label_text(int(self.predicted[token]),
                                                            self.names)
            gold = int(self.gold[token])
            return label_text(gold, self.names) if gold >= 0 else "—"
        if role == Qt.ItemDataRole.BackgroundRole and wrong:
            return QBrush(MISMATCH_BACKGROUND)
        if role == Qt.ItemDataRole.ForegroundRole and column == self.PREDICTED and wrong:
            return QBrush(MISMATCH_FOREGROUND)
        if role == SAMPLE_ROLE:
            return token
        return None

    def mismatch_count(self) -> int:
        return int(self._mismatched().sum())

    def accuracy(self) -> float | None:
        known = self.gold >= 0
        return float(np.mean(self.gold[known] == self.predicted[known])) if known.any() else None


def _flat_tags(per_sentence: Sequence[Sequence[int]], lengths: np.ndarray,
               total: int) -> np.ndarray:
    """Per-sentence tag lists as one flat array aligned with the tokens; a sentence whose list
    is too short or too long is cut or padded with -1 (unknown)."""
    flat = np.full(total, -1, dtype=np.int64)
    start = 0
    for tags, length in zip(per_sentence, lengths.tolist(), strict=False):
        shown = min(len(tags), length)
        flat[start:start + shown] = np.asarray(tags[:shown], dtype=np.int64)
        start += length
    return flat
