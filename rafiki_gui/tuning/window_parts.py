"""Puts tuning into the workbench window: a Tuning tab, an Experiments tab and the Tuning
menu. Both tabs are built the first time they are shown (the tuning panel's charts cost ~0.4 s
at launch otherwise); the menu works before that, building what it needs.

Kept here so the window's own file gains one call: the shell's layout stays its own, and
everything about tuning lives under ``rafiki_gui/tuning``. The window stops a tuning when it
closes (after asking), in its closeEvent.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QAction

from ..lazy_panel import LazyPanel


def install_tuning(window: Any) -> None:
    """Add the tuning panel and the experiments browser to ``window`` (a MainWindow whose
    panels are built: it has ``session``, ``result_tabs`` and ``tuning_menu``); they are
    reachable as ``window.tuning_panel`` and ``window.experiments_browser`` (built on use)."""
    tabs = window.result_tabs
    menu = window.tuning_menu
    start_action = QAction("Start &tuning", window)
    start_action.setShortcut("Ctrl+T")
    stop_action = QAction("Stop t&uning", window)
    stop_action.setEnabled(False)
    experiments_action = QAction("&Experiments", window)
    experiments_action.setShortcut("Ctrl+E")
    compare_action = QAction("&Compare selected trials", window)
    compare_action.setShortcut("Ctrl+Shift+C")
    compare_action.setStatusTip("Overlay the plots and knobs of the trials selected in the "
                                "Tuning or Experiments tab")
    interpreter_action = QAction("Python &interpreter…", window)
    menu.addActions([start_action, stop_action])
    menu.addSeparator()
    menu.addActions([experiments_action, compare_action, interpreter_action])
    window.tuning_actions = {"start": start_action, "stop": stop_action,
                             "experiments": experiments_action, "compare": compare_action,
                             "interpreter": interpreter_action}
    window.session.sig_compare_requested.connect(lambda ids: _open_comparison(window, ids))

    def make_panel():
        from .tuning_panel import TuningPanel

        panel = TuningPanel(window.session)
        panel.sig_compare_trials.connect(window.session.compare_runs)
        panel.sig_tuning_started.connect(started)
        panel.sig_tuning_finished.connect(finished)
        from .tuning_status_feed import TuningStatusFeed

        window.tuning_status_feed = TuningStatusFeed(panel, window.status_strip)
        return panel

    def make_browser():
        from .experiments_browser import ExperimentsBrowser

        browser = ExperimentsBrowser(window.session)
        browser.sig_open_experiment.connect(lambda i: show_panel(i, False))
        browser.sig_resume_experiment.connect(lambda i: show_panel(i, True))
        browser.sig_compare_experiments.connect(window.session.compare_experiments)
        browser.sig_deleted.connect(forget_deleted)
        return browser

    window._tuning_page = LazyPanel(make_panel)
    window._experiments_page = LazyPanel(make_browser)
    tabs.addTab(window._tuning_page, "Tuning")
    tabs.addTab(window._experiments_page, "Experiments")

    def show_panel(experiment_id: int, resume: bool) -> None:
        from .tuning_panel import TuningRefused

        panel = window.tuning_panel
        tabs.setCurrentWidget(panel)
        try:
            if resume:
                panel.resume_tuning(experiment_id)
            else:
                panel.open_experiment(experiment_id)
        except (TuningRefused, ValueError, KeyError) as refusal:
            panel.show_refusal(str(refusal))

    def forget_deleted(experiment_id: int) -> None:
        if window._tuning_page.is_built:
            panel = window.tuning_panel
            if panel.experiment is not None and panel.experiment.id == experiment_id:
                panel.forget_experiment()

    def browser_shown(_index: int) -> None:
        if window._experiments_page.is_built and \
                tabs.currentWidget() is window.experiments_browser:
            window.experiments_browser.refresh()

    tabs.currentChanged.connect(browser_shown)

    def started(experiment_id: int) -> None:
        if window._experiments_page.is_built:
            window.experiments_browser.busy_experiment = experiment_id
        start_action.setEnabled(False)
        stop_action.setEnabled(True)

    def finished(result: Any) -> None:
        start_action.setEnabled(True)
        stop_action.setEnabled(False)
        window.finish_notice.announce(_tuning_ending_text(result))
        if window._experiments_page.is_built:
            window.experiments_browser.busy_experiment = None
            browser_shown(tabs.currentIndex())

    def start() -> None:
        panel = window.tuning_panel
        tabs.setCurrentWidget(panel)
        panel.request_start()

    start_action.triggered.connect(start)
    stop_action.triggered.connect(lambda: window.tuning_panel.stop_tuning())
    experiments_action.triggered.connect(
        lambda: tabs.setCurrentWidget(window.experiments_browser))
    interpreter_action.triggered.connect(lambda: _open_interpreter_dialog(window))

    def compare() -> None:
        if window._experiments_page.is_built and \
                tabs.currentWidget() is window.experiments_browser:
            window.experiments_browser.compare_selected()
        else:
            window.tuning_panel.compare_selected()

    compare_action.triggered.connect(compare)


def _tuning_ending_text(result: Any) -> str:
    """"Tuning finished: 12 trials, best score 0.9431" (or stopped, or failed)."""
    if result is None:
        return "Tuning failed"
    ending = "stopped" if getattr(result, "stopped", False) else "finished"
    trials = getattr(result, "trials", None)
    count = f": {len(trials)} trials" if isinstance(trials, list) else ""
    best = getattr(result, "best", None)
    score = getattr(best, "score", None)
    tail = f", best score {score:.4f}" if isinstance(score, (int, float)) else ""
    return f"Tuning {ending}{count}{tail}"


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
