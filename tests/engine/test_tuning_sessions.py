"""A tuning continued with other settings keeps how each session ran; pruning on a metric
the model never logs says so once; the compute line's wall time leaves out idle gaps.
Through real `rafiki tune` processes and a fresh RAFIKI_HOME each."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from rafiki.compute_accounting import busy_seconds, summarize_compute
from rafiki.store import Store

from ..conftest import PROJECT_ROOT
from ..sdk.model_files.datasets import write_image_zip

QUICK_MODEL = Path(__file__).parent / "store_models" / "quick_model.py"


def _rafiki(*args: str, home: Path, timeout: float = 180) -> subprocess.CompletedProcess:
    env = {**os.environ, "RAFIKI_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "rafiki", *args], capture_output=True,
                          text=True, env=env, cwd=PROJECT_ROOT, timeout=timeout)


@pytest.fixture
def zips(tmp_path) -> list[str]:
    return ["--train", str(write_image_zip(tmp_path / "train.zip", [0, 1, 0, 1])),
            "--test", str(write_image_zip(tmp_path / "test.zip", [0, 1]))]


def test_a_continued_tuning_keeps_each_sessions_settings(zips, tmp_path):
    base = ["tune", str(QUICK_MODEL), *zips, "--trials", "2", "--parallel", "1",
            "--pin", '{"delay": 0.0, "x": 0.3}', "--prune-metric", "loss"]
    first = _rafiki(*base, "--pruner", "hyperband", home=tmp_path)
    assert first.returncode == 0, first.stderr
    second = _rafiki(*base, "--pruner", "median", "--predict-check", "1", home=tmp_path)
    assert second.returncode == 0, second.stderr
    shown = _rafiki("experiments", "show", "1", home=tmp_path).stdout
    assert "settings differ between its sessions" in shown, shown
    lines = shown.splitlines()
    (earlier,) = [line for line in lines if line.strip().startswith("trials 1-2:")]
    (later,) = [line for line in lines if line.strip().startswith("trials 3-4:")]
    assert "pruner hyperband" in earlier and "predict check" not in earlier
    assert "pruner median" in later and "predict check 1" in later
    with Store(tmp_path / "store.sqlite3") as store:
        sessions = store.get_experiment(1).settings["sessions"]
    assert [s["first_trial"] for s in sessions] == [1, 3]
    assert [s["pruning"]["pruner"] for s in sessions] == ["hyperband", "median"]


def test_the_same_settings_again_show_one_tuning_line(zips, tmp_path):
    base = ["tune", str(QUICK_MODEL), *zips, "--trials", "1", "--pin", '{"delay": 0.0, "x": 0.3}']
    for _ in range(2):
        done = _rafiki(*base, home=tmp_path)
        assert done.returncode == 0, done.stderr
    shown = _rafiki("experiments", "show", "1", home=tmp_path).stdout
    assert "differ" not in shown and "  tuning    sampler" in shown


def test_pruning_on_a_metric_never_logged_is_said_once(zips, tmp_path):
    done = _rafiki("tune", str(QUICK_MODEL), *zips, "--trials", "3", "--parallel", "1",
                   "--pin", '{"delay": 0.0, "x": 0.3}', "--prune-metric", "val_accuracy",
                   home=tmp_path)
    assert done.returncode == 0, done.stderr
    notes = [line for line in done.stderr.splitlines() if line.startswith("note: ")]
    assert len(notes) == 1, done.stderr
    assert "pruning on val_accuracy" in notes[0] and "never logged it" in notes[0]
    assert "no trial can be pruned" in notes[0] and "loss" in notes[0]  # what it did log
    shown = _rafiki("experiments", "show", "1", home=tmp_path).stdout
    assert "note      pruning on val_accuracy" in shown


def test_pruning_on_a_logged_metric_says_nothing(zips, tmp_path):
    done = _rafiki("tune", str(QUICK_MODEL), *zips, "--trials", "2", "--parallel", "1",
                   "--pin", '{"delay": 0.0, "x": 0.3}', "--prune-metric", "loss", home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "note:" not in done.stderr


def _trial(number: int, started: float, finished: float) -> SimpleNamespace:
    return SimpleNamespace(number=number, started=started, finished=finished,
                           status="completed", score=0.5, pruned=None)


def test_wall_time_sums_the_spans_trials_ran_not_the_gap_between_sessions():
    # session one: two trials at once over 10 s; an idle hour; session two: 5 s
    trials = [_trial(1, 0, 10), _trial(2, 2, 8), _trial(3, 3600, 3603),
              _trial(4, 3603, 3605)]
    assert busy_seconds(trials) == 15
    summary = summarize_compute(trials)
    assert summary.wall_seconds == 15 and summary.trial_seconds == 21
    assert "21.0 trial-seconds over 15.0 s" in summary.describe()


def test_best_over_time_runs_on_the_time_trials_ran_not_the_gap_between_sessions():
    trials = [_trial(1, 0, 10), _trial(2, 2, 8), _trial(3, 3600, 3603),
              _trial(4, 3603, 3605)]
    for trial, score in zip(trials, (0.5, 0.6, 0.7, 0.8), strict=True):
        trial.score = score
    # 2 ended at 8 s, 1 at 10 s (not better), then 3 s and 5 s into the second session
    assert summarize_compute(trials).best_over_time == [(8.0, 0.6), (13.0, 0.7), (15.0, 0.8)]
