"""One plain function off the UI thread, its result or error delivered on the UI thread.

For short file work that must not freeze the window (reading a trained-model file of a
gigabyte, say) but needs no progress or stopping: the ThreadWorker idiom with superqt's
``returned`` signal. Callbacks run on the thread of ``owner`` (a widget: the UI thread),
because a plain Python callable connected to a signal would run on the emitting thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from .thread_worker import ThreadWorker


class FunctionWorker(ThreadWorker):
    """Calls ``function(*args)`` on its own thread."""

    sig_returned = Signal(object)
    """The function returned: (its result)."""
    # sig_errored (it raised: error dict) and sig_finished come from ThreadWorker

    def __init__(self, function: Callable[..., Any], *args: Any,
                 thread_name: str = "rafiki-function"):
        super().__init__(thread_name)
        self._function = function
        self._args = args

    def _drive(self) -> None:
        self.sig_returned.emit(self._function(*self._args))

    def _flush(self) -> None:
        pass


class _Delivery(QObject):
    """Lives on the owner's thread, so the worker's signals reach its slots queued there."""

    def __init__(self, owner: QObject, on_returned: Callable[[Any], None],
                 on_errored: Callable[[dict], None]):
        super().__init__(owner)
        self._on_returned = on_returned
        self._on_errored = on_errored

    @Slot(object)
    def returned(self, value: Any) -> None:
        self._on_returned(value)

    @Slot(dict)
    def errored(self, error: dict) -> None:
        self._on_errored(error)

    @Slot()
    def finished(self) -> None:
        self.deleteLater()


def call_off_ui_thread(owner: QObject, function: Callable[..., Any], *args: Any,
                       on_returned: Callable[[Any], None],
                       on_errored: Callable[[dict], None]) -> FunctionWorker:
    """Start ``function(*args)`` on a worker thread; ``on_returned(result)`` or
    ``on_errored(error dict)`` then runs on ``owner``'s thread."""
    worker = FunctionWorker(function, *args)
    delivery = _Delivery(owner, on_returned, on_errored)
    worker.sig_returned.connect(delivery.returned)
    worker.sig_errored.connect(delivery.errored)
    worker.sig_finished.connect(delivery.finished)
    worker.start()
    return worker
