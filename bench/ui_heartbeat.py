"""The UI-stall probe the GUI benchmarks share: a fast QTimer on the UI thread, and the
longest gap between its ticks (a stall of the event loop shows up as a long gap).

Also the most CPU time the UI thread spent between two ticks (``longest_cpu``): on a loaded
machine a gap is mostly time the thread waited for a core, which says little about the code;
the CPU in it is the code's own share (itself inflated somewhat by the load)."""

from __future__ import annotations

import time


class Heartbeat:
    """Longest gap between ticks of a fast QTimer on the UI thread."""

    def __init__(self, interval_ms: int = 5):
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.longest = 0.0
        self.longest_cpu = 0.0
        self._last: float | None = None
        self._last_cpu = 0.0

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        if self._last is not None:
            self.longest = max(self.longest, now - self._last)
            self.longest_cpu = max(self.longest_cpu, cpu - self._last_cpu)
        self._last, self._last_cpu = now, cpu

    def start(self) -> None:
        self.longest, self.longest_cpu, self._last = 0.0, 0.0, None
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        return self.longest

    def run_for(self, app, seconds: float, until=None) -> float:
        """Spin the event loop for ``seconds`` (or until ``until()``); the longest gap."""
        self.start()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not (until and until()):
            app.processEvents()
            time.sleep(0.001)
        return self.stop()
