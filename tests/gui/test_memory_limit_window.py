"""The memory limit in the window: a field for the next run, one per trial in the tuning tab;
a run over its limit is shown as out of memory, not as a crash."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from rafiki.memory_limit import default_memory_limit_mb
from rafiki_gui.tuning.tuning_panel import TuningPanel

from .test_run_flow import digits, load, run_to_end, window  # noqa: F401 (fixtures)

HOSTILE = Path(__file__).parent.parent / "engine" / "model_files" / "hostile.py"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="enforced on Linux")
def test_a_run_over_its_limit_shows_out_of_memory(window, qtbot, digits):  # noqa: F811
    load(window, qtbot, HOSTILE, *digits)
    field = window.knobs_panel.memory_limit.field
    assert field.value() == default_memory_limit_mb()  # on by default
    field.setValue(300)
    assert window.session.memory_limit_mb == 300
    window.session.set_knobs({"behaviour": "allocate"})
    outcome = run_to_end(window, qtbot)
    assert outcome.state.name == "OUT_OF_MEMORY"
    assert window.run_panel.state_label.text() == "Out of memory"
    assert "out of memory during stage 'train' (limit 300 MB)" in \
        window.run_panel.error_view.text()
    assert window.run_panel.stage_states()["train"] == "failed"


def test_the_tuning_field_follows_trials_at_once_until_set(qtbot, session):
    panel = TuningPanel(session)
    qtbot.addWidget(panel)
    panel.parallel_spin.setValue(4)
    assert panel.memory_field.limit_mb() == default_memory_limit_mb(4)
    panel.memory_field.setValue(0)
    panel.parallel_spin.setValue(2)
    assert panel.memory_field.limit_mb() == 0
    assert panel.memory_field.text() == "no limit"
