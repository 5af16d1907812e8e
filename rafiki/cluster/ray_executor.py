"""Trials as Ray tasks: each runs the isolated runner child on the node the scheduler chose.

Per trial the head (this process) ships the model's folder and the dataset zips by digest
(:mod:`rafiki.cluster.shipping`: bytes put in Ray's object store once per tuning, fetched by a
node only when its cache lacks them), and the Ray driver child (:mod:`rafiki.cluster.driver`;
this process never calls Ray, so Ray cannot end it) starts a streaming-generator task
(:func:`rafiki.cluster.node_trial.run_trial_on_node`) and forwards its items, which a thread
of this process reads: the node's name (recorded as a ``node`` event), event batches in order,
then the outcome and the parameters file, written to ``spec.params_path`` before ``wait``
returns.

Faults: Stop cancels the task (the node stops the child's process group) and the trial ends as
*stopped* within ``stop_grace`` seconds whatever the node does; a task lost with its node ends
as *interrupted*, naming the node; a cluster that stops answering, or a driver that Ray ended,
raises :class:`ClusterLostError` from ``wait``, which ends the tuning (finished trials are
already stored).
"""

from __future__ import annotations

import itertools
import os
import queue
import threading
import time
from pathlib import Path
from typing import Any

from ..executors import EventsCallback, ExecutorLostError, TrialExecutor, TrialHandle
from ..paths import local_path_of
from ..runner.run import RunnerState, RunOutcome, RunSpec
from ..store import file_sha256
from .connection import connect, describe_cluster, driver
from .driver_process import DriverError, DriverGone
from .shipping import ShippedFile, bundle_key, model_bundle

_SPEC_FIELDS_NOT_SHIPPED = ("python",)  # chosen per node (the executor's ``python``)
STOP_GRACE_SECONDS = 2.0
# Ray starts its workers 15 nice levels below its raylet (``RAY_worker_niceness``), and the
# trial's child inherits it: at nice 15 a trial gets ~3 % of a core against any busy process
# at nice 0 (the head's store writes, a window, another user's job), so on a shared machine a
# trial lost 0.6-0.7 s of ~1.2 s, and even its exit was seen up to 1.4 s late (see
# bench/README.md). The trial's workers run at the raylet's own priority instead, as a local
# trial runs at the workbench's. Workers with this environment are a pool of their own: each
# node starts them with its first trial of a session (~2 s, once) and reuses them.
_TRIAL_RUNTIME_ENV = {"env_vars": {"RAY_worker_niceness": "0"}}
_trial_keys = itertools.count(1)


class ClusterLostError(ExecutorLostError):
    """The Ray cluster stopped answering: no trial can start or finish there."""


class RayExecutor(TrialExecutor):
    """Runs each trial as a Ray task on a cluster (see the module docstring).

    ``trial_cpus`` and ``trial_memory_mb`` go to Ray's scheduler (a trial waits for a node
    with that much free) and to the child: its numeric libraries' thread caps and its memory
    limit. ``python``: the interpreter on the nodes (None: the Python Ray runs there).
    ``node_ip_address``: the driver's address for Ray (Ray 2.60 replaces 127.0.0.1 with the
    machine's own address unless it finds no other: see tests/cluster/ray_cluster.py)."""

    def __init__(self, address: str = "auto", *, trial_cpus: float = 1.0,
                 trial_memory_mb: int | None = None, python: str | None = None,
                 node_ip_address: str | None = None, resources: dict[str, float] | None = None,
                 stop_grace: float = STOP_GRACE_SECONDS):
        if trial_cpus <= 0:
            raise ValueError(f"CPUs per trial must be positive, not {trial_cpus}")
        if trial_memory_mb is not None and trial_memory_mb < 1:
            raise ValueError(f"memory per trial must be at least 1 MB, not {trial_memory_mb}")
        self.address = address
        connect(address, node_ip_address)
        self.trial_cpus = trial_cpus
        self.trial_memory_mb = trial_memory_mb
        self.python = python
        self.stop_grace = stop_grace
        options: dict[str, Any] = {"num_cpus": trial_cpus, "max_retries": 0,
                                   "num_returns": "streaming",
                                   "runtime_env": _TRIAL_RUNTIME_ENV}
        if trial_memory_mb:
            options["memory"] = trial_memory_mb * 1024 * 1024
        if resources:
            options["resources"] = dict(resources)
        self._options = options
        self._blobs_lock = threading.Lock()
        self._lost: str | None = None
        self._node_names: dict[str, str] = {}

    def capacity(self) -> int:
        """Trials of this size the cluster holds at once: the tuning's default "at once"."""
        return describe_cluster().capacity(self.trial_cpus, self.trial_memory_mb)

    def describe(self) -> str:
        return describe_cluster().summary()

    def node_name(self, node_id: str | None, fallback: str) -> str:
        """``host (address, node 1a2b3c4d)`` for a node id; nodes join, so asked on a miss."""
        with self._blobs_lock:
            known = self._node_names.get(node_id or "")
        if known is None and node_id:
            try:
                names = {node.node_id: node.name for node in describe_cluster().nodes}
            except Exception:  # asked again on the next miss
                names = {}
            with self._blobs_lock:
                self._node_names.update(names)
                known = self._node_names.get(node_id)
        return known or fallback

    def submit(self, spec: RunSpec, on_events: EventsCallback) -> TrialHandle:
        if self._lost:
            raise ClusterLostError(self._lost)
        model_files, bundle, relative, datasets, paths = self._shipment(spec)
        fields = {name: value for name, value in spec.__dict__.items()
                  if name not in _SPEC_FIELDS_NOT_SHIPPED}
        fields["python"] = self.python
        fields["cpu_threads"] = max(1, int(self.trial_cpus))
        if self.trial_memory_mb and not spec.memory_limit_mb:
            fields["memory_limit_mb"] = self.trial_memory_mb
        handle = _RayTrial(self, spec, f"trial-{next(_trial_keys)}", on_events)
        handle.start()
        try:
            driver().call("submit", handle.key, self._options, fields, model_files, bundle,
                          relative, datasets, paths)
        except (DriverGone, DriverError) as exc:  # the driver is gone, or Ray refused
            handle.abandon(str(exc))
            raise ClusterLostError(self._cluster_lost(str(exc))) from exc
        return handle

    def close(self) -> None:
        try:
            driver().tell("forget_blobs")  # the object store frees the shipped bytes
        except Exception:  # disconnected already: nothing is kept
            pass

    # -- shipping ----------------------------------------------------------------------------

    def _shipment(self, spec: RunSpec):
        datasets: dict[str, ShippedFile | None] = {}
        dataset_paths: set[Path] = set()
        local: list[tuple[Path, ShippedFile]] = []
        for field_name in ("train_dataset_uri", "test_dataset_uri"):
            path = local_path_of(getattr(spec, field_name))
            if path is None:  # http(s) and the like: the node downloads it as a local run would
                datasets[field_name] = None
                continue
            path = path.resolve()
            shipped = ShippedFile(path.name, file_sha256(path), path.stat().st_size)
            datasets[field_name] = shipped
            dataset_paths.add(path)
            local.append((path, shipped))
        model_files = []
        for path, relative in model_bundle(spec.model_file_path, leave_out=dataset_paths):
            shipped = ShippedFile(relative, file_sha256(path), path.stat().st_size)
            model_files.append(shipped)
            local.append((path, shipped))
        paths = {shipped.sha256: str(path) for path, shipped in local}  # the driver puts them
        relative = Path(spec.model_file_path).resolve().name
        return model_files, bundle_key(model_files), relative, datasets, paths

    def _cluster_lost(self, cause: str) -> str:
        self._lost = self._lost or (
            f"lost the connection to the Ray cluster at {self.address} ({cause}); "
            "the tuning ended, every finished trial is kept")
        return self._lost


class _RayTrial(TrialHandle):
    """One trial's task, as the driver forwards it, and the thread that reads its items."""

    def __init__(self, executor: RayExecutor, spec: RunSpec, key: str, on_events):
        self._executor = executor
        self._spec = spec
        self.key = key
        self._on_events = on_events
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()
        self._started = time.monotonic()
        self._deliver = threading.Lock()
        self._done = threading.Event()
        self._outcome: RunOutcome | None = None
        self._failure: BaseException | None = None
        self._stopped = False
        self._stage: str | None = None
        self.node: str | None = None

    def start(self) -> None:
        """Route the driver's messages for this trial here, read on a thread of its own
        (handling one may ask the driver for node names: never on the driver's reader)."""
        driver().open_trial(self.key, self._inbox.put)
        threading.Thread(target=self._read, daemon=True, name="rafiki-ray-trial").start()

    # -- TrialHandle -------------------------------------------------------------------------

    def stop(self) -> None:
        """Cancel the task (the node stops the child's group); ends as stopped within
        ``stop_grace`` even when the node does not answer."""
        self._stopped = True
        self._cancel(force=False)  # already finished, or the cluster is gone: it ends
        if not self._done.wait(self._executor.stop_grace * 0.75):
            self._finish(self._ending(RunnerState.STOPPED, "Stopped", "the run was stopped"))
            self._cancel(force=True)  # the worker and the child with it

    def abandon(self, why: str) -> None:
        """The task was never started: end the reader."""
        self._inbox.put(("end", self.key, "cluster_lost", why))

    def _cancel(self, force: bool) -> None:
        try:
            driver().tell("cancel", self.key, force)
        except Exception:
            pass

    def wait(self) -> RunOutcome:
        self._done.wait()
        if self._failure is not None:
            raise self._failure
        assert self._outcome is not None
        return self._outcome

    # -- the reader --------------------------------------------------------------------------

    def _read(self) -> None:
        while True:
            message = self._inbox.get()
            if self._done.is_set():
                return  # stopped on the head already: later items are not this trial's
            if message[0] == "item":
                item = message[2]
                if "node" in item:
                    self.node = self._executor.node_name(item.get("node_id"), item["node"])
                    self._events([{"kind": "node", "time": time.time(), "node": self.node}])
                elif "events" in item:
                    self._events(item["events"])
                elif "outcome" in item:
                    self._finish(self._landed(item))
                    return
                continue
            self._ended(message[2], message[3])
            return

    def _ended(self, kind: str, detail: str) -> None:
        """The task ended without an outcome: why, as the driver saw it."""
        if kind == "exhausted":
            self._finish(self._ending(RunnerState.CRASHED, "ProtocolError",
                                      "the cluster task ended without an outcome"))
        elif kind == "cancelled" or self._stopped:
            self._finish(self._ending(RunnerState.STOPPED, "Stopped", "the run was stopped"))
        elif kind == "task_error":  # the node's side of the workbench failed
            self._finish(self._ending(RunnerState.ERRORED, "ClusterTaskError",
                                      f"the trial's task failed on node {self.node or '?'}: "
                                      f"{detail}"))
        elif kind == "node_lost":
            where = f"the node {self.node}" if self.node else "its node"
            self._finish(self._ending(
                RunnerState.INTERRUPTED, "NodeLost",
                f"{where} running this trial was lost ({detail.split(':')[0]}); "
                "the tuning goes on"))
        else:  # cluster_lost, driver_gone: no trial can start or finish there
            self._fail(ClusterLostError(self._executor._cluster_lost(detail)))

    def _events(self, batch: list[dict]) -> None:
        for index, event in enumerate(batch):
            if event.get("kind") == "stage" and event.get("state") == "started":
                self._stage = event.get("stage")
            elif event.get("kind") == "result" and event.get("error"):
                batch[index] = {**event, "error": self._on_node(event["error"])}
        with self._deliver:
            if not self._done.is_set():
                self._on_events(batch)

    def _landed(self, item: dict) -> RunOutcome:
        """The node's outcome, its parameters file written at ``spec.params_path`` first."""
        fields = dict(item["outcome"])
        params = item.get("params")
        if params is not None and self._spec.params_path:
            target = Path(self._spec.params_path)
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.part")
            partial.write_bytes(params)
            os.replace(partial, target)
        result = fields.get("result")
        if result and result.get("params_path") and self._spec.params_path:
            fields["result"] = {**result, "params_path": self._spec.params_path}
        if fields.get("error"):
            fields["error"] = self._on_node(fields["error"])
        state = RunnerState(fields.pop("state"))
        if self._stopped and state is not RunnerState.COMPLETED:
            state = RunnerState.STOPPED
        return RunOutcome(state=state, **fields)

    def _on_node(self, error: dict) -> dict:
        """The error with its node named: a package missing on one node only says so."""
        message = str(error.get("message") or "")
        if not self.node or message.startswith("on node "):
            return error
        return {**error, "message": f"on node {self.node}: {message}"}

    def _ending(self, state: RunnerState, error_type: str, message: str) -> RunOutcome:
        where = f" during stage '{self._stage}'" if self._stage else ""
        error = {"stage": self._stage, "type": error_type, "message": f"{message}{where}",
                 "traceback": ""}
        return RunOutcome(state=state, result=None, error=error, exit_code=None, signal=None,
                          crash_report=None, last_output=[],
                          duration=time.monotonic() - self._started)

    def _finish(self, outcome: RunOutcome) -> None:
        with self._deliver:
            if self._done.is_set():
                return
            self._outcome = outcome
            self._done.set()

    def _fail(self, failure: BaseException) -> None:
        with self._deliver:
            if self._done.is_set():
                return
            self._failure = failure
            self._done.set()
