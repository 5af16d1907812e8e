"""Rows of the store read back defensively: any value already stored becomes a usable one.

Events are checked before they are stored now (:mod:`rafiki.event_schema`), but a store keeps
what older versions wrote: a score ``"abc"`` from a forged event made ``rafiki experiments``
and the experiments browser raise for every experiment. Readers go through these functions,
so a bad value reads as "unknown" (None, or an empty dict) and never raises.
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson

# The store's SQL for "this row's score, when it is one" (text, blobs and out-of-range values
# written by older versions read as NULL, so MAX and ORDER BY skip them as Python does).
NUMERIC_SCORE_SQL = ("(CASE WHEN typeof({column}) IN ('real', 'integer') AND {column} "
                     "BETWEEN 0 AND 1 THEN {column} END)")


def numeric_score_sql(column: str = "score") -> str:
    return NUMERIC_SCORE_SQL.format(column=column)


def clean_score(value: Any) -> float | None:
    """A finite float in [0, 1], or None."""
    if type(value) not in (int, float) or not math.isfinite(value) or not 0 <= value <= 1:
        return None
    return float(value)


def clean_number(value: Any) -> float | None:
    """A finite number, or None."""
    if type(value) not in (int, float) or not math.isfinite(value):
        return None
    return value


def loads_or(text: Any, expected: type, default: Any) -> Any:
    """JSON ``text`` decoded when it is a value of type ``expected``, else ``default``."""
    if text is None:
        return default
    try:  # orjson: a 5,000-trial experiment decodes 20,000 of these on opening
        value = orjson.loads(text)
    except (TypeError, orjson.JSONDecodeError):
        try:  # json.dumps wrote NaN/Infinity as bare words, which only json reads
            value = json.loads(text)
        except (TypeError, ValueError):
            return default
    return value if isinstance(value, expected) else default


def clean_timings(text: Any) -> dict[str, float]:
    """Stage -> seconds, keeping only names with a finite number."""
    timings = loads_or(text, dict, {})
    return {str(k): v for k, v in timings.items() if clean_number(v) is not None}


def clean_error(text: Any) -> dict[str, Any] | None:
    """An error record with text fields (stage, type, message, traceback), or None."""
    error = loads_or(text, dict, None)
    if error is None:
        return None if text is None else {"stage": None, "type": "Error", "traceback": "",
                                          "message": str(text)[:2000]}
    cleaned = dict(error)
    for name in ("type", "message", "traceback"):
        value = error.get(name)
        cleaned[name] = value if isinstance(value, str) else ("" if value is None else str(value))
    if not isinstance(error.get("stage"), str):
        cleaned["stage"] = None
    return cleaned


def clean_text(value: Any) -> str | None:
    return value if isinstance(value, str) or value is None else str(value)


def clean_int(value: Any) -> int | None:
    return value if type(value) is int else None


def clean_event(body: Any) -> dict[str, Any] | None:
    """A stored event: a JSON object with a kind and a finite time, else None (views place
    every event in time)."""
    event = loads_or(body, dict, None)
    if event is None or not isinstance(event.get("kind"), str) \
            or clean_number(event.get("time")) is None:
        return None
    return event


_COLUMN_TYPES = frozenset({int, float, type(None)})


def clean_metric_columns(columns: Any, count: Any) -> dict[str, list] | None:
    """One decoded metrics batch: columns of ``count`` numbers or None each, else None.
    A column is checked with one C-level pass over its value types (the Tuning tab reads
    millions of points); only a column with another type is cleaned value by value."""
    if not isinstance(columns, dict) or type(count) is not int or count < 0:
        return None
    for name, column in columns.items():
        if not isinstance(column, list) or len(column) != count:
            return None
        if not set(map(type, column)) <= _COLUMN_TYPES:
            columns[name] = [value if type(value) in (int, float) else None
                             for value in column]
    return columns
