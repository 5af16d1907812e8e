"""Axis ticks and numbers as a reader expects them: integers as integers.

An epoch, a trial number or an integer knob is counted, so its axis gets ticks only at whole
numbers, written without decimals or exponent (the issue saw ``6.4e+01`` for a knob of 64).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg


def format_number(value: float) -> str:
    """A value for a tooltip or a label: integers whole, others to 6 significant digits."""
    if value is None:
        return ""
    number = float(value)
    if not math.isfinite(number):
        return str(number)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return f"{number:.6g}"


def all_integers(values: Sequence[float] | np.ndarray) -> bool:
    """True when every finite value is whole (and there is one): its axis counts things."""
    array = np.asarray(values, dtype=float)
    array = array[np.isfinite(array)]
    return bool(len(array)) and bool(np.all(array == np.round(array)))


class NumberAxis(pg.AxisItem):
    """An axis that can be told its values are integers: ticks at whole numbers only, written
    as integers. Never scales by an SI prefix (a score of 0.95 reads 0.95, not 950 ×0.001)."""

    def __init__(self, orientation: str, **kwargs):
        super().__init__(orientation, **kwargs)
        self.integer = False
        self.enableAutoSIPrefix(False)

    def set_integer(self, on: bool) -> None:
        if on != self.integer:
            self.integer = on
            self.picture = None  # the cached drawing holds the old ticks
            self.update()

    def tickValues(self, minVal, maxVal, size):  # noqa: N802, N803 (pyqtgraph's names)
        levels = super().tickValues(minVal, maxVal, size)
        if not self.integer or self.logMode:
            return levels
        whole = [(spacing, [v for v in values if float(v).is_integer()])
                 for spacing, values in levels if spacing >= 1]
        whole = [(spacing, values) for spacing, values in whole if values]
        if whole:
            return whole
        low, high = math.ceil(minVal), math.floor(maxVal)
        return [(1.0, [float(v) for v in range(low, high + 1)])] if high >= low else []

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph's name)
        if self.integer and not self.logMode:
            return [str(int(round(v * scale))) for v in values]
        return super().tickStrings(values, scale, spacing)

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph's name)
        """Log ticks as 0.001, 64, 1000 (pyqtgraph writes 1e+02 for 100)."""
        labels = []
        for value in values:
            number = 10.0 ** float(value) * scale
            labels.append(format_number(number) if 1e-4 <= abs(number) < 1e6
                          else f"{number:.0e}")
        return labels


def number_axes() -> dict[str, NumberAxis]:
    """Axis items for a new PlotWidget's ``axisItems``."""
    return {side: NumberAxis(side) for side in ("left", "bottom")}
