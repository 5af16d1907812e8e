"""A native crash under ``rafiki test-model`` printed as a stack and a line naming the stage.

``test-model`` runs the model in the command's own process, as Rafiki's ``test_model_class``
did, so a segfault in model code (a C extension, ``ctypes``) ends that process: before this it
exited 139 with nothing printed. ``faulthandler`` prints the Python stack of every thread from
its signal handler; nothing else can run in a process that has crashed, so the line naming the
stage comes from a small watcher process that is told each stage as it starts and speaks only
if its pipe closes before it is told the run is over.
"""

from __future__ import annotations

import faulthandler
import subprocess
import sys
from typing import IO

_DONE = "\0done"
_WATCHER = r"""
import sys
what, stage = sys.argv[1], None
for line in sys.stdin:
    line = line.rstrip("\n")
    if line == "\0done":
        sys.exit(0)
    stage = line
where = f"during stage '{stage}'" if stage else "before the first stage"
print(f"error: {what}: the process crashed {where} (a fault in native code, such as a C "
      "extension or ctypes; the Python stack is above)", file=sys.stderr, flush=True)
"""


class CrashWatch:
    """faulthandler on, and a watcher that names the stage if this process dies in it.

    Use as a context manager; call :meth:`stage` as each stage starts. Leaving the context
    normally (or with an exception, which Python reports itself) dismisses the watcher."""

    def __init__(self, what: str):
        self._what = what
        self._pipe: IO[str] | None = None
        self._watcher: subprocess.Popen | None = None
        self._was_enabled = faulthandler.is_enabled()

    def __enter__(self) -> CrashWatch:
        try:
            faulthandler.enable(file=sys.stderr, all_threads=True)
        except (AttributeError, ValueError, OSError):  # stderr replaced (a captured stream):
            faulthandler.enable(file=sys.__stderr__, all_threads=True)  # the process's own
        if getattr(sys, "frozen", False):  # a packaged binary has no ``python -c``
            return self
        try:
            self._watcher = subprocess.Popen(
                [sys.executable, "-c", _WATCHER, self._what], stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL, text=True)
            self._pipe = self._watcher.stdin
        except OSError:  # no watcher: the stack still prints
            self._watcher = None
        return self

    def stage(self, name: str) -> None:
        """The stage now running (what the watcher names if the process dies)."""
        if self._pipe is not None:
            try:
                self._pipe.write(name.replace("\n", " ") + "\n")
                self._pipe.flush()
            except OSError:
                self._pipe = None

    def __exit__(self, *exc_info: object) -> None:
        if self._pipe is not None:
            try:
                self._pipe.write(_DONE + "\n")
                self._pipe.close()
            except OSError:
                pass
        if self._watcher is not None:
            self._watcher.wait()
        if not self._was_enabled:
            faulthandler.disable()
