"""A failure shown inline, where it happened: one headline naming the stage and the cause, and
the traceback below it, selectable and copyable. Used instead of modal dialogs everywhere.

The traceback opens on what the user wrote: the workbench's own frames folded (as the CLI
prints them) and the view scrolled to the model file's innermost frame, highlighted; "Full
traceback" shows every frame, and "Copy" puts the whole text on the clipboard, to paste into
an issue. A user's Stop is not a failure: :meth:`ErrorView.show_note` says it in grey.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

if TYPE_CHECKING:  # the traceback's text view is made with the first problem shown
    from PySide6.QtWidgets import QPlainTextEdit

ERROR_COLOR = "#e53935"
NOTE_COLOR = "#757575"
FRAME_HIGHLIGHT = "#ffe0b2"
_FRAME_LINE = re.compile(r'^  File "(?P<file>[^"]+)", line \d+')


def model_frame_line(text: str, model_file: str) -> int | None:
    """Index of the line of the innermost frame in ``model_file``, or None."""
    if not model_file:
        return None
    wanted = str(Path(model_file).resolve()).replace("\\", "/")
    found = None
    for index, line in enumerate(text.splitlines()):
        frame = _FRAME_LINE.match(line)
        if frame and frame.group("file").replace("\\", "/") in (wanted, model_file):
            found = index
    return found


class ErrorView(QFrame):
    """A red-framed headline with an optional traceback under it; hidden when there is none."""

    def __init__(self, parent: QWidget | None = None, max_details_height: int = 220,
                 min_details_lines: int = 0):
        """``min_details_lines``: the traceback shows at least this many lines (the model
        panel's was 2 lines tall in a 768-px window); 0 lets the layout decide."""
        super().__init__(parent)
        self.setObjectName("ErrorView")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        self.headline = QLabel()
        self.headline.setWordWrap(True)
        self.headline.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # flat tool buttons: as tall as the headline's line, so showing a failure does not
        # make the run details (and the window) taller than the traceback alone did
        self.full_button = QToolButton()
        self.full_button.setText("Full traceback")
        self.full_button.setAutoRaise(True)
        self.full_button.setCheckable(True)
        self.full_button.setToolTip("Show the workbench's own frames too")
        self.copy_button = QToolButton()
        self.copy_button.setText("Copy")
        self.copy_button.setAutoRaise(True)
        self.copy_button.setToolTip("Copy the message and the whole traceback")
        top.addWidget(self.headline, 1)
        top.addWidget(self.full_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        self._layout = layout
        self._max_details_height = max_details_height
        self._min_details_lines = min_details_lines
        self._details: QPlainTextEdit | None = None
        self.full_button.toggled.connect(lambda _on: self._show_details())
        self.copy_button.clicked.connect(self.copy)
        self._headline_text = ""
        self._full = ""
        self._folded = ""
        self._model_file = ""
        self.is_error = False
        self.hide()

    @property
    def details(self) -> QPlainTextEdit:
        """The traceback's text view, made the first time a problem is shown: every panel has
        an error view, and the text view with its document took ~25 ms of the launch."""
        if self._details is None:
            from PySide6.QtWidgets import QPlainTextEdit

            details = QPlainTextEdit()
            details.setReadOnly(True)
            details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
            details.setMaximumHeight(self._max_details_height)
            if self._min_details_lines:
                lines = details.fontMetrics().lineSpacing() * self._min_details_lines
                details.setMinimumHeight(min(self._max_details_height,
                                             lines + 2 * details.frameWidth() + 8))
            self._layout.addWidget(details)
            self._details = details
        return self._details

    def show_problem(self, headline: str, details: str = "", model_file: str = "") -> None:
        """A failure: ``details`` (a traceback) opens at ``model_file``'s innermost frame."""
        self._show(headline, details, model_file, ERROR_COLOR)
        self.is_error = True

    def show_note(self, headline: str) -> None:
        """Something the user did, not a failure (a Stop): said in grey."""
        self._show(headline, "", "", NOTE_COLOR)
        self.is_error = False

    def _show(self, headline: str, details: str, model_file: str, color: str) -> None:
        from rafiki.cli_report import fold_traceback

        self.setStyleSheet(f"#ErrorView {{ border: 1px solid {color}; border-radius: 4px; }}")
        self._headline_text = headline
        from html import escape  # with the first problem shown, not at launch

        self.headline.setText(f"<b style='color:{color}'>{escape(headline)}</b>")
        self._full = details
        self._model_file = model_file
        self._folded = fold_traceback(details, model_file) if details else ""
        self.full_button.setVisible(bool(details) and self._folded != details)
        self.full_button.setChecked(False)
        self.copy_button.setVisible(bool(headline or details))
        self._show_details()
        self.show()
        self._fit_headline()

    def _fit_headline(self) -> None:
        """The wrapped headline gets the height its lines need at its width: in a narrow
        setup column "(model.py, line 53)" was cut off below the box."""
        width = self.headline.width()
        needed = self.headline.heightForWidth(width) if width > 0 else -1
        if needed > 0 and needed != self.headline.minimumHeight():
            self.headline.setMinimumHeight(needed)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit_headline()

    def _show_details(self) -> None:
        shown = self._full if self.full_button.isChecked() else self._folded
        self.details.setPlainText(shown)
        self.details.setVisible(bool(shown))
        line = model_frame_line(shown, self._model_file)
        selections = []
        if line is not None:
            from PySide6.QtGui import QColor, QTextCursor
            from PySide6.QtWidgets import QTextEdit

            block = self.details.document().findBlockByNumber(line)
            cursor = QTextCursor(block)
            self.details.setTextCursor(cursor)
            self.details.centerCursor()
            highlight = QTextEdit.ExtraSelection()
            highlight.format.setBackground(QColor(FRAME_HIGHLIGHT))
            highlight.format.setForeground(QColor("#000000"))
            highlight.cursor = cursor
            highlight.cursor.movePosition(QTextCursor.MoveOperation.NextBlock,
                                          QTextCursor.MoveMode.KeepAnchor, 2)
            selections.append(highlight)
        self.details.setExtraSelections(selections)

    def model_frame_block(self) -> int | None:
        """The line the view opened at (the model file's innermost frame), or None."""
        return model_frame_line(self.details.toPlainText(), self._model_file)

    def full_text(self) -> str:
        """The headline and the whole traceback, as Copy puts them on the clipboard."""
        return "\n\n".join(part for part in (self._headline_text, self._full) if part)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.full_text())

    def text(self) -> str:
        """The headline as the user reads it (plain text)."""
        return self._headline_text

    def clear(self) -> None:
        self.headline.clear()
        if self._details is not None:
            self._details.clear()
        self._headline_text = self._full = self._folded = ""
        self.is_error = False
        self.hide()
