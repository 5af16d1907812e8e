"""The tuning charts (pyqtgraph): score by trial, one metric over all trials, parallel
coordinates of the knobs, knob importance and a slice of score against one knob.

Each chart redraws from whole arrays (:mod:`rafiki_gui.tuning.chart_data`) and only when its
tab is visible; live updates are coalesced by a timer, so a finished trial costs one redraw of
the chart in view however many trials finish at once. Importance (fANOVA takes seconds on 500
trials) is computed on a background thread.
"""

from __future__ import annotations

import math
from operator import attrgetter
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from rafiki.model.knob import BaseKnob, CategoricalKnob, FixedKnob, IntegerKnob

from ..chart_axes import NumberAxis, format_number
from ..chart_hover import Crosshair, Hover, nearest_point, swatch, table_html
from ..chart_legend import outside_legend
from ..function_worker import call_off_ui_thread
from ..style import plot_colors
from . import chart_data as cd
from .faint_layer import FaintBlock, FaintLayer
from .importance import KnobImportance, knob_importance
from .trial_checklist import TrialChecklist, checklist_view

REDRAW_DELAY_MS = 150
FAINT_BLOCK = 256
"""Trials per faint-curve item of the metric overlay: a live trial rebuilds one block's
path (256 curves of <= 200 points), and 5,000 trials are 20 items to paint."""
BEST_COLOR = "#e6550d"
SELECTED_COLOR = "#3182bd"
SCORE_COLOR = "#6a51a3"
COLOR_BINS = 16
PARALLEL_MIN_HEIGHT = 300  # px asked for: three labels per axis never crowd the lines
LABEL_ROW_PX = 22  # px per category label on a parallel axis
_COLORMAP = pg.colormap.get("viridis")


def _plot_widget() -> pg.PlotWidget:
    """A chart with axes that write integers whole and scores as they are (0.95, not
    950 ×0.001)."""
    background, foreground = plot_colors()
    widget = pg.PlotWidget(background=background,
                           axisItems={"left": NumberAxis("left"), "bottom": NumberAxis("bottom")})
    item = widget.getPlotItem()
    for side in ("left", "bottom"):
        item.getAxis(side).setPen(foreground)
        item.getAxis(side).setTextPen(foreground)
    widget.showGrid(x=True, y=True, alpha=0.15)
    return widget


def _set_label(widget: pg.PlotWidget, side: str, text: str) -> None:
    """An axis label, set only when it changes: setting it re-sizes the axis, and the plot
    was laid out again and every curve's bounds recomputed at each live redraw."""
    axis = widget.getPlotItem().getAxis(side)
    if axis.labelText != text or not axis.label.isVisible():
        widget.setLabel(side, text)


def _trial_title(trial: Any) -> str:
    return f"Trial {trial.number}"


def _faint(color: str, alpha: int) -> Any:
    faded = pg.mkColor(color)
    faded.setAlpha(alpha)
    return faded


def _score_colors(scores: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Each score's colour bin (0..COLOR_BINS-1) on the score's range, and that range."""
    if not len(scores):
        return np.empty(0, dtype=int), 0.0, 1.0
    low, high = float(scores.min()), float(scores.max())
    span = high - low or 1.0
    return np.minimum(((scores - low) / span * COLOR_BINS).astype(int), COLOR_BINS - 1), low, high


class ChartView(QWidget):
    """A chart with a control row; ``chart`` is the widget exported as PNG/SVG; its
    crosshair's tooltip comes from :meth:`hover`, and a click on a trial emits
    ``sig_trial_clicked`` (the trials table's owner selects it)."""

    title = ""
    sig_trial_clicked = Signal(int)
    """The user clicked a trial's point or line: (its trial id)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(2, 2, 2, 2)
        self.controls = QHBoxLayout()
        self.layout_.addLayout(self.controls)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()
        self.layout_.addWidget(self.message)
        self.chart: QWidget = _plot_widget()
        self.trials: list[Any] = []
        self.knob_config: dict[str, BaseKnob] = {}
        self.best_id: int | None = None
        self.selected_id: int | None = None
        self.crosshair = Crosshair(self.chart, self.hover)
        self.crosshair.sig_clicked.connect(self.sig_trial_clicked.emit)

    def hover(self, x: float, y: float, pixel: tuple[float, float]) -> Hover | None:
        """The tooltip for the mouse at (x, y) in data coordinates (None: no tooltip)."""
        return None

    def trial(self, trial_id: int | None) -> Any:
        return next((t for t in self.trials if t.id == trial_id), None)

    def series_table(self) -> tuple[list[str], list[list[Any]]]:
        """The chart's plotted numbers as (header, rows), for a CSV export."""
        return [], []

    def set_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def redraw(self) -> None:
        raise NotImplementedError


class ScoreChart(ChartView):
    """Each trial's score by its number, and the best score so far as a step line."""

    title = "Score"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.layout_.addWidget(self.chart, 1)
        self.chart.setLabel("bottom", "trial")
        self.chart.setLabel("left", "score")
        self.chart.getPlotItem().getAxis("bottom").set_integer(True)
        outside_legend(self.chart.getPlotItem(), columns=2, text_color=plot_colors()[1])
        self.best_line = self.chart.plot([], [], pen=pg.mkPen(BEST_COLOR, width=2),
                                         name="best so far")
        self.points = self.chart.plot([], [], pen=None, symbol="o", symbolSize=6,
                                      symbolBrush=_faint(SCORE_COLOR, 170),
                                      symbolPen=None, name="trial score")
        self.selected = self.chart.plot([], [], pen=None, symbol="o", symbolSize=11,
                                        symbolBrush=None,
                                        symbolPen=pg.mkPen(SELECTED_COLOR, width=2))

    def redraw(self) -> None:
        numbers, scores, best = cd.scores_by_trial(self.trials)
        self._drawn = (numbers, scores, best)
        self.points.setData(numbers, scores)
        self.best_line.setData(*cd.best_steps(numbers, best))
        chosen = [t for t in self.trials if t.id == self.selected_id and t.score is not None]
        self.selected.setData([t.number for t in chosen], [t.score for t in chosen])
        self.set_message("" if len(numbers) else "No trial has a score yet.")

    def hover(self, x: float, y: float, pixel: tuple[float, float]) -> Hover | None:
        numbers, scores, best = getattr(self, "_drawn", (np.empty(0),) * 3)
        index = nearest_point(numbers, scores, x, y, pixel)
        if index is None:
            return None
        number = int(numbers[index])
        trial = next((t for t in self.trials if t.number == number), None)
        rows = [(swatch(SCORE_COLOR), "score", format_number(scores[index])),
                (swatch(BEST_COLOR), "best so far", format_number(best[index]))]
        return Hover(table_html(f"Trial {number}", rows),
                     [(numbers[index], scores[index], SCORE_COLOR)],
                     key=None if trial is None else trial.id, snap_x=float(numbers[index]))

    def series_table(self) -> tuple[list[str], list[list[Any]]]:
        numbers, scores, best = cd.scores_by_trial(self.trials)
        return (["trial", "score", "best so far"],
                [[int(n), float(s), float(b)] for n, s, b in zip(numbers, scores, best,
                                                                  strict=True)])


class MetricOverlayChart(ChartView):
    """One logged metric over every trial: the best trial bold, the others faint; any trial
    can be hidden in the list beside the chart.

    The faint curves are drawn by one curve item per block of ``FAINT_BLOCK`` trials (by
    their place in the trials list), each holding its trials' reduced curves as one pair of
    arrays: a live trial changes only the last block, and a new best or selection the blocks
    of the trials concerned, so a redraw hands pyqtgraph a few thousand points, not the
    whole overlay (one item of 200,000 points cost ~100 ms a redraw to rebuild its path)."""

    title = "Metric"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.metrics: dict[int, dict[str, list]] = {}
        self.x_axis_of: dict[str, str] = {}  # metric -> its plot's x axis metric
        self.hidden: set[int] = set()
        self._curves_cache: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]] = {}
        self._cache_points = cd.OVERLAY_POINTS_PER_CURVE  # points of the cached reduced curves
        self._name_counts: dict[str, int] = {}  # metric -> trials that logged it
        self._counted: set[int] = set()  # trial ids whose names are in _name_counts
        self._faint_items: list[pg.PlotCurveItem] = []
        self._faint_keys: list[Any] = []  # what each block item shows now
        self._faint_curves: list[list[tuple[int, Any]]] = []  # each block's (id, curve)s
        self._shown: set[int] | None = None  # see shown_ids
        self._changed_ids: set[int] = set()  # trials whose curves changed since the redraw
        self._cache_generation = 0  # bumped when cached curves are rebuilt or re-reduced
        self._hover_cache: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._hover_curves: list[tuple[int, tuple[np.ndarray, np.ndarray]]] = []  # picked
        self._hover_blocks = 0  # blocks of _faint_curves drawn at the last redraw
        self.loading = False  # the metrics are being read (an experiment just opened)
        self.metric_box = QComboBox()
        self.metric_box.setMinimumContentsLength(14)
        self.controls.addWidget(QLabel("Metric"))
        self.controls.addWidget(self.metric_box)
        self.controls.addStretch(1)
        self.checklist = TrialChecklist(lambda trial_id: trial_id in self.hidden,
                                        self.set_hidden, self)
        self.trial_list = checklist_view(self.checklist)
        self.trial_list.setMaximumWidth(170)
        self.trial_list.setToolTip("Untick a trial to hide its curve")
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.chart)
        splitter.addWidget(self.trial_list)
        splitter.setStretchFactor(0, 1)
        self.layout_.addWidget(splitter, 1)
        self.chart.setLabel("bottom", "logged point")
        item = self.chart.getPlotItem()
        item.setClipToView(True)
        outside_legend(item, columns=3, text_color=plot_colors()[1])
        self._faint_pen = pg.mkPen(_faint("#7f7f7f", 70), width=1)
        self.faint_layer = FaintLayer()
        """Paints the closed blocks from one cached image (the first item of the view)."""
        item.getViewBox().addItem(self.faint_layer, ignoreBounds=True)
        self.others = FaintBlock(self.faint_layer, pen=self._faint_pen, connect="finite",
                                 name="other trials")
        """The first block's item (the legend's "other trials"); the others follow it."""
        self.chart.addItem(self.others)
        self._faint_items.append(self.others)
        self._faint_keys.append(None)
        self._faint_curves.append([])
        self.selected_curve = self.chart.plot([], [], pen=pg.mkPen(SELECTED_COLOR, width=2),
                                              name="selected trial")
        self.best_curve = self.chart.plot([], [], pen=pg.mkPen(BEST_COLOR, width=2.5),
                                          name="best trial")
        # over every faint block, those made later too
        self.selected_curve.setZValue(self.others.zValue() + 1)
        self.best_curve.setZValue(self.others.zValue() + 2)
        self.metric_box.currentTextChanged.connect(lambda _t: self.redraw())

    @property
    def metric(self) -> str:
        return self.metric_box.currentText()

    def set_metrics(self, metrics: dict[int, dict[str, list]],
                    x_axis_of: dict[str, str] | None = None) -> None:
        """Every trial's metric columns, and which metric is each one's x axis (from the
        model's plot definitions)."""
        if metrics is not self.metrics or (x_axis_of is not None
                                           and dict(x_axis_of) != self.x_axis_of):
            self._curves_cache.clear()  # new columns or axes; a live trial forgets its own
            self._cache_generation += 1
        self.metrics = metrics
        if x_axis_of is not None:
            self.x_axis_of = dict(x_axis_of)
        self._name_counts = {}
        for columns in metrics.values():
            cd.count_metric_names(columns, self._name_counts)
        self._counted = set(metrics)
        self._offer_names()

    def metrics_added(self, trial_id: int, x_axis_of: dict[str, str] | None = None) -> None:
        """One trial's columns were added to ``metrics`` (live): only its names are counted."""
        if x_axis_of is not None and dict(x_axis_of) != self.x_axis_of:
            self.set_metrics(self.metrics, x_axis_of)
            return
        self.forget_trial(trial_id)
        if trial_id not in self._counted and trial_id in self.metrics:
            self._counted.add(trial_id)
            cd.count_metric_names(self.metrics[trial_id], self._name_counts)
        self._offer_names()

    def _offer_names(self) -> None:
        names = cd.names_by_count(self._name_counts, set(self.x_axis_of.values()))
        current = self.metric
        if names != [self.metric_box.itemText(i) for i in range(self.metric_box.count())]:
            self.metric_box.blockSignals(True)
            self.metric_box.clear()
            self.metric_box.addItems(names)
            if current in names:
                self.metric_box.setCurrentText(current)
            self.metric_box.blockSignals(False)

    def forget_trial(self, trial_id: int) -> None:
        """A running trial logged more: its curves are rebuilt at the next redraw (its keys
        popped, not the whole cache scanned: 5,000 trials' keys took 7 ms a trial)."""
        for metric in list(self._name_counts) + list(self.x_axis_of.values()):
            self._curves_cache.pop((trial_id, metric), None)
            self._curves_cache.pop((-trial_id - 1, metric), None)
        self._changed_ids.add(trial_id)

    def forget_curves(self) -> None:
        """Every curve is rebuilt from the metric columns at the next redraw."""
        self._curves_cache.clear()
        self._cache_generation += 1

    def seed_curves(self, reduced: dict[str, dict[int, tuple[np.ndarray, np.ndarray]]],
                    points: int) -> None:
        """Reduced curves computed off the UI thread (metric -> trial id -> curve)."""
        if points != self._cache_points:
            self._curves_cache = {k: v for k, v in self._curves_cache.items() if k[0] < 0}
        self._cache_points = points
        self._cache_generation += 1
        for metric, curves in reduced.items():
            for trial_id, curve in curves.items():
                self._curves_cache[(trial_id, metric)] = curve

    def _settle_points(self, curves: int) -> None:
        """Keep the cached reduced curves at the points ``curves`` curves may have: fewer
        points are made from the cached curves themselves (min/max of min/max keeps the
        peaks; milliseconds, where rebuilding from the raw columns took a quarter second),
        more from the raw columns. Up to a quarter over the budget keeps what is cached, so
        trials arriving one by one never re-reduce every curve."""
        points = cd.points_per_curve(curves)
        cached = self._cache_points
        if points == cached or (points < cached
                                and cached * curves <= cd.OVERLAY_POINT_BUDGET * 5 // 4):
            return
        metric = self.metric
        kept = {k: v for k, v in self._curves_cache.items() if k[0] < 0}
        if points < cached:
            keys = [k for k in self._curves_cache if k[0] >= 0 and k[1] == metric]
            smaller = cd.reduce_curves([self._curves_cache[k] for k in keys], points)
            kept.update(zip(keys, smaller, strict=True))
        self._curves_cache = kept
        self._cache_points = points
        self._cache_generation += 1

    def _reduced_curves(self, trial_ids: list[int]) -> list[tuple[np.ndarray, np.ndarray]]:
        """The trials' reduced curves of the current metric, the missing ones built at once
        (call :meth:`_settle_points` first)."""
        metric = self.metric
        missing = [i for i in trial_ids if (i, metric) not in self._curves_cache]
        if missing:
            axis = self.x_axis_of.get(metric)
            raw = [cd.metric_curve(self.metrics.get(i, {}), metric, axis) for i in missing]
            for trial_id, curve in zip(missing, cd.reduce_curves(raw, self._cache_points),
                                       strict=True):
                self._curves_cache[(trial_id, metric)] = curve
        return [self._curves_cache[(i, metric)] for i in trial_ids]

    def _curve(self, trial_id: int, reduced: bool) -> tuple[np.ndarray, np.ndarray]:
        key = (trial_id, self.metric) if reduced else (-trial_id - 1, self.metric)
        curve = self._curves_cache.get(key)
        if curve is None:
            x, y = cd.metric_curve(self.metrics.get(trial_id, {}), self.metric,
                                   self.x_axis_of.get(self.metric))
            curve = cd.reduce_curve(x, y, self._cache_points) if reduced else (x, y)
            self._curves_cache[key] = curve
        return curve

    def _fill_list(self) -> None:
        """One tickable row per trial; live trials are appended, changed texts repainted."""
        self.checklist.set_trials(self.trials)

    def set_hidden(self, trial_id: int, hidden: bool) -> None:
        (self.hidden.add if hidden else self.hidden.discard)(trial_id)
        self.redraw()

    def _faint_item(self, block: int) -> pg.PlotCurveItem:
        while len(self._faint_items) <= block:
            item = FaintBlock(self.faint_layer, pen=self._faint_pen, connect="finite")
            item.setZValue(self.others.zValue())
            self.chart.addItem(item)
            self._faint_items.append(item)
            self._faint_keys.append(None)
            self._faint_curves.append([])
        return self._faint_items[block]

    def redraw(self) -> None:
        self._fill_list()
        _set_label(self.chart, "left", self.metric)
        _set_label(self.chart, "bottom", self.x_axis_of.get(self.metric) or "logged point")
        self._hover_cache = None
        self._shown = None
        if not self.metric:
            for index, item in enumerate(self._faint_items):
                item.setData([], [])
                self._faint_keys[index] = None
                self._faint_curves[index] = []
            self.faint_layer.blocks_changed()
            self.best_curve.setData([], [])
            self.selected_curve.setData([], [])
            self._hover_curves = []
            self._hover_blocks = 0
            self.set_message(f"Reading the metrics of {len(self.trials)} trials…" if self.loading
                             else "No trial has logged a metric yet (ModelLogger.log).")
            return
        self.set_message("")
        hidden, metrics = self.hidden, self.metrics
        picked_ids = (self.best_id, self.selected_id)
        all_ids = list(map(attrgetter("id"), self.trials))
        blocks = [[i for i in all_ids[start:start + FAINT_BLOCK]
                   if i not in hidden and i in metrics and i not in picked_ids]
                  for start in range(0, len(all_ids), FAINT_BLOCK)]
        faint_count = sum(map(len, blocks))
        self._settle_points(faint_count)
        changed, self._changed_ids = self._changed_ids, set()
        state = (self.metric, self._cache_generation)
        set_again = False
        for block, ids in enumerate(blocks):
            key = (state, ids)
            item = self._faint_item(block)
            # a block as it was keeps its curves: 5,000 cache look-ups a redraw cost more than
            # the rest of it while trials streamed in
            if self._faint_keys[block] == key and not changed.intersection(ids):
                continue
            curves = self._reduced_curves(ids)
            item.setData(*cd.joined_curves(curves), connect="finite")
            self._faint_keys[block] = key
            self._faint_curves[block] = list(zip(ids, curves, strict=True))
            set_again = True
        for block in range(len(blocks), len(self._faint_items)):  # fewer trials than before
            if self._faint_keys[block] is not None:
                self._faint_items[block].setData([], [])
                self._faint_keys[block] = None
                self._faint_curves[block] = []
                set_again = True
        # live trials land in the last block: it paints itself, the others come from the image
        self.faint_layer.set_blocks(self._faint_items,
                                    self._faint_items[len(blocks) - 1] if blocks else None)
        if set_again:
            self.faint_layer.blocks_changed()
        picked = [i for i in dict.fromkeys(picked_ids)
                  if i is not None and i in metrics and i not in hidden and i in all_ids]
        self._hover_curves = [(i, self._curve(i, False)) for i in picked]
        self._hover_blocks = len(blocks)
        for curve, trial_id in ((self.best_curve, self.best_id),
                                (self.selected_curve, self.selected_id)):
            if trial_id in picked:
                curve.setData(*self._curve(trial_id, False))
            else:
                curve.setData([], [])

    @property
    def shown_ids(self) -> set[int]:
        """The trials whose curves are drawn (worked out when first asked after a redraw:
        a hover or an export, not each live redraw)."""
        if self._shown is None:
            hidden, metrics = self.hidden, self.metrics
            self._shown = {t.id for t in self.trials if t.id not in hidden
                           and t.id in metrics} if self.metric else set()
        return self._shown

    @property
    def _hover_points(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every drawn point once, with its trial: a hover is one nearest-point search, not
        one per trial (5,000 trials). Built at the first hover after a redraw, not at each
        redraw (live trials redraw several times a second)."""
        if self._hover_cache is None:
            pairs = [pair for block in self._faint_curves[:self._hover_blocks] for pair in block]
            pairs += self._hover_curves  # the best and selected trials'
            curves = [curve for _trial_id, curve in pairs]
            self._hover_cache = (
                np.concatenate([c[0] for c in curves]) if curves else np.empty(0),
                np.concatenate([c[1] for c in curves]) if curves else np.empty(0),
                np.repeat([trial_id for trial_id, _curve in pairs],
                          [len(c[0]) for c in curves]).astype(np.int64))
        return self._hover_cache

    def hover(self, x: float, y: float, pixel: tuple[float, float]) -> Hover | None:
        """The trial whose curve passes nearest the mouse, with its value there; the best
        and selected trials' values at the mouse's x beside it."""
        shown = self.shown_ids
        xs, ys, owners = getattr(self, "_hover_points", (np.empty(0),) * 3)
        index = nearest_point(xs, ys, x, y, pixel)
        nearest = None if index is None else int(owners[index])
        nearest_at = None if index is None else (xs[index], ys[index])
        rows, marks = [], []
        for trial_id, color, role in ((nearest, "#7f7f7f", "under the mouse"),
                                      (self.best_id, BEST_COLOR, "best"),
                                      (self.selected_id, SELECTED_COLOR, "selected")):
            trial = self.trial(trial_id)
            if trial is None or trial_id not in shown or any(r[0] == trial_id for r in rows):
                continue
            if trial_id == nearest:
                px, py = nearest_at
            else:
                xs, ys = self._curve(trial_id, False)
                if not len(xs):
                    continue
                index = int(np.nanargmin(np.abs(xs - x)))
                px, py = xs[index], ys[index]
            marks.append((px, py, color))
            rows.append((trial_id, swatch(color), f"#{trial.number} ({role})",
                         format_number(py), format_number(px)))
        if not rows:
            return None
        head = ("", "<i>trial</i>", f"<i>{self.metric}</i>",
                f"<i>{self.x_axis_of.get(self.metric) or 'logged point'}</i>")
        return Hover(table_html(self.metric, [head, *[r[1:] for r in rows]]), marks,
                     key=nearest)

    def series_table(self) -> tuple[list[str], list[list[Any]]]:
        x_name = self.x_axis_of.get(self.metric) or "logged point"
        rows = []
        shown = self.shown_ids
        for trial in self.trials:
            if trial.id in shown:
                xs, ys = self._curve(trial.id, False)
                rows += [[trial.number, float(a), float(b)] for a, b in zip(xs, ys, strict=True)]
        return ["trial", x_name, self.metric], rows


class ParallelCoordinatesChart(ChartView):
    """One vertical axis per tuned knob and one for the score; each trial a line across them,
    coloured by its score (log axes for log-scale knobs, categories written on their axis)."""

    title = "Parallel coordinates"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.layout_.addWidget(self.chart, 1)
        item = self.chart.getPlotItem()
        item.hideAxis("left")
        item.setMouseEnabled(x=False, y=False)
        item.hideButtons()
        self.chart.showGrid(x=False, y=False)
        self.wanted_height = PARALLEL_MIN_HEIGHT
        self._items: list[Any] = []
        self._lines: tuple[list[cd.Axis], np.ndarray, np.ndarray, list[int]] = (
            [], np.empty((0, 0)), np.empty(0), [])

    def _clear(self) -> None:
        for item in self._items:
            self.chart.removeItem(item)
        self._items = []

    def _add(self, item: Any) -> Any:
        self.chart.addItem(item)
        self._items.append(item)
        return item

    def redraw(self) -> None:
        self._clear()
        axes = cd.parallel_axes(self.trials, self.knob_config)
        positions, scores, ids = cd.parallel_lines(self.trials, axes)
        self._lines = (axes, positions, scores, ids)
        # tall enough for every category's label on its axis with room between them
        most = max([len(a.categories) for a in axes] + [3])
        self.wanted_height = max(PARALLEL_MIN_HEIGHT, most * LABEL_ROW_PX + 80)
        self.updateGeometry()
        if len(axes) < 2 or not len(scores):
            self.set_message("Parallel coordinates appear once trials have scores.")
            return
        self.set_message("")
        _background, foreground = plot_colors()
        count = len(axes)
        xs = np.arange(count, dtype=float)
        bins, low, high = _score_colors(scores)
        for index in range(COLOR_BINS):
            rows = positions[bins == index]
            if not len(rows):
                continue
            x = np.tile(np.append(xs, np.nan), len(rows))
            y = np.hstack([rows, np.full((len(rows), 1), np.nan)]).ravel()
            color = _COLORMAP.map((index + 0.5) / COLOR_BINS, mode="qcolor")
            color.setAlpha(150)
            self._add(pg.PlotCurveItem(x, y, pen=pg.mkPen(color, width=1.2), connect="finite"))
        if self.best_id in ids:  # the table's best (completed, ties to the lowest number)
            best = positions[ids.index(self.best_id)]
            self._add(pg.PlotCurveItem(xs, best, pen=pg.mkPen(BEST_COLOR, width=3)))
        background, _foreground = plot_colors()
        label_fill = pg.mkColor(background)
        label_fill.setAlpha(215)
        for index, axis in enumerate(axes):
            line = self._add(pg.InfiniteLine(pos=index, angle=90,
                                             pen=pg.mkPen(foreground, width=1)))
            line.setZValue(5)
            for position, label in axis.ticks():
                if math.isnan(position):
                    continue
                # on a filled box above the lines: readable wherever lines cross it
                text = pg.TextItem(label, color=foreground, anchor=(1.05, 0.5),
                                   fill=label_fill)
                text.setZValue(10)
                text.setPos(index, position)
                self._add(text)
        crowded = count > 5  # every other name one line lower, so long names never collide
        names = [(i, ("\n" if crowded and i % 2 else "") + a.name) for i, a in enumerate(axes)]
        logs = [a.name for a in axes if a.kind == "log"]
        bottom = self.chart.getPlotItem().getAxis("bottom")
        bottom.setTicks([names])
        bottom.setHeight(44 if crowded else None)
        self.chart.setXRange(-0.6, count - 0.6, padding=0)
        self.chart.setYRange(-0.05, 1.05, padding=0)
        self.set_message(f"colour: score from {low:.4f} (purple) to {high:.4f} (yellow); "
                         f"the best trial in orange"
                         f"{'; log axes: ' + ', '.join(logs) if logs else ''}")

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        """Asked for, not imposed: a minimum would push the window past a laptop screen."""
        hint = super().sizeHint()
        return QSize(hint.width(), max(hint.height(), self.wanted_height))

    def line_at(self, x: float, y: float, pixel: tuple[float, float]) -> int | None:
        """Row of the trial whose line passes nearest (x, y), if within a few pixels."""
        axes, positions, _scores, _ids = self._lines
        if len(axes) < 2 or not len(positions) or not -0.2 <= x <= len(axes) - 0.8:
            return None
        left = int(min(max(math.floor(x), 0), len(axes) - 2))
        share = min(max(x - left, 0.0), 1.0)
        heights = positions[:, left] * (1 - share) + positions[:, left + 1] * share
        gaps = np.abs(heights - y) / (pixel[1] or 1.0)
        gaps[~np.isfinite(gaps)] = np.inf
        row = int(np.argmin(gaps))
        return row if gaps[row] <= 8 else None

    def hover(self, x: float, y: float, pixel: tuple[float, float]) -> Hover | None:
        row = self.line_at(x, y, pixel)
        if row is None:
            return None
        axes, positions, scores, ids = self._lines
        trial = self.trial(ids[row])
        values = {**(trial.knobs or {}), "score": float(scores[row])}
        rows = [(axis.name, axis.text(values.get(axis.name))) for axis in axes]
        return Hover(table_html(_trial_title(trial), rows), key=ids[row],
                     path=(np.arange(len(axes), dtype=float), positions[row]))

    def series_table(self) -> tuple[list[str], list[list[Any]]]:
        axes, _positions, scores, ids = self._lines
        rows = []
        for trial_id, score in zip(ids, scores, strict=True):
            trial = self.trial(trial_id)
            knobs = trial.knobs or {}
            rows.append([trial.number, *[knobs.get(a.name) for a in axes[:-1]], float(score)])
        return ["trial", *[a.name for a in axes[:-1]], "score"], rows


class ImportanceChart(ChartView):
    """How much each knob explains the score, by Optuna's importance evaluator."""

    title = "Knob importance"
    sig_computed = Signal(object, int)
    """Background result: (KnobImportance, generation)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.layout_.addWidget(self.chart, 1)
        self.chart.setLabel("bottom", "importance")
        self.chart.getPlotItem().setMouseEnabled(x=False, y=False)
        self.result: KnobImportance | None = None
        self._generation = 0
        self._bars: Any = None
        self.sig_computed.connect(self._show)

    def redraw(self) -> None:
        self._generation += 1
        generation = self._generation
        trials, config = list(self.trials), dict(self.knob_config)
        self.set_message("Computing knob importance…")

        call_off_ui_thread(self, knob_importance, trials, config,
                           on_returned=lambda found: self.sig_computed.emit(found, generation),
                           on_errored=lambda error: self.sig_computed.emit(KnobImportance(
                               {}, "", f"knob importance failed: {error['message']}"),
                               generation),
                           thread_name="rafiki-importance")

    def _show(self, found: KnobImportance, generation: int) -> None:
        if generation != self._generation:
            return
        self.result = found
        if self._bars is not None:
            self.chart.removeItem(self._bars)
            self._bars = None
        if found.problem:
            self.set_message(found.problem)
            return
        names = list(found.importances)[::-1]
        values = [found.importances[n] for n in names]
        self._bars = pg.BarGraphItem(x0=0, y=np.arange(len(names)), height=0.6, width=values,
                                     brush=SCORE_COLOR)
        self.chart.addItem(self._bars)
        self.chart.getPlotItem().getAxis("left").setTicks([list(enumerate(names))])
        self.chart.setXRange(0, max(values + [0.01]) * 1.05)
        self.chart.setYRange(-0.6, len(names) - 0.4, padding=0)
        self.set_message(f"by {found.evaluator} over the completed trials")

    def hover(self, x: float, y: float, pixel: tuple[float, float]) -> Hover | None:
        if self.result is None or not self.result.importances:
            return None
        names = list(self.result.importances)[::-1]
        index = int(round(y))
        if not 0 <= index < len(names) or abs(y - index) > 0.35:
            return None
        name = names[index]
        return Hover(table_html(name, [("importance",
                                        format_number(self.result.importances[name]))]))

    def series_table(self) -> tuple[list[str], list[list[Any]]]:
        found = self.result.importances if self.result is not None else {}
        return ["knob", "importance"], [[name, float(v)] for name, v in found.items()]


class SliceChart(ChartView):
    """The score of each trial against one chosen knob."""

    title = "Slice"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.knob_box = QComboBox()
        self.controls.addWidget(QLabel("Knob"))
        self.controls.addWidget(self.knob_box)
        self.controls.addStretch(1)
        self.layout_.addWidget(self.chart, 1)
        self.chart.setLabel("left", "score")
        self.points = self.chart.plot([], [], pen=None, symbol="o", symbolSize=7,
                                      symbolPen=None)
        self.knob_box.currentTextChanged.connect(lambda _t: self.redraw())

    def _fill_knobs(self) -> None:
        names = [n for n, k in self.knob_config.items() if not isinstance(k, FixedKnob)]
        if names != [self.knob_box.itemText(i) for i in range(self.knob_box.count())]:
            self.knob_box.blockSignals(True)
            self.knob_box.clear()
            self.knob_box.addItems(names)
            self.knob_box.blockSignals(False)

    def redraw(self) -> None:
        self._fill_knobs()
        name = self.knob_box.currentText()
        knob = self.knob_config.get(name)
        values, scores = cd.slice_points(self.trials, name) if name else ([], np.empty(0))
        _set_label(self.chart, "bottom", name)
        axis = self.chart.getPlotItem().getAxis("bottom")
        log = bool(getattr(knob, "is_exp", False))
        self.chart.setLogMode(x=log, y=False)
        if isinstance(knob, CategoricalKnob):
            categories = list(knob.values)
            rng = np.random.default_rng(0)
            x = np.array([categories.index(v) if v in categories else np.nan for v in values],
                         dtype=float) + rng.uniform(-0.15, 0.15, len(values))
            axis.setTicks([[(i, str(c)) for i, c in enumerate(categories)]])
        else:
            x = np.array(values, dtype=float)
            axis.setTicks(None)
        axis.set_integer(isinstance(knob, IntegerKnob))
        bins, _low, _high = _score_colors(scores)
        brushes = [_COLORMAP.map((b + 0.5) / COLOR_BINS, mode="qcolor") for b in bins]
        self.points.setData(x, scores, symbolBrush=brushes)
        self._drawn = (np.log10(x) if log else x, scores, values, name,
                       cd.slice_trial_ids(self.trials, name) if name else [])
        self.set_message("" if len(scores) else "No scored trial yet.")

    def hover(self, x: float, y: float, pixel: tuple[float, float]) -> Hover | None:
        xs, scores, values, name, ids = getattr(self, "_drawn", ([], [], [], "", []))
        index = nearest_point(np.asarray(xs, dtype=float), scores, x, y, pixel)
        if index is None:
            return None
        trial = self.trial(ids[index])
        knob = self.knob_config.get(name)
        value = values[index]
        text = (str(value) if isinstance(knob, CategoricalKnob) or isinstance(value, str)
                else format_number(value))
        return Hover(table_html(_trial_title(trial), [(name, text),
                                                      ("score", format_number(scores[index]))]),
                     [(xs[index], scores[index], SELECTED_COLOR)], key=ids[index])

    def series_table(self) -> tuple[list[str], list[list[Any]]]:
        _xs, scores, values, name, ids = getattr(self, "_drawn", ([], [], [], "", []))
        numbers = {t.id: t.number for t in self.trials}
        return (["trial", name or "knob", "score"],
                [[numbers.get(i), v, float(s)] for i, v, s in zip(ids, values, scores,
                                                                   strict=True)])


class TrialCharts(QTabWidget):
    """The tuning charts as tabs over one list of trials; only the visible one redraws.

    Public for other views (a compare view, pruning's charts): ``charts`` (each a
    :class:`ChartView` with ``chart``, ``hover``, ``series_table``), ``set_data``,
    ``trials_changed``, ``set_selected``, ``add_chart`` and ``sig_trial_clicked``."""

    sig_trial_clicked = Signal(int)
    """A trial was clicked in a chart (score, metric, parallel coordinates, slice): (its id).
    The trials table's owner connects it to its selection."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.score_chart = ScoreChart()
        self.metric_chart = MetricOverlayChart()
        self.parallel_chart = ParallelCoordinatesChart()
        self.importance_chart = ImportanceChart()
        self.slice_chart = SliceChart()
        self.charts: list[ChartView] = [self.score_chart, self.metric_chart,
                                        self.parallel_chart, self.importance_chart,
                                        self.slice_chart]
        from .compute_chart import ComputeChart  # it builds on this module's ChartView

        self.compute_chart = ComputeChart()
        self.charts.append(self.compute_chart)
        for chart in self.charts:
            self.addTab(chart, chart.title)
            chart.sig_trial_clicked.connect(self.sig_trial_clicked.emit)
        self._stale: set[int] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REDRAW_DELAY_MS)
        self._timer.timeout.connect(self._redraw_visible)
        self.currentChanged.connect(lambda _i: self._redraw_visible())

    def add_chart(self, chart: ChartView) -> None:
        """Another chart over the same trials (e.g. best score over wall time), as a tab."""
        chart.trials = self.charts[0].trials
        chart.knob_config = self.charts[0].knob_config
        chart.best_id = self.charts[0].best_id
        self.charts.append(chart)
        self.addTab(chart, chart.title)
        chart.sig_trial_clicked.connect(self.sig_trial_clicked.emit)
        self._stale.add(len(self.charts) - 1)

    def set_data(self, trials: list[Any], knob_config: dict[str, BaseKnob], best_id: int | None,
                 metrics: dict[int, dict[str, list]] | None = None,
                 x_axis_of: dict[str, str] | None = None) -> None:
        """Everything at once (an experiment opened); the visible chart redraws now."""
        for chart in self.charts:
            chart.trials = trials
            chart.knob_config = knob_config
            chart.best_id = best_id
        if metrics is not None:
            self.metric_chart.set_metrics(metrics, x_axis_of)
        self._stale = set(range(len(self.charts)))
        self._redraw_visible()

    def trials_changed(self, best_id: int | None, metrics_of: int | None = None) -> None:
        """The shared trials list changed (live); redraw soon, coalesced."""
        for chart in self.charts:
            chart.best_id = best_id
        if metrics_of is not None:
            self.metric_chart.forget_trial(metrics_of)
        self._stale = set(range(len(self.charts)))
        if not self._timer.isActive():
            self._timer.start()

    def metrics_changed(self, x_axis_of: dict[str, str] | None = None,
                        trial_id: int | None = None) -> None:
        """New metric names may have appeared (the metric chart's own dict was extended:
        with ``trial_id``, by that trial's columns alone)."""
        if trial_id is None:
            self.metric_chart.set_metrics(self.metric_chart.metrics, x_axis_of)
        else:
            self.metric_chart.metrics_added(trial_id, x_axis_of)
        self._stale.add(self.charts.index(self.metric_chart))
        if not self._timer.isActive():
            self._timer.start()

    def set_selected(self, trial_id: int | None) -> None:
        for chart in self.charts:
            chart.selected_id = trial_id
        for chart in (self.score_chart, self.metric_chart):
            index = self.charts.index(chart)
            self._stale.add(index)
        self._redraw_visible()

    def redraw_now(self) -> None:
        """Redraw the visible chart at once if it is stale (a tuning just ended)."""
        self._timer.stop()
        self._redraw_visible()

    def _redraw_visible(self) -> None:
        index = self.currentIndex()
        if index in self._stale:
            self._stale.discard(index)
            self.charts[index].redraw()

    def current_chart(self) -> ChartView:
        return self.charts[self.currentIndex()]
