"""Live plots: one pyqtgraph plot per ``logger.define_plot``, filling in while the model runs.

Events only append numbers to numpy buffers (:mod:`rafiki_gui.plot_data`); a QTimer redraws
the plots whose data changed, at most ``REDRAW_HZ`` times a second, with pyqtgraph's peak
downsampling and clip-to-view, so a model logging 100,000 points a second cannot stall the
window. numpy and pyqtgraph are imported on a background thread just after launch, which
keeps both the launch and the first plot of a run fast.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..run_caption import RunCaption
from ..session import Session

if TYPE_CHECKING:  # numpy and pyqtgraph load with the first run, not at launch
    from ..plot_data import PlotSeries, RunPlotData
from ..style import plot_colors

REDRAW_HZ = 15
PRELOAD_DELAY_MS = 200
PLOT_HEIGHT = 260
COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
          "#7f7f7f", "#bcbd22", "#17becf"]
EMPTY_TEXT = ("Plots appear here as the model defines them with "
              "<code>logger.define_plot(...)</code> and fill in live while it runs.")


def _import_plotting() -> None:
    import numpy  # noqa: F401
    import pyqtgraph  # noqa: F401

    from .. import plot_data  # noqa: F401


def preload_plotting() -> None:
    """Import numpy and pyqtgraph on a background thread once the window is up, so the first
    ``define_plot`` of a run does not freeze the UI thread for the ~150 ms they take."""
    threading.Thread(target=_import_plotting, name="rafiki-preload-plotting",
                     daemon=True).start()


class PlotView(QWidget):
    """One plot with its controls: log y, smoothing (raw kept faint), autoscale, export."""

    def __init__(self, plot: PlotSeries, parent: QWidget | None = None):
        super().__init__(parent)
        import pyqtgraph as pg

        from ..plot_data import moving_average

        self._moving_average = moving_average
        self.plot = plot
        self._drawn_versions: dict[str, int] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        controls = QHBoxLayout()
        title = QLabel(f"<b>{plot.title}</b>")
        controls.addWidget(title)
        controls.addStretch(1)
        self.log_y = QCheckBox("log y")
        self.smooth = QCheckBox("smooth")
        self.smooth_window = QSpinBox()
        self.smooth_window.setRange(2, 10_000)
        self.smooth_window.setValue(20)
        self.smooth_window.setToolTip("points averaged by the smoothing")
        self.autoscale_button = QPushButton("Autoscale")
        self.export_button = QToolButton()
        self.export_button.setText("Export")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_button)
        for label, suffix in (("PNG image…", "png"), ("SVG image…", "svg"), ("CSV data…", "csv")):
            menu.addAction(label).triggered.connect(lambda _c=False, s=suffix: self._ask_export(s))
        self.export_button.setMenu(menu)
        for widget in (self.log_y, self.smooth, self.smooth_window, self.autoscale_button,
                       self.export_button):
            controls.addWidget(widget)
        layout.addLayout(controls)

        background, foreground = plot_colors()
        self.widget = pg.PlotWidget(background=background)
        for side in ("left", "bottom"):
            self.widget.getPlotItem().getAxis(side).setPen(foreground)
            self.widget.getPlotItem().getAxis(side).setTextPen(foreground)
        self.widget.setMinimumHeight(PLOT_HEIGHT)
        self.show_grid(True)
        self.widget.setLabel("bottom", plot.x_label)
        self.widget.addLegend(offset=(-10, 10))
        item = self.widget.getPlotItem()
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
        layout.addWidget(self.widget)

        self.curves: dict[str, Any] = {}
        self.raw_curves: dict[str, Any] = {}
        for index, metric in enumerate(plot.metrics):
            color = COLORS[index % len(COLORS)]
            faint = pg.mkColor(color)
            faint.setAlpha(70)
            self.raw_curves[metric] = self.widget.plot([], [], pen=pg.mkPen(faint, width=1))
            self.curves[metric] = self.widget.plot([], [], pen=pg.mkPen(color, width=1),
                                                   name=metric)
        self.log_y.toggled.connect(self._set_log_y)
        self.smooth.toggled.connect(self.redraw_all)
        self.smooth_window.valueChanged.connect(self.redraw_all)
        self.autoscale_button.clicked.connect(self.autoscale)
        self.redraw_all()

    def show_grid(self, on: bool) -> None:
        """Grid lines, off while a run streams points: pyqtgraph repaints them with its axes
        on every redraw, which was half the cost of a frame during a metrics flood."""
        self.widget.showGrid(x=on, y=on, alpha=0.2 if on else 0.0)

    def _set_log_y(self, on: bool) -> None:
        self.widget.setLogMode(x=False, y=on)

    def autoscale(self) -> None:
        self.widget.enableAutoRange()

    def redraw_all(self) -> None:
        self._drawn_versions.clear()
        self.redraw()

    def redraw(self) -> None:
        """Push changed series to their curves; cheap when nothing changed."""
        smoothing = self.smooth.isChecked()
        window = self.smooth_window.value()
        for metric, series in self.plot.series.items():
            if self._drawn_versions.get(metric) == series.version:
                continue
            self._drawn_versions[metric] = series.version
            x, y = series.x, series.y
            if smoothing:
                self.raw_curves[metric].setData(x, y)
                self.raw_curves[metric].show()
                self.curves[metric].setData(x, self._moving_average(y, window))
            else:
                self.raw_curves[metric].hide()
                self.raw_curves[metric].setData([], [])
                self.curves[metric].setData(x, y)

    def points_in_plot(self, metric: str) -> int:
        """How many points the metric's curve holds (all of them, before downsampling)."""
        data = self.curves[metric].xData
        return 0 if data is None else len(data)

    def _ask_export(self, suffix: str) -> None:
        name = "".join(c if c.isalnum() else "_" for c in self.plot.title).strip("_") or "plot"
        path, _ = QFileDialog.getSaveFileName(self, f"Export {self.plot.title}",
                                              f"{name}.{suffix}", f"*.{suffix}")
        if path:
            self.export(path)

    def export(self, path: str) -> None:
        """Save the plot as PNG or SVG image, or its data as CSV, by the path's suffix."""
        suffix = Path(path).suffix.lower()
        if suffix == ".csv":
            from ..plot_data import series_csv

            Path(path).write_text(series_csv(self.plot), encoding="utf-8")
            return
        if suffix == ".svg":
            self._export_svg(path)
            return
        if suffix != ".png":
            raise ValueError(f"Cannot export a plot as {suffix!r}: use .png, .svg or .csv")
        import pyqtgraph.exporters as exporters

        exporters.ImageExporter(self.widget.getPlotItem()).export(path)

    def _export_svg(self, path: str) -> None:
        """SVG through Qt's own generator (pyqtgraph's SVG exporter breaks on Qt 6 paths)."""
        from PySide6.QtGui import QPainter
        from PySide6.QtSvg import QSvgGenerator

        generator = QSvgGenerator()
        generator.setFileName(path)
        generator.setSize(self.widget.size())
        generator.setViewBox(self.widget.rect())
        generator.setTitle(self.plot.title)
        painter = QPainter(generator)
        self.widget.render(painter)
        painter.end()


class PlotsPanel(QWidget):
    """The plots of the current run, created as the model defines them."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.data: RunPlotData | None = None
        self.views: dict[str, PlotView] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.caption = RunCaption(session)
        layout.addWidget(self.caption)
        self.placeholder = QLabel(EMPTY_TEXT)
        self.placeholder.setWordWrap(True)
        self.placeholder.setEnabled(False)
        self.placeholder.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(self.placeholder, 1)
        self._host = QWidget()
        self._plots_layout = QVBoxLayout(self._host)
        self._plots_layout.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self._host)
        self.scroll.hide()
        layout.addWidget(self.scroll, 1)
        self.timer = QTimer(self)
        self.timer.setInterval(int(1000 / REDRAW_HZ))
        self.timer.timeout.connect(self.redraw)
        QTimer.singleShot(PRELOAD_DELAY_MS, preload_plotting)
        session.sig_run_started.connect(self.clear)
        session.sig_run_events.connect(self.add_events)
        session.sig_run_finished.connect(self._run_finished)
        session.sig_run_archived.connect(self._run_archived)

    def clear(self) -> None:
        """Forget the previous run's plots."""
        for view in self.views.values():
            view.setParent(None)
            view.deleteLater()
        self.views.clear()
        self.data = None
        self.placeholder.show()
        self.scroll.hide()
        self.timer.start()

    def _run_archived(self, _reason: str) -> None:
        """The plots belong to another model's run: they go (the caption says whose)."""
        self.clear()
        self.timer.stop()

    def add_events(self, events: list[dict]) -> None:
        """Route a batch of events into the buffers; new plots appear now, points on redraw."""
        if self.data is None:
            from ..plot_data import RunPlotData

            self.data = RunPlotData()
        for plot in self.data.add_events(events):
            view = PlotView(plot)
            view.show_grid(not self.timer.isActive())
            self.views[plot.title] = view
            self._plots_layout.insertWidget(self._plots_layout.count() - 1, view)
            self.placeholder.hide()
            self.scroll.show()
        if not self.timer.isActive():
            self.timer.start()

    def redraw(self) -> None:
        for view in self.views.values():
            view.redraw()

    def _run_finished(self, _outcome: Any) -> None:
        self.redraw()
        self.timer.stop()
        for view in self.views.values():
            view.show_grid(True)
