"""Start a runner child by hand with a real inspect job: the frozen binary in runner mode, or
the entry script from source, with the job file and channel pipe the runner would give it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from rafiki.runner.protocol import decode_batch


def inspect_with(command: list[str], model_path: Path, folder: Path,
                 env: dict[str, str] | None = None,
                 timeout: float = 60) -> tuple[int, list[dict[str, Any]], str]:
    """(exit code, channel events, stderr) of ``command + [JOB, CHANNEL_FD]`` inspecting
    ``model_path``."""
    job = folder / "job.json"
    job.write_text(json.dumps({"kind": "inspect", "model_file_path": str(model_path),
                               "app_mode": "DEV", "crash_path": str(folder / "crash.txt")}),
                   encoding="utf-8")
    read_fd, write_fd = os.pipe()
    try:
        process = subprocess.Popen(command + [str(job), str(write_fd)], pass_fds=[write_fd],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=env)
    finally:
        os.close(write_fd)
    with os.fdopen(read_fd, "rb") as channel:
        lines = channel.read().splitlines()
    _out, err = process.communicate(timeout=timeout)
    events = [event for line in lines if line.strip() for event in decode_batch(line)]
    return process.returncode, events, err.decode("utf-8", "replace")


def inspection(events: list[dict[str, Any]]) -> dict[str, Any]:
    found = [e for e in events if e.get("kind") == "inspection"]
    assert found, f"no inspection event among {events}"
    return found[-1]
