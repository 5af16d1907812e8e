"""What the datasets panel shows of one zip (its summary and a few samples), and the plain
function that reads it.

``load_dataset_view`` knows nothing of widgets or processes: the window calls it in a child
process (``dataset_reader_process``), tests and benchmarks may call it directly. Summarizing
decodes the whole dataset through the decoded-dataset cache on disk, so the run that follows
does not decode it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the dataset code loads in the reading process, not with the window
    import numpy as np

    from rafiki.dataset_summary import DatasetSummary

PREVIEW_IMAGES = 40
PREVIEW_SENTENCES = 12
PREVIEW_SIDE = 256
"""Preview images larger than this (either side) come to the window scaled down: they are
shown as thumbnails, and 40 full 6000x6000 images would be 1.4 GB in the window."""


@dataclass
class DatasetView:
    """What the datasets panel shows of one zip: its summary and a few samples."""

    summary: DatasetSummary
    images: np.ndarray | None = None
    """(n, height, width) uint8 preview images (IMAGE_FILES), spread over the dataset."""
    image_classes: list[int] = field(default_factory=list)
    sentences: list[list[list]] = field(default_factory=list)
    """The first sentences (CORPUS): [[token, tag, ...], ...] each."""


def load_dataset_view(path: str) -> DatasetView:
    """Summary and preview of the dataset at ``path`` (raises ValueError naming the file when
    it is no dataset at all; problems inside it come back in ``summary.problems``)."""
    import numpy as np

    from rafiki.constants import DatasetType
    from rafiki.dataset_summary import summarize_dataset
    from rafiki.model.dataset import CorpusDataset, DatasetError, ImageFilesDataset

    summary = summarize_dataset(path)
    view = DatasetView(summary)
    if summary.problems and not summary.size:
        return view
    try:
        if summary.dataset_type == DatasetType.IMAGE_FILES:
            dataset = ImageFilesDataset(path)  # cached by the summary: no second decode
            if dataset.size:
                count = min(PREVIEW_IMAGES, dataset.size)
                indices = np.linspace(0, dataset.size - 1, count).astype(int)
                view.images = _preview_sized(np.asarray(dataset.images[indices]))
                view.image_classes = dataset.image_classes[indices].tolist()
        else:
            dataset = CorpusDataset(path, summary.tags or ["tag"])
            view.sentences = dataset[:PREVIEW_SENTENCES]
    except DatasetError as exc:  # already among the summary's problems, usually
        if str(exc) not in summary.problems:
            summary.problems.append(str(exc))
    return view


def _preview_sized(images: np.ndarray) -> np.ndarray:
    """The images scaled down (aspect kept) so neither side exceeds PREVIEW_SIDE."""
    height, width = images.shape[1:3]
    if max(height, width) <= PREVIEW_SIDE:
        return images
    import numpy as np

    from rafiki.model.dataset_images import resize_image

    scale = PREVIEW_SIDE / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.stack([resize_image(image, size) for image in images])


def view_or_error(path: str) -> tuple[str, object]:
    """In the child: ("view", DatasetView) or ("error", message). Errors go back as text:
    DatasetError's constructor takes the file and cause apart, so it does not unpickle."""
    try:
        return "view", load_dataset_view(path)
    except Exception as exc:  # noqa: BLE001 (any failure is reported by the parent)
        message = str(exc)
        if path not in message:
            message = f"{path}: {type(exc).__name__}: {message}"
        return "error", message
