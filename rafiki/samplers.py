"""The advisor's samplers by name: what ``--sampler`` and the tuning tab offer.

Every entry was compared by ``bench/bench_samplers.py`` (a suite of knob-config-like objectives
at budgets of 10, 20 and 50 trials, 10 seeds); :data:`DEFAULT_SAMPLER` had the best median
there at 20 trials and beat TPE's defaults on both the median and the worst case
(bench/README.md has the table). Each factory
takes a seed and returns a fresh Optuna sampler; all of them handle every knob kind (CMA-ES
hands categorical knobs to TPE).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

DEFAULT_SAMPLER = "tpe-5-startup"
"""Chosen by measurement (bench/bench_samplers.py, 2026-12-01): see bench/README.md."""


def _optuna():
    import optuna

    return optuna


def _quiet(build: Callable[[], Any]) -> Any:
    """Build a sampler without Optuna's ExperimentalWarning (multivariate/group TPE and QMC
    were marked experimental in Optuna 3, and are stable since)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", _optuna().exceptions.ExperimentalWarning)
        return build()


def _tpe(seed: int | None, **settings: Any) -> Any:
    samplers = _optuna().samplers
    return _quiet(lambda: samplers.TPESampler(seed=seed, **settings))


def _cmaes(seed: int | None) -> Any:
    """CMA-ES on the numeric knobs (with margin, for integers), TPE for categorical ones."""
    samplers = _optuna().samplers
    try:
        import cmaes  # noqa: F401 (Optuna's CmaEsSampler needs it)
    except ImportError as exc:
        raise ValueError("the cmaes sampler needs the 'cmaes' package: "
                         "pip install cmaes") from exc
    return _quiet(lambda: samplers.CmaEsSampler(
        seed=seed, n_startup_trials=5, with_margin=True, warn_independent_sampling=False,
        independent_sampler=samplers.TPESampler(seed=seed)))


def _qmc_then(seed: int | None, later: Any, startup: int) -> Any:
    first = _quiet(lambda: _optuna().samplers.QMCSampler(
        seed=seed, scramble=True, warn_independent_sampling=False))
    return _qmc_then_class()(first, later, startup)


def _random(seed: int | None) -> Any:
    return _optuna().samplers.RandomSampler(seed=seed)


SAMPLERS: dict[str, Callable[[int | None], Any]] = {
    "tpe-defaults": lambda seed: _tpe(seed),
    "tpe-independent": lambda seed: _tpe(seed, multivariate=False),
    "tpe-multivariate": lambda seed: _tpe(seed, multivariate=True),
    "tpe-5-startup": lambda seed: _tpe(seed, multivariate=True, n_startup_trials=5),
    "tpe-5-startup-independent": lambda seed: _tpe(seed, multivariate=False,
                                                   n_startup_trials=5),
    "qmc-5-tpe": lambda seed: _qmc_then(
        seed, _tpe(seed, multivariate=True, n_startup_trials=5), startup=5),
    "cmaes": _cmaes,
    "random": _random,
}
"""Sampler name -> factory(seed). Names are what users type; keep them stable."""

SAMPLER_HELP = {
    "tpe-defaults": "Optuna's TPE as this Optuna version sets it up",
    "tpe-independent": "TPE, each knob on its own (Optuna 3's default), 10 random trials first",
    "tpe-multivariate": "TPE over the knobs jointly, 10 random trials first",
    "tpe-5-startup": "multivariate TPE after 5 random trials",
    "tpe-5-startup-independent": "independent TPE after 5 random trials",
    "qmc-5-tpe": "5 quasi-random (scrambled Sobol) trials, then multivariate TPE",
    "cmaes": "CMA-ES on numeric knobs, TPE on categorical ones (needs the cmaes package)",
    "random": "uniform random search (a baseline)",
}


def make_sampler(name: str | None, seed: int | None) -> Any:
    """The Optuna sampler called ``name`` (None: the default), seeded."""
    name = name or DEFAULT_SAMPLER
    factory = SAMPLERS.get(name)
    if factory is None:
        raise ValueError(f"Unknown sampler {name!r}; choose one of {', '.join(SAMPLERS)}")
    return factory(seed)


@functools.cache
def _qmc_then_class() -> type:
    """The class below as an ``optuna.samplers.BaseSampler`` (Optuna is imported lazily)."""
    return type("QmcThenSampler", (_QmcThen, _optuna().samplers.BaseSampler), {})


class _QmcThen:
    """Scrambled Sobol points for the first ``startup`` trials (they cover the space more
    evenly than random ones), then ``later`` (which sees those trials as its history).

    Delegates Optuna's sampler interface by trial number, so trials told from a store (a
    resumed or warm-started tuning) count as the start and go straight to ``later``."""

    def __init__(self, first: Any, later: Any, startup: int):
        self._first, self._later, self._startup = first, later, startup

    def _pick(self, trial: Any) -> Any:
        return self._first if trial.number < self._startup else self._later

    def infer_relative_search_space(self, study: Any, trial: Any) -> dict:
        return self._pick(trial).infer_relative_search_space(study, trial)

    def sample_relative(self, study: Any, trial: Any, search_space: dict) -> dict:
        return self._pick(trial).sample_relative(study, trial, search_space)

    def sample_independent(self, study: Any, trial: Any, name: str, distribution: Any) -> Any:
        return self._pick(trial).sample_independent(study, trial, name, distribution)

    def before_trial(self, study: Any, trial: Any) -> None:
        self._pick(trial).before_trial(study, trial)

    def after_trial(self, study: Any, trial: Any, state: Any, values: Any) -> None:
        self._pick(trial).after_trial(study, trial, state, values)

    def reseed_rng(self) -> None:
        self._first.reseed_rng()
        self._later.reseed_rng()
