"""The Ray driver: a child process of the window (or of ``rafiki tune --ray``) that alone talks
to the cluster.

Why a process of its own: Ray ends a driver's process when the raylet on its machine dies and
the driver next asks it anything (``Exiting because the Raylet IPC connection failed and the
local Raylet is dead``, exit code 1, no Python exception): a head that goes away mid-tuning
would close the window, its store and its trials table with it. Here Ray can end only this
process; the workbench sees its pipe close and ends the tuning as it does for a lost cluster,
every finished trial kept (:mod:`rafiki.cluster.driver_process` is the other end).

The protocol: requests ``(request_id, name, args)`` in, ``("reply", request_id, ok, value)``
out, each handled on a thread of its own (a slow ``put`` never holds up a cancel; ``connect``,
the first, on the main thread); a trial's items stream out as ``("item", key, item)`` and its
end as ``("end", key, kind, detail)``, kind one of ``exhausted``, ``cancelled``,
``task_error``, ``node_lost`` and ``cluster_lost``. The process ends when its parent's end of
the pipe closes.

Run as ``python -m rafiki.cluster.driver READ_FD WRITE_FD``.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

# A driver that lost the head waits this long before Ray ends it (Ray's default is 60 s): the
# workbench notices the loss itself (within seconds) and decides what ends.
RECONNECT_VARIABLE = "RAY_gcs_rpc_server_reconnect_timeout_s"
RECONNECT_SECONDS = str(7 * 24 * 3600)
SHUTDOWN_SECONDS = 5.0


def _trial_task(spec_fields, model_files, model_bundle_key, model_relative, datasets, blobs):
    """The remote body: ``blobs`` maps digests to object refs inside a dict, so Ray does not
    fetch them to the node up front; only the digests the node's cache lacks are fetched."""
    import ray

    from .node_trial import run_trial_on_node

    yield from run_trial_on_node(spec_fields, model_files, model_bundle_key, model_relative,
                                 datasets, lambda digest: ray.get(blobs[digest]))


class Driver:
    """This process's side of the pipe: requests in, replies and trial items out."""

    def __init__(self, requests: Connection, replies: Connection):
        import ray

        self._ray = ray
        self._requests = requests
        self._replies = replies
        self._send_lock = threading.Lock()
        self._connect_lock = threading.Lock()
        self._blobs: dict[str, Any] = {}
        self._blobs_lock = threading.Lock()
        self._trials: dict[str, Any] = {}  # key -> the task's streaming generator
        self._task = None  # the remote function, made once: Ray exports each one it is given

    def serve(self) -> None:
        while True:
            try:
                request_id, name, args = self._requests.recv()
            except (EOFError, OSError):  # the parent closed the pipe, or ended
                return
            if name == "shutdown":
                self._reply(request_id, True, None)
                return
            if name == "connect":  # on the main thread, as Ray wants its init (signals)
                self._handle(request_id, name, args)
                continue
            threading.Thread(target=self._handle, args=(request_id, name, args), daemon=True,
                             name=f"rafiki-driver-{name}").start()

    def _send(self, message: tuple) -> None:
        with self._send_lock:
            try:
                self._replies.send(message)
            except (OSError, ValueError):  # the parent is gone: serve() ends on its own
                pass

    def _reply(self, request_id: int, ok: bool, value: Any) -> None:
        self._send(("reply", request_id, ok, value))

    def _handle(self, request_id: int, name: str, args: tuple) -> None:
        try:
            value = getattr(self, f"do_{name}")(*args)
        except Exception as exc:  # the parent raises it as its own error, with this text
            self._reply(request_id, False, f"{type(exc).__name__}: {exc}")
        else:
            self._reply(request_id, True, value)

    # -- requests ----------------------------------------------------------------------------

    def do_connect(self, address: str, node_ip_address: str | None) -> None:
        options: dict[str, Any] = {"address": address, "logging_level": logging.WARNING,
                                   "log_to_driver": False, "configure_logging": False}
        if node_ip_address and not address.startswith("ray://"):
            options["_node_ip_address"] = node_ip_address
        with self._connect_lock:
            if not self._ray.is_initialized():
                self._ray.init(**options)

    def do_describe(self) -> list[dict[str, Any]]:
        return [
            {"node_id": entry.get("NodeID", ""), "host": entry.get("NodeManagerHostname", "?"),
             "address": entry.get("NodeManagerAddress", "?"), "alive": bool(entry.get("Alive")),
             "resources": dict(entry.get("Resources") or {})}
            for entry in self._ray.nodes()
        ]

    def do_answers(self, timeout: float) -> bool:
        return self._answers(timeout)

    def do_submit(self, key: str, options: dict[str, Any], fields: dict[str, Any],
                  model_files: list, bundle: str, relative: str, datasets: dict,
                  paths: dict[str, str]) -> None:
        refs = {digest: self._blob(digest, path) for digest, path in paths.items()}
        with self._blobs_lock:
            if self._task is None:
                self._task = self._ray.remote(_trial_task)
        generator = self._task.options(**options).remote(fields, model_files, bundle, relative,
                                                         datasets, refs)
        self._trials[key] = generator
        threading.Thread(target=self._read, args=(key, generator), daemon=True,
                         name="rafiki-driver-trial").start()

    def do_cancel(self, key: str, force: bool) -> None:
        generator = self._trials.get(key)
        if generator is not None:
            self._ray.cancel(generator, force=force)

    def do_forget_blobs(self) -> None:
        with self._blobs_lock:
            self._blobs.clear()  # the object store frees the shipped bytes

    # -- the parts ---------------------------------------------------------------------------

    def _blob(self, digest: str, path: str):
        """The file's bytes in the object store, put once per digest (a tuning's 200 trials
        ship each zip once)."""
        with self._blobs_lock:
            ref = self._blobs.get(digest)
            if ref is None:
                ref = self._blobs[digest] = self._ray.put(Path(path).read_bytes())
            return ref

    def _answers(self, timeout: float) -> bool:
        """Whether the cluster answers within ``timeout`` (asked on a side thread: a call to a
        head that is gone can block for as long as Ray's reconnect timeout)."""
        answer: dict[str, bool] = {}

        def ask() -> None:
            try:
                self._ray.nodes()
                answer["ok"] = True
            except Exception:
                answer["ok"] = False

        asker = threading.Thread(target=ask, daemon=True, name="rafiki-ray-liveness")
        asker.start()
        asker.join(timeout)
        return answer.get("ok", False)

    def _read(self, key: str, generator) -> None:
        from ray import exceptions as ray_errors

        try:
            for ref in generator:
                self._send(("item", key, self._ray.get(ref)))
            self._send(("end", key, "exhausted", ""))
        except (ray_errors.TaskCancelledError, KeyboardInterrupt):
            self._send(("end", key, "cancelled", ""))
        except ray_errors.RayTaskError as exc:  # the node's side of the workbench failed
            self._send(("end", key, "task_error",
                        str(exc.cause if exc.cause is not None else exc)))
        except Exception as exc:  # RayError of a lost worker or node, or of the connection
            first_line = str(exc).splitlines()[0] if str(exc) else ""
            kind = "node_lost" if self._answers(10.0) else "cluster_lost"
            self._send(("end", key, kind, f"{type(exc).__name__}: {first_line}"))
        finally:
            self._trials.pop(key, None)


def main(argv: list[str]) -> int:
    os.environ.setdefault(RECONNECT_VARIABLE, RECONNECT_SECONDS)
    requests = Connection(int(argv[0]), writable=False)
    replies = Connection(int(argv[1]), readable=False)
    driver = Driver(requests, replies)
    driver.serve()
    # Ray's shutdown can wait on a cluster that is gone: bounded, then this process ends
    ending = threading.Thread(target=driver._ray.shutdown, daemon=True)
    ending.start()
    ending.join(SHUTDOWN_SECONDS)
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
