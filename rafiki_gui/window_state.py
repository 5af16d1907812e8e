"""Where the window is and how it is laid out, kept across restarts: geometry (fitted to the
screen it opens on), docks and toolbar, every named splitter, and the tabs shown.

A window that opened at 1280x820 whatever the screen put its status bar off a 1366x768
laptop screen; the first launch now takes the screen's available geometry, and a geometry
saved on a bigger screen is shrunk to fit. A window saved maximized comes back filling the
screen too: its saved normal geometry may be no use (Qt keeps none when a maximized window
was pushed wider than the screen, and restoring that gave the window's minimum, 898x336), and
without a window manager (or with twm) "maximized" alone changes nothing on screen.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMainWindow, QWidget

from .settings import settings

GEOMETRY_KEY = "window/geometry"
STATE_KEY = "window/state"
SPLITTER_PREFIX = "splitters/"
TAB_PREFIX = "tabs/"


def available_geometry(window: QWidget):
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def fit_to_screen(window: QMainWindow) -> None:
    """First launch: fill the screen's available geometry (maximized, so a window manager
    leaves room for its frame and panels)."""
    window.setGeometry(available_geometry(window))
    window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)


def shrink_to_screen(window: QMainWindow) -> None:
    """A restored geometry bigger than this screen (saved on another one) fits it again; a
    window saved maximized fills the screen as on a first launch."""
    if window.windowState() & (Qt.WindowState.WindowMaximized |
                               Qt.WindowState.WindowFullScreen):
        fit_to_screen(window)
        return
    available = available_geometry(window)
    width, height = min(window.width(), available.width()), \
        min(window.height(), available.height())
    if (width, height) != (window.width(), window.height()):
        window.resize(width, height)
    frame = window.frameGeometry()
    if not available.contains(frame):
        window.move(max(available.left(), min(frame.left(), available.right() - frame.width())),
                    max(available.top(), min(frame.top(), available.bottom() - frame.height())))


def restore_geometry(window: QMainWindow) -> bool:
    """The last geometry and dock/toolbar state; False when none was saved (first launch)."""
    stored = settings()
    geometry = _saved_bytes(stored.value(GEOMETRY_KEY))
    restored = geometry is not None and window.restoreGeometry(geometry)
    if restored:
        shrink_to_screen(window)
    else:
        fit_to_screen(window)
    state = _saved_bytes(stored.value(STATE_KEY))
    if state is not None:
        window.restoreState(state)
    return bool(restored)


def _saved_bytes(value: object) -> object:
    """``value`` when it is a QByteArray, else None. The type is imported only for a value
    saved: a first launch never makes its Python enums (nor its module attribute lookups)."""
    if value is None:
        return None
    from PySide6.QtCore import QByteArray

    return value if isinstance(value, QByteArray) else None


def restore_layout(root: QWidget) -> None:
    """Splitter positions and current tabs of every named splitter and tab widget under
    ``root`` (a lazily built panel calls this once it exists)."""
    # by the names saved, not by walking every child: on a first launch nothing is saved
    # and this costs nothing (walking the window's children took ~25 ms of the launch)
    from PySide6.QtWidgets import QSplitter, QTabWidget

    stored = settings()
    for name in _saved_names(stored, SPLITTER_PREFIX):
        splitter = _named(root, QSplitter, name)
        state = _saved_bytes(stored.value(SPLITTER_PREFIX + name))
        if splitter is not None and state is not None:
            splitter.restoreState(state)
    for name in _saved_names(stored, TAB_PREFIX):
        tabs = _named(root, QTabWidget, name)
        index = stored.value(TAB_PREFIX + name)
        if tabs is not None and index is not None and 0 <= int(index) < tabs.count():
            tabs.setCurrentIndex(int(index))


def _saved_names(stored, prefix: str) -> list[str]:
    stored.beginGroup(prefix.rstrip("/"))
    try:
        return [name for name in stored.childKeys() if name]
    finally:
        stored.endGroup()


def _named(root: QWidget, kind: type, name: str) -> QWidget | None:
    """``root`` itself or its descendant of that kind and object name."""
    if isinstance(root, kind) and root.objectName() == name:
        return root
    return root.findChild(kind, name)


def save(window: QMainWindow) -> None:
    """Geometry, docks, and every named splitter and tab widget built so far."""
    from PySide6.QtWidgets import QSplitter, QTabWidget

    stored = settings()
    stored.setValue(GEOMETRY_KEY, window.saveGeometry())
    stored.setValue(STATE_KEY, window.saveState())
    for splitter in window.findChildren(QSplitter):
        if splitter.objectName():
            stored.setValue(SPLITTER_PREFIX + splitter.objectName(), splitter.saveState())
    for tabs in window.findChildren(QTabWidget):
        if tabs.objectName():
            stored.setValue(TAB_PREFIX + tabs.objectName(), tabs.currentIndex())
    stored.sync()
