"""The tuning settings row in a horizontal scroll area, so it never widens the window.

Unfolded in one row (budget, where trials run, pinned knobs, search), the settings needed
964 px: with the setup column that made the window 1385 px wide on a 1366x768 screen, pushed
past its edge (Refresh, the tuning summary and "Predictions…" clipped), and it stayed that wide
after folding them again. Here the row keeps its natural width and scrolls sideways when the
tab is narrower (1024x700); the area is as tall as the row plus a scroll bar when one shows.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget


class SettingsScroll(QScrollArea):
    """Holds ``content`` at its natural size; scrolls it sideways only, never vertically."""

    def __init__(self, content: QWidget, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(content)

    def _height(self) -> int:
        content = self.widget()
        height = content.minimumSizeHint().height()
        if content.minimumSizeHint().width() > self.viewport().width():
            height += self.horizontalScrollBar().sizeHint().height()
        return height

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(self.widget().sizeHint().width(), self._height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        # narrow as anything: the row scrolls rather than setting the tab's minimum width
        return QSize(0, self._height())

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        """A scroll bar appearing or going changes the height wanted."""
        super().resizeEvent(event)
        height = self._height()
        if height != self.height():
            self.setFixedHeight(height)
