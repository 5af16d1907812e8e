"""The metric overlay's faint curves painted from one cached image.

5,000 trials are ~200,000 faint points in ~20 block items, and stroking them was most of
every repaint of the overlay (25-30 ms of CPU a paint at 5,000 trials, 40% of the UI thread
while trials streamed in at 20 a second, and again at each move of the crosshair). Here the
closed blocks (every one but the last, which live trials fill) are drawn once into an image
the size of the chart and each repaint puts that image on screen; the open block paints
itself as before. A block that closes is painted onto the image as it is (same pen, same
colour: the result does not depend on the order blocks are drawn in); a closed block that
changes (a new best or selected trial taken out of it, a curve hidden), a zoom, a pan or a
resize draws the image again from the blocks, which costs what one repaint cost before.

Exports (PNG, SVG) draw the blocks themselves as vectors: the image is for the screen only.
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QTransform


def _on_screen(item: pg.GraphicsObject, widget: Any) -> bool:
    """Painting into a view on screen, not an export (a scene render has no widget)."""
    return widget is not None and item._exportOpts is False  # noqa: SLF001 (pyqtgraph's flag)


class FaintBlock(pg.PlotCurveItem):
    """One block of faint curves; while its layer holds it in the image it paints nothing
    on screen. ``version`` counts its data changes, so the layer sees what changed."""

    def __init__(self, layer: FaintLayer, **options: Any):
        self.layer = layer
        self.version = 0
        super().__init__(**options)

    def updateData(self, *args: Any, **options: Any) -> None:  # noqa: N802 (pyqtgraph's name)
        self.version += 1
        super().updateData(*args, **options)

    def paint(self, painter: QPainter, option: Any, widget: Any) -> None:
        if self.layer.holds(self) and _on_screen(self, widget):
            return
        super().paint(painter, option, widget)

    def paint_into(self, painter: QPainter) -> None:
        """Stroke this block with ``painter`` (the layer's image painter)."""
        pg.PlotCurveItem.paint(self, painter, None, None)


class FaintLayer(pg.GraphicsObject):
    """Paints the closed blocks of ``blocks`` from a cached image of the view (see the
    module's docstring). Add it to the same view as the blocks, beneath them."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[FaintBlock] = []
        self.open_block: FaintBlock | None = None
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._image: QImage | None = None
        self._image_key: tuple | None = None  # (transform, size, pixel ratio) it was drawn for
        self._drawn: dict[int, tuple[FaintBlock, int]] = {}  # id -> (block, version) in it
        self._bounds: QRectF | None = None
        self.redraws = 0
        """How many times the image was drawn again from every block (tests, benchmarks)."""

    def set_blocks(self, blocks: list[FaintBlock], open_block: FaintBlock | None) -> None:
        """The blocks (in drawing order) and the one live trials fill, which paints itself."""
        if blocks == self.blocks and open_block is self.open_block:
            return
        self.prepareGeometryChange()
        self.blocks = list(blocks)
        self.open_block = open_block
        self._bounds = None
        self.update()

    def holds(self, block: FaintBlock) -> bool:
        """Whether ``block`` is painted by this layer's image (on screen)."""
        return block is not self.open_block and block in self.blocks

    def closed_blocks(self) -> list[FaintBlock]:
        return [block for block in self.blocks if block is not self.open_block]

    def blocks_changed(self) -> None:
        """Some block's data changed: its bounds may have too."""
        self.prepareGeometryChange()
        self._bounds = None
        self.update()

    def viewTransformChanged(self) -> None:  # noqa: N802 (pyqtgraph's name)
        self._bounds = None  # the blocks' rects carry a pen's width in pixels
        self.prepareGeometryChange()

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt's name)
        if self._bounds is None:
            bounds = QRectF()
            for block in self.closed_blocks():
                if block.xData is not None and len(block.xData):
                    bounds = bounds.united(block.boundingRect())
            self._bounds = bounds
        return self._bounds

    def paint(self, painter: QPainter, option: Any, widget: Any) -> None:
        if not _on_screen(self, widget):
            return  # an export: the blocks draw themselves as vectors
        ratio = widget.devicePixelRatioF()
        transform = painter.transform()
        key = (_matrix(transform), widget.width(), widget.height(), ratio)
        closed = self.closed_blocks()
        current = {id(block): (block, block.version) for block in closed}
        if key != self._image_key or any(id(block) not in current
                                         or current[id(block)][1] != version
                                         for block, version in self._drawn.values()):
            self._image = QImage(max(1, round(widget.width() * ratio)),
                                 max(1, round(widget.height() * ratio)),
                                 QImage.Format.Format_ARGB32_Premultiplied)
            self._image.setDevicePixelRatio(ratio)
            self._image.fill(Qt.GlobalColor.transparent)
            self._image_key = key
            self._drawn = {}
            self.redraws += 1
        added = [block for block in closed if id(block) not in self._drawn]
        if added:
            image_painter = QPainter(self._image)
            image_painter.setTransform(transform)
            for block in added:
                block.paint_into(image_painter)
                self._drawn[id(block)] = (block, block.version)
            image_painter.end()
        painter.save()
        painter.resetTransform()  # the image is in the view's pixels; the clip stays as set
        painter.drawImage(QPointF(0, 0), self._image)
        painter.restore()


def _matrix(transform: QTransform) -> tuple[float, ...]:
    return (transform.m11(), transform.m12(), transform.m13(), transform.m21(),
            transform.m22(), transform.m23(), transform.m31(), transform.m32(),
            transform.m33())
