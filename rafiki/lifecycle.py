"""The one definition of a model's staged lifecycle, in Rafiki's order.

Check dependencies, load the class, check its knob config, choose knobs, init, train,
evaluate, dump parameters, destroy, load the parameters into a new instance, predict and
ensemble. Every front end (``test_model_class``, the runner's child process, the CLI, the GUI
through the runner) calls :func:`run_lifecycle`, so the stages and their checks exist once.

Each stage emits a ``stage`` event (see :mod:`rafiki.events`) when it starts, finishes (with its
duration) or fails (with the traceback). A failure raises :class:`LifecycleError`, an
``InvalidModelClassException`` whose message names the model file, the stage and the cause, and
which is chained to the cause. The model logger's sinks are left alone: callers route them.
"""

from __future__ import annotations

import enum
import inspect
import pickle
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import events
from .dependencies import (
    check_dependencies_shape,
    check_missing_installable,
    install_advice,
    missing_dependencies,
)
from .model.base_model import BaseModel, InvalidModelClassException
from .model.knob import BaseKnob, knob_problems, serialize_knob_config
from .model.loader import load_model_class
from .model_contract import (
    ModelContractError,
    check_knob_config,
    check_score,
    deprecated_utils,
    pickle_parameters,
    write_atomically,
)
from .query_sample import (
    DEFAULT_QUERY_COUNT,
    SOURCE_GIVEN,
    SOURCE_TEST_SAMPLE,
    queries_given,
    sample_queries,
)
from .tasks import TASKS, ensemble_predictions, prediction_problems, query_problems

Sink = Callable[[dict], None]


class Stage(str, enum.Enum):
    """The lifecycle's stages, in the order they run."""

    CHECK_DEPENDENCIES = "check_dependencies"
    LOAD_CLASS = "load_class"
    CHECK_KNOB_CONFIG = "check_knob_config"
    CHOOSE_KNOBS = "choose_knobs"
    INIT = "init"
    TRAIN = "train"
    EVALUATE = "evaluate"
    DUMP_PARAMETERS = "dump_parameters"
    DESTROY = "destroy"
    LOAD_PARAMETERS = "load_parameters"
    PREDICT = "predict"
    ENSEMBLE = "ensemble"


STAGE_LABELS: dict[Stage, str] = {
    Stage.CHECK_DEPENDENCIES: "Check dependencies",
    Stage.LOAD_CLASS: "Load class",
    Stage.CHECK_KNOB_CONFIG: "Check knob config",
    Stage.CHOOSE_KNOBS: "Choose knobs",
    Stage.INIT: "Init",
    Stage.TRAIN: "Train",
    Stage.EVALUATE: "Evaluate",
    Stage.DUMP_PARAMETERS: "Dump parameters",
    Stage.DESTROY: "Destroy",
    Stage.LOAD_PARAMETERS: "Load parameters",
    Stage.PREDICT: "Predict",
    Stage.ENSEMBLE: "Ensemble",
}


TRAIN_WORKER_LAST_STAGE = Stage.DESTROY
"""Where a tuning trial ends: Rafiki's train workers trained, evaluated, dumped the parameters
and destroyed the model; loading them and predicting was the inference workers' part."""


@dataclass
class LifecycleRequest:
    """What to run: the model file and class, the task, datasets, and optionally knobs.

    ``queries`` are predicted as given; when None or empty, Predict takes the first
    ``queries_from_test`` samples of the test dataset (see :mod:`rafiki.query_sample`), so
    ``predict([])`` is never called. ``last_stage`` (a :class:`Stage` value, Evaluate or later)
    ends the run after that stage; None runs every stage.
    """

    model_file_path: str
    model_class: str
    task: str
    train_dataset_uri: str
    test_dataset_uri: str
    dependencies: dict[str, str] = field(default_factory=dict)
    queries: list | None = None
    queries_from_test: int = DEFAULT_QUERY_COUNT
    knobs: dict | None = None
    seed: int | None = None
    params_path: str | None = None
    last_stage: str | None = None
    knobs_source: str | None = None  # "advisor" when the runner's parent chose ``knobs``


@dataclass
class LifecycleResult:
    """What a successful run produced. ``model`` is the instance reloaded from parameters and
    ``queries`` the Predict stage's ``{"count", "source"}``; both are None when the run ended
    before those stages (``last_stage``), and ``predictions`` is then empty."""

    knobs: dict
    score: float
    parameters: dict
    predictions: list
    model: BaseModel | None
    timings: dict[str, float]
    knob_config: dict[str, BaseKnob]
    params_path: str | None = None
    params_sha256: str | None = None
    queries: dict | None = None


class LifecycleError(InvalidModelClassException):
    """A stage failed; ``stage``, ``cause`` and ``error`` (the cause as data) say where and why."""

    def __init__(self, stage: Stage, cause: BaseException, model_file_path: str | None = None):
        self.stage = stage
        self.cause = cause
        self.model_file_path = model_file_path
        self.error = events.error_info(cause, stage.value)
        where = f"{model_file_path}: " if model_file_path else ""
        cause_text = describe_cause(cause, model_file_path)
        super().__init__(f"{where}stage '{STAGE_LABELS[stage]}' failed: {cause_text}")

    def __reduce__(self):  # keep the message and traceback text, which the cause loses
        return (_rebuilt_lifecycle_error,
                (self.stage, self.cause, self.model_file_path, str(self), self.error))


def _rebuilt_lifecycle_error(stage, cause, model_file_path, message, error) -> LifecycleError:
    rebuilt = LifecycleError.__new__(LifecycleError)
    Exception.__init__(rebuilt, message)
    rebuilt.stage, rebuilt.cause, rebuilt.model_file_path = stage, cause, model_file_path
    rebuilt.error = error
    return rebuilt


def describe_cause(cause: BaseException, model_file_path: str | None = None) -> str:
    """The cause in one line: a contract breach by its message, else its type and message and
    the model file's line where it was raised."""
    if isinstance(cause, ModelContractError):
        return str(cause)
    text = f"{type(cause).__name__}: {cause}" if str(cause) else type(cause).__name__
    if model_file_path is not None:
        model_file = str(Path(model_file_path).resolve())
        frames = [f for f in traceback.extract_tb(cause.__traceback__)
                  if f.filename == model_file]
        if frames:
            text += f" (at {Path(model_file).name}, line {frames[-1].lineno}, in {frames[-1].name})"
    return text


def _message(sink: Sink, msg: str) -> None:
    sink({"kind": events.MESSAGE, "time": time.time(), "msg": msg})


class _Lifecycle:
    """One run: the request, the sink and the timings, stage by stage."""

    def __init__(self, request: LifecycleRequest, sink: Sink):
        self.request = request
        self.sink = sink
        self.timings: dict[str, float] = {}
        self.last_stage = _checked_last_stage(request.last_stage)

    @contextmanager
    def stage(self, stage: Stage) -> Iterator[dict]:
        """Run a block as ``stage``: events before and after, any failure as LifecycleError."""
        info: dict[str, Any] = {}
        self.sink(events.stage_event(stage.value, events.STARTED))
        started = time.perf_counter()
        try:
            yield info
        except Exception as exc:
            duration = time.perf_counter() - started
            self.timings[stage.value] = duration
            error = LifecycleError(stage, exc, self.request.model_file_path)
            self.sink(events.stage_event(stage.value, events.FAILED, duration=duration,
                                         info=info, error=error.error))
            raise error from exc
        except BaseException as exc:  # interrupted or exited: report, then let it through
            duration = time.perf_counter() - started
            self.timings[stage.value] = duration
            self.sink(events.stage_event(stage.value, events.FAILED, duration=duration,
                                         info=info, error=events.error_info(exc, stage.value)))
            raise
        duration = time.perf_counter() - started
        self.timings[stage.value] = duration
        self.sink(events.stage_event(stage.value, events.FINISHED, duration=duration, info=info))

    def run(self) -> LifecycleResult:
        request = self.request
        with self.stage(Stage.CHECK_DEPENDENCIES) as info:
            dependencies = check_dependencies_shape(request.dependencies)
            info["dependencies"] = dependencies
            self.check_dependencies(dependencies)

        with self.stage(Stage.LOAD_CLASS) as info:
            model_class = self.load_class()
            info["model_class"] = model_class.__name__

        with self.stage(Stage.CHECK_KNOB_CONFIG) as info:
            knob_config = check_knob_config(self.call_get_knob_config(model_class))
            info["knob_config"] = serialize_knob_config(knob_config)

        with self.stage(Stage.CHOOSE_KNOBS) as info:
            knobs = self.choose_knobs(knob_config)
            info["knobs"] = knobs
            info["source"] = request.knobs_source or (
                "given" if request.knobs is not None else "advisor")

        with self.stage(Stage.INIT):
            model = self.new_instance(model_class, knobs)

        with self.stage(Stage.TRAIN):
            model.train(request.train_dataset_uri)

        with self.stage(Stage.EVALUATE) as info:
            score = check_score(model.evaluate(request.test_dataset_uri))
            info["score"] = score
        result = LifecycleResult(
            knobs=knobs, score=score, parameters={}, predictions=[], model=None,
            timings=self.timings, knob_config=knob_config,
        )
        if self.ends_after(Stage.EVALUATE):
            return self.finished(result)

        with self.stage(Stage.DUMP_PARAMETERS) as info:
            blob = pickle_parameters(model.dump_parameters())
            result.parameters = pickle.loads(blob)
            info["size"] = len(blob)
            if request.params_path:
                result.params_sha256 = write_atomically(request.params_path, blob)
                result.params_path = request.params_path
                info["params_path"] = request.params_path
                info["params_sha256"] = result.params_sha256
        if self.ends_after(Stage.DUMP_PARAMETERS):
            return self.finished(result)

        with self.stage(Stage.DESTROY):
            model.destroy()
        if self.ends_after(Stage.DESTROY):
            return self.finished(result)

        with self.stage(Stage.LOAD_PARAMETERS):
            model = self.new_instance(model_class, knobs)
            model.load_parameters(result.parameters)
        result.model = model
        if self.ends_after(Stage.LOAD_PARAMETERS):
            return self.finished(result)

        with self.stage(Stage.PREDICT) as info:
            predictions = self.predict(model, info)
            info["count"] = len(predictions)
        result.queries = info["queries"]
        if self.ends_after(Stage.PREDICT):
            result.predictions = predictions
            return self.finished(result)

        with self.stage(Stage.ENSEMBLE) as info:
            result.predictions = ensemble_predictions([predictions], request.task)
            info["count"] = len(result.predictions)
        return self.finished(result)

    def ends_after(self, stage: Stage) -> bool:
        """Whether ``stage`` is the request's last one."""
        return self.last_stage is stage

    def finished(self, result: LifecycleResult) -> LifecycleResult:
        result.timings = dict(self.timings)
        return result

    # -- the stages' work ---------------------------------------------------------------------

    def check_dependencies(self, dependencies: dict[str, str]) -> None:
        if not dependencies:
            return
        missing = missing_dependencies(dependencies)
        absent = {m.name: m.wanted for m in missing if m.is_absent}
        for other in (m for m in missing if not m.is_absent):
            _message(self.sink, f"WARNING: {other.describe()}; the model may behave differently")
        if absent:
            not_installed = [m for m in missing if m.is_absent]
            names = ", ".join(m.describe() for m in not_installed)
            advice = install_advice(not_installed, check_missing_installable(not_installed))
            raise ModelContractError(f"Missing dependencies: {names}; {'; '.join(advice)}")

    def load_class(self) -> type:
        request = self.request
        path = Path(request.model_file_path)
        try:
            model_file_bytes = path.read_bytes()
        except OSError as exc:
            raise ModelContractError(f"Cannot read the model file: {exc}") from exc
        model_class = load_model_class(
            model_file_bytes, request.model_class, temp_mod_name=path.stem, file_path=str(path)
        )
        if not inspect.isclass(model_class) or not issubclass(model_class, BaseModel):
            raise ModelContractError(
                f"'{request.model_class}' should be a class extending `rafiki.model.BaseModel`, "
                f"got {model_class!r}"
            )
        abstract = sorted(getattr(model_class, "__abstractmethods__", ()))
        if abstract:
            raise ModelContractError(
                f"'{request.model_class}' does not implement {', '.join(abstract)}"
            )
        if inspect.isfunction(getattr(model_class, "init", None)):
            _message(self.sink, "WARNING: `init` has been deprecated - use `__init__` for your "
                                "model's initialization logic instead")
        if not isinstance(inspect.getattr_static(model_class, "get_knob_config"),
                          (staticmethod, classmethod)):
            _message(self.sink, "WARNING: `get_knob_config` has been changed to a "
                                "`@staticmethod`")
        return model_class

    def call_get_knob_config(self, model_class: type) -> Any:
        method = inspect.getattr_static(model_class, "get_knob_config")
        if inspect.isfunction(method):  # a plain method: callable on the class only without self
            required = [
                p for p in inspect.signature(method).parameters.values()
                if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            ]
            if required:
                raise ModelContractError(
                    "`get_knob_config` should be a @staticmethod taking no arguments; it takes "
                    f"`{required[0].name}`"
                )
        return model_class.get_knob_config()

    def choose_knobs(self, knob_config: dict[str, BaseKnob]) -> dict:
        if self.request.knobs is None:
            from .advisor import Advisor

            return Advisor(knob_config, seed=self.request.seed).propose()
        problems = knob_problems(knob_config, self.request.knobs)
        if problems:
            raise ModelContractError(f"Knobs do not fit the knob config: {'; '.join(problems)}")
        return dict(self.request.knobs)

    @staticmethod
    def new_instance(model_class: type, knobs: dict) -> BaseModel:
        model = model_class(**knobs)
        if not hasattr(model, "utils"):
            model.utils = deprecated_utils()
        return model

    def predict(self, model: BaseModel, info: dict[str, Any]) -> list:
        """The model's checked predictions for the given queries, else for the first samples of
        the test dataset; ``info["queries"]`` says how many and from where before ``predict``
        is called, so a failing predict still reports them."""
        request = self.request
        if queries_given(request.queries):
            queries, source = request.queries, SOURCE_GIVEN
        else:
            queries = sample_queries(request.task, request.test_dataset_uri,
                                     request.queries_from_test)
            source = SOURCE_TEST_SAMPLE
        info["queries"] = {"count": len(queries) if isinstance(queries, (list, tuple)) else None,
                           "source": source}
        problems = query_problems(queries, request.task)
        if problems:
            raise ModelContractError(f"Bad queries for {request.task}: {'; '.join(problems[:5])}")
        if not queries:  # an empty test dataset: predict([]) would check nothing
            _message(self.sink, f"WARNING: the test dataset {request.test_dataset_uri} has no "
                                "samples to predict; `predict()` was not called")
            return []
        if request.task not in TASKS:
            _message(self.sink, f"WARNING: unknown task {request.task!r}: predictions are not "
                                "checked against a task format")
        predictions = model.predict(queries)
        problems = prediction_problems(predictions, queries, request.task)
        if problems:
            more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
            spec = TASKS.get(request.task)
            shape = f", each {spec.prediction_format}" if spec else ""
            raise ModelContractError(
                f"`predict()` should return one JSON-serialisable prediction per query{shape}: "
                f"{'; '.join(problems[:5])}{more}"
            )
        return list(predictions)


def _checked_last_stage(last_stage: str | None) -> Stage | None:
    """The request's last stage as a Stage; a run ends no earlier than Evaluate (its score)."""
    if last_stage is None:
        return None
    stages = list(Stage)
    try:
        stage = Stage(last_stage)
    except ValueError:
        raise ValueError(f"last_stage {last_stage!r} is not a stage "
                         f"({', '.join(s.value for s in stages)})") from None
    if stages.index(stage) < stages.index(Stage.EVALUATE):
        raise ValueError(f"last_stage {last_stage!r} comes before 'evaluate': a run ends with "
                         "its score at the earliest")
    return stage


def run_lifecycle(request: LifecycleRequest, sink: Sink) -> LifecycleResult:
    """Run every stage of ``request``'s model in Rafiki's order, emitting events to ``sink``.

    While it runs, the model file's folder is on ``sys.path`` so its sibling imports work;
    afterwards the sibling modules are forgotten, so another model file's sibling of the same
    name is imported afresh. Raises :class:`LifecycleError` naming the failed stage and cause.
    """
    folder = Path(request.model_file_path).resolve().parent
    added = str(folder) not in sys.path
    if added:
        sys.path.insert(0, str(folder))
    modules_before = set(sys.modules)
    try:
        return _Lifecycle(request, sink).run()
    finally:
        if added and str(folder) in sys.path:
            sys.path.remove(str(folder))
        _forget_sibling_modules(folder, modules_before)


def _forget_sibling_modules(folder: Path, modules_before: set[str]) -> None:
    """Drop modules imported during the run from ``folder`` (not the model's own module)."""
    for name in set(sys.modules) - modules_before:
        module = sys.modules.get(name)
        module_file = getattr(module, "__file__", None)
        if name.startswith("rafiki_model_") or not module_file:
            continue
        try:
            inside = Path(module_file).resolve().is_relative_to(folder)
        except (OSError, ValueError):
            continue
        if inside:
            del sys.modules[name]
