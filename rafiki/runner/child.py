"""The runner child: runs one job (a lifecycle, an inspection, a predict service) and reports.

Started by :mod:`rafiki.runner.process` as ``python -m rafiki.runner.child JOB CHANNEL_FD
[REQUEST_FD]``. Events go out on the private channel fd; the model's own prints land on
stdout/stderr, which the parent reads as output. A native crash leaves a faulthandler
traceback in the job's crash file for the parent to show.

Before any model code runs the child caps its memory (:mod:`rafiki.runner.memory_limit`) and,
on Linux, becomes the subreaper of whatever the model starts; it records those descendants for
the parent as it goes and kills them before it exits (:mod:`rafiki.runner.descendants`).
"""

from __future__ import annotations

import faulthandler
import hashlib
import json
import os
import pickle
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from ..memory_limit import MemoryCgroup, apply_rlimit
from . import descendants
from .channel import BatchingChannel

EXIT_OK = 0
EXIT_MODEL_ERROR = 1
EXIT_OUT_OF_MEMORY = 12  # ENOMEM: a MemoryError escaped the job (the parent names the stage)
EXIT_INTERRUPTED = 130
DESCENDANTS_POLL_S = 0.25


def _take_interrupts() -> None:
    """A stop starts with SIGINT (KeyboardInterrupt in the model's code, so the run ends as
    stopped with its last events sent). A child inherits a blocked or ignored SIGINT from
    whoever started it: Ray's workers block it, a shell's background job ignores it. Such a
    child missed the first step of every stop, waited for SIGTERM and lost its last events."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def main(argv: list[str] | None = None) -> None:
    """Run the job named on the command line, then exit without waiting for model threads."""
    args = list(sys.argv[1:] if argv is None else argv)
    job = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    channel_fd = int(args[1])
    request_fd = int(args[2]) if len(args) > 2 else None
    _take_interrupts()
    if job.get("cgroup"):
        MemoryCgroup.join(job["cgroup"])
    descendants.become_subreaper()
    _watch_parent_and_descendants(job.get("parent_pid"), job.get("pids_path"))
    with open(job["crash_path"], "w", encoding="utf-8") as crash_file:
        faulthandler.enable(crash_file, all_threads=True)
        apply_rlimit(job.get("memory_limit_mb"))
        _set_app_mode(job.get("app_mode") or "DEV")
        channel = BatchingChannel(channel_fd)
        code = EXIT_MODEL_ERROR
        try:
            jobs = {"run": _run_lifecycle, "inspect": _inspect, "predict_service": _serve}
            code = jobs[job["kind"]](job, channel, request_fd)
        except MemoryError:
            code = EXIT_OUT_OF_MEMORY
        finally:
            _end_descendants()
            try:
                channel.close()
            except MemoryError:
                code = EXIT_OUT_OF_MEMORY
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except (OSError, ValueError, MemoryError):
                    pass
    os._exit(code)


def _watch_parent_and_descendants(parent_pid: int | None, pids_path: str | None) -> None:
    """Poll the parent: a child orphaned by a killed workbench ends itself (and what it
    started). Meanwhile record the model's descendants, so that the parent can end them even
    if this process dies first."""

    def watch() -> None:
        recorded: list = []
        while True:
            time.sleep(DESCENDANTS_POLL_S)
            if parent_pid and os.getppid() != parent_pid:
                _end_descendants()
                os._exit(EXIT_INTERRUPTED)
            if pids_path:
                found = descendants.descendants() if descendants.has_children() else []
                if found != recorded:
                    descendants.write_pids(pids_path, found)
                    recorded = found

    threading.Thread(target=watch, daemon=True, name="rafiki-parent-watch").start()


def _end_descendants() -> None:
    """Kill every process the model started and left running (re-parented here on Linux)."""
    if descendants.has_children():
        descendants.kill_processes(descendants.descendants())


def _set_app_mode(app_mode: str) -> None:
    """Rafiki model files read ``rafiki.config.APP_MODE`` when imported: set it first."""
    os.environ["RAFIKI_APP_MODE"] = app_mode
    import rafiki.config

    rafiki.config.APP_MODE = app_mode


def _run_lifecycle(job: dict[str, Any], channel: BatchingChannel, _request_fd: int | None) -> int:
    from rafiki.lifecycle import LifecycleError, LifecycleRequest, run_lifecycle
    from rafiki.model import logger

    request = LifecycleRequest(**job["request"])
    started = time.time()
    with logger.sinks_replaced([channel.emit]):
        try:
            result = run_lifecycle(request, channel.emit)
        except LifecycleError as exc:
            channel.emit({"kind": "result", "time": time.time(), "status": "errored",
                          "error": exc.error, "duration": time.time() - started})
            return EXIT_MODEL_ERROR
        except KeyboardInterrupt:
            channel.emit({"kind": "result", "time": time.time(), "status": "stopped",
                          "duration": time.time() - started})
            return EXIT_INTERRUPTED
    channel.emit({
        "kind": "result", "time": time.time(), "status": "completed", "score": result.score,
        "knobs": result.knobs, "predictions": result.predictions, "timings": result.timings,
        "params_path": result.params_path, "params_sha256": result.params_sha256,
        "queries": result.queries, "duration": time.time() - started,
    })
    return EXIT_OK


def _inspect(job: dict[str, Any], channel: BatchingChannel, _request_fd: int | None) -> int:
    from rafiki.events import error_info
    from rafiki.model.knob import serialize_knob_config
    from rafiki.model.loader import load_model_module, model_classes_in

    path = job["model_file_path"]
    sys.path.insert(0, str(Path(path).resolve().parent))
    classes: dict[str, str] = {}
    class_errors: dict[str, dict] = {}
    error = None
    try:
        module = load_model_module(Path(path).read_bytes(), Path(path).stem, file_path=path)
        for name, model_class in model_classes_in(module).items():
            try:
                classes[name] = serialize_knob_config(model_class.get_knob_config())
            except Exception as exc:  # a broken knob config is reported per class
                class_errors[name] = error_info(exc, "check_knob_config")
    except BaseException as exc:  # the file itself failed to load: syntax, import, top-level code
        error = error_info(exc, "load_class")
    channel.emit({"kind": "inspection", "time": time.time(), "classes": classes,
                  "class_errors": class_errors, "error": error})
    return EXIT_OK


def _serve(job: dict[str, Any], channel: BatchingChannel, request_fd: int | None) -> int:
    """Load a trained model once, then answer predict requests until the parent closes."""
    from rafiki.events import error_info
    from rafiki.model.loader import load_model_class

    path = job["model_file_path"]
    try:
        sys.path.insert(0, str(Path(path).resolve().parent))
        params_bytes = Path(job["params_path"]).read_bytes()
        digest = hashlib.sha256(params_bytes).hexdigest()
        if digest != job["params_sha256"]:
            raise ValueError(f"{job['params_path']}: sha256 {digest} does not match the stored "
                             f"{job['params_sha256']}; refusing to unpickle it")
        model_class = load_model_class(Path(path).read_bytes(), job["model_class"],
                                       file_path=path)
        model = model_class(**job["knobs"])
        model.load_parameters(pickle.loads(params_bytes))
    except BaseException as exc:
        channel.emit({"kind": "service_error", "time": time.time(),
                      "error": error_info(exc, "load_parameters")})
        return EXIT_MODEL_ERROR
    channel.emit({"kind": "ready", "time": time.time()})
    channel.flush()
    with os.fdopen(request_fd, "rb") as requests:
        for line in requests:
            request = json.loads(line)
            try:
                predictions = model.predict(request["queries"])
                predictions = json.loads(json.dumps(list(predictions), default=_plain))
                event = {"kind": "predictions", "id": request["id"], "predictions": predictions}
            except Exception as exc:
                event = {"kind": "predict_error", "id": request["id"],
                         "error": error_info(exc, "predict")}
            event["time"] = time.time()
            channel.emit(event)
            channel.flush()
    try:
        model.destroy()
    except Exception:
        pass
    return EXIT_OK


def _plain(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"a prediction holds {type(value).__name__}, which is not JSON-serialisable")


if __name__ == "__main__":
    main()
