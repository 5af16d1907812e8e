"""One editor widget per knob type, chosen from a type -> editor map (magicgui's idea).

Every editor shows a value and reports edits through ``value_edited``; none silently clamps:
a value outside the knob's range (typed, or brought back from a past run or another app mode)
stays visible so the form can mark it with the knob's own reason. Arrow keys and the wheel
step inside the range; log-scale knobs step through 1-2-5 of each decade.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox, QWidget

from rafiki.model.knob import BaseKnob, CategoricalKnob, FixedKnob, FloatKnob, IntegerKnob

_INT_LIMIT = 2**31 - 1
_FLOAT_LIMIT = 1e15


def log_step(value: float, steps: int, integer: bool = False) -> float:
    """``value`` moved ``steps`` places along the 1, 2, 5, 10, 20, ... grid (for log knobs)."""
    if value <= 0 or steps == 0:
        return value
    exponent = math.floor(math.log10(value))
    span = abs(steps) + 2
    grid = sorted({m * 10.0**e for e in range(exponent - span, exponent + span + 1)
                   for m in (1, 2, 5)})
    if integer:
        grid = sorted({float(max(1, round(g))) for g in grid})
    if steps > 0:
        above = [g for g in grid if g > value * (1 + 1e-9)]
        return above[min(steps, len(above)) - 1]
    below = [g for g in grid if g < value * (1 - 1e-9)]
    return below[-min(-steps, len(below))] if below else value


def format_float(value: float, log_scale: bool) -> str:
    """Short text for a float; scientific notation where it reads better (1e-03, not 0.001)."""
    if value == 0:
        return "0"
    small, large = (1e-2, 1e4) if log_scale else (1e-4, 1e9)
    if small <= abs(value) < large:
        return f"{value:.6g}"
    mantissa, exponent = f"{value:.4e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{exponent}"


class KnobEditor(QWidget):
    """The interface the knob form relies on."""

    value_edited = Signal(object)

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError


class _RangeStepping:
    """Mixin for spin boxes: step inside the knob's range, multiplicatively on a log scale."""

    knob: IntegerKnob | FloatKnob

    def _stepped(self, value: float, steps: int) -> float:
        integer = isinstance(self.knob, IntegerKnob)
        if self.knob.is_exp:
            moved = log_step(value, steps, integer=integer)
        else:
            moved = value + steps * self.singleStep()
        return min(max(moved, self.knob.value_min), self.knob.value_max)


class IntegerSpinBox(_RangeStepping, QSpinBox):
    def __init__(self, knob: IntegerKnob, parent: QWidget | None = None):
        super().__init__(parent)
        self.knob = knob
        self.setRange(-_INT_LIMIT, _INT_LIMIT)
        self.setKeyboardTracking(False)
        self.setToolTip(f"integer in [{knob.value_min}, {knob.value_max}]"
                        + (", log scale" if knob.is_exp else ""))

    def stepBy(self, steps: int) -> None:  # noqa: N802 (Qt override)
        self.setValue(int(round(self._stepped(self.value(), steps))))
        self.editingFinished.emit()

    def stepEnabled(self):  # noqa: N802 (Qt override)
        return QSpinBox.StepEnabledFlag.StepUpEnabled | QSpinBox.StepEnabledFlag.StepDownEnabled


class FloatSpinBox(_RangeStepping, QDoubleSpinBox):
    """A double spin box that keeps full precision and reads/writes scientific notation."""

    def __init__(self, knob: FloatKnob, parent: QWidget | None = None):
        super().__init__(parent)
        self.knob = knob
        self.setDecimals(15)
        self.setRange(-_FLOAT_LIMIT, _FLOAT_LIMIT)
        self.setKeyboardTracking(False)
        span = knob.value_max - knob.value_min
        self.setSingleStep(10 ** math.floor(math.log10(span / 10)) if span > 0 else 0.1)
        self.setToolTip(f"number in [{knob.value_min:g}, {knob.value_max:g}]"
                        + (", log scale" if knob.is_exp else ""))

    def textFromValue(self, value: float) -> str:  # noqa: N802 (Qt override)
        return format_float(value, self.knob.is_exp)

    def valueFromText(self, text: str) -> float:  # noqa: N802 (Qt override)
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        try:
            float(text)
            return QValidator.State.Acceptable, text, pos
        except ValueError:
            allowed = set("0123456789.eE+-")
            ok = all(ch in allowed for ch in text)
            return (QValidator.State.Intermediate if ok else QValidator.State.Invalid), text, pos

    def stepBy(self, steps: int) -> None:  # noqa: N802 (Qt override)
        self.setValue(self._stepped(self.value(), steps))
        self.editingFinished.emit()

    def stepEnabled(self):  # noqa: N802 (Qt override)
        flags = QDoubleSpinBox.StepEnabledFlag
        return flags.StepUpEnabled | flags.StepDownEnabled


class RangeKnobEditor(KnobEditor):
    """IntegerKnob / FloatKnob: a spin box."""

    def __init__(self, knob: IntegerKnob | FloatKnob, parent: QWidget | None = None):
        super().__init__(parent)
        from PySide6.QtWidgets import QHBoxLayout

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.spin = IntegerSpinBox(knob) if isinstance(knob, IntegerKnob) else FloatSpinBox(knob)
        layout.addWidget(self.spin)
        self._integer = isinstance(knob, IntegerKnob)
        self.spin.editingFinished.connect(lambda: self.value_edited.emit(self.value()))

    def value(self) -> int | float:
        return int(self.spin.value()) if self._integer else float(self.spin.value())

    def set_value(self, value: Any) -> None:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            self.spin.blockSignals(True)
            self.spin.setValue(value)
            self.spin.blockSignals(False)


class CategoricalKnobEditor(KnobEditor):
    """CategoricalKnob: a combo whose items map back to the values themselves, types kept."""

    def __init__(self, knob: CategoricalKnob, parent: QWidget | None = None):
        super().__init__(parent)
        from PySide6.QtWidgets import QHBoxLayout

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.combo = QComboBox()
        layout.addWidget(self.combo)
        self._values: list[Any] = list(knob.values)
        for value in self._values:
            self.combo.addItem(str(value))
        self.combo.activated.connect(lambda _i: self.value_edited.emit(self.value()))

    def value(self) -> Any:
        index = self.combo.currentIndex()
        return self._values[index] if 0 <= index < len(self._values) else None

    def set_value(self, value: Any) -> None:
        matches = [i for i, known in enumerate(self._values)
                   if type(known) is type(value) and known == value]
        if matches:
            index = matches[0]
        else:  # a value the knob does not allow: show it, so the form can say why
            self._values.append(value)
            self.combo.addItem(f"{value!r} (not allowed)")
            index = len(self._values) - 1
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(index)
        self.combo.blockSignals(False)


class FixedKnobEditor(KnobEditor):
    """FixedKnob: its value, read-only."""

    def __init__(self, knob: FixedKnob, parent: QWidget | None = None):
        super().__init__(parent)
        from PySide6.QtWidgets import QHBoxLayout

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.line = QLineEdit()
        self.line.setReadOnly(True)
        self.line.setToolTip("fixed: never tuned")
        layout.addWidget(self.line)
        self._value: Any = knob.value
        self.set_value(knob.value)

    def value(self) -> Any:
        return self._value

    def set_value(self, value: Any) -> None:
        self._value = value
        self.line.setText(str(value))


EDITOR_FOR_KNOB: dict[type[BaseKnob], type[KnobEditor]] = {
    IntegerKnob: RangeKnobEditor,
    FloatKnob: RangeKnobEditor,
    CategoricalKnob: CategoricalKnobEditor,
    FixedKnob: FixedKnobEditor,
}


def editor_for(knob: BaseKnob, parent: QWidget | None = None) -> KnobEditor:
    """The editor widget of ``knob``, from the type map."""
    return EDITOR_FOR_KNOB[type(knob)](knob, parent)


def describe_range(knob: BaseKnob) -> str:
    """What values a knob accepts, in a few words for the form."""
    if isinstance(knob, (IntegerKnob, FloatKnob)):
        low, high = knob.value_min, knob.value_max
        text = f"{low:g} … {high:g}" if isinstance(knob, FloatKnob) else f"{low} … {high}"
        return text + (" (log)" if knob.is_exp else "")
    if isinstance(knob, CategoricalKnob):
        return f"{len(knob.values)} choices"
    return "fixed"
