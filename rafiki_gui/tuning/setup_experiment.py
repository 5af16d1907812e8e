"""Which stored tuning belongs to the window's setup: after a relaunch the Tuning tab said
"No experiment open" although the store held a tuning of exactly the open model and datasets.
The tab now opens the newest one (a user tuning again gets the experiment of the pins chosen,
as before). Plain Python, so the choice is tested on plain records."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any


def _same_file(stored: str, path: str) -> bool:
    """The same local file (the store keeps resolved paths) or the same URI."""
    if not stored or not path:
        return False
    if stored == path:
        return True
    if "://" in stored or "://" in path:
        return False
    return Path(stored).resolve() == Path(path).resolve()


def latest_tuning_of(experiments: Iterable[Any], model_path: str, model_class: str,
                     train_path: str, test_path: str) -> Any | None:
    """The newest tuning experiment (highest id) of this model file, class and datasets,
    or None."""
    matching = [e for e in experiments
                if e.kind == "tuning" and e.model_class == model_class
                and _same_file(e.model_file_path, model_path)
                and _same_file(e.train_dataset_uri, train_path)
                and _same_file(e.test_dataset_uri, test_path)]
    return max(matching, key=lambda e: e.id, default=None)
