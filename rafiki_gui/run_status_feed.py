"""Feeds the run status strip from the Session's run signals: state, the stage going on,
stages done, elapsed time ticking live, and the score.

During Train the strip shows what the model logs (:mod:`rafiki_gui.train_progress`): "epoch 3
of 10" on the bar with the time left at the pace so far, or the points logged when the model
does not say how many epochs there will be.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QObject, QTimer

from rafiki import events as ev

from .event_batch import other_events
from .session import Session
from .status_strip import RunStatusStrip
from .train_progress import TrainProgress

ELAPSED_TICK_MS = 200
OUTCOME_TEXT = {"COMPLETED": "Completed", "ERRORED": "Failed", "STOPPED": "Stopped",
                "CRASHED": "Crashed", "TIMED_OUT": "Timed out"}
OUTCOME_TONE = {"COMPLETED": "ok", "STOPPED": "stopped"}
STAGE_VERBS = {ev.STARTED: "", ev.FINISHED: " done", ev.FAILED: " failed"}


def run_ending_text(outcome: Any) -> str:
    """How a run ended in a few words, for a notification: "Run completed, score 0.9431"."""
    state = getattr(getattr(outcome, "state", None), "name", str(getattr(outcome, "state", "")))
    text = f"Run {OUTCOME_TEXT.get(state, state.title()).lower()}"
    score = (getattr(outcome, "result", None) or {}).get("score")
    if state == "COMPLETED" and isinstance(score, (int, float)):
        text += f", score {score:.4f}"
    stage = (getattr(outcome, "error", None) or {}).get("stage")
    if state not in ("COMPLETED", "STOPPED") and stage:
        from .panels.run_panel import stage_label

        text += f" in stage {stage_label(stage)}"
    return text


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
        self.train_started_at: float | None = None
        self.train_progress: TrainProgress | None = None
        self._in_train = False
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
        self.strip.mark_previous()
        self.strip.set_state("Not run", "error")

    def stopping(self) -> None:
        self.strip.set_state("Stopping…", "stopped")

    def _started(self) -> None:
        self.started_at = time.monotonic()
        self.train_started_at = None
        self.train_progress = TrainProgress(dict(self.session.knobs))
        self._in_train = False
        self._done.clear()
        self.strip.clear()
        self.strip.set_state("Running", "running")
        self.strip.set_stage("Starting")
        self.strip.set_progress(0, _stage_count())
        self._timer.start()

    def _tick(self) -> None:
        if self.started_at is not None:
            self.strip.set_elapsed(time.monotonic() - self.started_at, self.eta())

    def eta(self) -> float | None:
        """Seconds left in Train at its pace so far (epochs done of the total), or None."""
        progress = self.train_progress
        fraction = progress.fraction() if progress is not None and self._in_train else None
        if not fraction or self.train_started_at is None:
            return None
        spent = time.monotonic() - self.train_started_at
        return max(0.0, spent / fraction - spent)

    def _events(self, events: list[dict]) -> None:
        from .panels.run_panel import stage_label

        shown_stage = None
        if self.train_progress is not None:
            self.train_progress.add_events(events)
        for event in other_events(events):  # stages and results, not the metrics points
            kind = event.get("kind")
            if kind == ev.STAGE:
                if event.get("stage") == "train":
                    self._in_train = event.get("state") == ev.STARTED
                    if self._in_train:
                        self.train_started_at = time.monotonic()
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
        if self._in_train and self.train_progress is not None:
            self._show_train_progress(self.train_progress)

    def _show_train_progress(self, progress: TrainProgress) -> None:
        """Train's own progress on the strip: epochs on the bar when the total is known."""
        from .panels.run_panel import stage_label

        text = progress.text()
        self.strip.set_stage(stage_label("train") + (f" · {text}" if text else ""))
        if progress.fraction() is not None:
            self.strip.set_progress(min(progress.done or 0, progress.total),
                                    progress.total, unit=f"{progress.counter}s")

    def _finished(self, outcome: Any) -> None:
        self._timer.stop()
        self.started_at = None
        self._in_train = False
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
