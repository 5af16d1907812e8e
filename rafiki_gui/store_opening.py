"""Opening the experiment store on a worker thread, so a locked store cannot freeze the window.

SQLite waits out another program's lock for the store's busy timeout (30 s); done on the UI
thread at the window's start, that froze the window for 30 s before the dialog said why. The
window's opening waits at most :data:`STORE_OPEN_WAIT_S` on a worker thread, then the session
says the store is busy (its one-line StoreError) and goes on in memory until a retry succeeds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject

from .function_worker import call_off_ui_thread

STORE_OPEN_WAIT_S = 2.0
"""How long the window's opening waits for another program's lock: a write of another rafiki
(a trial's events) holds it for milliseconds, a database browser's transaction for as long as
it is open; the window says so after this rather than after the 30 s busy timeout."""

OPENED, PROBLEM, FAILED = "opened", "problem", "failed"


class StoreOpening:
    """One opening of the store on a worker thread. Its answer, taken once with :meth:`take`:
    (OPENED, Experiments), (PROBLEM, the StoreError's one line) or (FAILED, "Type: why")."""

    def __init__(self, owner: QObject, on_answer: Callable[[StoreOpening], Any],
                 wait_s: float = STORE_OPEN_WAIT_S):
        self.wait_s = wait_s
        self._answer: tuple[str, Any] | None = None
        self._lock = threading.Lock()
        self._worker = call_off_ui_thread(owner, self._open,
                                          on_returned=lambda _none: on_answer(self),
                                          on_errored=lambda _error: on_answer(self))

    def _open(self) -> None:  # on the worker thread
        from rafiki.experiments import Experiments, StoreError

        try:
            answer: tuple[str, Any] = (OPENED, Experiments(open_timeout_s=self.wait_s))
        except StoreError as exc:
            answer = (PROBLEM, str(exc))
        except Exception as exc:  # noqa: BLE001 (the session logs it and runs unrecorded)
            answer = (FAILED, f"{type(exc).__name__}: {exc}")
        with self._lock:
            self._answer = answer

    def wait(self) -> None:
        """Block until the opening is done (bounded: it waits at most ``wait_s`` for a lock);
        for a caller on the UI thread that needs the store before the answer arrives."""
        self._worker.wait(self.wait_s + 60)

    def take(self) -> tuple[str, Any] | None:
        """The answer, once (None before it is known, or after it was taken)."""
        with self._lock:
            answer, self._answer = self._answer, None
        return answer
