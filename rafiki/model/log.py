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
MODEL_LOG_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S"  # Rafiki's time stamp in its log lines


class LogType:
    """The ``type`` of a Rafiki log line."""

    PLOT = "PLOT"
    METRICS = "METRICS"
    MESSAGE = "MESSAGE"


_TYPE_OF_KIND = {"plot": LogType.PLOT, "metrics": LogType.METRICS, "message": LogType.MESSAGE}

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


def _rafiki_time(seconds: float) -> str:
    return datetime.fromtimestamp(seconds).strftime(MODEL_LOG_DATETIME_FORMAT)


def as_log_dict(record: Record) -> dict[str, Any] | None:
    """A record as Rafiki's log dict (``type``, ``time`` as text, the fields flat), or None
    for an event that is not a log record (a stage, the model's output)."""
    log_type = _TYPE_OF_KIND.get(record.get("kind"))
    if log_type is None:
        return None
    when = record.get("time")
    log_dict: dict[str, Any] = {}
    if log_type == LogType.PLOT:
        log_dict.update(title=record.get("title"), metrics=record.get("metrics"),
                        x_axis=record.get("x_axis"))
    elif log_type == LogType.METRICS:
        log_dict.update(record.get("values") or {})
    else:
        log_dict["message"] = record.get("msg")
    log_dict["type"] = log_type
    log_dict["time"] = _rafiki_time(when) if isinstance(when, (int, float)) else when
    return log_dict


class PythonLoggingSink:
    """Rafiki's injected-logger behaviour: each record as one of Rafiki's JSON log lines on a
    :mod:`logging` logger, which :meth:`ModelLogger.parse_logs` reads back."""

    def __init__(self, py_logger: logging.Logger):
        self._logger = py_logger

    def __call__(self, record: Record) -> None:
        self._logger.info(json.dumps(as_log_dict(record)))


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
        """Rafiki's hook: send records as Rafiki's JSON log lines to a :mod:`logging` logger."""
        self._sinks = [PythonLoggingSink(logger)]

    # -- Rafiki's log lines ----------------------------------------------------------------

    @staticmethod
    def parse_log_line(log_line: str) -> dict[str, Any]:
        """One log line as a dict with Rafiki's ``type``; a line that is not JSON is a message.

        Reads Rafiki's lines (what :meth:`set_logger` writes) and this workbench's records
        (``rafiki run --json`` prints them), whose times become Rafiki's text stamps.
        """
        try:
            parsed = json.loads(log_line)
        except (TypeError, ValueError):
            parsed = None
        if not isinstance(parsed, dict):
            text = log_line.rstrip("\r\n") if isinstance(log_line, str) else str(log_line)
            return {"type": LogType.MESSAGE, "message": text}
        if "type" not in parsed and "kind" in parsed:
            return as_log_dict(parsed) or parsed
        return parsed

    @staticmethod
    def parse_logs(log_lines: Iterable[str]) -> tuple[list[dict], list[dict], list[dict]]:
        """Log lines as ``(messages, metrics, plots)``, as Rafiki's admin read a trial's logs:
        messages ``{time, message}``, metrics ``{time, <metric>: value, ...}``, plots
        ``{title, metrics, x_axis, time}``. Lines of no known type are skipped."""
        messages: list[dict] = []
        metrics: list[dict] = []
        plots: list[dict] = []
        for log_line in log_lines:
            log_dict = dict(ModelLogger.parse_log_line(log_line))
            log_type = log_dict.pop("type", None)
            if log_type == LogType.MESSAGE:
                messages.append({"time": log_dict.get("time"), "message": log_dict.get("message")})
            elif log_type == LogType.METRICS:
                metrics.append({"time": log_dict.get("time"), **log_dict})
            elif log_type == LogType.PLOT:
                plots.append(log_dict)
        return messages, metrics, plots

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
