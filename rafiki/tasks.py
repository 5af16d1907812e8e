"""What each Rafiki task means for a model: its dataset type, query and prediction shapes.

The lifecycle checks every query before ``predict`` and every prediction after it against the
task, so a model that returns the wrong shape is caught while its author is testing it, not by
the first user of a deployed model. ``ensemble_predictions`` is the predictor's last step.
"""

from __future__ import annotations

import json
import math
import numbers
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain
from typing import Any

from .constants import DatasetType, TaskType

PROBABILITY_SUM_TOLERANCE = 1e-3
_PLAIN_INT = {int}
_ROW_TYPES = {list, tuple}


@dataclass(frozen=True)
class TaskSpec:
    """The contract of one task: the dataset it trains on and what queries/predictions look like."""

    task: str
    dataset_type: str
    query_format: str
    prediction_format: str
    check_query: Callable[[Any], str | None]
    check_prediction: Callable[..., str | None]


def _is_sequence(value: Any) -> bool:
    return isinstance(value, (list, tuple))


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _shorten(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_plain_image(query: list) -> bool:
    """The common case, checked at C speed: equal, non-empty rows of plain ints in [0, 255]."""
    if not set(map(type, query)) <= _ROW_TYPES or len(set(map(len, query))) != 1:
        return False
    pixels = list(chain.from_iterable(query))
    return bool(pixels) and set(map(type, pixels)) == _PLAIN_INT and 0 <= min(pixels) \
        and max(pixels) <= 255


def check_image_query(query: Any) -> str | None:
    """A query of IMAGE_CLASSIFICATION: a non-empty 2D list of grayscale ints (0-255)."""
    if hasattr(query, "tolist") and hasattr(query, "ndim"):  # a numpy array: judge its contents
        query = query.tolist()
    if not _is_sequence(query) or not query:
        return f"should be a non-empty 2D list of grayscale ints, got {_shorten(query)}"
    if _is_plain_image(query):
        return None
    width = None
    for y, row in enumerate(query):
        if not _is_sequence(row) or not row:
            return f"row {y} should be a non-empty list of grayscale ints, got {_shorten(row)}"
        if width is None:
            width = len(row)
        elif len(row) != width:
            return f"row {y} has {len(row)} pixels but row 0 has {width}"
        for x, pixel in enumerate(row):
            if not _is_int(pixel) or not 0 <= pixel <= 255:
                return f"pixel ({y}, {x}) should be an int in [0, 255], got {pixel!r}"
    return None


def check_image_prediction(prediction: Any, query: Any = None) -> str | None:
    """A prediction of IMAGE_CLASSIFICATION: k class probabilities, finite, >= 0, summing to 1."""
    if not _is_sequence(prediction) or not prediction:
        return f"should be a non-empty list of class probabilities, got {_shorten(prediction)}"
    for i, p in enumerate(prediction):
        if not _is_real(p):
            return f"probability {i} should be a number, got {p!r}"
        if not math.isfinite(p) or p < 0:
            return f"probability {i} should be finite and non-negative, got {p!r}"
    total = math.fsum(float(p) for p in prediction)
    if abs(total - 1.0) > PROBABILITY_SUM_TOLERANCE:
        return f"class probabilities should sum to 1, they sum to {total:.6g}"
    return None


def check_tagging_query(query: Any) -> str | None:
    """A query of POS_TAGGING: a list of token strings (one sentence)."""
    if not _is_sequence(query):
        return f"should be a list of token strings, got {_shorten(query)}"
    for i, token in enumerate(query):
        if not isinstance(token, str):
            return f"token {i} should be a str, got {token!r}"
    return None


def check_tagging_prediction(prediction: Any, query: Any = None) -> str | None:
    """A prediction of POS_TAGGING: one non-negative tag index per token of the query."""
    if not _is_sequence(prediction):
        return f"should be a list of tag indices, got {_shorten(prediction)}"
    for i, tag in enumerate(prediction):
        if not _is_int(tag) or tag < 0:
            return f"tag {i} should be a non-negative int (a tag index), got {tag!r}"
    if query is not None and _is_sequence(query) and len(prediction) != len(query):
        return f"has {len(prediction)} tags for {len(query)} tokens"
    return None


TASKS: dict[str, TaskSpec] = {
    TaskType.IMAGE_CLASSIFICATION: TaskSpec(
        task=TaskType.IMAGE_CLASSIFICATION,
        dataset_type=DatasetType.IMAGE_FILES,
        query_format="a 2D list of grayscale ints (an image)",
        prediction_format="a list of k class probabilities summing to 1",
        check_query=check_image_query,
        check_prediction=check_image_prediction,
    ),
    TaskType.POS_TAGGING: TaskSpec(
        task=TaskType.POS_TAGGING,
        dataset_type=DatasetType.CORPUS,
        query_format="a list of token strings (a sentence)",
        prediction_format="a list of tag indices, one per token",
        check_query=check_tagging_query,
        check_prediction=check_tagging_prediction,
    ),
}


def task_for_dataset_type(dataset_type: str) -> str:
    """The task whose datasets are of ``dataset_type`` (IMAGE_FILES -> IMAGE_CLASSIFICATION)."""
    for spec in TASKS.values():
        if spec.dataset_type == dataset_type:
            return spec.task
    known = ", ".join(spec.dataset_type for spec in TASKS.values())
    raise ValueError(f"No task trains on datasets of type {dataset_type!r} (known: {known})")


def query_problems(queries: Any, task: str) -> list[str]:
    """Each query that does not fit ``task``, as 'query i: why' (empty for an unknown task)."""
    if not isinstance(queries, (list, tuple)):
        return [f"queries should be a list, got {type(queries).__name__}"]
    spec = TASKS.get(task)
    if spec is None:
        return []
    problems = []
    for i, query in enumerate(queries):
        problem = spec.check_query(query)
        if problem:
            problems.append(f"query {i} {problem}")
    return problems


_NUMPY_TYPE = re.compile(r"type '?(ndarray|u?int\d+|float\d+|bool_)")


def _json_problem(value: Any) -> str | None:
    """Why ``value`` cannot be sent as JSON (strict: no NaN or infinity), or None."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        hint = " (convert numpy values with `.tolist()`)" if _NUMPY_TYPE.search(str(exc)) else ""
        return f"{exc}{hint}"
    return None


def prediction_problems(predictions: Any, queries: list, task: str) -> list[str]:
    """Why ``predictions`` are not one JSON-serialisable, task-shaped prediction per query."""
    if hasattr(predictions, "tolist") and hasattr(predictions, "ndim"):
        return ["predictions should be a list, got a numpy array (return `.tolist()`)"]
    if not isinstance(predictions, (list, tuple)):
        return [f"predictions should be a list, got {type(predictions).__name__}"]
    if len(predictions) != len(queries):
        return [f"got {len(predictions)} predictions for {len(queries)} queries"]
    problems = []
    spec = TASKS.get(task)
    for i, (prediction, query) in enumerate(zip(predictions, queries, strict=True)):
        problem = _json_problem(prediction)
        if problem:
            problems.append(f"prediction {i} is not JSON-serialisable: {problem}")
            continue
        if spec is not None:
            problem = spec.check_prediction(prediction, query)
            if problem:
                problems.append(f"prediction {i} {problem}")
    if not problems and task == TaskType.IMAGE_CLASSIFICATION and predictions:
        sizes = {len(p) for p in predictions}
        if len(sizes) > 1:
            problems.append(f"predictions have different numbers of classes: {sorted(sizes)}")
    return problems


def _plain(value: Any) -> Any:
    """Numpy arrays and scalars as plain Python lists and numbers."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def ensemble_predictions(predictions_per_model: list[list], task: str) -> list:
    """Combine several models' predictions for the same queries, as Rafiki's predictor did.

    IMAGE_CLASSIFICATION averages the class probabilities; POS_TAGGING takes the majority tag
    of each token (ties go to the earliest model); other tasks keep the first model's.
    """
    if len(predictions_per_model) == 0 or len(predictions_per_model[0]) == 0:
        return []
    models = [_plain(predictions) for predictions in predictions_per_model]
    if task == TaskType.IMAGE_CLASSIFICATION:
        averaged = []
        for per_model in zip(*models, strict=True):
            averaged.append([math.fsum(ps) / len(ps) for ps in zip(*per_model, strict=True)])
        return averaged
    if task == TaskType.POS_TAGGING:
        voted = []
        for per_model in zip(*models, strict=True):
            tags_per_token = zip(*per_model, strict=True)
            voted.append([Counter(tags).most_common(1)[0][0] for tags in tags_per_token])
        return voted
    return models[0]
