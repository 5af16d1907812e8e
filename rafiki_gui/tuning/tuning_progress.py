"""How far a tuning is and how long it has left, in words for the status line.

Kept free of Qt so the estimate can be tested on plain numbers. The estimate is the one a
user would make: the trials still to finish times the median trial so far, spread over the
trials running at once, less what the running ones have already done; a minutes budget caps
it. With no finished trial and no minutes budget there is no honest estimate, and none is
shown.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass
class TuningProgress:
    done: int
    """Trials of this tuning that ended (any status)."""
    running_elapsed: Sequence[float]
    """Seconds each running trial has run so far."""
    finished_durations: Sequence[float]
    """Seconds each ended trial of this tuning took."""
    elapsed: float
    """Seconds since the tuning started."""
    parallel: int
    budget_trials: int | None = None
    budget_seconds: float | None = None

    def remaining_seconds(self) -> float | None:
        """Seconds until the budget is spent, or None when it cannot be told yet."""
        estimates = []
        if self.budget_seconds:
            estimates.append(max(0.0, self.budget_seconds - self.elapsed))
        if self.budget_trials and self.finished_durations:
            typical = statistics.median(self.finished_durations)
            left = max(0, self.budget_trials - self.done)
            work = left * typical - sum(min(t, typical) for t in self.running_elapsed)
            estimates.append(max(0.0, work) / max(1, self.parallel))
        return min(estimates) if estimates else None


def format_duration(seconds: float) -> str:
    """4 s, 2 min 05 s, 1 h 03 min: what a status line needs, no more."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def progress_text(progress: TuningProgress) -> str:
    """"1 min 20 s elapsed, about 2 min 10 s left" (or without the estimate)."""
    text = f"{format_duration(progress.elapsed)} elapsed"
    left = progress.remaining_seconds()
    if left is not None:
        text += f", about {format_duration(left)} left"
    return text
