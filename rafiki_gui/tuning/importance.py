"""Which knobs mattered: Optuna's importance evaluators over the advisor's study. No Qt.

fANOVA is the evaluator people know, but it needs scikit-learn, which the workbench does not
require; without it Optuna's PED-ANOVA (numpy only) answers instead, and the result says which
one was used. The study is the advisor's own, fed with the experiment's finished trials, so the
importances describe exactly what the advisor learnt.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any

from rafiki.model.knob import BaseKnob, FixedKnob, knob_problems

MIN_COMPLETED_TRIALS = 3


@dataclass
class KnobImportance:
    """Importances (name -> share, summing to about 1), the evaluator's name, or why none."""

    importances: dict[str, float]
    evaluator: str
    problem: str | None = None


def _evaluator(prefer_fanova: bool):
    import optuna

    if prefer_fanova and importlib.util.find_spec("sklearn") is not None:
        return optuna.importance.FanovaImportanceEvaluator(seed=0), "fANOVA"
    return optuna.importance.PedAnovaImportanceEvaluator(), "PED-ANOVA"


def knob_importance(trials: list[Any], knob_config: dict[str, BaseKnob],
                    prefer_fanova: bool = True) -> KnobImportance:
    """Importances of the tuned knobs from the completed trials' knobs and scores."""
    from rafiki.advisor import Advisor

    tuned = [name for name, knob in knob_config.items() if not isinstance(knob, FixedKnob)]
    usable = [t for t in trials if t.status == "completed" and t.score is not None and t.knobs
              and not knob_problems(knob_config, t.knobs)]
    name = "fANOVA" if prefer_fanova else "PED-ANOVA"
    if len(tuned) < 1:
        return KnobImportance({}, name, "no knob is tuned (all are fixed or pinned)")
    if len(usable) < MIN_COMPLETED_TRIALS:
        return KnobImportance({}, name, f"knob importance needs at least "
                              f"{MIN_COMPLETED_TRIALS} completed trials ({len(usable)} so far)")
    advisor = Advisor(knob_config)
    for trial in usable:
        advisor.feedback(trial.knobs, trial.score)
    evaluator, name = _evaluator(prefer_fanova)
    import optuna

    try:
        found = optuna.importance.get_param_importances(advisor.study, evaluator=evaluator)
    except Exception as exc:  # e.g. every score equal: no variance to share out
        return KnobImportance({}, name, f"{name} could not rank the knobs: {exc}")
    return KnobImportance({k: float(v) for k, v in found.items()}, name)
