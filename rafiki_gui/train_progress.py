"""How far Train is, from what the model itself logs: "epoch 3 of 10" when a knob tells how
many epochs there will be and the model logs an epoch counter, else the points logged so far.

Stage counts say nothing during the minute a model trains ("5/12 stages" throughout), while
nearly every Rafiki model logs ``epoch`` beside its loss and has an ``epochs``-like knob.
Free of Qt: it reads event dicts and knobs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .event_batch import EventBatch

TOTAL_KNOBS = ("epochs", "num_epochs", "max_epochs", "n_epochs", "nb_epochs", "epoch_count",
               "max_iter", "n_iter", "num_iterations", "iterations", "max_steps", "num_steps",
               "steps")
"""Knob names that say how many epochs (iterations, steps) training will run, in order of
preference."""
COUNTER_METRICS = {"epochs": "epoch", "num_epochs": "epoch", "max_epochs": "epoch",
                   "n_epochs": "epoch", "nb_epochs": "epoch", "epoch_count": "epoch",
                   "max_iter": "iteration", "n_iter": "iteration",
                   "num_iterations": "iteration", "iterations": "iteration",
                   "max_steps": "step", "num_steps": "step", "steps": "step"}
"""The metric a model logs to count what the knob totals."""


class TrainProgress:
    """Follows one run's events; ``fraction`` and ``text`` say how far Train is."""

    def __init__(self, knobs: dict[str, Any] | None = None):
        self.total_knob, self.total = _total(knobs or {})
        self.counter = COUNTER_METRICS.get(self.total_knob or "", "epoch")
        self.latest: float | None = None
        self.zero_based = False
        self.points = 0

    def add_events(self, events: Iterable[dict]) -> None:
        """Follow a batch: comprehensions over it, not a loop of statements per event (a
        flooding model sends 40,000 points a second, all read on the UI thread); a live run's
        batch (:class:`~rafiki_gui.event_batch.EventBatch`) comes with its points in columns
        already, and is read a column at a time."""
        from .event_batch import EventBatch

        if isinstance(events, EventBatch):
            self._add_batch(events)
            return
        metrics = [event for event in events if event.get("kind") == "metrics"]
        if not metrics:
            return
        self.points += len(metrics)
        counter = self.counter
        counts = [value for value in ((event.get("values") or {}).get(counter)
                                      for event in metrics)
                  if isinstance(value, (int, float)) and not isinstance(value, bool)]
        if counts:
            self._follow(max(counts), 0 in counts)

    def _add_batch(self, batch: EventBatch) -> None:
        import numpy as np

        from .event_batch import MetricColumns

        self.points += batch.metrics_count
        for part in batch.parts:
            if isinstance(part, MetricColumns):
                counts = part.present(self.counter)  # numbers only: the runner checks them
                counts = counts[np.isfinite(counts)]  # NaN or infinity counts nothing
                if len(counts):
                    self._follow(float(counts.max()), bool((counts == 0).any()))

    def _follow(self, latest: float, zero_seen: bool) -> None:
        """The counter's highest value in a batch, and whether it counted from 0."""
        if zero_seen:
            self.zero_based = True
        self.latest = latest if self.latest is None else max(self.latest, latest)

    @property
    def done(self) -> int | None:
        """Epochs finished, counting from what the model logged (0-based counters +1)."""
        if self.latest is None:
            return None
        return int(self.latest) + (1 if self.zero_based else 0)

    def fraction(self) -> float | None:
        """0..1 when a total is known and the model logs its counter, else None."""
        if not self.total or self.done is None:
            return None
        return max(0.0, min(1.0, self.done / self.total))

    def text(self) -> str:
        """'epoch 3 of 10', 'epoch 3', or 'N points logged' (empty before any point)."""
        done = self.done
        if done is not None and self.total:
            return f"{self.counter} {min(done, self.total)} of {self.total}"
        if done is not None:
            return f"{self.counter} {done}"
        if self.points:
            return f"{self.points} point{'s' if self.points != 1 else ''} logged"
        return ""


def _total(knobs: dict[str, Any]) -> tuple[str | None, int | None]:
    lowered = {str(name).lower(): value for name, value in knobs.items()}
    for name in TOTAL_KNOBS:
        value = lowered.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return name, value
    return None, None
