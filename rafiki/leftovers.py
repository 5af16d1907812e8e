"""Temp folders the workbench makes, and their cleaning after a process that was killed.

A runner child's job folder (``rafiki-child-*``: its job and crash report), an unrecorded
run's parameters (``rafiki-run-*``) and a window's in-memory store's parameters
(``rafiki-memory-store-*``) are removed by their owner when it ends normally; ``kill -9``
leaves them behind. Each such folder holds an ``owner.json`` (pid and host of the process
that made it), and the next start removes those whose owner is gone, never one whose owner
still runs (a window and a ``rafiki tune`` can run side by side).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import time
from pathlib import Path

from .process_alive import process_alive

OWNER_FILE = "owner.json"
PREFIXES = ("rafiki-child-", "rafiki-run-", "rafiki-memory-store-")
_UNOWNED_GRACE_SECONDS = 3600  # a folder with no owner file yet: made a moment ago, or old


def owned_temp_folder(parent: str | Path | None, prefix: str) -> Path:
    """A new temp folder marked as this process's, so a later start can tell when it is left
    over."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    owner = {"pid": os.getpid(), "host": socket.gethostname(), "created": time.time()}
    (folder / OWNER_FILE).write_text(json.dumps(owner), encoding="utf-8")
    return folder


def _owner_pid(folder: Path) -> int | None:
    """The pid of the process that made the folder (``owner.json``, or a job folder's
    ``job.json`` from before owner files); None when the folder names none."""
    for name, key in ((OWNER_FILE, "pid"), ("job.json", "parent_pid")):
        try:
            data = json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get(key), int):
            if name == OWNER_FILE and data.get("host") not in (None, socket.gethostname()):
                return -1  # another machine's (a shared temp folder): never ours to judge
            return data[key]
    return None


def is_left_over(folder: Path) -> bool:
    """Whether the folder's owner is gone (a folder with no owner is left over once it is
    an hour old)."""
    pid = _owner_pid(folder)
    if pid == -1:
        return False
    if pid is None:
        try:
            return time.time() - folder.stat().st_mtime > _UNOWNED_GRACE_SECONDS
        except OSError:
            return False
    return pid != os.getpid() and not process_alive(pid)


def clean_leftover_folders(parent: str | Path | None = None) -> list[Path]:
    """Remove the workbench's temp folders whose owner process is gone; returns them."""
    root = Path(parent or tempfile.gettempdir())
    removed = []
    try:
        candidates = [entry for entry in root.iterdir()
                      if entry.name.startswith(PREFIXES) and entry.is_dir()
                      and not entry.is_symlink()]
    except OSError:
        return removed
    for folder in candidates:
        if is_left_over(folder):
            shutil.rmtree(folder, ignore_errors=True)
            if not folder.exists():
                removed.append(folder)
    return removed
