"""The memory limit of model processes, as a field: megabytes, or "no limit" at 0.

It starts at the engine's default (a share of physical memory divided by the processes running
at once, :func:`rafiki.memory_limit.default_memory_limit_mb`) and follows the number of trials
at once until the user sets a value. A run that goes over it ends as "out of memory", not as a
crash. :class:`RunMemoryLimit` binds one to the Session's next run.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QSpinBox, QWidget

from rafiki.memory_limit import default_memory_limit_mb, physical_memory_mb

from .session import Session

UNKNOWN_MEMORY_MAX_MB = 1024 * 1024
STEP_MB = 256


class MemoryLimitField(QSpinBox):
    """Megabytes a model process may use (0: no limit)."""

    def __init__(self, at_once: int = 1, parent: QWidget | None = None):
        super().__init__(parent)
        self.setRange(0, physical_memory_mb() or UNKNOWN_MEMORY_MAX_MB)
        self.setSingleStep(STEP_MB)
        self.setSuffix(" MB")
        self.setSpecialValueText("no limit")
        self.setToolTip(
            "Memory each model process may use. A run that needs more ends as 'out of memory' "
            "(the model's own code is not at fault). Default: half of this machine's memory, "
            "shared by the processes running at once; 0: no limit.\n"
            "Enforced on Linux (RLIMIT_DATA, and a cgroup where allowed); advisory on macOS "
            "and Windows.")
        self._edited = False
        self.set_at_once(at_once)
        self.valueChanged.connect(self._mark_edited)

    def set_at_once(self, at_once: int) -> None:
        """Follow the default share for ``at_once`` processes, unless the user set a value."""
        if self._edited:
            return
        self.blockSignals(True)
        self.setValue(default_memory_limit_mb(at_once) or 0)
        self.blockSignals(False)

    def beside(self, other: QWidget, words: str) -> QWidget:
        """``other``, then ``words`` and this field on one line (a form row costs height the
        tuning tab does not have on a 768 px screen)."""
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(other)
        layout.addWidget(QLabel(words))
        layout.addWidget(self, 1)
        return row

    def limit_mb(self) -> int:
        """The limit to give the engine: megabytes, 0 for none."""
        return self.value()

    def _mark_edited(self, _value: int) -> None:
        self._edited = True


class RunMemoryLimit(QWidget):
    """One labelled field setting ``session.memory_limit_mb`` for the next run."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.field = MemoryLimitField()
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Memory", self.field)
        self.field.valueChanged.connect(self._changed)

    def _changed(self, value: int) -> None:
        self.session.memory_limit_mb = value
