"""Every stored experiment in one list: open one (its model, datasets and knobs come back),
resume its tuning, rename it, note something on it, compare several (their best runs side by
side), or delete them with their parameters files. A search box narrows the list.

A view over the store, refreshed on demand and whenever a tuning or run changes it; opening and
resuming are signals the tuning panel acts on, so the browser holds no experiment state.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..session import Session

if TYPE_CHECKING:
    from rafiki.experiments import Experiment, Experiments

COLUMNS = ("id", "name", "kind", "status", "model", "class", "datasets", "created", "trials",
           "best score", "note")
MAX_COLUMN_WIDTH = 320
"""Columns are sized to their contents (names, dates) up to this; longer text is elided and
shown whole in the cell's tooltip."""
STATUS_ORDER = ("running", "completed", "pruned", "stopped", "interrupted", "errored")


def status_text(experiment: Experiment, busy: bool = False) -> str:
    """What the experiment's trials are doing, e.g. "tuning · 2 running, 10 completed"."""
    counts = experiment.status_counts
    known = [status for status in STATUS_ORDER if counts.get(status)]
    others = sorted(status for status in counts if status not in STATUS_ORDER and counts[status])
    parts = [f"{counts[status]} {status}" for status in known + others]
    summary = ", ".join(parts) if parts else "no trials"
    return f"tuning · {summary}" if busy else summary


def _name_of(uri: str) -> str:
    return Path(uri).name if "://" not in uri else uri.rsplit("/", 1)[-1]


def _numeric_item(value: float | int | None, text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setData(Qt.ItemDataRole.EditRole, value if value is not None else float("-inf"))
    item.setData(Qt.ItemDataRole.DisplayRole, text)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class ExperimentsBrowser(QWidget):
    """The store's experiments, newest first."""

    sig_open_experiment = Signal(int)
    """Open this experiment: (experiment id); restore model, datasets and knobs."""
    sig_resume_experiment = Signal(int)
    """Open this experiment and continue its tuning: (experiment id)."""
    sig_deleted = Signal(int)
    """An experiment and its parameters files were deleted: (experiment id)."""
    sig_compare_experiments = Signal(list)
    """Compare these experiments' best runs: ([experiment id, ...], at least two)."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.experiments: list[Experiment] = []
        self.busy_experiment: int | None = None  # the one being tuned cannot be deleted
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        buttons = QHBoxLayout()
        self.open_button = QPushButton("Open")
        self.resume_button = QPushButton("Resume tuning")
        self.rename_button = QPushButton("Rename…")
        self.note_button = QPushButton("Note…")
        self.compare_button = QPushButton("Compare")
        self.compare_button.setToolTip("Compare the best runs of the selected experiments "
                                       "(select two or more with Ctrl or Shift)")
        self.delete_button = QPushButton("Delete…")
        self.refresh_button = QPushButton("Refresh")
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Search name, model, class, datasets, note…")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMinimumWidth(220)
        for button in (self.open_button, self.resume_button, self.rename_button,
                       self.note_button, self.compare_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.search_edit, 2)
        buttons.addWidget(self.refresh_button)
        layout.addLayout(buttons)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSortingEnabled(True)
        layout.addWidget(self.table, 1)
        self.open_button.clicked.connect(lambda: self._emit_selected(self.sig_open_experiment))
        self.resume_button.clicked.connect(
            lambda: self._emit_selected(self.sig_resume_experiment))
        self.table.itemDoubleClicked.connect(
            lambda _item: self._emit_selected(self.sig_open_experiment))
        self.compare_button.clicked.connect(self.compare_selected)
        self.search_edit.textChanged.connect(self._apply_search)
        self.rename_button.clicked.connect(self._ask_rename)
        self.note_button.clicked.connect(self._ask_note)
        self.delete_button.clicked.connect(self._ask_delete)
        self.refresh_button.clicked.connect(self.refresh)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self._update_buttons()

    @property
    def experiments_gateway(self) -> Experiments | None:
        return self.session.experiments

    def refresh(self) -> None:
        """Read the experiments again, keeping the selection."""
        selected = self.selected_id()
        gateway = self.experiments_gateway
        if gateway is None:
            self.experiments = []
            self.status.setText("The experiment store could not be opened; see the log.")
        else:
            self.experiments = gateway.list()
            self.status.setText(f"{len(self.experiments)} experiments in {gateway.path}")
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(self.experiments))
        for row, experiment in enumerate(self.experiments):
            self._fill_row(row, experiment)
        self.table.setSortingEnabled(True)
        self._fit_columns()
        self._apply_search()
        if selected is not None:
            self.select(selected)
        self._update_buttons()

    def _fit_columns(self) -> None:
        self.table.resizeColumnsToContents()
        for column in range(self.table.columnCount() - 1):  # the last one stretches
            if self.table.columnWidth(column) > MAX_COLUMN_WIDTH:
                self.table.setColumnWidth(column, MAX_COLUMN_WIDTH)

    def _apply_search(self, *_args: object) -> None:
        """Hide the rows without every word of the search (case-insensitive, any column)."""
        words = self.search_edit.text().lower().split()
        shown = 0
        for row in range(self.table.rowCount()):
            text = " ".join(self.table.item(row, column).text().lower() + " " +
                            (self.table.item(row, column).toolTip() or "").lower()
                            for column in range(self.table.columnCount()))
            hidden = any(word not in text for word in words)
            self.table.setRowHidden(row, hidden)
            shown += not hidden
        if words and self.experiments:
            self.status.setText(f"{shown} of {len(self.experiments)} experiments match")
        elif self.experiments_gateway is not None:
            self.status.setText(f"{len(self.experiments)} experiments in "
                                f"{self.experiments_gateway.path}")

    def visible_ids(self) -> list[int]:
        """Experiment ids of the rows the search leaves, in the table's order."""
        return [self.table.item(row, 0).data(Qt.ItemDataRole.UserRole)
                for row in range(self.table.rowCount()) if not self.table.isRowHidden(row)]

    def _fill_row(self, row: int, experiment: Experiment) -> None:
        created = datetime.datetime.fromtimestamp(experiment.created).strftime("%Y-%m-%d %H:%M")
        best = experiment.best_score
        cells = [
            _numeric_item(experiment.id, str(experiment.id)),
            QTableWidgetItem(experiment.name),
            QTableWidgetItem(experiment.kind),
            QTableWidgetItem(status_text(experiment, experiment.id == self.busy_experiment)),
            QTableWidgetItem(Path(experiment.model_file_path).name),
            QTableWidgetItem(experiment.model_class),
            QTableWidgetItem(f"{_name_of(experiment.train_dataset_uri)} / "
                             f"{_name_of(experiment.test_dataset_uri)}"),
            QTableWidgetItem(created),
            _numeric_item(experiment.trial_count, str(experiment.trial_count)),
            _numeric_item(best, "" if best is None else f"{best:.4f}"),
            QTableWidgetItem(experiment.note),
        ]
        cells[1].setToolTip(experiment.name)
        cells[4].setToolTip(experiment.model_file_path)
        cells[6].setToolTip(f"train: {experiment.train_dataset_uri}\n"
                            f"test: {experiment.test_dataset_uri}")
        cells[10].setToolTip(experiment.note)
        for column, item in enumerate(cells):
            item.setData(Qt.ItemDataRole.UserRole, experiment.id)
            self.table.setItem(row, column, item)

    def selected_ids(self) -> list[int]:
        """Ids of the selected experiments, in the table's order."""
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [self.table.item(row, 0).data(Qt.ItemDataRole.UserRole) for row in rows]

    def selected_id(self) -> int | None:
        """The one selected experiment; None when none or several are selected."""
        ids = self.selected_ids()
        return ids[0] if len(ids) == 1 else None

    def select(self, *experiment_ids: int) -> bool:
        """Select these experiments (only them); True when all were found."""
        selection = self.table.selectionModel()
        selection.clearSelection()
        found = 0
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).data(Qt.ItemDataRole.UserRole) in experiment_ids:
                selection.select(self.table.model().index(row, 0),
                                 selection.SelectionFlag.Select | selection.SelectionFlag.Rows)
                found += 1
        return found == len(set(experiment_ids))

    def _update_buttons(self) -> None:
        ids = self.selected_ids()
        one = len(ids) == 1
        for button in (self.open_button, self.rename_button, self.note_button):
            button.setEnabled(one)
        experiment = self._experiment(ids[0]) if one else None
        self.resume_button.setEnabled(experiment is not None and experiment.kind == "tuning")
        self.compare_button.setEnabled(len(ids) >= 2)
        self.delete_button.setEnabled(bool(ids) and self.busy_experiment not in ids)

    def _emit_selected(self, signal) -> None:
        experiment_id = self.selected_id()
        if experiment_id is not None:
            signal.emit(experiment_id)

    # -- editing ---------------------------------------------------------------------------

    def rename(self, experiment_id: int, name: str) -> None:
        self.experiments_gateway.rename(experiment_id, name)
        self.refresh()

    def set_note(self, experiment_id: int, note: str) -> None:
        self.experiments_gateway.annotate(experiment_id, note)
        self.refresh()

    def compare_selected(self) -> None:
        """Compare the selected experiments' trials (two or more selected)."""
        ids = self.selected_ids()
        if len(ids) >= 2:
            self.sig_compare_experiments.emit(ids)

    def delete(self, experiment_id: int) -> None:
        """Delete the experiment, its trials and parameters files (refused while tuned)."""
        if experiment_id == self.busy_experiment:
            raise ValueError(f"Experiment {experiment_id} is being tuned; stop the tuning first")
        self.experiments_gateway.delete(experiment_id)
        self.refresh()
        self.sig_deleted.emit(experiment_id)

    def _experiment(self, experiment_id: int) -> Experiment | None:
        return next((e for e in self.experiments if e.id == experiment_id), None)

    def _ask_rename(self) -> None:
        experiment = self._experiment(self.selected_id())
        if experiment is None:
            return
        name, ok = QInputDialog.getText(self, "Rename experiment", "Name:", text=experiment.name)
        if ok and name.strip():
            self.rename(experiment.id, name.strip())

    def _ask_note(self) -> None:
        experiment = self._experiment(self.selected_id())
        if experiment is None:
            return
        note, ok = QInputDialog.getMultiLineText(self, "Note on the experiment", "Note:",
                                                 experiment.note)
        if ok:
            self.set_note(experiment.id, note)

    def delete_question(self, experiments: list[Experiment]) -> str:
        """What the confirmation asks before deleting ``experiments``."""
        trials = sum(experiment.trial_count for experiment in experiments)
        if len(experiments) == 1:
            what = f"experiment {experiments[0].id} ({experiments[0].name})"
        else:
            names = ", ".join(f"{e.id} ({e.name})" for e in experiments[:5])
            more = f" and {len(experiments) - 5} more" if len(experiments) > 5 else ""
            what = f"{len(experiments)} experiments: {names}{more},"
        return (f"Delete {what} with {'its' if len(experiments) == 1 else 'their'} {trials} "
                f"trials and their parameters files? This cannot be undone.")

    def _ask_delete(self) -> None:
        experiments = [e for e in map(self._experiment, self.selected_ids()) if e is not None]
        if not experiments:
            return
        title = "Delete experiment" if len(experiments) == 1 else "Delete experiments"
        answer = QMessageBox.question(self, title, self.delete_question(experiments))
        if answer != QMessageBox.StandardButton.Yes:
            return
        for experiment in experiments:
            try:
                self.delete(experiment.id)
            except ValueError as refusal:
                self.status.setText(str(refusal))
