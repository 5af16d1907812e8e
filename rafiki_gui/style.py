"""Light and dark palettes that follow the system colour scheme (Qt 6.5+ reports it)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication


def system_prefers_dark() -> bool:
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    return bool(scheme and scheme() == Qt.ColorScheme.Dark)


def dark_palette() -> QPalette:
    palette = QPalette()
    role = QPalette.ColorRole
    for name, color in (
        (role.Window, "#202124"), (role.WindowText, "#e8eaed"), (role.Base, "#17181a"),
        (role.AlternateBase, "#26272b"), (role.ToolTipBase, "#303134"),
        (role.ToolTipText, "#e8eaed"), (role.Text, "#e8eaed"), (role.Button, "#2d2e31"),
        (role.ButtonText, "#e8eaed"), (role.BrightText, "#ff6e6e"), (role.Link, "#8ab4f8"),
        (role.Highlight, "#3d6fd6"), (role.HighlightedText, "#ffffff"),
        (role.PlaceholderText, "#9aa0a6"),
    ):
        palette.setColor(name, QColor(color))
    for name in (role.Text, role.ButtonText, role.WindowText):
        palette.setColor(QPalette.ColorGroup.Disabled, name, QColor("#7f8389"))
    return palette


def apply_style(app: QApplication, dark: bool | None = None) -> bool:
    """Fusion style with the light or dark palette (the system's when ``dark`` is None);
    returns whether dark was chosen. pyqtgraph plots follow via ``plot_colors``."""
    dark = system_prefers_dark() if dark is None else dark
    app.setStyle("Fusion")
    app.setPalette(dark_palette() if dark else app.style().standardPalette())
    app.setProperty("rafiki_dark", dark)
    return dark


def plot_colors() -> tuple[str, str]:
    """(background, foreground) for pyqtgraph, matching the palette in use."""
    app = QApplication.instance()
    dark = bool(app and app.property("rafiki_dark"))
    return ("#17181a", "#d0d3d8") if dark else ("#ffffff", "#404040")
