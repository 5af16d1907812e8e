"""The predictions panel's pyqtgraph charts: labelled bars (class probabilities, per-tag
accuracy) and a confusion matrix heat map with class names on its axes.

Each chart is redrawn whole from arrays (one BarGraphItem, one ImageItem), never bar by bar,
so a 17-class or 100-class answer costs the same few calls.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

BAR_COLOR = (96, 125, 139)
HIGHLIGHT_COLOR = (30, 136, 229)
TRUE_COLOR = (67, 160, 71)
WRONG_COLOR = (229, 57, 53)
HEAT_LOW, HEAT_HIGH = (255, 255, 255), (21, 101, 192)
MAX_TICK_LABELS = 40
MAX_CELL_TEXTS = 400


def _ticks(labels: Sequence[str]) -> list[list[tuple[int, str]]]:
    """Axis ticks naming each index; thinned out when there are too many to read."""
    step = max(1, int(np.ceil(len(labels) / MAX_TICK_LABELS)))
    return [[(i, str(labels[i])) for i in range(0, len(labels), step)]]


class BarChart(pg.PlotWidget):
    """Bars over named categories, values usually in [0, 1]."""

    def __init__(self, title: str = "", y_label: str = "", parent: QWidget | None = None,
                 horizontal: bool = False):
        """``horizontal``: categories down the left axis (many or long names stay readable),
        values across; ``y_label`` then names the value axis all the same."""
        super().__init__(parent)
        self.horizontal = horizontal
        self.setBackground(None)
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.plotItem.setTitle(title)
        self.plotItem.setLabel("bottom" if horizontal else "left", y_label)
        self.plotItem.showGrid(x=horizontal, y=not horizontal, alpha=0.2)
        if horizontal:
            self.plotItem.invertY(True)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7)
        self.addItem(self.bars)
        self.values = np.zeros(0)
        self.labels: list[str] = []

    def set_bars(self, values: Sequence[float], labels: Sequence[str],
                 colors: dict[int, tuple[int, int, int]] | None = None,
                 y_range: tuple[float, float] | None = (0.0, 1.0)) -> None:
        """Draw ``values`` (NaN: no bar) named by ``labels``; ``colors`` picks out some bars."""
        self.values = np.asarray(values, dtype=np.float64)
        self.labels = list(labels)
        heights = np.nan_to_num(self.values)
        brushes = [pg.mkBrush(*(colors or {}).get(i, BAR_COLOR)) for i in range(len(heights))]
        positions = np.arange(len(heights))
        if self.horizontal:
            self.bars.setOpts(x0=0, y=positions, width=heights, height=0.7, brushes=brushes)
        else:
            self.bars.setOpts(x=positions, height=heights, width=0.7, brushes=brushes)
        category_axis, set_category_range, set_value_range = (
            ("left", self.setYRange, self.setXRange) if self.horizontal
            else ("bottom", self.setXRange, self.setYRange))
        self.plotItem.getAxis(category_axis).setTicks(_ticks(self.labels))
        if len(heights):
            set_category_range(-0.6, len(heights) - 0.4, padding=0)
        if y_range is not None:
            set_value_range(*y_range, padding=0.02)

    def clear_bars(self) -> None:
        self.set_bars([], [])


class ConfusionMatrixChart(pg.PlotWidget):
    """counts[true, predicted] as a heat map (colour: share of the true class), each cell's
    count written on it while they are few enough to read; true classes down, predicted
    across."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setBackground(None)
        self.setMenuEnabled(False)
        self.hideButtons()
        self.setAspectLocked(True)
        self.plotItem.invertY(True)
        self.plotItem.setLabel("left", "true")
        self.plotItem.setLabel("bottom", "predicted")
        self.plotItem.setTitle("Confusion matrix")
        self.image = pg.ImageItem()
        colormap = pg.ColorMap([0.0, 1.0], [HEAT_LOW, HEAT_HIGH])
        self.image.setLookupTable(colormap.getLookupTable(nPts=256))
        self.addItem(self.image)
        self.counts = np.zeros((0, 0), dtype=np.int64)
        self.labels: list[str] = []
        self._texts: list[pg.TextItem] = []

    def set_matrix(self, counts: np.ndarray, labels: Sequence[str]) -> None:
        self.counts = np.asarray(counts, dtype=np.int64)
        self.labels = list(labels)
        size = len(self.counts)
        totals = self.counts.sum(axis=1, keepdims=True)
        shares = self.counts / np.maximum(totals, 1)
        # ImageItem's first axis is x (predicted): transpose the [true, predicted] matrix
        if size:
            self.image.setImage(shares.T, levels=(0.0, 1.0), autoLevels=False)
            self.image.setRect(-0.5, -0.5, size, size)
        else:
            self.image.clear()
        for text in self._texts:
            self.removeItem(text)
        self._texts = []
        if 0 < size * size <= MAX_CELL_TEXTS:
            for true in range(size):
                for predicted in range(size):
                    count = int(self.counts[true, predicted])
                    if not count:
                        continue
                    dark = shares[true, predicted] > 0.55
                    text = pg.TextItem(str(count), anchor=(0.5, 0.5),
                                       color=(255, 255, 255) if dark else (33, 33, 33))
                    text.setPos(predicted, true)
                    self.addItem(text)
                    self._texts.append(text)
        ticks = _ticks(self.labels)
        self.plotItem.getAxis("bottom").setTicks(ticks)
        self.plotItem.getAxis("left").setTicks(ticks)
        if size:
            self.setRange(xRange=(-0.5, size - 0.5), yRange=(-0.5, size - 0.5), padding=0.02)

    def clear_matrix(self) -> None:
        self.set_matrix(np.zeros((0, 0), dtype=np.int64), [])
