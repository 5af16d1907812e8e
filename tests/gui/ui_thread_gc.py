"""Python's cyclic garbage collection on the UI thread only, for the GUI tests.

CPython collects reference cycles on whichever thread crosses the allocation threshold: a
worker's QThread, a run's reader, a Ray driver's threads left by the cluster tests. The tests
make hundreds of windows and widgets without a parent, which Python owns; one left in a cycle
after its test is then deleted by shiboken on that thread, while the UI thread paints it or
delivers its deferred deletion: the segfaults in ~QObject seen when a window test shared the
process with Ray's threads. (A parentless widget in a cycle, collected on another thread while
the UI thread ran its event loop, crashed a script within 200 tries; collected on the UI thread,
never.) So automatic collection is off and a timer on the UI thread collects each generation
when CPython would have (pyqtgraph's GarbageCollector and calibre do the same).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 100


class UiThreadCollector(QObject):
    """Turns automatic collection off and collects, on its own thread, what is due."""

    def __init__(self, parent: QObject, interval_ms: int = INTERVAL_MS):
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start(interval_ms)

    def collect_due(self) -> None:
        """The oldest generation over its threshold, as CPython chooses on an allocation."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        if counts[0] <= thresholds[0]:
            return
        for generation in (2, 1, 0):
            if counts[generation] > thresholds[generation]:
                gc.collect(generation)
                return

    def stop(self) -> None:
        self._timer.stop()
        if self._was_enabled:
            gc.enable()
