"""The workbench window, results first: the result tabs (plots, predictions, tuning,
experiments) take the room; the setup column (model, knobs, datasets) folds away to the left;
the run details (stages, messages, output) sit in a bottom dock that stays closed behind a
one-line status strip until asked for or until something fails.

Panels in hidden tabs and the closed dock are built the first time they are shown (or a run
needs them), which keeps the launch close to a bare window's. Geometry, docks, splitters and
tabs persist (:mod:`rafiki_gui.window_state`); menus and the toolbar are in
:mod:`rafiki_gui.window_actions`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QIcon
from PySide6.QtWidgets import (
    QDockWidget,
    QGroupBox,
    QMainWindow,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from . import window_state
from .finish_notice import FinishNotice
from .lazy_panel import LazyPanel, PanelTabs
from .resources import APP_ICON, resource_path
from .session import RunRefused, Session

WINDOW_TITLE = "Rafiki Workbench"
STOP_GRACE_ON_CLOSE = 10.0
SETUP_WIDTH = 400
"""The setup column's width when opened again after being folded (px)."""
DETAILS_HEIGHT = 300
"""The run details dock's height when first opened (px)."""


class MainWindow(QMainWindow):
    """Setup column | result tabs, over a run status strip and a run details dock."""

    sig_panels_ready = Signal()
    """The visible panels exist (built at once, or right after the first paint when
    deferred); the others are built when first shown."""

    def __init__(self, session: Session | None = None, defer_panels: bool = False):
        """``defer_panels``: paint the window's frame first and build the panels (and import
        their modules) just after, so the window appears as fast as a bare one."""
        super().__init__()
        self.session = session or Session(self)
        self.panels_built = False
        self.last_problem = ""  # the last refusal or file problem shown (show_problem)
        self.setWindowTitle(WINDOW_TITLE)
        self.finish_notice = FinishNotice(self)
        icon_path = resource_path(*APP_ICON)
        if icon_path.exists():
            self.setWindowIcon(QIcon(str(icon_path)))
        self.setAcceptDrops(True)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks)
        from .window_actions import WindowActions

        self.actions_ = WindowActions(self)  # also names them on the window: self.run_action…
        self._build_details_dock()
        self.actions_.draw_toolbar_ahead()
        window_state.restore_geometry(self)
        if defer_panels:
            self.installEventFilter(self)
        else:
            self.ensure_panels()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self and event.type() == QEvent.Type.Paint and not self.panels_built:
            self.removeEventFilter(self)
            QTimer.singleShot(0, self.ensure_panels)
        return False

    # -- composition --------------------------------------------------------------------

    def _build_details_dock(self) -> None:
        """The run details dock exists from the start, closed: its toggle is in the frame's
        toolbar, and a saved window state may open it."""
        self.details_dock = QDockWidget("Run details", self)
        self.details_dock.setObjectName("run_details_dock")
        self.details_dock.setAllowedAreas(Qt.DockWidgetArea.BottomDockWidgetArea |
                                          Qt.DockWidgetArea.RightDockWidgetArea)
        self._run_page = LazyPanel(self._make_run_panel)
        self._run_page.sig_built.connect(window_state.restore_layout)
        self.details_dock.setWidget(self._run_page)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.details_dock)
        self.details_dock.hide()
        self.actions_.add_view_toggle(self.details_dock.toggleViewAction(), "F8")
        self.session.sig_run_started.connect(self._run_started)
        self.session.sig_run_finished.connect(self._run_finished)
        self.session.sig_run_refused.connect(self.show_problem)
        self.session.sig_notice.connect(lambda text: self.statusBar().showMessage(text, 10_000))
        self.session.sig_model_changed.connect(self._show_title)
        self.session.sig_run_requested.connect(self.run)  # "Run again" after a model edit

    def _build_status_strip(self) -> None:
        """The one-line run status under the results, made with the panels it sits under
        (not before the first paint: nothing shows it until the result tabs exist)."""
        from .run_status_feed import RunStatusFeed
        from .status_strip import RunStatusStrip

        self.status_strip = RunStatusStrip()
        self.state_label = self.status_strip.state_label
        self.stage_label = self.status_strip.stage_label
        self.elapsed_label = self.status_strip.elapsed_label
        self.status_feed = RunStatusFeed(self.session, self.status_strip)
        self.details_dock.visibilityChanged.connect(
            lambda _v: self.status_strip.set_details_open(self.details_dock.isVisible()))
        self.status_strip.set_details_open(self.details_dock.isVisible())
        self.status_strip.sig_details_toggled.connect(self.show_run_details)

    def ensure_panels(self) -> None:
        """Build the visible panels now if they are not built yet."""
        if self.panels_built:
            return
        self.panels_built = True
        self._build_status_strip()
        from .panels.knobs_panel import KnobsPanel
        from .panels.model_panel import ModelPanel
        from .panels.plots_panel import PlotsPanel

        self.model_panel = ModelPanel(self.session)
        self.knobs_panel = KnobsPanel(self.session)
        self.plots_panel = PlotsPanel(self.session)
        self._build_layout()
        from .tuning.window_parts import install_tuning

        install_tuning(self)  # the Tuning and Experiments tabs, the Tuning menu
        for page in (self._datasets_page, self._predictions_page, self._tuning_page,
                     self._experiments_page):
            page.sig_built.connect(window_state.restore_layout)
        self.actions_.panels_built()
        window_state.restore_layout(self)
        self.sig_panels_ready.emit()

    def _build_layout(self) -> None:
        model_box = QGroupBox("Model")
        QVBoxLayout(model_box).addWidget(self.model_panel)
        self.setup_tabs = PanelTabs()
        self.setup_tabs.setObjectName("setup_tabs")
        self.setup_tabs.addTab(self.knobs_panel, "Knobs")
        self._datasets_page = LazyPanel(self._make_datasets_panel)
        self.setup_tabs.addTab(self._datasets_page, "Datasets")
        self.setup_pane = QSplitter(Qt.Orientation.Vertical)
        self.setup_pane.setObjectName("setup_pane")
        self.setup_pane.addWidget(model_box)
        self.setup_pane.addWidget(self.setup_tabs)
        self.setup_pane.setStretchFactor(1, 1)
        self.result_tabs = PanelTabs()
        self.result_tabs.setObjectName("result_tabs")
        self.result_tabs.setDocumentMode(True)
        self.result_tabs.addTab(self.plots_panel, "Plots")
        self._predictions_page = LazyPanel(self._make_predictions_panel)
        self.result_tabs.addTab(self._predictions_page, "Predictions")
        results = QWidget()
        results_layout = QVBoxLayout(results)
        results_layout.setContentsMargins(0, 0, 0, 0)
        results_layout.setSpacing(0)
        results_layout.addWidget(self.result_tabs, 1)
        results_layout.addWidget(self.status_strip)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("main_splitter")
        self.splitter.addWidget(self.setup_pane)
        self.splitter.addWidget(results)
        self.splitter.setCollapsible(0, True)
        self.splitter.setCollapsible(1, False)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([SETUP_WIDTH, max(self.width() - SETUP_WIDTH, 400)])
        self.splitter.splitterMoved.connect(lambda *_a: self.actions_.sync_setup_toggle())
        self.setCentralWidget(self.splitter)
        self.splitter.show()  # built after show() when deferred: show it explicitly

    # -- lazily built panels ------------------------------------------------------------

    def _make_run_panel(self) -> QWidget:
        from .panels.run_panel import RunPanel

        return RunPanel(self.session)

    def _make_datasets_panel(self) -> QWidget:
        from .panels.datasets_panel import DatasetsPanel

        return DatasetsPanel(self.session)  # it shows the session's datasets as it starts

    def _make_predictions_panel(self) -> QWidget:
        from .panels.predictions_panel import PredictionsPanel

        return PredictionsPanel(self.session)

    @property
    def run_panel(self) -> Any:
        """Stages, messages and output (built on first use)."""
        return self._run_page.panel()

    @property
    def datasets_panel(self) -> Any:
        """The datasets tab's panel (built on first use)."""
        self.ensure_panels()
        return self._datasets_page.panel()

    @property
    def predictions_panel(self) -> Any:
        """The predictions tab's panel (built on first use)."""
        self.ensure_panels()
        return self._predictions_page.panel()

    @property
    def tuning_panel(self) -> Any:
        """The tuning tab's panel (built on first use; see tuning.window_parts)."""
        self.ensure_panels()
        return self._tuning_page.panel()

    @property
    def experiments_browser(self) -> Any:
        """The experiments tab's browser (built on first use)."""
        self.ensure_panels()
        return self._experiments_page.panel()

    def _run_started(self) -> None:
        """Panels that follow a run exist before its events come (built now if hidden so
        far: connected during this signal they miss it, so they take the running run up from
        the session as they are built)."""
        self._run_page.panel()
        if self.panels_built:
            self._predictions_page.panel()
            self.result_tabs.setCurrentWidget(self.plots_panel)

    def _run_finished(self, outcome: Any) -> None:
        from .run_status_feed import run_ending_text

        state = getattr(getattr(outcome, "state", None), "name", "")
        self.finish_notice.announce(run_ending_text(outcome))
        if state not in ("COMPLETED", "STOPPED"):  # a failure opens the details at once
            self.show_run_details(True)

    def show_run_details(self, shown: bool = True) -> None:
        """Open (or close) the run details dock."""
        if shown and not self.details_dock.isVisible():
            if self.details_dock.isFloating() or self.details_dock.height() < 80:
                self.resizeDocks([self.details_dock], [DETAILS_HEIGHT], Qt.Orientation.Vertical)
            self.details_dock.show()
            self.details_dock.raise_()
        elif not shown:
            self.details_dock.hide()

    def show_problem(self, reason: str) -> None:
        """A run refused, or a file that could not be saved or opened: said in the run
        details, opened for it (last_problem keeps it for scripts driving the window)."""
        self.last_problem = reason
        self.run_panel.show_refusal(reason)
        self.show_run_details(True)

    # -- running ------------------------------------------------------------------------

    def run(self) -> bool:
        """Start a run; when refused, show why in the run details. True when it started, or
        waits for a dataset being read (then it starts, or sig_run_refused says why not)."""
        self.ensure_panels()
        try:
            self.session.start_run()
        except RunRefused as refusal:
            self.status_feed.refused()
            self.show_problem(str(refusal))
            return False
        return True

    def stop(self) -> None:
        if self.session.is_running:
            self.status_feed.stopping()
            self.session.stop_run()

    def is_busy(self) -> str:
        """What a quit would stop ("a run", "a tuning"), or "" when nothing is going."""
        if self.session.is_running or self.session.is_run_pending:
            return "a run"
        panel = getattr(self, "_tuning_page", None)
        if panel is not None and panel.is_built and panel.panel().is_tuning:
            return "a tuning"
        return ""

    # -- files --------------------------------------------------------------------------

    def open_dataset(self, path: str, which: str) -> None:
        (self.session.set_train_path if which == "train" else self.session.set_test_path)(path)

    def open_paths(self, paths: list[str]) -> None:
        """Open dropped files: a .py is the model; a .zip is the test set when its name says
        "test" (or the train set is already chosen and the test set is not), else the train
        set."""
        self.ensure_panels()
        for path in paths:
            suffix = Path(path).suffix.lower()
            if suffix == ".py":
                self.model_panel.open_model(path)
            elif suffix == ".zip":
                name = Path(path).name.lower()
                is_test = "test" in name or (self.session.train_path and not self.session.test_path
                                             and "train" not in name)
                self.open_dataset(path, "test" if is_test else "train")

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if any(Path(u.toLocalFile()).suffix.lower() in (".py", ".zip") for u in urls):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        self.open_paths([u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()])
        event.acceptProposedAction()

    def _show_title(self, path: str) -> None:
        self.setWindowTitle(f"{Path(path).name} — {WINDOW_TITLE}" if path else WINDOW_TITLE)

    # -- closing ------------------------------------------------------------------------

    def confirm_quit(self) -> bool:
        """Ask before a quit stops a run or a tuning; True when the window may close."""
        busy = self.is_busy()
        if not busy:
            return True
        from PySide6.QtWidgets import QMessageBox  # when asked, not at launch (~6 ms)

        self.quit_question = QMessageBox(
            QMessageBox.Icon.Question, "Quit the workbench?",
            f"{busy.capitalize()} is going. Quitting stops it (finished trials and runs are "
            "kept).", QMessageBox.StandardButton.Cancel, self)
        quit_button = self.quit_question.addButton("Stop and quit",
                                                   QMessageBox.ButtonRole.AcceptRole)
        self.quit_question.setDefaultButton(QMessageBox.StandardButton.Cancel)
        self.quit_question.exec()
        return self.quit_question.clickedButton() is quit_button

    def force_close(self) -> None:
        """Close without asking (SIGTERM): a run or tuning going on is stopped."""
        self._asked_to_quit = True
        self.close()

    def save_settings(self) -> None:
        window_state.save(self)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        if not self.panels_built:
            super().closeEvent(event)
            return
        if not getattr(self, "_asked_to_quit", False) and not self.confirm_quit():
            event.ignore()
            return
        self.save_settings()
        if self.session.is_running:
            self.session.stop_run()
            self.session.wait_for_run(STOP_GRACE_ON_CLOSE)
        tuning = getattr(self, "_tuning_page", None)
        if tuning is not None and tuning.is_built:
            tuning.panel().shutdown(STOP_GRACE_ON_CLOSE)
        self.session.wait_for_inspection(5.0)
        self.session.cancel_dataset_reads()  # a large zip's read need not finish for nobody
        super().closeEvent(event)
