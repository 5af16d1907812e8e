"""Pruning: stop a trial whose learning curve already looks hopeless, from what it logs.

Rafiki models log their curves through ``logger.log`` (``val_accuracy`` per epoch, ``loss``
through ``log_loss``); the tuner reads those points from the very event batches it records
(:class:`MetricFollower`), so pruning needs no change to a model file and works with any
:class:`rafiki.executors.TrialExecutor` that streams events (local processes or a cluster).
Each point is an intermediate value of the trial's Optuna trial; Optuna's pruner decides, and
the tuner stops a rejected trial through the executor, recording it as *pruned* with the step
it reached and the metric's last value.

The study maximizes the score, and Optuna's pruners compare intermediate values in the study's
direction, so a lower-is-better metric (a loss) is reported negated.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import events as ev

POINT_INDEX = "point"
"""The step is the metric's point number (0, 1, 2, ...), for models that log no epoch."""

_LOWER_IS_BETTER_WORDS = ("loss", "error", "err", "mse", "mae", "rmse", "perplexity")


def _optuna():
    import optuna

    return optuna


DEFAULT_PRUNER = "hyperband"
"""The pruner used when pruning is asked for without naming one (``rafiki tune
--prune-metric``), chosen by replaying and running the image example (bench/README.md)."""


def _hyperband(max_steps: int | None) -> Any:
    # Optuna's Hyperband with its own minimum (1 step) and reduction factor (3), and the
    # longest a trial can run as its maximum when the knob config says it (the step's knob,
    # e.g. IntegerKnob(5, 60) for epochs: 60), instead of Optuna's "auto" (the first completed
    # trial's length, a random draw of that knob). Its brackets judge trials from their 2nd,
    # 4th, 10th or 28th step, so a slow starter is not always judged early. Replayed over 60
    # orderings of 6 stored 30-trial tunings of the image example it lost the best score by
    # more than one test image in 13 % of them at a median 0.56x of the trial-seconds; the
    # median pruner below 10 % at 0.63x, "auto" 18 % at 0.56x, more aggressive pruners down
    # to 0.45x but losing it in a quarter of them (bench/README.md).
    return _optuna().pruners.HyperbandPruner(
        min_resource=1, max_resource=max_steps if max_steps and max_steps >= 1 else "auto",
        reduction_factor=3)


PRUNERS: dict[str, Callable[[int | None], Any]] = {
    # Median: a trial below the median of earlier trials at the same step is stopped; the
    # first 5 trials always run to the end, and nobody is judged before its 4th step. Judging
    # from the 2nd step (3 startup trials) pruned 16 of 30 image-example trials, most at
    # epoch 1, and lost 0.010 of best score (bench/README.md): early epochs of a small
    # validation set say too little about slow starters.
    "median": lambda _max_steps: _optuna().pruners.MedianPruner(n_startup_trials=5,
                                                                n_warmup_steps=3),
    "successive-halving": lambda _max_steps: _optuna().pruners.SuccessiveHalvingPruner(),
    "hyperband": _hyperband,
}
"""Pruner name -> factory of Optuna's pruner, given the most steps a trial can run (None:
unknown); "off" is no pruner."""

PRUNER_NAMES = ("off", *PRUNERS)

PRUNER_HELP = {
    "off": "every trial runs to its end",
    "median": "stops a trial behind the median of completed trials at the same step, from "
              "its 4th step, after 5 completed trials",
    "successive-halving": "Optuna's defaults: keeps the best quarter at each rung",
    "hyperband": "the default: successive halving in several brackets, judged early in some "
                 "and late in others, up to the longest a trial can run",
}
"""One line per pruner, for the tuning tab's tooltips."""


def make_pruner(name: str | None, max_steps: int | None = None) -> Any:
    """Optuna's pruner called ``name``; Optuna's NopPruner for None or "off". ``max_steps``
    is the most steps a trial can run (see :func:`most_steps_of`), None when unknown."""
    if name in (None, "", "off"):
        return _optuna().pruners.NopPruner()
    factory = PRUNERS.get(name)
    if factory is None:
        raise ValueError(f"Unknown pruner {name!r}; choose one of {', '.join(PRUNER_NAMES)}")
    return factory(max_steps)


def lower_is_better(metric: str) -> bool:
    """Whether a metric's name says lower is better (loss, error, ...)."""
    words = metric.lower().replace("-", "_").split("_")
    return any(word in _LOWER_IS_BETTER_WORDS for word in words)


@dataclass(frozen=True)
class PruningSettings:
    """Which logged metric to follow, against which step, and Optuna's pruner by name.

    ``direction`` is "max", "min" or "auto" (from the metric's name: loss and error are
    lower-is-better, anything else higher)."""

    metric: str
    pruner: str = DEFAULT_PRUNER
    step: str = "epoch"
    direction: str = "auto"

    def __post_init__(self) -> None:
        if not self.metric:
            raise ValueError("Pruning needs the name of a metric the model logs")
        if self.pruner not in PRUNERS:
            raise ValueError(f"Unknown pruner {self.pruner!r}; choose one of "
                             f"{', '.join(PRUNERS)}")
        if self.direction not in ("auto", "max", "min"):
            raise ValueError(f"The metric's direction is max, min or auto, not "
                             f"{self.direction!r}")
        if not self.step:
            raise ValueError(f"Pruning needs a step: a logged metric or {POINT_INDEX!r}")

    @property
    def higher_is_better(self) -> bool:
        if self.direction == "auto":
            return not lower_is_better(self.metric)
        return self.direction == "max"

    def as_dict(self) -> dict[str, str]:
        return {"metric": self.metric, "pruner": self.pruner, "step": self.step,
                "direction": self.direction}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


class MetricFollower:
    """The points of one trial's pruning metric, read from its event batches.

    ``feed`` returns the new (step, value) points in order; a point whose step is missing,
    negative, not a whole number, or not after the last one is skipped (Optuna keeps one
    value per step)."""

    def __init__(self, settings: PruningSettings):
        self.settings = settings
        self.points = 0
        self.last_step: int | None = None
        self.last_value: float | None = None
        self.last_time: float | None = None
        self.train_started: float | None = None

    def feed(self, batch: list[dict]) -> list[tuple[int, float]]:
        found: list[tuple[int, float]] = []
        metric, step_name = self.settings.metric, self.settings.step
        for event in batch:
            kind = event.get("kind")
            if kind == ev.STAGE and event.get("stage") == "train" \
                    and event.get("state") == ev.STARTED:
                self.train_started = event.get("time")
                continue
            if kind != ev.METRICS:
                continue
            values = event.get("values") or {}
            value = _number(values.get(metric))
            if value is None:
                continue
            if step_name == POINT_INDEX:
                step: float | None = float(self.points)
            else:
                step = _number(values.get(step_name))
            if step is None or step < 0 or step != int(step):
                continue
            if self.last_step is not None and int(step) <= self.last_step:
                continue
            self.points += 1
            self.last_step, self.last_value = int(step), value
            self.last_time = event.get("time")
            found.append((int(step), value))
        return found

    def reported(self, value: float) -> float:
        """The value as the study compares it (higher is better)."""
        return value if self.settings.higher_is_better else -value


def _names_the_step(settings: PruningSettings, knob_name: str) -> bool:
    """Whether a knob is named after the step (``epochs``, ``num_epochs`` for ``epoch``)."""
    return settings.step != POINT_INDEX and settings.step.lower() in knob_name.lower()


def most_steps_of(settings: PruningSettings, knob_config: dict[str, Any]) -> int | None:
    """The most steps a trial can run, from the knob named after the step: an integer knob's
    upper bound (``IntegerKnob(5, 60)`` for ``epochs``: 60), a fixed knob's integer value;
    None when no knob says it (the pruner then estimates it)."""
    longest = None
    for name, knob in knob_config.items():
        if not _names_the_step(settings, name):
            continue
        value = getattr(knob, "value_max", None)
        if value is None:
            value = getattr(knob, "value", None)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            longest = max(longest or 0, value)
    return longest


def full_length_of(settings: PruningSettings, knobs: dict[str, Any] | None,
                   longest_completed: int | None) -> int | None:
    """A trial's full length in points, to estimate what pruning saved: an integer knob named
    after the step (``epochs``, ``num_epochs`` for step ``epoch``) when the trial has one,
    else the most points a completed trial of this tuning reached."""
    for name, value in (knobs or {}).items():
        if _names_the_step(settings, name) and isinstance(value, int) \
                and not isinstance(value, bool) and value > 0:
            return value
    return longest_completed


def final_step(settings: PruningSettings, knobs: dict[str, Any] | None) -> int | None:
    """The step a trial logs last, when its knobs say how many it runs (``epochs=12`` with
    steps counted from 0: 11); steps counted from 1 end one later, so their last but one is
    spared as well. None when no knob says it."""
    if settings.step == POINT_INDEX:
        return None
    length = full_length_of(settings, knobs, None)
    return None if length is None else length - 1


def seconds_saved(follower: MetricFollower, full_length: int | None) -> float:
    """The train time a pruned trial did not spend: its time per point so far times the
    points it did not reach (0 when the full length is unknown or was reached)."""
    if not full_length or follower.points == 0 or full_length <= follower.points:
        return 0.0
    if follower.train_started is None or follower.last_time is None:
        return 0.0
    per_point = max(0.0, follower.last_time - follower.train_started) / follower.points
    return per_point * (full_length - follower.points)


def describe_pruned(pruned: dict[str, Any] | None) -> str:
    """Where a pruned trial stopped, for tables: "pruned at epoch 4: val_accuracy 0.61"."""
    if not pruned:
        return "pruned"
    step_name = pruned.get("step_name") or "step"
    where = f"point {pruned.get('step')}" if step_name == POINT_INDEX \
        else f"{step_name} {pruned.get('step')}"
    value = pruned.get("value")
    shown = f"{value:.4g}" if isinstance(value, (int, float)) else str(value)
    return f"pruned at {where}: {pruned.get('metric')} {shown}"
