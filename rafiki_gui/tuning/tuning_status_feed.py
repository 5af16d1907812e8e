"""Feeds the window's status strip while a tuning goes on: "Tuning", the trials done of the
budget on the bar, elapsed time and the time left as the tuning tab estimates it, then how the
tuning ended. The strip said "Ready" through a whole tuning."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject

from ..status_strip import RunStatusStrip
from .tuning_progress import TuningProgress


def trials_text(done: int, budget: int | None) -> str:
    """"3 of 6 trials", or "3 trials" with no trial budget."""
    return f"{done} of {budget} trials" if budget else f"{done} trials"


class TuningStatusFeed(QObject):
    """A tuning panel's progress signals → :class:`RunStatusStrip`."""

    def __init__(self, panel: Any, strip: RunStatusStrip):
        super().__init__(panel)
        self.strip = strip
        self.last: TuningProgress | None = None
        panel.sig_tuning_pending.connect(self.waiting)
        panel.sig_tuning_wait_over.connect(self.strip.clear)
        panel.sig_tuning_progress.connect(self.progressed)
        panel.sig_tuning_finished.connect(self.finished)

    def waiting(self) -> None:
        """Start was pressed while the datasets are read: the tuning waits for them."""
        self.strip.clear()
        self.strip.set_state("Tuning", "running")
        self.strip.set_stage("waiting for the datasets to be read")
        self.strip.set_progress(0, 0, unit="trials")  # a busy bar

    def progressed(self, progress: TuningProgress) -> None:
        if self.last is None:  # a new tuning: nothing of the last run stays beside it
            self.strip.clear()
        self.last = progress
        self.strip.set_state("Tuning", "running")
        self.strip.set_stage(trials_text(progress.done, progress.budget_trials))
        if progress.budget_trials:
            self.strip.set_progress(min(progress.done, progress.budget_trials),
                                    progress.budget_trials, unit="trials")
        else:
            self.strip.set_progress(0, 0, unit="trials")  # a busy bar: minutes budget only
        self.strip.set_elapsed(progress.elapsed, progress.remaining_seconds())

    def finished(self, result: Any) -> None:
        """The tuning ended (``result`` None: it failed, the tab says why)."""
        last, self.last = self.last, None
        if result is None:
            self.strip.set_state("Tuning failed", "error")
        else:
            stopped = bool(getattr(result, "stopped", False))
            self.strip.set_state("Tuning stopped" if stopped else "Tuning finished",
                                 "stopped" if stopped else "ok")
            elapsed = getattr(result, "elapsed", None)
            if isinstance(elapsed, (int, float)):
                self.strip.set_elapsed(float(elapsed))
        if last is not None:
            done = len(getattr(result, "trials", None) or []) or last.done
            self.strip.set_stage(trials_text(done, last.budget_trials))
            if last.budget_trials:
                self.strip.set_progress(min(done, last.budget_trials), last.budget_trials,
                                        unit="trials")
            else:
                self.strip.set_progress(None)
