"""The QThread plumbing every worker shares: a QObject moved to its own thread, started once,
and deleted with its thread when done (finished -> quit -> deleteLater wired once, as
superqt does).

A subclass says what to drive (``_drive``, on the worker's thread) and how buffered results
reach the UI (``_flush``); exceptions become ``sig_errored`` with a traceback, and
``sig_finished`` always comes last.
"""

from __future__ import annotations

import threading
import traceback

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

_LIVE_WORKERS: set[ThreadWorker] = set()  # Python owns the QThread: keep it until it finished


class ThreadWorker(QObject):
    """Base of the run and tuning workers: one job on one QThread."""

    sig_errored = Signal(dict)
    """The worker failed before an outcome: (error dict: stage, type, message, traceback)."""
    sig_finished = Signal()
    """The worker is done, whatever happened; its thread quits and both are deleted later."""

    error_stage: str | None = None  # what sig_errored names as the stage

    def __init__(self, thread_name: str):
        super().__init__()
        self._lock = threading.Lock()
        self._stop_requested = threading.Event()
        self._done = threading.Event()
        self._thread = QThread()
        self._thread.setObjectName(thread_name)
        self.moveToThread(self._thread)
        self._thread.started.connect(self._work)
        # quit is thread-safe: call it directly, so wait() on the UI thread cannot deadlock
        self.sig_finished.connect(self._thread.quit, Qt.ConnectionType.DirectConnection)
        self._thread.finished.connect(self._release, Qt.ConnectionType.QueuedConnection)

    def start(self) -> None:
        _LIVE_WORKERS.add(self)
        self._thread.start()

    @property
    def stop_requested(self) -> bool:
        return self._stop_requested.is_set()

    def wait(self, timeout: float = 30.0) -> bool:
        """Block until the job and the worker's thread are done; True when they are."""
        if not self._done.wait(timeout):
            return False
        try:
            return self._thread.wait(int(timeout * 1000))
        except RuntimeError:  # the thread object was already deleted: it is finished
            return True

    def _drive(self) -> None:
        """The job, on the worker's thread; emits the subclass's own signals."""
        raise NotImplementedError

    def _flush(self) -> None:
        """Hand what the job's threads buffered to the UI thread."""
        raise NotImplementedError

    def _release(self) -> None:
        """The thread finished (runs on the UI thread): delete both, drop the references."""
        self._thread.wait()
        self._thread.deleteLater()
        self.deleteLater()
        _LIVE_WORKERS.discard(self)

    @Slot()
    def _work(self) -> None:
        try:
            self._drive()
        except Exception as exc:
            self._flush()
            self.sig_errored.emit({"stage": self.error_stage, "type": type(exc).__name__,
                                   "message": str(exc), "traceback": traceback.format_exc()})
        finally:
            # back to the UI thread, so _release and deleteLater run there after the quit
            self.moveToThread(QCoreApplication.instance().thread())
            self._done.set()
            self.sig_finished.emit()
