"""Tuning: many trials of one experiment, K at once, the advisor learning from each score.

The loop only proposes knobs, hands a :class:`rafiki.runner.RunSpec` to a
:class:`rafiki.executors.TrialExecutor`, records the events and outcome that come back in the
store, and feeds the score to the advisor. It never touches a trial's process or objects, so a
cluster executor fits in place of the local one. Errored trials are recorded and tuning goes
on; :meth:`Tuner.stop` ends running trials as *stopped* and keeps every finished one; a new
Tuner on an experiment that has trials re-feeds the advisor with them first (resume).

A trial is train -> evaluate -> dump parameters -> destroy, as Rafiki's train workers ran it:
its score is what tuning compares, and loading and predicting was the inference workers' part,
so a model whose ``predict`` fails still gets every score stored and compared. With
``predict_check=N`` each trial then also loads its parameters and predicts the first N test
samples; a trial whose check fails is *errored* (its parameters cannot serve, so it is never
the best trial), keeps its score, and the advisor still learns from that score.

With ``pruning`` (:class:`rafiki.pruning.PruningSettings`) the points a trial logs of one
metric are the intermediate values of its Optuna trial, read from the event batches the
executor delivers (so it works on any executor); a trial the pruner rejects is stopped through
its handle and recorded as *pruned*. ``sampler`` names the advisor's sampler
(:mod:`rafiki.samplers`); ``warm_start`` tells the advisor the stored trials of earlier
experiments (those whose knobs fit this knob config) before the first proposal.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import events as ev
from .advisor import Advisor, Proposal
from .compute_accounting import ComputeSummary, summarize_compute
from .executors import ExecutorLostError, LocalProcessExecutor, TrialExecutor, TrialHandle
from .lifecycle import TRAIN_WORKER_LAST_STAGE, Stage
from .memory_limit import default_memory_limit_mb
from .model.knob import BaseKnob, FixedKnob, deserialize_knob_config, knob_problems
from .pruning import (
    POINT_INDEX,
    MetricFollower,
    PruningSettings,
    final_step,
    full_length_of,
    make_pruner,
    most_steps_of,
    seconds_saved,
)
from .store import Experiment, Store, Trial, TrialStatus
from .store_errors import StoreError

MAX_LAUNCH_FAILURES_IN_A_ROW = 3


class TuningError(Exception):
    """Tuning cannot go on (no budget, no knob config, trials that cannot even start)."""


@dataclass
class TuningEvent:
    """What happened, for live views: ``trial_started`` / ``trial_events`` (with the batch) /
    ``trial_finished`` / ``notice`` (with ``message``), with the trial as the store has it
    then (None for ``events`` batches, which carry ``trial_id``)."""

    kind: str
    trial_id: int
    trial: Trial | None = None
    events: list[dict] = field(default_factory=list)
    message: str = ""
    """``notice``: a line to show once (e.g. pruning that cannot prune), also kept in the
    experiment's ``notices`` setting."""


@dataclass
class TuningResult:
    """The trials this tuning ran, the experiment's best trial, whether it was stopped, and
    where the compute went (trial-seconds, seconds pruning saved, best score over time)."""

    experiment_id: int
    trials: list[Trial]
    best: Trial | None
    stopped: bool
    elapsed: float
    compute: ComputeSummary | None = None


def default_parallel() -> int:
    """One trial per core but one, leaving a core for the workbench itself (at least 1)."""
    return max(1, (os.cpu_count() or 2) - 1)


def knob_config_of(store: Store, experiment: Experiment) -> dict[str, BaseKnob]:
    """The experiment's knob config: as recorded, else read from the model file in a child
    process (and recorded)."""
    if experiment.knob_config:
        return deserialize_knob_config(experiment.knob_config)
    from .runner import inspect_model_file

    inspection = inspect_model_file(experiment.model_file_path, app_mode=experiment.app_mode,
                                    python=experiment.python)
    if inspection.error:
        raise TuningError(f"{experiment.model_file_path}: the model file cannot be loaded: "
                          f"{inspection.error.get('type')}: {inspection.error.get('message')}")
    if experiment.model_class not in inspection.classes:
        raise TuningError(f"{experiment.model_file_path}: no model class "
                          f"{experiment.model_class!r} (found: "
                          f"{', '.join(inspection.classes) or 'none'})")
    serialized = inspection.classes[experiment.model_class]
    store.set_knob_config(experiment.id, serialized)
    return deserialize_knob_config(serialized)


def trial_score(trial: Trial) -> float | None:
    """The score the advisor learns from: a completed trial's, or an errored one's when its
    Evaluate finished (a failed predict check says nothing against the knobs' score)."""
    if trial.status == TrialStatus.COMPLETED:
        return trial.score
    if trial.status == TrialStatus.ERRORED and (trial.error or {}).get("stage") in _AFTER_SCORE:
        return trial.score
    return None


_STAGES = list(Stage)
_AFTER_SCORE = frozenset(stage.value for stage in _STAGES[_STAGES.index(Stage.EVALUATE) + 1:])


def pin_knobs(knob_config: dict[str, BaseKnob], pinned: dict[str, Any]) -> dict[str, BaseKnob]:
    """The config with each pinned knob fixed at its value (checked against its knob)."""
    unknown = sorted(set(pinned) - set(knob_config))
    if unknown:
        raise TuningError(f"Pinned knobs not in the knob config: {', '.join(unknown)}")
    problems = knob_problems({name: knob_config[name] for name in pinned}, pinned)
    if problems:
        raise TuningError(f"Pinned knobs do not fit: {'; '.join(problems)}")
    return {name: FixedKnob(pinned[name]) if name in pinned else knob
            for name, knob in knob_config.items()}


class Tuner:
    """Runs trials of a stored experiment under a budget of trials and/or minutes.

    ``on_trial_event`` receives :class:`TuningEvent` objects, from the tuner's thread and the
    executor's threads; keep it quick. At the minutes budget running trials are stopped.
    ``predict_check``: 0 ends each trial after dump parameters (and destroy); N > 0 adds a
    predict check on the first N test samples (see the module's docstring)."""

    def __init__(
        self,
        store: Store,
        experiment_id: int,
        budget_trials: int | None = None,
        budget_minutes: float | None = None,
        parallel: int | None = None,
        seed: int | None = None,
        on_trial_event: Callable[[TuningEvent], None] | None = None,
        *,
        pinned_knobs: dict[str, Any] | None = None,
        executor: TrialExecutor | None = None,
        trial_timeout: float | None = None,
        memory_limit_mb: int | None = None,
        predict_check: int = 0,
        sampler: str | None = None,
        pruning: PruningSettings | None = None,
        warm_start: list[int] | tuple[int, ...] = (),
        retry_interrupted: bool = False,
        cpu_threads: int | None = None,
    ):
        if budget_trials is None and budget_minutes is None:
            raise TuningError("Give a budget: a number of trials, minutes, or both")
        if budget_trials is not None and budget_trials < 1:
            raise TuningError(f"The trials budget must be at least 1, not {budget_trials}")
        if budget_minutes is not None and budget_minutes <= 0:
            raise TuningError(f"The minutes budget must be positive, not {budget_minutes}")
        if parallel is not None and parallel < 1:
            raise TuningError(f"Parallel trials must be at least 1, not {parallel}")
        if isinstance(predict_check, bool) or not isinstance(predict_check, int) \
                or predict_check < 0:
            raise TuningError(f"The predict check takes 0 (off) or more test samples, not "
                              f"{predict_check!r}")
        self.store = store
        self.experiment = store.get_experiment(experiment_id)
        self.budget_trials = budget_trials
        self.budget_minutes = budget_minutes
        # a cluster's executor knows how many trials it holds at once; this machine: cores - 1
        self.parallel = parallel or (executor and executor.capacity()) or default_parallel()
        self.seed = seed
        self.pinned_knobs = dict(pinned_knobs or {})
        self.trial_timeout = trial_timeout
        # each of the K trials at once gets its share: together they stay under the default
        self.memory_limit_mb = (memory_limit_mb if memory_limit_mb is not None
                                else default_memory_limit_mb(self.parallel) or 0)
        self.predict_check = predict_check
        if cpu_threads is not None and cpu_threads < 1:
            raise TuningError(f"Each trial needs at least 1 thread, not {cpu_threads}")
        # numeric libraries' threads per trial: by default the cores shared out between the
        # trials at once (see rafiki.runner.run.thread_caps)
        self.cpu_threads = cpu_threads or max(1, (os.cpu_count() or 1) // self.parallel)
        from .samplers import SAMPLERS

        if sampler is not None and sampler not in SAMPLERS:
            raise TuningError(f"Unknown sampler {sampler!r}; choose one of "
                              f"{', '.join(SAMPLERS)}")
        self.sampler = sampler
        self.pruning = pruning
        self.warm_start = [int(experiment_id) for experiment_id in warm_start]
        self.warm_started = 0  # trials of earlier experiments told to the advisor
        self._on_trial_event = on_trial_event
        self._executor = executor or LocalProcessExecutor()
        self._owns_executor = executor is None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._running: dict[int, tuple[TrialHandle, Proposal]] = {}
        self._proposals: dict[int, Proposal] = {}
        self._followers: dict[int, MetricFollower] = {}
        self._prune_at: dict[int, dict[str, Any]] = {}  # trial id -> where it was pruned
        self._pruning_notice_said = False  # the pruning metric was never logged: said once
        self._longest_completed: int | None = None  # most points a completed trial logged
        self._finished: queue.Queue[tuple[int, Any, BaseException | None]] = queue.Queue()
        self.advisor: Advisor | None = None
        # a trial whose machine was lost (a cluster node) runs once more with its knobs
        self.retry_interrupted = retry_interrupted
        self._retries: list[dict] = []
        self._retried_trials: set[int] = set()
        self._lost: str | None = None
        self.store_error: StoreError | None = None  # the store failed: tuning ends with it
        # With a seed, trials' results reach the advisor in launch order and trial k is
        # proposed from trials 1..k-parallel exactly: which trial of those at once ends first
        # (the machine's load, the executor: local or a cluster) changes no knob. Without a
        # seed every result is told as soon as it is in.
        self._in_order = seed is not None
        self._launched: list[int] = []  # this session's trials, in launch order
        self._results: dict[int, Callable[[], None] | None] = {}  # ended, not yet told
        self._told = 0  # how many of _launched have been told

    # -- control ---------------------------------------------------------------------------

    def stop(self) -> None:
        """End the tuning: no new trials; running ones are stopped (recorded as stopped)."""
        with self._lock:
            self._stopping.set()
            handles = [handle for handle, _ in self._running.values()]
        stoppers = [threading.Thread(target=handle.stop, daemon=True) for handle in handles]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    # -- the loop --------------------------------------------------------------------------

    def prepare(self) -> Advisor:
        """The advisor over the (pinned) knob config, fed with the trials of the warm-start
        experiments first, then with this experiment's stored trials (resume)."""
        knob_config = pin_knobs(knob_config_of(self.store, self.experiment), self.pinned_knobs)
        earlier = self._warm_start_trials()
        self._record_session()
        pruner = None if self.pruning is None else make_pruner(
            self.pruning.pruner, most_steps_of(self.pruning, knob_config))
        advisor = Advisor(knob_config, seed=self.seed, sampler=self.sampler, pruner=pruner)
        self.warm_started = sum(self._tell_stored(advisor, knob_config, trial)
                                for trial in earlier)
        for trial in self.store.trials(self.experiment.id):
            self._tell_stored(advisor, knob_config, trial)
        self.advisor = advisor
        return advisor

    def _record_session(self) -> None:
        """This session's settings, as the experiment's latest (what the window pre-fills
        when the tuning is continued) and appended to its ``sessions``: each session of a
        tuning keeps the settings its trials ran with (from ``first_trial`` on), so
        continuing with another pruner does not rewrite how the earlier trials were run."""
        how = {"pinned": self.pinned_knobs, "seed": self.seed,
               "predict_check": self.predict_check, "sampler": self.sampler,
               "pruning": None if self.pruning is None else self.pruning.as_dict(),
               "warm_start": self.warm_start}
        stored = self.store.get_experiment(self.experiment.id).settings
        sessions = list(stored.get("sessions") or [])
        numbers = [trial.number for trial in self.store.trials(self.experiment.id)]
        if not sessions and numbers:  # tuned before sessions were recorded
            sessions.append({"first_trial": 1, **{key: stored.get(key) for key in how}})
        sessions.append({"first_trial": max(numbers, default=0) + 1, "started": time.time(),
                         **how})
        self.store.update_experiment_settings(self.experiment.id, sessions=sessions, **how)

    def _tell_stored(self, advisor: Advisor, knob_config: dict[str, BaseKnob],
                     trial: Trial) -> bool:
        """A stored trial to the advisor; with pruning, a completed trial's logged curve too,
        so the pruner compares new trials with it (a resumed tuning prunes as before)."""
        curve = None
        if self.pruning is not None and trial.status == TrialStatus.COMPLETED:
            follower = MetricFollower(self.pruning)
            columns = self.store.trial_metrics(trial.id)
            names = [name for name in columns if name != "time"]
            points = follower.feed([
                {"kind": ev.METRICS, "values": {name: columns[name][index] for name in names
                                                if columns[name][index] is not None}}
                for index in range(len(columns.get("time", [])))])
            curve = {step: follower.reported(value) for step, value in points}
            if curve:
                self._longest_completed = max(self._longest_completed or 0, follower.points)
        return _tell_stored(advisor, knob_config, trial, curve)

    def _warm_start_trials(self) -> list[Trial]:
        """The stored trials of the warm-start experiments (same task and model class)."""
        trials: list[Trial] = []
        for experiment_id in self.warm_start:
            if experiment_id == self.experiment.id:
                continue  # its own trials are told anyway (resume)
            try:
                earlier = self.store.get_experiment(experiment_id)
            except KeyError:
                raise TuningError(f"Warm start: no experiment {experiment_id}") from None
            if (earlier.task, earlier.model_class) != (self.experiment.task,
                                                       self.experiment.model_class):
                raise TuningError(
                    f"Warm start: experiment {experiment_id} tuned {earlier.model_class} "
                    f"({earlier.task}), not {self.experiment.model_class} "
                    f"({self.experiment.task})")
            trials += self.store.trials(experiment_id)
        return trials

    def run(self) -> TuningResult:
        """Tune until the budget is spent or :meth:`stop`; returns this tuning's trials."""
        advisor = self.advisor or self.prepare()  # before the clock: the budget is for trials
        started = time.monotonic()
        deadline = None if self.budget_minutes is None else started + self.budget_minutes * 60
        launched: list[int] = self._launched
        launch_failures = 0
        try:
            while True:
                while self._may_launch(len(launched) - len(self._retried_trials), deadline) \
                        and self._feedback_ready(len(launched) + 1):
                    try:
                        trial_id = self._launch(advisor)
                    except StoreError as exc:
                        self._store_failed(exc)
                        break
                    launched.append(trial_id)
                    if trial_id in self._running:
                        launch_failures = 0
                        continue
                    launch_failures += 1
                    if launch_failures >= MAX_LAUNCH_FAILURES_IN_A_ROW:
                        self._stopping.set()
                        raise TuningError(
                            f"{launch_failures} trials in a row could not be started; the last "
                            f"error: {self.store.trial(trial_id).error['message']}")
                if not self._running:
                    break
                self._collect_one(advisor, deadline)
        finally:
            if self._running:
                self.stop()
                while self._running:
                    self._collect_one(advisor, None)
            if self._owns_executor:
                self._executor.close()
            self._tell_due(len(launched))  # what ended last reaches the advisor too
        if self.store_error is not None:
            raise self.store_error
        if self._lost:
            raise TuningError(self._lost)
        trials = [self.store.trial(trial_id) for trial_id in launched]
        return TuningResult(
            experiment_id=self.experiment.id,
            trials=trials,
            best=self.store.best_trial(self.experiment.id),
            stopped=self.stopping,
            elapsed=time.monotonic() - started,
            compute=summarize_compute(trials),
        )

    def _feedback_ready(self, number: int) -> bool:
        """Whether the ``number``-th trial of this session may be proposed now: in order
        (with a seed), once trials 1..number-parallel are told, and no more of them."""
        if not self._in_order:
            return True
        needed = number - self.parallel
        self._tell_due(needed)
        return self._told >= needed

    def _tell_due(self, upto: int) -> None:
        """Tell the advisor the results of the first ``upto`` launched trials, in launch
        order, as far as they have ended."""
        with self._lock:
            while self._told < min(upto, len(self._launched)) and \
                    self._launched[self._told] in self._results:
                tell = self._results.pop(self._launched[self._told])
                if tell is not None:
                    tell()
                self._told += 1

    def _result_in(self, trial_id: int, tell: Callable[[], None] | None) -> None:
        """A trial ended: its result goes to the advisor now, or in launch order (seed)."""
        if not self._in_order:
            if tell is not None:
                with self._lock:
                    tell()
            return
        with self._lock:
            self._results[trial_id] = tell

    def _may_launch(self, launched: int, deadline: float | None) -> bool:
        if self.stopping or len(self._running) >= self.parallel:
            return False
        if self.budget_trials is not None and launched >= self.budget_trials \
                and not self._retries:
            return False
        return deadline is None or time.monotonic() < deadline

    def _launch(self, advisor: Advisor) -> int:
        """Start one trial; one that cannot start is recorded as errored and not fed back."""
        from .runner import RunSpec

        with self._lock:  # reports of running trials reach the same study from their threads
            retry = bool(self._retries)
            if retry:  # the knobs of a trial whose machine was lost, asked again
                advisor.study.enqueue_trial(self._retries.pop(0))
            proposal = advisor.ask()
        knobs = proposal.knobs
        trial = self.store.start_trial(self.experiment.id, knobs)
        if retry:
            self._retried_trials.add(trial.id)
        experiment = self.experiment
        spec = RunSpec(
            model_file_path=experiment.model_file_path, model_class=experiment.model_class,
            task=experiment.task, train_dataset_uri=experiment.train_dataset_uri,
            test_dataset_uri=experiment.test_dataset_uri, knobs=knobs,
            dependencies=dict(experiment.dependencies),
            seed=None if self.seed is None else self.seed + trial.number,
            params_path=self.store.params_path_for(trial.id), app_mode=experiment.app_mode,
            python=experiment.python, timeout=self.trial_timeout,
            memory_limit_mb=self.memory_limit_mb,
            cpu_threads=self.cpu_threads,
            **self._stages(),
        )
        self._emit(TuningEvent("trial_started", trial.id, trial=trial))
        with self._lock:
            if self.stopping:
                return self._fail_to_start(trial, knobs, None)
            self._proposals[trial.id] = proposal
            if self.pruning is not None:
                self._followers[trial.id] = MetricFollower(self.pruning)
            try:
                handle = self._executor.submit(spec, self._recorder(trial.id))
            except Exception as exc:
                return self._fail_to_start(trial, knobs, exc)
            self._running[trial.id] = (handle, proposal)
            if trial.id in self._prune_at:  # pruned before submit returned
                threading.Thread(target=handle.stop, daemon=True).start()
        threading.Thread(target=self._wait_for, args=(trial.id, handle), daemon=True,
                         name=f"rafiki-trial-{trial.id}").start()
        return trial.id

    def _stages(self) -> dict[str, Any]:
        """Where a trial's lifecycle ends, and the test samples of its predict check."""
        if self.predict_check == 0:
            return {"last_stage": TRAIN_WORKER_LAST_STAGE.value}
        return {"last_stage": None, "queries": None, "queries_from_test": self.predict_check}

    def _fail_to_start(self, trial: Trial, knobs: dict, exc: BaseException | None) -> int:
        if exc is None:
            ended = _Ended("STOPPED", None)
        else:
            ended = _Ended("ERRORED", ev.error_info(exc, None))
        finished = self.store.finish_trial(trial.id, ended)
        self._result_in(trial.id, None)  # never started: nothing to tell
        self._emit(TuningEvent("trial_finished", trial.id, trial=finished))
        return trial.id

    def _recorder(self, trial_id: int) -> Callable[[list[dict]], None]:
        def record(batch: list[dict]) -> None:
            # judged first: a trial the pruner rejects is stopped without waiting for the
            # store's write and the live views (its epochs go on meanwhile)
            try:
                if trial_id in self._followers:
                    self._judge(trial_id, batch)
            finally:
                try:
                    self.store.record_events(trial_id, batch)
                except StoreError as exc:
                    self._store_failed(exc)
                self._emit(TuningEvent("trial_events", trial_id, events=batch))

        return record

    def _judge(self, trial_id: int, batch: list[dict]) -> None:
        """Report the batch's points of the pruning metric; stop the trial if pruned."""
        follower = self._followers[trial_id]
        points = follower.feed(batch)
        if not points or trial_id in self._prune_at:
            return
        with self._lock:
            proposal = self._proposals[trial_id]
            # the last step is reported, never judged: its training is done, so stopping it
            # would save only evaluate and dump while throwing its score away
            last_step = final_step(follower.settings, proposal.knobs)
            for step, value in points:
                if proposal.report(step, follower.reported(value),
                                   judge=last_step is None or step < last_step):
                    break
            else:
                return
            self._prune_at[trial_id] = {
                "metric": follower.settings.metric, "step_name": follower.settings.step,
                "step": step, "value": value, "points": follower.points,
                "higher_is_better": follower.settings.higher_is_better}
            running = self._running.get(trial_id)
        if running is not None:  # never block the executor's events thread on the stop
            threading.Thread(target=running[0].stop, daemon=True,
                             name=f"rafiki-prune-{trial_id}").start()

    def _store_failed(self, exc: StoreError) -> None:
        """The store cannot keep what trials do (a full disk, say): end the tuning, whose
        trials would otherwise run unrecorded, and report it as the store's failure, not the
        model's. Called from a reader thread, which must go on draining its pipe, so the
        stopping happens on a thread of its own."""
        with self._lock:
            first = self.store_error is None
            if first:
                self.store_error = exc
        if first:
            threading.Thread(target=self.stop, daemon=True, name="rafiki-store-failed").start()

    def _wait_for(self, trial_id: int, handle: TrialHandle) -> None:
        try:
            self._finished.put((trial_id, handle.wait(), None))
        except BaseException as exc:  # the executor failed us: the trial still has to end
            self._finished.put((trial_id, None, exc))

    def _collect_one(self, advisor: Advisor, deadline: float | None) -> None:
        """Wait for one trial to end (stopping all at the deadline), record it, feed it back."""
        while True:
            wait = None if deadline is None else max(0.05, deadline - time.monotonic())
            try:
                trial_id, outcome, failure = self._finished.get(timeout=wait)
                break
            except queue.Empty:  # only with a deadline, which has now come
                if not self.stopping:
                    self.stop()
                deadline = None
        with self._lock:
            _, proposal = self._running.pop(trial_id)
            self._proposals.pop(trial_id, None)
            follower = self._followers.pop(trial_id, None)
            pruned = self._prune_at.pop(trial_id, None)
        if isinstance(failure, ExecutorLostError):  # no trial can run there any more
            self._lost = self._lost or str(failure)
            self._stopping.set()
            outcome = _Ended("INTERRUPTED", {"stage": None, "type": type(failure).__name__,
                                             "message": str(failure), "traceback": ""})
        elif outcome is None:
            outcome = _Ended("ERRORED", ev.error_info(failure, None))
        if pruned is not None and follower is not None:
            full = full_length_of(follower.settings, proposal.knobs, self._longest_completed)
            pruned = {**pruned, "full_length": full,
                      "seconds_saved": round(seconds_saved(follower, full), 3)}
        try:
            trial = self.store.finish_trial(trial_id, outcome, pruned=pruned)
        except StoreError as exc:  # the trial is marked interrupted when the store next opens
            self._result_in(trial_id, None)
            self._store_failed(exc)
            return
        tell: Callable[[], None] | None = None
        if trial.status == TrialStatus.PRUNED:
            def tell() -> None:
                advisor.tell_pruned(proposal)
        elif trial.status in (TrialStatus.COMPLETED, TrialStatus.ERRORED):
            score = trial_score(trial)

            def tell() -> None:
                advisor.tell(proposal, score)
        self._result_in(trial_id, tell)
        with self._lock:
            if (trial.status == TrialStatus.INTERRUPTED and self.retry_interrupted
                    and trial_id not in self._retried_trials and not self.stopping):
                self._retries.append(proposal.knobs)
            if trial.status == TrialStatus.COMPLETED and follower is not None:
                self._longest_completed = max(self._longest_completed or 0, follower.points)
        self._emit(TuningEvent("trial_finished", trial_id, trial=trial))
        if trial.status == TrialStatus.COMPLETED and follower is not None \
                and not follower.points:
            self._say_pruning_metric_unlogged(trial)

    def _say_pruning_metric_unlogged(self, trial: Trial) -> None:
        """Once per tuning: a completed trial never logged the pruning metric (with its
        step), so no trial can be pruned; say so, naming what it did log, rather than
        pruning on nothing in silence."""
        if self._pruning_notice_said or self.pruning is None:
            return
        self._pruning_notice_said = True
        settings = self.pruning
        try:
            logged = sorted(name for name in self.store.trial_metrics(trial.id) if name != "time")
        except StoreError:
            logged = []
        if settings.metric in logged and settings.step != POINT_INDEX:
            cause = f"logged {settings.metric} but never with its step {settings.step}"
        else:
            cause = "never logged it"
        what = f"it logged: {', '.join(logged)}" if logged else "it logged no metric"
        message = (f"pruning on {settings.metric}: trial {trial.number} {cause}; no trial can "
                   f"be pruned ({what})")
        try:
            notices = list(self.store.get_experiment(self.experiment.id).settings
                           .get("notices") or [])
            if message not in notices:
                self.store.update_experiment_settings(self.experiment.id,
                                                      notices=[*notices, message])
        except StoreError:  # the line is still shown; the store's failure is said elsewhere
            pass
        self._emit(TuningEvent("notice", trial.id, message=message))

    def _emit(self, event: TuningEvent) -> None:
        if self._on_trial_event is not None:
            self._on_trial_event(event)


def _tell_stored(advisor: Advisor, knob_config: dict[str, BaseKnob], trial: Trial,
                 curve: dict[int, float] | None) -> bool:
    """Tell the advisor a stored trial that ended with a verdict (completed, errored or
    pruned) and whose knobs fit this config, with its ``curve`` of the pruning metric;
    returns whether it was told."""
    if trial.knobs is None or knob_problems(knob_config, trial.knobs):
        return False  # tried with other pinned values or an older knob config
    if trial.status in (TrialStatus.COMPLETED, TrialStatus.ERRORED):
        advisor.feedback(trial.knobs, trial_score(trial), intermediate_values=curve)
        return True
    pruned = trial.pruned or {}
    if trial.status == TrialStatus.PRUNED and pruned.get("step") is not None \
            and pruned.get("value") is not None:
        higher_is_better = pruned.get("higher_is_better", True)
        value = float(pruned["value"]) if higher_is_better else -float(pruned["value"])
        advisor.add_pruned(trial.knobs, int(pruned["step"]), value)
        return True
    return False


@dataclass
class _Ended:
    """The outcome of a trial that never reached a process (what ``finish_trial`` reads)."""

    state: str
    error: dict | None
    result: dict | None = None
    exit_code: int | None = None
    signal: str | None = None
    crash_report: str | None = None
