"""`rafiki test-model` runs the model in its own process: a segfault there prints the stack and
a line naming the stage, instead of exit 139 and nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from ..conftest import PROJECT_ROOT
from ..sdk.model_files.datasets import write_image_zip

CRASH_MODELS = Path(__file__).parent / "crash_models"
QUICK_MODEL = Path(__file__).parent / "store_models" / "quick_model.py"


def _test_model(tmp_path: Path, model: Path, model_class: str,
                *extra: str) -> subprocess.CompletedProcess:
    train = write_image_zip(tmp_path / "train.zip", [0, 1, 0, 1])
    test = write_image_zip(tmp_path / "test.zip", [0, 1])
    env = {**os.environ, "RAFIKI_HOME": str(tmp_path / "home")}
    return subprocess.run(
        [sys.executable, "-m", "rafiki", "test-model", str(model), "--class", model_class,
         "--task", "IMAGE_CLASSIFICATION", "--train", str(train), "--test", str(test),
         *extra],
        capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=120)


def test_a_segfault_in_train_prints_the_stack_and_names_the_stage(tmp_path):
    result = _test_model(tmp_path, CRASH_MODELS / "segfault_in_train.py", "SegfaultInTrain")
    assert result.returncode == -signal.SIGSEGV
    assert "Fatal Python error: Segmentation fault" in result.stderr
    assert 'segfault_in_train.py", line 17 in train' in result.stderr  # the model's line
    last = result.stderr.strip().splitlines()[-1]
    assert "segfault_in_train.py (SegfaultInTrain): the process crashed during stage " \
           "'train'" in last


def test_a_sound_model_says_nothing_of_crashes(tmp_path):
    result = _test_model(tmp_path, QUICK_MODEL, "QuickModel", "--knobs",
                         '{"x": 0.3, "delay": 0}')
    assert result.returncode == 0, result.stderr
    assert "crashed" not in result.stderr and "Fatal Python error" not in result.stderr
    assert "The model definition is valid!" in result.stdout
