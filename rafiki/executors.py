"""Where trials run: one small interface between the tuning loop and the processes doing work.

The tuning loop hands an executor a :class:`rafiki.runner.RunSpec` (plain paths and values,
nothing tied to this process) and a callback for event batches, and gets back a handle it can
stop or wait on for a :class:`rafiki.runner.RunOutcome`. :class:`LocalProcessExecutor` runs
each trial as a child process of this machine through :class:`rafiki.runner.Run`. An executor
on a cluster engine (Ray, Dask) implements the same two methods: it ships the spec, streams
the events back, and delivers the parameters file to ``spec.params_path`` before its outcome.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the runner is imported on first use: the tuning loop does not need it
    from .runner import RunOutcome, RunSpec

EventsCallback = Callable[[list[dict]], None]


class ExecutorLostError(Exception):
    """Raised by :meth:`TrialHandle.wait` when the place trials run is gone (a cluster that
    stopped answering): the tuning ends with this message instead of erroring each trial."""


class TrialHandle(abc.ABC):
    """One submitted trial."""

    @abc.abstractmethod
    def stop(self) -> None:
        """Ask the trial to end now; it ends as *stopped* (its events so far are kept)."""

    @abc.abstractmethod
    def wait(self) -> RunOutcome:
        """Block until the trial has ended and every one of its events was delivered."""


class TrialExecutor(abc.ABC):
    """Runs trials somewhere; ``on_events`` may be called on any thread, batches in order."""

    @abc.abstractmethod
    def submit(self, spec: RunSpec, on_events: EventsCallback) -> TrialHandle:
        """Start the trial described by ``spec``; raise when it cannot be started at all."""

    def capacity(self) -> int | None:
        """How many trials fit at once (a cluster's size), or None: the tuning decides."""
        return None

    def close(self) -> None:  # noqa: B027 (optional hook: most executors hold nothing)
        """Release the executor's resources (worker pools, connections)."""


class _LocalHandle(TrialHandle):
    def __init__(self, run):
        self._run = run

    @property
    def pid(self) -> int | None:
        return self._run.pid

    def stop(self) -> None:
        self._run.stop()

    def wait(self) -> RunOutcome:
        return self._run.wait()


class LocalProcessExecutor(TrialExecutor):
    """Each trial in its own child process on this machine (the runner's isolation)."""

    def submit(self, spec: RunSpec, on_events: EventsCallback) -> TrialHandle:
        from .runner import Run

        run = Run(spec, on_events=on_events)
        run.start()
        return _LocalHandle(run)
