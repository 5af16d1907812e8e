"""A trained model kept loaded in a child, answering predict requests until closed.

The GUI inspects predictions of any stored trial this way without retraining; the parameters
file is checked against its recorded sha256 before the child unpickles it, because pickle
runs code.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

from .process import ChildProcess


class PredictError(RuntimeError):
    """The model (or its service) failed; ``traceback`` holds the model's own traceback."""

    def __init__(self, message: str, traceback_text: str = "", error: dict | None = None):
        super().__init__(message)
        self.traceback = traceback_text
        self.error = error or {}


class PredictService:
    """``start()``, then ``predict(queries)`` as often as needed, then ``close()``."""

    def __init__(self, model_file_path: str, model_class: str, knobs: dict, params_path: str,
                 params_sha256: str, task: str, python: str | None = None,
                 app_mode: str = "DEV"):
        self.task = task
        self._job = {"kind": "predict_service", "model_file_path": model_file_path,
                     "model_class": model_class, "knobs": knobs, "params_path": params_path,
                     "params_sha256": params_sha256, "app_mode": app_mode}
        self._python = python
        self._ids = itertools.count(1)
        self._answers: dict[int, dict] = {}
        self._ready: dict | None = None
        self._condition = threading.Condition()
        self._child: ChildProcess | None = None
        self._exited = False

    def start(self, timeout: float = 120) -> None:
        """Start the child and wait until the model is loaded (PredictError if it cannot be)."""
        from .interpreter import sdk_environment

        # another Python without rafiki of its own imports the workbench's, as runs and
        # inspections do (without it, predictions of a run in such a Python could not start)
        env = {**sdk_environment(self._python), "RAFIKI_APP_MODE": self._job["app_mode"]}
        self._child = ChildProcess(self._job, self._python, self._receive, with_requests=True,
                                   extra_env=env)
        self._child.start()
        threading.Thread(target=self._watch_exit, daemon=True, name="rafiki-predict-watch").start()
        with self._condition:
            if not self._condition.wait_for(lambda: self._ready or self._exited, timeout):
                self.close()
                raise PredictError(f"the model took longer than {timeout:g} s to load")
        if not self._ready or self._ready.get("kind") != "ready":
            error = (self._ready or {}).get("error") or {}
            self.close()
            raise PredictError(self._describe(error, "the predict service could not start"),
                               error.get("traceback", ""), error)

    def predict(self, queries: list, timeout: float | None = None) -> list:
        """The model's predictions for ``queries`` (PredictError with its traceback if it fails)."""
        if self._child is None or self._exited:
            raise PredictError("the predict service is not running")
        request_id = next(self._ids)
        try:
            self._child.send({"id": request_id, "queries": queries})
        except (OSError, ValueError) as exc:
            raise PredictError(f"the predict service is gone: {exc}") from exc
        with self._condition:
            answered = self._condition.wait_for(
                lambda: request_id in self._answers or self._exited, timeout)
            answer = self._answers.pop(request_id, None)
        if answer is None:
            if not answered:
                raise PredictError(f"no answer within {timeout:g} s")
            tail = "\n".join(self._child.output_tail)
            raise PredictError("the predict service exited while predicting", tail)
        if answer["kind"] == "predict_error":
            error = answer["error"]
            raise PredictError(self._describe(error, "predict failed"),
                               error.get("traceback", ""), error)
        return answer["predictions"]

    def close(self) -> None:
        """End the service: close its requests (it destroys the model), stop it if it lingers."""
        child, self._child = self._child, None
        if child is None:
            return
        child.close_requests()
        try:
            child.wait(2.0)
        except Exception:
            child.stop()
        child.cleanup()

    def __enter__(self) -> PredictService:
        self.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def _receive(self, events: list[dict]) -> None:
        with self._condition:
            for event in events:
                kind = event.get("kind")
                if kind in ("ready", "service_error"):
                    self._ready = event
                elif kind in ("predictions", "predict_error"):
                    self._answers[event["id"]] = event
            self._condition.notify_all()

    def _watch_exit(self) -> None:
        child = self._child
        if child is None or child.process is None:
            return
        child.process.wait()
        with self._condition:
            self._exited = True
            self._condition.notify_all()

    def _describe(self, error: dict, fallback: str) -> str:
        if not error:
            return fallback
        return f"{self._job['model_file_path']}: {error.get('type')}: {error.get('message')}"
