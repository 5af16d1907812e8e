"""ModelLogger: a model's plots, metrics and messages, delivered to pluggable sinks.

Rafiki's logger formatted every call as JSON and passed it through :mod:`logging`, which cost
about 15 µs a call and mutated nothing only by luck. Here a call builds one small dict (a
record), checks the metrics are numbers, and hands the record to each sink: the console by
default, the runner's batching channel inside a run. Records are the run's event vocabulary
(see :mod:`rafiki.events`), so sinks forward them without reshaping.
"""

from __future__ import annotations

import json
import logging
import numbers
import sys
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TextIO

Record = dict[str, Any]
Sink = Callable[[Record], None]

LOSS_PLOT_TITLE = "Loss Over Epochs"

_PLAIN_NUMBERS = (int, float)


def _as_number(name: str, value: Any) -> int | float:
    """``value`` as a plain int or float, or a ValueError that names the metric."""
    value_type = type(value)
    if value_type is float or value_type is int:
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return int(value) if isinstance(value, numbers.Integral) else float(value)
    raise ValueError(
        f"Metric '{name}' should be a number, got {value!r} ({value_type.__name__})"
    )


class ConsoleSink:
    """Prints each record as one readable line: the default when no runner is listening."""

    def __init__(self, stream: TextIO | None = None):
        self._stream = stream

    def __call__(self, record: Record) -> None:
        stream = self._stream or sys.stdout
        stamp = datetime.fromtimestamp(record["time"]).strftime("%H:%M:%S")
        kind = record["kind"]
        if kind == "plot":
            against = record["x_axis"] or "time"
            line = f"plot '{record['title']}': {', '.join(record['metrics'])} against {against}"
        elif kind == "metrics":
            line = ", ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}"
                             for k, v in record["values"].items())
        else:
            line = record["msg"]
        print(f"[{stamp}] {line}", file=stream, flush=False)


class PythonLoggingSink:
    """Rafiki's injected-logger behaviour: one JSON line per record on a :mod:`logging` logger."""

    def __init__(self, py_logger: logging.Logger):
        self._logger = py_logger

    def __call__(self, record: Record) -> None:
        self._logger.info(json.dumps(record))


class ModelLogger:
    """Lets a model log messages and metrics and define plots of its metrics.

    Import the global ``logger`` from :mod:`rafiki.model`::

        logger.define_plot('Precision & Recall', ['precision', 'recall'], x_axis='epoch')
        logger.log(precision=0.1, recall=0.6, epoch=1)
        logger.log('Ending model training...')
    """

    def __init__(self, sinks: Iterable[Sink] | None = None):
        self._sinks: list[Sink] = list(sinks) if sinks is not None else [ConsoleSink()]

    # -- the documented API -------------------------------------------------------------

    def define_loss_plot(self) -> None:
        """Define the plot of ``loss`` against ``epoch``, for :meth:`log_loss`."""
        self.define_plot(LOSS_PLOT_TITLE, ["loss"], x_axis="epoch")

    def log_loss(self, loss: float, epoch: int) -> None:
        """Log ``loss`` at ``epoch``, for :meth:`define_loss_plot`."""
        self.log(loss=loss, epoch=epoch)

    def define_plot(self, title: str, metrics: list[str], x_axis: str | None = None) -> None:
        """Define a plot of ``metrics`` against ``x_axis`` (a metric name; time when None)."""
        if not isinstance(title, str) or not title:
            raise ValueError(f"Plot title should be a non-empty str, got {title!r}")
        if isinstance(metrics, str) or not all(isinstance(m, str) for m in metrics):
            raise ValueError(f"Plot metrics should be a list of metric names, got {metrics!r}")
        if x_axis is not None and not isinstance(x_axis, str):
            raise ValueError(f"Plot x_axis should be a metric name or None, got {x_axis!r}")
        self._emit({"kind": "plot", "time": time.time(), "title": title,
                    "metrics": list(metrics), "x_axis": x_axis})

    def log(self, msg: str = "", **metrics: Any) -> None:
        """Log a message and/or metrics (numbers) at one point in time."""
        now = time.time()
        if metrics:
            values = {}
            for name, value in metrics.items():
                values[name] = value if type(value) in _PLAIN_NUMBERS else _as_number(name, value)
        if msg:
            self._emit({"kind": "message", "time": now, "msg": str(msg)})
        if metrics:
            self._emit({"kind": "metrics", "time": now, "values": values})

    def set_logger(self, logger: logging.Logger) -> None:
        """Rafiki's hook: send records as JSON lines to a :mod:`logging` logger instead."""
        self._sinks = [PythonLoggingSink(logger)]

    # -- sinks ----------------------------------------------------------------------------

    @property
    def sinks(self) -> tuple[Sink, ...]:
        return tuple(self._sinks)

    def set_sinks(self, sinks: Iterable[Sink]) -> None:
        self._sinks = list(sinks)

    def add_sink(self, sink: Sink) -> None:
        self._sinks.append(sink)

    def remove_sink(self, sink: Sink) -> None:
        self._sinks.remove(sink)

    @contextmanager
    def sinks_replaced(self, sinks: Iterable[Sink]):
        """Send records to ``sinks`` only, within the block (a run plugs in its channel)."""
        saved = self._sinks
        self._sinks = list(sinks)
        try:
            yield self
        finally:
            self._sinks = saved

    def _emit(self, record: Record) -> None:
        for sink in self._sinks:
            sink(record)


logger = ModelLogger()
