"""A JSON file of queries (``--queries FILE``, the window's "a JSON file…"): read and checked
once, for every front end, so both say the same thing about the same bad file."""

from __future__ import annotations

import json
from pathlib import Path


def read_queries_file(path: str, max_bytes: int | None = None) -> list:
    """The file's non-empty JSON list of queries; ValueError naming the file and the cause.

    ``max_bytes`` bounds what a caller that reads on a UI thread will parse (json.loads of
    a 14.6 MB file of 28×28 images took 1 s here)."""
    try:
        size = Path(path).stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise ValueError(f"{path}: {size:,} bytes is more than a queries file may hold "
                             f"here ({max_bytes:,}); predict a test set instead")
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON list of queries")
    if not data:
        raise ValueError(f"{path}: the list is empty")
    return data
