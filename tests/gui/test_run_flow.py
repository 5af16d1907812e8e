"""Whole runs through the real window, the real worker thread and a real child process."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer

try:
    from rafiki.runner import Run  # noqa: F401
except ImportError:
    pytest.skip("rafiki.runner is not there yet", allow_module_level=True)

from rafiki_gui.main_window import MainWindow
from rafiki_gui.resources import EXAMPLE_MODEL, resource_path

MODELS = Path(__file__).parent / "models"
INSPECT_TIMEOUT_MS = 60_000
RUN_TIMEOUT_MS = 120_000


@pytest.fixture
def window(qtbot, session):
    made = MainWindow(session)
    qtbot.addWidget(made)
    made.show()
    yield made
    made.close()


@pytest.fixture
def digits(shared_dataset):
    return str(shared_dataset("digits_train.zip")), str(shared_dataset("digits_test.zip"))


def load(window, qtbot, model: Path | str, train: str | None = None, test: str | None = None):
    if train:
        window.session.set_train_path(train)
    if test:
        window.session.set_test_path(test)
    with qtbot.waitSignal(window.model_panel.sig_inspection_done, timeout=INSPECT_TIMEOUT_MS):
        window.model_panel.open_model(str(model))


def run_to_end(window, qtbot, timeout: int = RUN_TIMEOUT_MS):
    with qtbot.waitSignal(window.session.sig_run_finished, timeout=timeout) as finished:
        assert window.run(), window.run_panel.error_view.text()
    qtbot.waitUntil(lambda: window.run_action.isEnabled())
    return finished.args[0]


def test_the_bundled_example_end_to_end(window, qtbot):
    model = resource_path(*EXAMPLE_MODEL)
    from rafiki_gui.app import default_inputs

    _model, train, test = default_inputs()
    if not model.exists() or train is None or test is None:
        pytest.skip("the bundled example or its sample datasets are not there yet")
    load(window, qtbot, model, str(train), str(test))
    outcome = run_to_end(window, qtbot)
    assert outcome.state.name == "COMPLETED", window.run_panel.error_view.text()
    states = window.run_panel.stage_states()
    assert states["train"] == states["evaluate"] == "done"
    assert "failed" not in states.values() and "pending" not in states.values()
    assert 0.0 <= window.run_panel.score <= 1.0
    assert "Score:" in window.run_panel.score_label.text()
    window.plots_panel.redraw()
    assert window.plots_panel.views
    for view in window.plots_panel.views.values():
        assert all(view.points_in_plot(metric) > 0 for metric in view.plot.metrics)


def test_a_quick_model_shows_stages_score_messages_and_output(window, qtbot, digits):
    load(window, qtbot, MODELS / "quick_model.py", *digits)
    assert window.session.model_class == "QuickModel"
    assert list(window.knobs_panel.editors) == ["epochs", "learning_rate", "shape"]
    window.session.set_knobs(dict(window.session.knobs, epochs=4))
    outcome = run_to_end(window, qtbot)
    assert outcome.state.name == "COMPLETED", window.run_panel.error_view.text()
    assert window.run_panel.score == pytest.approx(0.75)
    assert window.run_panel.state_label.text() == "Completed"
    assert window.state_label.text() == "Completed"
    assert window.run_panel.stage_states()["train"] == "done"
    assert "quick model trained" in window.run_panel.messages.toPlainText()
    output = window.run_panel.output.text.toPlainText()
    assert "hello from the quick model's stdout" in output
    assert "a warning on stderr" in output
    window.plots_panel.redraw()
    assert window.plots_panel.views["Loss Over Epochs"].points_in_plot("loss") == 4
    assert not window.run_panel.error_view.isVisible()


def test_a_model_file_with_a_syntax_error_is_shown_inline_and_the_app_stays_usable(
        window, qtbot, digits, tmp_path):
    broken = tmp_path / "broken_model.py"
    broken.write_text("from rafiki.model import BaseModel\n\nclass Broken(BaseModel)\n    pass\n")
    load(window, qtbot, broken, *digits)
    error_view = window.model_panel.error_view
    assert error_view.isVisible()
    assert "broken_model.py failed to load: SyntaxError" in error_view.text()
    assert "class Broken(BaseModel)" in error_view.details.toPlainText()
    assert not window.run()
    assert "failed to load" in window.run_panel.error_view.text()
    load(window, qtbot, MODELS / "quick_model.py")
    assert not error_view.isVisible()
    assert run_to_end(window, qtbot).state.name == "COMPLETED"


def test_a_load_failure_shows_its_whole_headline_and_a_readable_traceback(window, qtbot,
                                                                          tmp_path):
    """In the setup column the wrapped headline lost its last line, "(…, line 53)", and the
    traceback box was 2 lines tall."""
    broken = tmp_path / "syntax_error_model.py"
    broken.write_text("from rafiki.model import BaseModel\n\nclass Broken(BaseModel)\n    pass\n")
    window.resize(1366, 768)
    load(window, qtbot, broken)
    error_view = window.model_panel.error_view
    headline = error_view.headline
    qtbot.waitUntil(lambda: headline.height() >= headline.heightForWidth(headline.width()))
    assert "line 3)" in error_view.text()
    details = error_view.details
    assert details.viewport().height() >= 5 * details.fontMetrics().lineSpacing()


def test_a_hanging_model_is_stopped_with_escape(window, qtbot, digits):
    load(window, qtbot, MODELS / "hanging_model.py", *digits)
    with qtbot.waitSignal(window.session.sig_run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        assert window.run()
        qtbot.waitUntil(lambda: "about to hang" in window.run_panel.messages.toPlainText(),
                        timeout=RUN_TIMEOUT_MS)
        assert window.stop_action.isEnabled()
        qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert finished.args[0].state.name == "STOPPED"
    assert window.run_panel.error_view.text() == "Stopped in stage Train"
    assert not window.run_panel.error_view.is_error  # the user's Stop: neutral, not red
    assert window.run_panel.stage_states()["train"] == "stopped"
    qtbot.waitUntil(lambda: window.run_action.isEnabled())
    assert not window.session.is_running


def test_a_failure_opens_at_the_model_files_frame_with_the_full_text_a_click_away(
        window, qtbot, digits, tmp_path):
    from PySide6.QtWidgets import QApplication

    model = tmp_path / "failing_model.py"
    model.write_text((MODELS / "quick_model.py").read_text().replace(
        "    def train(self, dataset_uri):\n",
        "    def train(self, dataset_uri):\n        self._check(dataset_uri)\n\n"
        "    def _check(self, dataset_uri):\n"
        "        raise ValueError(f'cannot read {dataset_uri[-14:]}')\n\n"
        "    def unused(self, dataset_uri):\n"))
    load(window, qtbot, model, *digits)
    outcome = run_to_end(window, qtbot)
    assert outcome.state.name == "ERRORED"
    view = window.run_panel.error_view
    assert view.is_error and view.text().startswith("Failed in stage Train — ValueError")
    folded = view.details.toPlainText()
    assert "workbench frame" in folded  # rafiki's own frames folded, as the CLI prints them
    line = view.model_frame_block()
    assert line is not None and "raise ValueError" in folded.splitlines()[line + 1]
    assert view.details.textCursor().blockNumber() == line  # opened at the model's frame
    assert view.full_button.isVisible()
    view.full_button.click()
    full = view.details.toPlainText()
    assert len(full.splitlines()) > len(folded.splitlines()) and "rafiki" in full
    view.copy_button.click()
    copied = QApplication.clipboard().text()
    assert copied.startswith("Failed in stage Train — ValueError") and full in copied


def test_a_segfaulting_model_shows_the_crash_and_its_stage(window, qtbot, digits):
    load(window, qtbot, MODELS / "segfault_model.py", *digits)
    outcome = run_to_end(window, qtbot)
    assert outcome.state.name == "CRASHED"
    shown = window.run_panel.error_view.text()
    assert shown.startswith("The model process crashed") and shown.endswith("in stage Train")
    assert "SIGSEGV" in shown or "-11" in shown
    assert window.run_panel.stage_states()["train"] == "failed"


def test_a_flooding_model_keeps_the_window_usable_and_every_point(window, qtbot, digits,
                                                                   monkeypatch):
    points = 50_000
    monkeypatch.setenv("RAFIKI_FLOOD_POINTS", str(points))
    monkeypatch.setenv("RAFIKI_FLOOD_SECONDS", "1.0")
    load(window, qtbot, MODELS / "flooding_model.py", *digits)
    ticks = []
    heartbeat = QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(lambda: ticks.append(window.plots_panel.views.get("Flood")))
    heartbeat.start()
    outcome = run_to_end(window, qtbot)
    heartbeat.stop()
    assert outcome.state.name == "COMPLETED", window.run_panel.error_view.text()
    assert any(ticks), "the UI thread never ran while the plot was filling"
    window.plots_panel.redraw()
    view = window.plots_panel.views["Flood"]
    assert view.points_in_plot("value") == points
    assert list(view.curves["value"].yData[:3]) == [0.0, 1.0, 2.0]
    assert view.curves["value"].xData[-1] == points - 1


def test_a_knob_value_out_of_range_refuses_the_run_with_the_reason(window, qtbot, digits):
    load(window, qtbot, MODELS / "quick_model.py", *digits)
    window.session.set_knobs(dict(window.session.knobs, epochs=500))
    assert window.knobs_panel.problems() == {"epochs": "500 is outside [1, 10]"}
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert "knob 'epochs': 500 is outside [1, 10]" in window.run_panel.error_view.text()
    assert not window.session.is_running


def test_switching_model_files_and_datasets_between_runs(window, qtbot, digits):
    train, test = digits
    load(window, qtbot, MODELS / "quick_model.py", train, test)
    window.session.set_knobs(dict(window.session.knobs, epochs=2))
    first_knobs = dict(window.session.knobs)
    assert run_to_end(window, qtbot).state.name == "COMPLETED"

    load(window, qtbot, MODELS / "other_model.py")
    assert list(window.knobs_panel.editors) == ["depth", "seed"]
    assert run_to_end(window, qtbot).state.name == "COMPLETED"
    assert list(window.plots_panel.views) == ["Depth"]
    assert window.run_panel.score == pytest.approx(0.5)

    window.session.set_test_path(train)  # evaluate on the train split this time
    outcome = run_to_end(window, qtbot)
    assert outcome.state.name == "COMPLETED"
    assert window.session.last_spec.test_dataset_uri == train

    load(window, qtbot, MODELS / "quick_model.py")
    labels_and_knobs = window.knobs_panel.past_runs()
    assert first_knobs in [knobs for _label, knobs in labels_and_knobs]
    window.session.set_knobs(first_knobs)
    assert window.knobs_panel.editors["epochs"].value() == 2


def test_switching_app_mode_reinspects_the_knob_ranges(window, qtbot):
    load(window, qtbot, MODELS / "app_mode_model.py")
    assert window.session.knob_config["epochs"].value_max == 3
    with qtbot.waitSignal(window.model_panel.sig_inspection_done, timeout=INSPECT_TIMEOUT_MS):
        window.model_panel.mode_combo.setCurrentIndex(1)
        window.model_panel.mode_combo.activated.emit(1)
    assert window.session.app_mode == "PROD"
    assert window.session.knob_config["epochs"].value_max == 100
    assert "PROD" in window.model_panel.status.text()


def test_runs_are_stored_and_their_knobs_come_back_in_a_new_window(window, qtbot, digits):
    load(window, qtbot, MODELS / "quick_model.py", *digits)
    window.session.set_knobs(dict(window.session.knobs, epochs=7, shape="deep"))
    assert run_to_end(window, qtbot).state.name == "COMPLETED"
    trial = window.session.experiments.store.trial(window.session.last_trial_id)
    assert trial.knobs["epochs"] == 7 and trial.score == pytest.approx(0.75)
    assert trial.status == "completed"

    from rafiki_gui.session import Session

    later = MainWindow(Session())
    qtbot.addWidget(later)
    load(later, qtbot, MODELS / "quick_model.py", *digits)
    assert later.session.knobs["epochs"] != 7
    stored = [knobs for _label, knobs in later.knobs_panel.past_runs()]
    assert trial.knobs in stored
    later.knobs_panel._fill_past_menu()
    action = next(a for a in later.knobs_panel.past_menu.actions() if "#" in a.text())
    action.trigger()
    assert later.session.knobs in stored
