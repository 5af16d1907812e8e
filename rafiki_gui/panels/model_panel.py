"""The model file: pick it (dialog, recent files, drop), see what the child process found in it
(classes, task, knob count) or, when it fails to load, the error and traceback inline; choose
the class and the app mode (DEV/PROD), which re-inspects because model files narrow their knob
ranges on ``APP_MODE``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .. import file_dialogs
from ..error_view import ErrorView
from ..session import APP_MODES, Session
from ..settings import add_recent_file, recent_files

MODEL_ERROR_LINES = 6
"""A model file's load failure shows this many traceback lines at least (it showed 2)."""


class ModelPanel(QWidget):
    """Model file, class and app mode of the session, inspected in a child process."""

    sig_inspection_done = Signal()
    """An inspection answer (or failure) arrived and is shown (the session's own
    sig_inspection_done, after this panel showed it)."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        file_row = QHBoxLayout()
        self.path_edit = QLineEdit()
        self.path_edit.setReadOnly(True)
        self.path_edit.setPlaceholderText("Open or drop a model file (*.py)")
        self.open_button = QPushButton("Open…")
        self.recent_button = QToolButton()
        self.recent_button.setText("Recent")
        self.recent_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.recent_menu = QMenu(self.recent_button)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.recent_button.setMenu(self.recent_menu)
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(self.open_button)
        file_row.addWidget(self.recent_button)
        form.addRow("Model file", file_row)
        class_row = QHBoxLayout()
        self.class_combo = QComboBox()
        self.class_combo.setMinimumContentsLength(12)
        self.mode_combo = QComboBox()
        self.mode_combo.addItems(list(APP_MODES))
        self.mode_combo.setToolTip("APP_MODE the model file sees: DEV narrows knob ranges in "
                                   "Rafiki's examples")
        class_row.addWidget(self.class_combo, 1)
        class_row.addWidget(QLabel("App mode"))
        class_row.addWidget(self.mode_combo)
        form.addRow("Class", class_row)
        layout.addLayout(form)
        self.status = QLabel("No model file yet.")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        changed_row = QHBoxLayout()
        self.changed_note = QLabel()
        self.changed_note.setWordWrap(True)
        self.run_again_button = QPushButton("Run again")
        self.run_again_button.setToolTip("Run the changed model file with the knobs in the form")
        changed_row.addWidget(self.changed_note, 1)
        changed_row.addWidget(self.run_again_button)
        self.changed_box = QWidget()
        self.changed_box.setLayout(changed_row)
        changed_row.setContentsMargins(0, 0, 0, 0)
        self.changed_box.hide()
        layout.addWidget(self.changed_box)
        self.error_view = ErrorView(min_details_lines=MODEL_ERROR_LINES)
        layout.addWidget(self.error_view)

        self.open_button.clicked.connect(self.ask_open)
        self.class_combo.activated.connect(self._class_chosen)
        self.mode_combo.activated.connect(lambda i: session.set_app_mode(APP_MODES[i]))
        session.sig_inspection_failed.connect(self._inspection_failed)
        session.sig_inspection_done.connect(self.sig_inspection_done)
        session.sig_model_changed.connect(self._model_changed)
        session.sig_model_file_changed.connect(self._file_changed)
        session.sig_run_started.connect(self.changed_box.hide)
        self.run_again_button.clicked.connect(session.request_run)
        session.sig_app_mode_changed.connect(self._app_mode_changed)
        session.sig_inspection_changed.connect(self._show_inspection)
        session.sig_model_class_changed.connect(self._show_class)
        session.sig_datasets_changed.connect(self._show_summary)
        session.sig_dataset_read.connect(lambda _role: self._show_summary())

    # -- choosing -----------------------------------------------------------------------

    def ask_open(self) -> None:
        start = str(Path(self.session.model_path).parent) if self.session.model_path else ""
        path = file_dialogs.open_path(self, "Open a model file", start,
                                       "Python model files (*.py)")
        if path:
            self.open_model(path)

    def open_model(self, path: str) -> None:
        """Choose a model file: the session changes now, the inspection arrives later."""
        self.session.set_model_path(str(Path(path).resolve()))

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        paths = recent_files()
        if not paths:
            self.recent_menu.addAction("No recent model files").setEnabled(False)
        for path in paths:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _c=False, p=path: self.open_model(p))

    def _class_chosen(self, index: int) -> None:
        name = self.class_combo.itemText(index)
        if name and name != self.session.model_class:
            self.session.set_model_class(name)

    # -- inspection ---------------------------------------------------------------------

    def _model_changed(self, path: str) -> None:
        self.changed_box.hide()
        self.path_edit.setText(path)
        self.path_edit.setToolTip(path)
        self.error_view.clear()
        if not path:
            return
        if Path(path).exists():
            add_recent_file(path)
        self.reinspect()

    def _file_changed(self, path: str) -> None:
        """The file changed on disk: inspect it again (class and fitting knobs are kept) and
        offer to run it, as IDEs offer to reload."""
        if path != self.session.model_path:
            return
        self.changed_note.setText(f"{Path(path).name} changed on disk at "
                                  f"{time.strftime('%H:%M:%S')}; inspected again.")
        self.run_again_button.setEnabled(not self.session.is_running)
        self.changed_box.show()
        self.reinspect()

    def _app_mode_changed(self, mode: str) -> None:
        self.mode_combo.setCurrentText(mode)
        if self.session.model_path:
            self.reinspect()

    def reinspect(self) -> None:
        self.status.setText(f"Inspecting {Path(self.session.model_path).name} in a child "
                            f"process ({self.session.app_mode})…")
        self.class_combo.setEnabled(False)
        self.session.inspect_model()

    def _inspection_failed(self, path: str, error: dict) -> None:
        self.error_view.show_problem(
            f"Could not inspect {path}: {error['type']}: {error['message']}",
            error.get("traceback", ""))
        self.status.setText("The model file could not be inspected.")

    def _show_inspection(self, inspection: Any) -> None:
        self.class_combo.clear()
        if inspection is None:
            return
        error = getattr(inspection, "error", None)
        if error:
            self.error_view.show_problem(
                f"{Path(self.session.model_path).name} failed to load: "
                f"{error.get('type', 'Error')}: {error.get('message', '')}",
                error.get("traceback", ""))
            self.status.setText("Fix the file and open it again (or pick another).")
            return
        self.error_view.clear()
        self.class_combo.addItems(list(getattr(inspection, "classes", {}) or {}))
        self.class_combo.setEnabled(self.class_combo.count() > 1)
        self._show_class(self.session.model_class)

    def _show_class(self, name: str) -> None:
        if name:
            self.class_combo.setCurrentText(name)
        self._show_summary()

    def _show_summary(self) -> None:
        inspection = self.session.inspection
        if inspection is None or getattr(inspection, "error", None):
            return
        classes = getattr(inspection, "classes", {}) or {}
        if not classes:
            self.error_view.show_problem(
                f"{Path(self.session.model_path).name} defines no BaseModel subclass")
            self.status.setText("")
            return
        task = self.session.task or "unknown task (choose a train dataset)"
        self.status.setText(f"{len(classes)} class(es) · {len(self.session.knob_config)} knobs "
                            f"· {task} · {self.session.app_mode}")
