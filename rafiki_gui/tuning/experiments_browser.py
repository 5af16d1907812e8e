"""Every stored experiment in one list: open one (its model, datasets and knobs come back),
resume its tuning, rename it, note something on it, or delete it with its parameters files.

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

COLUMNS = ("id", "name", "kind", "model", "class", "datasets", "created", "trials",
           "best score", "note")


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
        self.delete_button = QPushButton("Delete…")
        self.refresh_button = QPushButton("Refresh")
        for button in (self.open_button, self.resume_button, self.rename_button,
                       self.note_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        layout.addLayout(buttons)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
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
        if selected is not None:
            self.select(selected)
        self._update_buttons()

    def _fill_row(self, row: int, experiment: Experiment) -> None:
        created = datetime.datetime.fromtimestamp(experiment.created).strftime("%Y-%m-%d %H:%M")
        best = experiment.best_score
        cells = [
            _numeric_item(experiment.id, str(experiment.id)),
            QTableWidgetItem(experiment.name),
            QTableWidgetItem(experiment.kind),
            QTableWidgetItem(Path(experiment.model_file_path).name),
            QTableWidgetItem(experiment.model_class),
            QTableWidgetItem(f"{_name_of(experiment.train_dataset_uri)} / "
                             f"{_name_of(experiment.test_dataset_uri)}"),
            QTableWidgetItem(created),
            _numeric_item(experiment.trial_count, str(experiment.trial_count)),
            _numeric_item(best, "" if best is None else f"{best:.4f}"),
            QTableWidgetItem(experiment.note),
        ]
        cells[3].setToolTip(experiment.model_file_path)
        cells[5].setToolTip(f"train: {experiment.train_dataset_uri}\n"
                            f"test: {experiment.test_dataset_uri}")
        for column, item in enumerate(cells):
            item.setData(Qt.ItemDataRole.UserRole, experiment.id)
            self.table.setItem(row, column, item)

    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)

    def select(self, experiment_id: int) -> bool:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).data(Qt.ItemDataRole.UserRole) == experiment_id:
                self.table.selectRow(row)
                return True
        return False

    def _update_buttons(self) -> None:
        chosen = self.selected_id() is not None
        for button in (self.open_button, self.rename_button, self.note_button):
            button.setEnabled(chosen)
        experiment = self._experiment(self.selected_id()) if chosen else None
        self.resume_button.setEnabled(experiment is not None and experiment.kind == "tuning")
        self.delete_button.setEnabled(chosen and self.selected_id() != self.busy_experiment)

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

    def _ask_delete(self) -> None:
        experiment = self._experiment(self.selected_id())
        if experiment is None:
            return
        answer = QMessageBox.question(
            self, "Delete experiment",
            f"Delete experiment {experiment.id} ({experiment.name}) with its "
            f"{experiment.trial_count} trials and their parameters files? This cannot be undone.")
        if answer == QMessageBox.StandardButton.Yes:
            try:
                self.delete(experiment.id)
            except ValueError as refusal:
                self.status.setText(str(refusal))
