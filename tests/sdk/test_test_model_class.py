"""``test_model_class``: Rafiki's console front end over the lifecycle."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from rafiki.constants import ModelDependency, TaskType
from rafiki.lifecycle import LifecycleError, Stage
from rafiki.model import InvalidModelClassException, logger, test_model_class

from .model_files.datasets import write_image_zip

MODEL_FILES = Path(__file__).parent / "model_files"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def image_zips(tmp_path):
    train = write_image_zip(tmp_path / "train.zip", [0, 1, 1, 2])
    test = write_image_zip(tmp_path / "test.zip", [1, 0])
    return str(train), str(test)


def test_prints_rafikis_steps_and_returns_the_trained_model(image_zips):
    out = io.StringIO()
    with logger.sinks_replaced([]):
        model = test_model_class(
            str(MODEL_FILES / "prior_image_model.py"), "PriorImageModel",
            TaskType.IMAGE_CLASSIFICATION, {"numpy": ""}, *image_zips,
            queries=[[[0, 1], [2, 3]]],
            knobs={"smoothing": 1.0, "epochs": 1, "normalise": True, "kind": "prior"}, out=out,
        )
    text = out.getvalue()
    headers = ["Checking model dependencies...",
               "Checking loading of model & model definition...",
               "Checking model knob configuration...", "Checking model initialization...",
               "Checking training & evaluation of model...",
               "Checking dumping of parameters of model...",
               "Checking loading of parameters of model...", "Checking predictions with model..."]
    positions = [text.index(f"| {h} |") for h in headers]
    assert positions == sorted(positions)
    assert "Dependencies are checked, not installed: numpy" in text
    knobs_line = "Using knobs: {'smoothing': 1.0, 'epochs': 1, 'normalise': True, 'kind': 'prior'}"
    assert knobs_line in text
    assert "Score: 0.5" in text
    assert "Using queries: [[[0, 1], [2, 3]]]" in text
    assert "Predictions: [[0.2857142857142857, 0.42857142857142855, 0.2857142857142857]]" in text
    assert "The model definition is valid!" in text
    assert model.predict([[[0]]]) == [[2 / 7, 3 / 7, 2 / 7]]  # reloaded from its parameters


def test_failure_raises_invalid_model_class_exception_chained_to_the_cause(image_zips):
    out = io.StringIO()
    with pytest.raises(InvalidModelClassException) as caught:
        test_model_class(str(MODEL_FILES / "misbehaving_model.py"), "MisbehavingModel",
                         TaskType.IMAGE_CLASSIFICATION, {}, *image_zips,
                         knobs={"fault": "evaluate_too_high"}, out=out)
    assert isinstance(caught.value, LifecycleError) and caught.value.stage is Stage.EVALUATE
    assert "stage 'Evaluate' failed" in str(caught.value)
    assert isinstance(caught.value.__cause__, InvalidModelClassException)
    assert "Stage 'evaluate' failed" in out.getvalue()
    assert "Checking dumping of parameters" not in out.getvalue()


def test_missing_dependency_prints_and_raises_the_install_command(image_zips):
    out = io.StringIO()
    with pytest.raises(InvalidModelClassException, match="rafiki-no-such-dist==2.0"):
        test_model_class(str(MODEL_FILES / "prior_image_model.py"), "PriorImageModel",
                         TaskType.IMAGE_CLASSIFICATION, {"rafiki-no-such-dist": "2.0"},
                         *image_zips, out=out)
    assert "Dependencies are checked, not installed: rafiki-no-such-dist==2.0" in out.getvalue()
    # no index in reach in the tests: the command is shown, marked as not verified
    assert '-m pip install "rafiki-no-such-dist==2.0" (not verified: pip could not reach' \
        in out.getvalue()


def test_a_model_file_runs_its_own_test_model_class_as_a_script(image_zips, tmp_path):
    """The model file's `__main__` block, as Rafiki's docs show, in a real interpreter."""
    done = subprocess.run(
        [sys.executable, str(MODEL_FILES / "prior_image_model.py"), *image_zips],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
        env={"PYTHONPATH": str(PROJECT_ROOT), "PATH": "/usr/bin:/bin",
             "RAFIKI_HOME": str(tmp_path / "home")},
    )
    assert done.returncode == 0, done.stderr
    assert "Using knobs: {'smoothing':" in done.stdout  # chosen by the advisor
    assert "plot 'Loss Over Epochs'" in done.stdout  # the logger's default console sink
    assert "The model definition is valid!" in done.stdout
    assert f"Dependencies are checked, not installed: {ModelDependency.SCIKIT_LEARN}==1.3.0" \
        in done.stdout
    assert not list(tmp_path.glob("*.py"))  # Rafiki wrote a temp copy of the model file here
