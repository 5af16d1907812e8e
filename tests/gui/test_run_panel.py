"""The run panel from the lifecycle's own event dicts: stages, score, messages, output, errors."""

from __future__ import annotations

import pytest

from rafiki.events import error_info, stage_event
from rafiki.model.log import ModelLogger
from rafiki_gui.panels.run_panel import RunPanel


@pytest.fixture
def panel(qtbot, session):
    widget = RunPanel(session)
    qtbot.addWidget(widget)
    widget.show()
    session.sig_run_started.emit()
    return widget


def test_stages_move_from_pending_to_done_with_durations_and_the_score(panel, session):
    assert set(panel.stage_states().values()) == {"pending"}
    session.sig_run_events.emit([stage_event("train", "started")])
    assert panel.stage_states()["train"] == "running"
    session.sig_run_events.emit([
        stage_event("train", "finished", duration=1.25),
        stage_event("evaluate", "started"),
        stage_event("evaluate", "finished", duration=0.5, info={"score": 0.875}),
    ])
    assert panel.stage_states()["train"] == "done"
    assert panel._stage_items["train"].text(1) == "1.25 s"
    assert panel.score == 0.875 and "0.8750" in panel.score_label.text()
    assert panel.progress.value() == 2


def test_messages_have_times_and_output_is_searchable(panel, session):
    records: list[dict] = []
    ModelLogger(sinks=[records.append]).log("epoch 1 done")
    session.sig_run_events.emit(records + [
        {"kind": "output", "time": 0.0, "stream": "stdout", "text": "loading data\n"},
        {"kind": "output", "time": 0.0, "stream": "stderr", "text": "DeprecationWarning: x\n"},
    ])
    text = panel.messages.toPlainText()
    assert text.startswith("[") and text.endswith("] epoch 1 done")
    output = panel.output.text.toPlainText()
    assert "loading data" in output and "[stderr] DeprecationWarning: x" in output
    panel.output.search.setText("Deprecation")
    assert panel.output.text.textCursor().selectedText() == "Deprecation"
    panel.output.search.setText("no such words")
    assert panel.output.found.text() == "not found"


def test_a_failed_stage_shows_the_stage_the_cause_and_the_traceback_inline(panel, session):
    try:
        raise ValueError("labels out of range")
    except ValueError as exc:
        error = error_info(exc, stage="train")
    session.sig_run_events.emit([stage_event("train", "started"),
                                 stage_event("train", "failed", duration=0.1, error=error)])
    assert panel.stage_states()["train"] == "failed"
    assert panel.error_view.isVisible()
    assert panel.error_view.text() == ("Failed in stage Train — ValueError: labels out of "
                                       "range")
    assert "Traceback" in panel.error_view.details.toPlainText()


def test_refusal_is_shown_inline(panel):
    panel.show_refusal("Cannot run: choose a train dataset")
    assert panel.error_view.text() == "Cannot run: choose a train dataset"
    assert panel.state_label.text() == "Not run"
