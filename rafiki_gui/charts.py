"""The predictions panel's pyqtgraph charts: labelled bars (class probabilities, per-tag
accuracy) and a confusion matrix heat map with class names on its axes.

Each chart is redrawn whole from arrays (one BarGraphItem, one ImageItem), never bar by bar,
so a 17-class or 100-class answer costs the same few calls. Both have a crosshair whose
tooltip names what is under the mouse; a click on a matrix cell emits ``sig_cell_clicked``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QWidget

from .chart_axes import NumberAxis, format_number
from .chart_hover import Crosshair, Hover, table_html
from .chart_menu import add_export_menu, export_chart

BAR_COLOR = (96, 125, 139)
HIGHLIGHT_COLOR = (30, 136, 229)
TRUE_COLOR = (67, 160, 71)
WRONG_COLOR = (229, 57, 53)
HEAT_LOW, HEAT_HIGH = (255, 255, 255), (21, 101, 192)
MAX_TICK_LABELS = 40
MAX_CELL_TEXTS = 400
ROW_PX = 16  # px per category on a horizontal bar chart: every name gets its own line
MIN_TEXT_PX, MAX_TEXT_PX = 7, 14  # cell text sizes; below the minimum the text is left out


def _ticks(labels: Sequence[str]) -> list[list[tuple[int, str]]]:
    """Axis ticks naming each index; thinned out when there are too many to read."""
    step = max(1, int(np.ceil(len(labels) / MAX_TICK_LABELS)))
    return [[(i, str(labels[i])) for i in range(0, len(labels), step)]]


def zoomed_range(values: np.ndarray, top: float = 1.0) -> tuple[float, float]:
    """A value axis from a little under the smallest value to ``top``: bars that all sit
    near 1.0 (the issue's per-tag accuracies) show their differences."""
    finite = values[np.isfinite(values)]
    if not len(finite):
        return 0.0, top
    low = float(finite.min())
    span = max(top - low, 0.02)
    return max(0.0, np.floor((low - 0.1 * span) * 50) / 50), top


class BarChart(pg.PlotWidget):
    """Bars over named categories, values usually in [0, 1]."""

    def __init__(self, title: str = "", y_label: str = "", parent: QWidget | None = None,
                 horizontal: bool = False):
        """``horizontal``: categories down the left axis (many or long names stay readable),
        values across; ``y_label`` then names the value axis all the same."""
        super().__init__(parent, axisItems={"left": NumberAxis("left"),
                                            "bottom": NumberAxis("bottom")})
        self.horizontal = horizontal
        self.value_label = y_label
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
        self.counts: np.ndarray | None = None
        self.crosshair = Crosshair(self, self._hover, vertical=not horizontal,
                                   horizontal=horizontal)
        add_export_menu(self, self.title, self.series_table)

    def title(self) -> str:
        return self.plotItem.titleLabel.text or "chart"

    def series_table(self) -> tuple[list[str], list[list]]:
        """(header, rows): each category, its value and (when known) its sample count."""
        header = ["category", self.value_label or "value"]
        if self.counts is not None:
            header.append("samples")
        rows = []
        for index, label in enumerate(self.labels):
            value = float(self.values[index])
            row = [label, None if np.isnan(value) else value]
            if self.counts is not None:
                row.append(int(self.counts[index]))
            rows.append(row)
        return header, rows

    def export(self, path: str) -> None:
        """PNG (2×), SVG or CSV by the suffix."""
        export_chart(self, path, self.series_table, self.title())

    def set_bars(self, values: Sequence[float], labels: Sequence[str],
                 colors: dict[int, tuple[int, int, int]] | None = None,
                 y_range: tuple[float, float] | None = (0.0, 1.0),
                 counts: Sequence[int] | None = None) -> None:
        """Draw ``values`` (NaN: no bar) named by ``labels``; ``colors`` picks out some bars;
        ``counts`` (how many samples each value is over) show in the tooltip; ``y_range``
        "data" zooms the value axis to the values."""
        self.values = np.asarray(values, dtype=np.float64)
        self.labels = list(labels)
        self.counts = None if counts is None else np.asarray(counts)
        heights = np.nan_to_num(self.values)
        brushes = [pg.mkBrush(*(colors or {}).get(i, BAR_COLOR)) for i in range(len(heights))]
        positions = np.arange(len(heights))
        if y_range == "data":
            y_range = zoomed_range(self.values)
        low = 0.0 if y_range is None else y_range[0]
        if self.horizontal:
            self.bars.setOpts(x0=low, y=positions, width=np.maximum(heights - low, 0),
                              height=0.7, brushes=brushes)
        else:
            self.bars.setOpts(x=positions, y0=low, height=np.maximum(heights - low, 0),
                              width=0.7, brushes=brushes)
        category_axis, set_category_range, set_value_range = (
            ("left", self.setYRange, self.setXRange) if self.horizontal
            else ("bottom", self.setXRange, self.setYRange))
        axis = self.plotItem.getAxis(category_axis)
        axis.setTicks(_ticks(self.labels))
        if self.horizontal:  # the names' column as wide as the longest name
            metrics = QFontMetrics(axis.style.get("tickFont") or QFont())
            widest = max([metrics.horizontalAdvance(t) for t in self.labels] + [20])
            axis.setWidth(widest + 12)
            self.wanted_height = min(900, ROW_PX * len(self.labels) + 70)
            self.updateGeometry()
        if len(heights):
            set_category_range(-0.6, len(heights) - 0.4, padding=0)
        if y_range is not None:
            set_value_range(*y_range, padding=0.02)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        """A line per category asked for, not imposed (a minimum would push the window past
        a laptop screen)."""
        hint = super().sizeHint()
        return QSize(hint.width(), max(hint.height(), getattr(self, "wanted_height", 0)))

    def clear_bars(self) -> None:
        self.set_bars([], [])

    def _hover(self, x: float, y: float, _pixel: tuple[float, float]) -> Hover | None:
        index = int(round(y if self.horizontal else x))
        if not 0 <= index < len(self.labels) or abs((y if self.horizontal else x) - index) > 0.4:
            return None
        value = self.values[index]  # NaN: nothing to measure (e.g. a tag no sample has)
        shown = "— (no samples)" if np.isnan(value) else format_number(value)
        rows = [(html.escape(self.value_label or "value"), shown)]
        if self.counts is not None and index < len(self.counts):
            rows.append(("samples", format_number(self.counts[index])))
        return Hover(table_html(self.labels[index], rows))


COLOR_BAR_TICKS = 6
"""At most this many ticks on the colour bar of counts."""


def count_ticks(top: int, most: int = COLOR_BAR_TICKS) -> list[int]:
    """Whole-number ticks from 0 up to ``top``, 1, 2 or 5 times a power of ten apart, at most
    ``most`` of them."""
    top = max(1, top)
    step = 1
    while top // step + 1 > most:
        step = _next_step(step)
    return list(range(0, top + 1, step))


def _next_step(step: int) -> int:
    """1, 2, 5, 10, 20, 50, ..."""
    digits = str(step)
    lead, zeros = int(digits[0]), len(digits) - 1
    return {1: 2, 2: 5, 5: 10}[lead] * 10 ** zeros


class ConfusionMatrixChart(pg.PlotWidget):
    """counts[true, predicted] as a square heat map with a colour scale; by counts, or by
    each true class's share (rows normalised); each cell's number written on it when it
    fits; true classes down, predicted across. A click on a cell emits its pair."""

    sig_cell_clicked = Signal(int, int)
    """A cell was clicked: (true class, predicted class)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setBackground(None)
        self.setMenuEnabled(False)
        self.hideButtons()
        self.setAspectLocked(True)
        self.setMouseEnabled(x=False, y=False)
        self.plotItem.invertY(True)
        self.plotItem.setLabel("left", "true")
        self.plotItem.setLabel("bottom", "predicted")
        self.plotItem.setTitle("Confusion matrix")
        self.image = pg.ImageItem()
        self.colormap = pg.ColorMap([0.0, 1.0], [HEAT_LOW, HEAT_HIGH])
        self.image.setLookupTable(self.colormap.getLookupTable(nPts=256))
        self.addItem(self.image)
        self.color_bar = pg.ColorBarItem(values=(0, 1), colorMap=self.colormap,
                                         interactive=False, width=12)
        self.color_bar.setImageItem(self.image, insert_in=self.plotItem)
        self.normalized = False
        self.counts = np.zeros((0, 0), dtype=np.int64)
        self.labels: list[str] = []
        self._texts: list[pg.TextItem] = []
        self.crosshair = Crosshair(self, self._hover)
        self.crosshair.sig_clicked.connect(lambda cell: self.sig_cell_clicked.emit(*cell))
        self.plotItem.getViewBox().sigResized.connect(self._fit_texts)
        add_export_menu(self, lambda: "confusion matrix", self.series_table)

    def series_table(self) -> tuple[list[str], list[list]]:
        """(header, rows): one row per (true, predicted) pair with its count and share."""
        shares = self.shares()
        rows = [[self.labels[t], self.labels[p], int(self.counts[t, p]), float(shares[t, p])]
                for t in range(len(self.counts)) for p in range(len(self.counts))]
        return ["true", "predicted", "count", "share of the true class"], rows

    def export(self, path: str) -> None:
        """PNG (2×), SVG or CSV by the suffix."""
        export_chart(self, path, self.series_table, "confusion matrix")

    def shares(self) -> np.ndarray:
        """Each row's counts as shares of its true class (0 where the class never occurs)."""
        totals = self.counts.sum(axis=1, keepdims=True)
        return self.counts / np.maximum(totals, 1)

    def set_normalized(self, on: bool) -> None:
        """Colour and numbers by row share (on) or by count (off)."""
        self.normalized = bool(on)
        self.set_matrix(self.counts, self.labels)

    def set_matrix(self, counts: np.ndarray, labels: Sequence[str]) -> None:
        self.counts = np.asarray(counts, dtype=np.int64)
        self.labels = list(labels)
        size = len(self.counts)
        shown = self.shares() if self.normalized else self.counts.astype(float)
        top = 1.0 if self.normalized else float(max(1, self.counts.max(initial=0)))
        # ImageItem's first axis is x (predicted): transpose the [true, predicted] matrix
        if size:
            self.image.setImage(shown.T, levels=(0.0, top), autoLevels=False)
            self.image.setRect(-0.5, -0.5, size, size)
        else:
            self.image.clear()
        self.color_bar.setLevels((0.0, top))
        self.color_bar.axis.setLabel("share of the true class" if self.normalized else "count")
        # counts are whole: ticks at 0, 1, 2 (not 0.5, 1.5); shares keep pyqtgraph's ticks
        self.color_bar.axis.setTicks(None if self.normalized else
                                     [[(v, str(v)) for v in count_ticks(int(top))]])
        for text in self._texts:
            self.removeItem(text)
        self._texts = []
        if 0 < size * size <= MAX_CELL_TEXTS:
            for true in range(size):
                for predicted in range(size):
                    count = int(self.counts[true, predicted])
                    if not count:
                        continue
                    dark = shown[true, predicted] / top > 0.55
                    label = (f"{shown[true, predicted]:.0%}" if self.normalized
                             else str(count))
                    text = pg.TextItem(label, anchor=(0.5, 0.5),
                                       color=(255, 255, 255) if dark else (33, 33, 33))
                    text.setPos(predicted, true)
                    self.addItem(text)
                    self._texts.append(text)
        ticks = _ticks(self.labels)
        self._names_below = None
        self.plotItem.getAxis("bottom").setTicks(ticks)
        left = self.plotItem.getAxis("left")
        left.setTicks(ticks)
        if self.labels:  # the names and the axis title side by side, never over each other
            metrics = QFontMetrics(left.style.get("tickFont") or QFont())
            left.setWidth(max(metrics.horizontalAdvance(t) for t in self.labels) + 34)
        if size:
            self.setRange(xRange=(-0.5, size - 0.5), yRange=(-0.5, size - 0.5), padding=0.02)
        self._fit_texts()

    def cell_pixels(self) -> float:
        """The side of one cell on screen (px)."""
        size = len(self.counts)
        if not size:
            return 0.0
        view = self.plotItem.getViewBox()
        width, height = view.viewPixelSize()
        return 1.0 / max(width, height, 1e-9)

    def _fit_texts(self, *_args) -> None:
        """Cell numbers sized to their cells, and left out where even the smallest size
        would spill over the cell's edges."""
        if not self._texts:
            self._fit_names(self.cell_pixels())
            return
        cell = self.cell_pixels()
        self._fit_names(cell)
        pixels = int(min(MAX_TEXT_PX, cell * 0.36))
        font = QFont()
        font.setPixelSize(max(MIN_TEXT_PX, pixels))
        metrics = QFontMetrics(font)
        for text in self._texts:
            fits = (pixels >= MIN_TEXT_PX
                    and metrics.horizontalAdvance(text.textItem.toPlainText()) <= cell - 4)
            text.setFont(font)
            text.setVisible(fits)

    def _fit_names(self, cell: float) -> None:
        """Class names under the columns while they fit a column's width, else the class
        numbers (the names stay down the rows, where they have room, and in the tooltip)."""
        if not self.labels or cell <= 0:
            return
        axis = self.plotItem.getAxis("bottom")
        metrics = QFontMetrics(axis.style.get("tickFont") or QFont())
        widest = max(metrics.horizontalAdvance(label) for label in self.labels)
        names = widest <= cell - 6
        if names != getattr(self, "_names_below", None):
            self._names_below = names
            axis.setTicks(_ticks(self.labels if names else
                                 [str(i) for i in range(len(self.labels))]))

    def texts_shown(self) -> list[str]:
        """The numbers written on the cells now (the ones that fit)."""
        return [t.textItem.toPlainText() for t in self._texts if t.isVisible()]

    def _hover(self, x: float, y: float, _pixel: tuple[float, float]) -> Hover | None:
        size = len(self.counts)
        predicted, true = int(round(x)), int(round(y))
        if not (0 <= predicted < size and 0 <= true < size):
            return None
        count = int(self.counts[true, predicted])
        share = self.shares()[true, predicted]
        rows = [("true", html.escape(self.labels[true])),
                ("predicted", html.escape(self.labels[predicted])),
                ("count", str(count)), ("share of the true class", f"{share:.1%}")]
        return Hover(table_html("", rows), key=(true, predicted))

    def clear_matrix(self) -> None:
        self.set_matrix(np.zeros((0, 0), dtype=np.int64), [])
