"""The "Over time" chart: the best score against wall time, and where the compute went.

With trials at once and pruned trials, the trial number no longer says how long a tuning took
to find its best: this chart puts each finished trial at the moment it ended (seconds since the
tuning's first trial started), the best score so far as a step line, and pruned trials on the
floor of the chart, so a user sees what pruning bought. The line above it gives the
trial-seconds, and the seconds saved by pruning (:mod:`rafiki.compute_accounting`, the same
numbers ``rafiki tune`` prints).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QWidget

from rafiki.compute_accounting import summarize_compute

from .trial_charts import BEST_COLOR, SCORE_COLOR, ChartView, _faint

PRUNED_COLOR = "#8d6e63"


class ComputeChart(ChartView):
    """Best score over wall time; trial-seconds and seconds saved by pruning above it."""

    title = "Over time"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.controls.addWidget(self.summary, 1)
        self.layout_.addWidget(self.chart, 1)
        self.chart.setLabel("bottom", "seconds of tuning (wall time trials ran)")
        self.chart.setLabel("left", "score")
        self.chart.addLegend(offset=(-10, -10))
        self.best_line = self.chart.plot([], [], pen=pg.mkPen(BEST_COLOR, width=2),
                                         stepMode="left", name="best so far")
        self.points = self.chart.plot([], [], pen=None, symbol="o", symbolSize=6,
                                      symbolBrush=_faint(SCORE_COLOR, 170), symbolPen=None,
                                      name="trial ended")
        self.pruned_points = self.chart.plot([], [], pen=None, symbol="t", symbolSize=8,
                                             symbolBrush=_faint(PRUNED_COLOR, 200),
                                             symbolPen=None, name="pruned")
        self.compute = summarize_compute([])

    def redraw(self) -> None:
        finished = [t for t in self.trials if t.finished is not None]
        self.compute = summarize_compute(finished)
        self.summary.setText(self.compute.describe() if finished else "")
        if not finished:
            for item in (self.best_line, self.points, self.pruned_points):
                item.setData([], [])
            self.set_message("No trial has ended yet.")
            return
        origin = min(t.started for t in finished)
        scored = [(t.finished - origin, float(t.score)) for t in finished
                  if t.score is not None and math.isfinite(t.score)]
        self.points.setData(*_columns(scored))
        floor = min((score for _, score in scored), default=0.0)
        self.pruned_points.setData(*_columns([(t.finished - origin, floor) for t in finished
                                              if t.status == "pruned"]))
        best = self.compute.best_over_time
        if best:
            end = max(t.finished for t in finished) - origin
            xs = np.array([when for when, _ in best] + [end])
            ys = np.array([score for _, score in best] + [best[-1][1]])
            self.best_line.setData(xs, ys)
        else:
            self.best_line.setData([], [])
        self.set_message("" if best else "No trial has completed with a score yet.")


def _columns(points: list[tuple[float, float]]) -> tuple[Any, Any]:
    if not points:
        return [], []
    xs, ys = zip(*points, strict=True)
    return np.array(xs), np.array(ys)
