"""The tickable list of trials beside the metric overlay: untick a trial to hide its curve.

A list model, not a QListWidget: a widget item per trial meant 5,000 Python-made items on
opening a 5,000-trial experiment, and comparing every item's text on each live update (about
100 ms a redraw while trials streamed in). Here the rows are plain Python tuples, a live trial
is one inserted row, and the view asks only for the rows it shows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt


class TrialChecklist(QAbstractListModel):
    """Rows of (trial id, text), checked unless the trial id is in ``hidden``; ticking a row
    calls ``on_toggled(trial id, hidden)``."""

    def __init__(self, hidden: set[int], on_toggled: Callable[[int, bool], None],
                 parent: Any = None):
        super().__init__(parent)
        self.hidden = hidden
        self.on_toggled = on_toggled
        self.ids: list[int] = []
        self.texts: list[str] = []

    def set_rows(self, rows: list[tuple[int, str]]) -> None:
        """Show these rows: trials appended after the same ones are inserted, changed texts
        repainted; anything else replaces every row."""
        ids = [trial_id for trial_id, _text in rows]
        texts = [text for _trial_id, text in rows]
        present = len(self.ids)
        if present > len(ids) or self.ids != ids[:present]:
            self.beginResetModel()
            self.ids, self.texts = ids, texts
            self.endResetModel()
            return
        changed = [row for row in range(present) if self.texts[row] != texts[row]]
        self.texts[:present] = texts[:present]
        for row in changed:
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole])
        if len(ids) > present:
            self.beginInsertRows(QModelIndex(), present, len(ids) - 1)
            self.ids, self.texts = ids, texts
            self.endInsertRows()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008,N802
        return 0 if parent.isValid() else len(self.ids)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = index.row()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.texts[row]
        if role == Qt.ItemDataRole.CheckStateRole:
            return (Qt.CheckState.Unchecked if self.ids[row] in self.hidden
                    else Qt.CheckState.Checked)
        if role == Qt.ItemDataRole.UserRole:
            return self.ids[row]
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsUserCheckable)

    def setData(self, index: QModelIndex | QPersistentModelIndex, value: Any,  # noqa: N802
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.CheckStateRole:
            return False
        checked = Qt.CheckState(value) == Qt.CheckState.Checked
        self.on_toggled(self.ids[index.row()], not checked)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        return True
