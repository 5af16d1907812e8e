"""Drives one :class:`rafiki.tuning.Tuner` from a QThread and re-emits its trial events as
Qt signals, coalesced.

The tuner calls back from its own thread and from each trial's reader thread; with two trials
logging metrics that is hundreds of calls a second. Those threads only append to a buffer;
this worker's thread hands the UI thread what arrived at most every ``FLUSH_INTERVAL``
seconds, with the event batches of one trial merged, so the UI's work grows with time, not
with the number of events. Signal names follow superqt's worker vocabulary.

Finding or creating the tuning experiment hashes the model file and the dataset zips, so it
happens here too, before the first trial, never on the UI thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal

from ..thread_worker import ThreadWorker

if TYPE_CHECKING:
    from rafiki.experiments import Experiments
    from rafiki.runner import RunSpec
    from rafiki.tuning import Tuner, TuningEvent

FLUSH_INTERVAL = 0.05


class TuningWorker(ThreadWorker):
    """One tuning of a stored experiment, on a QThread of its own."""

    sig_experiment = Signal(int)
    """The experiment tuned is known (found or created): (experiment id); comes first."""
    sig_trial_started = Signal(object)
    """A trial was started: (rafiki.experiments.Trial, status running)."""
    sig_trial_events = Signal(int, object)
    """Events of a running trial: (trial id, list of event dicts in order; ``object`` so Qt
    does not copy every dict through its variant types, see RunWorker.sig_events)."""
    sig_trial_metrics = Signal(int, object)
    """A finished trial's metric columns, read here so the UI thread never waits on the
    store while trials write to it: (trial id, {metric: values}); just before its
    sig_trial_finished."""
    sig_trial_finished = Signal(object)
    """A trial ended: (rafiki.experiments.Trial as stored, with status, score, error)."""
    sig_notice = Signal(str)
    """A line the tuning says once (e.g. pruning on a metric no trial logs): (message)."""
    sig_returned = Signal(object)
    """The tuning ended: (rafiki.tuning.TuningResult)."""
    # sig_started, sig_errored (the tuning could not go on), sig_finished and stop() come
    # from ThreadWorker

    error_stage = "tuning"

    def __init__(self, experiments: Experiments, *, experiment_id: int | None = None,
                 setup: RunSpec | None = None, knob_config: str | None = None,
                 budget_trials: int | None, budget_minutes: float | None, parallel: int,
                 seed: int | None, pinned_knobs: dict[str, Any] | None = None,
                 predict_check: int = 0, search: dict[str, Any] | None = None,
                 executor_factory: Any = None, memory_limit_mb: int | None = None):
        """Tune ``experiment_id``, or the tuning experiment of ``setup`` (the window's
        model, datasets, app mode and interpreter) with these pinned knobs. ``search`` holds
        the Tuner's sampler, pruning and warm_start options. ``executor_factory``: None for
        this machine, else called here, off the UI thread, for the executor the trials run
        on (a cluster's connects)."""
        super().__init__("rafiki-tuning-worker")
        if (experiment_id is None) == (setup is None):
            raise ValueError("give an experiment id or a setup to tune, not both")
        self._experiments = experiments
        self._experiment_id = experiment_id
        self._setup = setup
        self._knob_config = knob_config
        self._options = dict(budget_trials=budget_trials, budget_minutes=budget_minutes,
                             parallel=parallel, seed=seed, pinned_knobs=pinned_knobs or {},
                             predict_check=predict_check, memory_limit_mb=memory_limit_mb,
                             **(search or {}))
        self._executor_factory = executor_factory
        self.tuner: Tuner | None = None
        self._pending: list[TuningEvent] = []

    def _interrupt(self) -> None:
        """stop(): no new trials; running ones end as stopped (off the caller's thread)."""
        tuner = self.tuner
        if tuner is not None:
            tuner.stop()

    def _on_tuning_event(self, event: TuningEvent) -> None:
        """Called on the tuner's threads: only buffer, never touch Qt."""
        with self._lock:
            self._pending.append(event)

    def _flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
        merged: list[tuple[int, list[dict]]] = []
        for event in pending:
            if event.kind == "trial_events":
                if merged and merged[-1][0] == event.trial_id:
                    merged[-1][1].extend(event.events)
                else:
                    merged.append((event.trial_id, list(event.events)))
                continue
            for trial_id, events in merged:
                self.sig_trial_events.emit(trial_id, events)
            merged = []
            if event.kind == "trial_started":
                self.sig_trial_started.emit(event.trial)
            elif event.kind == "trial_finished":
                self.sig_trial_metrics.emit(event.trial.id,
                                            self._experiments.trial_metrics(event.trial.id))
                self.sig_trial_finished.emit(event.trial)
            elif event.kind == "notice":
                self.sig_notice.emit(str(event.message))
        for trial_id, events in merged:
            self.sig_trial_events.emit(trial_id, events)

    def _drive(self) -> None:
        experiment_id = self._experiment_id
        if experiment_id is None:
            experiment_id = self._experiments.tuning_experiment(
                self._setup, pinned=self._options["pinned_knobs"],
                knob_config=self._knob_config).id
        self.sig_experiment.emit(experiment_id)
        options = dict(self._options)
        if self._executor_factory is not None:
            options["executor"] = self._executor_factory()
        tuner = self._experiments.tuner(experiment_id, on_trial_event=self._on_tuning_event,
                                        **options)
        tuner.prepare()
        self.tuner = tuner
        if self._stop_requested.is_set():
            tuner.stop()
        # the tuner's loop blocks: it runs beside this thread, which flushes meanwhile
        result = self._call_beside(tuner.run, "rafiki-tuner", FLUSH_INTERVAL, self._flush)
        self._flush()
        self.sig_returned.emit(result)
