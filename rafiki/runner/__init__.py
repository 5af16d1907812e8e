"""Runs model code in child processes: lifecycles, inspections and predict services.

The child process is the isolation boundary between a model and the workbench; see
:mod:`rafiki.runner.run` for one run, :mod:`rafiki.runner.process` for the process machinery.

The names below are imported on first use: the runner child itself starts as
``python -m rafiki.runner.child``, which imports this package first, and every trial paid for
the parent's side (process, inspection, interpreter checks, predict service) before its first
stage: a third of the child's imports, about 0.1 s of CPU per trial (bench/README.md).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .inspect_job import ModelInspection, inspect_model_file
    from .interpreter import InterpreterReport, check_interpreter
    from .predict_service import PredictError, PredictService
    from .protocol import PROTOCOL_VERSION, ProtocolError
    from .run import Run, RunnerState, RunOutcome, RunSpec

_WHERE = {
    "ModelInspection": "inspect_job", "inspect_model_file": "inspect_job",
    "InterpreterReport": "interpreter", "check_interpreter": "interpreter",
    "PredictError": "predict_service", "PredictService": "predict_service",
    "PROTOCOL_VERSION": "protocol", "ProtocolError": "protocol",
    "Run": "run", "RunnerState": "run", "RunOutcome": "run", "RunSpec": "run",
}

__all__ = [
    "PROTOCOL_VERSION",
    "InterpreterReport",
    "ModelInspection",
    "PredictError",
    "PredictService",
    "ProtocolError",
    "Run",
    "RunOutcome",
    "RunSpec",
    "RunnerState",
    "check_interpreter",
    "inspect_model_file",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
