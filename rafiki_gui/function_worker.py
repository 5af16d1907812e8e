"""One plain function off the UI thread, its result or error delivered on the UI thread.

For work that must not freeze the window but needs no stream of events: reading a
trained-model file of a gigabyte, inspecting a model file in a child process, checking an
interpreter or a cluster, computing knob importance. The ThreadWorker idiom with superqt's
``returned`` signal; ``stop()`` abandons the job (its result, when it comes, is dropped and
``sig_aborted`` says so), which is how a newer request supersedes an older one. Callbacks run
on the thread of ``owner`` (a widget: the UI thread), because a plain Python callable
connected to a signal would run on the emitting thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Slot

from .thread_worker import ThreadWorker


class FunctionWorker(ThreadWorker):
    """Calls ``function(*args)`` on its own thread."""

    # sig_returned (the function's result), sig_errored (it raised: error dict),
    # sig_aborted (stop() abandoned it) and sig_finished come from ThreadWorker

    def __init__(self, function: Callable[..., Any], *args: Any,
                 thread_name: str = "rafiki-function", error_stage: str | None = None):
        super().__init__(thread_name)
        self._function = function
        self._args = args
        self.error_stage = error_stage

    def _drive(self) -> None:
        result = self._function(*self._args)
        if self.stop_requested:
            self.sig_aborted.emit()
        else:
            self.sig_returned.emit(result)


class _Delivery(QObject):
    """Lives on the owner's thread, so the worker's signals reach its slots queued there."""

    def __init__(self, owner: QObject, worker: FunctionWorker,
                 on_returned: Callable[[Any], None], on_errored: Callable[[dict], None]):
        super().__init__(owner)
        self._on_returned = on_returned
        self._on_errored = on_errored
        self._stopped = worker._stop_requested  # a threading.Event: readable after deletion

    @property
    def _abandoned(self) -> bool:
        return self._stopped.is_set()

    @Slot(object)
    def returned(self, value: Any) -> None:
        if not self._abandoned:
            self._on_returned(value)

    @Slot(dict)
    def errored(self, error: dict) -> None:
        if not self._abandoned:
            self._on_errored(error)

    @Slot()
    def finished(self) -> None:
        self.deleteLater()


def call_off_ui_thread(owner: QObject, function: Callable[..., Any], *args: Any,
                       on_returned: Callable[[Any], None],
                       on_errored: Callable[[dict], None],
                       thread_name: str = "rafiki-function",
                       error_stage: str | None = None) -> FunctionWorker:
    """Start ``function(*args)`` on a worker thread; ``on_returned(result)`` or
    ``on_errored(error dict)`` then runs on ``owner``'s thread, unless the worker was
    stopped first (abandoned: neither runs) or ``owner`` was deleted meanwhile."""
    worker = FunctionWorker(function, *args, thread_name=thread_name, error_stage=error_stage)
    delivery = _Delivery(owner, worker, on_returned, on_errored)
    worker.sig_returned.connect(delivery.returned)
    worker.sig_errored.connect(delivery.errored)
    worker.sig_finished.connect(delivery.finished)
    worker.start()
    return worker
