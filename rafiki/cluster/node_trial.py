"""One trial on a cluster node: materialise the shipped files, run the runner child, report.

This runs inside a Ray worker on whichever node the scheduler chose, as a generator whose
items stream back to the head in order: first where it runs (``node``), then event batches
as the child reports them (batches queued while the head was busy go out as one), last the
outcome with the parameters file's bytes. The child is the same :class:`rafiki.runner.Run` a
local trial has, so isolation, time and memory limits and the event protocol are the local
ones. When the head cancels the task, the ``finally`` stops the child's whole process group;
when the node itself dies, the child sees its parent gone and ends itself.
"""

from __future__ import annotations

import dataclasses
import os
import queue
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .shipping import ShippedFile, materialize, node_cache_root

# The generator wakes at least this often, even with nothing to send: Ray's cancel (an
# interrupt of this thread) lands only between waits. Batches and the run's end wake it at once.
_POLL_SECONDS = 0.05


def node_identity() -> tuple[str, str]:
    """This node's Ray id and a fallback name (the head names it by the id: its address as
    the cluster knows it, which a worker's own view of its addresses may not match)."""
    try:
        import ray

        node_id = ray.get_runtime_context().get_node_id()
    except Exception:
        node_id = ""
    return node_id, f"{socket.gethostname()} (node {node_id[:8] or '?'})"


def run_trial_on_node(spec_fields: dict[str, Any], model_files: list[ShippedFile],
                      model_bundle: str, model_relative: str,
                      datasets: dict[str, ShippedFile | None],
                      fetch: Callable[[str], bytes]) -> Iterator[dict[str, Any]]:
    """The trial's items for the head (see the module docstring)."""
    from ..runner import Run, RunSpec

    node_id, node = node_identity()
    yield {"node": node, "node_id": node_id}
    root = node_cache_root()
    started = time.monotonic()
    folder, fetched = materialize(root, model_bundle, model_files, fetch)
    changes: dict[str, Any] = {"model_file_path": str(folder / model_relative)}
    for field_name, shipped in datasets.items():
        if shipped is not None:
            dataset_folder, size = materialize(root, f"data-{shipped.sha256}", [shipped], fetch)
            fetched += size
            changes[field_name] = str(dataset_folder / shipped.relative_path)
    head_params_path = spec_fields.get("params_path")
    scratch = Path(tempfile.mkdtemp(prefix="rafiki-node-trial-"))
    if head_params_path:
        changes["params_path"] = str(scratch / "params.pkl")
    spec = RunSpec(**{**spec_fields, **changes})
    yield {"events": [{"kind": "message", "time": time.time(),
                       "msg": f"on node {node}: files ready in {time.monotonic() - started:.1f} s"
                              f" ({fetched} bytes fetched, the rest from the node's cache)"}]}
    batches: queue.Queue[list[dict] | None] = queue.Queue()
    run = Run(spec, on_events=batches.put)
    finished = False
    try:
        run.start()
        _announce_end(run, batches)
        ended = False
        while not ended:
            try:
                batch = batches.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                continue
            if batch is None:
                break
            while not batches.empty():  # coalesce what queued up while the head was busy
                more = batches.get_nowait()
                if more is None:
                    ended = True
                    break
                batch = batch + more
            yield {"events": _for_head(batch, spec.params_path, head_params_path)}
        outcome = run.wait()
        finished = True
        params = None
        if spec.params_path and os.path.exists(spec.params_path):
            params = Path(spec.params_path).read_bytes()
        fields = dataclasses.asdict(outcome)
        fields["state"] = outcome.state.value
        yield {"outcome": fields, "params": params}
    finally:
        if not finished:
            run.stop(grace=1.0)  # cancelled by the head: end the child's process group
        shutil.rmtree(scratch, ignore_errors=True)


def _announce_end(run, batches: queue.Queue) -> None:
    """Queue None once the run has ended, after its last batch (``Run.wait`` returns only
    when every event was delivered): the generator sends the outcome at once, not on its next
    look at the queue."""

    def wait_then_announce() -> None:
        run.wait()
        batches.put(None)

    threading.Thread(target=wait_then_announce, daemon=True, name="rafiki-node-run-end").start()


def _for_head(batch: list[dict], node_params: str | None, head_params: str | None) -> list[dict]:
    """Events as the head must store them: with its parameters path, not the node's."""
    if not head_params:
        return batch
    return [{**event, "params_path": head_params}
            if event.get("params_path") == node_params else event for event in batch]
