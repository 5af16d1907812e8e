"""The numbers behind the tuning charts, computed with numpy from trials and metric columns.

Kept apart from the widgets (no Qt) so they can be tested on plain values and so a chart's
redraw is one ``setData`` of ready arrays: 500 curves of 1,000 points become one array with
NaN gaps, reduced to at most ``OVERLAY_POINTS_PER_CURVE`` (min/max per bucket, so peaks
survive) before pyqtgraph sees them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from rafiki.model.knob import BaseKnob, CategoricalKnob, FixedKnob, IntegerKnob

OVERLAY_POINTS_PER_CURVE = 200
OVERLAY_POINT_BUDGET = 200_000
"""Points the whole overlay may draw: past 1,000 curves each gets fewer (5,000 curves of 40
points still show every curve's shape at a chart's few hundred pixels, and paint in a frame)."""
OVERLAY_MIN_POINTS = 20


def scores_by_trial(trials: list[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(trial numbers, scores, best score so far) of the scored trials, by number."""
    scored = sorted((t.number, float(t.score)) for t in trials
                    if t.score is not None and math.isfinite(t.score))
    if not scored:
        empty = np.empty(0)
        return empty, empty, empty
    numbers, scores = (np.array(column, dtype=float) for column in zip(*scored, strict=True))
    return numbers, scores, np.maximum.accumulate(scores)


def best_steps(numbers: np.ndarray, best: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The best-so-far line as explicit steps (flat to the next trial, then up), one unit
    past the last trial: plain points, so an SVG export can clip it like any curve."""
    if not len(numbers):
        return np.empty(0), np.empty(0)
    ends = np.append(numbers[1:], numbers[-1] + 1)
    x = np.column_stack([numbers, ends]).ravel()
    y = np.repeat(best, 2)
    return x, y


def metric_names(metrics: dict[int, dict[str, list]], x_axes: set[str] | None = None
                 ) -> list[str]:
    """Every metric logged by any trial, most common first; the time column and metrics that
    serve as a plot's x axis (an epoch counter) come last."""
    counts: dict[str, int] = {}
    for columns in metrics.values():
        count_metric_names(columns, counts)
    return names_by_count(counts, x_axes)


def count_metric_names(columns: dict[str, Any], counts: dict[str, int]) -> None:
    """Add one trial's metric names to ``counts`` (the time column is no metric)."""
    for name in columns:
        if name != "time":
            counts[name] = counts.get(name, 0) + 1


def names_by_count(counts: dict[str, int], x_axes: set[str] | None = None) -> list[str]:
    """:func:`metric_names` from counts kept as trials arrive (a live trial adds its own
    names instead of every trial's being counted again: 5,000 trials took 15 ms a trial)."""
    axes = x_axes or set()
    return sorted(counts, key=lambda name: (name in axes, -counts[name], name))


def metric_curve(columns: dict[str, list], metric: str, x_axis: str | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """One trial's values of ``metric`` against its plot's x axis metric (where both were
    logged together), or against their step (0, 1, 2, ... as logged) without one."""
    column = columns.get(metric)
    if column is None or not len(column):
        empty = np.empty(0)
        return empty, empty
    values = np.asarray(column, dtype=float)  # None (not logged at that point) becomes NaN
    x_column = columns.get(x_axis) if x_axis else None
    if x_column is not None and len(x_column) == len(column):
        xs = np.asarray(x_column, dtype=float)
        kept = ~(np.isnan(values) | np.isnan(xs))
        return xs[kept], values[kept]
    values = values[~np.isnan(values)]
    return np.arange(len(values), dtype=float), values


OVERLAY_POINT_STEPS = (200, 160, 128, 100, 80, 64, 50, 40, 32, 26, 20)
"""The points a curve may keep, in steps: with the share of the budget itself, every trial
shown or hidden changed it (5,000 -> 5,001 curves: 40 -> 39 points) and every curve was
reduced again."""


def points_per_curve(curves: int) -> int:
    """How many points each of ``curves`` overlaid curves keeps (see OVERLAY_POINT_BUDGET):
    the largest step within its share of the budget."""
    share = OVERLAY_POINT_BUDGET // max(1, curves)
    return next((points for points in OVERLAY_POINT_STEPS if points <= share),
                OVERLAY_MIN_POINTS)


def reduce_curve(x: np.ndarray, y: np.ndarray, points: int = OVERLAY_POINTS_PER_CURVE
                 ) -> tuple[np.ndarray, np.ndarray]:
    """At most ``points`` points: the min and max of each bucket, so spikes stay visible."""
    return reduce_curves([(x, y)], points)[0]


def reduce_curves(curves: list[tuple[np.ndarray, np.ndarray]],
                  points: int = OVERLAY_POINTS_PER_CURVE
                  ) -> list[tuple[np.ndarray, np.ndarray]]:
    """:func:`reduce_curve` of every curve at once: the long curves are joined and reduced
    by one ``reduceat`` (5,000 curves one by one cost 250 ms of numpy call overhead)."""
    reduced = list(curves)
    long = [index for index, (x, _y) in enumerate(curves) if len(x) > points]
    if not long:
        return reduced
    buckets = max(1, points // 2)
    lengths = np.array([len(curves[index][0]) for index in long])
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    xs = np.concatenate([np.asarray(curves[index][0], dtype=float) for index in long])
    ys = np.concatenate([np.asarray(curves[index][1], dtype=float) for index in long])
    # bucket k of a curve of n points starts at k * n // buckets (every bucket has >= 2)
    edges = offsets[:, None] + lengths[:, None] * np.arange(buckets + 1)[None, :] // buckets
    starts = edges[:, :-1].ravel()
    lows = np.minimum.reduceat(ys, starts).reshape(len(long), buckets)
    highs = np.maximum.reduceat(ys, starts).reshape(len(long), buckets)
    middle = xs[(edges[:, :-1] + edges[:, 1:]) // 2]
    new_x = np.repeat(middle, 2, axis=1)
    new_y = np.stack([lows, highs], axis=2).reshape(len(long), 2 * buckets)
    for row, index in enumerate(long):
        reduced[index] = (new_x[row], new_y[row])
    return reduced


def joined_curves(curves: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Many curves as one pair of arrays separated by NaN (drawn with connect='finite')."""
    if not curves:
        return np.empty(0), np.empty(0)
    gap = np.array([np.nan])
    xs, ys = [], []
    for x, y in curves:
        xs += [x, gap]
        ys += [y, gap]
    return np.concatenate(xs), np.concatenate(ys)


@dataclass
class Axis:
    """One vertical axis of the parallel coordinates: how a value maps onto 0..1."""

    name: str
    kind: str  # "linear", "log" or "categorical"
    low: float = 0.0
    high: float = 1.0
    categories: tuple = ()
    integer: bool = False  # an IntegerKnob: ticks at whole values, written whole

    def position(self, value: Any) -> float:
        if value is None:
            return math.nan
        if self.kind == "categorical":
            if value not in self.categories:
                return math.nan
            count = len(self.categories)
            return 0.5 if count == 1 else self.categories.index(value) / (count - 1)
        number = float(value)
        if self.kind == "log":
            if number <= 0:
                return math.nan
            number = math.log10(number)
        span = self.high - self.low
        return 0.5 if span == 0 else (number - self.low) / span

    def ticks(self, count: int = 3) -> list[tuple[float, str]]:
        """(position, label) pairs to write beside the axis."""
        if self.kind == "categorical":
            return [(self.position(c), str(c)) for c in self.categories]
        if self.high == self.low:
            values = [self.low]
        else:
            values = list(np.linspace(self.low, self.high, count))
        shown = [10.0**value if self.kind == "log" else value for value in values]
        if self.integer:  # whole values, once each (a 2..4 knob has no 2.5 tick)
            shown = sorted({round(value) for value in shown})
        span = self.high - self.low
        ticks = []
        for value in shown:
            at = math.log10(value) if self.kind == "log" and value > 0 else value
            ticks.append((0.5 if span == 0 else (at - self.low) / span, self.text(value)))
        return ticks

    def text(self, value: Any) -> str:
        """A value of this axis as written on it and in tooltips (64, not 6.4e+01)."""
        if value is None:
            return ""
        if self.kind == "categorical" or isinstance(value, (str, bool)):
            return str(value)
        number = float(value)
        if self.integer or number.is_integer() and abs(number) < 1e15:
            return str(int(round(number)))
        return f"{number:.4g}"


def parallel_axes(trials: list[Any], knob_config: dict[str, BaseKnob]) -> list[Axis]:
    """One axis per tuned knob (log for log-scale knobs, labelled categories), then score."""
    axes = []
    for name, knob in knob_config.items():
        if isinstance(knob, FixedKnob):
            continue
        if isinstance(knob, CategoricalKnob):
            axes.append(Axis(name, "categorical", categories=tuple(knob.values)))
            continue
        log = bool(getattr(knob, "is_exp", False))
        low, high = float(knob.value_min), float(knob.value_max)
        if log:
            low, high = math.log10(low), math.log10(high)
        axes.append(Axis(name, "log" if log else "linear", low, high,
                         integer=isinstance(knob, IntegerKnob)))
    scores = [t.score for t in trials if t.score is not None and math.isfinite(t.score)]
    low, high = (min(scores), max(scores)) if scores else (0.0, 1.0)
    axes.append(Axis("score", "linear", low, high))
    return axes


def parallel_lines(trials: list[Any], axes: list[Axis]
                   ) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """(positions: one row of 0..1 per scored trial, one column per axis; their scores; their
    trial ids, so the chart marks the best trial the table names, ties included)."""
    rows, scores, ids = [], [], []
    for trial in trials:
        if trial.score is None or not math.isfinite(trial.score) or not trial.knobs:
            continue
        values = {**trial.knobs, "score": trial.score}
        rows.append([axis.position(values.get(axis.name)) for axis in axes])
        scores.append(float(trial.score))
        ids.append(trial.id)
    if not rows:
        return np.empty((0, len(axes))), np.empty(0), []
    return np.array(rows, dtype=float), np.array(scores, dtype=float), ids


def slice_trial_ids(trials: list[Any], knob_name: str) -> list[int]:
    """The trial ids of :func:`slice_points`' points, in the same order."""
    return [t.id for t in trials if t.score is not None and math.isfinite(t.score)
            and (t.knobs or {}).get(knob_name) is not None]


def slice_points(trials: list[Any], knob_name: str) -> tuple[list[Any], np.ndarray]:
    """(the knob's values, their scores) over the scored trials."""
    values, scores = [], []
    for trial in trials:
        if trial.score is None or not math.isfinite(trial.score):
            continue
        value = (trial.knobs or {}).get(knob_name)
        if value is not None:
            values.append(value)
            scores.append(float(trial.score))
    return values, np.array(scores, dtype=float)
