"""Which trial is "best": one rule for the store, the command line and the window.

A tie must name one winner everywhere (the tuning summary, ``experiments show``, the starred
row, the window's highlighted trial), so every front end ranks with :func:`best_first_key`
and the store's SQL ordering mirrors it.
"""

from __future__ import annotations

from typing import Any

COMPLETED = "completed"  # the store's TrialStatus.COMPLETED


def best_first_key(trial: Any) -> tuple:
    """Sort key, best first: completed trials with a score, highest score first, ties to the
    lowest trial number; then the other scored trials; unscored last."""
    score = trial.score
    scored = score is not None and score == score  # NaN is no score
    return (not (scored and trial.status == COMPLETED), not scored,
            -score if scored else 0.0, trial.number)


def is_ranked(trial: Any) -> bool:
    """Whether ``trial`` can be the best: completed, with a score."""
    return not best_first_key(trial)[0]


def best_of(trials: Any) -> Any | None:
    """The best of ``trials`` by :func:`best_first_key`, or None when none is ranked."""
    ranked = [trial for trial in trials if is_ranked(trial)]
    return min(ranked, key=best_first_key) if ranked else None
