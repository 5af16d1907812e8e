"""Drives one runner process from a QThread and re-emits its events as coalesced Qt signals.

The runner calls back on its own reader thread for every batch the child sends; a model that
logs 100,000 points a second would turn that into thousands of queued calls on the UI thread.
So the reader thread only appends to a buffer, and this worker's thread hands the UI one list
at most every ``FLUSH_INTERVAL`` seconds. Signal names follow superqt's worker vocabulary.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal

from .thread_worker import ThreadWorker

if TYPE_CHECKING:
    from rafiki.runner import RunSpec

FLUSH_INTERVAL = 0.05  # s: at most ~20 batches a second reach the UI thread

Recorder = Callable[[list[dict]], None]


class RunWorker(ThreadWorker):
    """One run of the lifecycle in a child process, on a QThread of its own."""

    sig_started = Signal()
    """The child process was started."""
    sig_events = Signal(list)
    """A coalesced batch of event dicts, in order; together they are every event of the run."""
    sig_returned = Signal(object)
    """The run ended with a RunOutcome (completed, errored, stopped, crashed or timed out)."""
    sig_aborted = Signal()
    """The run ended because stop() asked it to (sig_returned carries its STOPPED outcome)."""
    # sig_errored and sig_finished come from ThreadWorker

    def __init__(self, spec: RunSpec, recorder: Recorder | None = None):
        super().__init__("rafiki-run-worker")
        self._spec = spec
        self._recorder = recorder
        self._pending: list[dict] = []
        self._run = None

    def stop(self) -> None:
        """Ask the run to stop, without blocking the caller (the runner escalates to kill)."""
        self._stop_requested.set()
        run = self._run
        if run is not None:
            threading.Thread(target=run.stop, name="rafiki-run-stop", daemon=True).start()

    def _on_runner_events(self, events: list[dict]) -> None:
        """Called on the runner's reader thread: only buffer, never touch Qt."""
        with self._lock:
            self._pending.extend(events)

    def _flush(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, []
        if not batch:
            return
        if self._recorder is not None:
            try:
                self._recorder(batch)
            except Exception:  # a failing store must not lose the run's view
                traceback.print_exc()
                self._recorder = None
        self.sig_events.emit(batch)

    def _drive(self) -> None:
        from rafiki.runner import Run, RunnerState

        run = Run(self._spec, on_events=self._on_runner_events)
        self._run = run
        run.start()
        self.sig_started.emit()
        if self._stop_requested.is_set():
            self.stop()
        live = (RunnerState.STARTING, RunnerState.RUNNING)
        while run.state in live:
            time.sleep(FLUSH_INTERVAL)
            self._flush()
        outcome = run.wait()
        self._flush()
        self.sig_returned.emit(outcome)
        if self._stop_requested.is_set() and outcome.state == RunnerState.STOPPED:
            self.sig_aborted.emit()
