"""The built binary itself (after `python scripts/build_app.py`; skipped when not built, see
frozen_app.py): its self-test, its runner mode serving model files from the bundle alone, and a
run in another Python the user picked, which uses the bundle's SDK source copy."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from .runner_job import inspect_with, inspection

MODELS = Path(__file__).resolve().parent / "models"


def _env(tmp_path) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", RAFIKI_HOME=str(tmp_path / "home"))
    env.pop("PYTHONPATH", None)  # the bundle must not lean on the source checkout
    return env


def test_frozen_self_test_passes(tmp_path, binary):
    """The bundled example through the real window and a child process of the binary."""
    done = subprocess.run([str(binary), "--self-test"], env=_env(tmp_path), cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "self-test passed" in done.stdout
    assert "predictions shown" in done.stdout


def test_frozen_runner_mode_has_what_model_files_import(tmp_path, binary):
    """Standard library modules the workbench never imports, numpy's submodules, Pillow and
    the SDK all load inside the binary's runner mode."""
    code, events, err = inspect_with([str(binary), "--rafiki-runner"],
                                     MODELS / "bundled_modules_model.py", tmp_path,
                                     env=_env(tmp_path), timeout=120)
    assert code == 0, err
    found = inspection(events)
    assert found["error"] is None, found["error"]
    assert list(found["classes"]) == ["BundledModulesModel"]


# Recorded by the other Python as it starts (a runner child ends with os._exit, so not at
# exit): its command line and where `import rafiki` will come from.
_RECORD_RUN = """
import importlib.util, json, os, sys
spec = importlib.util.find_spec("rafiki")
with open(os.environ["RUN_LOG"], "a") as out:
    out.write(json.dumps({"argv": sys.orig_argv, "rafiki": spec and spec.origin,
                          "ld_library_path": os.environ.get("LD_LIBRARY_PATH", "")}) + "\\n")
"""


def _python_without_rafiki(folder: Path) -> Path:
    """A venv that sees this test Python's packages (numpy, Pillow, platformdirs) but not its
    rafiki: a .pth line adds site-packages as a plain folder, so the editable install's own
    .pth hook, which makes rafiki importable, is not run."""
    import site
    import sys
    import sysconfig

    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True,
                   timeout=120)
    python = folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = subprocess.run([str(python), "-c", "import sysconfig; "
                              "print(sysconfig.get_paths()['purelib'])"], capture_output=True,
                             text=True, check=True).stdout.strip()
    ours = [p for p in site.getsitepackages() if Path(p).is_dir()] or \
        [sysconfig.get_paths()["purelib"]]
    Path(purelib, "test-packages.pth").write_text("\n".join(ours) + "\n", encoding="utf-8")
    Path(purelib, "sitecustomize.py").write_text(_RECORD_RUN, encoding="utf-8")
    return python


@pytest.mark.slow
def test_frozen_app_runs_a_model_in_another_python_with_its_sdk_copy(tmp_path, binary):
    """Tuning > Interpreter set to a Python without rafiki: the binary's self-test run goes
    through that Python, which imports the bundle's plain-source SDK (``_internal/sdk``) and
    none of the bundle's libraries."""
    python = _python_without_rafiki(tmp_path / "other-venv")
    probe = subprocess.run([str(python), "-c", "import numpy, PIL, platformdirs\n"
                            "try:\n import rafiki\nexcept ImportError: print('no rafiki')"],
                           capture_output=True, text=True, timeout=60, cwd=tmp_path,
                           env=dict(os.environ, RUN_LOG=str(tmp_path / "probe.log")))
    assert probe.stdout.strip() == "no rafiki", probe.stdout + probe.stderr
    env = _env(tmp_path)
    env["RUN_LOG"] = str(tmp_path / "runs.log")
    home = Path(env["RAFIKI_HOME"])
    home.mkdir(parents=True)
    (home / "gui-settings.ini").write_text(f"[runner]\npython={python}\n", encoding="utf-8")
    done = subprocess.run([str(binary), "--self-test"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "self-test passed" in done.stdout
    import json

    runs = [json.loads(line) for line in (tmp_path / "runs.log").read_text().splitlines()]
    children = [r for r in runs if r["argv"][1:3] == ["-m", "rafiki.runner.child"]]
    assert children, runs
    bundle = binary.resolve().parent
    for child in children:
        assert Path(child["rafiki"]).is_relative_to(bundle / "_internal" / "sdk"), child
        assert str(bundle) not in child["ld_library_path"], child
