"""The numbers behind the live plots: growable numpy series fed from a run's event dicts.

Kept apart from the widgets so the routing of 200,000 points costs a few list appends per
event on the UI thread, and the drawing (a timer in the plots panel) reads whole arrays. No Qt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

TIME_AXIS_LABEL = "time (s)"

_Pending = dict[Any, tuple[list[float], list[float]]]


class GrowingSeries:
    """x and y values in numpy arrays that double their capacity as points arrive."""

    def __init__(self, capacity: int = 1024):
        self._x = np.empty(capacity, dtype=float)
        self._y = np.empty(capacity, dtype=float)
        self._size = 0
        self.version = 0  # bumps on every change, so views redraw only what changed

    def __len__(self) -> int:
        return self._size

    def extend(self, xs: list[float], ys: list[float]) -> None:
        count = len(xs)
        if not count:
            return
        needed = self._size + count
        if needed > len(self._x):
            capacity = max(needed, 2 * len(self._x))
            self._x = np.resize(self._x, capacity)
            self._y = np.resize(self._y, capacity)
        self._x[self._size:needed] = xs
        self._y[self._size:needed] = ys
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
        """Route a batch; returns the plots it defined (new ones, for the view to create)."""
        defined: list[PlotSeries] = []
        pending: _Pending = {}
        columns: _Pending = {}
        times: tuple[list[float], list[float]] = ([], [])
        plots = list(self.plots.values())
        for event in events:
            kind = event.get("kind")
            if self.start_time is None and "time" in event:
                self.start_time = float(event["time"])
            if kind == "metrics":
                values = event["values"]
                moment = float(event["time"])
                row = self._rows
                self._rows += 1
                times[0].append(row)
                times[1].append(moment)
                for name, value in values.items():
                    rows, column = columns.setdefault(name, ([], []))
                    rows.append(row)
                    column.append(value)
                for plot in plots:
                    self._route(plot, moment, values, pending)
            elif kind == "plot":
                self._flush(pending)
                self._flush_columns(columns, times)
                pending, columns, times = {}, {}, ([], [])
                plot = self._define(event)
                if plot is not None:
                    defined.append(plot)
                    plots = list(self.plots.values())
        self._flush(pending)
        self._flush_columns(columns, times)
        return defined

    def _flush_columns(self, columns: _Pending,
                       times: tuple[list[float], list[float]]) -> None:
        self._row_times.extend(*times)
        for name, (rows, values) in columns.items():
            self._columns.setdefault(name, GrowingSeries()).extend(rows, values)

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

    def _route(self, plot: PlotSeries, moment: float, values: dict[str, Any],
               pending: _Pending) -> None:
        if plot.x_axis is None:
            x = moment - (moment if self.start_time is None else self.start_time)
        else:
            x = values.get(plot.x_axis)
            if x is None:
                return
        for metric in plot.metrics:
            y = values.get(metric)
            if y is not None:
                xs, ys = pending.setdefault((plot.title, metric), ([], []))
                xs.append(x)
                ys.append(y)

    def _flush(self, pending: _Pending) -> None:
        for (title, metric), (xs, ys) in pending.items():
            self.plots[title].series[metric].extend(xs, ys)
