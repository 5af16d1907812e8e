"""The UI-stall probe the GUI benchmarks share: a fast QTimer on the UI thread, and the
longest gap between its ticks (a stall of the event loop shows up as a long gap)."""

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
        self._last: float | None = None

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.longest = max(self.longest, now - self._last)
        self._last = now

    def start(self) -> None:
        self.longest, self._last = 0.0, None
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
