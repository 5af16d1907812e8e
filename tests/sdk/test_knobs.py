"""Knob classes: Rafiki's properties, validation messages, exact JSON round trip."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rafiki.model import (
    BaseKnob,
    CategoricalKnob,
    FixedKnob,
    FloatKnob,
    IntegerKnob,
    deserialize_knob_config,
    serialize_knob_config,
)
from rafiki.model.knob import default_knobs, knob_problems

CONFIG = {
    "epochs": IntegerKnob(1, 50),
    "hidden": IntegerKnob(8, 512, is_exp=True),
    "lr": FloatKnob(1e-5, 1e-1, is_exp=True),
    "dropout": FloatKnob(0, 1),
    "batch": CategoricalKnob([16, 32, 64]),
    "normalize": CategoricalKnob([True, False]),
    "optimizer": CategoricalKnob(["sgd", "adam"]),
    "momentum": CategoricalKnob([0.0, 0.9]),
    "seed": FixedKnob(7),
    "name": FixedKnob("net"),
}


def test_properties_match_rafiki():
    assert CONFIG["epochs"].value_min == 1 and CONFIG["epochs"].value_max == 50
    assert CONFIG["hidden"].is_exp is True and CONFIG["epochs"].is_exp is False
    assert CONFIG["batch"].values == [16, 32, 64] and CONFIG["batch"].value_type is int
    assert CONFIG["optimizer"].value_type is str
    assert CONFIG["momentum"].value_type is float
    assert CONFIG["seed"].value == 7 and CONFIG["seed"].value_type is int
    assert isinstance(CONFIG["lr"], BaseKnob)


def test_a_list_of_bools_is_typed_bool_not_int():
    assert CategoricalKnob([True, False]).value_type is bool
    assert FixedKnob(False).value_type is bool


def test_round_trip_is_exact():
    text = serialize_knob_config(CONFIG)
    again = deserialize_knob_config(text)
    assert again == CONFIG
    assert serialize_knob_config(again) == text
    assert type(again["dropout"].value_min) is int  # kept as given, not coerced
    assert again["normalize"].values == [True, False]
    assert type(again["normalize"].values[0]) is bool


def test_serialized_form_is_rafikis():
    payload = json.loads(serialize_knob_config({"lr": FloatKnob(0.1, 1.0)}))
    assert json.loads(payload["lr"]) == {
        "type": "FloatKnob",
        "args": {"value_min": 0.1, "value_max": 1.0, "is_exp": False},
    }


@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda: CategoricalKnob([]), ValueError, "at least 1"),
        (lambda: CategoricalKnob([1, "a"]), TypeError, "same type"),
        (lambda: CategoricalKnob([1, True]), TypeError, "same type"),
        (lambda: CategoricalKnob([1, 2.0]), TypeError, "same type"),
        (lambda: CategoricalKnob([None]), TypeError, "supported"),
        (lambda: CategoricalKnob("abc"), TypeError, "list"),
        (lambda: FixedKnob([1]), TypeError, "supported"),
        (lambda: IntegerKnob(5, 1), ValueError, "at least `value_min`"),
        (lambda: IntegerKnob(1.5, 3), ValueError, "`value_min` should be an `int`"),
        (lambda: IntegerKnob(1, "3"), ValueError, "`value_max` should be an `int`"),
        (lambda: IntegerKnob(True, 3), ValueError, "`value_min` should be an `int`"),
        (lambda: FloatKnob(0.0, 1.0, is_exp=True), ValueError, "positive"),
        (lambda: IntegerKnob(-1, 10, is_exp=True), ValueError, "positive"),
        (lambda: FloatKnob(0.0, float("inf")), ValueError, "finite"),
        (lambda: FloatKnob(2.0, 1.0), ValueError, "at least `value_min`"),
        (lambda: FloatKnob("0", 1.0), ValueError, "`value_min`"),
    ],
)
def test_bad_definitions_raise_with_a_message(make, error, words):
    with pytest.raises(error, match=words.replace("`", "`").replace("(", r"\(")):
        make()


def test_bad_json_is_refused():
    with pytest.raises(ValueError, match="Invalid knob type"):
        BaseKnob.from_json('{"type": "Nope", "args": {}}')
    with pytest.raises(ValueError, match="Invalid JSON"):
        BaseKnob.from_json('{"args": {}}')


def test_defaults_fit_their_knobs():
    knobs = default_knobs(CONFIG)
    assert knob_problems(CONFIG, knobs) == []
    assert knobs["hidden"] == 64  # geometric middle of 8..512
    assert knobs["seed"] == 7 and knobs["normalize"] is True


def test_knob_problems_name_every_misfit():
    knobs = default_knobs(CONFIG)
    knobs.update(epochs=0, lr="fast", normalize=1, batch=32.0, seed=8, extra=1)
    del knobs["optimizer"]
    problems = knob_problems(CONFIG, knobs)
    text = "\n".join(problems)
    assert "unknown knob 'extra'" in text
    assert "missing knob 'optimizer'" in text
    assert "knob 'epochs': 0 is outside [1, 50]" in text
    assert "knob 'lr': 'fast' is not a number" in text
    assert "knob 'normalize': 1 is not one of [True, False]" in text
    assert "knob 'batch': 32.0 is not one of [16, 32, 64]" in text
    assert "knob 'seed': must be fixed at 7" in text
    assert len(problems) == 7


def test_numpy_numbers_fit_range_knobs():
    assert CONFIG["epochs"].problem_with(np.int64(3)) is None
    assert CONFIG["lr"].problem_with(np.float32(0.01)) is None
    assert CONFIG["lr"].problem_with(float("nan")) is not None
    assert CONFIG["epochs"].problem_with(True) == "True is not an int"
