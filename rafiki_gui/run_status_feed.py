"""Feeds the run status strip from the Session's run signals: state, the stage going on,
stages done, elapsed time ticking live, and the score.

Kept apart from the strip so a later, better source of progress (epochs the model logs, an
ETA) replaces this file alone.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QObject, QTimer

from rafiki import events as ev

from .session import Session
from .status_strip import RunStatusStrip

ELAPSED_TICK_MS = 200
OUTCOME_TEXT = {"COMPLETED": "Completed", "ERRORED": "Failed", "STOPPED": "Stopped",
                "CRASHED": "Crashed", "TIMED_OUT": "Timed out"}
OUTCOME_TONE = {"COMPLETED": "ok", "STOPPED": "stopped"}
STAGE_VERBS = {ev.STARTED: "", ev.FINISHED: " done", ev.FAILED: " failed"}


def _stage_count() -> int:
    from rafiki.lifecycle import Stage

    return len(Stage)


class RunStatusFeed(QObject):
    """Session run signals → :class:`RunStatusStrip`."""

    def __init__(self, session: Session, strip: RunStatusStrip):
        super().__init__(strip)
        self.session = session
        self.strip = strip
        self.started_at: float | None = None
        self._done: set[str] = set()
        self._timer = QTimer(self)
        self._timer.setInterval(ELAPSED_TICK_MS)
        self._timer.timeout.connect(self._tick)
        session.sig_run_started.connect(self._started)
        session.sig_run_events.connect(self._events)
        session.sig_run_finished.connect(self._finished)
        session.sig_run_pending.connect(
            lambda: strip.set_state("Waiting for the datasets…", "running"))
        session.sig_run_refused.connect(lambda _reason: self.refused())
        session.sig_run_archived.connect(lambda _reason: strip.clear())

    def refused(self) -> None:
        self.strip.set_state("Not run", "error")

    def stopping(self) -> None:
        self.strip.set_state("Stopping…", "stopped")

    def _started(self) -> None:
        self.started_at = time.monotonic()
        self._done.clear()
        self.strip.clear()
        self.strip.set_state("Running", "running")
        self.strip.set_stage("Starting")
        self.strip.set_progress(0, _stage_count())
        self._timer.start()

    def _tick(self) -> None:
        if self.started_at is not None:
            self.strip.set_elapsed(time.monotonic() - self.started_at)

    def _events(self, events: list[dict]) -> None:
        from .panels.run_panel import stage_label

        shown_stage = None
        for event in events:
            kind = event.get("kind")
            if kind == ev.STAGE:
                if event.get("state") == ev.FINISHED:
                    self._done.add(str(event.get("stage")))
                    info = event.get("info") or {}
                    if isinstance(info.get("score"), (int, float)):
                        self.strip.set_score(float(info["score"]))
                shown_stage = event
            elif kind == ev.RESULT and isinstance(event.get("score"), (int, float)):
                self.strip.set_score(float(event["score"]))
        if shown_stage is not None:
            self.strip.set_stage(stage_label(shown_stage.get("stage"))
                                 + STAGE_VERBS.get(shown_stage.get("state"), ""))
            self.strip.set_progress(len(self._done), _stage_count())

    def _finished(self, outcome: Any) -> None:
        self._timer.stop()
        self.started_at = None
        state = getattr(getattr(outcome, "state", None), "name", str(getattr(outcome, "state",
                                                                             "")))
        self.strip.set_state(OUTCOME_TEXT.get(state, state.title()),
                             OUTCOME_TONE.get(state, "error"))
        duration = getattr(outcome, "duration", None)
        if isinstance(duration, (int, float)):
            self.strip.set_elapsed(float(duration))
        if state == "COMPLETED":  # stages the lifecycle skipped do not count as missing
            self.strip.set_progress(len(self._done), len(self._done))
            self.strip.set_stage("")  # "Completed" says it; the last stage's name adds nothing
        result = getattr(outcome, "result", None) or {}
        if isinstance(result.get("score"), (int, float)):
            self.strip.set_score(float(result["score"]))
