"""Runs model code in child processes: lifecycles, inspections and predict services.

The child process is the isolation boundary between a model and the workbench; see
:mod:`rafiki.runner.run` for one run, :mod:`rafiki.runner.process` for the process machinery.
"""

from .inspect_job import ModelInspection, inspect_model_file
from .interpreter import InterpreterReport, check_interpreter
from .predict_service import PredictError, PredictService
from .protocol import PROTOCOL_VERSION, ProtocolError
from .run import Run, RunnerState, RunOutcome, RunSpec

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
