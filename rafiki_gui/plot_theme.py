"""Charts already drawn take the new theme's colours when the user switches theme.

Each chart picks its background and ink from ``style.plot_colors`` when it is built; without
this, switching to dark left every open plot white with grey text until it was drawn again.
Curves keep their own series colours (chosen to read on both backgrounds); backgrounds, axes,
tick labels, titles and legend text follow the palette.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from .style import plot_colors


def recolor_plots(widgets: list[QWidget] | None = None) -> int:
    """Recolour every pyqtgraph view among ``widgets`` (every widget of the application
    when None); returns how many were recoloured. A no-op until pyqtgraph is loaded (the
    window imports it with its first chart)."""
    import sys

    if "pyqtgraph" not in sys.modules:
        return 0
    import pyqtgraph as pg

    background, foreground = plot_colors()
    recoloured = 0
    for widget in widgets if widgets is not None else QApplication.allWidgets():
        if not isinstance(widget, pg.GraphicsView):
            continue
        # a transparent background (bar charts) follows the palette by itself
        if widget.backgroundBrush().style() != Qt.BrushStyle.NoBrush:
            widget.setBackground(background)
        for item in widget.scene().items():
            if isinstance(item, pg.PlotItem):
                _recolor_plot_item(item, foreground)
            elif isinstance(item, pg.LegendItem):
                item.setLabelTextColor(foreground)
        recoloured += 1
    return recoloured


def _recolor_plot_item(item, foreground: str) -> None:
    for side in ("left", "bottom", "right", "top"):
        axis = item.getAxis(side)
        axis.setPen(foreground)
        axis.setTextPen(foreground)
    title = item.titleLabel
    if title.text:
        title.setText(title.text, color=foreground)
