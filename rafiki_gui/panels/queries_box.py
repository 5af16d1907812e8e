"""Where the run's queries come from, chosen before Run: the first N test samples (the default),
the model file's own queries (offered only when they fit the chosen test dataset, and why
not when they do not), or a JSON file. A view over the Session's QueriesChoice.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from .. import file_dialogs
from ..queries_choice import (
    FROM_JSON,
    FROM_MODEL_FILE,
    FROM_TEST,
    MAX_QUERIES_FROM_TEST,
    QUERY_SOURCES,
)
from ..session import Session

ERROR_COLOR = "#e53935"
NOTE_COLOR = "#757575"
SOURCE_TEXTS = {FROM_TEST: "First test samples", FROM_MODEL_FILE: "The model file's queries",
                FROM_JSON: "A JSON file…"}


class QueriesBox(QGroupBox):
    """The queries source of the next run, and why the model file's queries are not offered."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__("Queries of the run (the Predict stage)", parent)
        self.session = session
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.source_combo = QComboBox()
        for source in QUERY_SOURCES:
            self.source_combo.addItem(SOURCE_TEXTS[source], source)
        self.count_spin = QSpinBox()
        self.count_spin.setRange(1, MAX_QUERIES_FROM_TEST)
        self.count_spin.setToolTip("How many of the test dataset's first samples")
        self.json_button = QPushButton("Browse…")
        self.json_button.setToolTip("A JSON list of queries")
        row.addWidget(self.source_combo, 1)
        row.addWidget(self.count_spin)
        row.addWidget(self.json_button)
        layout.addLayout(row)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)

        self.source_combo.activated.connect(self._source_chosen)
        self.count_spin.valueChanged.connect(self._count_changed)
        self.json_button.clicked.connect(self.ask_json)
        session.sig_queries_changed.connect(self._sync)
        session.sig_datasets_changed.connect(self._sync)
        session.sig_model_class_changed.connect(lambda _name: self._sync())
        self._sync()

    # -- choosing -----------------------------------------------------------------------

    def choose(self, source: str, json_path: str | None = None) -> bool:
        """Choose a source (a JSON file's path with FROM_JSON); a refusal shows here. True
        when taken."""
        try:
            self.session.set_queries_source(source, json_path=json_path)
        except ValueError as exc:
            self._sync()
            self.status.setText(_colored(str(exc), ERROR_COLOR))
            return False
        return True

    def ask_json(self) -> None:
        start = self.session.queries_choice.json_path or str(Path(self.session.model_path).parent)
        path = file_dialogs.open_path(self, "Choose a JSON file of queries", start,
                                       "JSON (*.json);;All files (*)")
        if path:
            self.choose(FROM_JSON, json_path=path)
        else:
            self._sync()

    def _source_chosen(self, index: int) -> None:
        source = self.source_combo.itemData(index)
        if source == FROM_JSON and not self.session.queries_choice.json_path:
            self.ask_json()
        elif source != self.session.queries_choice.source:
            self.choose(source)

    def _count_changed(self, count: int) -> None:
        choice = self.session.queries_choice
        if count != choice.from_test:
            self.session.set_queries_source(choice.source, from_test=count)

    # -- painting -----------------------------------------------------------------------

    def file_queries_offered(self) -> bool:
        """True when the model file's queries can be chosen now."""
        item = self.source_combo.model().item(QUERY_SOURCES.index(FROM_MODEL_FILE))
        return item.isEnabled()

    def status_text(self) -> str:
        """What the box says under the choice, as plain text."""
        from PySide6.QtGui import QTextDocument

        document = QTextDocument()
        document.setHtml(self.status.text())
        return document.toPlainText()

    def _sync(self) -> None:
        session, choice = self.session, self.session.queries_choice
        file_problem = session.file_queries_problem()
        model = self.source_combo.model()
        if isinstance(model, QStandardItemModel):
            item = model.item(QUERY_SOURCES.index(FROM_MODEL_FILE))
            count = len(choice.file_queries)
            item.setText(f"The model file's {count} quer{'y' if count == 1 else 'ies'}"
                         if count else SOURCE_TEXTS[FROM_MODEL_FILE])
            item.setEnabled(file_problem is None or choice.source == FROM_MODEL_FILE)
            item.setToolTip(file_problem or "The queries the model file's test_model_class(...) "
                            "block names")
        self.source_combo.setCurrentIndex(QUERY_SOURCES.index(choice.source))
        self.count_spin.blockSignals(True)
        self.count_spin.setValue(choice.from_test)
        self.count_spin.blockSignals(False)
        self.count_spin.setVisible(choice.source == FROM_TEST)
        self.json_button.setVisible(choice.source == FROM_JSON)
        lines = []
        problem = session.queries_problem()
        if problem:
            lines.append(_colored(f"✗ Run refused: {problem}", ERROR_COLOR))
        else:
            lines.append(html.escape(f"The run predicts {session.describe_queries()}."))
        if choice.source != FROM_MODEL_FILE and choice.file_queries and file_problem:
            lines.append(_colored(f"The model file's queries are not offered: {file_problem}.",
                                  NOTE_COLOR))
        self.status.setText("<br>".join(lines))


def _colored(text: str, color: str) -> str:
    return f"<span style='color:{color}'>{html.escape(text)}</span>"
