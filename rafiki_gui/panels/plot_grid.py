"""Plot cards in a responsive grid: 1 to 3 columns by the width there is, any one card
maximized to fill it. Used by the run's plots panel and the selected trial's plots."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QGridLayout, QScrollArea, QWidget

from .plot_card import PLOT_HEIGHT, PlotView

CARD_MIN_WIDTH = 440  # px: the controls row and a readable chart fit
MAX_COLUMNS = 3


def columns_for(width: int) -> int:
    """How many card columns fit ``width`` px (1 to 3)."""
    return max(1, min(MAX_COLUMNS, width // CARD_MIN_WIDTH))


class PlotGrid(QScrollArea):
    """Cards laid out in rows of ``columns_for(width)``; scrolls when they do not fit."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.host = QWidget()
        self.grid = QGridLayout(self.host)
        self.grid.setContentsMargins(2, 2, 2, 2)
        self.grid.setSpacing(6)
        self.setWidget(self.host)
        self.cards: list[PlotView] = []
        self.maximized: PlotView | None = None
        self.columns = 1
        self.viewport().installEventFilter(self)

    def add(self, card: PlotView) -> None:
        self.cards.append(card)
        card.sig_maximize.connect(self.set_maximized)
        self._lay_out()

    def clear(self) -> None:
        for card in self.cards:
            card.setParent(None)
            card.deleteLater()
        self.cards = []
        self.maximized = None

    def set_maximized(self, card: PlotView | None, on: bool = True) -> None:
        """Fill the grid with ``card`` (on) or show every card again."""
        self.maximized = card if on else None
        for other in self.cards:
            if other is not self.maximized:
                other.maximize_button.blockSignals(True)
                other.maximize_button.setChecked(False)
                other.maximize_button.blockSignals(False)
        self._lay_out()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if watched is self.viewport() and event.type() == QEvent.Type.Resize:
            if columns_for(self.viewport().width()) != self.columns or self.maximized:
                self._lay_out()
        return False

    def _lay_out(self) -> None:
        self.columns = columns_for(self.viewport().width())
        for card in self.cards:
            self.grid.removeWidget(card)
        for row in range(self.grid.rowCount()):
            self.grid.setRowStretch(row, 0)
        for column in range(self.grid.columnCount()):
            self.grid.setColumnStretch(column, 0)
        if self.maximized is not None:
            for card in self.cards:
                card.setVisible(card is self.maximized)
            self.grid.addWidget(self.maximized, 0, 0)
            self.grid.setRowStretch(0, 1)
            self.grid.setColumnStretch(0, 1)
            self.maximized.setMinimumHeight(max(PLOT_HEIGHT, self.viewport().height() - 8))
            return
        for index, card in enumerate(self.cards):
            card.setMinimumHeight(PLOT_HEIGHT)
            card.show()
            self.grid.addWidget(card, index // self.columns, index % self.columns)
        for column in range(self.columns):
            self.grid.setColumnStretch(column, 1)
        rows = -(-len(self.cards) // self.columns)
        self.grid.setRowStretch(rows, 1)  # cards keep their height, space gathers below
