"""Per-call cost of ModelLogger.log against Rafiki's JSON-through-logging path, same process.

Both sides deliver each record somewhere cheap (a list), so the figure is the logger's own
overhead: Rafiki formatted a JSON string and passed it through :mod:`logging` on every call.
"""

from __future__ import annotations

import datetime
import json
import logging
import time

from rafiki.model import ModelLogger

CALLS = 200_000


class _RafikiStyleLogger:
    """Rafiki 0.x's ModelLogger._log, reproduced as the baseline."""

    def __init__(self, handler: logging.Handler):
        self._logger = logging.getLogger("bench-rafiki-original")
        self._logger.setLevel(logging.INFO)
        self._logger.handlers[:] = [handler]
        self._logger.propagate = False

    def log(self, msg="", **metrics):
        if msg:
            self._log("MESSAGE", {"message": msg})
        if metrics:
            self._log("METRICS", metrics)

    def _log(self, log_type, log_dict):
        log_dict["type"] = log_type
        log_dict["time"] = datetime.datetime.now().strftime("%Y-%m-%dT%H:%M:%S")
        self._logger.info(json.dumps(log_dict))


class _ListHandler(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(record.msg)


def _time_per_call(log) -> float:
    start = time.perf_counter()
    for i in range(CALLS):
        log(loss=0.5, accuracy=0.9, epoch=i)
    return (time.perf_counter() - start) / CALLS


def main() -> None:
    baseline = _RafikiStyleLogger(_ListHandler())
    records: list = []
    ours = ModelLogger(sinks=[records.append])
    # Interleave repeats so machine noise hits both sides alike; keep the best of each.
    base_times, our_times = [], []
    for _ in range(3):
        base_times.append(_time_per_call(baseline.log))
        our_times.append(_time_per_call(ours.log))
        records.clear()
    base, mine = min(base_times), min(our_times)
    print(f"Rafiki-style JSON through logging: {base * 1e6:6.2f} µs/call")
    print(f"ModelLogger with a list sink:       {mine * 1e6:6.2f} µs/call")
    print(f"ratio ours/baseline: {mine / base:.3f} (lower is better)")


if __name__ == "__main__":
    main()
