"""The trials of one experiment as a Qt table model, live while tuning, best trial marked.

Rows are the store's :class:`rafiki.experiments.Trial` records; a finished or updated trial replaces
its row in place (``upsert``), so the view keeps its selection and sort while trials arrive.

The model sorts itself (the proxy only filters): a proxy's C++ sort still asks Python's
``data()`` for both cells of every comparison, 130,000 calls and 190 ms for 5,000 trials.
Here each row gets one key, Python sorts the list once, and a live trial is put in its place
with a bisect. Numbers sort as numbers, text as text, missing values last in either order.
"""

from __future__ import annotations

import bisect
import math
import time
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleDataSpan,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont

from rafiki.model.knob import BaseKnob, FixedKnob
from rafiki.trial_ranking import best_first_key, best_of, is_ranked

from ..knob_editors import format_float

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
TRIAL_ROLE = Qt.ItemDataRole.UserRole + 2
FIXED_COLUMNS = ("#", "status", "score", "duration (s)")
NODE_COLUMN = "node"  # the last column, once some trial ran on a cluster node
BEST_BACKGROUND = "#c8e6c9"
STATUS_COLORS = {"errored": "#c62828", "interrupted": "#ef6c00", "stopped": "#757575",
                 "running": "#1565c0", "pruned": "#8d6e63"}
_RIGHT_ALIGNED = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)  # once:
# Python enums' "|" cost a few microseconds in every cell's paint
_CELL_FLAGS = (Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
               | Qt.ItemFlag.ItemNeverHasChildren)  # QAbstractTableModel's own
_MISSING_SORT = float("inf")  # missing values sort after every number, ascending


class _Descending:
    """Wraps a sort key so that ascending order of wrappers is descending order of keys
    (text cannot be negated)."""

    __slots__ = ("key",)

    def __init__(self, key: Any):
        self.key = key

    def __lt__(self, other: _Descending) -> bool:
        return other.key < self.key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Descending) and other.key == self.key

    __hash__ = None  # type: ignore[assignment]  (mutable-looking; never hashed)


def is_log_scale(knob: BaseKnob | None) -> bool:
    return bool(getattr(knob, "is_exp", False))


def format_knob(value: Any, knob: BaseKnob | None) -> str:
    """A knob value as the table shows it: log-scale float knobs in scientific notation;
    integers as integers, as the knob form shows them (a log-scale hidden_units of 103 read
    "1.03e+02" in the table and "6.4e+01" in the pinned list beside the form's 64)."""
    if value is None:
        return ""
    if isinstance(value, bool) or isinstance(value, str):
        return str(value)
    if isinstance(value, float):
        if is_log_scale(knob):
            mantissa, exponent = f"{float(value):.3e}".split("e")
            return f"{mantissa.rstrip('0').rstrip('.')}e{exponent}"
        return format_float(float(value), False)
    return str(value)


def format_score(score: float | None) -> str:
    return "" if score is None else f"{score:.4f}"


def _sort_key(value: Any) -> Any:
    """Numbers as floats, text as text; missing or NaN last."""
    if value is None:
        return _MISSING_SORT
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return _MISSING_SORT if math.isnan(value) else float(value)
    return str(value)


def best_trial_id(trials: list[Any]) -> int | None:
    """The id of the best trial by the store's rule (completed, highest score, the lowest
    number among equals), or None."""
    best = best_of(trials)
    return None if best is None else best.id


# the roles as plain ints, once: each look-up of a PySide enum member is an attribute search
# (a quarter of the time a painted cell spent in Python)
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_TEXTALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_ANSWERED_ROLES = frozenset({
    Qt.ItemDataRole.DisplayRole, SORT_ROLE, TRIAL_ROLE, Qt.ItemDataRole.BackgroundRole,
    Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.FontRole, Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.TextAlignmentRole})


class TrialsModel(QAbstractTableModel):
    """Trials as rows: number, status, score, duration, then one column per knob."""

    def __init__(self, knob_config: dict[str, BaseKnob] | None = None, parent=None):
        super().__init__(parent)
        self.knob_config: dict[str, BaseKnob] = dict(knob_config or {})
        self.knob_names: list[str] = [name for name, knob in self.knob_config.items()
                                      if not isinstance(knob, FixedKnob)]
        self.trials: list[Any] = []
        self.shows_nodes = False
        self._column_count = 0
        self._count_columns()
        self._row_of: dict[int, int] = {}
        self.best_id: int | None = None
        self._bold = QFont()
        self._bold.setBold(True)
        self._best_brush = QBrush(QColor(BEST_BACKGROUND))
        self._best_text = QBrush(QColor("#1b1b1b"))
        self._status_brushes = {k: QBrush(QColor(v)) for k, v in STATUS_COLORS.items()}
        self.sort_column: int | None = None  # None: rows in the order trials arrived
        self.sort_order = Qt.SortOrder.AscendingOrder
        self._ranks: list[tuple] = []  # each row's place in the sort, parallel to trials

    # -- filling ---------------------------------------------------------------------------

    def set_trials(self, trials: list[Any], knob_config: dict[str, BaseKnob] | None = None
                   ) -> None:
        """Replace every row (an experiment opened)."""
        self.beginResetModel()
        if knob_config is not None:
            self.knob_config = dict(knob_config)
        names = [n for n, k in self.knob_config.items() if not isinstance(k, FixedKnob)]
        for trial in trials:
            for name in trial.knobs or {}:
                if name not in names and name not in self.knob_config:
                    names.append(name)
        self.knob_names = names
        self.trials = list(trials)
        self.shows_nodes = any(getattr(trial, "node", None) for trial in trials)
        self._count_columns()
        self._order_rows()
        self.best_id = best_trial_id(self.trials)
        self.endResetModel()

    # -- sorting ---------------------------------------------------------------------------

    def rank(self, trial: Any) -> tuple:
        """Where ``trial`` goes in the current sort: tuples compare in display order (ties
        and missing values by trial number)."""
        if self.sort_column is None:
            return (0, 0, trial.number)
        value = self.raw_value(trial, self.sort_column)
        key = _sort_key(value)
        if key == _MISSING_SORT or value is None:
            return (1, 0, trial.number)
        typed = (isinstance(key, str), key)  # numbers before text
        if self.sort_order == Qt.SortOrder.DescendingOrder:
            typed = _Descending(typed)
        return (0, typed, trial.number)

    def _order_rows(self) -> None:
        if self.sort_column is None:
            self._ranks = [(0, 0, index) for index in range(len(self.trials))]
        else:
            ranked = sorted(((self.rank(trial), trial) for trial in self.trials),
                            key=lambda pair: pair[0])
            self._ranks = [rank for rank, _trial in ranked]
            self.trials = [trial for _rank, trial in ranked]
        self._row_of = {trial.id: row for row, trial in enumerate(self.trials)}

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:  # noqa: N802
        """Sort the rows by ``column`` (-1: the order trials arrived); views keep their
        selection (persistent indexes follow their trials)."""
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        followed = [(self.trials[index.row()].id, index.column()) for index in persistent]
        self.sort_column = None if column < 0 else column
        self.sort_order = order
        if self.sort_column is None:
            self.trials.sort(key=lambda trial: trial.number)
        self._order_rows()
        self.changePersistentIndexList(
            persistent, [self.index(self._row_of[trial_id], column_)
                         for trial_id, column_ in followed])
        self.layoutChanged.emit()

    def _insert_row(self, trial: Any) -> None:
        rank = self.rank(trial) if self.sort_column is not None else (0, 0, len(self.trials))
        row = bisect.bisect_right(self._ranks, rank)
        self.beginInsertRows(QModelIndex(), row, row)
        self.trials.insert(row, trial)
        self._ranks.insert(row, rank)
        self._reindex(row)
        self.endInsertRows()

    def _reindex(self, start: int) -> None:
        for row in range(start, len(self.trials)):
            self._row_of[self.trials[row].id] = row

    def _replace_row(self, row: int, trial: Any) -> None:
        """Replace a row's trial; it moves when its sort key changed."""
        self.trials[row] = trial
        if self.sort_column is None:
            self._row_changed(row)
            return
        rank = self.rank(trial)
        del self._ranks[row]
        target = bisect.bisect_right(self._ranks, rank)  # its row once the others close up
        if target == row:
            self._ranks.insert(row, rank)
            self._row_changed(row)
            return
        # Qt's destination is the row before which it lands, counted before the move
        destination = target if target < row else target + 1
        self.beginMoveRows(QModelIndex(), row, row, QModelIndex(), destination)
        moved = self.trials.pop(row)
        self.trials.insert(target, moved)
        self._ranks.insert(target, rank)
        self._reindex(min(row, target))
        self.endMoveRows()
        self._row_changed(target)

    def upsert(self, trial: Any) -> None:
        """Add a new trial or replace the row of a known one; the best mark follows."""
        if getattr(trial, "node", None) and not self.shows_nodes:
            column = self.columnCount()
            self.beginInsertColumns(QModelIndex(), column, column)
            self.shows_nodes = True
            self._count_columns()
            self.endInsertColumns()
        row = self._row_of.get(trial.id)
        if row is None:
            self._insert_row(trial)
        else:
            self._replace_row(row, trial)
        best = self._best_after(trial)
        if best != self.best_id:
            previous, self.best_id = self.best_id, best
            for trial_id in (previous, best):
                if trial_id is not None and trial_id in self._row_of:
                    self._row_changed(self._row_of[trial_id])

    def _best_after(self, trial: Any) -> int | None:
        """The best trial once ``trial`` changed: only a challenger is compared with the
        best (a scan of 5,000 trials per live update cost the UI 0.2 s a second at 20
        trials a second); the whole list is ranked again only when the best itself changed."""
        if trial.id == self.best_id or self.best_id not in self._row_of:
            return best_trial_id(self.trials)
        if not is_ranked(trial):
            return self.best_id
        best = self.trials[self._row_of[self.best_id]]
        return trial.id if best_first_key(trial) < best_first_key(best) else self.best_id

    def refresh_running(self) -> None:
        """Running trials' durations have moved on: repaint their duration cells."""
        for row, trial in enumerate(self.trials):
            if trial.status == "running":
                index = self.index(row, 3)
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole])

    def _row_changed(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))

    def trial_at(self, row: int) -> Any:
        return self.trials[row]

    def row_of(self, trial_id: int) -> int | None:
        return self._row_of.get(trial_id)

    # -- Qt model --------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008,N802
        return 0 if parent.isValid() else len(self.trials)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008,N802
        # asked thousands of times a paint: a sum of three terms was 0.1 s of a 5,000-trial open
        return 0 if parent.isValid() else self._column_count

    def _count_columns(self) -> None:
        self._column_count = len(FIXED_COLUMNS) + len(self.knob_names) + int(self.shows_nodes)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.column_name(section)
        if role == Qt.ItemDataRole.ToolTipRole and section >= len(FIXED_COLUMNS) \
                and not self.is_node_column(section):
            knob = self.knob_config.get(self.knob_names[section - len(FIXED_COLUMNS)])
            return repr(knob) if knob is not None else None
        return None

    def is_node_column(self, column: int) -> bool:
        return self.shows_nodes and column == len(FIXED_COLUMNS) + len(self.knob_names)

    def column_name(self, column: int) -> str:
        if column < len(FIXED_COLUMNS):
            return FIXED_COLUMNS[column]
        if self.is_node_column(column):
            return NODE_COLUMN
        return self.knob_names[column - len(FIXED_COLUMNS)]

    def raw_value(self, trial: Any, column: int) -> Any:
        if column == 0:
            return trial.number
        if column == 1:
            return trial.status
        if column == 2:
            return trial.score
        if column == 3:
            return trial.duration
        if self.is_node_column(column):
            return getattr(trial, "node", None) or "this machine"
        return (trial.knobs or {}).get(self.knob_names[column - len(FIXED_COLUMNS)])

    def display_text(self, trial: Any, column: int) -> str:
        value = self.raw_value(trial, column)
        if column == 2:
            return format_score(value)
        if column == 3:
            if value is None and trial.status == "running" and trial.started:
                return f"{time.time() - trial.started:.0f}…"  # running for so long, ticking
            return "" if value is None else f"{value:.1f}"
        if column == 1 and value == "running" and trial.current_stage:
            return f"running: {trial.current_stage.replace('_', ' ')}"
        if column == 1 and value == "pruned" and getattr(trial, "pruned", None):
            return f"pruned at {trial.pruned.get('step_name')} {trial.pruned.get('step')}"
        if self.is_node_column(column):
            return str(value)
        if column >= len(FIXED_COLUMNS):
            return format_knob(value, self.knob_config.get(self.column_name(column)))
        return "" if value is None else str(value)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _ANSWERED_ROLES or not index.isValid():
            return None  # a painted cell asks ~10 roles, half of them never answered here
        return self._role_value(self.trials[index.row()], index.column(), role)

    def multiData(self, index: QModelIndex | QPersistentModelIndex,  # noqa: N802 (Qt name)
                  roles: QModelRoleDataSpan) -> None:
        """Every role a painted cell asks for, in one call: the view's delegate asks seven
        roles a cell at once, and seven calls from C++ into :meth:`data` cost ~4 us each
        (with 250 cells in view, half the table's paint while trials streamed in)."""
        if index.isValid():
            self.fill_roles(index.row(), index.column(), roles)

    def fill_roles(self, row: int, column: int, roles: QModelRoleDataSpan) -> None:
        """:meth:`multiData` of the cell (row, column)."""
        trial = self.trials[row]
        for position in range(len(roles)):
            role_data = roles[position]
            role = role_data.role()
            if role in _ANSWERED_ROLES:
                value = self._role_value(trial, column, role)
                if value is not None:
                    role_data.setData(value)

    def _role_value(self, trial: Any, column: int, role: int) -> Any:
        if role == _DISPLAY:
            return self.display_text(trial, column)
        if role == SORT_ROLE:
            return _sort_key(self.raw_value(trial, column))
        if role == TRIAL_ROLE:
            return trial.id
        if role == _BACKGROUND and trial.id == self.best_id:
            return self._best_brush
        if role == _FOREGROUND:
            if trial.id == self.best_id:
                return self._best_text
            if column == 1:
                return self._status_brushes.get(trial.status)
        if role == _FONT and trial.id == self.best_id:
            return self._bold
        if role == _TOOLTIP:
            if trial.id == self.best_id:
                return "the best trial (highest score)"
            if column == 1 and trial.status == "pruned":
                from rafiki.pruning import describe_pruned

                return describe_pruned(getattr(trial, "pruned", None))
            if column == 1 and trial.error:
                return f"{trial.error.get('type')}: {trial.error.get('message')}"
        if role == _TEXTALIGNMENT and column != 1:
            if not isinstance(self.raw_value(trial, column), str):
                return _RIGHT_ALIGNED
        return None


class TrialsProxy(QSortFilterProxyModel):
    """Filtering by text in any column (case-insensitive); sorting is the source model's
    own (:meth:`TrialsModel.sort`), which the proxy passes on and then keeps."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterKeyColumn(-1)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setDynamicSortFilter(True)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        if isinstance(source, TrialsModel):
            source.sort(column, order)  # the proxy's own order stays the source's
        else:
            super().sort(column, order)

    def multiData(self, index: QModelIndex | QPersistentModelIndex,  # noqa: N802 (Qt name)
                  roles: QModelRoleDataSpan) -> None:
        """Passed on to the source model's one call a cell (Qt's proxy asks ``data`` once a
        role, each a call into Python). Unfiltered, a row is the source's row: the proxy never
        sorts, and mapToSource asked Python for the row and column counts of every cell."""
        source = self.sourceModel()
        if not isinstance(source, TrialsModel):
            super().multiData(index, roles)
        elif self.sortColumn() < 0 and self.rowCount() == source.rowCount():
            if index.isValid():
                source.fill_roles(index.row(), index.column(), roles)
        else:
            source.multiData(self.mapToSource(index), roles)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        """Every cell is the same (the view asks for each painted cell; Qt's proxy asked the
        source through a new index, and that index asked Python for both counts)."""
        return _CELL_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def set_filter_text(self, text: str) -> None:
        self.setFilterFixedString(text)

    def trial_id_at(self, row: int) -> int | None:
        return self.data(self.index(row, 0), TRIAL_ROLE)
