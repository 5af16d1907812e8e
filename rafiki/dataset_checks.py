"""Does a dataset fit the model's task? Asked before a run, so a wrong or broken dataset is
refused next to the dataset with the reason, not found out deep in the model's ``train``.

The answers come from a :class:`~rafiki.dataset_summary.DatasetSummary` (the datasets are read
once, off any UI thread, by whoever calls :func:`~rafiki.dataset_summary.summarize_dataset`);
nothing here reads a file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .tasks import TASKS

if TYPE_CHECKING:
    from .dataset_summary import DatasetSummary


def dataset_problems(summary: DatasetSummary, task: str | None) -> list[str]:
    """Why a run cannot use this dataset for ``task`` (empty when it can).

    Refused: samples that cannot be read, a dataset with no samples, and a dataset of another
    type than the task trains on (an IMAGE_CLASSIFICATION model given a CORPUS).
    """
    name = Path(summary.path).name
    if summary.unreadable:
        return [f"{name} cannot be read: {_cause(summary)}"]
    problems = []
    spec = TASKS.get(task) if task else None
    if spec is not None and summary.dataset_type != spec.dataset_type:
        problems.append(f"{name} is {a_dataset_of(summary.dataset_type)}, but {task} trains "
                        f"and tests on {spec.dataset_type} datasets")
    if not summary.size:
        problems.append(f"{name} has no samples")
    return problems


def split_warnings(train: DatasetSummary | None, test: DatasetSummary | None) -> list[str]:
    """What looks wrong between the two splits, without refusing the run (a model may resize
    its images, so differing sizes are its author's call): shown beside the test dataset.
    Splits of different types are no warning: :func:`dataset_problems` refuses one of them."""
    if train is None or test is None or train.unreadable or test.unreadable or \
            train.dataset_type != test.dataset_type:
        return []
    warnings = []
    if train.image_shape and test.image_shape and train.image_shape != test.image_shape:
        warnings.append(f"test images are {shape_text(test.image_shape)}, train images "
                        f"{shape_text(train.image_shape)}: the model is tested on another "
                        "size than it was trained on")
    elif train.label_count and test.label_count > train.label_count:
        warnings.append(f"the test dataset has labels up to {test.label_count - 1}, the train "
                        f"dataset only up to {train.label_count - 1}")
    return warnings


def a_dataset_of(dataset_type: str) -> str:
    """"an IMAGE_FILES dataset", "a CORPUS dataset"."""
    article = "an" if dataset_type[:1].upper() in "AEIOU" else "a"
    return f"{article} {dataset_type} dataset"


def shape_text(shape: tuple[int, ...]) -> str:
    """(height, width[, channels]) as a user reads it: "8×8 px", "28×28×3"."""
    height, width = shape[0], shape[1]
    if len(shape) > 2:
        return f"{width}×{height}×{shape[2]}"
    return f"{width}×{height} px"


def _cause(summary: DatasetSummary) -> str:
    """The unreadable message without the dataset path it starts with (shown beside it)."""
    text = summary.unreadable or ""
    prefix = f"{summary.path}: "
    return text[len(prefix):] if text.startswith(prefix) else text
