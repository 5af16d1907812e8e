"""A dataset's summary and a small preview, read off the UI thread.

Summarizing decodes the whole dataset (through the shared cache, so the run that follows does
not decode it again); that can take seconds for a large zip, so it runs on a worker and the
panel only paints the answer. ``load_dataset_view`` is the plain function that reads it: it
knows nothing of widgets and can be called directly (tests, benchmarks).

The window reads through :func:`read_dataset_view_isolated`, which runs that function in a
child process: a dataset zip is untrusted, and even within the decoded-size budget its decode
may cost the budget (2 GB by default) in memory; a 51 KB corpus zip once grew the window to
1.6 GB while it was summarised. The child's memory goes back to the system when it ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from .thread_worker import ThreadWorker, error_dict

if TYPE_CHECKING:  # the dataset code loads on the loader's thread, not with the window
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


def _view_or_error(path: str) -> tuple[str, object]:
    """In the child: ("view", DatasetView) or ("error", message). Errors go back as text:
    DatasetError's constructor takes the file and cause apart, so it does not unpickle."""
    try:
        return "view", load_dataset_view(path)
    except Exception as exc:  # noqa: BLE001 (any failure is reported by the parent)
        message = str(exc)
        if path not in message:
            message = f"{path}: {type(exc).__name__}: {message}"
        return "error", message


def read_dataset_view_isolated(path: str) -> DatasetView:
    """:func:`load_dataset_view` run in a fresh child process (spawned, so it also works in a
    packaged binary, which re-invokes itself); raises ValueError with the child's message."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # spawn, not fork: a forked child would share the window's Qt threads and memory
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        try:
            kind, answer = pool.submit(_view_or_error, path).result()
        except BrokenProcessPool:
            raise ValueError(f"{path}: the process reading the dataset ended unexpectedly "
                             "(out of memory?)") from None
    if kind == "error":
        raise ValueError(answer)
    return answer


class DatasetLoader(ThreadWorker):
    """Loads one dataset's view on its own worker; one loader per request."""

    # from ThreadWorker: sig_returned (the DatasetView) when the dataset was read,
    # sig_errored (error dict whose message names the file and the cause) when it could not
    # be, sig_finished after either

    error_stage = "read"

    def __init__(self, path: str):
        super().__init__("rafiki-dataset-loader")
        self.path = path

    def _drive(self) -> None:
        try:
            # NOT YET read_dataset_view_isolated: under load its spawn outlived tests that do
            # not wait for the loader (tests/gui/test_session.py); see docs/RELIABILITY.md
            view = load_dataset_view(self.path)
        except Exception as exc:  # shown inline by the panel; never raised into Qt
            message = str(exc)
            if self.path not in message:
                message = f"{self.path}: {type(exc).__name__}: {message}"
            self.sig_errored.emit(error_dict(self.error_stage, exc) | {"message": message})
            return
        self.sig_returned.emit(view)


class DatasetReader(QObject):
    """The train and test datasets of a Session, each read once per chosen path on its own
    :class:`DatasetLoader`; an answer for a path no longer chosen is dropped."""

    sig_read = Signal(str)
    """(role: "train" or "test") its dataset was read: ``views[role]`` or ``errors[role]``."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.paths: dict[str, str] = {"train": "", "test": ""}
        self.views: dict[str, DatasetView] = {}
        self.errors: dict[str, str] = {}
        self._loaders: set[DatasetLoader] = set()
        self._pending: set[str] = set()

    def set_path(self, role: str, path: str) -> bool:
        """Read ``path`` as the ``role`` dataset (""  for none); False when it was already."""
        if self.paths.get(role) == path:
            return False
        self.paths[role] = path
        self.views.pop(role, None)
        self.errors.pop(role, None)
        if not path:
            self._pending.discard(role)
            return True
        self._pending.add(role)
        # the other role may name the same file: then its answer serves both
        if not any(loader.path == path for loader in self._loaders):
            loader = DatasetLoader(path)
            loader.sig_returned.connect(self._returned)
            loader.sig_errored.connect(self._errored)
            loader.sig_finished.connect(self._forget)
            self._loaders.add(loader)
            loader.start()
        return True

    def reading(self, role: str | None = None) -> bool:
        """True while the ``role`` dataset (either, for None) is still being read."""
        return bool(self._pending) if role is None else role in self._pending

    def summary(self, role: str) -> DatasetSummary | None:
        view = self.views.get(role)
        return None if view is None else view.summary

    def _roles_of(self, path: str) -> list[str]:
        return [role for role, chosen in self.paths.items() if chosen == path]

    def _returned(self, view: DatasetView) -> None:
        for role in self._roles_of(self.sender().path):
            self.views[role] = view
            self._pending.discard(role)
            self.sig_read.emit(role)

    def _errored(self, error: dict) -> None:
        for role in self._roles_of(self.sender().path):
            self.errors[role] = error["message"]
            self._pending.discard(role)
            self.sig_read.emit(role)

    def _forget(self) -> None:
        self._loaders.discard(self.sender())  # the loader deletes itself with its thread
        # a path chosen again while its loader was finishing: read it afresh
        for role in list(self._pending):
            path = self.paths[role]
            if not any(other.path == path for other in self._loaders) and \
                    role not in self.views and role not in self.errors:
                self.paths[role] = ""
                self.set_path(role, path)
