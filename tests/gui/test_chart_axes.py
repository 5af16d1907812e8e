"""Log axes: every label pyqtgraph draws has room of its own (a user saw 0.01, 0.009 and
0.008 printed over each other on a log-y loss plot)."""

from __future__ import annotations

import itertools
import math

import pyqtgraph as pg
import pytest
from PySide6.QtGui import QImage, QPainter

from rafiki_gui.chart_axes import minor_mantissas_with_room, number_axes


def _drawn_labels(qtbot, height: int, low: float, high: float) -> list[tuple[str, object]]:
    plot = pg.PlotWidget(axisItems=number_axes())
    qtbot.addWidget(plot)
    plot.resize(400, height)
    plot.show()
    plot.plotItem.plot([0, 1, 2], [high, (low * high) ** 0.5, low])
    plot.plotItem.setLogMode(y=True)
    plot.setYRange(*_log10(low, high), padding=0)
    qtbot.waitExposed(plot)
    axis = plot.plotItem.getAxis("left")
    image = QImage(400, height, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _axis_spec, _ticks, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(text, rect) for rect, _flags, text in texts]


def _log10(*values: float) -> list[float]:
    return [math.log10(v) for v in values]


@pytest.mark.parametrize("height", [300, 500, 700, 900])
@pytest.mark.parametrize("low, high", [(0.005, 1.5), (0.0005, 2.0), (0.002, 1.7)])
def test_log_y_labels_never_overlap(qtbot, height, low, high):
    labels = _drawn_labels(qtbot, height, low, high)
    assert len(labels) >= 3, labels  # the powers of ten at least
    rects = sorted((rect for _text, rect in labels), key=lambda r: r.top())
    for upper, lower in itertools.pairwise(rects):
        assert upper.bottom() <= lower.top() + 0.5, [text for text, _ in labels]


def test_a_tall_axis_labels_more_of_each_decade():
    assert minor_mantissas_with_room(1000, 16) == {2, 3, 4, 5, 6, 7, 8, 9}
    assert minor_mantissas_with_room(80, 16) == {2, 5}
    assert minor_mantissas_with_room(20, 16) == set()
