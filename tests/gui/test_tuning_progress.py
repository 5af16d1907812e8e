"""A tuning's time left, estimated as a user would: trials still to finish times the median
trial so far, over the trials running at once, capped by a minutes budget."""

from __future__ import annotations

import time

from rafiki_gui.tuning.trials_model import TrialsModel
from rafiki_gui.tuning.tuning_progress import TuningProgress, format_duration, progress_text

from .tuning_trials import KNOB_CONFIG, plain_trial


def test_time_left_from_the_median_trial_over_the_trials_at_once():
    progress = TuningProgress(done=4, running_elapsed=[5.0, 20.0], parallel=2,
                              finished_durations=[10.0, 12.0, 30.0, 10.0], elapsed=40.0,
                              budget_trials=12)
    # 8 trials left x 11 s, less 5 s and 11 s done by the running two, over 2 at once
    assert progress.remaining_seconds() == (8 * 11.0 - 16.0) / 2
    assert progress_text(progress) == "40 s elapsed, about 36 s left"


def test_minutes_budget_caps_the_estimate_and_nothing_is_guessed_without_data():
    capped = TuningProgress(done=1, running_elapsed=[], finished_durations=[600.0],
                            elapsed=100.0, parallel=1, budget_trials=50, budget_seconds=300.0)
    assert capped.remaining_seconds() == 200.0
    unknown = TuningProgress(done=0, running_elapsed=[3.0], finished_durations=[],
                             elapsed=3.0, parallel=2, budget_trials=10)
    assert unknown.remaining_seconds() is None
    assert progress_text(unknown) == "3 s elapsed"
    assert [format_duration(s) for s in (4.4, 125, 3780)] == ["4 s", "2 min 05 s", "1 h 03 min"]


def test_a_running_trial_shows_how_long_it_has_run(qtbot):
    model = TrialsModel(KNOB_CONFIG)
    running = plain_trial(1, None, "running")
    running.started = time.time() - 42.2
    model.set_trials([running, plain_trial(2, 0.5)])
    assert model.data(model.index(0, 3)) == "42…"
    assert model.data(model.index(1, 3)) == "2.0"  # a finished one: its duration
    changed = []
    model.dataChanged.connect(lambda first, last, _roles: changed.append((first.row(),
                                                                          first.column())))
    model.refresh_running()
    assert changed == [(0, 3)]
