"""Progress you can believe and an ending you hear about: Train's progress on the status strip
from the epochs the model logs (with time left), and the outcome in the title and the
desktop's notification when the window is not the active one."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from rafiki import events as ev
from rafiki_gui.main_window import MainWindow
from rafiki_gui.run_status_feed import RunStatusFeed
from rafiki_gui.status_strip import RunStatusStrip

MODELS = Path(__file__).parent / "models"


def _metrics(**values) -> dict:
    return {"kind": "metrics", "time": 0.0, "values": values}


def test_train_shows_epoch_i_of_n_and_time_left_on_the_strip(qtbot, session):
    strip = RunStatusStrip()
    qtbot.addWidget(strip)
    feed = RunStatusFeed(session, strip)
    session.knobs = {"epochs": 4, "learning_rate": 0.01}
    session.sig_run_started.emit()
    session.sig_run_events.emit([ev.stage_event("train", ev.STARTED), _metrics(loss=1.0, epoch=0)])
    assert strip.stage_label.text() == "Train · epoch 1 of 4"
    assert strip.progress.maximum() == 4 and strip.progress.value() == 1
    assert strip.progress.format().endswith("epochs")
    feed.train_started_at -= 10.0  # as if the first epoch took 10 s
    assert 29.0 < feed.eta() < 31.5  # three more epochs at that pace
    feed._tick()
    assert "ETA" in strip.elapsed_label.text()
    session.sig_run_events.emit([_metrics(loss=0.5, epoch=1),
                                 ev.stage_event("train", ev.FINISHED, duration=20.0),
                                 ev.stage_event("evaluate", ev.STARTED)])
    assert strip.stage_label.text() == "Evaluate"
    assert feed.eta() is None  # Train's pace says nothing of the stages after it


def test_a_model_without_an_epochs_knob_shows_points_logged(qtbot, session):
    strip = RunStatusStrip()
    qtbot.addWidget(strip)
    RunStatusFeed(session, strip)
    session.knobs = {"hidden_units": 32}
    session.sig_run_started.emit()
    session.sig_run_events.emit([ev.stage_event("train", ev.STARTED), _metrics(loss=1.0),
                                 _metrics(loss=0.8), _metrics(loss=0.7)])
    assert strip.stage_label.text() == "Train · 3 points logged"


def test_a_run_ending_behind_another_window_is_announced_in_the_title(qtbot, session,
                                                                      shared_dataset):
    window = MainWindow(session)  # never shown: not the active window
    qtbot.addWidget(window)
    session.set_train_path(str(shared_dataset("digits_train.zip")))
    session.set_test_path(str(shared_dataset("digits_test.zip")))
    with qtbot.waitSignal(window.model_panel.sig_inspection_done, timeout=60_000):
        window.model_panel.open_model(str(MODELS / "quick_model.py"))
    with qtbot.waitSignal(session.sig_run_finished, timeout=120_000):
        assert window.run()
    assert window.windowTitle().startswith("[Run completed, score 0.7500] quick_model.py")
    assert window.finish_notice.last_message == "Run completed, score 0.7500"
    QApplication.sendEvent(window, QEvent(QEvent.Type.WindowActivate))  # the user is back
    assert window.windowTitle() == "quick_model.py — Rafiki Workbench"


def test_a_refused_run_marks_the_score_shown_as_the_previous_runs(qtbot, session):
    """"Not run" beside "12/12 stages · Score 0.9600" read as a run that did all its
    stages: the strip drops the old run's progress and names its score as the previous's."""
    from types import SimpleNamespace

    strip = RunStatusStrip()
    qtbot.addWidget(strip)
    RunStatusFeed(session, strip)
    session.sig_run_started.emit()
    session.sig_run_events.emit([ev.stage_event("train", ev.STARTED),
                                 ev.stage_event("train", ev.FINISHED, duration=1.0)])
    session.sig_run_finished.emit(SimpleNamespace(
        state=SimpleNamespace(name="COMPLETED"), result={"score": 0.96}, duration=3.0))
    assert strip.state_label.text() == "Completed"
    assert "Score 0.9600" in strip.score_label.text() and not strip.progress.isHidden()
    session.sig_run_refused.emit("Cannot run: choose a test dataset")
    assert strip.state_label.text() == "Not run"
    assert strip.progress.isHidden() and strip.elapsed_label.text() == ""
    assert strip.stage_label.text() == ""
    assert "previous run: score 0.9600" in strip.score_label.text()
    assert "<b>" not in strip.score_label.text()
    session.sig_run_started.emit()  # the next run starts from a clean strip
    assert strip.score_label.text() == ""
