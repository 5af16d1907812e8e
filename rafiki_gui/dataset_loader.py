"""A dataset's summary and a small preview, read off the UI thread and out of the window's
process.

Summarizing decodes the whole dataset; that can take seconds for a large zip and, the zip being
untrusted, up to the decoded-size budget in memory. So each read waits on a worker
(:class:`ThreadWorker`) for a warm child process (:mod:`rafiki_gui.dataset_reader_process`)
that does the decoding, and the panel only paints the answer (the summary and thumbnails). A
read whose dataset is no longer chosen is cancelled: its child is killed, so a bomb chosen by
mistake stops costing at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from .dataset_view import DatasetView
from .thread_worker import ThreadWorker, error_dict

if TYPE_CHECKING:
    from rafiki.dataset_summary import DatasetSummary

    from .dataset_reader_process import ReaderProcess

__all__ = ["DatasetLoader", "DatasetReader", "DatasetView"]

class DatasetLoader(ThreadWorker):
    """Loads one dataset's view on its own worker; one loader per request."""

    # from ThreadWorker: sig_returned (the DatasetView) when the dataset was read,
    # sig_errored (error dict whose message names the file and the cause) when it could not
    # be, sig_finished after either

    error_stage = "read"

    def __init__(self, path: str):
        super().__init__("rafiki-dataset-loader")
        self.path = path
        self._reader: ReaderProcess | None = None
        self._cancelled = False

    def cancel(self) -> None:
        """Stop the read (its child is killed); the loader then ends with sig_errored."""
        with self._lock:
            self._cancelled = True
            reader = self._reader
        if reader is not None:
            reader.kill()

    def _reading_with(self, reader: ReaderProcess | None) -> None:
        """The child reading for this loader (None once its read is over: from then on it may
        serve another loader, which a cancel of this one must not kill)."""
        with self._lock:
            self._reader = reader
            cancelled = self._cancelled
        if cancelled and reader is not None:
            reader.kill()

    def _drive(self) -> None:
        from .dataset_reader_process import read_dataset_view_isolated

        try:
            view = read_dataset_view_isolated(self.path, on_reader=self._reading_with)
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
        """Read ``path`` as the ``role`` dataset (""  for none); False when it was already.
        A read of the path it replaces is cancelled unless the other role still wants it."""
        if self.paths.get(role) == path:
            return False
        self.paths[role] = path
        self._cancel_unwanted()
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

    def _cancel_unwanted(self) -> None:
        wanted = set(self.paths.values())
        for loader in self._loaders:
            if loader.path not in wanted:
                loader.cancel()

    def shutdown(self, wait_s: float = 10.0) -> None:
        """Cancel every read in flight and wait for its thread (the window closes: a QThread
        destroyed while running aborts the process). A cancelled read ends as soon as its child
        is killed, so the wait is short."""
        for loader in self._loaders:
            loader.cancel()
        for loader in list(self._loaders):
            loader.wait(wait_s)

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
