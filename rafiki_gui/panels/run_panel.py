"""What the run is doing and did: stages with state and duration, progress, score, messages,
the model's own output, and, when it fails, the stage, the cause and the traceback inline.

A view over the session's run signals; it never starts or stops anything itself. Everything a
failure needs is in one place on screen, with no dialog to click through.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap, QTextDocument
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QSplitter,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..error_view import ErrorView
from ..event_batch import other_events
from ..run_caption import RunCaption
from ..session import Session

PENDING, RUNNING, DONE, FAILED, SKIPPED = "pending", "running", "done", "failed", "skipped"
STOPPED = "stopped"  # the user's Stop: neutral, not a failure
STATE_COLORS = {PENDING: "#9e9e9e", RUNNING: "#1e88e5", DONE: "#43a047", FAILED: "#e53935",
                SKIPPED: "#bdbdbd", STOPPED: "#757575"}
STOP_ERROR_TYPES = ("KeyboardInterrupt",)  # how a stage ends when Stop interrupts it
MAX_OUTPUT_LINES = 20_000
OUTCOME_TEXT = {
    "COMPLETED": "Completed", "ERRORED": "Failed", "STOPPED": "Stopped",
    "CRASHED": "Crashed", "TIMED_OUT": "Timed out", "OUT_OF_MEMORY": "Out of memory",
    "STARTING": "Starting",
    "RUNNING": "Running",
}
def lifecycle_stages() -> tuple[str, ...]:
    """The lifecycle's stages in order, from the one definition of them (rafiki.lifecycle)."""
    from rafiki.lifecycle import Stage

    return tuple(stage.value for stage in Stage)


def stage_label(stage: str | None) -> str:
    """The human name of a lifecycle stage ("Dump parameters")."""
    if not stage:
        return "unknown stage"
    try:
        from rafiki.lifecycle import STAGE_LABELS, Stage

        return STAGE_LABELS[Stage(stage)]
    except (ImportError, ValueError, KeyError):
        return stage.replace("_", " ").capitalize()


def _state_icon(state: str) -> QIcon:
    pixmap = QPixmap(14, 14)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    color = QColor(STATE_COLORS[state])
    if state in (PENDING, SKIPPED):
        painter.setPen(color)
        painter.drawEllipse(2, 2, 10, 10)
    else:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawEllipse(1, 1, 12, 12)
        painter.setPen(QColor("white"))
        if state == DONE:
            painter.drawLine(4, 7, 6, 10)
            painter.drawLine(6, 10, 10, 4)
        elif state == FAILED:
            painter.drawLine(4, 4, 10, 10)
            painter.drawLine(10, 4, 4, 10)
        elif state == STOPPED:
            painter.fillRect(4, 4, 6, 6, QColor("white"))
    painter.end()
    return QIcon(pixmap)


WAITING_FOR_DATASETS = "Waiting for the datasets to be read…"

class SearchableOutput(QWidget):
    """The model's stdout/stderr, with a search box that finds and highlights text."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search the output (Enter: next, Shift+Enter: previous)")
        self.search.setClearButtonEnabled(True)
        self.found = QLabel()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.found)
        layout.addLayout(bar)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setMaximumBlockCount(MAX_OUTPUT_LINES)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setPlaceholderText("What the model prints to stdout and stderr appears here.")
        layout.addWidget(self.text, 1)
        self.search.returnPressed.connect(self.find_next)
        self.search.textChanged.connect(lambda _t: self.find_next(from_start=True))

    def append(self, text: str) -> None:
        self.text.appendPlainText(text.rstrip("\n"))

    def clear(self) -> None:
        self.text.clear()
        self.found.clear()

    def find_next(self, from_start: bool = False, backward: bool = False) -> bool:
        """Select the next match of the search text; True when one was found."""
        needle = self.search.text()
        if not needle:
            self.found.clear()
            return False
        if from_start:
            cursor = self.text.textCursor()
            cursor.movePosition(cursor.MoveOperation.Start)
            self.text.setTextCursor(cursor)
        flags = QTextDocument.FindFlag.FindBackward if backward else QTextDocument.FindFlag(0)
        found = self.text.find(needle, flags)
        if not found and not from_start:  # wrap around
            cursor = self.text.textCursor()
            cursor.movePosition(cursor.MoveOperation.End if backward
                                else cursor.MoveOperation.Start)
            self.text.setTextCursor(cursor)
            found = self.text.find(needle, flags)
        self.found.setText("" if found else "not found")
        return found


class RunPanel(QWidget):
    """Stages, progress, score, messages and output of the current run."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self._stage_items: dict[str, QTreeWidgetItem] = {}
        self._stage_states: dict[str, str] = {}
        self._icons = {state: _state_icon(state) for state in STATE_COLORS}
        self.current_stage: str | None = None
        self.started_at: float | None = None
        self.score: float | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.caption = RunCaption(session)
        layout.addWidget(self.caption)
        header = QHBoxLayout()
        self.state_label = QLabel("Ready")
        self.score_label = QLabel()
        self.score_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar()
        self.progress.setRange(0, len(lifecycle_stages()))
        self.progress.setValue(0)
        self.progress.setFormat("%v / %m stages")
        header.addWidget(self.state_label)
        header.addWidget(self.progress, 1)
        header.addWidget(self.score_label)
        layout.addLayout(header)
        self.error_view = ErrorView()
        layout.addWidget(self.error_view)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.stages = QTreeWidget()
        self.stages.setHeaderLabels(["Stage", "Time"])
        self.stages.setRootIsDecorated(False)
        self.stages.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.stages.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.stages.header().setStretchLastSection(False)
        splitter.addWidget(self.stages)
        self.tabs = QTabWidget()
        self.messages = QPlainTextEdit()
        self.messages.setReadOnly(True)
        self.messages.setMaximumBlockCount(MAX_OUTPUT_LINES)
        self.messages.setPlaceholderText("Messages the model logs with logger.log(...) appear "
                                         "here with their times.")
        self.output = SearchableOutput()
        self.tabs.addTab(self.messages, "Messages")
        self.tabs.addTab(self.output, "Output")
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([240, 480])
        layout.addWidget(splitter, 1)

        session.sig_run_started.connect(self.reset)
        session.sig_run_events.connect(self.add_events)
        session.sig_run_finished.connect(self.finish)
        session.sig_run_pending.connect(
            lambda: self.state_label.setText(WAITING_FOR_DATASETS))
        if session.is_run_pending:  # built (on first use) while a run waits
            self.state_label.setText(WAITING_FOR_DATASETS)
        session.sig_run_refused.connect(self.show_refusal)
        session.sig_run_archived.connect(self.clear_results)
        self._refusal_shown = False
        for changed in (session.sig_model_changed, session.sig_model_class_changed,
                        session.sig_datasets_changed, session.sig_knobs_changed,
                        session.sig_queries_changed):
            changed.connect(self._forget_refusal)
        self._fill_pending()
        if session.is_running:  # built while a run goes (the details opened mid-run)
            self.reset()

    # -- state --------------------------------------------------------------------------

    def _fill_pending(self) -> None:
        self.stages.clear()
        self._stage_items.clear()
        self._stage_states.clear()
        for stage in lifecycle_stages():
            self._set_stage(stage, PENDING)

    def _set_stage(self, stage: str, state: str, duration: float | None = None) -> None:
        item = self._stage_items.get(stage)
        if item is None:
            item = QTreeWidgetItem([stage_label(stage), ""])
            self.stages.addTopLevelItem(item)
            self._stage_items[stage] = item
        item.setIcon(0, self._icons[state])
        item.setToolTip(0, state)
        if duration is not None:
            item.setText(1, f"{duration:.2f} s")
        elif state == RUNNING:
            item.setText(1, "…")
        elif state == FAILED:
            item.setText(1, "—")
        self._stage_states[stage] = state

    def stage_states(self) -> dict[str, str]:
        """Each stage's shown state (pending, running, done, failed, skipped)."""
        return dict(self._stage_states)

    def reset(self) -> None:
        self._refusal_shown = False
        self._fill_pending()
        self.progress.setValue(0)
        self.error_view.clear()
        self.messages.clear()
        self.output.clear()
        self.score = None
        self.score_label.clear()
        self.current_stage = None
        self.started_at = time.time()
        self.state_label.setText("Running")

    def clear_results(self, _reason: str = "") -> None:
        """The run shown belongs to another model now: its stages, score, messages and output
        go (the caption says which run it was and why)."""
        self.reset()
        self.started_at = None
        self.state_label.setText("Ready")

    # -- events -------------------------------------------------------------------------

    def add_events(self, events: list[dict]) -> None:
        messages: list[str] = []
        outputs: list[str] = []
        for event in other_events(events):  # a flood's points are none of this panel's
            kind = event.get("kind")
            if kind == "stage":
                self._on_stage(event)
            elif kind == "message":
                stamp = datetime.fromtimestamp(event.get("time", time.time())).strftime("%H:%M:%S")
                messages.append(f"[{stamp}] {event.get('msg', '')}")
            elif kind == "output":
                text = str(event.get("text", ""))
                outputs.append(f"[stderr] {text}" if event.get("stream") == "stderr" else text)
            elif kind == "result" and isinstance(event.get("score"), (int, float)):
                self._show_score(float(event["score"]))
        if messages:
            self.messages.appendPlainText("\n".join(messages))
        if outputs:
            self.output.append("".join(o if o.endswith("\n") else o + "\n" for o in outputs))

    def _on_stage(self, event: dict) -> None:
        stage, state = event.get("stage"), event.get("state")
        if state == "started":
            self.current_stage = stage
            self._set_stage(stage, RUNNING)
        elif state == "finished":
            self._set_stage(stage, DONE, event.get("duration"))
            info = event.get("info") or {}
            if isinstance(info.get("score"), (int, float)):
                self._show_score(float(info["score"]))
        elif state == "failed":
            error = event.get("error") or {}
            if error.get("type") in STOP_ERROR_TYPES:
                self._set_stage(stage, STOPPED, event.get("duration"))
            else:
                self._set_stage(stage, FAILED, event.get("duration"))
                self._show_error(stage, error)
        done = sum(1 for s in self._stage_states.values() if s == DONE)
        self.progress.setMaximum(max(len(self._stage_states), 1))
        self.progress.setValue(done)

    def _show_score(self, score: float) -> None:
        self.score = score
        self.score_label.setText(f"<b>Score: {score:.4f}</b>")

    def _show_error(self, stage: str | None, error: dict) -> None:
        cause = f"{error.get('type', 'Error')}: {error.get('message', '')}".strip()
        where = f"Failed in stage {stage_label(stage)}" if stage else "The run failed"
        self.error_view.show_problem(f"{where} — {cause}", error.get("traceback", ""),
                                     self.session.model_path)

    def show_refusal(self, reason: str) -> None:
        """A run that could not start, and why (from the session)."""
        self.state_label.setText("Not run")
        self.error_view.show_problem(reason)
        self._refusal_shown = True

    def _forget_refusal(self, *_args: Any) -> None:
        """A refusal speaks of the setup it was given: once that changes it is stale."""
        if self._refusal_shown:
            self._refusal_shown = False
            self.error_view.clear()
            self.state_label.setText("Ready")

    def finish(self, outcome: Any) -> None:
        """Show how the run ended: its state, and for a failure the stage, cause, traceback."""
        state = getattr(getattr(outcome, "state", None), "name", str(getattr(outcome, "state", "")))
        self.state_label.setText(OUTCOME_TEXT.get(state, state.title()))
        if self.current_stage and self._stage_states.get(self.current_stage) == RUNNING:
            failed = state in ("ERRORED", "CRASHED", "TIMED_OUT", "OUT_OF_MEMORY")
            self._set_stage(self.current_stage, STOPPED if state == "STOPPED"
                            else FAILED if failed else DONE)
        for stage, shown in list(self._stage_states.items()):
            if shown == PENDING:
                self._set_stage(stage, SKIPPED)
                self._stage_items[stage].setText(1, "—")
        if state == "COMPLETED":  # stages the lifecycle skipped do not count as missing
            done = sum(1 for s in self._stage_states.values() if s == DONE)
            self.progress.setMaximum(max(done, 1))
            self.progress.setValue(done)
        result = getattr(outcome, "result", None) or {}
        if isinstance(result.get("score"), (int, float)):
            self._show_score(float(result["score"]))
        error = getattr(outcome, "error", None) or {}
        stage = error.get("stage") or self.current_stage
        if state == "CRASHED":
            signal = getattr(outcome, "signal", None)
            code = getattr(outcome, "exit_code", None)
            how = f"signal {signal}" if signal else f"exit code {code}"
            details = getattr(outcome, "crash_report", None) or error.get("traceback") or ""
            tail = "\n".join(getattr(outcome, "last_output", None) or [])
            if tail:
                details = f"{details}\n\nLast output:\n{tail}".strip()
            self.error_view.show_problem(
                f"The model process crashed ({how}) in stage {stage_label(stage)}", details)
        elif state in ("ERRORED", "OUT_OF_MEMORY") and error:
            self._show_error(stage, error)
        elif state == "TIMED_OUT":
            self.error_view.show_problem(f"The run timed out in stage {stage_label(stage)}")
        elif state == "STOPPED":
            self.error_view.show_note(f"Stopped in stage {stage_label(stage)}")
