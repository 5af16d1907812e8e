"""How to start a runner child: this interpreter, another Python, or the frozen app itself.

From source the child is ``python -m rafiki.runner.child``. A PyInstaller bundle has no
``-m``: the bundle re-invokes its own executable with ``--rafiki-runner``, which its entry
script dispatches before Qt is imported.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

FROZEN_RUNNER_FLAG = "--rafiki-runner"

_BUNDLE_VARIABLES = ("LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "DYLD_FRAMEWORK_PATH",
                     "PYTHONHOME", "PYTHONPATH", "TCL_LIBRARY", "TK_LIBRARY")


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def uses_own_interpreter(python: str | None) -> bool:
    """True when ``python`` names (or defaults to) the interpreter running the workbench."""
    if python is None:
        return True
    # not resolved: a venv's python is a symlink to its base, but a different environment
    return os.path.normcase(os.path.abspath(python)) == os.path.normcase(
        os.path.abspath(sys.executable))


def child_command(python: str | None) -> list[str]:
    """The argv prefix that starts a runner child; the job's arguments follow it."""
    if uses_own_interpreter(python):
        if is_frozen():
            return [sys.executable, FROZEN_RUNNER_FLAG]
        return [sys.executable, "-m", "rafiki.runner.child"]
    return [str(python), "-m", "rafiki.runner.child"]


def sdk_source_root() -> str:
    """The folder holding the workbench's ``rafiki`` package (for another Python's path).

    Frozen, the package itself is compiled into the executable; the bundle carries a plain
    source copy in ``sdk/`` (rafiki_gui.spec), apart from its numpy, Qt and other libraries,
    which must not shadow or half-satisfy the other Python's own packages."""
    bundle = getattr(sys, "_MEIPASS", None)
    if is_frozen() and bundle:
        return str(Path(bundle) / "sdk")
    return str(Path(__file__).resolve().parent.parent.parent)


def child_environment(python: str | None, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a child: unbuffered output; the cache folder named, so the child
    needs no ``platformdirs`` to find it (another Python may not have it); a frozen bundle's
    library paths removed when another Python runs it (PyInstaller keeps the originals as
    ``*_ORIG``)."""
    from .. import paths

    env = dict(os.environ)
    env[paths.CACHE_DIR_VARIABLE] = str(paths.cache_dir())
    if is_frozen() and not uses_own_interpreter(python):
        for name in _BUNDLE_VARIABLES:
            original = env.pop(f"{name}_ORIG", None)
            env.pop(name, None)
            if original is not None:
                env[name] = original
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env
