"""Inspects model files in a child process (via the runner) without blocking the UI thread.

A model file is user code: importing it in the GUI could hang, crash or pollute the window's
interpreter. Each inspection runs ``rafiki.runner.inspect_model_file`` on a worker
(:mod:`rafiki_gui.function_worker`); a newer request abandons the older one, so quick
switching never shows a stale file's classes.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from .function_worker import FunctionWorker, call_off_ui_thread


def _inspect(path: str, app_mode: str, python: str | None) -> Any:
    from rafiki.runner import inspect_model_file

    return inspect_model_file(path, app_mode=app_mode, python=python)


class ModelInspector(QObject):
    """Runs inspections off the UI thread and reports the newest one."""

    sig_inspected = Signal(str, object)
    """(model file path, ModelInspection) of the newest request; delivered on the UI thread."""
    sig_failed = Signal(str, dict)
    """(model file path, error dict) when the inspection itself could not run."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._workers: list[FunctionWorker] = []

    @property
    def busy(self) -> bool:
        return any(not worker.is_done for worker in self._workers)

    def inspect(self, path: str, app_mode: str = "DEV", python: str | None = None) -> None:
        for older in self._workers:
            older.stop()  # superseded: its answer is dropped
        self._workers = [w for w in self._workers if not w.is_done]
        self._workers.append(call_off_ui_thread(
            self, _inspect, path, app_mode, python,
            on_returned=lambda inspection: self.sig_inspected.emit(path, inspection),
            on_errored=lambda error: self.sig_failed.emit(path, error),
            thread_name="rafiki-inspect", error_stage="inspect"))

    def wait(self, timeout: float = 60.0) -> bool:
        """Block until running inspections end (tests, shutdown); True when they did."""
        return all(worker.wait(timeout) for worker in list(self._workers))
