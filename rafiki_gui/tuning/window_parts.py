"""Puts tuning into the workbench window: a Tuning tab, an Experiments tab, a Tuning menu,
and a tuning stopped when the window closes.

Kept here so the window's own file gains one call: the shell's layout stays its own, and
everything about tuning lives under ``rafiki_gui/tuning``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QTabWidget

from .experiments_browser import ExperimentsBrowser
from .tuning_panel import TuningPanel, TuningRefused

STOP_GRACE_ON_CLOSE = 15.0


class _CloseGuard(QObject):
    """Stops a tuning before the window closes (its trials end as stopped, not orphaned)."""

    def __init__(self, window: QMainWindow, panel: TuningPanel):
        super().__init__(window)
        self._panel = panel

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Close:
            self._panel.shutdown(STOP_GRACE_ON_CLOSE)
        return False


def install_tuning(window: Any) -> TuningPanel:
    """Add the tuning panel and the experiments browser to ``window`` (a MainWindow whose
    panels are built: it has ``session``, ``result_tabs`` and a menu bar)."""
    session = window.session
    tabs: QTabWidget = window.result_tabs
    panel = TuningPanel(session)
    browser = ExperimentsBrowser(session)
    tabs.addTab(panel, "Tuning")
    tabs.addTab(browser, "Experiments")
    window.tuning_panel = panel
    window.experiments_browser = browser

    def show_panel(experiment_id: int, resume: bool) -> None:
        tabs.setCurrentWidget(panel)
        try:
            if resume:
                panel.resume_tuning(experiment_id)
            else:
                panel.open_experiment(experiment_id)
        except (TuningRefused, ValueError, KeyError) as refusal:
            panel.status.setText(str(refusal))

    browser.sig_open_experiment.connect(lambda i: show_panel(i, False))
    browser.sig_resume_experiment.connect(lambda i: show_panel(i, True))
    browser.sig_compare_experiments.connect(session.compare_experiments)
    panel.sig_compare_trials.connect(session.compare_runs)
    session.sig_compare_requested.connect(lambda ids: _open_comparison(window, ids))
    browser.sig_deleted.connect(lambda i: panel.experiment is not None and
                                panel.experiment.id == i and panel.forget_experiment())
    tabs.currentChanged.connect(lambda _i: tabs.currentWidget() is browser and browser.refresh())

    def started(experiment_id: int) -> None:
        browser.busy_experiment = experiment_id
        start_action.setEnabled(False)
        stop_action.setEnabled(True)

    def finished(_result: Any) -> None:
        browser.busy_experiment = None
        start_action.setEnabled(True)
        stop_action.setEnabled(False)
        if tabs.currentWidget() is browser:
            browser.refresh()

    def start() -> None:
        tabs.setCurrentWidget(panel)
        panel.start_button.click()

    menu = window.menuBar().addMenu("&Tuning")
    start_action = QAction("Start &tuning", window)
    start_action.setShortcut("Ctrl+T")
    start_action.triggered.connect(start)
    stop_action = QAction("Stop t&uning", window)
    stop_action.setEnabled(False)
    stop_action.triggered.connect(panel.stop_tuning)
    experiments_action = QAction("&Experiments", window)
    experiments_action.setShortcut("Ctrl+E")
    experiments_action.triggered.connect(lambda: tabs.setCurrentWidget(browser))
    compare_action = QAction("&Compare selected trials", window)
    compare_action.setShortcut("Ctrl+Shift+C")
    compare_action.setStatusTip("Overlay the plots and knobs of the trials selected in the "
                                "Tuning or Experiments tab")
    compare_action.triggered.connect(
        lambda: browser.compare_button.click() if tabs.currentWidget() is browser
        else panel.compare_selected())
    interpreter_action = QAction("Python &interpreter…", window)
    interpreter_action.triggered.connect(lambda: _open_interpreter_dialog(window))
    menu.addActions([start_action, stop_action])
    menu.addSeparator()
    menu.addActions([experiments_action, compare_action, interpreter_action])
    window.tuning_actions = {"start": start_action, "stop": stop_action,
                             "experiments": experiments_action, "compare": compare_action,
                             "interpreter": interpreter_action}
    panel.sig_tuning_started.connect(started)
    panel.sig_tuning_finished.connect(finished)
    window.installEventFilter(_CloseGuard(window, panel))
    return panel


def _open_comparison(window: Any, trial_ids: list[int]) -> None:
    from ..compare_window import open_comparison

    experiments = window.session.experiments
    if experiments is None or len(set(trial_ids)) < 2:
        window.statusBar().showMessage("Choose at least two stored runs to compare", 5000)
        return
    window.compare_window = open_comparison(experiments, trial_ids, window)


def _open_interpreter_dialog(window: Any) -> None:
    from .interpreter_dialog import InterpreterDialog

    dialog = InterpreterDialog(window.session, window)
    dialog.open()
    window.interpreter_dialog = dialog
