"""A model run by another Python that holds only numpy, Pillow and the model's scikit-learn.

The interpreter check must name exactly what that Python lacks, and once it has it a real
``rafiki run --python`` must complete: the child needs no platformdirs (its folders come from
the parent) and no Optuna (knobs are chosen in the workbench's process).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from rafiki.runner import check_interpreter, inspect_model_file

from ..conftest import PROJECT_ROOT, machine_pip_environment
from ..sdk.model_files.datasets import write_image_zip

pytestmark = pytest.mark.slow

MODEL = Path(__file__).parent / "interpreter_models" / "sklearn_tree_model.py"
PIP_TIMEOUT = 300


def _pinned(*names: str) -> list[str]:
    """Requirements at the versions this interpreter has: what pip most likely has cached."""
    return [f"{name}=={metadata.version(name)}" for name in names]


def _pip_install(python: Path, requirements: list[str]) -> None:
    """Install ``requirements`` into ``python``'s venv with this interpreter's pip; skip the
    test (saying why) only when pip cannot get the wheels (no cache, no index reachable)."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-input",
         "--disable-pip-version-check", "--no-compile", "--retries", "0", "--timeout", "20",
         *requirements],
        capture_output=True, text=True, timeout=PIP_TIMEOUT, env=machine_pip_environment())
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        pytest.skip(f"pip could not install {' '.join(requirements)} from its cache or an "
                    f"index, so no bare interpreter can be made here: {reason}")


def _imports(python: Path, module: str) -> bool:
    return subprocess.run([str(python), "-c", f"import {module}"], capture_output=True,
                          cwd=os.path.dirname(python)).returncode == 0


def _rafiki(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "RAFIKI_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "rafiki", *args], capture_output=True,
                          text=True, env=env, cwd=PROJECT_ROOT, timeout=240)


@pytest.fixture
def bare_python(tmp_path) -> Path:
    """A venv with numpy and scikit-learn (and what scikit-learn pulls in), nothing else."""
    venv = tmp_path / "bare-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    python = venv / "bin" / "python"
    _pip_install(python, _pinned("numpy", "scikit-learn"))
    return python


def test_a_bare_interpreter_is_told_what_it_lacks_then_runs_a_model(bare_python, tmp_path,
                                                                   monkeypatch):
    # pip installed without compiling (half the install time); the first import compiles
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    home = tmp_path / "home"
    sklearn = metadata.version("scikit-learn")
    for module in ("optuna", "platformdirs", "PIL", "rafiki"):
        assert not _imports(bare_python, module), f"the bare venv should not have {module}"

    report = check_interpreter(str(bare_python), {"scikit-learn": sklearn})
    assert not report.ok
    assert report.missing_modules == ["PIL"] and report.missing_dependencies == []
    assert report.rafiki_source == "workbench source"
    assert "missing for the rafiki SDK: pillow\n" in report.describe() + "\n"
    assert report.install_commands() == [f"{bare_python} -m pip install pillow"]

    train = write_image_zip(tmp_path / "train.zip", [0, 1, 2] * 10)
    test = write_image_zip(tmp_path / "test.zip", [0, 1, 2] * 3)
    queries = tmp_path / "queries.json"
    queries.write_text(json.dumps([[[0] * 4] * 4, [[80] * 4] * 4]))
    arguments = [str(MODEL), "--train", str(train), "--test", str(test), "--queries",
                 str(queries), "--python", str(bare_python)]

    refused = _rafiki("run", *arguments, home=home)
    assert refused.returncode == 1, refused.stderr
    assert "missing for the rafiki SDK: pillow" in refused.stderr

    _pip_install(bare_python, _pinned("pillow"))
    # what tuning and the window do first: read the knob config there (SDK from our source)
    inspection = inspect_model_file(str(MODEL), python=str(bare_python))
    assert inspection.error is None, inspection.error
    assert '"max_depth"' in inspection.classes["SklearnTreeModel"]

    done = _rafiki("run", *arguments, "--json", home=home)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    chosen = [e for e in events if e.get("kind") == "stage" and e.get("stage") == "choose_knobs"
              and e.get("state") == "finished"]
    assert chosen and chosen[0]["info"]["source"] == "advisor"
    assert 2 <= chosen[0]["info"]["knobs"]["max_depth"] <= 8
    outcome = events[-1]
    assert outcome["kind"] == "outcome" and outcome["state"] == "completed"
    assert 0.0 <= outcome["score"] <= 1.0
    predictions = [e for e in events if e.get("kind") == "result"][-1]["predictions"]
    assert len(predictions) == 2 and all(len(p) == 3 for p in predictions)
