"""Compare runs, as MLflow's Compare page and TensorBoard's run overlay do: two or more trials
from any experiments side by side, their knobs in one table with the differences marked and
their plots overlaid, one colour per run.

The trials are read on a worker thread (:mod:`rafiki_gui.run_comparison`); the window only
draws. It is a top-level window of its own, so the main window stays usable beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .run_comparison import MIN_RUNS, ComparedRun, RunComparison, read_comparison
from .style import plot_colors
from .thread_worker import ThreadWorker
from .tuning.trials_model import format_knob, format_score

if TYPE_CHECKING:
    from rafiki.experiments import Experiments

RUN_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
              "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939"]
"""One colour per run (tab10 and two more: :data:`run_comparison.MAX_RUNS` runs)."""
METRIC_STYLES = [Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine,
                 Qt.PenStyle.DashDotLine]
"""Several metrics in one plot (train and validation loss) keep their run's colour and get a
line style each."""
DIFFERENT_BACKGROUND = "#fff3c4"
PLOT_HEIGHT = 320
PLOT_MIN_WIDTH = 420
TABLE_MAX_SHARE = 0.4
LEGEND_COLUMNS = 3
SUMMARY_ROWS = ("score", "status", "duration (s)", "experiment", "train dataset",
                "test dataset")
DATASET_ROWS = {"train dataset": ("train_dataset_uri", "train_sha256"),
                "test dataset": ("test_dataset_uri", "test_sha256")}
"""The runs' datasets (file name; path and contents' hash in the tooltip), marked as differing
knobs are when runs were trained or tested on other data: scores that do not compare."""
PREFERRED_SIZE = (1200, 820)
FRAME_ALLOWANCE = (10, 40)
"""Room left for a window manager's frame and title bar (px, width and height): at 820 px on
a 768-px screen the bottom plots' legends were cut off."""
_open_windows: set[CompareWindow] = set()  # Python owns top-level windows: keep them alive


class ComparisonReader(ThreadWorker):
    """Reads the trials of a comparison on its own thread."""

    sig_read = Signal(object)
    """The comparison, read: (RunComparison)."""
    error_stage = "reading the runs"

    def __init__(self, experiments: Experiments, trial_ids: Sequence[int]):
        super().__init__("rafiki-compare-reader")
        self.experiments = experiments
        self.trial_ids = list(trial_ids)

    def _drive(self) -> None:
        self.sig_read.emit(read_comparison(self.experiments, self.trial_ids))

    def _flush(self) -> None:
        """Nothing is buffered: the comparison goes out whole."""


def _color_of(index: int) -> str:
    return RUN_COLORS[index % len(RUN_COLORS)]


STRETCHED_RUNS = 5  # up to this many runs, the columns fill the window's width


def _datasets_differ(comparison: RunComparison, row: str) -> bool:
    """Whether the runs' datasets of that row differ, by path or by contents."""
    fields = DATASET_ROWS[row]
    return len({tuple(getattr(run.experiment, f, None) for f in fields)
                for run in comparison.runs}) > 1


def _differing_header(name: str) -> QTableWidgetItem:
    header = QTableWidgetItem(name)
    font = QFont(header.font())
    font.setBold(True)
    header.setFont(font)
    header.setToolTip("Differs between the runs: their scores may not compare")
    return header


class CompareWindow(QWidget):
    """The knob table over a grid of overlaid plots."""

    sig_ready = Signal()
    """The runs were read and drawn (or reading failed and the message shows)."""

    def __init__(self, experiments: Experiments, trial_ids: Sequence[int],
                 parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(f"Compare {len(trial_ids)} runs — Rafiki Workbench")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.comparison: RunComparison | None = None
        self.plot_widgets: dict[str, Any] = {}  # title -> GraphicsLayoutWidget (plot, legend)
        self.plot_items: dict[str, Any] = {}  # title -> its PlotItem
        layout = QVBoxLayout(self)
        self.status = QLabel(f"Reading {len(trial_ids)} runs…")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)
        options = QHBoxLayout()
        self.only_differences = QCheckBox("Only knobs that differ")
        self.only_differences.setToolTip("Hide the knobs every run has with the same value")
        options.addWidget(self.only_differences)
        options.addStretch(1)
        layout.addLayout(options)

        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ContiguousSelection)
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.plots_area = QScrollArea()
        self.plots_area.setWidgetResizable(True)
        self.plots_host = QWidget()
        self.plots_grid = QGridLayout(self.plots_host)
        self.plots_area.setWidget(self.plots_host)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.plots_area)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        layout.addWidget(self.splitter, 1)
        self.only_differences.toggled.connect(self._show_knob_rows)
        self._fit_to_screen(parent)
        # the same key twice would be ambiguous, and neither would close
        for keys in (QKeySequence(Qt.Key.Key_Escape), QKeySequence("Ctrl+W")):
            QShortcut(keys, self, activated=self.close)

        if len(set(trial_ids)) < MIN_RUNS:
            self._show_error(f"Choose at least {MIN_RUNS} runs to compare.")
            return
        self.reader = ComparisonReader(experiments, trial_ids)
        self.reader.sig_read.connect(self.show_comparison)
        self.reader.sig_errored.connect(lambda error: self._show_error(
            f"The runs could not be read: {error['type']}: {error['message']}"))
        self.reader.start()

    def _fit_to_screen(self, parent: QWidget | None) -> None:
        """The preferred size, within the available geometry of the screen it opens on."""
        screen = (parent.screen() if parent is not None else None) or \
            QGuiApplication.primaryScreen()
        if screen is None:
            self.resize(*PREFERRED_SIZE)
            return
        available = screen.availableGeometry()
        width = min(PREFERRED_SIZE[0], available.width() - FRAME_ALLOWANCE[0])
        height = min(PREFERRED_SIZE[1], available.height() - FRAME_ALLOWANCE[1])
        self.resize(width, height)
        self.move(available.left() + (available.width() - width - FRAME_ALLOWANCE[0]) // 2,
                  available.top() + (available.height() - height - FRAME_ALLOWANCE[1]) // 2)

    def _show_error(self, message: str) -> None:
        self.status.setText(message)
        self.sig_ready.emit()

    # -- drawing -----------------------------------------------------------------------

    def show_comparison(self, comparison: RunComparison) -> None:
        self.comparison = comparison
        runs = comparison.runs
        best = comparison.best_run
        names = ", ".join(f"<span style='color:{_color_of(i)}'><b>{run.label}</b></span> "
                          f"{run.description}" for i, run in enumerate(runs))
        text = f"{len(runs)} runs: {names}."
        if best is not None:
            text += f" Best: {best.label} (score {format_score(best.trial.score)})."
        if comparison.left_out:
            text += (f" {len(comparison.left_out)} more were left out: at most "
                     f"{len(runs)} runs can be overlaid.")
        self.status.setText(text)
        self._fill_table(comparison)
        self._draw_plots(comparison)
        self.sig_ready.emit()

    def _fill_table(self, comparison: RunComparison) -> None:
        runs = comparison.runs
        rows = list(SUMMARY_ROWS) + comparison.knob_names
        self.table.setRowCount(len(rows))
        self.table.setColumnCount(len(runs))
        # a few runs share the width (no blank half-table); many keep their contents' widths
        # and scroll sideways
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Stretch if len(runs) <= STRETCHED_RUNS
            else QHeaderView.ResizeMode.ResizeToContents)
        self.table.setVerticalHeaderLabels(rows)
        best = comparison.best_run
        for column, run in enumerate(runs):
            header = QTableWidgetItem(run.label)
            header.setForeground(QBrush(QColor(_color_of(column))))
            header.setToolTip(run.description)
            self.table.setHorizontalHeaderItem(column, header)
            duration = run.trial.duration
            summary = (format_score(run.trial.score), run.trial.status,
                       "" if duration is None else f"{duration:.1f}", run.experiment.name)
            for row, text in enumerate(summary):
                self.table.setItem(row, column, QTableWidgetItem(text))
            for row, name in enumerate(DATASET_ROWS, start=len(summary)):
                self.table.setItem(row, column, self._dataset_item(comparison, run, name))
            if run is best:
                score_item = self.table.item(0, column)
                font = QFont(score_item.font())
                font.setBold(True)
                score_item.setFont(font)
                score_item.setText(f"★ {score_item.text()}")
            for offset, name in enumerate(comparison.knob_names):
                self.table.setItem(len(SUMMARY_ROWS) + offset, column,
                                   self._knob_item(comparison, run, name))
        for row, name in enumerate(SUMMARY_ROWS):
            if name in DATASET_ROWS and _datasets_differ(comparison, name):
                self.table.setVerticalHeaderItem(row, _differing_header(name))
        for offset, name in enumerate(comparison.knob_names):
            header = QTableWidgetItem(name)
            if name in comparison.differing_knobs:
                font = QFont(header.font())
                font.setBold(True)
                header.setFont(font)
                header.setToolTip("Differs between the runs")
            self.table.setVerticalHeaderItem(len(SUMMARY_ROWS) + offset, header)
        self._show_knob_rows()

    def _fit_table(self) -> None:
        """The table as tall as its rows (at most :data:`TABLE_MAX_SHARE` of the window):
        the plots get the rest."""
        table = self.table
        rows = sum(table.rowHeight(r) for r in range(table.rowCount()) if not table.isRowHidden(r))
        wanted = (rows + table.horizontalHeader().height() + 2 * table.frameWidth()
                  + table.horizontalScrollBar().sizeHint().height())
        total = max(1, self.splitter.height())
        height = min(wanted, int(total * TABLE_MAX_SHARE))
        self.splitter.setSizes([height, max(1, total - height)])

    @staticmethod
    def _dataset_item(comparison: RunComparison, run: ComparedRun, row: str
                      ) -> QTableWidgetItem:
        uri_field, sha_field = DATASET_ROWS[row]
        uri = getattr(run.experiment, uri_field, "") or ""
        sha = getattr(run.experiment, sha_field, None)
        item = QTableWidgetItem(Path(uri).name if uri and "://" not in uri else uri or "—")
        item.setToolTip(uri + (f"\ncontents sha256 {sha[:12]}…" if sha else ""))
        if _datasets_differ(comparison, row):
            item.setBackground(QBrush(QColor(DIFFERENT_BACKGROUND)))
            item.setForeground(QBrush(QColor("#000000")))
        return item

    @staticmethod
    def _knob_item(comparison: RunComparison, run: ComparedRun, name: str) -> QTableWidgetItem:
        if comparison.has_knob(run, name):
            text = format_knob(comparison.knob_value(run, name), run.knob_config.get(name))
        else:
            text = "—"
        item = QTableWidgetItem(text)
        if not comparison.has_knob(run, name):
            item.setToolTip("This run's model has no such knob")
        if name in comparison.differing_knobs:
            item.setBackground(QBrush(QColor(DIFFERENT_BACKGROUND)))
            item.setForeground(QBrush(QColor("#000000")))  # readable on the tint in dark mode
        return item

    def _show_knob_rows(self) -> None:
        if self.comparison is None:
            return
        only = self.only_differences.isChecked()
        for offset, name in enumerate(self.comparison.knob_names):
            hidden = only and name not in self.comparison.differing_knobs
            self.table.setRowHidden(len(SUMMARY_ROWS) + offset, hidden)
        self._fit_table()

    def _draw_plots(self, comparison: RunComparison) -> None:
        import pyqtgraph as pg

        background, foreground = plot_colors()
        for title in comparison.plot_titles:
            widget = pg.GraphicsLayoutWidget()
            widget.setBackground(background)
            widget.setMinimumSize(PLOT_MIN_WIDTH, PLOT_HEIGHT)
            item = widget.addPlot(row=0, col=0, title=title)
            for side in ("left", "bottom"):
                item.getAxis(side).setPen(foreground)
                item.getAxis(side).setTextPen(foreground)
            item.showGrid(x=True, y=True, alpha=0.2)
            item.setDownsampling(auto=True, mode="peak")
            # the legend below the axes, never over the curves
            legend = pg.LegendItem(colCount=LEGEND_COLUMNS, labelTextColor=foreground)
            widget.addItem(legend, row=1, col=0)
            x_label = None
            for index, run in enumerate(comparison.runs):
                plot = run.plots.get(title)
                if plot is None:
                    continue
                x_label = x_label or plot.x_label
                for metric_index, metric in enumerate(plot.metrics):
                    series = plot.series[metric]
                    name = run.label if len(plot.metrics) == 1 else f"{run.label} · {metric}"
                    pen = pg.mkPen(_color_of(index), width=1.5,
                                   style=METRIC_STYLES[metric_index % len(METRIC_STYLES)])
                    legend.addItem(item.plot(series.x, series.y, pen=pen, name=name), name)
            item.setLabel("bottom", x_label or "")
            self.plot_widgets[title] = widget
            self.plot_items[title] = item
        if not comparison.plot_titles:
            self.plots_grid.addWidget(QLabel("None of these runs defined a plot."), 0, 0)
        self._lay_out_plots()

    def plot_columns(self) -> int:
        """1 to 3 plots a row, as many as fit the window's width."""
        return max(1, min(3, self.plots_area.viewport().width() // (PLOT_MIN_WIDTH + 20)))

    def _lay_out_plots(self) -> None:
        columns = self.plot_columns()
        for index, widget in enumerate(self.plot_widgets.values()):
            self.plots_grid.addWidget(widget, index // columns, index % columns)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        if self.plot_widgets:
            self._lay_out_plots()
        if self.comparison is not None:
            self._fit_table()

    def curves(self, title: str) -> list[tuple[str, Any, Any]]:
        """(legend name, x, y) of every curve in the plot, as drawn."""
        return [(curve.name(), curve.xData, curve.yData)
                for curve in self.plot_items[title].listDataItems()]

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        _open_windows.discard(self)
        super().closeEvent(event)


def open_comparison(experiments: Experiments, trial_ids: Sequence[int],
                    parent: QWidget | None = None) -> CompareWindow:
    """Show a compare window for the trials (kept alive until it is closed)."""
    window = CompareWindow(experiments, trial_ids, parent)
    _open_windows.add(window)
    window.show()
    window.raise_()
    return window
