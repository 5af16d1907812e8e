"""One live plot as a card: the chart, its TensorBoard-like controls, maximize and export.

The controls a user sets (smoothing, log y, the x of a plot against time) are remembered by
the plot's *title* in the settings file, so every later run's "Loss" looks as the last one
was left, across restarts too. Redrawing is incremental: only points that arrived since the
last redraw are smoothed (:class:`~rafiki_gui.smoothing.IncrementalEma`), and the curves take
whole arrays; the crosshair looks values up on mouse moves only.
"""

from __future__ import annotations

import html
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .. import settings
from ..chart_axes import NumberAxis, all_integers, format_number
from ..chart_hover import Crosshair, Hover, nearest_index, swatch, table_html
from ..chart_legend import outside_legend
from ..plot_data import PlotSeries
from ..smoothing import DEFAULT_WEIGHT, MAX_WEIGHT, IncrementalEma
from ..style import plot_colors

PLOT_HEIGHT = 250
COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
          "#7f7f7f", "#bcbd22", "#17becf"]
RAW_ALPHA = 70  # the raw curve behind a smoothed one: visible, never competing
SLIDER_STEPS = 1000
X_RELATIVE, X_WALL, X_STEP = "relative time", "wall time", "step"
X_CHOICES = (X_RELATIVE, X_WALL, X_STEP)
# TensorBoard opens with 0.6; here a plot opens unsmoothed until its title is smoothed once:
# a smoothed curve doubles the points painted per frame while a run floods its plots
DEFAULT_SMOOTHING = 0.0
SETTLE_PASSES = 3  # a redraw's auto range settled in 2 passes under a flood; 3 bounds it
PEAKS_PER_PIXEL = 1.0
"""Downsampled (min, max) pairs drawn per pixel column of a long series. One pair per column
draws the same envelope as five (pyqtgraph's default) with a fifth of the line segments: a
200,000-point flood's curve took 8 ms of a frame's paint at five, 2 ms at one
(bench/bench_gui_stall.py)."""
assert 0.0 <= DEFAULT_SMOOTHING <= MAX_WEIGHT and DEFAULT_WEIGHT  # TensorBoard's for reference


class StreamCurve(pg.PlotDataItem):
    """A curve whose x extent, while its x values only grow, is its first and last x.

    pyqtgraph measures a curve's bounds on the points it draws; with peak downsampling the
    first drawn x is the middle of the first chunk, so each new chunk size (a new range, more
    points) moved the bounds, the auto range, and the chunk size again: a streaming chart
    settled only after two or three rounds, each a paint of its own at the first frame."""

    x_ascending = False
    """Set by the view for the data it gives: no x smaller than the one before it."""

    def dataBounds(self, ax: int, frac: float = 1.0,  # noqa: N802 (pyqtgraph's name)
                   orthoRange: tuple[float, float] | None = None,  # noqa: N803
                   ) -> tuple[float | None, float | None]:
        x = self.xData
        if (ax == 0 and frac >= 1.0 and orthoRange is None and self.x_ascending
                and x is not None and len(x) and self.curve.isVisible()):
            return float(x[0]), float(x[-1])
        return super().dataBounds(ax, frac, orthoRange)


class PlotView(QFrame):
    """A card with one plot: title, smoothing slider, log y, x choice (time plots), export,
    maximize; crosshair and tooltip over the chart, legend under it."""

    sig_maximize = Signal(object, bool)
    """The user asked to fill the panel with this card: (this view, on)."""

    def __init__(self, plot: PlotSeries | None = None, parent: QWidget | None = None):
        """A card for ``plot``; without one, a spare card built ahead of need, which
        :meth:`bind` gives its plot later (building a card takes the UI thread ~25-40 ms,
        the one stall of a run's start that coincided with its first points)."""
        super().__init__(parent)
        self.plot: PlotSeries | None = None  # a spare card's until bind()
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._drawn_versions: dict[str, int] = {}
        self._smoothers: dict[str, IncrementalEma] = {}
        self._integer_checked: dict[str, int] = {}  # series -> points checked for integers
        self._x_integer = False
        self._y_integer = True

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        header = QHBoxLayout()
        self.title_label = QLabel()
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        header.addWidget(self.title_label, 1)
        self.export_button = QToolButton()
        self.export_button.setText("Export")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_button)
        for label, suffix in (("PNG image (2×)…", "png"), ("SVG image…", "svg"),
                              ("CSV of every series…", "csv")):
            menu.addAction(label).triggered.connect(lambda _c=False, s=suffix: self._ask_export(s))
        self.export_button.setMenu(menu)
        self.maximize_button = QToolButton()
        self.maximize_button.setText("⤢")
        self.maximize_button.setCheckable(True)
        self.maximize_button.setToolTip("Fill the panel with this plot (again: back to all)")
        self.maximize_button.toggled.connect(lambda on: self.sig_maximize.emit(self, on))
        header.addWidget(self.export_button)
        header.addWidget(self.maximize_button)
        layout.addLayout(header)

        controls = QHBoxLayout()
        controls.addWidget(QLabel("Smoothing"))
        self.smoothing_slider = QSlider(Qt.Orientation.Horizontal)
        self.smoothing_slider.setRange(0, int(MAX_WEIGHT * SLIDER_STEPS))
        self.smoothing_slider.setToolTip("Exponential moving average weight, as TensorBoard's "
                                         "(0: raw). The raw curve stays faint behind.")
        self.smoothing_slider.setMinimumWidth(60)
        self.smoothing_value = QLabel()
        self.smoothing_value.setMinimumWidth(34)
        controls.addWidget(self.smoothing_slider, 1)
        controls.addWidget(self.smoothing_value)
        self.log_y = QCheckBox("log y")
        controls.addWidget(self.log_y)
        self.x_choice = QComboBox()
        self.x_choice.addItems(X_CHOICES)
        self.x_choice.setToolTip("The x of a plot against time")
        controls.addWidget(self.x_choice)
        layout.addLayout(controls)

        background, foreground = plot_colors()
        self._foreground = foreground
        self.widget = pg.PlotWidget(background=background,
                                    axisItems={"left": NumberAxis("left"),
                                               "bottom": NumberAxis("bottom")})
        item = self.widget.getPlotItem()
        self._style_axes()
        self.widget.setMinimumHeight(PLOT_HEIGHT - 60)
        self.setMinimumHeight(PLOT_HEIGHT)
        self.show_grid(True)
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
        layout.addWidget(self.widget, 1)
        self.curves: dict[str, Any] = {}
        self.raw_curves: dict[str, Any] = {}
        self.colors: dict[str, str] = {}
        self.crosshair = Crosshair(self.widget, self._hover)
        if plot is not None:
            self.bind(plot)

    def bind(self, plot: PlotSeries) -> None:
        """Show ``plot`` (once: a card keeps its plot for life)."""
        if self.plot is not None:
            raise RuntimeError(f"This card already shows {self.plot.title!r}")
        self.plot = plot
        self._x_integer = plot.x_axis is not None
        self.title_label.setText(f"<b>{html.escape(plot.title)}</b>")
        self.x_choice.setVisible(plot.x_axis is None)
        outside_legend(self.widget.getPlotItem(), columns=min(4, max(1, len(plot.metrics))),
                       text_color=self._foreground)
        for index, metric in enumerate(plot.metrics):
            color = COLORS[index % len(COLORS)]
            self.colors[metric] = color
            faint = pg.mkColor(color)
            faint.setAlpha(RAW_ALPHA)
            self.raw_curves[metric] = self._add_curve(pen=pg.mkPen(faint, width=1))
            self.raw_curves[metric].hide()
            self.curves[metric] = self._add_curve(pen=pg.mkPen(color, width=1), name=metric)
        for curve in (*self.curves.values(), *self.raw_curves.values()):
            # pyqtgraph has no setter for it; its default draws 5 peaks per pixel column
            curve.opts["autoDownsampleFactor"] = PEAKS_PER_PIXEL

        # the remembered choices for this title, then their signals (no write-back on load)
        title = plot.title
        weight = float(settings.plot_choice(title, "smoothing", DEFAULT_SMOOTHING))
        self.smoothing_slider.setValue(round(weight * SLIDER_STEPS))
        self.log_y.setChecked(bool(settings.plot_choice(title, "log_y", False)))
        remembered = str(settings.plot_choice(title, "x", X_RELATIVE))
        self.x_choice.setCurrentText(remembered if remembered in X_CHOICES else X_RELATIVE)
        self._show_smoothing_value()
        self._apply_x_choice()
        self._set_log_y(self.log_y.isChecked())
        self.smoothing_slider.valueChanged.connect(self._smoothing_moved)
        self.log_y.toggled.connect(self._log_y_toggled)
        self.x_choice.currentTextChanged.connect(self._x_choice_changed)
        self.redraw_all()

    def _add_curve(self, **options: Any) -> StreamCurve:
        curve = StreamCurve([], [], **options)
        self.widget.addItem(curve)  # as PlotWidget.plot does: downsampling, clipping, legend
        return curve

    # -- choices --------------------------------------------------------------------------

    @property
    def smoothing(self) -> float:
        """The smoothing weight in [0, MAX_WEIGHT] (0: raw)."""
        return self.smoothing_slider.value() / SLIDER_STEPS

    def set_smoothing(self, weight: float) -> None:
        self.smoothing_slider.setValue(round(weight * SLIDER_STEPS))

    @property
    def x_mode(self) -> str:
        return self.x_choice.currentText() if self.plot.x_axis is None else self.plot.x_axis

    @property
    def time_x(self) -> str | None:
        """The x chosen for a plot against time (relative, wall, step); None for a plot
        against a metric, even one named "step": its x is the metric's values."""
        return self.x_choice.currentText() if self.plot.x_axis is None else None

    def _smoothing_moved(self, _value: int) -> None:
        self._show_smoothing_value()
        settings.set_plot_choice(self.plot.title, "smoothing", self.smoothing)
        self._smoothers.clear()
        self.redraw_all()

    def _show_smoothing_value(self) -> None:
        self.smoothing_value.setText(f"{self.smoothing:.3f}".rstrip("0").rstrip(".") or "0")

    def _log_y_toggled(self, on: bool) -> None:
        settings.set_plot_choice(self.plot.title, "log_y", on)
        self._set_log_y(on)

    def _set_log_y(self, on: bool) -> None:
        self.widget.setLogMode(x=False, y=on)
        self.crosshair.refresh()

    def _x_choice_changed(self, choice: str) -> None:
        settings.set_plot_choice(self.plot.title, "x", choice)
        self._apply_x_choice()
        self.redraw_all()
        self.widget.enableAutoRange()

    def _apply_x_choice(self) -> None:
        """The bottom axis for the x in use: clock times for wall time, else numbers."""
        item = self.widget.getPlotItem()
        wanted = pg.DateAxisItem if self.time_x == X_WALL else NumberAxis
        if type(item.getAxis("bottom")) is not wanted:
            item.setAxisItems({"bottom": wanted(orientation="bottom")})
            self._style_axes()
        item.setLabel("bottom", self.x_label())
        self._x_integer = self.time_x == X_STEP or (
            self.plot.x_axis is not None and self._x_integer)
        self._set_axis_integers()

    def x_label(self) -> str:
        return {X_RELATIVE: self.plot.x_label, X_WALL: "wall time",
                X_STEP: "step"}.get(self.x_mode, self.plot.x_label)

    def _style_axes(self) -> None:
        _background, foreground = plot_colors()
        for side in ("left", "bottom"):
            axis = self.widget.getPlotItem().getAxis(side)
            axis.setPen(foreground)
            axis.setTextPen(foreground)

    def _set_axis_integers(self) -> None:
        item = self.widget.getPlotItem()
        for side, integer in (("bottom", self._x_integer), ("left", self._y_integer)):
            axis = item.getAxis(side)
            if isinstance(axis, NumberAxis):
                axis.set_integer(integer)

    # -- drawing --------------------------------------------------------------------------

    def show_grid(self, on: bool) -> None:
        """Grid lines, off while a run streams points: pyqtgraph repaints them with its axes
        on every redraw, which was half the cost of a frame during a metrics flood."""
        self.widget.showGrid(x=on, y=on, alpha=0.2 if on else 0.0)

    def autoscale(self) -> None:
        self.widget.enableAutoRange()

    def redraw_all(self) -> None:
        self._drawn_versions.clear()
        self.redraw()

    def series_x(self, metric: str) -> np.ndarray:
        """The metric's x values as the plot shows them now."""
        series = self.plot.series[metric]
        if self.time_x == X_STEP:
            return np.arange(len(series), dtype=float)
        if self.time_x == X_WALL:
            return series.x + self._wall_origin()
        return series.x

    def _wall_origin(self) -> float:
        return self.plot.origin if self.plot.origin is not None else time.time()

    def _nearest(self, metric: str, x: float) -> int | None:
        """Index of the metric's point whose x (as shown) is nearest ``x``: a binary search
        while its x values only grow (a time, a step counter), else a scan. The tooltip of a
        still mouse looks again on every redraw of a streaming plot."""
        series = self.plot.series[metric]
        if not len(series):
            return None
        if self.time_x == X_STEP:
            return min(max(round(x), 0), len(series) - 1)
        if self.time_x == X_WALL:
            x -= self._wall_origin()
        if series.ascending:
            return nearest_index(series.x, x)
        with np.errstate(invalid="ignore"):
            distance = np.abs(series.x - x)
        if not np.isfinite(distance).any():
            return None
        return int(np.nanargmin(distance))

    def _x_at(self, metric: str, index: int) -> float:
        """The x shown for the metric's point ``index``."""
        if self.time_x == X_STEP:
            return float(index)
        x = float(self.plot.series[metric].x[index])
        return x + self._wall_origin() if self.time_x == X_WALL else x

    def smoothed_y(self, metric: str) -> np.ndarray:
        """The metric's smoothed values (its raw ones at smoothing 0)."""
        series = self.plot.series[metric]
        if self.smoothing <= 0:
            return series.y
        smoother = self._smoothers.get(metric)
        if smoother is None:
            smoother = self._smoothers[metric] = IncrementalEma(self.smoothing)
        return smoother.extend(series.y)

    def redraw(self) -> None:
        """Push changed series to their curves; cheap when nothing changed."""
        if self.plot is None:
            return
        smoothing = self.smoothing > 0
        changed = False
        for metric, series in self.plot.series.items():
            if self._drawn_versions.get(metric) == series.version:
                continue
            self._drawn_versions[metric] = series.version
            changed = True
            self._check_integers(metric)
            x = self.series_x(metric)
            raw = self.raw_curves[metric]
            ascending = self.time_x == X_STEP or series.ascending
            raw.x_ascending = self.curves[metric].x_ascending = ascending
            if smoothing:
                raw.setData(x, series.y)
                raw.show()
                self.curves[metric].setData(x, self.smoothed_y(metric))
            else:
                if raw.isVisible():
                    raw.hide()
                    raw.setData([], [])
                self.curves[metric].setData(x, series.y)
        if changed:
            self._settle_range()
            self.crosshair.refresh()  # in the range the chart will be painted in

    def _settle_range(self) -> None:
        """Let the view's auto range follow the new data now rather than as the paint begins.

        pyqtgraph updates an auto range at the start of a paint; the new range changes the
        curve's downsampling, whose bounds nudge the range again, and each change asks for
        another paint of the whole chart: two full paints a redraw while a run streamed
        (bench/bench_gui_stall.py). Settled here (a pass or two), the paint finds it done."""
        if not self.widget.isVisible():  # a hidden chart settles at its next paint
            return
        scene = self.widget.scene()
        view = self.widget.getPlotItem().getViewBox()
        for _ in range(SETTLE_PASSES):
            before = view.viewRange()
            scene.prepareForPaint()  # what the paint would run first: auto range, matrix
            if view.viewRange() == before:
                return

    def _check_integers(self, metric: str) -> None:
        """Integer axes for counted values, looking only at points not looked at before."""
        series = self.plot.series[metric]
        start = self._integer_checked.get(metric, 0)
        if start >= len(series):
            return
        self._integer_checked[metric] = len(series)
        x_integer = self._x_integer
        if self.plot.x_axis is not None:
            x_integer = x_integer and all_integers(series.x[start:])
        y_integer = self._y_integer and all_integers(series.y[start:])
        if (x_integer, y_integer) != (self._x_integer, self._y_integer):
            self._x_integer, self._y_integer = x_integer, y_integer
            self._set_axis_integers()

    def points_in_plot(self, metric: str) -> int:
        """How many points the metric's curve holds (all of them, before downsampling)."""
        data = self.curves[metric].xData
        return 0 if data is None else len(data)

    # -- hover ----------------------------------------------------------------------------

    def _x_text(self, x: float) -> str:
        if self.time_x == X_WALL:
            return time.strftime("%H:%M:%S", time.localtime(x))
        if self.time_x == X_RELATIVE:
            return f"{x:.3f} s"
        return format_number(x)

    def _hover(self, x: float, _y: float, _pixel: tuple[float, float]) -> Hover | None:
        """Each series' point nearest the mouse's x: value (smoothed and raw), x."""
        if self.plot is None:
            return None
        smoothing = self.smoothing > 0
        log = self.log_y.isChecked()
        rows: list[tuple[str, ...]] = []
        marks: list[tuple[float, float, Any]] = []
        snap = None
        for metric, series in self.plot.series.items():
            index = self._nearest(metric, x)
            if index is None:
                continue
            px, raw = self._x_at(metric, index), float(series.y[index])
            shown = float(self.smoothed_y(metric)[index]) if smoothing else raw
            mark_y = np.log10(shown) if log and shown > 0 else (np.nan if log else shown)
            marks.append((px, mark_y, self.colors[metric]))
            row = [swatch(self.colors[metric]), html.escape(metric), format_number(shown)]
            if smoothing:
                row.append(format_number(raw))
            row.append(html.escape(self._x_text(px)))
            rows.append(tuple(row))
            if snap is None or abs(px - x) < abs(snap - x):
                snap = px
        if not rows:
            return None
        head = ["", "<i>series</i>", "<i>smoothed</i>" if smoothing else "<i>value</i>"]
        if smoothing:
            head.append("<i>value</i>")
        head.append(f"<i>{html.escape(self.x_label())}</i>")
        return Hover(table_html(self.plot.title, [tuple(head), *rows]), marks, snap_x=snap)

    # -- export ---------------------------------------------------------------------------

    def _ask_export(self, suffix: str) -> None:
        name = "".join(c if c.isalnum() else "_" for c in self.plot.title).strip("_") or "plot"
        path, _ = QFileDialog.getSaveFileName(self, f"Export {self.plot.title}",
                                              f"{name}.{suffix}", f"*.{suffix}")
        if path:
            self.export(path)

    def export(self, path: str) -> None:
        """Save the plot as PNG (2×) or SVG image, or every series as CSV, by the suffix."""
        suffix = Path(path).suffix.lower()
        if suffix == ".csv":
            Path(path).write_text(self.series_csv(), encoding="utf-8")
            return
        if suffix not in (".png", ".svg"):
            raise ValueError(f"Cannot export a plot as {suffix!r}: use .png, .svg or .csv")
        from ..chart_export import export_image

        export_image(self.widget, path, self.plot.title)

    def series_csv(self) -> str:
        """Every plotted series: metric, x (as shown), value, and the smoothed value when
        smoothing is on."""
        from ..chart_export import table_csv

        smoothing = self.smoothing > 0
        header = ["metric", self.x_label(), "value"] + (["smoothed"] if smoothing else [])
        rows: list[list[Any]] = []
        for metric, series in self.plot.series.items():
            x = self.series_x(metric)
            # epochs as 0, 1, 2 rather than 0.0, 1.0, 2.0 when the series' x are all whole
            whole = all_integers(x) and bool(np.all(np.isfinite(x)))
            columns = [x.astype(np.int64).tolist() if whole else x.tolist(), series.y.tolist()]
            if smoothing:
                columns.append(self.smoothed_y(metric).tolist())
            rows += [[metric, *values] for values in zip(*columns, strict=True)]
        return table_csv(header, rows)
