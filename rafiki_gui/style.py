"""Light and dark palettes: the system's colour scheme (Qt 6.5+ reports it) or the user's
choice from View › Theme, kept in the settings."""

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


THEMES = ("system", "light", "dark")
THEME_SETTING = "view/theme"
DARK_INDICATOR_STYLE = """
QCheckBox::indicator, QGroupBox::indicator, QAbstractItemView::indicator,
QTreeView::indicator, QListView::indicator, QTableView::indicator {
    width: 13px; height: 13px; border: 1px solid #9aa0a6; border-radius: 2px;
    background: #2d2e31;
}
QCheckBox::indicator:checked, QGroupBox::indicator:checked,
QAbstractItemView::indicator:checked {
    background: #3d6fd6; border-color: #8ab4f8;
    image: url(%s);
}
QCheckBox::indicator:disabled { border-color: #5f6368; background: #202124; }
QRadioButton::indicator { border: 1px solid #9aa0a6; border-radius: 6px; width: 11px;
    height: 11px; background: #2d2e31; }
QRadioButton::indicator:checked { background: #3d6fd6; border: 1px solid #8ab4f8; }
"""
"""Fusion draws check boxes from the palette's Base and Text with a frame a shade off Base:
on the dark palette the unchecked box was invisible (#17181a on #202124). A light border and
a filled, ticked checked state make them readable."""
CHECK_MARK_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="13" height="13">'
                  '<path d="M3 7 L5.5 9.5 L10.5 3.5" stroke="white" stroke-width="2" '
                  'fill="none"/></svg>')


def _check_mark_path() -> str:
    from pathlib import Path

    from rafiki.paths import data_dir

    path = Path(data_dir()) / "check-mark.svg"
    try:
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(CHECK_MARK_SVG)
    except OSError:
        return ""
    return path.as_posix()


def theme_choice() -> str:
    """The theme chosen in View › Theme: "system" (the default), "light" or "dark"."""
    from .settings import settings

    value = str(settings().value(THEME_SETTING, "system"))
    return value if value in THEMES else "system"


def apply_theme(app: QApplication, theme: str | None = None, remember: bool = False) -> bool:
    """Apply ``theme`` (the saved choice when None); returns whether it is dark."""
    theme = theme or theme_choice()
    if remember:
        from .settings import settings

        stored = settings()
        stored.setValue(THEME_SETTING, theme)
        stored.sync()
    return apply_style(app, None if theme == "system" else theme == "dark")


def apply_style(app: QApplication, dark: bool | None = None) -> bool:
    """Fusion style with the light or dark palette (the system's when ``dark`` is None);
    returns whether dark was chosen. pyqtgraph plots follow via ``plot_colors``."""
    dark = system_prefers_dark() if dark is None else dark
    app.setStyle("Fusion")
    app.setPalette(dark_palette() if dark else app.style().standardPalette())
    app.setProperty("rafiki_dark", dark)
    app.setStyleSheet(DARK_INDICATOR_STYLE % _check_mark_path() if dark else "")
    return dark


def plot_colors() -> tuple[str, str]:
    """(background, foreground) for pyqtgraph, matching the palette in use."""
    app = QApplication.instance()
    dark = bool(app and app.property("rafiki_dark"))
    return ("#17181a", "#d0d3d8") if dark else ("#ffffff", "#404040")
