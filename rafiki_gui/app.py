"""``rafiki-gui`` / ``python -m rafiki_gui``: parse the command line, open the window, and
optionally run, save a screenshot, or self-test, then exit.

With no model named it opens the bundled example model and sample datasets, ready to Run.
``--screenshot`` and ``--self-test`` drive the real window and a real child process, so docs
images and packaging checks show exactly what a user would see.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from pathlib import Path
from typing import Any

from .platform_libraries import EXIT_QT_LIBRARIES_MISSING, problem_before_qt
from .resources import (
    EXAMPLE_MODEL,
    SAMPLE_LABEL_NAMES,
    SAMPLE_TEST_NAMES,
    SAMPLE_TRAIN_NAMES,
    first_existing,
    resource_path,
)

SELF_TEST_TIMEOUT_S = 300
PREDICTIONS_WAIT_S = 120  # the bundled example's 200 test samples take ~2 s; a slow model more
SCREENSHOT_SIZE = (1280, 800)
SIGNAL_TICK_MS = 500
APP_NAME = "Rafiki Workbench"
TABS = ("plots", "predictions", "tuning")
EXIT_FAILED = 1

EXIT_CODES = f"""exit codes:
  0  done (or the window was closed)
  {EXIT_FAILED}  --run with --screenshot: the run did not complete, or its predictions or the
     screenshot could not be made; --self-test: a check failed
  2  the command line is wrong
  {EXIT_QT_LIBRARIES_MISSING}  Qt's platform plugin cannot load: the missing system libraries and
     the command that installs them are printed instead of opening the window"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rafiki-gui",
        description="The Rafiki Workbench: pick a model file and datasets, edit knobs, run the "
                    "lifecycle with live plots and inspect predictions.",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", nargs="?", help="a Rafiki model file (.py); default: the "
                        "bundled example image classifier")
    parser.add_argument("--class", dest="model_class", metavar="NAME",
                        help="the model class to use when the file has several")
    parser.add_argument("--train", metavar="ZIP", help="the train dataset (.zip)")
    parser.add_argument("--test", metavar="ZIP", help="the test dataset (.zip)")
    parser.add_argument("--run", action="store_true", help="run once the model is loaded")
    parser.add_argument("--screenshot", metavar="PNG",
                        help="after loading (and the run, with --run) save the window as PNG "
                             "and exit; non-zero when the run did not complete")
    parser.add_argument("--tab", choices=TABS,
                        help="the result tab to show (after the run, with --run); with "
                             "'predictions' the screenshot waits for the test set's predictions")
    parser.add_argument("--self-test", action="store_true",
                        help="run the bundled example through the window and a real child "
                             "process, check score, plots and predictions; exit 0 or 1")
    desktop = parser.add_mutually_exclusive_group()
    desktop.add_argument("--install-desktop", action="store_true",
                         help="(Linux) add this app to your desktop's application menu "
                              "(entry and icon under $XDG_DATA_HOME or ~/.local/share), exit")
    desktop.add_argument("--uninstall-desktop", action="store_true",
                         help="(Linux) remove what --install-desktop added, exit")
    return parser


def default_inputs() -> tuple[Path, Path | None, Path | None]:
    """The bundled example model and its sample train/test datasets."""
    model = resource_path(*EXAMPLE_MODEL)
    train = first_existing("datasets", *SAMPLE_TRAIN_NAMES)
    test = first_existing("datasets", *SAMPLE_TEST_NAMES)
    return model, train, test


class Launcher:
    """Loads what the command line names into the window, then runs/captures/checks/exits."""

    def __init__(self, window: Any, args: argparse.Namespace):
        self.window = window
        self.session = window.session
        self.args = args
        self.exit_code = 0
        self.report: list[str] = []
        self._loaded = False
        self._finishing = False
        self._predictions_deadline = 0.0

    @property
    def wants_run(self) -> bool:
        return bool(self.args.run or self.args.self_test)

    @property
    def exits_when_done(self) -> bool:
        return bool(self.args.screenshot or self.args.self_test)

    def start(self) -> None:
        from PySide6.QtCore import QTimer

        args = self.args
        if args.screenshot:  # the same picture whatever size the window had last time
            self.window.resize(*SCREENSHOT_SIZE)
        model, train, test = default_inputs()
        if args.model:
            model = Path(args.model)
            train = test = None  # the model's own test_model_class(...) block may name them
        if args.train:
            train = Path(args.train)
        if args.test:
            test = Path(args.test)
        if args.self_test:
            model, train, test = default_inputs()
        if train:
            self.session.set_train_path(str(Path(train).resolve()))
        if test:
            self.session.set_test_path(str(Path(test).resolve()))
        labels = first_existing("datasets", *SAMPLE_LABEL_NAMES)
        if labels and not args.model and not self.session.label_names_path:
            try:
                self.session.set_label_names_path(str(labels))
            except (ValueError, OSError) as exc:
                self.report.append(f"class names not loaded: {exc}")
        self.session.sig_inspection_done.connect(self._on_loaded)
        if not Path(model).exists():
            self._fail(f"The model file {model} does not exist")
            self.window.show_problem(f"The model file {model} does not exist")
            self._finish()
            return
        self.window.model_panel.open_model(str(model))
        if self.args.self_test:
            QTimer.singleShot(SELF_TEST_TIMEOUT_S * 1000, self._timed_out)

    def _on_loaded(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if self.args.model_class:
            try:
                self.session.set_model_class(self.args.model_class)
            except ValueError as exc:
                self._fail(str(exc))
        if self.wants_run:
            self.session.sig_run_finished.connect(self._on_run_finished)
            self.session.sig_run_refused.connect(self._on_run_refused)
            if not self.window.run():
                self._fail(self.window.last_problem or "the run was refused")
                self._finish()
            return
        self._show_tab()
        if self.exits_when_done:
            self._finish()

    def _show_tab(self) -> None:
        """The result tab --tab names (a run starts on Plots, so this comes after it)."""
        panels = {"plots": self.window.plots_panel,
                  "predictions": self.window.predictions_panel,
                  "tuning": getattr(self.window, "tuning_panel", None)}
        panel = panels.get(self.args.tab or "")
        if panel is not None:
            self.window.result_tabs.setCurrentWidget(panel)

    def _on_run_refused(self, reason: str) -> None:
        """A run that waited for the datasets could not start once they were read."""
        self._fail(reason)
        self._finish()

    def _on_run_finished(self, outcome: Any) -> None:
        from PySide6.QtCore import QTimer

        # after every panel has taken the run's end (a panel built lazily at the run's start
        # was connected after this launcher)
        QTimer.singleShot(0, lambda: self._after_run(outcome))

    def _after_run(self, outcome: Any) -> None:
        if self.args.self_test:
            if self._check(outcome):
                # the run's own predictions are shown; the whole test set is asked of the
                # panel's predict service, which loads the trained model in a child of its own
                panel = self.window.predictions_panel
                self.window.result_tabs.setCurrentWidget(panel)
                panel.predict_whole_test_set()
                self._wait_for_predictions()
            else:
                self._finish()
            return
        failure = run_failure(outcome)
        self._show_tab()
        if not self.exits_when_done:
            # for scripts driving the window (and the X server smoke test): how it ended
            print(f"run finished: {failure or run_summary(outcome)}", flush=True)
            return
        if failure:
            self._fail(failure)
        elif self.args.tab == "predictions":
            self._wait_for_predictions()
            return
        self._finish()

    def _check(self, outcome: Any) -> bool:
        """The self-test's checks, on what the window shows."""
        failure = run_failure(outcome)
        if failure:
            self._fail(failure)
            return False
        score = self.window.run_panel.score
        if score is None or not 0.0 <= score <= 1.0:
            self._fail(f"no score in [0, 1] shown (got {score!r})")
        else:
            self.report.append(f"score shown: {score:.4f}")
        plots = self.window.plots_panel
        plots.redraw()
        points = {title: sum(view.points_in_plot(m) for m in view.plot.metrics)
                  for title, view in plots.views.items()}
        if not points or not all(points.values()):
            self._fail(f"plots missing or empty: {points}")
        else:
            self.report.append(f"plots: {points}")
        return self.exit_code == 0

    def _wait_for_predictions(self) -> None:
        self._predictions_deadline = time.monotonic() + PREDICTIONS_WAIT_S
        self._poll_predictions()

    def _poll_predictions(self) -> None:
        """Wait (without blocking the window) until the predictions panel has answered: it
        lists predictions or shows why it cannot, and asks nothing more."""
        from PySide6.QtCore import QTimer

        if self._finishing:
            return
        panel = self.window.predictions_panel
        shown = panel.prediction_count()
        problem = panel.error_view.text()
        if not panel.is_busy() and (shown or problem):
            if problem:
                self._fail(f"no predictions shown: {problem}")
            else:
                self.report.append(f"predictions shown: {shown}")
            self._finish()
        elif time.monotonic() > self._predictions_deadline:
            self._fail(f"no predictions shown within {PREDICTIONS_WAIT_S} s")
            self._finish()
        else:
            QTimer.singleShot(200, self._poll_predictions)

    def _timed_out(self) -> None:
        self._fail(f"self-test did not finish within {SELF_TEST_TIMEOUT_S} s")
        self.session.stop_run()
        self._finish()

    def _fail(self, reason: str) -> None:
        self.exit_code = 1
        self.report.append(f"FAILED: {reason}")

    def _finish(self) -> None:
        from PySide6.QtCore import QTimer

        if self._finishing:
            return
        self._finishing = True
        # let the last events paint before the capture
        QTimer.singleShot(300, self._capture_and_quit)

    def _capture_and_quit(self) -> None:
        from PySide6.QtWidgets import QApplication

        self.window.plots_panel.redraw()
        if self.args.screenshot:
            path = Path(self.args.screenshot)
            path.parent.mkdir(parents=True, exist_ok=True)
            if not self.window.grab().save(str(path)):
                self._fail(f"could not save the screenshot to {path}")
        tabs = self.window.result_tabs
        self.report.append(f"tab shown: {tabs.tabText(tabs.currentIndex())}")
        if self.args.self_test:
            print("self-test " + ("passed" if self.exit_code == 0 else "FAILED"))
        for line in self.report:
            print(f"  {line}")
        self.window.close()
        QApplication.instance().exit(self.exit_code)


def run_summary(outcome: Any) -> str:
    """"completed, score 0.9600" for a completed run."""
    score = (getattr(outcome, "result", None) or {}).get("score")
    return "completed" + (f", score {score:.4f}" if isinstance(score, (int, float)) else "")


def close_on_sigterm(window: Any) -> None:
    """SIGTERM (a logout, a script ending the workbench) closes the window as Quit does:
    settings saved, a run or tuning stopped and its children ended. Python runs signal
    handlers only between bytecodes, so a timer gives it a moment every half second."""
    import signal

    from PySide6.QtCore import QTimer

    signal.signal(signal.SIGTERM, lambda *_args: QTimer.singleShot(0, window.force_close))
    window._signal_tick = QTimer(window)
    window._signal_tick.timeout.connect(lambda: None)
    window._signal_tick.start(SIGNAL_TICK_MS)


def run_failure(outcome: Any) -> str | None:
    """Why a run did not complete (state, stage, error), or None when it completed."""
    state = getattr(outcome.state, "name", str(outcome.state))
    if state == "COMPLETED":
        return None
    error = outcome.error or {}
    cause = ": ".join(str(error[key]) for key in ("stage", "type", "message") if error.get(key))
    return f"the run ended {state}" + (f": {cause}" if cause else "")


def main(argv: list[str] | None = None) -> int:
    multiprocessing.freeze_support()  # a frozen binary re-invokes itself for child processes
    args = build_parser().parse_args(argv)
    if args.install_desktop or args.uninstall_desktop:  # needs no display, nor Qt
        from .desktop_entry import main as desktop_main

        return desktop_main("install" if args.install_desktop else "uninstall")
    problem = problem_before_qt()  # Qt would abort on it, naming no library
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_QT_LIBRARIES_MISSING
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from .main_window import MainWindow
    from .resources import APP_ICON
    from .style import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName("rafiki")
    app.setWindowIcon(QIcon(str(resource_path(*APP_ICON))))
    apply_theme(app)
    window = MainWindow(defer_panels=True)
    launcher = Launcher(window, args)
    window.sig_panels_ready.connect(launcher.start)
    close_on_sigterm(window)
    window.show()
    from .store_problem_dialog import watch_store_problems

    watch_store_problems(window, window.session)  # a store that cannot be used: said at once
    code = app.exec()
    return launcher.exit_code or code


if __name__ == "__main__":
    sys.exit(main())
