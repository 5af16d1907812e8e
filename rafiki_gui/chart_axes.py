"""Axis ticks and numbers as a reader expects them: integers as integers.

An epoch, a trial number or an integer knob is counted, so its axis gets ticks only at whole
numbers, written without decimals or exponent (the issue saw ``6.4e+01`` for a knob of 64).
"""

from __future__ import annotations

import itertools
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

    def logTickValues(self, minVal, maxVal, size, stdTicks):  # noqa: N802, N803
        """pyqtgraph's log ticks; notes how many pixels a decade has for the labels."""
        self._decade_px = size / max(maxVal - minVal, 1e-9)
        return super().logTickValues(minVal, maxVal, size, stdTicks)

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph's name)
        """Log ticks as 0.001, 64, 1000 (pyqtgraph writes 1e+02 for 100). The minor ticks
        (2 to 9 times a power of ten, ``spacing`` None) are labelled only where their labels
        have room: pyqtgraph labels all of them, and near each power of ten 0.01, 0.009 and
        0.008 were printed over each other."""
        vertical = self.orientation in ("left", "right")
        shown = (None if spacing is not None else
                 minor_mantissas_with_room(getattr(self, "_decade_px", math.inf),
                                           LABEL_ROOM_PX if vertical else 3 * LABEL_ROOM_PX))
        labels = []
        for value in values:
            number = 10.0 ** float(value) * scale
            if shown is not None and round(10.0 ** (float(value) % 1.0)) % 10 not in shown:
                labels.append(None)  # the tick is drawn, unlabelled
                continue
            labels.append(format_number(number) if 1e-4 <= abs(number) < 1e6
                          else f"{number:.0e}")
        return labels


LABEL_ROOM_PX = 16  # the height a tick label needs on a vertical axis
MINOR_LABEL_SETS = ((1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 3, 5), (1, 2, 5), (1, 3), (1,))


def minor_mantissas_with_room(decade_px: float, room_px: float) -> set[int]:
    """The most of 1..9 (as 1..9 × a power of ten) whose labels stay ``room_px`` apart when a
    decade is ``decade_px`` long (1 stands for the power itself, labelled by its own level)."""
    for mantissas in MINOR_LABEL_SETS:
        marks = [math.log10(m) for m in mantissas] + [1.0]
        gap = min(b - a for a, b in itertools.pairwise(marks))
        if gap * decade_px >= room_px:
            return set(mantissas) - {1}
    return set()


def number_axes() -> dict[str, NumberAxis]:
    """Axis items for a new PlotWidget's ``axisItems``."""
    return {side: NumberAxis(side) for side in ("left", "bottom")}
