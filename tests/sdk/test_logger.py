"""ModelLogger: Rafiki's documented calls, timed records, number checks, pluggable sinks."""

from __future__ import annotations

import io
import json
import logging

import numpy as np
import pytest

from rafiki.model import ModelLogger, logger
from rafiki.model.log import ConsoleSink


def _collecting_logger():
    records: list[dict] = []
    return ModelLogger(sinks=[records.append]), records


def test_define_plot_and_log_produce_records_with_time():
    model_logger, records = _collecting_logger()
    model_logger.define_plot("Precision & Recall", ["precision", "recall"], x_axis="epoch")
    model_logger.log(precision=0.1, recall=0.6, epoch=1)
    model_logger.log("Ending model training...")
    assert [r["kind"] for r in records] == ["plot", "metrics", "message"]
    assert records[0]["title"] == "Precision & Recall"
    assert records[0]["metrics"] == ["precision", "recall"] and records[0]["x_axis"] == "epoch"
    assert records[1]["values"] == {"precision": 0.1, "recall": 0.6, "epoch": 1}
    assert records[2]["msg"] == "Ending model training..."
    assert all(isinstance(r["time"], float) for r in records)


def test_loss_plot_helpers():
    model_logger, records = _collecting_logger()
    model_logger.define_loss_plot()
    model_logger.log_loss(0.5, 3)
    assert records[0]["title"] == "Loss Over Epochs"
    assert records[0]["metrics"] == ["loss"] and records[0]["x_axis"] == "epoch"
    assert records[1]["values"] == {"loss": 0.5, "epoch": 3}


def test_plot_against_time_by_default():
    model_logger, records = _collecting_logger()
    model_logger.define_plot("Accuracy", ["acc"])
    assert records[0]["x_axis"] is None


def test_message_and_metrics_in_one_call_share_the_time():
    model_logger, records = _collecting_logger()
    model_logger.log("epoch done", loss=1.0)
    assert [r["kind"] for r in records] == ["message", "metrics"]
    assert records[0]["time"] == records[1]["time"]


def test_numpy_numbers_become_plain_python():
    model_logger, records = _collecting_logger()
    model_logger.log(loss=np.float32(0.25), step=np.int64(4))
    values = records[0]["values"]
    assert values == {"loss": 0.25, "step": 4}
    assert type(values["loss"]) is float and type(values["step"]) is int
    json.dumps(records[0])


@pytest.mark.parametrize("bad", ["0.1", None, [1.0], True, {"a": 1}])
def test_non_numbers_are_refused_naming_the_metric(bad):
    model_logger, records = _collecting_logger()
    with pytest.raises(ValueError, match="Metric 'loss' should be a number"):
        model_logger.log(loss=bad)
    assert records == []


def test_callers_metrics_are_never_mutated():
    model_logger, records = _collecting_logger()
    metrics = {"loss": np.float64(1.5), "epoch": 2}
    model_logger.log(**metrics)
    assert metrics == {"loss": np.float64(1.5), "epoch": 2}
    assert set(metrics) == {"loss", "epoch"}
    records[0]["values"]["loss"] = 99
    assert metrics["loss"] == 1.5


def test_bad_plot_definitions_are_refused():
    model_logger, _ = _collecting_logger()
    with pytest.raises(ValueError, match="metric names"):
        model_logger.define_plot("t", "loss")
    with pytest.raises(ValueError, match="title"):
        model_logger.define_plot("", ["loss"])


def test_console_sink_prints_readable_lines():
    out = io.StringIO()
    model_logger = ModelLogger(sinks=[ConsoleSink(out)])
    model_logger.define_loss_plot()
    model_logger.log("hello", loss=0.123456789, epoch=2)
    lines = out.getvalue().splitlines()
    assert lines[0].endswith("plot 'Loss Over Epochs': loss against epoch")
    assert lines[1].endswith("hello")
    assert lines[2].endswith("loss=0.123457, epoch=2")


def test_sinks_replaced_restores_the_previous_sinks():
    records: list[dict] = []
    before = logger.sinks
    with logger.sinks_replaced([records.append]):
        logger.log(x=1)
    assert logger.sinks == before
    assert records[0]["values"] == {"x": 1}


def test_set_logger_sends_json_lines_like_rafiki(caplog):
    py_logger = logging.getLogger("rafiki-test-model-logger")
    model_logger = ModelLogger()
    model_logger.set_logger(py_logger)
    with caplog.at_level(logging.INFO, logger="rafiki-test-model-logger"):
        model_logger.log(acc=0.9)
    line = json.loads(caplog.records[0].getMessage())
    assert line["type"] == "METRICS" and line["acc"] == 0.9
