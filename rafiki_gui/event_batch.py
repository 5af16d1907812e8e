"""A batch of a run's events as the window's views take it: still the list of event dicts, with
its metrics points already gathered into numpy columns. No Qt.

The run worker builds it on its own thread, so the UI thread's slots never walk the points one
by one: a 200,000-point flood cost the UI thread ~1 µs a point per view that looked at every
event (the plots' routing, Train progress, the status strip, the run panel), and a batch of
20,000 points that piled up while the UI was busy was one 30-40 ms stall of its own
(bench/bench_gui_stall.py). A plain list of events still works everywhere: :func:`as_batch`
gathers it on the spot.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import repeat
from operator import is_not, itemgetter
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy loads with the first run's batch, not with the panels importing this
    import numpy as np

METRICS = "metrics"
_TIME = itemgetter("time")
_VALUES = itemgetter("values")


@dataclass
class MetricColumns:
    """A run of consecutive metrics events as columns: their times, and for each metric named
    in any of them ``(present, values)``; ``present`` is None when every point has the metric,
    else a mask of the points that do (``values`` is NaN where absent)."""

    count: int
    times: np.ndarray
    columns: dict[str, tuple[np.ndarray | None, np.ndarray]]

    @classmethod
    def of(cls, events: list[dict]) -> MetricColumns:
        import numpy as np

        count = len(events)
        times = np.fromiter(map(_TIME, events), dtype=float, count=count)
        values = list(map(_VALUES, events))
        columns: dict[str, tuple[np.ndarray | None, np.ndarray]] = {}
        for name in set().union(*values):
            column = list(map(dict.get, values, repeat(name, count)))
            if None in column:  # logged in some points only
                present = np.fromiter(map(is_not, column, repeat(None, count)), dtype=bool,
                                      count=count)
                columns[name] = present, np.array(column, dtype=float)  # None reads as NaN
            else:
                columns[name] = None, np.fromiter(column, dtype=float, count=count)
        return cls(count, times, columns)

    def present(self, name: str) -> np.ndarray:
        """The values of the points that have metric ``name`` (empty when none has it)."""
        entry = self.columns.get(name)
        if entry is None:
            import numpy as np

            return np.empty(0)
        mask, values = entry
        return values if mask is None else values[mask]


class EventBatch(list):
    """The events of a batch, in order (a list of the event dicts, as before), and the same
    batch split into ``parts``: each either a :class:`MetricColumns` of consecutive metrics
    events or one other event, in their order; ``others`` the events that are not metrics
    points, ``metrics_count`` how many are."""

    def __init__(self, events: Iterable[dict] = ()):
        super().__init__(events)
        self.parts: list[MetricColumns | dict] = []
        self.others: list[dict] = []
        self.metrics_count = 0
        run: list[dict] = []
        for event in self:
            if event.get("kind") == METRICS:
                run.append(event)
                continue
            if run:
                self._add_run(run)
                run = []
            self.parts.append(event)
            self.others.append(event)
        if run:
            self._add_run(run)

    def _add_run(self, run: list[dict]) -> None:
        self.parts.append(MetricColumns.of(run))
        self.metrics_count += len(run)


def as_batch(events: list[dict]) -> EventBatch:
    """``events`` as an :class:`EventBatch` (gathered now unless it already is one)."""
    return events if isinstance(events, EventBatch) else EventBatch(events)


def other_events(events: list[dict]) -> list[dict]:
    """The events of a batch that are not metrics points (no numpy needed for a plain list)."""
    if isinstance(events, EventBatch):
        return events.others
    return [event for event in events if event.get("kind") != METRICS]
