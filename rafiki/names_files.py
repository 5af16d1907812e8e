"""Class and tag names files: what they name, whether they fit a dataset, and the one that sits
beside a dataset zip.

A names file only helps when it names the labels of the data on screen: ten digit names laid
over a corpus of seventeen part-of-speech tags turn every prediction into a lie. So a names
file is applied only after :func:`names_problem` finds nothing wrong with it for the chosen
datasets, and the file shipped beside a dataset (``digits_meta.csv`` for ``digits_train.zip``,
as Rafiki's examples name them) is found by :func:`names_file_beside`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .constants import DatasetType
from .dataset_checks import a_dataset_of

if TYPE_CHECKING:
    from .dataset_summary import DatasetSummary

CLASS_NAMES, TAG_NAMES = "class", "tag"
"""What a names file names, from the first column of its header (``class,name`` or
``tag<TAB>name`` in Rafiki's examples)."""
LABEL_KIND_OF_DATASET = {DatasetType.IMAGE_FILES: CLASS_NAMES, DatasetType.CORPUS: TAG_NAMES}
NAMES_SUFFIXES = (".csv", ".tsv")
_SPLIT_NAME = re.compile(r"^(?P<prefix>.+)_(?:train|test)(?:[_.-].*)?$", re.IGNORECASE)


@dataclass(frozen=True)
class NamesFile:
    """A parsed names file: index -> name, and what its header says it names (or None)."""

    path: str
    names: dict[int, str]
    kind: str | None

    @property
    def file_name(self) -> str:
        return Path(self.path).name

    def describe(self) -> str:
        """"10 class names (0-9)" and the like."""
        what = f"{self.kind} names" if self.kind else "names"
        if not self.names:
            return f"no {what}"
        indices = sorted(self.names)
        span = f"{indices[0]}-{indices[-1]}" if len(indices) > 1 else str(indices[0])
        return f"{len(self.names)} {what} ({span})"


def read_names_file(path: str | Path) -> NamesFile:
    """Parse ``path`` (ValueError naming the file and line when it cannot be read)."""
    from .dataset_summary import load_label_names

    names = load_label_names(path)
    return NamesFile(str(path), names, _header_kind(Path(path)))


def _header_kind(path: Path) -> str | None:
    """``class`` or ``tag`` when the file's header row starts with that word."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as file:
            first = file.readline(4096)
    except OSError:
        return None
    field = re.split(r"[,\t]", first.strip(), maxsplit=1)[0].strip().strip('"').lower()
    return {"class": CLASS_NAMES, "classes": CLASS_NAMES, "label": None, "tag": TAG_NAMES,
            "tags": TAG_NAMES}.get(field)


def names_problem(names_file: NamesFile, summaries: Iterable[DatasetSummary | None]
                  ) -> str | None:
    """Why ``names_file`` does not fit these datasets (None when it does, or when no dataset
    has been read to judge it by).

    It fits when its header (if any) names the datasets' kind of label (classes for
    IMAGE_FILES, tags for CORPUS) and it names exactly the labels 0..k-1 the datasets use.
    """
    read = [s for s in summaries if s is not None and not s.unreadable]
    if not read:
        return None
    name = names_file.file_name
    for summary in read:
        wanted = LABEL_KIND_OF_DATASET.get(summary.dataset_type)
        if names_file.kind and wanted and names_file.kind != wanted:
            return (f"{name} names {_plural(names_file.kind)} (its header says "
                    f"{names_file.kind!r}), but {Path(summary.path).name} is "
                    f"{a_dataset_of(summary.dataset_type)} of {_plural(wanted)}")
    widest = max(read, key=lambda s: s.label_count)
    count = widest.label_count
    if count and sorted(names_file.names) != list(range(count)):
        label = LABEL_KIND_OF_DATASET.get(widest.dataset_type, "label")
        return (f"{name} has {names_file.describe()}, but {Path(widest.path).name} has "
                f"{count} {_plural(label)} (0-{count - 1})")
    return None


def _plural(kind: str) -> str:
    return "classes" if kind == CLASS_NAMES else f"{kind}s"


def names_file_beside(dataset_path: str | Path) -> str | None:
    """The names file shipped with a dataset split: for ``<prefix>_train.zip`` or
    ``<prefix>_test.zip``, an existing ``<prefix>_meta.csv`` or ``<prefix>_meta.tsv`` in the
    same folder (None when there is none)."""
    path = Path(dataset_path)
    match = _SPLIT_NAME.match(path.stem)
    if not match:
        return None
    for suffix in NAMES_SUFFIXES:
        candidate = path.with_name(f"{match.group('prefix')}_meta{suffix}")
        if candidate.is_file():
            return str(candidate)
    return None
