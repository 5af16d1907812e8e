"""Getting tuning results out of the window: the trials as CSV, any chart as PNG or SVG."""

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
    """Save what ``widget`` shows as PNG (pixels) or SVG (vectors), by the path's suffix."""
    suffix = Path(path).suffix.lower()
    if suffix == ".png":
        if not widget.grab().save(str(path), "PNG"):
            raise OSError(f"Could not write the image {path}")
        return
    if suffix != ".svg":
        raise ValueError(f"Cannot export a chart as {suffix or 'a file without suffix'}: "
                         "use .png or .svg")
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator

    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(widget.size())
    generator.setViewBox(widget.rect())
    painter = QPainter(generator)
    widget.render(painter)
    painter.end()
    if not Path(path).is_file():
        raise OSError(f"Could not write the image {path}")
