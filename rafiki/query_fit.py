"""Do these queries fit a model trained on this dataset? Asked before a run uses queries that
did not come from the test dataset itself (the ones a model file's ``test_model_class(...)``
block names, or a JSON file), so 28×28 queries are never sent to a model trained on 8×8 images.

Nothing here reads a file: the dataset's shape comes from its
:class:`~rafiki.dataset_summary.DatasetSummary`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .constants import TaskType
from .dataset_checks import a_dataset_of, shape_text
from .tasks import TASKS, query_problems

if TYPE_CHECKING:
    from .dataset_summary import DatasetSummary


def queries_problem(queries: Any, task: str | None, summary: DatasetSummary | None
                    ) -> str | None:
    """Why ``queries`` cannot be sent to a model of ``task`` trained and tested on datasets
    like ``summary`` (None when they fit; the shape is judged only once the dataset is read)."""
    if not isinstance(queries, (list, tuple)):
        return f"the queries should be a list, got {type(queries).__name__}"
    if not queries:
        return "there are no queries"
    spec = TASKS.get(task) if task else None
    if spec is None:
        return None
    if summary is not None and not summary.unreadable and \
            summary.dataset_type != spec.dataset_type:
        return (f"{Path(summary.path).name} is {a_dataset_of(summary.dataset_type)}: {task} "
                f"queries are judged against {spec.dataset_type} datasets")
    if task == TaskType.IMAGE_CLASSIFICATION:
        problem = _image_shape_problem(queries, summary)
        if problem:
            return problem
    problems = query_problems(queries, task)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return f"{problems[0]}{more}; each should be {spec.query_format}"
    return None


def query_shape(query: Any) -> tuple[int, ...] | None:
    """(height, width) of a 2-D image query, (height, width, channels) of a 3-D one, None
    when it is neither a rectangle of numbers nor of pixel lists."""
    if hasattr(query, "shape"):
        return tuple(int(n) for n in query.shape)
    if not isinstance(query, (list, tuple)) or not query:
        return None
    row = query[0]
    if not isinstance(row, (list, tuple)) or not row:
        return None
    pixel = row[0]
    if isinstance(pixel, (list, tuple)):
        return (len(query), len(row), len(pixel))
    return (len(query), len(row))


def _image_shape_problem(queries: list, summary: DatasetSummary | None) -> str | None:
    shapes = [query_shape(q) for q in queries]
    if any(shape is None for shape in shapes):
        return None  # query_problems names what is wrong with it
    distinct = sorted(set(shapes))
    if len(distinct) > 1:
        return (f"the queries have {len(distinct)} different shapes "
                f"({', '.join(shape_text(s) for s in distinct[:3])})")
    shape = distinct[0]
    what = (f"the query is an image of {shape_text(shape)}" if len(queries) == 1 else
            f"the {len(queries)} queries are images of {shape_text(shape)}")
    if len(shape) > 2:
        return (f"{what} ({shape[2]} channels); the task's queries are grayscale 2-D "
                "images")
    if summary is not None and summary.image_shape and tuple(shape) != summary.image_shape:
        return (f"{what}, but {Path(summary.path).name}'s images are "
                f"{shape_text(summary.image_shape)}")
    return None
