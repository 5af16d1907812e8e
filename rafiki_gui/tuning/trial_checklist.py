"""The tickable list of trials beside the metric overlay: untick a trial to hide its curve.

A list model, not a QListWidget: a widget item per trial meant 5,000 Python-made items on
opening a 5,000-trial experiment, and comparing every item's text on each live update (about
100 ms a redraw while trials streamed in). Here a row is a trial of the chart's list, a live
trial is one inserted row, and the view asks only for the rows it shows.

The view is a one-column table, not a QListView: a list view lays every row out again when
rows are inserted, asking the model for each row's index (two Python calls a row: 10,000 a
live trial at 5,000 trials, a quarter of the UI thread's time while trials streamed in). A
table's rows are header sections of one height, counted without asking the model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QStyle, QTableView, QWidget


class TrialChecklist(QAbstractListModel):
    """One row per trial of ``trials`` ("#12  0.8731"), checked unless ``is_hidden(trial
    id)``; ticking a row calls ``on_toggled(trial id, hidden)``. Texts are made when the view
    asks for them (the rows in view), not for every trial at every redraw."""

    def __init__(self, is_hidden: Callable[[int], bool],
                 on_toggled: Callable[[int, bool], None], parent: Any = None):
        super().__init__(parent)
        self.is_hidden = is_hidden
        self.on_toggled = on_toggled
        self.trials: list[Any] = []
        self.ids: list[int] = []  # the trial id of each row, as last shown
        self.scores: list[Any] = []  # each row's score, as last shown

    def set_trials(self, trials: list[Any]) -> None:
        """Show these trials: trials appended after the same ones are inserted and the rest
        repainted (a live trial's score); anything else replaces every row."""
        ids = [trial.id for trial in trials]
        scores = [trial.score for trial in trials]
        present = len(self.ids)
        if present > len(ids) or self.ids != ids[:present]:
            self.beginResetModel()
            self.trials, self.ids, self.scores = trials, ids, scores
            self.endResetModel()
            return
        self.trials = trials
        if self.scores != scores[:present]:  # a row's score came (one dataChanged per row:
            # a range over every row made the list view ask 40,000 row counts a redraw)
            for row in [r for r in range(present) if self.scores[r] != scores[r]]:
                index = self.index(row)
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole])
        self.scores = scores
        if len(ids) > present:
            self.beginInsertRows(QModelIndex(), present, len(ids) - 1)
            self.ids = ids
            self.endInsertRows()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008,N802
        return 0 if parent.isValid() else len(self.ids)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = index.row()
        if role == Qt.ItemDataRole.DisplayRole:
            trial = self.trials[row]
            return f"#{trial.number}  {'' if trial.score is None else f'{trial.score:.4f}'}"
        if role == Qt.ItemDataRole.CheckStateRole:
            return (Qt.CheckState.Unchecked if self.is_hidden(self.ids[row])
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


def checklist_view(checklist: TrialChecklist, parent: QWidget | None = None) -> QTableView:
    """A view of ``checklist`` that looks like a list: one stretched column, no headers, no
    grid, rows of one fixed height (see the module's docstring for why not a QListView)."""
    view = QTableView(parent)
    view.setModel(checklist)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    columns = view.horizontalHeader()
    columns.hide()
    columns.setStretchLastSection(True)
    rows = view.verticalHeader()
    rows.hide()
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows.setMinimumSectionSize(1)
    # a list view's row: the text's height, or the tick box's if taller
    tick = view.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorHeight, None, view)
    rows.setDefaultSectionSize(max(view.fontMetrics().height(), tick))
    return view
