"""Legends outside the data: a row under the chart, so no legend ever hides a curve (the
issue's legends sat over the lines in the top-right corner)."""

from __future__ import annotations

import pyqtgraph as pg

LEGEND_ROW = 4  # PlotItem's layout: title 0, top axis 1, view 2, bottom axis 3


def outside_legend(plot_item: pg.PlotItem, columns: int = 4,
                   text_color: str | None = None) -> pg.LegendItem:
    """A legend in a row of its own under ``plot_item``'s bottom axis, ``columns`` wide."""
    legend = pg.LegendItem(colCount=max(1, columns), labelTextColor=text_color,
                           verSpacing=-6, horSpacing=18)
    plot_item.layout.addItem(legend, LEGEND_ROW, 1)
    plot_item.legend = legend  # what PlotItem.addLegend would have kept
    return legend
