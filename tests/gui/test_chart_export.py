"""Chart exports: the SVG draws what the PNG shows (rendered back with Qt's SVG renderer and
compared pixel by pixel), the PNG is twice the chart's size, curves stay inside the axes."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from rafiki_gui.chart_export import clip_polyline, export_png, export_svg

RED = (255, 0, 0)


def _pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    raw = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(),
                                                             image.bytesPerLine())
    return raw[:, :image.width() * 4].reshape(image.height(), image.width(), 4)[..., 2::-1].copy()


def _svg_pixels(path, width: int, height: int) -> np.ndarray:
    renderer = QSvgRenderer(str(path))
    assert renderer.isValid()
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    return _pixels(image)


def _reddish(pixels: np.ndarray) -> np.ndarray:
    red, green, blue = (pixels[..., i].astype(int) for i in range(3))
    return (red > 180) & (green < 120) & (blue < 120)


@pytest.fixture
def zoomed_chart(qtbot):
    """A curve and points zoomed so that most of the curve lies past the axes (the issue's
    SVG drew it there)."""
    widget = pg.PlotWidget(background="w")
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    x = np.arange(100, dtype=float)
    widget.plot(x, np.sin(x / 5) * 10, pen=pg.mkPen(RED, width=2))
    widget.plot(x, np.cos(x / 5) * 2, pen=None, symbol="o", symbolBrush=(30, 30, 140))
    widget.setYRange(-3, 3, padding=0)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_svg_renders_like_the_png_with_curves_inside_the_axes(zoomed_chart, tmp_path):
    png, svg = tmp_path / "chart.png", tmp_path / "chart.svg"
    export_png(zoomed_chart, png)
    export_svg(zoomed_chart, svg)
    picture = QImage(str(png))
    assert (picture.width(), picture.height()) == (800, 600)  # 2x the chart's 400x300
    from_png = _pixels(picture)
    from_svg = _svg_pixels(svg, 800, 600)
    differing = (np.abs(from_png.astype(int) - from_svg.astype(int)).max(axis=2) > 64).mean()
    assert differing < 0.005, f"{differing:.2%} of the pixels differ"
    # nothing red outside the view box (where the unclipped SVG drew the curve)
    view = zoomed_chart.getPlotItem().getViewBox().sceneBoundingRect()
    outside = np.ones(from_svg.shape[:2], dtype=bool)
    pen = 4  # the 2 px pen's half width and its antialiasing, at 2x
    outside[max(0, int(view.top() * 2) - pen):int(view.bottom() * 2) + pen,
            max(0, int(view.left() * 2) - pen):int(view.right() * 2) + pen] = False
    assert not (_reddish(from_svg) & outside).any()
    assert _reddish(from_svg).sum() > 500  # and the curve is there


def test_the_unclipped_qt_svg_is_what_this_guards_against(zoomed_chart, tmp_path):
    """Qt's SVG generator alone draws the curve past the axes: the check above can fail."""
    from PySide6.QtSvg import QSvgGenerator

    generator = QSvgGenerator()
    generator.setFileName(str(tmp_path / "raw.svg"))
    generator.setSize(zoomed_chart.size())
    generator.setViewBox(zoomed_chart.rect())
    generator.setResolution(zoomed_chart.logicalDpiX())
    painter = QPainter(generator)
    zoomed_chart.render(painter)
    painter.end()
    drawn = _svg_pixels(tmp_path / "raw.svg", 400, 300)
    view = zoomed_chart.getPlotItem().getViewBox().sceneBoundingRect()
    assert _reddish(drawn[int(view.bottom()) + 3:, :]).any()


def test_clip_polyline_cuts_segments_at_the_rectangle():
    x = np.array([0.0, 2.0, 4.0, np.nan, 5.0, 6.0])
    y = np.array([0.0, 2.0, 0.0, 1.0, 0.5, 0.5])
    cx, cy = clip_polyline(x, y, (0.0, 0.0, 10.0, 1.0))
    # up to y = 1 at x = 1, out, back in at x = 3 down to (4, 0); the NaN breaks; (5..6, 0.5)
    np.testing.assert_allclose(cx, [0, 1, np.nan, 3, 4, np.nan, 5, 6])
    np.testing.assert_allclose(cy, [0, 1, np.nan, 1, 0, np.nan, 0.5, 0.5])
    inside_x, inside_y = clip_polyline(np.arange(5.0), np.full(5, 0.5), (0, 0, 10, 1))
    np.testing.assert_allclose(inside_x, np.arange(5.0))  # one piece, no breaks


def test_a_run_plot_card_exports_alike_without_its_tooltip(qtbot, session, rafiki_home,
                                                           tmp_path):
    from rafiki.model.log import ModelLogger
    from rafiki_gui.panels.plots_panel import PlotsPanel

    panel = PlotsPanel(session)
    qtbot.addWidget(panel)
    panel.resize(700, 500)
    panel.show()
    session.sig_run_started.emit()
    records: list[dict] = []
    log = ModelLogger(sinks=[records.append])
    log.define_plot("Loss", ["train", "val"], x_axis="epoch")
    for epoch in range(40):
        log.log(epoch=epoch, train=np.sin(epoch / 3) * 4, val=np.cos(epoch / 3) * 4)
    session.sig_run_events.emit(records)
    panel.redraw()
    view = panel.views["Loss"]
    view.set_smoothing(0.5)
    qtbot.waitExposed(view.widget)
    view.widget.setYRange(-1, 1, padding=0)  # zoomed: the curves run past the axes
    view.crosshair.show_at(20, 0)
    assert view.crosshair.tip.isVisible()
    png, svg = tmp_path / "loss.png", tmp_path / "loss.svg"
    view.export(str(png))
    view.export(str(svg))
    picture = QImage(str(png))
    size = view.widget.size()
    assert (picture.width(), picture.height()) == (size.width() * 2, size.height() * 2)
    from_png = _pixels(picture)
    from_svg = _svg_pixels(svg, picture.width(), picture.height())
    differing = (np.abs(from_png.astype(int) - from_svg.astype(int)).max(axis=2) > 64).mean()
    assert differing < 0.01, f"{differing:.2%} of the pixels differ"
    # the export took the crosshair and tooltip away first: neither is part of the picture
    assert not view.crosshair.tip.isVisible() and not view.crosshair.lines[0].isVisible()
    rows = (tmp_path / "loss.csv")
    view.export(str(rows))
    lines = rows.read_text().splitlines()
    assert lines[0] == "metric,epoch,value,smoothed" and len(lines) == 81
    assert [line.split(",")[1] for line in lines[1:4]] == ["0", "1", "2"]  # epochs as counted
