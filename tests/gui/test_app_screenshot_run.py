"""`rafiki-gui --run --screenshot`: its exit code tells whether the run completed, and `--tab`
picks the result tab in the picture. Real windows (offscreen) and real child processes."""

from __future__ import annotations

import os
import subprocess
import sys

from ..conftest import PROJECT_ROOT, SAMPLE_DATASETS

MODELS = PROJECT_ROOT / "tests" / "gui" / "models"


def gui(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", RAFIKI_HOME=str(tmp_path / "home"))
    return subprocess.run([sys.executable, "-m", "rafiki_gui", *args], env=env,
                          capture_output=True, text=True, timeout=240)


def test_a_crashed_run_exits_non_zero_with_its_cause_and_still_saves_the_picture(tmp_path):
    picture = tmp_path / "crash.png"
    done = gui(tmp_path, str(MODELS / "segfault_model.py"),
               "--train", str(SAMPLE_DATASETS / "image_train.zip"),
               "--test", str(SAMPLE_DATASETS / "image_test.zip"),
               "--run", "--screenshot", str(picture))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAILED: the run ended CRASHED: train" in done.stdout
    assert "SIGSEGV" in done.stdout
    assert picture.stat().st_size > 0  # the failure is in the picture, shown inline


def test_a_completed_run_exits_zero_and_shows_the_runs_predictions(tmp_path):
    picture = tmp_path / "predictions.png"
    done = gui(tmp_path, "--run", "--tab", "predictions", "--screenshot", str(picture))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "predictions shown: 10" in done.stdout  # the run's own queries: 10 test samples
    assert "tab shown: Predictions" in done.stdout
    assert "FAILED" not in done.stdout
    assert picture.stat().st_size > 0


def test_the_predictions_tab_after_a_crash_fails_without_waiting_for_predictions(tmp_path):
    done = gui(tmp_path, str(MODELS / "segfault_model.py"),
               "--train", str(SAMPLE_DATASETS / "image_train.zip"),
               "--test", str(SAMPLE_DATASETS / "image_test.zip"),
               "--run", "--tab", "predictions", "--screenshot", str(tmp_path / "p.png"))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "the run ended CRASHED" in done.stdout
    assert "tab shown: Predictions" in done.stdout
    assert "predictions shown" not in done.stdout


def test_tab_chooses_the_tuning_tab_without_a_run(tmp_path):
    done = gui(tmp_path, "--tab", "tuning", "--screenshot", str(tmp_path / "tuning.png"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "tab shown: Tuning" in done.stdout


def test_an_unknown_tab_is_a_usage_error(tmp_path):
    done = gui(tmp_path, "--tab", "knobs", "--screenshot", str(tmp_path / "x.png"))
    assert done.returncode == 2
    assert "invalid choice: 'knobs'" in done.stderr
