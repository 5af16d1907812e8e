"""A failure shown inline, where it happened: one headline naming the stage and the cause, and
the traceback below it, selectable and copyable. Used instead of modal dialogs everywhere."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QPlainTextEdit, QVBoxLayout, QWidget


class ErrorView(QFrame):
    """A red-framed headline with an optional traceback under it; hidden when there is none."""

    def __init__(self, parent: QWidget | None = None, max_details_height: int = 220):
        super().__init__(parent)
        self.setObjectName("ErrorView")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#ErrorView { border: 1px solid #e53935; border-radius: 4px; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.headline = QLabel()
        self.headline.setWordWrap(True)
        self.headline.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.setMaximumHeight(max_details_height)
        layout.addWidget(self.headline)
        layout.addWidget(self.details)
        self.hide()

    def show_problem(self, headline: str, details: str = "") -> None:
        self.headline.setText(f"<b style='color:#e53935'>{html.escape(headline)}</b>")
        self.details.setPlainText(details)
        self.details.setVisible(bool(details))
        self.show()

    def text(self) -> str:
        """The headline as the user reads it (plain text)."""
        return self.headline.text() and html.unescape(
            self.headline.text().split(">", 1)[1].rsplit("<", 1)[0])

    def clear(self) -> None:
        self.headline.clear()
        self.details.clear()
        self.hide()
