"""The workbench window: composes the panels over one Session and adds menus, shortcuts
(Ctrl+O open, Ctrl+R run, Esc stop), drag-and-drop of model files and datasets, and a status
bar with the run's state, stage and elapsed time. Geometry and recent files persist."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QLabel,
    QMainWindow,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
)

from .resources import APP_ICON, resource_path
from .session import RunRefused, Session
from .settings import settings

WINDOW_TITLE = "Rafiki Workbench"
STOP_GRACE_ON_CLOSE = 10.0


class MainWindow(QMainWindow):
    """Model, datasets and knobs on the left; plots and predictions, then the run, on the right."""

    sig_panels_ready = Signal()
    """The panels exist (built at once, or right after the first paint when deferred)."""

    def __init__(self, session: Session | None = None, defer_panels: bool = False):
        """``defer_panels``: paint the window's frame first and build the panels (and import
        their modules) just after, so the window appears as fast as a bare one."""
        super().__init__()
        self.session = session or Session(self)
        self.panels_built = False
        self.setWindowTitle(WINDOW_TITLE)
        icon_path = resource_path(*APP_ICON)
        if icon_path.exists():
            self.setWindowIcon(QIcon(str(icon_path)))
        self.setAcceptDrops(True)
        self.resize(1280, 820)
        self._build_actions()
        self._build_status_bar()
        if defer_panels:
            self.installEventFilter(self)
        else:
            self.ensure_panels()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self and event.type() == QEvent.Type.Paint and not self.panels_built:
            self.removeEventFilter(self)
            QTimer.singleShot(0, self.ensure_panels)
        return False

    def ensure_panels(self) -> None:
        """Build the panels now if they are not built yet."""
        if self.panels_built:
            return
        self.panels_built = True
        from .panels.datasets_panel import DatasetsPanel
        from .panels.knobs_panel import KnobsPanel
        from .panels.model_panel import ModelPanel
        from .panels.plots_panel import PlotsPanel
        from .panels.predictions_panel import PredictionsPanel
        from .panels.run_panel import RunPanel

        self.model_panel = ModelPanel(self.session)
        self.knobs_panel = KnobsPanel(self.session)
        self.datasets_panel = DatasetsPanel(self.session)
        self.predictions_panel = PredictionsPanel(self.session)
        self.run_panel = RunPanel(self.session)
        self.plots_panel = PlotsPanel(self.session)
        self._build_layout()
        self._connect_session()
        from .tuning.window_parts import install_tuning

        install_tuning(self)  # the Tuning and Experiments tabs, the Tuning menu
        self._restore_settings()
        self.sig_panels_ready.emit()

    # -- composition --------------------------------------------------------------------

    def _build_layout(self) -> None:
        model_box = QGroupBox("Model")
        QVBoxLayout(model_box).addWidget(self.model_panel)
        self.setup_tabs = QTabWidget()
        self.setup_tabs.addTab(self.knobs_panel, "Knobs")
        self.setup_tabs.addTab(self.datasets_panel, "Datasets")
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(model_box)
        left.addWidget(self.setup_tabs)
        left.setStretchFactor(1, 1)
        self.result_tabs = QTabWidget()
        self.result_tabs.addTab(self.plots_panel, "Plots")
        self.result_tabs.addTab(self.predictions_panel, "Predictions")
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.result_tabs)
        right.addWidget(self.run_panel)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)
        right.setSizes([480, 320])
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([430, 850])
        self.setCentralWidget(self.splitter)
        self.splitter.show()  # built after show() when deferred: show it explicitly

    def _action(self, text: str, slot: Any, shortcut: Any = None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(f"{tip} ({action.shortcut().toString()})" if shortcut else tip)
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        self.open_action = self._action("&Open model…", self._ask_model,
                                        QKeySequence.StandardKey.Open, "Open a model file")
        self.run_action = self._action("&Run", self.run, "Ctrl+R",
                                       "Run the lifecycle with these knobs")
        self.stop_action = self._action("&Stop", self.stop, Qt.Key.Key_Escape,
                                        "Stop the run (interrupt, terminate, kill)")
        self.stop_action.setEnabled(False)
        self.propose_action = self._action("&Propose knobs", self._propose,
                                           "Ctrl+P", "Knobs proposed by the advisor")
        self.reset_action = self._action("Reset &knobs", self._reset_knobs, None,
                                         "Every knob back to its default")
        self.quit_action = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.train_action = self._action("Open &train dataset…",
                                         lambda: self._ask_dataset("train"))
        self.test_action = self._action("Open t&est dataset…", lambda: self._ask_dataset("test"))
        self.about_action = self._action("&About", self._about)
        self.save_model_action = self._action(
            "&Save trained model…", self._save_trained_model, QKeySequence.StandardKey.Save,
            "Save the last run's knobs and parameters as one file")
        self.open_trained_action = self._action(
            "Open trained mo&del…", self._open_trained_model, None,
            "Load a saved trained model and inspect its predictions")

        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        file_menu.addActions([self.open_action, self.train_action, self.test_action])
        file_menu.addSeparator()
        file_menu.addActions([self.save_model_action, self.open_trained_action])
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        run_menu = menu.addMenu("&Run")
        run_menu.addActions([self.run_action, self.stop_action])
        run_menu.addSeparator()
        run_menu.addActions([self.propose_action, self.reset_action])
        menu.addMenu("&Help").addAction(self.about_action)
        toolbar = self.addToolBar("Run")
        toolbar.setObjectName("run_toolbar")
        toolbar.setMovable(False)
        toolbar.addActions([self.open_action, self.run_action, self.stop_action,
                            self.propose_action])

    def _build_status_bar(self) -> None:
        self.state_label = QLabel("Ready")
        self.stage_label = QLabel()
        self.elapsed_label = QLabel()
        bar = self.statusBar()
        bar.addPermanentWidget(self.stage_label)
        bar.addPermanentWidget(self.elapsed_label)
        bar.insertWidget(0, self.state_label)
        self._started_at: float | None = None
        self._elapsed_timer = QTimer(self)
        self._elapsed_timer.setInterval(200)
        self._elapsed_timer.timeout.connect(self._show_elapsed)

    def _connect_session(self) -> None:
        session = self.session
        session.sig_run_started.connect(self._run_started)
        session.sig_run_events.connect(self._track_stage)
        session.sig_run_finished.connect(self._run_finished)
        session.sig_run_pending.connect(lambda: self.state_label.setText("Waiting for the "
                                                                         "datasets…"))
        session.sig_run_refused.connect(lambda _reason: self.state_label.setText("Not run"))
        session.sig_run_archived.connect(self._run_archived)
        session.sig_model_changed.connect(self._show_title)
        session.sig_run_requested.connect(self.run)

    def _ask_model(self) -> None:
        self.ensure_panels()
        self.model_panel.ask_open()

    def _propose(self) -> None:
        self.ensure_panels()
        self.knobs_panel.propose()

    def _reset_knobs(self) -> None:
        self.ensure_panels()
        self.knobs_panel.reset()

    # -- running ------------------------------------------------------------------------

    def run(self) -> bool:
        """Start a run; when refused, show why in the run panel. True when it started, or
        waits for a dataset being read (then it starts, or sig_run_refused says why not)."""
        self.ensure_panels()
        try:
            self.session.start_run()
        except RunRefused as refusal:
            self.run_panel.show_refusal(str(refusal))
            self.state_label.setText("Not run")
            return False
        return True

    def stop(self) -> None:
        if self.session.is_running:
            self.state_label.setText("Stopping…")
            self.session.stop_run()

    def _run_started(self) -> None:
        self._started_at = time.monotonic()
        self._elapsed_timer.start()
        self.run_action.setEnabled(False)
        self.stop_action.setEnabled(True)
        self.state_label.setText("Running")
        self.stage_label.setText("Starting")
        self.result_tabs.setCurrentWidget(self.plots_panel)

    def _run_archived(self, _reason: str) -> None:
        """The last run belongs to another model now: the status bar forgets it too."""
        self.state_label.setText("Ready")
        self.stage_label.clear()
        self.elapsed_label.clear()

    def _track_stage(self, events: list[dict]) -> None:
        from .panels.run_panel import stage_label

        for event in reversed(events):
            if event.get("kind") == "stage":
                verb = {"started": "", "finished": " done", "failed": " failed"}
                self.stage_label.setText(stage_label(event.get("stage"))
                                         + verb.get(event.get("state"), ""))
                return

    def _show_elapsed(self) -> None:
        if self._started_at is not None:
            self.elapsed_label.setText(f"{time.monotonic() - self._started_at:.1f} s")

    def _run_finished(self, outcome: Any) -> None:
        self._show_elapsed()
        self._elapsed_timer.stop()
        self._started_at = None
        self.run_action.setEnabled(True)
        self.stop_action.setEnabled(False)
        self.state_label.setText(self.run_panel.state_label.text())
        if getattr(outcome, "state", None) is not None:
            self.elapsed_label.setText(f"{getattr(outcome, 'duration', 0.0):.1f} s")

    # -- files --------------------------------------------------------------------------

    def _ask_dataset(self, which: str) -> None:
        path, _ = QFileDialog.getOpenFileName(self, f"Open the {which} dataset", "",
                                              "Rafiki datasets (*.zip)")
        if path:
            self.open_dataset(path, which)

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

    def _save_trained_model(self) -> None:
        from .trained_model_files import export_last_run

        saved = export_last_run(self)
        if saved is not None:
            self.statusBar().showMessage(f"Saved the trained model to {saved}", 8000)

    def _open_trained_model(self) -> None:
        from .trained_model_files import open_trained_model

        open_trained_model(self)

    def _about(self) -> None:
        from .about_dialog import show_about

        show_about(self)

    # -- settings -----------------------------------------------------------------------

    def _restore_settings(self) -> None:
        stored = settings()
        geometry = stored.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        splitter = stored.value("window/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)

    def save_settings(self) -> None:
        stored = settings()
        stored.setValue("window/geometry", self.saveGeometry())
        stored.setValue("window/splitter", self.splitter.saveState())
        stored.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        if not self.panels_built:
            super().closeEvent(event)
            return
        self.save_settings()
        if self.session.is_running:
            self.session.stop_run()
            self.session.wait_for_run(STOP_GRACE_ON_CLOSE)
        self.model_panel.inspector.wait(5.0)
        super().closeEvent(event)
