"""The typed schema of the events a child sends: checked where they enter the parent.

The child runs the model's code, so anything on its channel may be forged: a model can write
``{"kind": "result", "score": "abc"}`` to the channel's fd, or name ``/etc/passwd`` as its
parameters file. Every event is checked here before the runner, the store or a window uses it:
kinds are the constants of :mod:`rafiki.events`, each field has its type and range (a score is
a finite float in [0, 1], counts and ids are ints, a parameters path is the one file the run
was given). :func:`event_problem` names what is wrong; the runner reports that as a protocol
error of the run and drops the event.

The checks follow what this workbench's own emitters (the lifecycle, the model logger, the
runner child) produce, so no event of a well-behaved model is ever refused.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

from . import events as ev

RUN_KINDS = frozenset({ev.STAGE, ev.PLOT, ev.METRICS, ev.MESSAGE, ev.RESULT})
INSPECT_KINDS = frozenset({ev.INSPECTION})
SERVICE_KINDS = frozenset({ev.READY, ev.SERVICE_ERROR, ev.PREDICTIONS, ev.PREDICT_ERROR})
KINDS_OF_JOB = {"run": RUN_KINDS, "inspect": INSPECT_KINDS, "predict_service": SERVICE_KINDS}
STAGE_STATES = frozenset({ev.STARTED, ev.FINISHED, ev.FAILED})
RESULT_STATUSES = frozenset({"completed", "errored", "stopped"})
MAX_PROBLEM_CHARS = 200


@dataclass(frozen=True)
class EventRules:
    """What one child may say: the kinds of its job and the one parameters file it was given
    (None: it writes none)."""

    kinds: frozenset[str]
    params_path: str | None = None

    @classmethod
    def for_job(cls, job: dict[str, Any]) -> EventRules:
        request = job.get("request") or {}
        return cls(KINDS_OF_JOB.get(job.get("kind"), RUN_KINDS), request.get("params_path"))


class _Invalid(ValueError):
    pass


def event_problem(event: Any, rules: EventRules) -> str | None:
    """What is wrong with ``event`` under ``rules``, or None when it fits the schema."""
    try:
        _check(event, rules)
    except _Invalid as problem:
        return str(problem)
    return None


_NUMBER_TYPES = (int, float)
_INFINITY = float("inf")


def valid_events(events: list[Any], rules: EventRules) -> tuple[list[dict], list[str]]:
    """The events of one batch that fit, and the problems of those that do not.

    A flood is 200,000 metrics points: each takes the inlined check below (~0.5 µs) instead of
    :func:`event_problem`'s general one (~17 µs, 3.4 s a flood, ten times the parent's whole
    budget for receiving it; bench/bench_metrics_flood.py)."""
    valid: list[dict] = []
    problems: list[str] = []
    metrics_allowed = ev.METRICS in rules.kinds
    for event in events:
        if metrics_allowed and type(event) is dict and event.get("kind") == ev.METRICS:
            values = event.get("values")
            when = event.get("time")
            if type(values) is dict and type(when) in _NUMBER_TYPES \
                    and -_INFINITY < when < _INFINITY:
                for value in values.values():
                    if type(value) not in _NUMBER_TYPES:
                        break
                else:
                    valid.append(event)
                    continue
        problem = event_problem(event, rules)
        if problem is None:
            valid.append(event)
        else:
            problems.append(problem)
    return valid, problems


def _check(event: Any, rules: EventRules) -> None:
    _require(isinstance(event, dict), f"an event is a JSON object, not {_shown(event)}")
    kind = event.get("kind")
    _require(isinstance(kind, str) and kind in rules.kinds,
             f"unknown event kind {_shown(kind)} "
             f"(expected one of {', '.join(sorted(rules.kinds))})")
    _number(event, "time", required=True)
    CHECKS[kind](event, rules)


def _stage(event: dict, rules: EventRules) -> None:
    from .lifecycle import Stage

    _require(event.get("stage") in {stage.value for stage in Stage},
             f"stage event of unknown stage {_shown(event.get('stage'))}")
    _require(event.get("state") in STAGE_STATES,
             f"stage event of unknown state {_shown(event.get('state'))}")
    _number(event, "duration", minimum=0.0)
    info = _dict(event, "info")
    if info is not None:
        if "score" in info:
            _score(info["score"], "stage info score")
        if "params_path" in info:
            _params_path(info["params_path"], rules)
        if "knobs" in info:
            _require(isinstance(info["knobs"], dict), "stage info knobs must be an object")
    _error(event.get("error"))


def _plot(event: dict, _rules: EventRules) -> None:
    _require(isinstance(event.get("title"), str) and event["title"], "plot without a title")
    metrics = event.get("metrics")
    _require(isinstance(metrics, list) and all(isinstance(m, str) for m in metrics),
             "plot metrics must be a list of names")
    _require(event.get("x_axis") is None or isinstance(event["x_axis"], str),
             "plot x_axis must be a metric name or null")


def _metrics(event: dict, _rules: EventRules) -> None:
    values = event.get("values")
    _require(isinstance(values, dict), "metrics event without a values object")
    for name, value in values.items():
        # NaN and infinities are kept: a diverging loss is worth plotting
        _require(_is_number(value), f"metric {_shown(name)} is {_shown(value)}, not a number")


def _message(event: dict, _rules: EventRules) -> None:
    _require(isinstance(event.get("msg"), str), "message event whose msg is not text")


def _result(event: dict, rules: EventRules) -> None:
    _require(event.get("status") in RESULT_STATUSES,
             f"result of unknown status {_shown(event.get('status'))}")
    if event.get("score") is not None:
        _score(event["score"], "result score")
    for name in ("knobs", "timings", "queries"):
        _dict(event, name)
    for value in (event.get("timings") or {}).values():
        _require(_is_finite(value), f"result timing {_shown(value)} is not a finite number")
    _require(event.get("predictions") is None or isinstance(event["predictions"], list),
             "result predictions must be a list")
    if event.get("params_path") is not None:
        _params_path(event["params_path"], rules)
    sha = event.get("params_sha256")
    _require(sha is None or (isinstance(sha, str) and len(sha) == 64
                             and all(c in "0123456789abcdef" for c in sha)),
             f"result params_sha256 {_shown(sha)} is not a sha256")
    _number(event, "duration", minimum=0.0)
    _error(event.get("error"))


def _inspection(event: dict, _rules: EventRules) -> None:
    classes = _dict(event, "classes") or {}
    _require(all(isinstance(k, str) and isinstance(v, str) for k, v in classes.items()),
             "inspection classes must map names to knob configs")
    for error in (_dict(event, "class_errors") or {}).values():
        _error(error)
    _error(event.get("error"))


def _ready(_event: dict, _rules: EventRules) -> None:
    return


def _service_error(event: dict, _rules: EventRules) -> None:
    _require(event.get("error") is not None, "service_error without an error")
    _error(event.get("error"))


def _predictions(event: dict, _rules: EventRules) -> None:
    _request_id(event)
    _require(isinstance(event.get("predictions"), list), "predictions must be a list")


def _predict_error(event: dict, _rules: EventRules) -> None:
    _request_id(event)
    _require(event.get("error") is not None, "predict_error without an error")
    _error(event.get("error"))


CHECKS = {ev.STAGE: _stage, ev.PLOT: _plot, ev.METRICS: _metrics, ev.MESSAGE: _message,
          ev.RESULT: _result, ev.INSPECTION: _inspection, ev.READY: _ready,
          ev.SERVICE_ERROR: _service_error, ev.PREDICTIONS: _predictions,
          ev.PREDICT_ERROR: _predict_error}


# -- field checks ------------------------------------------------------------------------

def _require(condition: bool, problem: str) -> None:
    if not condition:
        raise _Invalid(problem)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= MAX_PROBLEM_CHARS else text[:MAX_PROBLEM_CHARS] + "…"


def _is_number(value: Any) -> bool:
    return type(value) in (int, float)  # JSON gives exactly these; bool is not a number here


def _is_finite(value: Any) -> bool:
    return _is_number(value) and math.isfinite(value)


def _number(event: dict, name: str, required: bool = False, minimum: float | None = None) -> None:
    if name not in event or event[name] is None:
        _require(not required, f"{event.get('kind')} event without {name}")
        return
    value = event[name]
    _require(_is_finite(value), f"{name} {_shown(value)} is not a finite number")
    _require(minimum is None or value >= minimum, f"{name} {_shown(value)} is below {minimum}")


def _dict(event: dict, name: str) -> dict | None:
    value = event.get(name)
    _require(value is None or isinstance(value, dict), f"{name} must be an object")
    return value


def _score(value: Any, what: str) -> None:
    _require(_is_finite(value) and 0.0 <= value <= 1.0,
             f"{what} {_shown(value)} is not a finite number in [0, 1]")


def _request_id(event: dict) -> None:
    _require(type(event.get("id")) is int, f"request id {_shown(event.get('id'))} is not an int")


def _error(error: Any) -> None:
    if error is None:
        return
    _require(isinstance(error, dict), "error must be an object")
    for name in ("type", "message", "traceback"):
        _require(isinstance(error.get(name, ""), str), f"error {name} must be text")
    _require(error.get("stage") is None or isinstance(error["stage"], str),
             "error stage must be text")


def _params_path(path: Any, rules: EventRules) -> None:
    """Only the file the run was told to write: a forged result must not point the store (and
    later an unpickling child) at any other file."""
    _require(isinstance(path, str), f"params_path {_shown(path)} is not a path")
    _require(rules.params_path is not None
             and os.path.realpath(path) == os.path.realpath(rules.params_path),
             f"params_path {_shown(path)} is not this run's parameters file")
