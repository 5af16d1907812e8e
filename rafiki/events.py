"""The vocabulary of a run: plain JSON-serialisable dicts, one per thing that happened.

Every layer speaks it: the lifecycle and the model logger emit these dicts to a sink, the
runner's child batches them over its private pipe, the store keeps them, the CLI prints them
and the GUI draws them. Each has ``kind`` and ``time`` (seconds since the epoch, float).

=========  ===============================================================================
kind       other keys
=========  ===============================================================================
stage      ``stage`` (a :class:`rafiki.lifecycle.Stage` value), ``state`` (started,
           finished or failed), ``duration`` (seconds, on finished/failed), ``info`` (dict,
           e.g. the knobs chosen or the score; Predict's has ``queries``: ``count`` and
           ``source``, "given" or "test sample"), ``error`` (on failed: see
           :func:`error_info`)
plot       ``title``, ``metrics`` (list of names), ``x_axis`` (metric name, or None = time)
metrics    ``values`` (dict name -> int/float)
message    ``msg``
output     ``stream`` (stdout or stderr), ``text`` (one or more whole lines); runner only
result     ``status``, ``score``, ``knobs``, ``predictions``, ``timings``, ``params_path``,
           ``params_sha256``, ``queries`` (the Predict stage's ``{"count", "source"}``, None
           when the run ended before it); the runner's last word on a run
node       ``node`` (the cluster node's name); a cluster executor's first word on a trial
=========  ===============================================================================

Every event a child sends is checked against :mod:`rafiki.event_schema` where it enters the
parent; an event that does not fit is a protocol error of its run and goes no further.
"""

from __future__ import annotations

import time
import traceback
from typing import Any

STAGE = "stage"
PLOT = "plot"
METRICS = "metrics"
MESSAGE = "message"
OUTPUT = "output"
RESULT = "result"
NODE = "node"
# the inspection and predict-service jobs' own words (see rafiki.runner.child)
INSPECTION = "inspection"
READY = "ready"
SERVICE_ERROR = "service_error"
PREDICTIONS = "predictions"
PREDICT_ERROR = "predict_error"

STARTED = "started"
FINISHED = "finished"
FAILED = "failed"


STOP_ERROR_TYPES = frozenset({"KeyboardInterrupt", "Stopped"})
"""Error types that mean the user (or a budget) stopped the run: the child's SIGINT, and the
runner's record of a stop. A stop is neutral, never shown as a failure."""


def is_stop(error: dict[str, Any] | None) -> bool:
    """True when ``error`` records a stop rather than a failure."""
    return bool(error) and error.get("type") in STOP_ERROR_TYPES


def error_info(exc: BaseException, stage: str | None = None) -> dict[str, Any]:
    """An exception as data: its stage, type, message and formatted traceback."""
    return {
        "stage": stage,
        "type": type(exc).__name__,
        "message": str(exc),
        "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
    }


def stage_event(
    stage: str,
    state: str,
    *,
    duration: float | None = None,
    info: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A stage started, finished or failed."""
    event: dict[str, Any] = {"kind": STAGE, "time": time.time(), "stage": stage, "state": state}
    if duration is not None:
        event["duration"] = duration
    if info:
        event["info"] = info
    if error is not None:
        event["error"] = error
    return event
