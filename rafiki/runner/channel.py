"""The child's side of the private channel: events buffered and written in batches.

A model may log from any thread and at any rate; each event is appended to a buffer, and a
flusher thread writes the buffer as one line every ``interval`` seconds or as soon as it holds
``max_batch`` events. Stage events, and the first few messages of each interval, are written
at once: if the model then crashes the interpreter, the parent still knows the stage it was in
and what it said last. Nothing is dropped: ``close`` writes what is left.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from .protocol import encode_batch


class BatchingChannel:
    """Collects events and writes them to ``fd`` as batches (thread-safe)."""

    URGENT_MESSAGES_PER_INTERVAL = 20

    def __init__(self, fd: int, interval: float = 0.05, max_batch: int = 2000):
        self._fd = fd
        self._interval = interval
        self._max_batch = max_batch
        self._buffer: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        self._urgent_left = self.URGENT_MESSAGES_PER_INTERVAL
        self._flusher = threading.Thread(target=self._flush_periodically, daemon=True,
                                         name="rafiki-channel-flusher")
        self._flusher.start()

    def emit(self, event: dict[str, Any]) -> None:
        """Queue one event (a sink for the model logger and the lifecycle)."""
        kind = event.get("kind")
        with self._lock:
            self._buffer.append(event)
            urgent = kind == "stage" or kind == "result"
            if kind == "message" and self._urgent_left > 0:
                self._urgent_left -= 1
                urgent = True
            full = urgent or len(self._buffer) >= self._max_batch
        if full:
            self.flush()

    def flush(self) -> None:
        """Write the buffered events now, as one line.

        The batch is taken while holding the write lock: taken outside it, the model's thread
        and the flusher could each take a batch and write the later one first (seen under
        load: epoch 72768 arrived before 70983)."""
        with self._write_lock:
            with self._lock:
                batch, self._buffer = self._buffer, []
            if not batch:
                return
            data = encode_batch(batch)
            view = memoryview(data)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]

    def close(self) -> None:
        """Flush what is left and stop the flusher; the fd stays open for the caller."""
        self._closed = True
        self._wake.set()
        self._flusher.join(timeout=1.0)
        self.flush()

    def _flush_periodically(self) -> None:
        while not self._closed:
            self._wake.wait(self._interval)
            self._urgent_left = self.URGENT_MESSAGES_PER_INTERVAL
            try:
                self.flush()
            except OSError:
                return  # the parent is gone; the parent-death watch ends the process
