"""One isolated run of the lifecycle: what to run (RunSpec), how it ended (RunOutcome), Run.

The child process is the isolation boundary: a model that hangs, crashes the interpreter,
calls ``os._exit``, floods its output, runs out of its memory limit or forges events ends as
an outcome with a state, never as a problem of the caller. Events reach ``on_events`` on a
reader thread, in order, before ``wait`` returns.
"""

from __future__ import annotations

import collections
import dataclasses
import enum
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ..query_sample import DEFAULT_QUERY_COUNT
from .process import ChildProcess, EventsCallback


class RunnerState(enum.Enum):
    """Where a run is: an explicit state, as Spyder does for its kernels."""

    STARTING = "starting"
    RUNNING = "running"
    COMPLETED = "completed"
    ERRORED = "errored"
    STOPPED = "stopped"
    CRASHED = "crashed"
    TIMED_OUT = "timed_out"
    INTERRUPTED = "interrupted"  # the machine running it was lost (a cluster node)
    OUT_OF_MEMORY = "out_of_memory"  # went over its memory limit: not a crash of the model

    @property
    def is_final(self) -> bool:
        return self not in (RunnerState.STARTING, RunnerState.RUNNING)


@dataclass
class RunSpec:
    """Everything a child needs for one lifecycle: plain paths and values, no objects."""

    model_file_path: str
    model_class: str
    task: str
    train_dataset_uri: str
    test_dataset_uri: str
    knobs: dict | None = None
    queries: list | None = None  # None or empty: the first queries_from_test test samples
    queries_from_test: int = DEFAULT_QUERY_COUNT
    dependencies: dict = field(default_factory=dict)
    seed: int | None = None
    params_path: str | None = None
    last_stage: str | None = None  # a Stage value to end after (see LifecycleRequest)
    app_mode: str = "DEV"
    python: str | None = None
    timeout: float | None = None
    memory_limit_mb: int | None = None  # None: the default share of physical memory; 0: none
    cpu_threads: int | None = None  # cap on numeric libraries' threads (several runs at once)


@dataclass
class RunOutcome:
    """How a run ended. ``error`` has stage, type, message and traceback when it failed."""

    state: RunnerState
    result: dict | None
    error: dict | None
    exit_code: int | None
    signal: str | None
    crash_report: str | None
    last_output: list[str]
    duration: float


INSPECTION_TIMEOUT = 60.0  # seconds to load the model file and read its knob config

_REQUEST_FIELDS = ("model_file_path", "model_class", "task", "train_dataset_uri",
                   "test_dataset_uri", "dependencies", "queries", "queries_from_test", "knobs",
                   "seed", "params_path", "last_stage")


class Run:
    """The lifecycle of ``spec`` in a child process, reported through ``on_events``."""

    def __init__(self, spec: RunSpec, on_events: EventsCallback | None = None):
        self.spec = spec
        self._on_events = on_events
        self._state = RunnerState.STARTING
        self._child: ChildProcess | None = None
        self._inspection: ChildProcess | None = None  # reading the knob config, before the run
        self._done = threading.Event()
        self._outcome: RunOutcome | None = None
        self._stop_requested = False
        self._timed_out = False
        self._started = 0.0
        self._current_stage: str | None = None
        self._failed_error: dict | None = None
        self._result: dict | None = None
        self._messages: collections.deque[str] = collections.deque(maxlen=10)

    @property
    def state(self) -> RunnerState:
        return self._state

    @property
    def pid(self) -> int | None:
        return self._child.pid if self._child else None

    def start(self) -> None:
        """When the model runs in another Python: check that interpreter, and choose knobs here
        when none are given. Then start the child."""
        self._started = time.monotonic()
        extra_env = {"RAFIKI_APP_MODE": self.spec.app_mode}
        if self.spec.cpu_threads:
            extra_env.update(thread_caps(self.spec.cpu_threads))
        request = {name: getattr(self.spec, name) for name in _REQUEST_FIELDS}
        from .child_command import sdk_source_root, uses_own_interpreter

        if not uses_own_interpreter(self.spec.python):
            from .interpreter import check_interpreter

            report = check_interpreter(self.spec.python, self.spec.dependencies,
                                       check_pins=False)  # asked of pip only when refused
            if not report.ok:
                report.check_pins()
                self._finish_without_child("check_interpreter", "InterpreterError",
                                           report.describe())
                return
            if report.needs_source_path:
                extra_env["PYTHONPATH"] = sdk_source_root()
            # The workbench's own interpreter has the advisor and runs it in the child's
            # Choose knobs stage (same Advisor, same seed, same knobs); choosing here as well
            # would import the model file twice (2.2 s more for a scikit-learn model).
            if request["knobs"] is None:
                advised = self._advised_knobs(extra_env)
                if advised is not None:
                    request.update(knobs=advised, knobs_source="advisor")
        if self._stop_requested:
            self._finish_without_child("choose_knobs", "Stopped", "the run was stopped",
                                       RunnerState.STOPPED)
            return
        job = {
            "kind": "run", "app_mode": self.spec.app_mode,
            "memory_limit_mb": self.spec.memory_limit_mb, "request": request,
        }
        self._child = ChildProcess(job, self.spec.python, self._receive, extra_env=extra_env,
                                   memory_limit_mb=self.spec.memory_limit_mb)
        try:
            self._child.start()
        except OSError as exc:
            self._finish_without_child("start", type(exc).__name__,
                                       f"cannot start {self.spec.python or 'the runner'}: {exc}")
            return
        self._state = RunnerState.RUNNING
        threading.Thread(target=self._watch, daemon=True, name="rafiki-run-watch").start()

    def _advised_knobs(self, extra_env: dict[str, str]) -> dict | None:
        """Knobs the advisor proposes for the class's knob config, chosen in this process.

        The advisor (Optuna) is the workbench's dependency, not the model's: the interpreter
        that runs the model only reports the knob config, so it needs numpy and Pillow and the
        model's own packages, nothing more. When the file or its config cannot be read here,
        None: the child then meets the same problem in its own stage and reports it there.
        """
        from ..advisor import Advisor
        from ..model.knob import deserialize_knob_config
        from .inspect_job import inspect_model_file

        spec = self.spec
        timeout = INSPECTION_TIMEOUT if spec.timeout is None else min(INSPECTION_TIMEOUT,
                                                                      spec.timeout)
        inspection = inspect_model_file(
            spec.model_file_path, spec.app_mode, spec.python, timeout=timeout,
            extra_env=extra_env, on_started=self._inspecting,
            memory_limit_mb=spec.memory_limit_mb)
        self._inspection = None
        serialized = inspection.classes.get(spec.model_class)
        if inspection.error is not None or serialized is None or self._stop_requested:
            return None
        try:
            return Advisor(deserialize_knob_config(serialized), seed=spec.seed).propose()
        except Exception:  # a config the advisor cannot take: the child's stage says why
            return None

    def _inspecting(self, child: ChildProcess) -> None:
        self._inspection = child
        if self._stop_requested:
            child.stop()

    def stop(self, grace: float = 2.0) -> None:
        """Stop the run (interrupt, terminate, kill its group); it ends as STOPPED."""
        self._stop_requested = True
        inspection = self._inspection
        if inspection is not None:
            inspection.stop(grace)
        if self._child is not None and not self._done.is_set():
            self._child.stop(grace)

    def wait(self, timeout: float | None = None) -> RunOutcome:
        """The outcome, once the child has exited and every event has been delivered."""
        if not self._done.wait(timeout):
            raise TimeoutError(f"the run did not end within {timeout} s")
        assert self._outcome is not None
        return self._outcome

    # -- inside ---------------------------------------------------------------------------

    def _receive(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            kind = event.get("kind")
            if kind == "stage":
                if event.get("state") == "started":
                    self._current_stage = event.get("stage")
                elif event.get("state") == "failed":
                    self._failed_error = event.get("error")
            elif kind == "message":
                self._messages.append(str(event.get("msg")))
            elif kind == "result":
                self._result = event
        if self._on_events is not None:
            self._on_events(events)

    def _watch(self) -> None:
        assert self._child is not None
        try:
            code = self._child.wait(self.spec.timeout)
        except subprocess.TimeoutExpired:
            self._timed_out = True
            self._child.stop()
            code = self._child.wait()
        self._outcome = self._outcome_of(code)
        self._child.cleanup()
        self._state = self._outcome.state
        self._done.set()

    def _outcome_of(self, code: int) -> RunOutcome:
        assert self._child is not None
        signal_name = None
        if code < 0:
            try:
                signal_name = signal.Signals(-code).name
            except ValueError:
                signal_name = f"signal {-code}"
        result = self._result
        status = (result or {}).get("status")
        error = (result or {}).get("error") or self._failed_error
        crash_report = None
        if status == "completed":
            state = RunnerState.COMPLETED
        elif self._timed_out:
            state = RunnerState.TIMED_OUT
            error = self._error("Timeout", f"the run exceeded its time limit of "
                                           f"{self.spec.timeout:g} s")
        elif self._stop_requested or status == "stopped":
            state = RunnerState.STOPPED
            error = self._error("Stopped", "the run was stopped")
        elif self._child.channel_overflow:
            state = RunnerState.ERRORED
            error = self._error("ProtocolError", self._child.channel_overflow)
        elif self._out_of_memory(code, error):
            state = RunnerState.OUT_OF_MEMORY
            stage = (error or {}).get("stage") or self._current_stage
            error = {"stage": stage, "type": "OutOfMemory", "limit_mb": self._child.memory_limit_mb,
                     "message": f"out of memory during stage '{stage}' (limit "
                                f"{self._child.memory_limit_mb} MB)",
                     "traceback": (error or {}).get("traceback") or self._child.crash_report()
                     or ""}
        elif status == "errored":
            state = RunnerState.ERRORED
        else:
            state = RunnerState.CRASHED
            crash_report = self._child.crash_report()
            how = f"was killed by {signal_name}" if signal_name else f"exited with code {code}"
            error = self._error("Crash", f"the model process {how}", crash_report)
        if self._child.protocol_error_count and state in (RunnerState.COMPLETED,
                                                         RunnerState.ERRORED):
            # forged or broken events: the run's own word cannot be trusted, whatever it says
            count = self._child.protocol_error_count
            state = RunnerState.ERRORED
            error = self._error(
                "ProtocolError", f"the model process sent {count} invalid event(s) on the "
                f"runner's channel, not used (first: {self._child.protocol_errors[0]})",
                stage=self._child.protocol_error_stage or (error or {}).get("stage"))
        if error is not None and not error.get("message"):  # MemoryError() says nothing
            error = {**error, "message": f"{error.get('type')} during stage "
                                        f"'{error.get('stage')}'"}
        return RunOutcome(
            state=state, result=result, error=error, exit_code=code, signal=signal_name,
            crash_report=crash_report, last_output=list(self._child.output_tail),
            duration=time.monotonic() - self._started,
        )

    def _out_of_memory(self, code: int, error: dict | None) -> bool:
        """Whether the run ended for its memory limit: a MemoryError (or ENOMEM) under a
        limit, a MemoryError that escaped the child, or the cgroup's OOM killer."""
        from .child import EXIT_OUT_OF_MEMORY

        if not self._child or not self._child.memory_limit_mb:
            return False
        if self._child.oom_killed or code == EXIT_OUT_OF_MEMORY:
            return True
        error = error or {}
        return error.get("type") == "MemoryError" or (
            "[Errno 12]" in str(error.get("message")) and "Cannot allocate memory"
            in str(error.get("message")))

    def _error(self, error_type: str, message: str, traceback_text: str | None = None,
               stage: str | None = None) -> dict:
        stage = stage or self._current_stage
        where = f" during stage '{stage}'" if stage else ""
        recent = list(self._messages)[-3:]
        details = f"; last messages: {' | '.join(recent)}" if recent and error_type == "Crash" \
            else ""
        return {"stage": stage, "type": error_type, "message": f"{message}{where}{details}",
                "traceback": traceback_text or ""}

    def _finish_without_child(self, stage: str, error_type: str, message: str,
                              state: RunnerState = RunnerState.ERRORED) -> None:
        error = {"stage": stage, "type": error_type, "message": message, "traceback": ""}
        if self._on_events is not None:
            self._on_events([{"kind": "result", "time": time.time(), "status": state.value,
                              "error": error}])
        self._outcome = RunOutcome(
            state=state, result=None, error=error, exit_code=None, signal=None,
            crash_report=None, last_output=[], duration=time.monotonic() - self._started)
        self._state = state
        self._done.set()


THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def thread_caps(threads: int) -> dict[str, str]:
    """Environment that caps BLAS/OpenMP pools: K runs each spawning a pool per core would
    oversubscribe the machine (two parallel trials ran 2.3x slower than one after another)."""
    return {name: str(max(1, threads)) for name in THREAD_VARIABLES}


def spec_with(spec: RunSpec, **changes: Any) -> RunSpec:
    """A copy of ``spec`` with some fields changed (specs are passed, never mutated)."""
    return dataclasses.replace(spec, **changes)
