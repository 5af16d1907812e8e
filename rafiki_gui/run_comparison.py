"""What a comparison of runs shows: each run's label, score and knobs, its plots, and which
knobs differ between the runs.

Read through the experiments gateway on a worker thread (one trial's events can be 200,000
points) and kept free of Qt, so the compare window only draws what this returns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rafiki.trial_ranking import best_of

from .plot_data import PlotSeries, RunPlotData

if TYPE_CHECKING:
    from rafiki.experiments import Experiment, Experiments, Trial

MIN_RUNS = 2
MAX_RUNS = 12
"""Past a dozen overlaid curves per plot no colour or legend stays readable (TensorBoard's
overlay has the same limit in practice); the window says how many were left out."""

_PLOT_EVENT_KINDS = ("plot", "metrics")
_MISSING = object()


@dataclass
class ComparedRun:
    """One trial in the comparison, with what is needed to draw and name it."""

    trial: Trial
    experiment: Experiment
    plots: dict[str, PlotSeries] = field(default_factory=dict)
    knob_config: dict[str, Any] = field(default_factory=dict)
    """The experiment's knobs (name -> knob), for formatting values as the table does."""

    @property
    def label(self) -> str:
        """Short and unique in the comparison: experiment id and the trial's number."""
        return f"E{self.experiment.id} #{self.trial.number}"

    @property
    def description(self) -> str:
        return f"{self.experiment.name}, trial {self.trial.number} ({self.trial.status})"


@dataclass
class RunComparison:
    """The runs in the order asked, the union of their knobs and plots, and what differs."""

    runs: list[ComparedRun]
    knob_names: list[str]
    differing_knobs: set[str]
    plot_titles: list[str]
    left_out: list[int] = field(default_factory=list)
    """Trial ids asked for past :data:`MAX_RUNS`, not read."""

    def knob_value(self, run: ComparedRun, name: str) -> Any:
        """The run's value of the knob, or :data:`None` when its model has no such knob."""
        return (run.trial.knobs or {}).get(name)

    def has_knob(self, run: ComparedRun, name: str) -> bool:
        return name in (run.trial.knobs or {})

    @property
    def best_run(self) -> ComparedRun | None:
        """The run the shared tie rule ranks first (completed runs only)."""
        best = best_of([run.trial for run in self.runs])
        return next((run for run in self.runs if run.trial is best), None)


def differing_knobs(knob_sets: Sequence[dict[str, Any] | None]) -> set[str]:
    """Names whose value is not the same in every set (a knob missing from some set differs)."""
    names: set[str] = set().union(*(knobs or {} for knobs in knob_sets)) if knob_sets else set()
    differing = set()
    for name in names:
        values = [(knobs or {}).get(name, _MISSING) for knobs in knob_sets]
        if any(value is _MISSING or value != values[0] for value in values):
            differing.add(name)
    return differing


def _ordered_union(lists: Iterable[Iterable[str]]) -> list[str]:
    seen: dict[str, None] = {}
    for names in lists:
        for name in names:
            seen.setdefault(name, None)
    return list(seen)


def _knob_config(experiment: Experiment) -> dict[str, Any]:
    if not experiment.knob_config:
        return {}
    from rafiki.model.knob import deserialize_knob_config

    try:
        return deserialize_knob_config(experiment.knob_config)
    except Exception:  # a config an older version stored: values show unformatted
        return {}


def read_comparison(experiments: Experiments, trial_ids: Sequence[int]) -> RunComparison:
    """Read the trials (their events through :class:`RunPlotData`, as the live plots read
    them) in the order given; ids repeated are read once."""
    unique = list(dict.fromkeys(trial_ids))
    wanted, left_out = unique[:MAX_RUNS], unique[MAX_RUNS:]
    runs: list[ComparedRun] = []
    experiments_by_id: dict[int, Experiment] = {}
    configs: dict[int, dict[str, Any]] = {}
    for trial_id in wanted:
        trial = experiments.trial(trial_id)
        experiment = experiments_by_id.get(trial.experiment_id)
        if experiment is None:
            experiment = experiments_by_id[trial.experiment_id] = experiments.get(
                trial.experiment_id)
            configs[experiment.id] = _knob_config(experiment)
        data = RunPlotData()
        data.add_events(experiments.trial_events(trial_id, kinds=_PLOT_EVENT_KINDS))
        runs.append(ComparedRun(trial, experiment, data.plots, configs[experiment.id]))
    knob_sets = [run.trial.knobs for run in runs]
    return RunComparison(
        runs=runs,
        knob_names=_ordered_union(knobs or {} for knobs in knob_sets),
        differing_knobs=differing_knobs(knob_sets),
        plot_titles=_ordered_union(run.plots for run in runs),
        left_out=left_out,
    )


def representative_trials(experiments: Experiments, experiment_ids: Sequence[int]) -> list[int]:
    """The trial that stands for each experiment in a comparison of experiments: its best
    trial by the shared tie rule, else (nothing completed) its latest trial; experiments
    without trials are skipped."""
    chosen = []
    for experiment_id in experiment_ids:
        best = experiments.best_trial(experiment_id)
        if best is None:
            trials = experiments.trials(experiment_id)
            best = trials[-1] if trials else None
        if best is not None:
            chosen.append(best.id)
    return chosen
