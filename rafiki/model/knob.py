"""Knob types: how a model declares the hyperparameters the advisor may choose.

Faithful to Rafiki's knob classes and their JSON form, with two fixes: a list of bools is
typed ``bool`` (Rafiki typed it ``int`` because ``bool`` subclasses ``int``), and every bad
definition raises with a message that says what to change.
"""

from __future__ import annotations

import abc
import math
import numbers
from typing import Any

KnobValue = int | float | bool | str

_VALUE_TYPES: tuple[type, ...] = (bool, int, float, str)  # bool first: it subclasses int


def _value_type_of(value: Any) -> type | None:
    """The knob value type of ``value``, telling bools from ints."""
    for value_type in _VALUE_TYPES:
        if isinstance(value, value_type):
            return value_type
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _same_value(a: Any, b: Any) -> bool:
    """Equality that keeps types apart, so True never matches 1 nor 1 match 1.0."""
    return _value_type_of(a) is _value_type_of(b) and a == b


class BaseKnob(abc.ABC):
    """The base class of a knob type; its args define its JSON form."""

    def __init__(self, knob_args: dict | None = None):
        self._knob_args = dict(knob_args or {})

    def to_json(self) -> str:
        import json  # here, not at the top: the window's launch builds no knob (json ~5 ms)

        return json.dumps({"type": self.__class__.__name__, "args": self._knob_args})

    @classmethod
    def from_json(cls, json_str: str) -> BaseKnob:
        import json

        json_dict = json.loads(json_str)
        if not isinstance(json_dict, dict) or "type" not in json_dict or "args" not in json_dict:
            raise ValueError(f"Invalid JSON representation of knob: {json_str}")
        knob_classes = {k.__name__: k for k in (CategoricalKnob, IntegerKnob, FloatKnob, FixedKnob)}
        knob_class = knob_classes.get(json_dict["type"])
        if knob_class is None:
            raise ValueError(f"Invalid knob type: {json_dict['type']}")
        return knob_class(**json_dict["args"])

    @abc.abstractmethod
    def problem_with(self, value: Any) -> str | None:
        """Why ``value`` does not fit this knob, or None when it does."""

    @abc.abstractmethod
    def default(self) -> KnobValue:
        """A sensible starting value: what a form shows before anyone chooses."""

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.to_json() == other.to_json()  # type: ignore[union-attr]

    def __hash__(self) -> int:
        return hash(self.to_json())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._knob_args.items())
        return f"{self.__class__.__name__}({args})"


class CategoricalKnob(BaseKnob):
    """A value chosen among ``values``, all of one type: int, float, bool or str."""

    def __init__(self, values: list):
        super().__init__({"values": values})
        self._values = list(values) if isinstance(values, (list, tuple)) else values
        self._value_type = self._validate_values(self._values)

    @property
    def value_type(self) -> type:
        return self._value_type

    @property
    def values(self) -> list:
        return self._values

    @staticmethod
    def _validate_values(values: Any) -> type:
        if not isinstance(values, list):
            raise TypeError(f"`values` should be a list, got {type(values).__name__}")
        if len(values) == 0:
            raise ValueError("`values` should have at least 1 element")
        value_type = _value_type_of(values[0])
        if value_type is None:
            raise TypeError(
                "Only the following types for `values` are supported: `int`, `float`, `bool`, "
                f"`str` (got {type(values[0]).__name__})"
            )
        mixed = [v for v in values if _value_type_of(v) is not value_type]
        if mixed:
            raise TypeError(
                f"`values` should have elements of the same type ({value_type.__name__}); "
                f"{mixed[0]!r} is {type(mixed[0]).__name__}"
            )
        return value_type

    def problem_with(self, value: Any) -> str | None:
        if any(_same_value(value, v) for v in self._values):
            return None
        return f"{value!r} is not one of {self._values!r}"

    def default(self) -> KnobValue:
        return self._values[0]


class FixedKnob(BaseKnob):
    """A single value that is never tuned."""

    def __init__(self, value: KnobValue):
        super().__init__({"value": value})
        self._value = value
        self._value_type = self._validate_value(value)

    @property
    def value_type(self) -> type:
        return self._value_type

    @property
    def value(self) -> KnobValue:
        return self._value

    @staticmethod
    def _validate_value(value: Any) -> type:
        value_type = _value_type_of(value)
        if value_type is None:
            raise TypeError(
                "Only the following types for `value` are supported: `int`, `float`, `bool`, "
                f"`str` (got {type(value).__name__})"
            )
        return value_type

    def problem_with(self, value: Any) -> str | None:
        return None if _same_value(value, self._value) else f"must be fixed at {self._value!r}"

    def default(self) -> KnobValue:
        return self._value


class _RangeKnob(BaseKnob):
    """Shared shape of IntegerKnob and FloatKnob: a closed interval, maybe on a log scale."""

    _bound_kind = "number"

    def __init__(self, value_min: Any, value_max: Any, is_exp: bool = False):
        super().__init__({"value_min": value_min, "value_max": value_max, "is_exp": is_exp})
        self._validate_values(value_min, value_max, is_exp)
        self._value_min = value_min
        self._value_max = value_max
        self._is_exp = is_exp

    @property
    def value_min(self):
        return self._value_min

    @property
    def value_max(self):
        return self._value_max

    @property
    def is_exp(self) -> bool:
        return self._is_exp

    @classmethod
    def _is_bound(cls, value: Any) -> bool:
        raise NotImplementedError

    @classmethod
    def _validate_values(cls, value_min: Any, value_max: Any, is_exp: Any) -> None:
        for name, bound in (("value_min", value_min), ("value_max", value_max)):
            if not cls._is_bound(bound):
                raise ValueError(f"`{name}` should be {cls._bound_kind}, got {bound!r}")
            if not math.isfinite(bound):
                raise ValueError(f"`{name}` should be finite, got {bound!r}")
        if value_min > value_max:
            raise ValueError(
                f"`value_max` ({value_max!r}) should be at least `value_min` ({value_min!r})"
            )
        if not isinstance(is_exp, bool):
            raise TypeError(f"`is_exp` should be a bool, got {is_exp!r}")
        if is_exp and value_min <= 0:
            raise ValueError(
                "`value_min` should be positive when `is_exp` is True (log scale), "
                f"got {value_min!r}"
            )

    def _range_problem(self, value: Any) -> str | None:
        if not self._value_min <= value <= self._value_max:
            return f"{value!r} is outside [{self._value_min!r}, {self._value_max!r}]"
        return None

    def _midpoint(self) -> float:
        if self._is_exp:
            return math.sqrt(self._value_min * self._value_max)
        return (self._value_min + self._value_max) / 2


class IntegerKnob(_RangeKnob):
    """Any int in [``value_min``, ``value_max``]; ``is_exp`` samples it on a log scale."""

    _bound_kind = "an `int`"

    @classmethod
    def _is_bound(cls, value: Any) -> bool:
        return _is_int(value)

    @property
    def value_type(self) -> type:
        return int

    def problem_with(self, value: Any) -> str | None:
        if not _is_int(value):
            return f"{value!r} is not an int"
        return self._range_problem(value)

    def default(self) -> int:
        return min(max(int(round(self._midpoint())), self._value_min), self._value_max)


class FloatKnob(_RangeKnob):
    """Any float in [``value_min``, ``value_max``]; ``is_exp`` samples it on a log scale."""

    _bound_kind = "a `float` or `int`"

    @classmethod
    def _is_bound(cls, value: Any) -> bool:
        return _is_real(value)

    @property
    def value_type(self) -> type:
        return float

    def problem_with(self, value: Any) -> str | None:
        if not _is_real(value):
            return f"{value!r} is not a number"
        if not math.isfinite(value):
            return f"{value!r} is not finite"
        return self._range_problem(value)

    def default(self) -> float:
        return float(self._midpoint())


def serialize_knob_config(knob_config: dict[str, BaseKnob]) -> str:
    """Knob config to JSON text, in Rafiki's form (a dict of each knob's own JSON)."""
    import json

    return json.dumps({name: knob.to_json() for name, knob in knob_config.items()})


def deserialize_knob_config(knob_config_str: str) -> dict[str, BaseKnob]:
    """The inverse of :func:`serialize_knob_config`; the round trip is exact."""
    import json

    return {
        name: BaseKnob.from_json(knob_str)
        for name, knob_str in json.loads(knob_config_str).items()
    }


def knob_problems(knob_config: dict[str, BaseKnob], knobs: Any) -> list[str]:
    """Every way ``knobs`` misfit ``knob_config``: unknown, missing, wrong type, out of range."""
    if not isinstance(knobs, dict):
        return [f"knobs should be a dict, got {type(knobs).__name__}"]
    problems = [f"unknown knob '{name}'" for name in knobs if name not in knob_config]
    problems += [f"missing knob '{name}'" for name in knob_config if name not in knobs]
    for name, knob in knob_config.items():
        if name in knobs:
            problem = knob.problem_with(knobs[name])
            if problem:
                problems.append(f"knob '{name}': {problem}")
    return problems


def default_knobs(knob_config: dict[str, BaseKnob]) -> dict[str, KnobValue]:
    """Each knob's default value: a valid starting point for a form or a first run."""
    return {name: knob.default() for name, knob in knob_config.items()}
