"""Drives one runner process from a QThread and re-emits its events as coalesced Qt signals.

The runner calls back on its own reader thread for every batch the child sends; a model that
logs 100,000 points a second would turn that into thousands of queued calls on the UI thread.
So the reader thread only appends to a buffer, and this worker's thread hands the UI one list
at most every ``FLUSH_INTERVAL`` seconds. Signal names follow superqt's worker vocabulary.

The worker also keeps the run: it files it with the experiments gateway before the child
starts, stores each batch and records the outcome, all on its own thread (filing hashes the
model file and both dataset zips, seconds for large ones).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal

from .thread_worker import ThreadWorker

if TYPE_CHECKING:
    from rafiki.experiments import Experiments
    from rafiki.runner import RunOutcome, RunSpec

FLUSH_INTERVAL = 0.05  # s: at most ~20 batches a second reach the UI thread

_log = logging.getLogger(__name__)


class RunWorker(ThreadWorker):
    """One run of the lifecycle in a child process, on a QThread of its own."""

    sig_filed = Signal(int)
    """The run was filed as a new trial of its setup's runs experiment: (trial id)."""
    sig_test_samples = Signal(object)
    """(rafiki.test_samples.TestSamples) the test samples a completed run without queries
    predicted, with their labels; comes before sig_returned."""
    sig_events = Signal(object)
    """A coalesced batch of event dicts, in order (an :class:`~rafiki_gui.event_batch.EventBatch`,
    its points already in columns); together they are every event of the run.
    Declared ``object``, not ``list``: a ``list`` signal converts every event dict to a
    QVariantMap on this thread and back to Python for each slot on the UI thread (0.9 s per
    10,000 points with three slots; the 200,000-point flood stalled the window for seconds)."""
    sig_returned = Signal(object)
    """The run ended with a RunOutcome (completed, errored, stopped, crashed or timed out)."""
    sig_aborted = Signal()
    """The run ended because stop() asked it to (sig_returned carries its STOPPED outcome)."""
    sig_store_failed = Signal(str)
    """The store could not keep the run (damaged, read-only, locked, full): (the one line
    saying so); the run goes on unrecorded."""
    # sig_started, sig_errored and sig_finished come from ThreadWorker; stop() from it too

    def __init__(self, spec: RunSpec, experiments: Experiments | None = None,
                 knob_config: str | None = None):
        super().__init__("rafiki-run-worker")
        self._spec = spec
        self._experiments = experiments
        self._knob_config = knob_config
        self._trial_id: int | None = None
        self._pending: list[dict] = []  # from the reader thread, not yet stored
        self._unshown: list[dict] = []  # stored, not yet handed to the UI thread
        self._shown = threading.Event()
        self._shown.set()
        self._run = None

    def _interrupt(self) -> None:
        """stop(): the runner interrupts, terminates, then kills the child (seconds: the
        base runs this off the caller's thread)."""
        run = self._run
        if run is not None:
            run.stop()

    def _on_runner_events(self, events: list[dict]) -> None:
        """Called on the runner's reader thread: only buffer, never touch Qt."""
        with self._lock:
            self._pending.extend(events)

    def _read_test_samples(self, outcome: RunOutcome) -> None:
        """The test samples the child predicted (it sampled them itself: no queries were
        given), read again here with their labels for the window to show beside the
        predictions; from the decoded-dataset cache this is an index, not a decode."""
        from rafiki.query_sample import queries_given
        from rafiki.test_samples import first_test_samples

        spec = self._spec
        if queries_given(spec.queries) or outcome.state.name != "COMPLETED":
            return
        try:
            samples = first_test_samples(spec.task, spec.test_dataset_uri,
                                         spec.queries_from_test)
        except Exception as exc:  # moved, replaced, unreadable: the run has its predictions
            # and is stored as completed; only the labels shown beside them are lost
            _log.warning("The test samples of the run could not be read again: %s", exc)
            return
        self.sig_test_samples.emit(samples)

    def events_shown(self) -> None:
        """The UI thread took the last batch of sig_events (any thread may call this)."""
        self._shown.set()

    def _flush(self, final: bool = True) -> None:
        """Store what the reader buffered, and hand it to the UI thread, unless the UI has
        not taken the previous batch yet (``final``: hand it over anyway). A UI thread that
        falls behind (a loaded machine) then gets one larger batch instead of a queue of
        them: Qt delivers every queued batch in one pass of its event loop, a stall as long
        as all of them together (bench/bench_gui_stall.py)."""
        with self._lock:
            batch, self._pending = self._pending, []
        if batch and self._trial_id is not None:
            try:
                self._experiments.record(self._trial_id, batch)
            except Exception as exc:  # a failing store must not lose the run's view
                self._unrecorded("events", exc)
        self._unshown.extend(batch)
        if self._unshown and (final or self._shown.is_set()):
            self._shown.clear()
            unshown, self._unshown = self._unshown, []
            self.sig_events.emit(_gathered(unshown))

    def _unrecorded(self, what: str, exc: Exception) -> None:
        from rafiki.experiments import StoreError

        _log.warning("The run's %s could not be recorded in the store: %s: %s", what,
                     type(exc).__name__, exc)
        self._trial_id = None
        if isinstance(exc, StoreError):
            self.sig_store_failed.emit(str(exc))

    def _file_run(self) -> None:
        """A trial for the run (its parameters go beside the store), or, when the store
        cannot be used, an unrecorded run with its parameters in a temp folder."""
        if self._experiments is not None:
            try:
                opened = self._experiments.open_run(self._spec, self._knob_config)
            except Exception as exc:
                self._unrecorded("trial", exc)
            else:
                self._trial_id = opened.trial.id
                self.sig_filed.emit(opened.trial.id)
        if self._spec.params_path is None:
            from rafiki.leftovers import owned_temp_folder

            self._spec.params_path = str(owned_temp_folder(None, "rafiki-run-") / "params.pkl")

    def _record_outcome(self, outcome: RunOutcome) -> None:
        if self._trial_id is not None:
            try:
                self._experiments.finish_trial(self._trial_id, outcome)
            except Exception as exc:
                self._unrecorded("outcome", exc)

    def _drive(self) -> None:
        from rafiki.runner import Run, RunnerState

        self._file_run()
        try:
            run = Run(self._spec, on_events=self._on_runner_events)
            self._run = run
            run.start()
            if self._stop_requested.is_set():
                self.stop()
            live = (RunnerState.STARTING, RunnerState.RUNNING)
            while run.state in live:
                time.sleep(FLUSH_INTERVAL)
                self._flush(final=False)
            outcome = run.wait()
            self._flush()
        except Exception as exc:  # not the model's fault: the trial still has to end
            self._record_outcome(_failed_outcome(exc))
            raise
        self._record_outcome(outcome)
        self._read_test_samples(outcome)
        self.sig_returned.emit(outcome)
        if self._stop_requested.is_set() and outcome.state == RunnerState.STOPPED:
            self.sig_aborted.emit()


def _gathered(events: list[dict]) -> list[dict]:
    """The batch with its points gathered into columns here, off the UI thread
    (:mod:`rafiki_gui.event_batch`); as it is if that fails (the runner checks every point is
    numbers, so it should not): the run goes on, and the views gather it themselves."""
    from .event_batch import EventBatch

    try:
        return EventBatch(events)
    except Exception as exc:
        _log.warning("A batch of the run's events could not be gathered: %s: %s",
                     type(exc).__name__, exc)
        return events


def _failed_outcome(exc: Exception) -> RunOutcome:
    """The outcome of a run the workbench could not start or follow."""
    from rafiki.events import error_info
    from rafiki.runner import RunnerState, RunOutcome

    return RunOutcome(state=RunnerState.ERRORED, result=None, error=error_info(exc, None),
                      exit_code=None, signal=None, crash_report=None, last_output=[],
                      duration=0.0)
