"""Charts out of the window: PNG at twice the screen's pixels, SVG that draws what the PNG
shows, CSV of the plotted numbers.

Qt's SVG generator (6.11) writes no clip paths, and neither Qt's own SVG renderer nor a
Tiny-1.2 reader would honour them: a curve zoomed past the axes was drawn outside them (the
issue saw a filled band in librsvg). So before an SVG is written every curve is clipped to its
view's rectangle in numbers (Liang-Barsky on all segments at once), points and labels outside
it are hidden, and all of it is restored after. The generator is also given the screen's
resolution: at its default 72 dpi pyqtgraph laid the axes out for other font sizes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QWidget

PNG_SCALE = 2


def clip_polyline(x: np.ndarray, y: np.ndarray, rect: tuple[float, float, float, float]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The parts of the polyline (x, y) inside ``rect`` = (left, top, right, bottom) with
    top < bottom in data terms (ymin, ymax); pieces separated by NaN (draw with
    connect='finite'). Segments that touch a non-finite point are dropped, as drawn."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if len(x) < 2:
        inside = ((x >= rect[0]) & (x <= rect[2]) & (y >= rect[1]) & (y <= rect[3]))
        return x[inside], y[inside]
    xmin, ymin, xmax, ymax = rect
    x0, y0, x1, y1 = x[:-1], y[:-1], x[1:], y[1:]
    dx, dy = x1 - x0, y1 - y0
    valid = np.isfinite(x0) & np.isfinite(y0) & np.isfinite(x1) & np.isfinite(y1)
    start = np.zeros(len(x0))
    end = np.ones(len(x0))
    with np.errstate(divide="ignore", invalid="ignore"):
        for p, q in ((-dx, x0 - xmin), (dx, xmax - x0), (-dy, y0 - ymin), (dy, ymax - y0)):
            valid &= ~((p == 0) & (q < 0))  # parallel to this edge and outside it
            ratio = q / p
            start = np.where(p < 0, np.maximum(start, ratio), start)
            end = np.where(p > 0, np.minimum(end, ratio), end)
    kept = np.flatnonzero(valid & (start <= end))
    if not len(kept):
        return np.empty(0), np.empty(0)
    s, e = start[kept], end[kept]
    sx, sy = x0[kept] + s * dx[kept], y0[kept] + s * dy[kept]
    ex, ey = x0[kept] + e * dx[kept], y0[kept] + e * dy[kept]
    # a segment that goes on from the previous one's unclipped end needs no break or start
    goes_on = np.zeros(len(kept), dtype=bool)
    goes_on[1:] = (kept[1:] == kept[:-1] + 1) & (end[kept[:-1]] == 1) & (s[1:] == 0)
    gap = np.full(len(kept), np.nan)
    layout = np.ones((len(kept), 3), dtype=bool)
    layout[:, 0] = layout[:, 1] = ~goes_on
    layout[0, 0] = False
    xs = np.column_stack([gap, sx, ex])[layout]
    ys = np.column_stack([gap, sy, ey])[layout]
    return xs, ys


def _views(widget: QWidget) -> list[pg.ViewBox]:
    views = [widget, *widget.findChildren(pg.GraphicsView)]
    found = []
    for view in views:
        if isinstance(view, pg.GraphicsView):
            found += [item for item in view.scene().items() if isinstance(item, pg.ViewBox)]
    return found


@contextmanager
def clipped_to_views(widget: QWidget) -> Iterator[None]:
    """Within: every curve, point and text of the widget's charts lies inside its view."""
    restore: list[Any] = []
    try:
        for view in _views(widget):
            rect = view.viewRect()
            bounds = (rect.left(), rect.top(), rect.right(), rect.bottom())
            for item in view.childGroup.childItems():
                _clip_item(item, bounds, restore)
        yield
    finally:
        for undo in reversed(restore):
            undo()


def _clip_item(item: Any, bounds: tuple[float, float, float, float], restore: list) -> None:
    if isinstance(item, pg.PlotDataItem):
        for child in item.childItems():
            _clip_item(child, bounds, restore)
        return
    if not item.isVisible():
        return
    if isinstance(item, pg.PlotCurveItem) and item.xData is not None and \
            not item.opts.get("stepMode") and item.opts.get("fillLevel") is None:
        x, y, connect = item.xData, item.yData, item.opts.get("connect", "all")
        if not len(x):
            return
        cx, cy = clip_polyline(x, y, bounds)
        item.setData(x=cx, y=cy, connect="finite")
        restore.append(lambda: item.setData(x=x, y=y, connect=connect))
    elif isinstance(item, pg.ScatterPlotItem) and len(item.data):
        shown = item.data["visible"].copy()
        x, y = item.data["x"], item.data["y"]
        inside = (x >= bounds[0]) & (x <= bounds[2]) & (y >= bounds[1]) & (y <= bounds[3])
        item.setPointsVisible(shown & inside)
        restore.append(lambda: item.setPointsVisible(shown))
    elif isinstance(item, pg.TextItem):
        pos = item.pos()
        if not (bounds[0] <= pos.x() <= bounds[2] and bounds[1] <= pos.y() <= bounds[3]):
            item.hide()
            restore.append(item.show)


@contextmanager
def _exporting(widget: QWidget, scale: float) -> Iterator[None]:
    """Items in pyqtgraph's export mode (points drawn as shapes, not from a cached pixmap
    atlas, which came out of the SVG generator as four specks per point), without the
    crosshair and tooltip."""
    from .chart_hover import Crosshair

    for crosshair in widget.findChildren(Crosshair):
        crosshair.clear()
    items = [item for view in [widget, *widget.findChildren(pg.GraphicsView)]
             if isinstance(view, pg.GraphicsView) for item in view.scene().items()
             if hasattr(item, "setExportMode")]
    options = {"antialias": True, "background": None, "painter": None,
               "resolutionScale": scale}
    for item in items:
        item.setExportMode(True, options)
    try:
        yield
    finally:
        for item in items:
            item.setExportMode(False)


def _background(widget: QWidget):
    """The chart's own background (a PlotWidget's brush), else the window's."""
    if isinstance(widget, pg.GraphicsView):
        brush = widget.backgroundBrush()
        if brush.style() != Qt.BrushStyle.NoBrush:
            return brush.color()
    return widget.palette().window().color()


def export_png(widget: QWidget, path: str | Path, scale: int = PNG_SCALE) -> None:
    """The widget as PNG at ``scale`` times its size (crisp on a high-DPI screen or print)."""
    image = QImage(widget.width() * scale, widget.height() * scale,
                   QImage.Format.Format_ARGB32)
    image.fill(_background(widget))
    with _exporting(widget, scale):
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if isinstance(widget, pg.GraphicsView):
            # the scene straight into the image: QWidget.render of a QGraphicsView into a 2x
            # image (by device pixel ratio or a scaled painter) drew its top-left quarter
            source = widget.mapToScene(widget.viewport().rect()).boundingRect()
            widget.scene().render(painter, QRectF(image.rect()), source)
        else:
            painter.scale(scale, scale)
            widget.render(painter)
        painter.end()
    if not image.save(str(path), "PNG"):
        raise OSError(f"Could not write the image {path}")


def export_svg(widget: QWidget, path: str | Path, title: str = "") -> None:
    """The widget as SVG vectors, drawing only what its PNG shows."""
    from PySide6.QtSvg import QSvgGenerator

    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(widget.size())
    generator.setViewBox(widget.rect())
    generator.setResolution(widget.logicalDpiX())
    if title:
        generator.setTitle(title)
    with _exporting(widget, 1.0), clipped_to_views(widget):
        painter = QPainter(generator)
        painter.fillRect(QRectF(widget.rect()), _background(widget))
        widget.render(painter)
        painter.end()
    if not Path(path).is_file():
        raise OSError(f"Could not write the image {path}")


def export_image(widget: QWidget, path: str | Path, title: str = "") -> None:
    """PNG or SVG by the path's suffix."""
    suffix = Path(path).suffix.lower()
    if suffix == ".png":
        export_png(widget, path)
    elif suffix == ".svg":
        export_svg(widget, path, title)
    else:
        raise ValueError(f"Cannot export a chart as {suffix or 'a file without suffix'}: "
                         "use .png or .svg")


def table_csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """CSV text; floats at full precision (repr), None as an empty cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else repr(v) if isinstance(v, float) else v
                         for v in row])
    return out.getvalue()
