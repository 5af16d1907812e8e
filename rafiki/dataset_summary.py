"""What a dataset file is and holds, for the GUI and CLI to describe it and infer the task.

Cheap questions (which type is this zip?) peek at the archive's names only; the full summary
loads through the decoded cache, so describing a dataset a model will then train on costs the
decoding once. Content problems come back as ``problems`` rather than exceptions, so a panel
can show them next to whatever could be read.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .constants import DatasetType
from .model.dataset import CorpusDataset, ImageFilesDataset
from .model.dataset_corpus import CORPUS_TSV
from .model.dataset_errors import DatasetError
from .model.dataset_images import IMAGES_CSV, read_image_list
from .model.dataset_zip import DatasetZip

_MAX_LABEL_FILE_BYTES = 16 * 1024 * 1024


@dataclass
class DatasetSummary:
    """The shape of a dataset: counts, classes or tags, and what looks wrong with it."""

    path: str
    dataset_type: str
    size: int = 0
    classes: list[int] | None = None
    image_shape: tuple[int, int] | None = None
    tags: list[str] | None = None
    tag_num_classes: list[int] | None = None
    token_count: int | None = None
    problems: list[str] = field(default_factory=list)
    unreadable: str | None = None
    """Why the samples could not be read (also among ``problems``); None when they were."""

    @property
    def label_count(self) -> int:
        """How many classes (IMAGE_FILES) or first-column tags (CORPUS) its labels span:
        the largest index + 1, as Rafiki's datasets count them (0 when unknown)."""
        if self.classes:
            return max(self.classes) + 1
        return int(self.tag_num_classes[0]) if self.tag_num_classes else 0


def detect_dataset_type(path: str | Path) -> str:
    """``DatasetType.IMAGE_FILES`` or ``DatasetType.CORPUS`` from the zip's member names.

    Raises ValueError saying why for a missing file, a non-zip, or a zip of neither layout.
    """
    path = str(path)
    if not Path(path).is_file():
        raise DatasetError(path, "no such file" if not Path(path).exists() else "is not a file")
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise DatasetError(path, f"is not a zip archive ({exc})") from None
    if IMAGES_CSV in names:
        return DatasetType.IMAGE_FILES
    if CORPUS_TSV in names:
        return DatasetType.CORPUS
    nested = [n for n in names if n.endswith(("/" + IMAGES_CSV, "/" + CORPUS_TSV))]
    if nested:
        raise DatasetError(path, f"{nested[0]!r} must be at the root of the zip, not in a folder")
    raise DatasetError(path, f"is neither an IMAGE_FILES dataset ({IMAGES_CSV} at the root) "
                       f"nor a CORPUS dataset ({CORPUS_TSV} at the root)")


def summarize_dataset(path: str | Path) -> DatasetSummary:
    """Counts, classes/tags and problems of a dataset zip (decoded once, through the cache).

    Raises ValueError only when the type cannot be told (see :func:`detect_dataset_type`).
    """
    path = str(path)
    dataset_type = detect_dataset_type(path)
    summary = DatasetSummary(path=path, dataset_type=dataset_type)
    if dataset_type == DatasetType.IMAGE_FILES:
        _summarize_images(summary)
    else:
        _summarize_corpus(summary)
    return summary


def _summarize_images(summary: DatasetSummary) -> None:
    try:
        dataset = ImageFilesDataset(summary.path)
    except DatasetError as exc:
        summary.problems.append(str(exc))
        summary.unreadable = str(exc)
        try:
            with DatasetZip(summary.path) as archive:
                labels = [label for _, _, label in read_image_list(archive)]
            summary.size = len(labels)
            summary.classes = sorted(set(labels))
        except DatasetError:
            pass
        return
    summary.size = dataset.size
    summary.classes = np.unique(dataset.image_classes).tolist()
    summary.image_shape = tuple(dataset.images.shape[1:3]) if dataset.size else None
    if not dataset.size:
        summary.problems.append("the dataset has no images")
        return
    missing = sorted(set(range(dataset.classes)) - set(summary.classes))
    if missing:
        summary.problems.append(f"classes {_short(missing)} have no images (classes are 0.."
                                f"{dataset.classes - 1})")
    if len(summary.classes) == 1:
        summary.problems.append("every image is of one class")


def _summarize_corpus(summary: DatasetSummary) -> None:
    try:
        tags = corpus_tag_columns(summary.path)
        dataset = CorpusDataset(summary.path, tags)
    except DatasetError as exc:
        summary.problems.append(str(exc))
        summary.unreadable = str(exc)
        return
    summary.size = dataset.size
    summary.tags = dataset.tags
    summary.tag_num_classes = dataset.tag_num_classes
    summary.token_count = dataset.token_count
    if not dataset.size:
        summary.problems.append("the corpus has no sentences")
    for index, tag in enumerate(dataset.tags):
        used = np.unique(np.asarray(dataset.token_tags[:, index]))
        missing = sorted(set(range(dataset.tag_num_classes[index])) - set(used.tolist()))
        if missing:
            summary.problems.append(f"tag {tag!r}: classes {_short(missing)} never occur")


def corpus_tag_columns(path: str) -> list[str]:
    """Every column of corpus.tsv's header but ``token``."""
    with zipfile.ZipFile(path) as archive, archive.open(CORPUS_TSV) as member:
        header = member.readline(64 * 1024).decode("utf-8-sig", "replace").rstrip("\r\n")
    columns = [c for c in header.split("\t") if c != "token"]
    if not columns:
        raise DatasetError(path, f"header {header!r} has no tag column", CORPUS_TSV, 1)
    return columns


def _short(values: list[int], shown: int = 8) -> str:
    text = ", ".join(map(str, values[:shown]))
    return text + (f" (+{len(values) - shown} more)" if len(values) > shown else "")


def load_label_names(path: str | Path) -> dict[int, str]:
    """Class or tag index -> name from a ``class,name`` CSV or a ``tag<TAB>name`` TSV.

    A first row whose index is not a number is taken as the header. Raises ValueError naming
    the file and line for anything else unreadable.
    """
    path = str(path)
    try:
        with open(path, "rb") as file:
            data = file.read(_MAX_LABEL_FILE_BYTES + 1)
        if len(data) > _MAX_LABEL_FILE_BYTES:
            raise DatasetError(path, "is too large for a label names file")
        text = data.decode("utf-8-sig")
    except OSError as exc:
        raise DatasetError(path, f"cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise DatasetError(path, "is not UTF-8 text") from None
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first else ","
    names: dict[int, str] = {}
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                      quoting=csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL)
    for fields in rows:
        line = rows.line_num
        if not any(f.strip() for f in fields):
            continue
        if len(fields) < 2:
            raise DatasetError(path, f"expected 'index{delimiter}name', found {fields}",
                               Path(path).name, line)
        try:
            index = int(fields[0])
        except ValueError:
            if line == 1:
                continue  # the header
            raise DatasetError(path, f"index {fields[0]!r} is not an integer",
                               Path(path).name, line) from None
        if index < 0 or index in names:
            raise DatasetError(path, f"index {index} is " + ("negative" if index < 0 else
                               "listed twice"), Path(path).name, line)
        names[index] = delimiter.join(fields[1:]).strip()
    return names
