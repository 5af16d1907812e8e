"""Notices when the open model file changes on disk, so the window can inspect it again.

A developer edits the model in an editor beside the workbench; without this the knob form
and the next run would use the inspection of the old source. Editors save in different ways
(write in place, or write a temp file and rename it over the old one, which drops the file
from QFileSystemWatcher), so the path is watched again after every change, and a change
counts only when the file's contents differ (a touch, or a save without edits, is not one).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

SETTLE_MS = 300
"""Editors write in several steps (truncate, write, rename): wait for them to finish."""


def _digest(path: str) -> str | None:
    import hashlib  # with the first model file, not with the window (~9 ms of the launch)

    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None  # gone for now (mid-rename), or unreadable


class ModelFileWatch(QObject):
    """Watches one file; ``sig_changed`` when its contents change."""

    sig_changed = Signal(str)
    """The watched file's contents changed: (path)."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.path = ""
        self._digest: str | None = None
        self._watcher: QFileSystemWatcher | None = None  # made with the first file watched
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._check)

    def watch(self, path: str) -> None:
        """Watch ``path`` (empty: nothing) instead of the file watched so far."""
        if self._watcher is None:
            if not path:
                return
            self._watcher = QFileSystemWatcher(self)
            self._watcher.fileChanged.connect(self._touched)
        if self._watcher.files():
            self._watcher.removePaths(self._watcher.files())
        self.path = str(path) if path else ""
        self._digest = _digest(self.path) if self.path else None
        if self.path and Path(self.path).exists():
            self._watcher.addPath(self.path)

    def _touched(self, _path: str) -> None:
        self._settle.start()

    def _check(self) -> None:
        if not self.path:
            return
        if self.path not in self._watcher.files() and Path(self.path).exists():
            self._watcher.addPath(self.path)  # replaced by a rename: watch the new file
        digest = _digest(self.path)
        if digest is None or digest == self._digest:
            return
        self._digest = digest
        self.sig_changed.emit(self.path)
