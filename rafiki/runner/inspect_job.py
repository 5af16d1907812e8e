"""Inspect a model file in a child process: its model classes and their knob configs.

A front end must never import a model file itself (its top-level code is the user's and may
crash or hang), so the classes are found by a child; what the file's ``test_model_class``
call says is read statically.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..model_file_statics import read_statics
from .process import ChildProcess


@dataclass
class ModelInspection:
    """A model file as the workbench sees it, or the error that stopped it loading."""

    path: str
    classes: dict[str, str] = field(default_factory=dict)  # class -> serialized knob config
    class_errors: dict[str, dict] = field(default_factory=dict)
    error: dict | None = None
    statics: dict[str, Any] = field(default_factory=dict)
    output: str = ""


def inspect_model_file(path: str, app_mode: str = "DEV", python: str | None = None,
                       timeout: float = 60, extra_env: dict[str, str] | None = None,
                       on_started: Callable[[ChildProcess], None] | None = None,
                       memory_limit_mb: int | None = None) -> ModelInspection:
    """Load ``path`` in a child (under ``app_mode``) and report its classes and knob configs.

    Another Python without a ``rafiki`` of its own gets the workbench's source on its path,
    unless ``extra_env`` (added to the child's environment) says where it is. ``on_started``
    receives the child once it runs, so that its owner can stop it. ``memory_limit_mb``: None
    gives the default share of physical memory, 0 no limit."""
    found: dict[str, Any] = {}
    output: list[str] = []

    def receive(events: list[dict]) -> None:
        for event in events:
            if event.get("kind") == "inspection":
                found.update(event)
            elif event.get("kind") == "output":
                output.append(event["text"])

    inspection = ModelInspection(path=path, statics=read_statics(path))
    env = dict(extra_env or {})
    if "PYTHONPATH" not in env:  # another Python without rafiki of its own imports ours
        from .interpreter import sdk_environment

        env.update(sdk_environment(python))
    env["RAFIKI_APP_MODE"] = app_mode
    child = ChildProcess({"kind": "inspect", "model_file_path": path, "app_mode": app_mode},
                         python, receive, extra_env=env, memory_limit_mb=memory_limit_mb)
    started = time.monotonic()
    try:
        child.start()
        if on_started is not None:
            on_started(child)
        code = child.wait(timeout)
    except subprocess.TimeoutExpired:
        child.stop()
        child.wait()
        inspection.error = {"stage": "load_class", "type": "Timeout", "traceback": "",
                            "message": f"{path}: loading the file took longer than {timeout:g} s"}
        return inspection
    except OSError as exc:
        inspection.error = {"stage": "load_class", "type": type(exc).__name__, "traceback": "",
                            "message": f"cannot start {python or 'the runner'}: {exc}"}
        return inspection
    finally:
        child.cleanup()
    inspection.output = "".join(output)
    if found:
        inspection.classes = found.get("classes") or {}
        inspection.class_errors = found.get("class_errors") or {}
        inspection.error = found.get("error")
    else:
        inspection.error = {
            "stage": "load_class", "type": "Crash", "traceback": inspection.output[-4000:],
            "message": f"{path}: the inspecting process exited with code {code} after "
                       f"{time.monotonic() - started:.1f} s without an answer",
        }
    return inspection
