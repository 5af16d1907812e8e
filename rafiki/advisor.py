"""The advisor: proposes knob values and learns from the scores they got.

Rafiki's advisors (BTB's Gaussian process, later its own) are gone; Optuna's ask-and-tell API
does the same job with a maintained sampler. Each proposal is an Optuna trial; ``feedback``
tells it the score. Knobs are mapped one to one onto Optuna distributions, so log-scale knobs
are sampled on a log scale and categorical values come back as the very objects the knob lists
(a bool stays a bool). Values are always plain Python, ready for JSON.
"""

from __future__ import annotations

import json
import math
import numbers
from typing import Any

from .model.knob import (
    BaseKnob,
    CategoricalKnob,
    FixedKnob,
    FloatKnob,
    IntegerKnob,
    knob_problems,
)


def _optuna():
    """Optuna, imported on first use (it takes a while) and with its INFO chatter silenced."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def _plain(value: Any, value_type: type) -> Any:
    """A knob value as the plain Python type of its knob (never a numpy type)."""
    return value_type(value)


def _key(knobs: dict) -> str:
    """A text key that tells 1 from 1.0 from True, to match feedback to its proposal."""
    return json.dumps(knobs, sort_keys=True)


def _failed(score: Any) -> bool:
    """Whether a score means the trial failed (None, not a number, NaN or inf)."""
    return (score is None or not isinstance(score, numbers.Real) or isinstance(score, bool)
            or not math.isfinite(score))


class Proposal:
    """Knobs the advisor proposed, tied to their Optuna trial: the tuner reports the trial's
    intermediate values through it and asks whether the pruner rejects the trial."""

    def __init__(self, knobs: dict[str, Any], trial: Any):
        self.knobs = knobs
        self.trial = trial

    def report(self, step: int, value: float, judge: bool = True) -> bool:
        """Record the intermediate ``value`` (higher is better) at ``step``; True when the
        pruner says the trial should stop (never asked when not ``judge``)."""
        self.trial.report(float(value), int(step))
        return judge and bool(self.trial.should_prune())


class Advisor:
    """Proposes knobs for a knob config and learns from each trial's score (higher is better).

    ``sampler`` names one of :data:`rafiki.samplers.SAMPLERS` (None: the measured default);
    ``pruner`` is an Optuna pruner (None: none), consulted through :meth:`Proposal.report`."""

    def __init__(self, knob_config: dict[str, BaseKnob], seed: int | None = None,
                 sampler: str | None = None, pruner: Any = None):
        from .samplers import make_sampler

        optuna = _optuna()
        self._optuna = optuna
        self.knob_config = dict(knob_config)
        self._distributions = {
            name: self._distribution(knob)
            for name, knob in self.knob_config.items()
            if not isinstance(knob, FixedKnob)
        }
        self.sampler_name = sampler
        # A fixed name: Hyperband puts each trial in a bracket by a hash of the study's name
        # and the trial's number, so a random name made tunings of the same seed differ
        self._study = optuna.create_study(
            study_name="rafiki-tuning", direction="maximize",
            sampler=make_sampler(sampler, seed), pruner=pruner,
        )
        self._pending: dict[str, list[Any]] = {}

    @property
    def study(self):
        """The underlying ``optuna.Study`` (for knob importances and plots)."""
        return self._study

    def _distribution(self, knob: BaseKnob):
        distributions = self._optuna.distributions
        if isinstance(knob, IntegerKnob):
            return distributions.IntDistribution(
                int(knob.value_min), int(knob.value_max), log=knob.is_exp
            )
        if isinstance(knob, FloatKnob):
            return distributions.FloatDistribution(
                float(knob.value_min), float(knob.value_max), log=knob.is_exp
            )
        if isinstance(knob, CategoricalKnob):
            values = [_plain(v, knob.value_type) for v in knob.values]
            return distributions.CategoricalDistribution(values)
        raise TypeError(f"Unsupported knob type {type(knob).__name__}")

    def _value_type(self, name: str) -> type:
        return self.knob_config[name].value_type

    def propose(self) -> dict[str, Any]:
        """Knob values to try next: every knob of the config, fixed knobs at their value."""
        proposal = self.ask()
        self._pending.setdefault(_key(proposal.knobs), []).append(proposal.trial)
        return proposal.knobs

    def ask(self) -> Proposal:
        """A proposal to run; end it with :meth:`tell` (or :meth:`tell_pruned`)."""
        trial = self._study.ask(self._distributions)
        knobs: dict[str, Any] = {}
        for name, knob in self.knob_config.items():
            if isinstance(knob, FixedKnob):
                knobs[name] = _plain(knob.value, knob.value_type)
            else:
                knobs[name] = _plain(trial.params[name], self._value_type(name))
        return Proposal(knobs, trial)

    def tell(self, proposal: Proposal, score: float | None) -> None:
        """The score ``proposal``'s trial got; None, NaN or inf mean it failed."""
        state = self._optuna.trial.TrialState
        if _failed(score):
            self._study.tell(proposal.trial, state=state.FAIL)
        else:
            self._study.tell(proposal.trial, float(score))

    def tell_pruned(self, proposal: Proposal) -> None:
        """The trial was pruned (Optuna keeps its last intermediate value)."""
        self._study.tell(proposal.trial, state=self._optuna.trial.TrialState.PRUNED)

    def add_pruned(self, knobs: dict[str, Any], step: int, value: float) -> None:
        """A pruned trial from the store (resume, warm start): its knobs and the intermediate
        ``value`` (higher is better) at the ``step`` it reached."""
        problems = knob_problems(self.knob_config, knobs)
        if problems:
            raise ValueError(f"Knobs do not fit the knob config: {'; '.join(problems)}")
        self._study.add_trial(self._optuna.trial.create_trial(
            params={name: knobs[name] for name in self._distributions},
            distributions=self._distributions, intermediate_values={int(step): float(value)},
            state=self._optuna.trial.TrialState.PRUNED))

    def feedback(self, knobs: dict[str, Any], score: float | None,
                 intermediate_values: dict[int, float] | None = None) -> None:
        """The score ``knobs`` got (higher is better); None, NaN or inf mean the trial failed.

        Knobs it never proposed (trials resumed from a store) are added as finished trials,
        with their ``intermediate_values`` (step -> value, higher is better) for the pruner.
        """
        problems = knob_problems(self.knob_config, knobs)
        if problems:
            raise ValueError(f"Knobs do not fit the knob config: {'; '.join(problems)}")
        failed = _failed(score)
        state = self._optuna.trial.TrialState
        pending = self._pending.get(_key(knobs))
        if pending:
            trial = pending.pop(0)
            if failed:
                self._study.tell(trial, state=state.FAIL)
            else:
                self._study.tell(trial, float(score))
            return
        params = {name: knobs[name] for name in self._distributions}
        self._study.add_trial(
            self._optuna.trial.create_trial(
                params=params,
                distributions=self._distributions,
                value=None if failed else float(score),
                state=state.FAIL if failed else state.COMPLETE,
                intermediate_values=dict(intermediate_values or {}),
            )
        )

    def best(self) -> tuple[dict[str, Any], float] | None:
        """The best knobs so far and their score, or None before any trial succeeded."""
        completed = self._study.get_trials(
            deepcopy=False, states=(self._optuna.trial.TrialState.COMPLETE,)
        )
        if not completed:
            return None
        trial = self._study.best_trial
        knobs = {}
        for name, knob in self.knob_config.items():
            if isinstance(knob, FixedKnob):
                knobs[name] = _plain(knob.value, knob.value_type)
            else:
                knobs[name] = _plain(trial.params[name], self._value_type(name))
        return knobs, float(trial.value)
