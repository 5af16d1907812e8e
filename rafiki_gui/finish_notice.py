"""Says a run or tuning ended when the user is looking elsewhere: the window's title starts
with the outcome until the window is used again, the taskbar is asked to flag the window, and
the desktop shows a notification where it has a system tray.

Long trainings are left to run while the developer edits code; without this they had to keep
checking the window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QMainWindow

if TYPE_CHECKING:  # the tray loads with the first notice, not with the window
    from PySide6.QtWidgets import QSystemTrayIcon

NOTIFICATION_MS = 8000


class FinishNotice(QObject):
    """Installed on the main window; ``announce(text)`` when something finished."""

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self.window = window
        self.prefix = ""
        self.last_message = ""
        self._tray: QSystemTrayIcon | None = None
        window.installEventFilter(self)

    def announce(self, text: str) -> bool:
        """Tell the user ``text`` ("Run completed, score 0.9431") if the window is not the
        active one; True when it was announced."""
        if self.window.isActiveWindow():
            return False
        self.last_message = text
        self._set_prefix(f"[{text}] ")
        QApplication.alert(self.window, 0)
        from PySide6.QtWidgets import QSystemTrayIcon

        if QSystemTrayIcon.isSystemTrayAvailable():
            if self._tray is None:
                self._tray = QSystemTrayIcon(self.window.windowIcon(), self)
            self._tray.show()
            self._tray.showMessage("Rafiki Workbench", text,
                                   QSystemTrayIcon.MessageIcon.Information, NOTIFICATION_MS)
        return True

    def _set_prefix(self, prefix: str) -> None:
        title = self.window.windowTitle()
        if self.prefix and title.startswith(self.prefix):
            title = title[len(self.prefix):]
        self.prefix = prefix
        self.window.setWindowTitle(prefix + title)

    def clear(self) -> None:
        """The user is back: the title is the window's own again."""
        if self.prefix:
            self._set_prefix("")
        if self._tray is not None:
            self._tray.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.window and event.type() == QEvent.Type.WindowActivate:
            self.clear()
        return False
