"""Inspecting model files, serving predictions and checking other interpreters, for real."""

from __future__ import annotations

import subprocess
import sys

import pytest

from rafiki.model import deserialize_knob_config
from rafiki.runner import (
    PredictError,
    PredictService,
    RunnerState,
    check_interpreter,
    inspect_model_file,
)

from .runner_helpers import MISBEHAVING, misbehaving_spec, start_run


def test_inspection_lists_classes_and_knob_configs_per_app_mode():
    dev = inspect_model_file(MISBEHAVING, app_mode="DEV")
    prod = inspect_model_file(MISBEHAVING, app_mode="PROD")
    assert dev.error is None and list(dev.classes) == ["Misbehaving"]
    assert deserialize_knob_config(dev.classes["Misbehaving"])["points"].value_max == 5
    assert deserialize_knob_config(prod.classes["Misbehaving"])["points"].value_max == 50


def test_inspection_of_a_broken_file_reports_the_error_with_its_line(tmp_path):
    broken = tmp_path / "syntax_error.py"
    broken.write_text("from rafiki.model import BaseModel\n\nclass Broken(BaseModel)\n    pass\n")
    inspection = inspect_model_file(str(broken))
    assert inspection.classes == {}
    assert inspection.error["type"] == "SyntaxError"
    assert "syntax_error.py" in inspection.error["traceback"]


def test_statics_of_the_test_model_class_call_are_read_without_running(tmp_path):
    (tmp_path / "train.zip").write_bytes(b"")
    model = tmp_path / "model.py"
    model.write_text(
        "import os\n"
        "from rafiki.constants import TaskType, ModelDependency\n"
        "raise SystemExit('never run')\n"
        "test_model_class(model_file_path=__file__, model_class='M',\n"
        "    task=TaskType.POS_TAGGING, dependencies={ModelDependency.SCIKIT_LEARN: '1.3.0'},\n"
        "    train_dataset_uri=os.path.join(os.path.dirname(__file__), 'train.zip'),\n"
        "    test_dataset_uri='data/test.zip', queries=[['a', 'b']])\n"
    )
    statics = inspect_model_file(str(model)).statics
    assert statics == {
        "model_class": "M", "task": "POS_TAGGING",
        "dependencies": {"scikit-learn": "1.3.0"},
        "train_dataset_uri": str(tmp_path / "train.zip"),
        "test_dataset_uri": "data/test.zip", "queries": [["a", "b"]],
    }


@pytest.fixture
def trained(tmp_path):
    spec = misbehaving_spec(tmp_path, "predict_raises_on_negative")
    outcome = start_run(spec)[0].wait(60)
    assert outcome.state is RunnerState.COMPLETED, outcome.error
    return spec, outcome.result


def _service(spec, result, **changes) -> PredictService:
    arguments = dict(model_file_path=spec.model_file_path, model_class=spec.model_class,
                     knobs=result["knobs"], params_path=result["params_path"],
                     params_sha256=result["params_sha256"], task=spec.task)
    arguments.update(changes)
    return PredictService(**arguments)


def test_predict_service_answers_and_survives_a_failing_request(trained):
    spec, result = trained
    with _service(spec, result) as service:
        assert service.predict([[[1]], [[2]]]) == [[0.5, 0.5], [0.5, 0.5]]
        with pytest.raises(PredictError, match="negative pixels") as failure:
            service.predict([[[-1]]])
        assert "misbehaving.py" in failure.value.traceback
        assert service.predict([[[3]]]) == [[0.5, 0.5]]


def test_predict_service_refuses_parameters_whose_digest_differs(trained):
    spec, result = trained
    with pytest.raises(PredictError, match="does not match"):
        _service(spec, result, params_sha256="0" * 64).start()


@pytest.fixture(scope="module")
def bare_venv(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bare-venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    return str(python)


def test_an_interpreter_without_numpy_is_reported_with_the_install_command(bare_venv):
    report = check_interpreter(bare_venv, {"scikit-learn": "1.3.0"})
    assert not report.ok
    assert report.rafiki_source == "workbench source"  # its own SDK made importable there
    assert "numpy" in report.missing_modules
    text = report.describe()
    assert f"{bare_venv} -m pip install numpy pillow" in text
    assert "scikit-learn==1.3.0" in text


def test_a_run_with_an_unfit_interpreter_fails_with_that_report(tmp_path, bare_venv):
    spec = misbehaving_spec(tmp_path, "ok", python=bare_venv)
    outcome = start_run(spec)[0].wait(60)
    assert outcome.state is RunnerState.ERRORED
    assert outcome.error["stage"] == "check_interpreter"
    assert "-m pip install numpy pillow" in outcome.error["message"]


def test_this_interpreter_is_fit():
    report = check_interpreter(None)
    assert report.ok and report.rafiki_source == "installed"
