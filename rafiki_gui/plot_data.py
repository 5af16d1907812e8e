"""The numbers behind the live plots: growable numpy series fed from a run's event dicts.

Kept apart from the widgets so the routing of 200,000 points costs a few numpy conversions per
batch on the UI thread, and the drawing (a timer in the plots panel) reads whole arrays. No Qt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .event_batch import MetricColumns, as_batch

TIME_AXIS_LABEL = "time (s)"


class GrowingSeries:
    """x and y values in numpy arrays that double their capacity as points arrive."""

    def __init__(self, capacity: int = 1024):
        self._x = np.empty(capacity, dtype=float)
        self._y = np.empty(capacity, dtype=float)
        self._size = 0
        self.version = 0  # bumps on every change, so views redraw only what changed
        self.ascending = True
        """No x value is smaller than the one before (none NaN): a view can binary-search it."""

    def __len__(self) -> int:
        return self._size

    def extend(self, xs: Sequence[float], ys: Sequence[float]) -> None:
        count = len(xs)
        if not count:
            return
        needed = self._size + count
        if needed > len(self._x):  # copy the points kept (np.resize also fills the rest)
            capacity = max(needed, 2 * len(self._x))
            self._x = _grown(self._x, self._size, capacity)
            self._y = _grown(self._y, self._size, capacity)
        self._x[self._size:needed] = xs
        self._y[self._size:needed] = ys
        if self.ascending:  # only the new points are looked at (NaN compares False)
            new = self._x[self._size:needed]
            self.ascending = bool((not self._size or new[0] >= self._x[self._size - 1])
                                  and (count == 1 or (new[1:] >= new[:-1]).all())
                                  and new[0] == new[0])
        self._size = needed
        self.version += 1

    @property
    def x(self) -> np.ndarray:
        return self._x[: self._size]

    @property
    def y(self) -> np.ndarray:
        return self._y[: self._size]


@dataclass
class PlotSeries:
    """One plot the model defined: its metrics against time or another metric."""

    title: str
    metrics: list[str]
    x_axis: str | None
    series: dict[str, GrowingSeries] = field(default_factory=dict)
    origin: float | None = None
    """The run's first event time (epoch seconds): relative times plus this are wall times."""

    def __post_init__(self) -> None:
        for metric in self.metrics:
            self.series.setdefault(metric, GrowingSeries())

    @property
    def x_label(self) -> str:
        return self.x_axis or TIME_AXIS_LABEL


class RunPlotData:
    """Every plot of one run, filled from its metrics events, including ones logged earlier.

    Every metric is also kept as a numpy column (row number, value), not as the event dicts:
    200,000 retained dicts would make each full garbage collection pause the UI thread.
    """

    def __init__(self) -> None:
        self.plots: dict[str, PlotSeries] = {}
        self.start_time: float | None = None
        self._rows = 0
        self._row_times = GrowingSeries()  # x: row, y: event time
        self._columns: dict[str, GrowingSeries] = {}  # metric -> x: row, y: value

    def add_events(self, events: list[dict]) -> list[PlotSeries]:
        """Route a batch; returns the plots it defined (new ones, for the view to create).

        Metrics are routed a column at a time (one numpy conversion per metric per batch),
        not point by point: routing each event in Python cost the UI thread ~5 µs a point,
        a second over a 200,000-point flood (bench/bench_gui_stall.py). A live run's batches
        come with their columns built on the run worker's thread (:mod:`event_batch`)."""
        batch = as_batch(events)
        defined: list[PlotSeries] = []
        if self.start_time is None:
            first = next((event["time"] for event in batch if "time" in event), None)
            if first is not None:
                self.start_time = float(first)
        for part in batch.parts:  # a plot's definition splits the batch: points before it
            if isinstance(part, MetricColumns):  # are backfilled into it, points after
                self._add_metrics(part)  # it routed
            elif part.get("kind") == "plot":
                plot = self._define(part)
                if plot is not None:
                    defined.append(plot)
        return defined

    def _add_metrics(self, points: MetricColumns) -> None:
        """A run of metrics points (no plot defined among them) into the columns and plots."""
        count, times, columns = points.count, points.times, points.columns
        rows = np.arange(self._rows, self._rows + count, dtype=float)
        self._rows += count
        self._row_times.extend(rows, times)
        for name, (present, numbers) in columns.items():
            column = self._columns.setdefault(name, GrowingSeries())
            if present is None:
                column.extend(rows, numbers)
            else:
                column.extend(rows[present], numbers[present])
        origin = self.start_time if self.start_time is not None else float(times[0])
        for plot in self.plots.values():
            if plot.x_axis is None:
                x_present, x = None, times - origin
            elif plot.x_axis in columns:
                x_present, x = columns[plot.x_axis]
            else:
                continue
            for metric in plot.metrics:
                if metric not in columns:
                    continue
                y_present, y = columns[metric]
                if x_present is None and y_present is None:
                    plot.series[metric].extend(x, y)
                    continue
                keep = _both(x_present, y_present)
                plot.series[metric].extend(x[keep], y[keep])

    def _define(self, event: dict) -> PlotSeries | None:
        title = str(event.get("title"))
        if title in self.plots:
            return None
        plot = PlotSeries(title, list(event.get("metrics") or []), event.get("x_axis"),
                          origin=self.start_time)
        self.plots[title] = plot
        self._backfill(plot)
        return plot

    def _backfill(self, plot: PlotSeries) -> None:
        """Points of metrics logged before the plot was defined."""
        import numpy as np

        for metric in plot.metrics:
            column = self._columns.get(metric)
            if column is None or not len(column):
                continue
            rows = column.x.astype(np.int64)
            if plot.x_axis is None:
                x = self._row_times.y[rows] - (self.start_time or 0.0)
                plot.series[metric].extend(x, column.y)
                continue
            x_column = self._columns.get(plot.x_axis)
            if x_column is None:
                continue
            _common, x_at, y_at = np.intersect1d(x_column.x, column.x, assume_unique=True,
                                                 return_indices=True)
            plot.series[metric].extend(x_column.y[x_at], column.y[y_at])


def _grown(values: np.ndarray, size: int, capacity: int) -> np.ndarray:
    grown = np.empty(capacity, dtype=values.dtype)
    grown[:size] = values[:size]
    return grown


def _both(first: np.ndarray | None, second: np.ndarray | None) -> np.ndarray:
    """Where both masks hold (None: everywhere)."""
    if first is None:
        return second
    return first if second is None else first & second
