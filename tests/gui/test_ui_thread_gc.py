"""Reference cycles holding Qt objects are freed on the UI thread, however busy another thread
is: collected on a Ray driver's or a worker's thread, a parentless widget crashed the suite."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QObject, Qt


class _Cycle:
    """Only the cyclic collector frees it, and with it the Qt object it holds."""

    def __init__(self) -> None:
        self.me = self
        self.qt_object = QObject()


def test_a_cycle_holding_a_qt_object_is_freed_on_the_ui_thread(qtbot):
    gc.collect()  # the cycle below starts in the youngest generation
    destroyed_on: list[str] = []
    cycle = _Cycle()
    cycle.qt_object.destroyed.connect(
        lambda *_: destroyed_on.append(threading.current_thread().name),
        Qt.ConnectionType.DirectConnection)
    del cycle
    kept: list[list] = []

    def allocate() -> None:  # far past the thresholds at which CPython collects on its own
        kept.extend([] for _ in range(200_000))

    allocator = threading.Thread(target=allocate, name="allocator")
    allocator.start()
    allocator.join()
    qtbot.waitUntil(lambda: bool(destroyed_on), timeout=5000)
    assert destroyed_on == [threading.main_thread().name]
