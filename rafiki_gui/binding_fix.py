"""A guard against PySide6 6.12.0's refcount bug on Python < 3.12.

In that binding every call of a method returning ``void`` (``QLabel.setText``,
``QPainter.setPen``, ...) takes one reference from ``None`` without giving it back, and every
``Signal.emit`` one from ``True`` or ``False``. On Python
3.12+ ``None`` is immortal, so nothing happens; on 3.10/3.11 its count reaches zero after some
tens of thousands of calls and the interpreter aborts ("none_dealloc: deallocating None") — a
live plot gets there within a minute. The bug is detected by behaviour, not version: when a
call is seen to take a reference, the singleton gets a reserve of references large enough
to never run out (what 3.12 does by making it immortal). The real fix is a binding without
the bug (pin ``PySide6-Essentials!=6.12.0``).
"""

from __future__ import annotations

import sys

_RESERVE = 1 << 40


def leaked_singletons() -> list[object]:
    """None, True or False when this binding's calls take references from them: void
    methods return None, and ``Signal.emit`` returns a bool, without the reference."""
    from PySide6.QtCore import QObject

    probe = QObject()
    leaked = []
    before = {id(x): sys.getrefcount(x) for x in (None, True, False)}
    for _ in range(100):
        probe.setObjectName("probe")
        probe.objectNameChanged.emit("probe")
    for singleton in (None, True, False):
        if sys.getrefcount(singleton) - before[id(singleton)] <= -50:
            leaked.append(singleton)
    return leaked


def guard_none_refcount() -> bool:
    """Give each leaked singleton its reserve; True when the guard was needed."""
    if sys.version_info >= (3, 12):
        return False
    leaked = leaked_singletons()
    if not leaked:
        return False
    import ctypes  # only for a binding with the bug: ~8 ms of the launch otherwise

    # the same bug loses bools passed through signals too: guard all three when any leaks
    for singleton in (None, True, False):
        refcount = ctypes.c_ssize_t.from_address(id(singleton))  # ob_refcnt comes first
        refcount.value += _RESERVE
    return True
