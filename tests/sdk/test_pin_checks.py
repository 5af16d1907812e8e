"""Pins pip cannot install are said so, not shown as an install command that would fail.

pip itself answers (a dry run): against a package index the test writes (no network), against
no index at all (the answer is "could not be verified", promptly), and against the machine's
own index for Rafiki's real ``tensorflow==1.12.0`` pin (skipped when none is in reach).
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from rafiki.dependencies import check_installable
from rafiki.lifecycle import LifecycleError
from rafiki.model import test_model_class
from rafiki.runner import check_interpreter

from ..conftest import ORIGINAL_PIP_ENVIRONMENT, PROJECT_ROOT
from .model_files.datasets import write_image_zip

MODEL_FILES = Path(__file__).parent / "model_files"
PYTHON = platform.python_version()


def _write_wheel(folder: Path, name: str, version: str) -> None:
    """A minimal pure-Python wheel pip can resolve (its metadata is all a dry run reads)."""
    dist_info = f"{name}-{version}.dist-info"
    with zipfile.ZipFile(folder / f"{name}-{version}-py3-none-any.whl", "w") as wheel:
        wheel.writestr(f"{name}/__init__.py", "")
        wheel.writestr(f"{dist_info}/METADATA",
                       f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        wheel.writestr(f"{dist_info}/WHEEL", "Wheel-Version: 1.0\nGenerator: rafiki-tests\n"
                                             "Root-Is-Purelib: true\nTag: py3-none-any\n")
        wheel.writestr(f"{dist_info}/RECORD", "")


@pytest.fixture
def local_index(tmp_path, monkeypatch) -> Path:
    """A package index in a folder, as pip's find-links: tensorflow 1.12.0 exists only as a
    CPython 3.6 wheel (as on PyPI), 2.99.0 as a pure wheel any Python takes."""
    index = tmp_path / "index"
    index.mkdir()
    (index / "tensorflow-1.12.0-cp36-cp36m-manylinux1_x86_64.whl").write_bytes(b"never read")
    _write_wheel(index, "tensorflow", "2.99.0")
    monkeypatch.delenv("PIP_INDEX_URL", raising=False)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(index))
    return index


def test_pip_tells_an_impossible_pin_from_an_installable_one(local_index):
    checks = check_installable(["tensorflow==1.12.0", "tensorflow==2.99.0"])
    impossible, possible = checks["tensorflow==1.12.0"], checks["tensorflow==2.99.0"]
    assert impossible.installable is False
    assert impossible.describe() == (f"tensorflow==1.12.0 cannot be installed: pip finds no "
                                     f"such version for Python {PYTHON} (it offers 2.99.0)")
    assert possible.installable is True


def test_the_interpreter_report_says_so_and_leaves_the_pin_out_of_the_command(local_index):
    report = check_interpreter(None, {"tensorflow": "1.12.0", "rafiki-no-such-dist": "1.0"})
    assert not report.ok
    text = report.describe()
    assert "model dependency tensorflow==1.12.0 is not installed" in text
    assert (f"tensorflow==1.12.0 cannot be installed: pip finds no such version for Python "
            f"{PYTHON} (it offers 2.99.0)") in text
    assert ("rafiki-no-such-dist==1.0 cannot be installed: pip finds no version of it for "
            f"Python {PYTHON}") in text
    assert report.install_commands() == []
    assert "install with" not in text


def test_the_install_command_names_only_what_pip_can_install(local_index):
    report = check_interpreter(None, {"tensorflow": "2.99.0", "rafiki-no-such-dist": "1.0"})
    assert report.install_commands() == [f'"{sys.executable}" -m pip install "tensorflow==2.99.0"']
    assert f'install with: "{sys.executable}" -m pip install "tensorflow==2.99.0"' in \
        report.describe().splitlines()


def test_a_model_run_fails_with_the_reason_not_a_failing_command(local_index, tmp_path):
    train = write_image_zip(tmp_path / "train.zip", [0, 1, 0, 1])
    test = write_image_zip(tmp_path / "test.zip", [0, 1])
    with pytest.raises(LifecycleError) as failed:
        test_model_class(str(MODEL_FILES / "prior_image_model.py"), "PriorImageModel",
                         "IMAGE_CLASSIFICATION", {"tensorflow": "1.12.0"}, str(train), str(test),
                         knobs={"smoothing": 1.0, "epochs": 1, "normalise": True,
                                "kind": "prior"}, out=open(os.devnull, "w"))
    message = str(failed.value)
    assert "stage 'Check dependencies' failed" in message
    assert "tensorflow==1.12.0 cannot be installed: pip finds no such version" in message
    assert "pip install" not in message


def test_the_command_line_says_it_too(local_index, tmp_path):
    train = write_image_zip(tmp_path / "train.zip", [0, 1, 0, 1])
    test = write_image_zip(tmp_path / "test.zip", [0, 1])
    model = tmp_path / "old_tf_model.py"
    source = (MODEL_FILES / "prior_image_model.py").read_text(encoding="utf-8")
    model.write_text(source.replace("{ModelDependency.SCIKIT_LEARN: \"1.3.0\"}",
                                    "{ModelDependency.TENSORFLOW: \"1.12.0\"}"), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "rafiki", "run", str(model), "--train", str(train), "--test",
         str(test), "--knobs", '{"smoothing": 1.0, "epochs": 1, "normalise": true, '
                               '"kind": "prior"}'],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120,
        env={**os.environ, "RAFIKI_HOME": str(tmp_path / "home")})
    assert done.returncode == 1
    assert "tensorflow==1.12.0 cannot be installed: pip finds no such version" in done.stderr
    assert "pip install" not in done.stderr


def test_without_an_index_in_reach_the_command_is_marked_not_verified():
    # the tests' default: pip's index is a refused local port, as a machine without network
    check = check_installable(["tensorflow==1.12.0"])["tensorflow==1.12.0"]
    assert check.installable is None
    assert check.describe() == ("tensorflow==1.12.0 could not be verified: pip could not "
                                "reach a package index (offline?)")
    report = check_interpreter(None, {"tensorflow": "1.12.0"})
    assert (f'install with: "{sys.executable}" -m pip install "tensorflow==1.12.0" (not '
            f'verified: pip could not reach a package index (offline?))') in report.describe()
    assert report.install_commands() == [f'"{sys.executable}" -m pip install "tensorflow==1.12.0"']


def test_rafikis_tensorflow_pin_against_the_real_index(monkeypatch):
    """Rafiki's example models pinned tensorflow 1.12.0, which has no wheel for Python 3.8+."""
    for name in [n for n in os.environ if n.startswith("PIP_")]:
        monkeypatch.delenv(name)
    for name, value in ORIGINAL_PIP_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    check = check_installable(["tensorflow==1.12.0"])["tensorflow==1.12.0"]
    if check.installable is None:
        pytest.skip(f"no package index in reach here: {check.detail}")
    assert check.installable is False
    assert f"pip finds no such version for Python {PYTHON}" in check.detail
