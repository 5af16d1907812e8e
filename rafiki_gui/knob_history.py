"""Undo and redo of knob edits (Edit › Undo/Redo): every change of the knobs' values is one
step (an edit, Propose, Reset, Past runs, "Use these knobs"), and a new knob config
(another model file or class) starts a fresh history, since old values may not fit it.

Works on the Session alone, so every way of changing the knobs is undoable the same way.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QUndoCommand, QUndoStack

from .session import Session


def _changed_names(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [name for name in after if before.get(name) != after.get(name)
            or type(before.get(name)) is not type(after.get(name))]


def _edit_text(names: list[str]) -> str:
    """What Edit › Undo names: up to three knobs, else how many changed (Propose may change
    them all, and naming three of six read as if only those three would go back)."""
    if not names:
        return "knob edit"
    if len(names) <= 3:
        return f"edit of {', '.join(names)}"
    return f"edit of {len(names)} knobs ({', '.join(names[:2])}, …)"


class _KnobEdit(QUndoCommand):
    def __init__(self, history: KnobHistory, before: dict[str, Any], after: dict[str, Any]):
        self.names = _changed_names(before, after)
        super().__init__(_edit_text(self.names))
        self.history = history
        self.before = dict(before)
        self.after = dict(after)
        self._pushed = False

    def redo(self) -> None:
        if self._pushed:  # the first redo is the push: the session already has these knobs
            self.history.apply(self.after)
        self._pushed = True

    def undo(self) -> None:
        self.history.apply(self.before)


class KnobHistory(QObject):
    """The knob edits of the open model class, as a QUndoStack over the Session."""

    def __init__(self, session: Session, parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self.stack = QUndoStack(self)
        self._last = dict(session.knobs)
        self._applying = False
        session.sig_knobs_changed.connect(self._changed)

    def apply(self, knobs: dict[str, Any]) -> None:
        """Set the session's knobs without recording it as a new edit (undo/redo)."""
        self._applying = True
        try:
            self.session.set_knobs(dict(knobs))
        finally:
            self._applying = False

    def _changed(self, knobs: dict[str, Any]) -> None:
        if self._applying:
            self._last = dict(knobs)
            return
        if set(knobs) != set(self._last):  # another knob config: the old steps do not apply
            self.stack.clear()
            self._last = dict(knobs)
            return
        if not _changed_names(self._last, knobs):
            return
        before, self._last = self._last, dict(knobs)
        self.stack.push(_KnobEdit(self, before, knobs))
