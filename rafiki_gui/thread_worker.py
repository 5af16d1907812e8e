"""The one worker idiom for every background job of the window: a QObject moved to its own
QThread, started once, and deleted with its thread when done (finished -> quit -> deleteLater
wired once, as superqt does).

Every job speaks the same signal vocabulary (superqt's ``thread_worker``): ``sig_started``
when it begins on its thread, ``sig_progress`` while it goes, ``sig_returned`` with its result,
``sig_errored`` with an error dict when it raised, ``sig_aborted`` when ``stop()`` ended it
early, and ``sig_finished`` always last. A subclass says what to drive (``_drive``, on the
worker's thread), how buffered results reach the UI (``_flush``) and, when it can be
interrupted, how (``_interrupt``). Long jobs with a blocking call that must be watched while
the worker's thread flushes (the tuner's loop) run it with ``_call_beside``.

Every job runs on a QThread: jobs on plain Python threads that emitted the worker's signals
and were then deleted crashed the test process (a segfault after the Ray cluster tests). This
is the only module of ``rafiki_gui`` that starts a ``threading.Thread`` (a test checks): the
two helpers below use one where a QThread cannot serve (a call that must never block the
caller and answers nothing, and the watched call), so widgets never start threads.
"""

from __future__ import annotations

import atexit
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

_LIVE_WORKERS: set[ThreadWorker] = set()  # Python owns the QThread: keep it until it finished


def error_dict(stage: str | None, exc: BaseException, trace: str | None = None) -> dict:
    """An exception as the window shows it: stage, type, message, traceback."""
    return {"stage": stage, "type": type(exc).__name__, "message": str(exc),
            "traceback": trace if trace is not None else "".join(
                traceback.format_exception(type(exc), exc, exc.__traceback__))}


class ThreadWorker(QObject):
    """Base of every background job of the window: one job on one QThread."""

    sig_started = Signal()
    """The job began, on the worker's thread."""
    sig_progress = Signal(object)
    """The job's progress, in the subclass's own terms (documented there)."""
    sig_returned = Signal(object)
    """The job's result (the subclass documents it)."""
    sig_errored = Signal(dict)
    """The job failed before a result: (error dict: stage, type, message, traceback)."""
    sig_aborted = Signal()
    """The job ended early because stop() asked it to (instead of, or after, a result)."""
    sig_finished = Signal()
    """The worker is done, whatever happened; its thread quits and both are deleted later."""

    error_stage: str | None = None  # what sig_errored names as the stage

    def __init__(self, thread_name: str):
        super().__init__()
        self._lock = threading.Lock()
        self._stop_requested = threading.Event()
        self._done = threading.Event()
        self._name = thread_name
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

    @property
    def is_done(self) -> bool:
        """True once the job ended (its thread may still be winding down)."""
        return self._done.is_set()

    def stop(self) -> None:
        """Ask the job to end early, without blocking the caller: the flag is set at once and
        the subclass's ``_interrupt`` (which may block: ending a child process) runs on a
        short helper thread."""
        self._stop_requested.set()
        if type(self)._interrupt is not ThreadWorker._interrupt:
            call_detached(self._interrupt, f"{self._name}-stop")

    def wait(self, timeout: float = 30.0) -> bool:
        """Block until the job and the worker's thread are done; True when they are."""
        if not self._done.wait(timeout):
            return False
        try:
            return self._thread.wait(int(timeout * 1000))
        except RuntimeError:  # the thread object was already deleted: it is finished
            return True

    def _drive(self) -> None:
        """The job, on the worker's thread; emits sig_progress, sig_returned (or the
        subclass's own signals) and sig_aborted when stop() ended it."""
        raise NotImplementedError

    def _flush(self) -> None:
        """Hand what the job's threads buffered to the UI thread (nothing, by default)."""

    def _interrupt(self) -> None:
        """Make a running ``_drive`` end soon (called off the UI thread by stop())."""

    def _call_beside(self, function: Callable[[], Any], name: str,
                     every: float, tick: Callable[[], None]) -> Any:
        """Run ``function`` on a helper thread while this worker's thread calls ``tick``
        every ``every`` seconds (to flush what it buffered); return its result or raise its
        exception here, with the helper's traceback kept."""
        outcome: dict[str, Any] = {}

        def call() -> None:
            try:
                outcome["result"] = function()
            except BaseException as exc:  # re-raised below, on the worker's thread
                outcome["error"] = exc
                outcome["traceback"] = traceback.format_exc()

        helper = threading.Thread(target=call, name=name, daemon=True)
        helper.start()
        while helper.is_alive():
            helper.join(every)
            tick()
        if "error" in outcome:
            raise _RaisedBeside(outcome["error"], outcome["traceback"])
        return outcome["result"]

    def _release(self) -> None:
        """The thread finished (runs on the UI thread): Qt deletes both on this thread; the
        Python references go only once Qt has (see ``_delete_on_ui_thread``)."""
        self._thread.wait()
        _delete_on_ui_thread(self._thread)
        _delete_on_ui_thread(self)
        _LIVE_WORKERS.discard(self)

    @Slot()
    def _work(self) -> None:
        try:
            self.sig_started.emit()
            self._drive()
        except _RaisedBeside as raised:
            self._flush()
            self.sig_errored.emit(error_dict(self.error_stage, raised.error, raised.trace))
        except Exception as exc:
            self._flush()
            self.sig_errored.emit(error_dict(self.error_stage, exc, traceback.format_exc()))
        finally:
            # back to the UI thread, so _release and deleteLater run there after the quit
            self.moveToThread(QCoreApplication.instance().thread())
            self._done.set()
            self.sig_finished.emit()


_AWAITING_DELETION: dict[int, QObject] = {}


def _delete_on_ui_thread(thing: QObject) -> None:
    """``deleteLater`` with the Python reference kept until Qt has deleted the object.

    Dropped at once, the last reference could go in a garbage collection on any Python thread
    (a run's reader, a Ray driver's pipe reader), and PySide then deletes the C++ object
    there while its DeferredDelete is being delivered on the UI thread: a segfault in
    ~QObject, seen after the cluster tests."""
    key = id(thing)
    _AWAITING_DELETION[key] = thing
    thing.destroyed.connect(lambda *_args, key=key: _AWAITING_DELETION.pop(key, None))
    thing.deleteLater()


class _RaisedBeside(Exception):
    """What ``_call_beside``'s function raised, with its own traceback."""

    def __init__(self, error: BaseException, trace: str):
        super().__init__(str(error))
        self.error = error
        self.trace = trace


def call_detached(function: Callable[[], Any], name: str) -> None:
    """Call ``function`` on a daemon thread and forget it: no signal, no result, nothing to
    wait for (stopping a run escalates to a kill over seconds and the caller, often the UI
    thread, must not wait; preloading modules). A job whose answer matters is a worker."""
    threading.Thread(target=function, name=name, daemon=True).start()


def live_workers() -> list[ThreadWorker]:
    """Workers started and not yet released (tests, shutdown)."""
    return list(_LIVE_WORKERS)


def wait_for_workers(timeout: float) -> bool:
    """Block until every started worker's job is done, up to ``timeout`` seconds in all
    (closing the window); True when they all are."""
    import time

    deadline = time.monotonic() + timeout
    for worker in live_workers():
        if not worker.wait(max(0.0, deadline - time.monotonic())):
            return False
    return True


EXIT_GRACE = 15.0
"""Seconds a process exiting waits for jobs still running (an inspection of the model just
opened): a QThread destroyed while it runs aborts the process ("QThread: Destroyed while
thread is still running"), as a window probe that exited right after opening a model did."""


@atexit.register
def _wait_at_exit() -> None:
    wait_for_workers(EXIT_GRACE)
