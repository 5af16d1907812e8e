"""The PyInstaller spec, read without building: what it leaves out, how it builds, and that
nothing it leaves out is used by the window or by a runner child."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys

from ..conftest import PROJECT_ROOT

SPEC = PROJECT_ROOT / "rafiki_gui.spec"
MUST_EXCLUDE = [
    "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtWebEngineCore", "PySide6.Qt3DCore",
    "PySide6.QtMultimedia", "PySide6.QtPdf", "PySide6.QtCharts",
    "PyQt5", "PyQt6", "PySide2", "tkinter",
    "matplotlib", "sklearn", "scipy", "torch", "pandas", "IPython",
]


def spec_tree() -> ast.Module:
    return ast.parse(SPEC.read_text(encoding="utf-8"))


def spec_excludes() -> list[str]:
    """QT_EXCLUDES + OTHER_BINDINGS + UNUSED_PACKAGES, as literally written in the spec."""
    lists = {}
    for node in spec_tree().body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in ("QT_EXCLUDES", "OTHER_BINDINGS", "UNUSED_PACKAGES"):
                lists[name] = ast.literal_eval(node.value)
    assert set(lists) == {"QT_EXCLUDES", "OTHER_BINDINGS", "UNUSED_PACKAGES"}, lists
    return [name for names in lists.values() for name in names]


def call_keywords(function: str) -> dict[str, ast.expr]:
    for node in ast.walk(spec_tree()):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == function:
            return {k.arg: k.value for k in node.keywords}
    raise AssertionError(f"the spec calls no {function}()")


def test_spec_leaves_out_unused_qt_bindings_and_science_stacks():
    excludes = spec_excludes()
    missing = [name for name in MUST_EXCLUDE if name not in excludes]
    assert not missing, f"the spec no longer excludes {missing}"


def test_spec_builds_a_windowed_onedir_app_named_rafiki_gui_without_upx():
    exe = call_keywords("EXE")
    collect = call_keywords("COLLECT")
    assert ast.literal_eval(exe["console"]) is False
    assert ast.literal_eval(exe["upx"]) is False
    assert ast.literal_eval(collect["upx"]) is False
    assert ast.literal_eval(exe["exclude_binaries"]) is True  # onedir: binaries beside the exe
    names = [node.value for node in ast.walk(spec_tree()) if isinstance(node, ast.Assign)
             and getattr(node.targets[0], "id", None) == "NAME"]
    assert [ast.literal_eval(n) for n in names] == ["rafiki-gui"]
    assert "resources()" in ast.unparse(call_keywords("Analysis")["datas"])


_RECORD_MODULES = """
import atexit, json, os, sys
def _record():
    with open(os.environ["MODULES_OUT"], "w") as out:
        json.dump(sorted(sys.modules), out)
atexit.register(_record)
"""


def _modules_after(code: str, tmp_path, *args: str) -> set[str]:
    out = tmp_path / "modules.json"
    env = dict(os.environ, MODULES_OUT=str(out), QT_QPA_PLATFORM="offscreen",
               RAFIKI_HOME=str(tmp_path / "home"))
    done = subprocess.run([sys.executable, "-c", _RECORD_MODULES + code, *args], env=env,
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0 and out.exists(), done.stdout + done.stderr
    return set(json.loads(out.read_text()))


def _excluded_in(modules: set[str]) -> list[str]:
    excludes = spec_excludes()
    return sorted(m for m in modules for x in excludes if m == x or m.startswith(x + "."))


def test_the_window_self_test_imports_nothing_the_spec_leaves_out(tmp_path):
    """From source, the same self-test the binary runs: a module it needs but the spec
    excludes would break only the frozen app, so catch it here."""
    modules = _modules_after("import sys\nfrom rafiki_gui.app import main\n"
                             "sys.exit(main(sys.argv[1:]))", tmp_path, "--self-test")
    assert "PySide6.QtWidgets" in modules and "pyqtgraph" in modules
    assert not _excluded_in(modules)


def test_a_lifecycle_imports_nothing_the_spec_leaves_out(tmp_path):
    """What a runner child imports to run the bundled example end to end."""
    code = (
        "from rafiki.lifecycle import LifecycleRequest, run_lifecycle\n"
        "import rafiki.runner.child\n"
        f"root = {str(PROJECT_ROOT)!r} + '/resources/'\n"
        "run_lifecycle(LifecycleRequest(root + 'examples/image_classifier.py',\n"
        "    'ImageClassifier', 'IMAGE_CLASSIFICATION', root + 'datasets/image_train.zip',\n"
        "    root + 'datasets/image_test.zip', queries=[[[0] * 16] * 16]), lambda e: None)\n"
    )
    modules = _modules_after(code, tmp_path)
    assert "numpy" in modules and "optuna" in modules and "rafiki.runner.child" in modules
    assert not _excluded_in(modules)
