"""The built binary itself (after `python scripts/build_app.py`; skipped when not built):
its self-test, and its runner mode serving model files from the bundle alone."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from ..conftest import PROJECT_ROOT
from .runner_job import inspect_with, inspection

BINARY = PROJECT_ROOT / "dist" / "rafiki-gui" / ("rafiki-gui.exe" if os.name == "nt"
                                                 else "rafiki-gui")
MODELS = Path(__file__).resolve().parent / "models"

pytestmark = pytest.mark.skipif(not BINARY.exists(),
                                reason=f"{BINARY} is not built (python scripts/build_app.py)")


def _env(tmp_path) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", RAFIKI_HOME=str(tmp_path / "home"))
    env.pop("PYTHONPATH", None)  # the bundle must not lean on the source checkout
    return env


def test_frozen_self_test_passes(tmp_path):
    """The bundled example through the real window and a child process of the binary."""
    done = subprocess.run([str(BINARY), "--self-test"], env=_env(tmp_path), cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "self-test passed" in done.stdout
    assert "predictions shown" in done.stdout


def test_frozen_runner_mode_has_what_model_files_import(tmp_path):
    """Standard library modules the workbench never imports, numpy's submodules, Pillow and
    the SDK all load inside the binary's runner mode."""
    code, events, err = inspect_with([str(BINARY), "--rafiki-runner"],
                                     MODELS / "bundled_modules_model.py", tmp_path,
                                     env=_env(tmp_path), timeout=120)
    assert code == 0, err
    found = inspection(events)
    assert found["error"] is None, found["error"]
    assert list(found["classes"]) == ["BundledModulesModel"]
