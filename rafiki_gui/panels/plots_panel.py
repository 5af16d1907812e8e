"""Live plots: one card per ``logger.define_plot`` in a responsive grid, filling in while the
model runs.

Events only append numbers to numpy buffers (:mod:`rafiki_gui.plot_data`); a QTimer redraws
the plots whose data changed, at most ``REDRAW_HZ`` times a second, with pyqtgraph's peak
downsampling and clip-to-view, so a model logging 100,000 points a second cannot stall the
window. numpy and pyqtgraph are imported on a background worker just after launch, which
keeps both the launch and the first plot of a run fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ..run_caption import RunCaption
from ..session import Session

if TYPE_CHECKING:  # numpy and pyqtgraph load with the first run, not at launch
    from ..plot_data import RunPlotData
    from .plot_card import PlotView
    from .plot_grid import PlotGrid

REDRAW_HZ = 15
SPARE_DELAY_MS = 0  # after the run's start, in the event loop's next pass
PRELOAD_DELAY_MS = 200
EMPTY_TEXT = ("Plots appear here as the model defines them with "
              "<code>logger.define_plot(...)</code> and fill in live while it runs.")


def _import_plotting() -> None:
    import numpy  # noqa: F401
    import pyqtgraph  # noqa: F401

    from .. import plot_data  # noqa: F401
    from . import plot_grid  # noqa: F401 (the cards, their charts and controls)


def preload_plotting() -> None:
    """Import numpy and pyqtgraph on a background thread once the window is up, so the first
    ``define_plot`` of a run does not freeze the UI thread for the ~150 ms they take."""
    from ..thread_worker import call_detached

    # no worker: nothing answers, and a signal sent while the interpreter exits (a window
    # closed within the preload) crashed the process at exit
    call_detached(_import_plotting, "rafiki-preload-plotting")


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
        self._layout = layout
        self._grid: PlotGrid | None = None  # built with the first plot (pyqtgraph loads then)
        self._spare: PlotView | None = None  # a card built ahead of a run's first plot
        self.timer = QTimer(self)
        self.timer.setInterval(int(1000 / REDRAW_HZ))
        self.timer.timeout.connect(self.redraw)
        QTimer.singleShot(PRELOAD_DELAY_MS, preload_plotting)
        session.sig_run_started.connect(self.clear)
        session.sig_run_started.connect(self._prepare_spare)
        session.sig_run_events.connect(self.add_events)
        session.sig_run_finished.connect(self._run_finished)
        session.sig_run_archived.connect(self._run_archived)

    def clear(self) -> None:
        """Forget the previous run's plots."""
        if self._grid is not None:
            self._grid.clear()
            self._grid.hide()
        self.views.clear()
        self.data = None
        self.placeholder.show()
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
            view = self._new_card(plot)
            view.show_grid(not self.timer.isActive())
            self.views[plot.title] = view
            self.grid.add(view)
            self.placeholder.hide()
            self.grid.show()
        if not self.timer.isActive():
            self.timer.start()

    def _prepare_spare(self) -> None:
        """Build a card while the run's child starts (the UI thread is idle for the ~0.5 s
        that takes), so its first plot does not build one beside its first points and the
        paint after them: together they were the run's longest stall under a flood of points
        (bench/bench_gui_stall.py). Once per run at most, after the run's start is handled."""
        if self._spare is None:
            QTimer.singleShot(SPARE_DELAY_MS, self._build_spare)

    def _build_spare(self) -> None:
        if self._spare is not None or not self.session.is_running:
            return
        from .plot_card import PlotView

        # not painted ahead (grab()): off screen at another size than the grid gives it,
        # its first paint in the grid cost as much, and the warm-up was a stall of its own
        self._spare = PlotView()

    def _new_card(self, plot: Any) -> PlotView:
        """A card for ``plot``: the spare when there is one, else built now."""
        from .plot_card import PlotView

        view, self._spare = self._spare, None
        if view is None:
            return PlotView(plot)
        view.bind(plot)
        return view

    @property
    def grid(self) -> PlotGrid:
        """The cards' grid (created on first use: it imports pyqtgraph)."""
        if self._grid is None:
            from .plot_grid import PlotGrid

            self._grid = PlotGrid()
            self._layout.addWidget(self._grid, 1)
        return self._grid

    def redraw(self) -> None:
        for view in self.views.values():
            view.redraw()

    def _run_finished(self, _outcome: Any) -> None:
        self.redraw()
        self.timer.stop()
        for view in self.views.values():
            view.show_grid(True)
