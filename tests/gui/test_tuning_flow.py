"""Tuning in the window through real child processes: the example image model tuned end to end
and resumed, Stop during tuning, and an experiment reopened after the app holding the store
was killed mid-tuning."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytest.importorskip("rafiki.runner")

from rafiki.experiments import Experiments  # noqa: E402
from rafiki.store import Store  # noqa: E402
from rafiki_gui.main_window import MainWindow  # noqa: E402
from rafiki_gui.session import UI_SWITCH_INTERVAL_S, Session  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "resources" / "examples" / "image_classifier.py"
TRAIN = ROOT / "resources" / "datasets" / "image_train.zip"
TEST = ROOT / "resources" / "datasets" / "image_test.zip"
TUNING_TIMEOUT_MS = 120_000

pytestmark = pytest.mark.skipif(not (EXAMPLE.exists() and TRAIN.exists()),
                                reason="the example image model or its sample data is absent")


def _example_window(qtbot, test_dataset: Path = TEST) -> MainWindow:
    """The workbench window on the example model and its sample datasets, inspected."""
    made = MainWindow(Session(experiments=Experiments(Store())))
    qtbot.addWidget(made)
    made.session.set_train_path(str(TRAIN))
    made.session.set_test_path(str(test_dataset))
    with qtbot.waitSignal(made.model_panel.sig_inspection_done, timeout=60_000):
        made.model_panel.open_model(str(EXAMPLE))
    assert made.session.model_class == "ImageClassifier"
    return made


@pytest.fixture
def window(qtbot, rafiki_home):
    made = _example_window(qtbot)
    yield made
    made.tuning_panel.shutdown()
    made.close()


def _tune(qtbot, panel, trials: int, parallel: int, **start) -> object:
    panel.trials_spin.setValue(trials)
    panel.parallel_spin.setValue(parallel)
    with qtbot.waitSignal(panel.sig_tuning_finished, timeout=TUNING_TIMEOUT_MS) as done:
        panel.start_tuning(**start)
    return done.args[0]


def test_six_trials_end_to_end_then_resumed(qtbot, window):
    panel = window.tuning_panel
    session = window.session
    fewest_epochs = session.knob_config["epochs"].value_min
    session.set_knobs({**session.knobs, "epochs": fewest_epochs})
    panel.set_pinned(["epochs"])
    panel.seed_spin.setValue(7)
    started = []
    panel.sig_tuning_started.connect(started.append)
    seen: list[tuple[str, list[str]]] = []  # status line and duration cells, as a user sees
    from PySide6.QtCore import QTimer

    watch = QTimer()
    watch.setInterval(100)
    watch.timeout.connect(lambda: seen.append((panel.status.text(), [
        panel.proxy.data(panel.proxy.index(row, 3)) for row in range(panel.proxy.rowCount())])))
    strip = window.status_strip
    on_strip: set[tuple[str, str, str]] = set()  # the window's status strip, as a user sees
    watch.timeout.connect(lambda: on_strip.add((strip.state_label.text(),
                                                strip.stage_label.text(),
                                                strip.progress.text())))
    watch.start()
    result = _tune(qtbot, panel, trials=6, parallel=2)
    watch.stop()
    # the strip said "Ready" through the whole tuning; now it tells the tuning's state
    assert ("Tuning", "0 of 6 trials", "0 / 6 trials") in on_strip, on_strip
    assert any(state == "Tuning" and stage in {f"{n} of 6 trials" for n in range(1, 6)}
               for state, stage, _bar in on_strip), on_strip
    assert not any(state == "Ready" for state, _stage, _bar in on_strip), on_strip
    assert strip.state_label.text() == "Tuning finished"
    assert strip.stage_label.text() == "6 of 6 trials"
    assert strip.progress.text() == "6 / 6 trials" and not strip.progress.isHidden()
    assert result is not None and not result.stopped, panel.status.text()
    assert any(" elapsed" in text for text, _cells in seen)
    assert any(" left" in text for text, _cells in seen)  # once a trial finished: an estimate
    assert any(cell.endswith("…") for _text, cells in seen for cell in cells)  # running trials
    store = session.experiments.store
    trials = store.trials(started[0])
    assert [t.number for t in trials] == [1, 2, 3, 4, 5, 6]
    assert {t.status for t in trials} == {"completed"}, [t.error for t in trials]
    assert {t.knobs["epochs"] for t in trials} == {fewest_epochs}  # pinned for this tuning
    assert panel.model.rowCount() == 6
    best = store.best_trial(started[0])
    assert panel.model.best_id == best.id
    assert f"{best.score:.4f}" in panel.status.text()
    assert "6 of 6 trials of this tuning done" in panel.status.text()

    charts = panel.charts
    assert len(charts.score_chart.points.xData) == 6
    charts.setCurrentWidget(charts.metric_chart)
    assert charts.metric_chart.metric == "loss"  # not "epoch", the plots' x axis
    assert charts.metric_chart.x_axis_of["loss"] == "epoch"
    assert charts.metric_chart.best_curve.xData.tolist() == list(range(fewest_epochs))

    panel.select_trial(best.id)
    detail = panel.detail
    assert len(detail._plot_views) == 2  # loss and accuracy, as the model defined them
    assert "Test accuracy" in detail.messages.toPlainText()
    assert "tuning trials train, evaluate and dump" in detail.predictions.toPlainText()
    assert best.params_path and Path(best.params_path).is_file()
    assert detail.predict_button.isEnabled()
    session.set_knobs({**session.knobs, "epochs": session.knob_config["epochs"].value_max})
    detail.use_knobs_button.click()
    assert session.knobs == best.knobs
    window.show()  # the predictions panel predicts once it is on screen, as a user sees it
    detail.predict_button.click()  # the trial's stored parameters, in a predict service
    predictions = window.predictions_panel
    assert window.result_tabs.currentWidget() is predictions
    qtbot.waitUntil(lambda: predictions.prediction_count() > 0, timeout=60_000)
    assert predictions.status_label.text().startswith("200 predictions of ImageClassifier")

    csv_path = Path(store.path).parent / "trials.csv"
    panel.export_csv(str(csv_path))
    assert len(csv_path.read_text().splitlines()) == 7

    panel.predict_check_spin.setValue(3)  # these two also predict 3 test samples
    result = _tune(qtbot, panel, trials=2, parallel=2, experiment_id=started[0])
    assert result is not None
    panel.select_trial(result.trials[-1].id)
    shown = detail.predictions.toPlainText().splitlines()
    assert shown[0].startswith("3 queries")
    assert [line.split(":")[0] for line in shown[1:]] == ["query 0", "query 1", "query 2"]
    assert all(re.fullmatch(r"query \d: \w+ \(\d\.\d{3}\); next \w+ \(\d\.\d{3}\)", line)
               for line in shown[1:]), shown  # a class and its probability, not raw lists
    assert [t.number for t in store.trials(started[0])] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert panel.model.rowCount() == 8
    assert "2 of 2 trials of this tuning done, 6 earlier" in panel.status.text()

    # a single run of the same setup is filed with the setup's runs, not in the tuning
    with qtbot.waitSignal(session.sig_run_finished, timeout=120_000):
        session.start_run()
    run_trial = store.trial(session.last_trial_id)
    assert run_trial.experiment_id != started[0]
    assert store.get_experiment(run_trial.experiment_id).kind == "runs"
    assert len(store.trials(started[0])) == 8


@pytest.mark.slow
def test_a_tuning_started_while_the_datasets_are_read_waits_for_them(qtbot, window,
                                                                     tmp_path):
    import shutil

    panel, session = window.tuning_panel, window.session
    train = tmp_path / "train_copy.zip"
    shutil.copy(TRAIN, train)
    session.set_train_path(str(train))  # read in its child process from now on
    assert session.dataset_reading("train")
    panel.trials_spin.setValue(1)
    panel.parallel_spin.setValue(1)
    sys.setswitchinterval(0.005)  # Python's default, whatever earlier tests started
    with qtbot.waitSignal(panel.sig_tuning_pending):
        panel.start_tuning()  # not refused with "still being read"
    assert panel.is_tuning_pending and not panel.is_tuning
    assert panel.status.text() == "Waiting for the datasets to be read…"
    strip = window.status_strip  # the window's own line says so too, not "Ready"
    assert (strip.state_label.text(), strip.stage_label.text()) == (
        "Tuning", "waiting for the datasets to be read")
    with qtbot.waitSignal(panel.sig_tuning_finished, timeout=TUNING_TIMEOUT_MS) as done:
        pass
    assert done.args[0] is not None and len(done.args[0].trials) == 1, panel.status.text()
    assert not panel.is_tuning_pending
    # trials streamed in as a run's events do: the UI thread gets the GIL every 0.5 ms
    assert sys.getswitchinterval() == pytest.approx(UI_SWITCH_INTERVAL_S)

    session.set_train_path(str(TRAIN))
    with qtbot.waitSignal(panel.sig_tuning_pending):
        panel.start_tuning()
    panel.stop_button.click()  # cancels the wait
    assert not panel.is_tuning_pending
    assert panel.status.text() == "The tuning waiting for the datasets was cancelled"
    assert strip.state_label.text() == "Ready"
    qtbot.waitUntil(lambda: not session.dataset_reading(), timeout=60_000)
    assert panel.worker is None and panel.start_button.isEnabled()


def test_stop_during_tuning_keeps_finished_trials(qtbot, window):
    panel = window.tuning_panel
    panel.trials_spin.setValue(20)
    panel.parallel_spin.setValue(2)
    seen_started = []
    panel.worker_started = None
    with qtbot.waitSignal(panel.sig_tuning_started, timeout=10_000):
        panel.start_tuning()
    worker = panel.worker
    worker.sig_trial_events.connect(lambda trial_id, events: seen_started.append(trial_id))
    qtbot.waitUntil(lambda: len(set(seen_started)) >= 2, timeout=60_000)
    stop_pressed = time.monotonic()
    with qtbot.waitSignal(panel.sig_tuning_finished, timeout=30_000) as done:
        panel.stop_button.click()
    assert time.monotonic() - stop_pressed < 20
    result = done.args[0]
    assert result is not None and result.stopped
    trials = window.session.experiments.store.trials(panel.experiment.id)
    statuses = [t.status for t in trials]
    assert "running" not in statuses and "stopped" in statuses
    assert len(trials) < 20
    assert set(statuses) <= {"completed", "stopped"}
    assert [panel.model.trial_at(r).status for r in range(panel.model.rowCount())] == statuses
    assert window.tuning_actions["start"].isEnabled()


_KILLED_APP = textwrap.dedent("""
    import sys
    from PySide6.QtWidgets import QApplication
    from rafiki_gui.main_window import MainWindow

    app = QApplication([])
    window = MainWindow()
    panel = window.tuning_panel
    session = window.session
    session.set_train_path(sys.argv[2])
    session.set_test_path(sys.argv[3])
    def inspected():
        panel.trials_spin.setValue(30)
        panel.parallel_spin.setValue(1)
        panel.start_tuning()
    window.model_panel.sig_inspection_done.connect(inspected)
    def started(trial):
        print("started", trial.number, flush=True)
    panel.sig_tuning_started.connect(
        lambda _id: panel.worker.sig_trial_started.connect(started))
    window.model_panel.open_model(sys.argv[1])
    app.exec()
""")


def test_reopened_after_the_app_was_killed_mid_tuning(qtbot, rafiki_home):
    env = {**os.environ, "RAFIKI_HOME": str(rafiki_home), "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    app = subprocess.Popen([sys.executable, "-c", _KILLED_APP, str(EXAMPLE), str(TRAIN),
                            str(TEST)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env, text=True, start_new_session=True)
    try:
        started = []
        deadline = time.monotonic() + 90
        while len(started) < 3 and time.monotonic() < deadline:
            line = app.stdout.readline()
            if not line:
                break
            if line.startswith("started"):
                started.append(line.split())
        assert len(started) == 3, app.stderr.read() if app.poll() is not None else started
        # one trial at a time: the third is in flight now (a trial takes far longer than
        # the 50 ms in which its start reaches us)
        app.send_signal(signal.SIGKILL)  # the app only: its trial's runner child exits itself
        app.wait(10)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait(10)
        app.stdout.close()
        app.stderr.close()

    window = MainWindow(Session(experiments=Experiments(Store())))
    qtbot.addWidget(window)
    store = window.session.experiments.store
    experiments = store.list_experiments()
    assert len(experiments) == 1
    window.experiments_browser.refresh()
    window.experiments_browser.select(experiments[0].id)
    window.experiments_browser.open_button.click()
    panel = window.tuning_panel
    statuses = [panel.model.trial_at(r).status for r in range(panel.model.rowCount())]
    assert statuses == ["completed", "completed", "interrupted"]
    interrupted = panel.model.trial_at(2)
    panel.select_trial(interrupted.id)
    assert "Interrupted" in panel.detail.error.toPlainText()

    # Resume tuning: the window gets the model, datasets and best knobs back, 2 more trials
    best = store.best_trial(experiments[0].id)
    panel.trials_spin.setValue(2)
    panel.parallel_spin.setValue(2)
    with qtbot.waitSignal(panel.sig_tuning_finished, timeout=TUNING_TIMEOUT_MS), \
            qtbot.waitSignal(window.model_panel.sig_inspection_done, timeout=60_000):
        window.experiments_browser.resume_button.click()
    session = window.session
    assert (session.model_path, session.train_path, session.test_path) == (
        str(EXAMPLE), str(TRAIN), str(TEST))
    qtbot.waitUntil(lambda: session.knobs == best.knobs, timeout=10_000)
    assert [t.number for t in store.trials(experiments[0].id)] == [1, 2, 3, 4, 5]
    assert panel.model.rowCount() == 5
    window.close()


def test_a_relaunched_window_shows_the_tuning_of_its_setup(qtbot, window):
    """After a relaunch the Tuning tab said "No experiment open" although the store held a
    tuning of exactly the open model and datasets."""
    panel = window.tuning_panel
    started: list[int] = []
    panel.sig_tuning_started.connect(started.append)
    session = window.session
    session.set_knobs({**session.knobs, "epochs": session.knob_config["epochs"].value_min})
    panel.set_pinned(["epochs"])
    assert _tune(qtbot, panel, trials=2, parallel=2) is not None
    panel.shutdown()
    window.close()

    def relaunched(test_dataset: Path) -> MainWindow:
        again = _example_window(qtbot, test_dataset)
        again.show()
        again.result_tabs.setCurrentWidget(again.tuning_panel)
        return again

    again = relaunched(TEST)
    shown = again.tuning_panel
    assert shown.experiment is not None and shown.experiment.id == started[0]
    assert shown.model.rowCount() == 2
    assert shown.experiment.name in shown.status.text()
    assert "No experiment open" not in shown.status.text()
    again.close()
    other = relaunched(TRAIN)  # other test data: not the same setup, nothing is opened
    assert other.tuning_panel.experiment is None
    assert "No experiment open" in other.tuning_panel.status.text()
    other.close()


def test_pruning_on_a_metric_no_trial_logs_is_said_under_the_summary(qtbot, window):
    """The tuner says it once (pruning cannot prune); the tab shows it where the tuning's
    summary is read, and again when the experiment is opened later."""
    panel, session = window.tuning_panel, window.session
    session.set_knobs({**session.knobs, "epochs": session.knob_config["epochs"].value_min})
    panel.set_pinned(["epochs"])
    panel.search_box.set_pruning("median", metric="no_such_metric", step="epoch")
    result = _tune(qtbot, panel, trials=1, parallel=1)
    assert result is not None and result.trials[0].status == "completed"
    assert "note: pruning on no_such_metric: trial 1 never logged it" in panel.status.text()
    panel.open_experiment(result.experiment_id, restore=False)  # from the store this time
    assert panel.status.text().count("note: pruning on no_such_metric") == 1
