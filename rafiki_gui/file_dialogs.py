"""File dialogs: the platform's own where it has one, else Qt's dialog made big enough to
read (its default was 520 px wide with the name and size columns cut off).

Qt uses a native dialog when the platform or desktop provides one (Windows, macOS, a GNOME or
KDE session); on a bare X server, offscreen, or a desktop without a Qt platform theme it falls
back to its own widget dialog, which we size and set to the detail view.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PySide6.QtGui import QGuiApplication

if TYPE_CHECKING:  # the dialog classes load when a dialog opens, not with the window (~7 ms)
    from PySide6.QtWidgets import QFileDialog, QWidget

FALLBACK_SIZE = (960, 600)
"""Room for a long file name, its size, type and date in the detail view."""
SIDEBAR_WIDTH = 160
NAME_ROOM = 420  # px kept for the name column (and frames) before the sidebar gets any
SIZE_COLUMN = 1  # of Qt's file system model: name, size, type, date modified
PLATFORMS_WITH_NATIVE_DIALOGS = ("windows", "cocoa")
DESKTOP_PLATFORMS = ("xcb", "wayland")


def has_native_dialogs() -> bool:
    """Whether the platform gives Qt a native file dialog: Windows and macOS always; X11 and
    Wayland only inside a desktop session (XDG_CURRENT_DESKTOP) or with a platform theme."""
    platform = QGuiApplication.platformName()
    if platform in PLATFORMS_WITH_NATIVE_DIALOGS:
        return True
    if platform in DESKTOP_PLATFORMS:
        return bool(os.environ.get("XDG_CURRENT_DESKTOP") or
                    os.environ.get("QT_QPA_PLATFORMTHEME"))
    return False


def fallback_dialog(parent: QWidget | None, caption: str, directory: str,
                    name_filter: str) -> QFileDialog:
    """Qt's own dialog, in the detail view, sized so names and sizes show in full."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QFileDialog

    dialog = QFileDialog(parent, caption, directory, name_filter)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setViewMode(QFileDialog.ViewMode.Detail)
    width, height = FALLBACK_SIZE
    screen = (parent.screen() if parent is not None else None) or \
        QGuiApplication.primaryScreen()
    if screen is not None:
        available = screen.availableGeometry()
        width, height = min(width, available.width() - 40), min(height, available.height() - 40)
    dialog.resize(width, height)
    # the dialog restores its own header state when shown: size the columns just after
    QTimer.singleShot(0, dialog, lambda: _size_columns(dialog, width))
    return dialog


def _size_columns(dialog: QFileDialog, width: int) -> None:
    """A narrow sidebar; size, type and date as wide as their contents; the name stretches
    over the rest (Qt's defaults gave the name 380 px and cut the date off).

    The name stretches rather than being given a width once: the other columns grow when a
    folder's rows arrive, which is after this first layout when the folder is slow to read
    (and on every folder the user opens), and a name width fixed before that pushed the date
    ~40 px out of sight. On a narrow screen the sidebar gives way first: the date column's
    width follows the locale and the time of day, and with a full sidebar an 800 px screen
    cut the date off.

    The size column shows even when the state Qt restored hides it: every Qt program's own
    dialog shares that state (~/.config/QtProject.conf), so a size column hidden in another
    program was hidden here too."""
    from PySide6.QtWidgets import QHeaderView, QSplitter, QTreeView

    others = 0
    for view in dialog.findChildren(QTreeView):
        header = view.header()
        if header.count() > SIZE_COLUMN and header.isSectionHidden(SIZE_COLUMN):
            header.showSection(SIZE_COLUMN)
            toggles = header.actions()  # the header's menu: one check per column after the name
            if len(toggles) >= SIZE_COLUMN:
                toggles[SIZE_COLUMN - 1].setChecked(True)
        header.setStretchLastSection(False)
        for column in range(1, header.count()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        others = max(others, sum(header.sectionSize(c) for c in range(1, header.count())))
    sidebar = max(0, min(SIDEBAR_WIDTH, width - others - NAME_ROOM))
    for splitter in dialog.findChildren(QSplitter):
        if splitter.count() == 2:  # the places sidebar | the files
            splitter.setSizes([sidebar, max(width - sidebar, 0)])


def _run(dialog: QFileDialog) -> list[str]:
    return dialog.selectedFiles() if dialog.exec() else []


def open_path(parent: QWidget | None, caption: str, directory: str = "",
              name_filter: str = "") -> str:
    """A file to open, or "" when the user cancelled."""
    from PySide6.QtWidgets import QFileDialog

    if has_native_dialogs():
        path, _ = QFileDialog.getOpenFileName(parent, caption, directory, name_filter)
        return path
    dialog = fallback_dialog(parent, caption, directory, name_filter)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    chosen = _run(dialog)
    return chosen[0] if chosen else ""


def open_paths(parent: QWidget | None, caption: str, directory: str = "",
               name_filter: str = "") -> list[str]:
    """Files to open (empty when the user cancelled)."""
    from PySide6.QtWidgets import QFileDialog

    if has_native_dialogs():
        paths, _ = QFileDialog.getOpenFileNames(parent, caption, directory, name_filter)
        return paths
    dialog = fallback_dialog(parent, caption, directory, name_filter)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
    return _run(dialog)


def save_path(parent: QWidget | None, caption: str, directory: str = "",
              name_filter: str = "") -> str:
    """A file to write, or "" when the user cancelled (the dialog asks before overwriting)."""
    from PySide6.QtWidgets import QFileDialog

    if has_native_dialogs():
        path, _ = QFileDialog.getSaveFileName(parent, caption, directory, name_filter)
        return path
    dialog = fallback_dialog(parent, caption, directory, name_filter)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    chosen = _run(dialog)
    return chosen[0] if chosen else ""
