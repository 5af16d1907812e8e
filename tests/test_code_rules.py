"""Project rules CI enforces: ruff is clean, and the rafiki package never imports Qt."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import PROJECT_ROOT

QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "PySide2", "pyqtgraph", "qtpy", "shiboken6")


def test_ruff_is_clean():
    # the venv's own ruff first: a venv's python can run without its bin/ on PATH
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff is not None, "ruff is not installed (pip install -e '.[test]' installs it)"
    done = subprocess.run([ruff, "check", str(PROJECT_ROOT)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_rafiki_sources_import_no_qt():
    offenders = []
    for path in (PROJECT_ROOT / "rafiki").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path}: {n}" for n in names if n.split(".")[0] in QT_MODULES]
    assert not offenders, offenders


def test_importing_every_rafiki_module_loads_no_qt():
    import importlib.util

    # rafiki/cluster needs the optional ray extra: imported only where it is installed
    optional = () if importlib.util.find_spec("ray") else ("cluster",)
    modules = sorted(
        ".".join(p.relative_to(PROJECT_ROOT).with_suffix("").parts)
        for p in (PROJECT_ROOT / "rafiki").rglob("*.py")
        if p.name != "__main__.py"
        and p.relative_to(PROJECT_ROOT / "rafiki").parts[0] not in optional
    )
    script = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m.removesuffix('.__init__'))\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {QT_MODULES!r}]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=PROJECT_ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


def _imported_modules(path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module if node.level == 0 else "." * node.level + node.module)
    return names


def test_front_ends_keep_experiments_through_the_gateway():
    """The window and the CLI reach the store only through rafiki.experiments, so there is
    one definition of what an experiment is (they once disagreed)."""
    front_ends = sorted((PROJECT_ROOT / "rafiki_gui").rglob("*.py"))
    front_ends += sorted((PROJECT_ROOT / "rafiki").glob("cli*.py"))
    offenders = []
    for path in front_ends:
        offenders += [f"{path.relative_to(PROJECT_ROOT)} imports {name}"
                      for name in _imported_modules(path)
                      if name in ("rafiki.store", ".store", "rafiki.store_schema")]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        offenders += [f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} uses .store"
                      for node in ast.walk(tree)
                      if isinstance(node, ast.Attribute) and node.attr in ("store", "_store")]
    assert not offenders, offenders


def test_the_rule_above_sees_a_panel_reaching_for_the_store(tmp_path):
    """The gateway rule's own control: a file that breaks it is caught."""
    bad = tmp_path / "bad_panel.py"
    bad.write_text("from rafiki.store import Store\nx = session.store.trials(1)\n")
    assert "rafiki.store" in _imported_modules(bad)
    tree = ast.parse(bad.read_text())
    assert any(isinstance(n, ast.Attribute) and n.attr == "store" for n in ast.walk(tree))


WORKER_BASE = "rafiki_gui/thread_worker.py"


def _thread_starts(path) -> list[str]:
    """Where a file makes a thread of its own: threading.Thread (however imported), a
    QThread made or subclassed, or a QRunnable/thread pool."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("threading", "_thread"):
            found += [f"{node.lineno}: from {node.module} import {a.name}" for a in node.names
                      if a.name in ("Thread", "start_new_thread")]
        elif isinstance(node, ast.Attribute) and node.attr in (
                "Thread", "start_new_thread", "QThreadPool", "QRunnable") and \
                isinstance(node.value, ast.Name):
            found.append(f"{node.lineno}: {node.value.id}.{node.attr}")
        elif isinstance(node, ast.Name) and node.id in ("QThread", "QThreadPool", "QRunnable"):
            found.append(f"{node.lineno}: {node.id}")
    return found


def test_background_jobs_use_the_one_worker_base():
    """Every background job of the window runs on rafiki_gui.thread_worker's ThreadWorker
    (one signal vocabulary: started, progress, returned, errored, aborted, finished); widgets
    never start bare threads (there were five ways of doing it)."""
    offenders = []
    for path in sorted((PROJECT_ROOT / "rafiki_gui").rglob("*.py")):
        relative = path.relative_to(PROJECT_ROOT).as_posix()
        if relative != WORKER_BASE:
            offenders += [f"{relative}:{where}" for where in _thread_starts(path)]
    assert not offenders, offenders


def test_the_rule_above_sees_a_bare_thread(tmp_path):
    """The worker rule's own control: each way of starting a thread is caught."""
    bad = tmp_path / "bad_widget.py"
    bad.write_text("import threading\nfrom threading import Thread\n"
                   "from PySide6.QtCore import QThread\n"
                   "threading.Thread(target=print).start()\n"
                   "class Loader(QThread):\n    pass\n")
    found = _thread_starts(bad)
    assert sorted(line.split(":")[0] for line in found) == ["2", "4", "5"], found
