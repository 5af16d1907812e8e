"""Getting tuning results out of the window: the trials as CSV, any chart as PNG, SVG or
the CSV of what it plots."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QWidget

CSV_FIXED = ("number", "status", "score", "duration_s", "started", "finished", "error")


def trials_csv(trials: list[Any], knob_names: list[str]) -> str:
    """One row per trial: number, status, score, duration, times, error, then each knob's raw
    value (full precision, not the table's rounded text)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*CSV_FIXED, *knob_names])
    for trial in sorted(trials, key=lambda t: t.number):
        error = trial.error or {}
        knobs = trial.knobs or {}
        writer.writerow([
            trial.number, trial.status, "" if trial.score is None else repr(trial.score),
            "" if trial.duration is None else f"{trial.duration:.3f}", trial.started,
            "" if trial.finished is None else trial.finished,
            f"{error.get('type')}: {error.get('message')}" if error else "",
            *[_cell(knobs.get(name)) for name in knob_names],
        ])
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (str, int, float, bool)):
        return repr(value) if isinstance(value, float) else str(value)
    return json.dumps(value)


def write_trials_csv(path: str | Path, trials: list[Any], knob_names: list[str]) -> None:
    Path(path).write_text(trials_csv(trials, knob_names), encoding="utf-8")


def export_widget_image(widget: QWidget, path: str | Path) -> None:
    """Save what ``widget`` shows as PNG (2× pixels) or SVG (vectors clipped to the axes)."""
    from ..chart_export import export_image

    export_image(widget, path)


def export_chart(chart: Any, path: str | Path) -> None:
    """A tuning chart (a ChartView) as PNG, SVG or, for ``.csv``, its plotted numbers."""
    if Path(path).suffix.lower() == ".csv":
        from ..chart_export import table_csv

        Path(path).write_text(table_csv(*chart.series_table()), encoding="utf-8")
        return
    from ..chart_export import export_image

    export_image(chart.chart, path, chart.title)
