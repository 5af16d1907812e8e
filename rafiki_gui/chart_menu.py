"""Right-click a chart to export it: PNG (2×), SVG or the CSV of what it plots, for the charts
that have no control row of their own (the predictions panel's)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QWidget

Table = Callable[[], tuple[Sequence[str], Sequence[Sequence[Any]]]]


def export_chart(widget: QWidget, path: str | Path, table: Table, title: str = "") -> None:
    """``widget`` as PNG or SVG, or ``table()`` as CSV, by the path's suffix."""
    from .chart_export import export_image, table_csv

    if Path(path).suffix.lower() == ".csv":
        Path(path).write_text(table_csv(*table()), encoding="utf-8")
    else:
        export_image(widget, path, title)


def add_export_menu(widget: QWidget, title: Callable[[], str], table: Table) -> None:
    """Export actions in the chart's right-click menu (on a PlotWidget, its scroll area's
    context menu policy decides, before pyqtgraph's own menu)."""
    widget.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
    for label, suffix in (("Export as PNG (2×)…", "png"), ("Export as SVG…", "svg"),
                          ("Export data as CSV…", "csv")):
        action = QAction(label, widget)
        action.triggered.connect(lambda _c=False, s=suffix: _ask(widget, title(), table, s))
        widget.addAction(action)


def _ask(widget: QWidget, title: str, table: Table, suffix: str) -> None:
    name = "".join(c if c.isalnum() else "_" for c in title).strip("_") or "chart"
    path, _ = QFileDialog.getSaveFileName(widget, f"Export {title}", f"{name}.{suffix}",
                                          f"*.{suffix}")
    if path:
        export_chart(widget, path, table, title)
