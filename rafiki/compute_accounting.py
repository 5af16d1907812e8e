"""Where a tuning's compute went: trial-seconds, seconds pruning saved, best score over time.

One definition for the tuning summary of ``rafiki tune`` and the window, so both say the same.
Trial-seconds add every trial's own duration (with K trials at once they exceed the wall
time); the seconds saved are each pruned trial's estimate, made when it was pruned (its time
per logged point times the points it did not reach, see :func:`rafiki.pruning.seconds_saved`).
The wall time is the time some trial ran (:func:`busy_seconds`), so a tuning continued later
counts its sessions' own spans, not the days between them.
The best-over-time curve is against wall time since the first trial started, because with
pruning and parallel trials the trial number no longer measures the time spent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .trial_ranking import best_first_key, is_ranked

PRUNED = "pruned"  # the store's TrialStatus.PRUNED


@dataclass
class ComputeSummary:
    """Trial-seconds spent, seconds saved by pruning, and the best score against wall time
    (``best_over_time``: (seconds some trial had run by then, best score) at each trial that
    improved it: the wall time since the first trial started, less idle time between the
    sessions of a tuning)."""

    trial_seconds: float = 0.0
    seconds_saved: float = 0.0
    pruned: int = 0
    wall_seconds: float = 0.0
    best_over_time: list[tuple[float, float]] = field(default_factory=list)

    def describe(self) -> str:
        """One line for the summary: "412.5 trial-s, 9 pruned (saved ~380.2 s)"."""
        text = f"{self.trial_seconds:.1f} trial-seconds over {self.wall_seconds:.1f} s"
        if self.pruned:
            text += (f", {self.pruned} pruned (saved ~{self.seconds_saved:.1f} trial-seconds, "
                     "estimated)")
        return text


def _busy_spans(trials: Iterable[Any]) -> list[tuple[float, float]]:
    """The trials' (started, finished) spans merged where they overlap, in time order."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted((t.started, max(t.started, t.finished)) for t in trials):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def busy_seconds(trials: Iterable[Any]) -> float:
    """The wall time during which some trial ran: the union of the trials' spans. A tuning
    continued later (another session, in the window or the CLI) adds its own span, not the
    idle gap between the sessions (which once read "10.9 trial-seconds over 341.1 s")."""
    return sum(end - start for start, end in _busy_spans(trials))


def _busy_until(spans: list[tuple[float, float]], moment: float) -> float:
    """How long some trial had run by ``moment`` (the spans of :func:`_busy_spans`)."""
    total = 0.0
    for start, end in spans:
        if start >= moment:
            break
        total += min(end, moment) - start
    return total


def summarize_compute(trials: Iterable[Any], best_over_time: bool = True) -> ComputeSummary:
    """The compute summary of these trials (any objects with the store's Trial fields);
    trials still running count up to now only when finished. Without ``best_over_time``
    the trials are not sorted by when they ended (a status line that only describes the
    seconds, redrawn while thousands of trials stream in)."""
    trials = [trial for trial in trials if trial.finished is not None]
    summary = ComputeSummary()
    if not trials:
        return summary
    spans = _busy_spans(trials)
    summary.wall_seconds = sum(end - start for start, end in spans)
    for trial in trials:
        summary.trial_seconds += max(0.0, trial.finished - trial.started)
        if trial.status == PRUNED:
            summary.pruned += 1
            summary.seconds_saved += float((trial.pruned or {}).get("seconds_saved") or 0.0)
    if not best_over_time:
        return summary
    best = None
    for trial in sorted(trials, key=lambda t: t.finished):
        if is_ranked(trial) and (best is None or best_first_key(trial) < best_first_key(best)):
            best = trial
            # against the time trials ran: a tuning continued the next day is not drawn
            # with a day-long flat line between its sessions
            summary.best_over_time.append((_busy_until(spans, trial.finished),
                                           float(trial.score)))
    return summary
