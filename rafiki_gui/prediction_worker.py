"""A trained model kept loaded in a :class:`rafiki.runner.PredictService` child, driven from a
worker (:mod:`rafiki_gui.thread_worker`) so the window never waits for the model.

The panel hands the worker requests: a plain function that builds the queries (reading the
test set or image files happens here too, off the UI thread) and returns them with whatever
the panel needs to show them. The worker predicts in chunks, reporting progress, and answers
each request with ``sig_answered`` or ``sig_request_failed`` (with the model's traceback); one
failed request does not end the service, so the panel stays usable.
"""

from __future__ import annotations

import queue
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Signal

from .thread_worker import ThreadWorker

CHUNK = 1000
"""Queries per predict call: progress moves, and one answer never gets huge."""
START_TIMEOUT = 120.0


@dataclass
class PreparedQueries:
    """Queries built on the worker thread, and what the panel needs to show their answers."""

    queries: list
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class ServiceSpec:
    """Which trained model to load: the arguments of PredictService."""

    model_file_path: str
    model_class: str
    task: str
    knobs: dict
    params_path: str
    params_sha256: str
    app_mode: str = "DEV"
    python: str | None = None

    def describe(self) -> str:
        from pathlib import Path

        return f"{self.model_class} of {Path(self.model_file_path).name}"


Builder = Callable[[], PreparedQueries]


class PredictionWorker(ThreadWorker):
    """One predict service on its own thread, answering requests in order until closed."""

    sig_ready = Signal()
    """The model is loaded in its child and requests can be answered."""
    sig_answered = Signal(int, object, object)
    """(request id, PreparedQueries, predictions: a list) for a request that succeeded;
    ``object`` so Qt does not copy 10,000 predictions through its variant types."""
    sig_request_failed = Signal(int, dict)
    """(request id, error: stage ("queries" or "predict"), type, message, traceback); the
    service goes on."""
    # from ThreadWorker: sig_progress ((request id, queries done, queries in all) while a
    # request is predicted), sig_errored (the service could not start: stage "load"; the
    # worker then ends), sig_started and sig_finished

    error_stage = "load"

    def __init__(self, spec: ServiceSpec):
        super().__init__("rafiki-prediction-worker")
        self.spec = spec
        self._requests: queue.Queue[tuple[int, Builder] | None] = queue.Queue()
        self._next_id = 0
        self._service = None
        self._closing = False
        self.ready = False

    def submit(self, build: Builder) -> int:
        """Queue a request; its id comes back with the answer."""
        self._next_id += 1
        self._requests.put((self._next_id, build))
        return self._next_id

    def request_close(self) -> None:
        """Ask the service and the thread to end, without waiting (``sig_finished`` follows)."""
        if not self._closing:
            self._closing = True
            self._requests.put(None)
        service = self._service
        if service is not None and not self.ready:
            service.close()  # interrupts a start that is still loading the model

    def close(self, timeout: float = 10.0) -> bool:
        """End the service and the thread (waiting up to ``timeout`` s); True when ended."""
        self.request_close()
        service = self._service
        if self.wait(timeout):
            return True
        if service is not None:
            service.close()  # a model stuck in predict: end its child, the request fails
        return self.wait(5.0)

    def _drive(self) -> None:
        from rafiki.runner import PredictError, PredictService

        if self._closing:
            return
        spec = self.spec
        service = PredictService(spec.model_file_path, spec.model_class, spec.knobs,
                                 spec.params_path, spec.params_sha256, spec.task,
                                 python=spec.python, app_mode=spec.app_mode)
        self._service = service
        try:
            try:
                service.start(timeout=START_TIMEOUT)
            except Exception as exc:
                if not self._closing:
                    self.sig_errored.emit(_error("load", exc))
                return
            self.ready = True
            self.sig_ready.emit()
            while True:
                request = self._requests.get()
                if request is None or self._closing:
                    return
                self._answer(service, *request, predict_error=PredictError)
        finally:
            service.close()

    def _answer(self, service, request_id: int, build: Builder, predict_error: type) -> None:
        try:
            prepared = build()
        except Exception as exc:
            self.sig_request_failed.emit(request_id, _error("queries", exc))
            return
        queries, predictions = prepared.queries, []
        try:
            for start in range(0, len(queries), CHUNK):
                if self._closing:
                    return
                predictions += service.predict(queries[start:start + CHUNK])
                self.sig_progress.emit((request_id, len(predictions), len(queries)))
        except Exception as exc:
            if not self._closing:
                self.sig_request_failed.emit(request_id, _error("predict", exc))
            return
        self.sig_answered.emit(request_id, prepared, predictions)


def _error(stage: str, exc: BaseException) -> dict:
    """An exception as the panel shows it; a PredictError carries the model's own traceback."""
    model_traceback = getattr(exc, "traceback", "")
    return {"stage": stage, "type": type(exc).__name__, "message": str(exc),
            "traceback": model_traceback if isinstance(model_traceback, str) and model_traceback
            else "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))}
