"""Crosshair, tooltip and click for any pyqtgraph chart, as TensorBoard's charts have them.

A chart hands a *lookup*: given the mouse's position in data coordinates and the size of a
pixel there, it returns a :class:`Hover` (the tooltip's HTML, where to mark, and the key of
what is under the mouse, e.g. a trial id) or None. The :class:`Crosshair` does the rest: lines
through the mouse, markers on the hovered points, a tooltip kept inside the chart, and
``sig_clicked(key)`` on a click. Lookups run on mouse moves only (a ``searchsorted`` per
series), never on the streaming path, so a run flooding its plots costs no more with it on.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, Qt, Signal
from PySide6.QtWidgets import QLabel

from .chart_axes import format_number

TIP_OFFSET = 14  # px between the pointer and the tooltip
NEAR_PX = 12.0  # a point or line within this many pixels is "under the mouse"


@dataclass
class Hover:
    """What the mouse is over: ``html`` for the tooltip, ``marks`` as (x, y, colour) in view
    coordinates, ``key`` handed to ``sig_clicked`` (None: nothing to click), ``snap_x`` where
    the vertical line goes (the nearest point's x), ``path`` (xs, ys) a line to highlight
    (a trial's line across parallel coordinates)."""

    html: str
    marks: list[tuple[float, float, Any]] = field(default_factory=list)
    key: Any = None
    snap_x: float | None = None
    path: tuple[Any, Any] | None = None


Lookup = Callable[[float, float, tuple[float, float]], "Hover | None"]


def swatch(color: Any) -> str:
    """A coloured square for a tooltip row naming a series."""
    name = pg.mkColor(color).name()
    return f"<span style='color:{name}'>■</span>"


def table_html(title: str, rows: Sequence[Sequence[str]]) -> str:
    """A tooltip: a bold title over rows of cells (already escaped HTML)."""
    body = "".join("<tr>" + "".join(f"<td style='padding-right:8px'>{cell}</td>"
                                     for cell in row) + "</tr>" for row in rows)
    head = f"<b>{html.escape(title)}</b>" if title else ""
    return f"{head}<table cellspacing='0'>{body}</table>"


def nearest_index(xs: np.ndarray, x: float) -> int | None:
    """Index of the value of sorted ``xs`` nearest to ``x`` (None when empty)."""
    if not len(xs):
        return None
    at = int(np.searchsorted(xs, x))
    if at <= 0:
        return 0
    if at >= len(xs):
        return len(xs) - 1
    return at if abs(xs[at] - x) < abs(x - xs[at - 1]) else at - 1


def nearest_point(xs: np.ndarray, ys: np.ndarray, x: float, y: float,
                  pixel: tuple[float, float], within: float = NEAR_PX) -> int | None:
    """Index of the point nearest to (x, y) on screen, if within ``within`` pixels."""
    if not len(xs):
        return None
    dx = (np.asarray(xs, dtype=float) - x) / (pixel[0] or 1.0)
    dy = (np.asarray(ys, dtype=float) - y) / (pixel[1] or 1.0)
    distance = np.hypot(dx, dy)
    distance[~np.isfinite(distance)] = np.inf
    index = int(np.argmin(distance))
    return index if distance[index] <= within else None


class HoverTip(QLabel):
    """The tooltip: a small framed label floating over the chart."""

    def __init__(self, parent):
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setStyleSheet("QLabel { background: palette(tooltip-base); "
                           "color: palette(tooltip-text); border: 1px solid palette(mid); "
                           "border-radius: 3px; padding: 3px 5px; }")
        self.hide()


class Crosshair(QObject):
    """Crosshair lines, hovered-point markers and a tooltip on ``widget`` (a PlotWidget)."""

    sig_clicked = Signal(object)
    """A click on something the lookup names: (its key, e.g. a trial id)."""

    def __init__(self, widget: pg.PlotWidget, lookup: Lookup, vertical: bool = True,
                 horizontal: bool = True):
        super().__init__(widget)
        self.widget = widget
        self.lookup = lookup
        self.enabled = True
        self.hover: Hover | None = None
        self._last: QPointF | None = None
        item = widget.getPlotItem()
        self.view = item.getViewBox()
        pen = pg.mkPen((128, 128, 128, 160), width=1, style=Qt.PenStyle.DashLine)
        self.lines = []
        for angle, wanted in ((90, vertical), (0, horizontal)):
            if wanted:
                line = pg.InfiniteLine(angle=angle, movable=False, pen=pen)
                line.setZValue(1000)
                line.hide()
                self.view.addItem(line, ignoreBounds=True)
                self.lines.append(line)
        self.markers = pg.ScatterPlotItem(size=8, pen=pg.mkPen("w", width=1.5))
        self.markers.setZValue(1001)
        # on the view, not the PlotItem: a PlotItem takes them for data curves (legend,
        # downsampling, auto range)
        self.view.addItem(self.markers, ignoreBounds=True)
        from .style import plot_colors

        # the hovered line in the text colour: apart from every data colour (orange is the
        # best trial's, blue the selected one's, viridis the scores')
        self.path = pg.PlotCurveItem(pen=pg.mkPen(plot_colors()[1], width=3))
        self.path.setZValue(999)
        self.view.addItem(self.path, ignoreBounds=True)
        self.tip = HoverTip(widget)
        widget.scene().sigMouseMoved.connect(self._moved)
        widget.scene().sigMouseClicked.connect(self._clicked)
        widget.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.Leave:
            self.clear()
        return False

    def _inside(self, scene_pos: QPointF) -> QPointF | None:
        if not self.view.sceneBoundingRect().contains(scene_pos):
            return None
        return self.view.mapSceneToView(scene_pos)

    def hover_scene(self, scene_pos: QPointF) -> None:
        """What a mouse at ``scene_pos`` shows (a benchmark or test holds it still there)."""
        self._moved(scene_pos)

    def _moved(self, scene_pos: QPointF) -> None:
        if not self.enabled:
            return
        point = self._inside(scene_pos)
        if point is None:
            self.clear()
            return
        self._last = QPointF(scene_pos)
        self.show_at(point.x(), point.y())

    def pixel_size(self) -> tuple[float, float]:
        width, height = self.view.viewPixelSize()
        return float(width), float(height)

    def show_at(self, x: float, y: float) -> Hover | None:
        """Show the crosshair at view coordinates (x, y): what a mouse move there shows."""
        hover = self.lookup(x, y, self.pixel_size())
        self.hover = hover
        for line in self.lines:
            snapped = hover.snap_x if hover is not None and hover.snap_x is not None else x
            line.setPos(snapped if line.angle == 90 else y)
            line.show()
        if hover is None:
            self.markers.setData([], [])
            self.path.setData([], [])
            self.tip.hide()
            return None
        if hover.path is not None:
            self.path.setData(*hover.path)
        else:
            self.path.setData([], [])
        self.markers.setData([m[0] for m in hover.marks], [m[1] for m in hover.marks],
                             brush=[pg.mkBrush(m[2]) for m in hover.marks])
        self.tip.setText(hover.html)
        self.tip.adjustSize()
        self._place_tip(self.view.mapViewToScene(QPointF(x, y)))
        self.tip.show()
        self.tip.raise_()
        return hover

    def refresh(self) -> None:
        """The data changed under a still mouse: look again (cheap; skipped when hidden)."""
        if self._last is not None and self.tip.isVisible():
            self._moved(self._last)

    def _place_tip(self, scene_pos: QPointF) -> None:
        at = self.widget.mapFromScene(scene_pos)
        width, height = self.tip.width(), self.tip.height()
        x = at.x() + TIP_OFFSET
        y = at.y() + TIP_OFFSET
        if x + width > self.widget.width():
            x = at.x() - TIP_OFFSET - width
        if y + height > self.widget.height():
            y = at.y() - TIP_OFFSET - height
        self.tip.move(QPoint(max(0, x), max(0, y)))

    def clear(self) -> None:
        """Hide it all (the mouse left, or the chart is being exported)."""
        self._last = None
        self.hover = None
        for line in self.lines:
            line.hide()
        self.markers.setData([], [])
        self.path.setData([], [])
        self.tip.hide()

    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        point = self._inside(event.scenePos())
        if point is None:
            return
        hover = self.lookup(point.x(), point.y(), self.pixel_size())
        if hover is not None and hover.key is not None:
            self.click(hover.key)

    def click(self, key: Any) -> None:
        self.sig_clicked.emit(key)


def curves_lookup(series: Callable[[], list[tuple[str, np.ndarray, np.ndarray, Any]]],
                  x_text: Callable[[float], str] = format_number,
                  y_view: Callable[[np.ndarray], np.ndarray] | None = None,
                  x_name: str = "x") -> Lookup:
    """TensorBoard's tooltip for line charts: for each series (name, sorted x, y, colour), its
    point nearest the mouse's x; ``y_view`` maps y to view coordinates (log10 in log mode)."""

    def lookup(x: float, _y: float, _pixel: tuple[float, float]) -> Hover | None:
        rows, marks, snap = [], [], None
        for name, xs, ys, color in series():
            index = nearest_index(xs, x)
            if index is None:
                continue
            px, py = float(xs[index]), float(ys[index])
            shown_y = py if y_view is None else float(y_view(np.array([py]))[0])
            marks.append((px, shown_y, color))
            rows.append((swatch(color), html.escape(name), format_number(py),
                         html.escape(x_text(px))))
            if snap is None or abs(px - x) < abs(snap - x):
                snap = px
        if not rows:
            return None
        header = [("", "<i>series</i>", "<i>value</i>", f"<i>{html.escape(x_name)}</i>")]
        return Hover(table_html("", header + rows), marks, snap_x=snap)

    return lookup
