"""Reads an experiment's logged metrics off the UI thread when the Tuning tab opens it.

5,000 trials of 1,000 points are 15 million stored numbers: seconds of decoding that would
freeze the window. The table and the score charts show at once; the metric overlay says it is
reading and fills in when this worker hands over the columns (as numpy arrays, None as NaN)
and every metric's curves already reduced for drawing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import Signal

from ..thread_worker import ThreadWorker
from . import chart_data as cd

if TYPE_CHECKING:
    from rafiki.experiments import Experiments


REDUCE_CHUNK = 250
"""Curves reduced per numpy call. numpy holds the GIL through a call, and the window's thread
waits for it: all 5,000 curves of 1,000 points at once were joined into arrays of 5 million
numbers (tens of ms in one call, a stall of the window while the overlay was read)."""


class ExperimentMetrics:
    """What the reader hands over: per-trial metric columns, each metric's plot x axis, and
    reduced curves per metric (for ``points`` points a curve)."""

    def __init__(self, experiment_id: int, metrics: dict[int, dict[str, np.ndarray]],
                 x_axis_of: dict[str, str], reduced: dict[str, dict[int, Any]], points: int):
        self.experiment_id = experiment_id
        self.metrics = metrics
        self.x_axis_of = x_axis_of
        self.reduced = reduced
        self.points = points


def read_experiment_metrics(experiments: Experiments, experiment_id: int,
                            sample_trial_id: int | None,
                            trial_ids: list[int] | None = None) -> ExperimentMetrics:
    """Read and prepare the metrics of the experiment's trials (or of ``trial_ids``), on
    any thread (the gateway's store is thread-safe).

    Trial by trial, each made numpy arrays at once: the whole experiment's columns as Python
    lists (15 million numbers at 5,000 trials) made the garbage collector walk every one of
    them, and its full passes held the GIL for ~230 ms (the window's stall while the overlay
    was read). This way is no slower (1.6 s against 1.9 s for the lists alone)."""
    if trial_ids is None:
        trial_ids = [trial.id for trial in experiments.trials(experiment_id)]
    metrics: dict[int, dict[str, np.ndarray]] = {}
    for trial_id in trial_ids:
        columns = experiments.trial_metrics(trial_id)
        if columns:
            metrics[trial_id] = {name: np.asarray(column, dtype=float)
                                 for name, column in columns.items()}
    sample = sample_trial_id if sample_trial_id in metrics else next(iter(metrics), None)
    x_axis_of = experiments.plot_axes(sample) if sample is not None else {}
    points = cd.points_per_curve(len(metrics))
    reduced: dict[str, dict[int, Any]] = {}
    trial_ids = list(metrics)
    for metric in cd.metric_names(metrics, set(x_axis_of.values())):
        axis = x_axis_of.get(metric)
        curves: list[Any] = []
        for start in range(0, len(trial_ids), REDUCE_CHUNK):
            raw = [cd.metric_curve(metrics[i], metric, axis)
                   for i in trial_ids[start:start + REDUCE_CHUNK]]
            curves += cd.reduce_curves(raw, points)
        reduced[metric] = dict(zip(trial_ids, curves, strict=True))
    return ExperimentMetrics(experiment_id, metrics, x_axis_of, reduced, points)


class ExperimentMetricsReader(ThreadWorker):
    """:func:`read_experiment_metrics` on its own thread."""

    sig_read = Signal(object)
    """The metrics are ready: (ExperimentMetrics)."""
    error_stage = "reading the experiment's metrics"

    def __init__(self, experiments: Experiments, experiment_id: int,
                 sample_trial_id: int | None, trial_ids: list[int] | None = None):
        super().__init__("rafiki-metrics-reader")
        self.experiments = experiments
        self.experiment_id = experiment_id
        self.sample_trial_id = sample_trial_id
        self.trial_ids = trial_ids

    def _drive(self) -> None:
        self.sig_read.emit(read_experiment_metrics(self.experiments, self.experiment_id,
                                                   self.sample_trial_id, self.trial_ids))

    def _flush(self) -> None:
        """Nothing is buffered: the metrics go out whole."""
