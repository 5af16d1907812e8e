"""The knob form: one editor per knob of the chosen class, generated from its knob config.

The form is a view over ``session.knobs``: edits go to the session, the session's changes
come back into the editors. Each value the knob rejects is marked with the knob's own reason
(``problem_with``), and the session refuses to run with the same reasons. Propose asks the
advisor (which learns from every finished run), Reset takes each knob's default, and the
knobs of any past run can be brought back.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..knob_editors import KnobEditor, describe_range, editor_for
from ..memory_limit_field import RunMemoryLimit
from ..session import Session

_log = logging.getLogger(__name__)

PROBLEM_STYLE = "color: #d32f2f;"
MAX_PAST_RUNS = 15
MAX_COMPARED_PAST_RUNS = 5
"""The newest stored runs the past-runs menu offers to compare (more overlays turn to noise)."""


class KnobsPanel(QWidget):
    """Knob values of the next run, with Propose, Reset and past runs' knobs."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.editors: dict[str, KnobEditor] = {}
        self.problem_labels: dict[str, QLabel] = {}
        self._advisor = None
        self._advisor_config_key: str | None = None
        self._past_runs: list[tuple[str, dict[str, Any]]] = []
        self._stored_trial_ids: list[int] = []  # of the stored runs the menu last listed

        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        buttons = QHBoxLayout()
        self.propose_button = QPushButton("Propose")
        self.propose_button.setToolTip("Let the advisor propose knob values")
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Every knob back to its default")
        self.past_button = QToolButton()
        self.past_button.setText("Past runs")
        self.past_button.setToolTip("Bring back the knobs of a past run")
        self.past_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.past_menu = QMenu(self.past_button)
        self.past_button.setMenu(self.past_menu)
        self.past_menu.aboutToShow.connect(self._fill_past_menu)
        for button in (self.propose_button, self.reset_button, self.past_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        # not a knob but a setting of the next run; on the buttons' row, since a row of its
        # own made the window taller than a 1024x680 screen once a failure opened the details
        self.memory_limit = RunMemoryLimit(session)
        buttons.addWidget(self.memory_limit)
        outer.addLayout(buttons)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        outer.addWidget(self.summary)
        self._form_host = QWidget()
        self.form = QFormLayout(self._form_host)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self._form_host)
        outer.addWidget(scroll, 1)

        self.propose_button.clicked.connect(self.propose)
        self.reset_button.clicked.connect(self.reset)
        session.sig_model_class_changed.connect(self._rebuild)
        session.sig_inspection_changed.connect(lambda _i: self._rebuild())
        session.sig_knobs_changed.connect(self._show_knobs)
        session.sig_run_started.connect(self._remember_run)
        session.sig_run_finished.connect(self._give_feedback)
        self._rebuild()

    # -- building the form --------------------------------------------------------------

    def _rebuild(self, *_args: Any) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors.clear()
        self.problem_labels.clear()
        config = self.session.knob_config
        for name, knob in config.items():
            editor = editor_for(knob)
            editor.value_edited.connect(lambda value, n=name: self._edited(n, value))
            range_label = QLabel(describe_range(knob))
            range_label.setEnabled(False)
            problem = QLabel()
            problem.setStyleSheet(PROBLEM_STYLE)
            problem.setWordWrap(True)
            problem.hide()
            field = QWidget()
            field_layout = QVBoxLayout(field)
            field_layout.setContentsMargins(0, 0, 0, 0)
            field_layout.setSpacing(1)
            row = QHBoxLayout()
            row.addWidget(editor, 1)
            row.addWidget(range_label)
            field_layout.addLayout(row)
            field_layout.addWidget(problem)
            self.form.addRow(name, field)
            self.editors[name] = editor
            self.problem_labels[name] = problem
        has_knobs = bool(config)
        self.propose_button.setEnabled(has_knobs)
        self.reset_button.setEnabled(has_knobs)
        self._show_knobs(self.session.knobs)

    def _show_knobs(self, knobs: dict[str, Any]) -> None:
        for name, editor in self.editors.items():
            if name in knobs:
                editor.set_value(knobs[name])
        self._mark_problems()

    def _mark_problems(self) -> None:
        config, knobs = self.session.knob_config, self.session.knobs
        bad = 0
        for name, label in self.problem_labels.items():
            problem = config[name].problem_with(knobs[name]) if name in knobs else "missing"
            label.setText(problem or "")
            label.setVisible(bool(problem))
            self.editors[name].setToolTip(problem or "")
            bad += bool(problem)
        if not config:
            self.summary.setText("No knobs: choose a model class." if not self.session.model_class
                                 else "This model class has no knobs.")
        elif bad:
            self.summary.setText(f"<span style='{PROBLEM_STYLE}'>{bad} knob value(s) not "
                                 "allowed: Run is refused until they are fixed.</span>")
        else:
            self.summary.setText(f"{len(config)} knobs of {self.session.model_class}")

    def problems(self) -> dict[str, str]:
        """The shown problem of each knob that has one (what the user reads)."""
        return {name: label.text() for name, label in self.problem_labels.items()
                if label.text()}

    # -- edits --------------------------------------------------------------------------

    def _edited(self, name: str, value: Any) -> None:
        knobs = dict(self.session.knobs)
        if knobs.get(name) == value and type(knobs.get(name)) is type(value):
            return
        knobs[name] = value
        self.session.set_knobs(knobs)

    def reset(self) -> None:
        from rafiki.model.knob import default_knobs

        self.session.set_knobs(default_knobs(self.session.knob_config))

    def _advisor_for_config(self):
        from rafiki.model.knob import serialize_knob_config

        key = serialize_knob_config(self.session.knob_config)
        if self._advisor is None or key != self._advisor_config_key:
            from rafiki.advisor import Advisor

            self._advisor = Advisor(self.session.knob_config)
            self._advisor_config_key = key
        return self._advisor

    def propose(self) -> None:
        """Ask the advisor for knob values (it learns from every finished run of this config)."""
        if not self.session.knob_config:
            return
        self.session.set_knobs(self._advisor_for_config().propose())

    def _remember_run(self) -> None:
        spec = self.session.last_spec
        if spec is not None and spec.knobs is not None:
            label = f"Run {len(self._past_runs) + 1} ({self.session.model_class})"
            self._past_runs.append((label, dict(spec.knobs)))

    def _give_feedback(self, outcome: Any) -> None:
        spec = self.session.last_spec
        if spec is None or not spec.knobs or self._advisor is None:
            return
        result = getattr(outcome, "result", None) or {}
        score = result.get("score") if result.get("status", "COMPLETED") else None
        try:
            self._advisor.feedback(dict(spec.knobs), score)
        except Exception:  # a knob set of another config: the advisor may reject it
            _log.debug("advisor feedback skipped", exc_info=True)
        if self._past_runs and score is not None:
            label, knobs = self._past_runs[-1]
            self._past_runs[-1] = (f"{label}: score {score:.4g}", knobs)

    def past_runs(self) -> list[tuple[str, dict[str, Any]]]:
        """(label, knobs) of past runs that fit the current knob config: this session's, then
        the store's trials of the same model file, newest first."""
        names = set(self.session.knob_config)
        runs = [(label, knobs) for label, knobs in reversed(self._past_runs)
                if set(knobs) == names]
        runs += self._stored_runs(MAX_PAST_RUNS - len(runs))
        return runs[:MAX_PAST_RUNS]

    def _stored_runs(self, limit: int) -> list[tuple[str, dict[str, Any]]]:
        experiments = self.session.experiments
        if experiments is None or limit <= 0 or not self.session.model_path:
            return []
        try:
            past = experiments.past_knobs(self.session.model_path, self.session.knob_config,
                                          limit)
        except Exception as exc:
            _log.warning("past trials could not be read from the store: %s", exc)
            return []
        self._stored_trial_ids = [entry.trial_id for entry in past]
        return [(entry.label, entry.knobs) for entry in past]

    def _fill_past_menu(self) -> None:
        self.past_menu.clear()
        self._stored_trial_ids = []
        runs = self.past_runs()
        if not runs:
            action = self.past_menu.addAction("No past runs of this model yet")
            action.setEnabled(False)
        for label, knobs in runs:
            action = self.past_menu.addAction(label)
            action.triggered.connect(lambda _c=False, k=knobs: self.session.set_knobs(k))
        if len(self._stored_trial_ids) >= 2:
            self.past_menu.addSeparator()
            ids = self._stored_trial_ids[:MAX_COMPARED_PAST_RUNS]
            self.compare_past_action = self.past_menu.addAction(
                f"Compare the last {len(ids)} stored runs…")
            self.compare_past_action.triggered.connect(
                lambda _c=False: self.session.compare_runs(ids))

    def sizeHint(self):  # noqa: N802 (Qt override)
        hint = super().sizeHint()
        hint.setWidth(max(hint.width(), 300))
        return hint

