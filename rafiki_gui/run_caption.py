"""The line above each result view naming the run it shows: "Run of quick_model.py ·
QuickModel · trial 3 · 14:02:11 · completed, score 0.7500 · 10 queries: the first 10 samples
of digits_test.zip"; greyed, "Previous run … cleared: another model file is open", once the
Session archives it. A view over the Session's run signals, like every panel.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from .run_record import RunRecord
from .session import Session

ARCHIVED_COLOR = "#9e9e9e"
STATE_WORDS = {"RUNNING": "running", "COMPLETED": "completed", "ERRORED": "failed",
               "STOPPED": "stopped", "CRASHED": "crashed", "TIMED_OUT": "timed out",
               "OUT_OF_MEMORY": "out of memory"}


def run_caption_text(run: RunRecord | None, model_path: str = "") -> str:
    """The caption as plain text (the label shows it with the title in bold)."""
    if run is None:
        return "No run yet."
    if run.archived:
        return f"Previous run ({run.title()}) cleared: {run.archived}."
    state = STATE_WORDS.get(run.state, run.state.lower())
    if run.state == "COMPLETED" and run.score is not None:
        state += f", score {run.score:.4f}"
    parts = [f"Run of {run.title()}", state]
    queries = run.queries_text()
    if queries:
        parts.append(queries)
    if model_path and run.model_file_path != model_path:
        parts.append("not the open model file")
    return " · ".join(parts)


class RunCaption(QLabel):
    """Names the Session's last run (or says there is none, or that it was cleared)."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setContentsMargins(4, 2, 4, 2)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.plain_text = ""
        """What the caption says, as plain text."""
        for signal in (session.sig_run_started, session.sig_run_filed,
                       session.sig_run_archived, session.sig_model_changed):
            signal.connect(self._refresh)
        session.sig_run_finished.connect(self._refresh)
        self._refresh()

    def show_other(self, text: str) -> None:
        """The view shows something else than the last run (a stored trial): say what."""
        self._paint(text, archived=False)

    def _refresh(self, *_args: Any) -> None:
        run = self.session.last_run
        self._paint(run_caption_text(run, self.session.model_path),
                    archived=run is None or bool(run.archived))

    def _paint(self, text: str, archived: bool) -> None:
        self.plain_text = text
        escaped = _escaped(text)
        if archived:
            self.setText(f"<span style='color:{ARCHIVED_COLOR}'><i>{escaped}</i></span>")
        else:
            head, sep, rest = escaped.partition(" · ")
            self.setText(f"<b>{head}</b>{sep}{rest}")


def _escaped(text: str) -> str:
    """``text`` safe in the caption's rich text: what ``html.escape`` does to element text,
    without importing ``html`` and its entity table (~2 ms of the launch) for the first caption."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
