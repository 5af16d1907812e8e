"""How much of a trial's log the store keeps: caps on messages, plots and metric points.

A model logging in a loop added ~40 MB/s to the store until the disk filled; output already
had a cap (``store.OUTPUT_LIMIT_BYTES``), log records had none. Past a cap the records are
counted, not kept, and one message says so (as the output's "[output beyond … was not kept]"),
so the run goes on and its views show where the log stops. The caps are far above what a
model means to log: ``bench/bench_gui_stall.py`` floods 200,000 points, and every one of them
still reaches the store and the plot.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from . import events as ev

LOG_RECORDS_LIMIT = 100_000  # messages and plot definitions per trial
LOG_BYTES_LIMIT = 16 * 1024 * 1024  # their text, per trial
METRIC_POINTS_LIMIT = 1_000_000  # 5x the 200,000-point flood of bench/bench_gui_stall.py
METRIC_VALUES_LIMIT = 4_000_000  # points x metrics: ~80 MB of JSON at most
METRIC_NAMES_LIMIT = 256  # distinct metric names per trial: each is a column of every batch
METRIC_NAME_CHARS = 200


@dataclass
class TrialQuota:
    """What one trial has stored so far, and whether the next record still fits."""

    log_records: int = 0
    log_bytes: int = 0
    metric_points: int = 0
    metric_values: int = 0
    metric_names: set[str] = field(default_factory=set)
    log_noted: bool = False
    metrics_noted: bool = False

    def admit_log(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        """The rows to store for a message or plot event: itself, nothing, or the note that
        says the cap was reached (once)."""
        text = event.get("msg") or event.get("title")
        size = (len(text) if isinstance(text, str) else 0) + 64  # 64: the record's own fields
        if self.log_records < LOG_RECORDS_LIMIT and self.log_bytes + size <= LOG_BYTES_LIMIT:
            self.log_records += 1
            self.log_bytes += size
            return [event]
        if self.log_noted:
            return []
        self.log_noted = True
        return [_note(f"[messages beyond {LOG_RECORDS_LIMIT:,} or "
                      f"{LOG_BYTES_LIMIT // 2**20} MiB per trial were not kept]")]

    def admit_metrics(self, values: dict[str, Any]) -> bool:
        """Whether this point of metrics is kept (False past a cap; see :meth:`metrics_note`).
        Called for every point of a flood: the usual case (known names) is two checks."""
        count = len(values)
        if self.metric_points >= METRIC_POINTS_LIMIT \
                or self.metric_values + count > METRIC_VALUES_LIMIT:
            return False
        names = self.metric_names
        if not names.issuperset(values):
            new = values.keys() - names
            if len(names) + len(new) > METRIC_NAMES_LIMIT \
                    or any(len(name) > METRIC_NAME_CHARS for name in new):
                return False
            names |= new
        self.metric_points += 1
        self.metric_values += count
        return True

    def admit_metrics_batch(self, points: list[dict[str, Any]]) -> bool:
        """Whether every point of a batch fits at once (then all are counted); False leaves
        the count as it was, for :meth:`admit_metrics` to admit point by point up to the cap.
        Each cap is a running total, so when the batch fits whole, every point would have
        fit one by one: the same points are kept, with one check per batch, not per point."""
        count = len(points)
        values = sum(map(len, points))
        if self.metric_points + count > METRIC_POINTS_LIMIT \
                or self.metric_values + values > METRIC_VALUES_LIMIT:
            return False
        names = self.metric_names
        new = set().union(*points) - names
        if new and (len(names) + len(new) > METRIC_NAMES_LIMIT
                    or any(len(name) > METRIC_NAME_CHARS for name in new)):
            return False
        names |= new
        self.metric_points += count
        self.metric_values += values
        return True

    def metrics_note(self) -> dict[str, Any] | None:
        """The message saying metric points were dropped, the first time only."""
        if self.metrics_noted:
            return None
        self.metrics_noted = True
        return _note(f"[metric points beyond {METRIC_POINTS_LIMIT:,} points, "
                     f"{METRIC_VALUES_LIMIT:,} values or {METRIC_NAMES_LIMIT} metric names "
                     f"(of up to {METRIC_NAME_CHARS} characters) per trial were not kept]")


def _note(text: str) -> dict[str, Any]:
    return {"kind": ev.MESSAGE, "time": time.time(), "msg": text}
