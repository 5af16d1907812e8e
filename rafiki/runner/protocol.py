"""The wire format between a runner child and its parent: versioned JSON lines of event batches.

One line is one batch: ``{"v": 1, "events": [...]}``. Batches, not events, cross the pipe so a
model logging 200,000 points costs the parent a few hundred lines to parse. The channel is a
private file descriptor, never the child's stdout, so nothing a model prints can corrupt it.
"""

from __future__ import annotations

import json
from typing import Any

try:
    import orjson
except ImportError:  # a model's own interpreter may run the child, which only encodes
    orjson = None

PROTOCOL_VERSION = 1


class ProtocolError(ValueError):
    """A line on the private channel is not a batch this workbench understands."""


def encode_batch(events: list[dict[str, Any]]) -> bytes:
    """One batch as one JSON line (NaN and infinities kept: losses can be NaN)."""
    return (json.dumps({"v": PROTOCOL_VERSION, "events": events}, default=_plain) + "\n").encode()


def decode_batch(line: bytes | str) -> list[dict[str, Any]]:
    """The events of one line, or ProtocolError naming what is wrong with it.

    orjson first: a flood's line of 2,000 points decodes in half json's time, on a reader
    thread whose every millisecond holding the GIL is one the window's UI thread may wait
    (bench/bench_gui_stall.py). It refuses NaN and Infinity, which the child writes for a
    diverging loss, and integers past 64 bits: such lines are read by json, as before."""
    try:
        if orjson is None:
            raise ValueError("no orjson here")
        message = orjson.loads(line)
    except ValueError:  # orjson.JSONDecodeError is one
        try:
            message = json.loads(line)
        except ValueError as exc:
            raise ProtocolError(f"unreadable line on the runner channel: {exc}") from exc
    if not isinstance(message, dict) or "events" not in message:
        raise ProtocolError("a runner channel line without events")
    if message.get("v") != PROTOCOL_VERSION:
        raise ProtocolError(
            f"runner protocol version {message.get('v')!r} is not {PROTOCOL_VERSION}: the child "
            "runs a different rafiki than the workbench"
        )
    if not isinstance(message["events"], list):
        raise ProtocolError("a runner channel line whose events are not a list")
    return message["events"]


def _plain(value: Any) -> Any:
    """numpy scalars and arrays (in predictions or knobs) as plain JSON values."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    return repr(value)
