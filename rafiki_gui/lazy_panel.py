"""A stand-in for a panel that is built the first time it is shown (or asked for).

The window with every panel built took 6.2x a bare PySide6 window to paint; the panels in
hidden tabs and the closed run-details pane are most of that (the tuning tab alone builds
its charts: ~0.4 s), so they wait until a user looks at them.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget


class LazyPanel(QWidget):
    """Holds ``factory()``'s panel once built; builds it on first show or on ``panel()``."""

    sig_built = Signal(QWidget)
    """The panel was just built: (the panel)."""

    def __init__(self, factory: Callable[[], QWidget], parent: QWidget | None = None):
        super().__init__(parent)
        self._factory: Callable[[], QWidget] | None = factory
        self._panel: QWidget | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    @property
    def is_built(self) -> bool:
        return self._panel is not None

    def panel(self) -> QWidget:
        """The panel, built now if it was not yet."""
        if self._panel is None:
            factory, self._factory = self._factory, None
            assert factory is not None
            self._panel = factory()
            self._layout.addWidget(self._panel)
            self.sig_built.emit(self._panel)
        return self._panel

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        self.panel()
        super().showEvent(event)


class PanelTabs(QTabWidget):
    """Tabs whose pages may be LazyPanels: ``setCurrentWidget``, ``currentWidget`` and
    ``indexOf`` take and give the panels themselves, so callers never see the stand-ins."""

    def _page_of(self, widget: QWidget | None) -> QWidget | None:
        for index in range(self.count()):
            page = self.widget(index)
            if page is widget or (isinstance(page, LazyPanel) and page.is_built
                                  and page.panel() is widget):
                return page
        return widget

    def indexOf(self, widget: QWidget) -> int:  # noqa: N802 (Qt name)
        return super().indexOf(self._page_of(widget))

    def setCurrentWidget(self, widget: QWidget) -> None:  # noqa: N802 (Qt name)
        super().setCurrentWidget(self._page_of(widget))

    def currentWidget(self) -> QWidget | None:  # noqa: N802 (Qt name)
        page = super().currentWidget()
        if isinstance(page, LazyPanel):
            return page.panel()
        return page
