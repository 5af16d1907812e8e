"""The toolbar's icons, drawn as vector glyphs in the palette's own colours.

Fusion's standard pixmaps gave Undo, Redo and Propose the same plain triangles, and they stay
light-theme grey on a dark palette. Drawing the glyphs with QPainter needs no image plugin
(the packaged app carries none for SVG), is sharp at any device pixel ratio, and is redrawn in
the new palette's colours when the theme changes (``refresh_icons``).

Each glyph is drawn at the size and state asked, when first asked (:class:`GlyphEngine`): a
toolbar at 1x shows one size of each; drawing both states at every menu, toolbar and 2x size
up front was 72 pixmaps, ~6 ms of the launch before the first paint. The toolbar's own are
drawn ahead of its first frame (``draw_ahead``), the rest when a menu or screen needs them.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QAction,
    QColor,
    QIcon,
    QIconEngine,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QApplication

RUN_GREEN = "#2e9e4f"
STOP_RED = "#d0463b"
PROPOSE_GOLD = "#e0a100"
ICON_PROPERTY = "rafiki_icon"  # the glyph an action shows, so a theme change can redraw it

Glyph = Callable[[QPainter, QColor], None]  # draws in a 24 x 24 box


def _pen(color: QColor, width: float = 2.0) -> QPen:
    pen = QPen(color, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _open(painter: QPainter, ink: QColor) -> None:
    """A folder with its flap open."""
    painter.setPen(_pen(ink, 1.8))
    back = QPainterPath()
    back.moveTo(3, 19)
    back.lineTo(3, 5.5)
    back.lineTo(9, 5.5)
    back.lineTo(11, 7.5)
    back.lineTo(19, 7.5)
    back.lineTo(19, 10)
    painter.drawPath(back)
    flap = QPainterPath()
    flap.moveTo(3, 19)
    flap.lineTo(6.5, 10.5)
    flap.lineTo(22, 10.5)
    flap.lineTo(18.5, 19)
    flap.closeSubpath()
    fill = QColor(ink)
    fill.setAlpha(60)
    painter.setBrush(fill)
    painter.drawPath(flap)


def _run(painter: QPainter, _ink: QColor) -> None:
    """A green play triangle."""
    triangle = QPainterPath()
    triangle.moveTo(7, 4.5)
    triangle.lineTo(19.5, 12)
    triangle.lineTo(7, 19.5)
    triangle.closeSubpath()
    painter.setPen(_pen(QColor(RUN_GREEN), 1.5))
    painter.setBrush(QColor(RUN_GREEN))
    painter.drawPath(triangle)


def _stop(painter: QPainter, _ink: QColor) -> None:
    """A red rounded square."""
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(STOP_RED))
    painter.drawRoundedRect(QRectF(5.5, 5.5, 13, 13), 2.5, 2.5)


def _propose(painter: QPainter, ink: QColor) -> None:
    """A four-pointed spark and a small one: the advisor's suggestion."""
    gold = QColor(PROPOSE_GOLD)
    painter.setPen(_pen(gold.darker(130), 1.0))
    painter.setBrush(gold)
    for centre, outer, inner in ((QPointF(10, 13), 8.5, 2.6), (QPointF(19, 5.5), 4.0, 1.3)):
        star = QPainterPath()
        for point in range(8):
            radius = outer if point % 2 == 0 else inner
            angle = math.pi / 4 * point - math.pi / 2
            vertex = QPointF(centre.x() + radius * math.cos(angle),
                             centre.y() + radius * math.sin(angle))
            if point == 0:
                star.moveTo(vertex)
            else:
                star.lineTo(vertex)
        star.closeSubpath()
        painter.drawPath(star)


def _curved_arrow(painter: QPainter, ink: QColor, mirrored: bool) -> None:
    """Undo's arrow, bending back to the left (Redo's, mirrored, to the right)."""
    painter.save()
    if mirrored:
        painter.translate(24, 0)
        painter.scale(-1, 1)
    painter.setPen(_pen(ink, 2.2))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    arc = QPainterPath()
    arc.moveTo(6, 10)
    arc.lineTo(14, 10)
    arc.cubicTo(22, 10, 22, 20, 14, 20)
    arc.lineTo(10, 20)
    painter.drawPath(arc)
    head = QPainterPath()
    head.moveTo(10, 5.5)
    head.lineTo(5.5, 10)
    head.lineTo(10, 14.5)
    painter.drawPath(head)
    painter.restore()


def _window_with_pane(painter: QPainter, ink: QColor, pane: QRectF) -> None:
    """A window outline with one pane of it filled (the pane the action shows or hides)."""
    painter.setPen(_pen(ink, 1.6))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRoundedRect(QRectF(3, 4, 18, 16), 2, 2)
    fill = QColor(ink)
    fill.setAlpha(110)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(fill)
    painter.drawRect(pane)


def _details(painter: QPainter, ink: QColor) -> None:
    """The window with its bottom pane (the run details) filled."""
    _window_with_pane(painter, ink, QRectF(4, 14, 16, 5))


def _setup(painter: QPainter, ink: QColor) -> None:
    """The window with its left column (model, knobs, datasets) filled, and knob sliders."""
    _window_with_pane(painter, ink, QRectF(4, 5, 6, 14))
    painter.setPen(_pen(ink, 1.4))
    for y in (9.0, 12.5, 16.0):
        painter.drawLine(QPointF(12.5, y), QPointF(18.5, y))


def _save(painter: QPainter, ink: QColor) -> None:
    """A tray with an arrow coming down into it."""
    painter.setPen(_pen(ink, 2.0))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    tray = QPainterPath()
    tray.moveTo(4, 14)
    tray.lineTo(4, 20)
    tray.lineTo(20, 20)
    tray.lineTo(20, 14)
    painter.drawPath(tray)
    painter.drawLine(QPointF(12, 3.5), QPointF(12, 15))
    head = QPainterPath()
    head.moveTo(7.5, 10.5)
    head.lineTo(12, 15)
    head.lineTo(16.5, 10.5)
    painter.drawPath(head)


GLYPHS: dict[str, Glyph] = {
    "open": _open, "run": _run, "stop": _stop, "propose": _propose,
    "undo": lambda p, ink: _curved_arrow(p, ink, mirrored=False),
    "redo": lambda p, ink: _curved_arrow(p, ink, mirrored=True),
    "details": _details, "setup": _setup, "save": _save,
}


def _ink(disabled: bool) -> QColor:
    palette = QApplication.palette()
    group = QPalette.ColorGroup.Disabled if disabled else QPalette.ColorGroup.Active
    return palette.color(group, QPalette.ColorRole.WindowText)


def _pixmap(glyph: Glyph, size: int, ink: QColor, faded: bool) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if faded:
        painter.setOpacity(0.4)
    painter.scale(size / 24, size / 24)
    glyph(painter, ink)
    painter.end()
    return pixmap


class GlyphEngine(QIconEngine):
    """Draws one glyph at each size and state asked for, once, in the inks of the palette in
    use when the icon was made (a theme change makes new icons: ``refresh_icons``)."""

    def __init__(self, name: str, inks: tuple[QColor, QColor] | None = None):
        super().__init__()
        self.name = name
        self.inks = inks or (_ink(False), _ink(True))
        self._drawn: dict[tuple[int, bool], QPixmap] = {}

    def actualSize(self, size: QSize, _mode: QIcon.Mode,  # noqa: N802 (Qt's name)
                   _state: QIcon.State) -> QSize:
        side = min(size.width(), size.height())
        return QSize(side, side)

    def pixmap(self, size: QSize, mode: QIcon.Mode, _state: QIcon.State) -> QPixmap:
        """The glyph ``size`` pixels square (the smaller side), faded when disabled; the
        Active and Selected states look as Normal, as they did with plain pixmaps."""
        side = max(min(size.width(), size.height()), 1)
        faded = mode == QIcon.Mode.Disabled
        drawn = self._drawn.get((side, faded))
        if drawn is None:
            drawn = _pixmap(GLYPHS[self.name], side, self.inks[faded], faded)
            self._drawn[(side, faded)] = drawn
        return drawn

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode,
              state: QIcon.State) -> None:
        painter.drawPixmap(rect, self.pixmap(rect.size(), mode, state))

    def clone(self) -> QIconEngine:
        return GlyphEngine(self.name, self.inks)


def icon(name: str) -> QIcon:
    """The named glyph in the current palette's colours, at whatever size a menu or toolbar
    asks, with a faded disabled state (Run while running, Stop while idle)."""
    if name not in GLYPHS:
        raise KeyError(name)
    return QIcon(GlyphEngine(name))


def set_icon(action: QAction, name: str) -> None:
    """Give ``action`` the named glyph and remember which, for ``refresh_icons``."""
    action.setProperty(ICON_PROPERTY, name)
    action.setIcon(icon(name))


def refresh_icons(actions: list[QAction]) -> None:
    """Redraw each action's glyph in the palette now in use (after a theme change)."""
    for action in actions:
        name = action.property(ICON_PROPERTY)
        if name in GLYPHS:
            action.setIcon(icon(name))


def draw_ahead(actions: list[QAction], size: QSize, ratio: float) -> None:
    """Draw now the glyphs a toolbar of ``actions`` shows at ``size`` on a screen of this
    device pixel ratio, each in its action's state: its first frame then only copies them."""
    for action in actions:
        if action.property(ICON_PROPERTY) in GLYPHS:
            mode = QIcon.Mode.Normal if action.isEnabled() else QIcon.Mode.Disabled
            action.icon().pixmap(size, ratio, mode)
