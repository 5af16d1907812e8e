"""A guard against PySide6 6.12.0's refcount bug on Python < 3.12.

In that binding every call of a method returning ``void`` (``QLabel.setText``,
``QPainter.setPen``, ...) takes one reference from ``None`` without giving it back. On Python
3.12+ ``None`` is immortal, so nothing happens; on 3.10/3.11 its count reaches zero after some
tens of thousands of calls and the interpreter aborts ("none_dealloc: deallocating None") — a
live plot gets there within a minute. The bug is detected by behaviour, not version: when a
void call is seen to take a reference, ``None`` gets a reserve of references large enough
to never run out (what 3.12 does by making it immortal). The real fix is a binding without
the bug (pin ``PySide6-Essentials!=6.12.0``).
"""

from __future__ import annotations

import ctypes
import sys

_RESERVE = 1 << 40


def void_calls_leak_none() -> bool:
    """Whether this binding's void methods take references from None."""
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(100):
        probe.setObjectName("probe")
    return sys.getrefcount(None) - before <= -50


def guard_none_refcount() -> bool:
    """Give None its reserve when the binding leaks it; True when the guard was needed."""
    if sys.version_info >= (3, 12) or not void_calls_leak_none():
        return False
    refcount = ctypes.c_ssize_t.from_address(id(None))  # ob_refcnt: PyObject's first field
    refcount.value += _RESERVE
    return True
