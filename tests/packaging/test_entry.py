"""The frozen entry script, run from source: runner mode is dispatched before any Qt import
and really runs a runner job; anything else reaches the window's code, which imports Qt."""

from __future__ import annotations

import os
import subprocess
import sys

from ..conftest import EXAMPLES, PROJECT_ROOT
from .runner_job import inspect_with, inspection

ENTRY = PROJECT_ROOT / "scripts" / "rafiki_gui_entry.py"
QT_IMPORTED_EXIT = 97

# Runs the entry as PyInstaller would (as __main__), with an audit hook that ends the process
# with QT_IMPORTED_EXIT the moment anything imports a Qt binding.
_ENTRY_WITHOUT_QT = f"""
import os, runpy, sys
def _no_qt(event, args):
    if event == "import" and args[0].split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph"):
        sys.stderr.write("Qt imported: " + args[0] + "\\n"); sys.stderr.flush()
        os._exit({QT_IMPORTED_EXIT})
sys.addaudithook(_no_qt)
sys.argv = ["rafiki-gui"] + sys.argv[1:]
runpy.run_path({str(ENTRY)!r}, run_name="__main__")
"""


def _env(tmp_path) -> dict[str, str]:
    return dict(os.environ, QT_QPA_PLATFORM="offscreen", RAFIKI_HOME=str(tmp_path / "home"),
                PYTHONPATH=str(PROJECT_ROOT))


def test_runner_mode_runs_the_job_without_importing_qt(tmp_path):
    code, events, err = inspect_with(
        [sys.executable, "-c", _ENTRY_WITHOUT_QT, "--rafiki-runner"],
        EXAMPLES / "image_classifier.py", tmp_path, env=_env(tmp_path))
    assert code == 0, err
    found = inspection(events)
    assert found["error"] is None, found["error"]
    assert "ImageClassifier" in found["classes"]


def test_without_the_runner_flag_the_entry_starts_the_window_code(tmp_path):
    """The control: the same hook does catch Qt when the entry goes the window's way."""
    done = subprocess.run([sys.executable, "-c", _ENTRY_WITHOUT_QT, "--help"],
                          env=_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert done.returncode == QT_IMPORTED_EXIT, done.stdout + done.stderr
    assert "Qt imported: PySide6" in done.stderr


def test_the_entry_calls_freeze_support_before_anything_else():
    """multiprocessing's frozen children must be caught before argument parsing or imports."""
    import ast

    main = next(node for node in ast.parse(ENTRY.read_text(encoding="utf-8")).body
                if isinstance(node, ast.FunctionDef) and node.name == "main")
    body = [n for n in main.body if not (isinstance(n, ast.Expr)
                                         and isinstance(n.value, ast.Constant))]
    assert ast.unparse(body[0]) == "multiprocessing.freeze_support()"
