"""Grayscale images as Qt pixmaps, and a grid of labelled thumbnails for dataset previews.

Datasets hold images as uint8 numpy arrays; Qt paints QImages. ``gray_pixmap`` is the one
conversion (no per-pixel Python), used by the preview grid and by the predictions table's
thumbnail column alike.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem, QWidget

THUMBNAIL_SIZE = 40


def gray_qimage(image: np.ndarray) -> QImage:
    """A (height, width) uint8 array as an 8-bit grayscale QImage (a copy, safe to keep)."""
    pixels = np.ascontiguousarray(image, dtype=np.uint8)
    height, width = pixels.shape[:2]
    return QImage(pixels.data, width, height, width, QImage.Format.Format_Grayscale8).copy()


def gray_pixmap(image: np.ndarray, size: int = THUMBNAIL_SIZE) -> QPixmap:
    """A thumbnail of a grayscale image scaled to ``size`` pixels on its longer side; small
    images are enlarged without smoothing so their pixels stay visible."""
    pixmap = QPixmap.fromImage(gray_qimage(image))
    return pixmap.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                         Qt.TransformationMode.FastTransformation)


class ImageGrid(QListWidget):
    """Thumbnails with a caption each, wrapping to the width (a bounded preview, not a table)."""

    def __init__(self, parent: QWidget | None = None, thumbnail_size: int = 56):
        super().__init__(parent)
        self.thumbnail_size = thumbnail_size
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setIconSize(QSize(thumbnail_size, thumbnail_size))
        self.setGridSize(QSize(thumbnail_size + 24, thumbnail_size + 28))
        self.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.setWordWrap(True)

    def set_images(self, images: Sequence[np.ndarray], captions: Sequence[str],
                   tooltips: Sequence[str] | None = None) -> None:
        """Show ``images`` with their ``captions`` (same length), replacing what was shown."""
        self.clear()
        for index, (image, caption) in enumerate(zip(images, captions, strict=True)):
            item = QListWidgetItem(gray_pixmap(image, self.thumbnail_size), caption)
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            if tooltips is not None:
                item.setToolTip(tooltips[index])
            self.addItem(item)

    def captions(self) -> list[str]:
        """The captions shown, in order (what a user reads under the thumbnails)."""
        return [self.item(row).text() for row in range(self.count())]
