"""The advisor on Optuna: typed, JSON-ready proposals, log scales, seeds, feedback and resume."""

from __future__ import annotations

import json
import math
import statistics

import pytest

from rafiki.advisor import Advisor
from rafiki.model import CategoricalKnob, FixedKnob, FloatKnob, IntegerKnob

CONFIG = {
    "epochs": IntegerKnob(1, 50),
    "units": IntegerKnob(8, 4096, is_exp=True),
    "rate": FloatKnob(1e-6, 1.0, is_exp=True),
    "dropout": FloatKnob(0, 1),
    "shuffle": CategoricalKnob([True, False]),
    "depth": CategoricalKnob([1, 2, 3]),
    "scale": CategoricalKnob([0.5, 1.5]),
    "optimizer": CategoricalKnob(["adam", "sgd"]),
    "batch": FixedKnob(32),
    "name": FixedKnob("net"),
}


def test_proposals_fit_the_config_with_plain_python_types():
    advisor = Advisor(CONFIG, seed=0)
    for _ in range(12):
        knobs = advisor.propose()
        assert set(knobs) == set(CONFIG)
        for name, knob in CONFIG.items():
            assert knob.problem_with(knobs[name]) is None, (name, knobs[name])
            assert type(knobs[name]) is knob.value_type, (name, type(knobs[name]))
        assert knobs["batch"] == 32 and knobs["name"] == "net"
        assert json.loads(json.dumps(knobs)) == knobs


def test_log_scale_knobs_are_sampled_on_a_log_scale():
    advisor = Advisor({"rate": FloatKnob(1e-6, 1.0, is_exp=True),
                       "units": IntegerKnob(1, 100_000, is_exp=True)}, seed=1)
    proposals = [advisor.propose() for _ in range(60)]
    rates = [p["rate"] for p in proposals]
    units = [p["units"] for p in proposals]
    # a linear scale would put the median near 0.5 and 50,000
    assert statistics.median(rates) < 0.01
    assert statistics.median(units) < 5_000
    assert min(math.log10(r) for r in rates) < -4


def test_same_seed_gives_the_same_proposals_even_with_feedback():
    def sequence(seed):
        advisor = Advisor(CONFIG, seed=seed)
        out = []
        for i in range(14):
            knobs = advisor.propose()
            out.append(knobs)
            advisor.feedback(knobs, None if i % 5 == 4 else knobs["dropout"])
        return out

    assert sequence(7) == sequence(7)
    assert sequence(7) != sequence(8)


def test_feedback_steers_towards_high_scores_and_best_reports_it():
    advisor = Advisor({"x": FloatKnob(0.0, 1.0), "k": FixedKnob(True)}, seed=2)
    assert advisor.best() is None
    for _ in range(30):
        knobs = advisor.propose()
        advisor.feedback(knobs, 1.0 - abs(knobs["x"] - 0.8))
    best_knobs, best_score = advisor.best()
    assert abs(best_knobs["x"] - 0.8) < 0.1 and best_knobs["k"] is True
    assert best_score == pytest.approx(1.0 - abs(best_knobs["x"] - 0.8))
    completed = [t for t in advisor.study.trials if t.state.name == "COMPLETE"]
    assert len(completed) == 30


def test_failed_trials_are_recorded_as_failed():
    advisor = Advisor({"x": IntegerKnob(1, 3)}, seed=0)
    knobs = advisor.propose()
    advisor.feedback(knobs, None)
    advisor.feedback(advisor.propose(), float("nan"))
    assert [t.state.name for t in advisor.study.trials] == ["FAIL", "FAIL"]
    assert advisor.best() is None


def test_feedback_for_knobs_never_proposed_resumes_them_as_trials():
    advisor = Advisor(CONFIG, seed=0)
    stored = {"epochs": 3, "units": 64, "rate": 0.01, "dropout": 0.5, "shuffle": False,
              "depth": 2, "scale": 1.5, "optimizer": "sgd", "batch": 32, "name": "net"}
    advisor.feedback(stored, 0.9)
    advisor.feedback(dict(stored, epochs=4), None)
    assert advisor.best() == (stored, 0.9)
    assert [t.state.name for t in advisor.study.trials] == ["COMPLETE", "FAIL"]
    assert advisor.propose()  # still proposes after resuming


def test_feedback_with_knobs_that_misfit_is_refused():
    advisor = Advisor({"x": IntegerKnob(1, 3)})
    with pytest.raises(ValueError, match="knob 'x': 9 is outside"):
        advisor.feedback({"x": 9}, 0.5)
    with pytest.raises(ValueError, match="unknown knob 'y'"):
        advisor.feedback({"x": 1, "y": 2}, 0.5)


def test_a_config_of_only_fixed_knobs_proposes_them():
    advisor = Advisor({"a": FixedKnob(1), "b": FixedKnob(False)})
    assert advisor.propose() == {"a": 1, "b": False}
    assert Advisor({}).propose() == {}
