"""Inspects model files in a child process (via the runner) without blocking the UI thread.

A model file is user code: importing it in the GUI could hang, crash or pollute the window's
interpreter. Each inspection runs ``rafiki.runner.inspect_model_file`` on a short-lived
thread; only the newest request's answer is delivered, so quick switching never shows a stale
file's classes.
"""

from __future__ import annotations

import threading
import traceback

from PySide6.QtCore import QObject, Signal


class ModelInspector(QObject):
    """Runs inspections off the UI thread and reports the newest one."""

    sig_inspected = Signal(str, object)
    """(model file path, ModelInspection) of the newest request; delivered on the UI thread."""
    sig_failed = Signal(str, dict)
    """(model file path, error dict) when the inspection itself could not run."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._generation = 0
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    @property
    def busy(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def inspect(self, path: str, app_mode: str = "DEV", python: str | None = None) -> None:
        with self._lock:
            self._generation += 1
            generation = self._generation
        thread = threading.Thread(target=self._inspect, args=(generation, path, app_mode, python),
                                  name="rafiki-inspect", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _inspect(self, generation: int, path: str, app_mode: str, python: str | None) -> None:
        try:
            from rafiki.runner import inspect_model_file

            inspection = inspect_model_file(path, app_mode=app_mode, python=python)
        except Exception as exc:
            self._deliver(generation, self.sig_failed, path, {
                "stage": "inspect", "type": type(exc).__name__, "message": str(exc),
                "traceback": traceback.format_exc()})
            return
        self._deliver(generation, self.sig_inspected, path, inspection)

    def _deliver(self, generation: int, signal, *args) -> None:
        if generation != self._generation:
            return  # a newer request superseded this one
        try:
            signal.emit(*args)
        except RuntimeError:  # the window closed meanwhile: nobody is listening
            pass

    def wait(self, timeout: float = 60.0) -> None:
        """Block until running inspections end (tests, shutdown)."""
        for thread in list(self._threads):
            thread.join(timeout)
