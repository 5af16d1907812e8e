"""Names Rafiki's model files and scripts import, with the behaviour Rafiki v0.0.9 documented:
``rafiki.constants``' enums, ``parse_model_install_command``, ``ModelLogger.parse_logs``."""

from __future__ import annotations

import json
import logging
from datetime import datetime

import pytest

from rafiki import constants
from rafiki.model import ModelLogger, parse_model_install_command
from rafiki.model.log import MODEL_LOG_DATETIME_FORMAT, LogType

# Rafiki v0.0.9's rafiki/constants.py, value for value
RAFIKI_ENUMS = {
    "BudgetType": {"MODEL_TRIAL_COUNT": "MODEL_TRIAL_COUNT", "GPU_COUNT": "GPU_COUNT"},
    "ModelAccessRight": {"PUBLIC": "PUBLIC", "PRIVATE": "PRIVATE"},
    "InferenceJobStatus": {"STARTED": "STARTED", "RUNNING": "RUNNING", "ERRORED": "ERRORED",
                           "STOPPED": "STOPPED"},
    "TrainJobStatus": {"STARTED": "STARTED", "RUNNING": "RUNNING", "STOPPED": "STOPPED",
                       "ERRORED": "ERRORED"},
    "TrialStatus": {"STARTED": "STARTED", "RUNNING": "RUNNING", "ERRORED": "ERRORED",
                    "TERMINATED": "TERMINATED", "COMPLETED": "COMPLETED"},
    "ServiceStatus": {"STARTED": "STARTED", "DEPLOYING": "DEPLOYING", "RUNNING": "RUNNING",
                      "ERRORED": "ERRORED", "STOPPED": "STOPPED"},
    "ServiceType": {"TRAIN": "TRAIN", "PREDICT": "PREDICT", "INFERENCE": "INFERENCE"},
    "UserType": {"SUPERADMIN": "SUPERADMIN", "ADMIN": "ADMIN",
                 "MODEL_DEVELOPER": "MODEL_DEVELOPER", "APP_DEVELOPER": "APP_DEVELOPER"},
    "AdvisorType": {"BTB_GP": "BTB_GP"},
    "DatasetType": {"IMAGE_FILES": "IMAGE_FILES", "CORPUS": "CORPUS"},
    "TaskType": {"IMAGE_CLASSIFICATION": "IMAGE_CLASSIFICATION", "POS_TAGGING": "POS_TAGGING",
                 "TABULAR_REGRESSION": "TABULAR_REGRESSION",
                 "TABULAR_CLASSIFICATION": "TABULAR_CLASSIFICATION"},
}


def _members(enum_class: type) -> dict[str, str]:
    return {name: value for name, value in vars(enum_class).items() if not name.startswith("_")}


@pytest.mark.parametrize("name", sorted(RAFIKI_ENUMS))
def test_constants_have_rafikis_names_and_values(name):
    assert _members(getattr(constants, name)) == RAFIKI_ENUMS[name]


def test_model_dependency_names_cover_rafikis():
    dependency = constants.ModelDependency
    assert (dependency.TENSORFLOW, dependency.KERAS, dependency.SCIKIT_LEARN, dependency.PYTORCH,
            dependency.SINGA, dependency.XGBOOST) == (
        "tensorflow", "Keras", "scikit-learn", "torch", "singa", "xgboost")


# -- parse_model_install_command ---------------------------------------------------------------

def test_install_command_is_one_pip_install_per_dependency(monkeypatch):
    monkeypatch.delenv("CONDA_ENVIORNMENT", raising=False)
    command = parse_model_install_command(
        {"Keras": "2.2.4", "tensorflow": "1.12.0", "scikit-learn": "0.20.0", "torch": "1.0.1",
         "xgboost": "0.90", "gensim": "3.6.0"})
    assert command == ("pip install Keras==2.2.4; pip install tensorflow==1.12.0; "
                       "pip install scikit-learn==0.20.0; pip install torch==1.0.1; "
                       "pip install xgboost==0.90; pip install gensim==3.6.0")


def test_install_command_with_gpu_takes_tensorflow_gpu_and_singa_from_conda(monkeypatch):
    monkeypatch.delenv("CONDA_ENVIORNMENT", raising=False)
    assert parse_model_install_command({"tensorflow": "1.12.0"}, enable_gpu=True) == \
        "pip install tensorflow-gpu==1.12.0"
    assert parse_model_install_command({"singa": "2.0.0"}) == \
        "conda install -y -c nusdbsystem singa-cpu=2.0.0"
    monkeypatch.setenv("CONDA_ENVIORNMENT", "rafiki")  # Rafiki's spelling
    assert parse_model_install_command({"singa": "2.0.0"}, enable_gpu=True) == \
        "conda install -y -c nusdbsystem -n rafiki singa-gpu=2.0.0"


def test_install_command_of_no_dependencies_is_empty():
    assert parse_model_install_command({}) == ""


# -- ModelLogger.parse_log_line / parse_logs ---------------------------------------------------

# lines as Rafiki's ModelLogger wrote them through its injected Python logger
RAFIKI_LINES = [
    '{"title": "Loss Over Epochs", "metrics": ["loss"], "x_axis": "epoch", "type": "PLOT", '
    '"time": "2019-02-01T10:00:00"}',
    '{"message": "Starting model training...", "type": "MESSAGE", "time": "2019-02-01T10:00:01"}',
    '{"loss": 0.5, "epoch": 1, "type": "METRICS", "time": "2019-02-01T10:00:02"}',
    "not a json line",
]


def test_parse_log_line_reads_json_and_takes_other_lines_as_messages():
    assert ModelLogger.parse_log_line(RAFIKI_LINES[2]) == {
        "loss": 0.5, "epoch": 1, "type": "METRICS", "time": "2019-02-01T10:00:02"}
    assert ModelLogger.parse_log_line("not a json line") == {
        "type": "MESSAGE", "message": "not a json line"}
    assert ModelLogger.parse_log_line("[1, 2]\n") == {"type": "MESSAGE", "message": "[1, 2]"}


def test_parse_logs_splits_messages_metrics_and_plots_as_rafiki_did():
    messages, metrics, plots = ModelLogger.parse_logs(RAFIKI_LINES)
    assert messages == [
        {"time": "2019-02-01T10:00:01", "message": "Starting model training..."},
        {"time": None, "message": "not a json line"},
    ]
    assert metrics == [{"time": "2019-02-01T10:00:02", "loss": 0.5, "epoch": 1}]
    assert plots == [{"title": "Loss Over Epochs", "metrics": ["loss"], "x_axis": "epoch",
                      "time": "2019-02-01T10:00:00"}]


def test_parse_logs_skips_json_lines_without_a_type():
    assert ModelLogger.parse_logs(['{"kind": "stage", "stage": "train"}', '{"a": 1}']) == \
        ([], [], [])


def _logged_lines(calls) -> tuple[list[str], list[dict]]:
    """The lines our logger writes through Rafiki's ``set_logger`` hook, and its records."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    py_logger = logging.getLogger("rafiki-test-parse-logs")
    py_logger.propagate = False
    py_logger.setLevel(logging.INFO)
    handler = Collect()
    py_logger.addHandler(handler)
    try:
        writer = ModelLogger()
        writer.set_logger(py_logger)
        calls(writer)
        records: list[dict] = []
        calls(ModelLogger(sinks=[records.append]))
    finally:
        py_logger.removeHandler(handler)
    return lines, records


def _rafiki_time(seconds: float) -> str:
    return datetime.fromtimestamp(seconds).strftime(MODEL_LOG_DATETIME_FORMAT)


def _calls(model_logger: ModelLogger) -> None:
    model_logger.define_plot("Precision & Recall", ["precision", "recall"], x_axis="epoch")
    model_logger.define_plot("Accuracy", ["acc"])
    model_logger.log("Starting model training...")
    model_logger.log(precision=0.1, recall=0.6, epoch=1)
    model_logger.log("epoch done", acc=0.75)


def test_our_loggers_lines_round_trip_through_parse_logs():
    lines, records = _logged_lines(_calls)
    assert len(lines) == len(records) == 6
    assert all(json.loads(line)["type"] in (LogType.PLOT, LogType.METRICS, LogType.MESSAGE)
               for line in lines)
    messages, metrics, plots = ModelLogger.parse_logs(lines)
    assert [(p["title"], p["metrics"], p["x_axis"]) for p in plots] == [
        ("Precision & Recall", ["precision", "recall"], "epoch"), ("Accuracy", ["acc"], None)]
    assert [m["message"] for m in messages] == ["Starting model training...", "epoch done"]
    assert [{k: v for k, v in m.items() if k != "time"} for m in metrics] == [
        {"precision": 0.1, "recall": 0.6, "epoch": 1}, {"acc": 0.75}]
    for parsed in (*messages, *metrics, *plots):  # Rafiki's stamp, parseable with its format
        datetime.strptime(parsed["time"], MODEL_LOG_DATETIME_FORMAT)


def test_our_records_as_json_lines_parse_like_rafikis_lines():
    """``rafiki run --json`` prints records; parse_logs reads them as it reads Rafiki's."""
    lines, records = _logged_lines(_calls)
    from_records = ModelLogger.parse_logs(json.dumps(record) for record in records)
    messages, metrics, plots = from_records
    assert [m["message"] for m in messages] == ["Starting model training...", "epoch done"]
    assert metrics[0] == {"time": _rafiki_time(records[3]["time"]), "precision": 0.1,
                          "recall": 0.6, "epoch": 1}
    assert plots[1] == {"title": "Accuracy", "metrics": ["acc"], "x_axis": None,
                        "time": _rafiki_time(records[1]["time"])}
    strip = [[{k: v for k, v in d.items() if k != "time"} for d in part]
             for part in from_records]
    assert strip == [[{k: v for k, v in d.items() if k != "time"} for d in part]
                     for part in ModelLogger.parse_logs(lines)]
