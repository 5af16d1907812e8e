"""The checks every front end makes before a run is stored: which task, do the datasets fit
it, do the knob values fit the model's knob config.

The window (``rafiki_gui.session``) reads its datasets in a child process and asks
:func:`task_of` and :func:`dataset_role_problems` with the summaries it got back; the command
line reads them in a child with :func:`read_datasets_in_child` and asks the same questions through
:func:`run_input_problems`. One set of answers, so a run the window refuses is refused by
``rafiki run``, ``rafiki tune`` and ``rafiki test-model`` too, before anything is stored,
instead of failing in Train or Evaluate with a traceback through the workbench.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .dataset_summary import DatasetSummary
    from .model.knob import BaseKnob

DATASET_ROLES = ("train", "test")


def task_of(named: str | None, train: DatasetSummary | None) -> str | None:
    """The run's task: the one named (``--task``, or the model file's ``test_model_class``
    call), else the one the train dataset's type implies; None when neither tells."""
    if named:
        return named
    if train is None:
        return None
    from .tasks import task_for_dataset_type

    try:
        return task_for_dataset_type(train.dataset_type)
    except ValueError:  # the dataset's own problem says why
        return None


def dataset_role_problems(role: str, summary: DatasetSummary | None, error: str | None,
                          task: str | None) -> list[str]:
    """Why the ``role`` ("train"/"test") dataset cannot be used for ``task``, one line each,
    starting with the role: ``error`` is why the file is no dataset at all."""
    from .dataset_checks import dataset_problems

    if error:
        return [f"{role} dataset: {error}"]
    if summary is None:
        return []
    return [f"{role} dataset: {problem}" for problem in dataset_problems(summary, task)]


def read_dataset(uri: str) -> tuple[DatasetSummary | None, str | None]:
    """(summary, None), or (None, why it is no dataset); (None, None) for a remote URI (it is
    downloaded by the run itself). Decodes through the dataset cache, so the run that follows
    does not decode again."""
    from .dataset_summary import summarize_dataset
    from .paths import local_path_of

    path = local_path_of(uri)
    if path is None:
        return None, None
    try:
        return summarize_dataset(path), None
    except Exception as exc:  # noqa: BLE001 (any failure to read is the dataset's problem)
        message = str(exc)
        return None, message if str(path) in message else f"{path}: {message}"


READ_HEADROOM_MB = 1024
"""A dataset-reading child's memory limit above the dataset budget: the interpreter, numpy
and a decode's transient copies."""


def reading_limit_mb() -> int:
    """The memory limit of a child that reads untrusted dataset zips (this module's and the
    window's dataset reader, rafiki_gui/dataset_reader_process)."""
    from .model.dataset_budget import dataset_budget_bytes

    return dataset_budget_bytes() // 2**20 + READ_HEADROOM_MB


def _read_all(uris: list[str], limit_mb: int) -> list[tuple[DatasetSummary | None, str | None]]:
    from .memory_limit import apply_rlimit

    apply_rlimit(limit_mb)
    return [read_dataset(uri) for uri in uris]


def read_datasets_in_child(
        uris: list[str], meanwhile: Callable[[], Any] | None = None,
) -> tuple[list[tuple[DatasetSummary | None, str | None]], Any]:
    """(:func:`read_dataset` of each URI, ``meanwhile()``'s answer): the datasets are read in
    one spawned child under a memory limit (a zip is untrusted, and its decode may cost up to
    the dataset budget, which a ``rafiki tune`` that lives for hours should not keep) while
    ``meanwhile`` runs here (loading the model file in a child of its own: the two overlap).
    A child that dies (a bomb the budget missed) is said as the dataset's problem."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from .paths import local_path_of

    if all(local_path_of(uri) is None for uri in uris):
        return [(None, None) for _ in uris], meanwhile() if meanwhile else None
    limit_mb = reading_limit_mb()
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        reading = pool.submit(_read_all, list(uris), limit_mb)
        answer = meanwhile() if meanwhile else None
        try:
            return reading.result(), answer
        except BrokenProcessPool:
            message = (f"the process reading the datasets ended unexpectedly (out of memory? "
                       f"its limit is {limit_mb} MB)")
            return [(None, f"{uri}: {message}") for uri in uris], answer


def pinned_knob_problems(knob_config: dict[str, BaseKnob], pinned: dict[str, Any]) -> list[str]:
    """Why some pinned knob values misfit the config (the others are the tuner's to choose)."""
    from .model.knob import default_knobs, knob_problems

    return knob_problems(knob_config, {**default_knobs(knob_config), **pinned})


def run_input_problems(
        train_uri: str, test_uri: str, named_task: str | None,
        knobs: dict[str, Any] | None = None,
        knob_config_of: Callable[[], dict[str, BaseKnob] | None] | None = None,
        partial_knobs: bool = False) -> tuple[str | None, list[str]]:
    """(task, problems) of a run about to be stored: the datasets against the task, and the
    ``knobs`` against the config ``knob_config_of()`` gives (None: not known, not checked),
    asked while the datasets are read; ``partial_knobs``: pinned values, the rest chosen
    later. Empty problems: the run may start."""
    asked = knob_config_of if knobs is not None else None
    read, knob_config = read_datasets_in_child([train_uri, test_uri], asked)
    read = dict(zip(DATASET_ROLES, read, strict=True))
    task = task_of(named_task, read["train"][0])
    problems: list[str] = []
    for role in DATASET_ROLES:
        summary, error = read[role]
        problems += dataset_role_problems(role, summary, error, task)
    if knob_config is not None and knobs is not None:
        from .model.knob import knob_problems

        problems += (pinned_knob_problems(knob_config, knobs) if partial_knobs
                     else knob_problems(knob_config, knobs))
    return task, problems
