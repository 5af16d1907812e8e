"""The experiment store: records, metrics, parameters' digests, migrations, and surviving a kill."""

from __future__ import annotations

import enum
import hashlib
import pickle
import signal
import sqlite3
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from rafiki import store as store_module
from rafiki.store import ParametersNotVerifiedError, Store, TrialStatus, load_parameters_file
from rafiki.store_schema import SCHEMA_VERSION, migrate

from ..conftest import PROJECT_ROOT


class _State(enum.Enum):
    COMPLETED = "completed"
    ERRORED = "errored"
    STOPPED = "stopped"
    CRASHED = "crashed"
    TIMED_OUT = "timed_out"


@dataclass
class _Outcome:
    """The fields of a runner outcome that the store reads (``finish_trial`` duck-types)."""

    state: _State
    result: dict | None = None
    error: dict | None = None
    exit_code: int | None = 0
    signal: str | None = None
    crash_report: str | None = None
    last_output: list = field(default_factory=list)
    duration: float = 0.0


@pytest.fixture
def model_file(tmp_path) -> Path:
    path = tmp_path / "my_model.py"
    path.write_text("class MyModel: pass\n")
    return path


@pytest.fixture
def datasets(tmp_path) -> tuple[Path, Path]:
    train, test = tmp_path / "train.zip", tmp_path / "test.zip"
    train.write_bytes(b"train bytes")
    test.write_bytes(b"test bytes")
    return train, test


@pytest.fixture
def store(rafiki_home) -> Store:
    with Store() as opened:
        yield opened


def _experiment(store: Store, model_file: Path, datasets) -> int:
    train, test = datasets
    return store.create_experiment(
        model_file_path=str(model_file), model_class="MyModel", task="IMAGE_CLASSIFICATION",
        train_dataset_uri=str(train), test_dataset_uri=f"file://{test}",
        python=sys.executable, dependencies={"numpy": "1.26"},
    ).id


def _stage(stage: str, state: str, **extra) -> dict:
    return {"kind": "stage", "time": 1.0, "stage": stage, "state": state, **extra}


def test_experiment_records_files_digests_and_source(store, model_file, datasets, rafiki_home):
    experiment = store.get_experiment(_experiment(store, model_file, datasets))
    assert store.path == rafiki_home / "store.sqlite3"
    assert experiment.name == "my_model"
    assert experiment.model_sha256 == hashlib.sha256(model_file.read_bytes()).hexdigest()
    assert experiment.train_sha256 == hashlib.sha256(b"train bytes").hexdigest()
    assert experiment.test_sha256 == hashlib.sha256(b"test bytes").hexdigest()
    assert experiment.dependencies == {"numpy": "1.26"}
    assert experiment.python == sys.executable
    assert store.experiment_source(experiment.id) == "class MyModel: pass\n"
    journal = store._query("PRAGMA journal_mode")[0][0]
    assert journal == "wal"


def test_remote_dataset_has_no_digest(store, model_file):
    experiment = store.create_experiment(
        model_file_path=str(model_file), model_class="MyModel", task="POS_TAGGING",
        train_dataset_uri="https://example.org/train.zip",
        test_dataset_uri="https://example.org/test.zip",
    )
    assert experiment.train_sha256 is None and experiment.test_sha256 is None


def test_trial_lifecycle_events_and_outcome(store, model_file, datasets):
    experiment_id = _experiment(store, model_file, datasets)
    trial = store.start_trial(experiment_id, None)
    assert (trial.number, trial.status, trial.knobs) == (1, "running", None)
    store.record_events(trial.id, [
        _stage("choose_knobs", "started"),
        _stage("choose_knobs", "finished", duration=0.01, info={"knobs": {"lr": 0.1}}),
        {"kind": "plot", "time": 1.1, "title": "Loss", "metrics": ["loss"], "x_axis": "epoch"},
        {"kind": "message", "time": 1.2, "msg": "hello"},
        {"kind": "output", "time": 1.3, "stream": "stdout", "text": "printed\n"},
        _stage("train", "started"),
    ])
    running = store.trial(trial.id)
    assert running.knobs == {"lr": 0.1}
    assert running.current_stage == "train"
    assert running.timings == {"choose_knobs": 0.01}
    store.record_events(trial.id, [
        _stage("train", "finished", duration=2.5),
        {"kind": "result", "time": 3.0, "status": "completed", "score": 0.75,
         "knobs": {"lr": 0.1}, "params_path": "/x.pkl", "params_sha256": "ab"},
    ])
    finished = store.finish_trial(trial.id, _Outcome(
        _State.COMPLETED, result={"score": 0.75, "knobs": {"lr": 0.1},
                                  "timings": {"evaluate": 0.2}}))
    assert finished.status == TrialStatus.COMPLETED
    assert finished.score == 0.75
    assert finished.timings == {"choose_knobs": 0.01, "train": 2.5, "evaluate": 0.2}
    assert finished.finished is not None and finished.duration >= 0
    assert [e["msg"] for e in store.trial_events(trial.id, ["message"])] == ["hello"]
    assert store.trial_events(trial.id, ["plot"])[0]["title"] == "Loss"
    assert store.trial_events(trial.id, ["output"])[0]["text"] == "printed\n"
    assert len(store.trial_events(trial.id)) == 8
    assert store.start_trial(experiment_id, {"lr": 0.2}).number == 2


def test_errors_crashes_and_timeouts_are_recorded(store, model_file, datasets):
    experiment_id = _experiment(store, model_file, datasets)
    error = {"stage": "train", "type": "ValueError", "message": "bad", "traceback": "Tb"}
    errored = store.finish_trial(store.start_trial(experiment_id, {}).id,
                                 _Outcome(_State.ERRORED, error=error, exit_code=1))
    assert (errored.status, errored.error, errored.exit_code) == ("errored", error, 1)

    crashed_trial = store.start_trial(experiment_id, {})
    store.record_events(crashed_trial.id, [_stage("predict", "started")])
    crashed = store.finish_trial(crashed_trial.id, _Outcome(
        _State.CRASHED, exit_code=None, signal="SIGSEGV", crash_report="Fatal Python error"))
    assert crashed.status == "errored" and crashed.runner_state == "crashed"
    assert crashed.error["stage"] == "predict" and "SIGSEGV" in crashed.error["message"]
    assert crashed.error["traceback"] == "Fatal Python error"

    timed_out = store.finish_trial(store.start_trial(experiment_id, {}).id,
                                   _Outcome(_State.TIMED_OUT))
    assert timed_out.error["type"] == "TimedOut" and timed_out.runner_state == "timed_out"
    stopped = store.finish_trial(store.start_trial(experiment_id, {}).id,
                                 _Outcome(_State.STOPPED))
    assert stopped.status == "stopped" and stopped.error is None


def test_list_counts_trials_and_best_score_and_orders_best_first(store, model_file, datasets):
    first = _experiment(store, model_file, datasets)
    second = _experiment(store, model_file, datasets)
    for score in (0.5, None, 0.9, 0.7):
        trial = store.start_trial(first, {"score": score})
        state = _State.COMPLETED if score is not None else _State.ERRORED
        store.finish_trial(trial.id, _Outcome(state, result={"score": score}))
    listed = {e.id: e for e in store.list_experiments()}
    assert [e.id for e in store.list_experiments()] == [second, first]
    assert (listed[first].trial_count, listed[first].best_score) == (4, 0.9)
    assert (listed[second].trial_count, listed[second].best_score) == (0, None)
    assert [t.score for t in store.trials(first, best_first=True)] == [0.9, 0.7, 0.5, None]
    assert store.best_trial(first).score == 0.9
    assert store.best_trial(second) is None


def test_rename_annotate_settings_and_delete(store, model_file, datasets):
    experiment_id = _experiment(store, model_file, datasets)
    store.rename_experiment(experiment_id, "Baseline")
    store.annotate_experiment(experiment_id, "first try")
    store.update_experiment_settings(experiment_id, pinned={"epochs": 1})
    store.update_experiment_settings(experiment_id, seed=3)
    experiment = store.get_experiment(experiment_id)
    assert (experiment.name, experiment.note) == ("Baseline", "first try")
    assert experiment.settings == {"pinned": {"epochs": 1}, "seed": 3}

    trial = store.start_trial(experiment_id, {})
    store.record_events(trial.id, [{"kind": "metrics", "time": 1.0, "values": {"a": 1}},
                                   {"kind": "message", "time": 1.0, "msg": "m"}])
    params = Path(store.params_path_for(trial.id))
    params.write_bytes(b"x")
    store.delete_experiment(experiment_id)
    with pytest.raises(KeyError):
        store.get_experiment(experiment_id)
    with pytest.raises(KeyError):
        store.trial(trial.id)
    assert not params.parent.exists()
    assert store._query("SELECT COUNT(*) FROM trial_events")[0][0] == 0
    assert store._query("SELECT COUNT(*) FROM trial_metrics")[0][0] == 0
    with pytest.raises(KeyError):
        store.rename_experiment(experiment_id, "gone")


def test_metrics_are_stored_as_columns_per_batch(store, model_file, datasets):
    trial = store.start_trial(_experiment(store, model_file, datasets), {})
    store.record_events(trial.id, [
        {"kind": "metrics", "time": 1.0, "values": {"loss": 2.0, "epoch": 0}},
        {"kind": "message", "time": 1.5, "msg": "between"},
        {"kind": "metrics", "time": 2.0, "values": {"accuracy": 0.5}},
    ])
    store.record_events(trial.id, [
        {"kind": "metrics", "time": 3.0, "values": {"loss": 1.0, "epoch": 1}},
    ])
    assert store._query("SELECT COUNT(*) FROM trial_metrics")[0][0] == 2
    assert store.trial_metrics(trial.id) == {
        "time": [1.0, 2.0, 3.0], "loss": [2.0, None, 1.0], "epoch": [0, None, 1],
        "accuracy": [None, 0.5, None],
    }
    replayed = store.trial_events(trial.id)
    assert [e["kind"] for e in replayed] == ["metrics", "message", "metrics", "metrics"]
    assert replayed[2]["values"] == {"accuracy": 0.5}
    assert store.experiment_metrics(trial.experiment_id) == {
        trial.id: store.trial_metrics(trial.id)}
    assert store.trial_metrics(store.start_trial(trial.experiment_id, {}).id) == {}


def test_experiment_metrics_read_in_slices_are_every_trials_columns(store, model_file,
                                                                   datasets, monkeypatch):
    """The GUI's whole-experiment read goes a few trials per query (the lock is released
    between slices); slices change nothing in what is read."""
    monkeypatch.setattr(store_module, "_METRICS_TRIALS_PER_QUERY", 3)
    experiment_id = _experiment(store, model_file, datasets)
    ids = []
    for number in range(8):
        trial = store.start_trial(experiment_id, {})
        ids.append(trial.id)
        if number != 4:  # one trial logged nothing
            for batch in range(2):
                store.record_events(trial.id, [{"kind": "metrics", "time": float(batch),
                                                "values": {"loss": number + batch / 10}}])
    read = store.experiment_metrics(experiment_id)
    assert list(read) == [i for n, i in enumerate(ids) if n != 4]
    assert read == {i: store.trial_metrics(i) for i in read}
    assert read[ids[7]]["loss"] == [7.0, 7.1]


def test_output_beyond_the_limit_is_dropped_with_a_note(store, model_file, datasets,
                                                        monkeypatch):
    monkeypatch.setattr(store_module, "OUTPUT_LIMIT_BYTES", 100)
    trial = store.start_trial(_experiment(store, model_file, datasets), {})
    line = {"kind": "output", "time": 1.0, "stream": "stdout", "text": "x" * 60 + "\n"}
    store.record_events(trial.id, [line, line])
    store.record_events(trial.id, [line])
    texts = [e["text"] for e in store.trial_events(trial.id, ["output"])]
    assert len(texts) == 2 and "was not kept" in texts[1]


def test_parameters_load_only_when_their_digest_matches(store, model_file, datasets, tmp_path):
    trial = store.start_trial(_experiment(store, model_file, datasets), {})
    path = store.params_path_for(trial.id)
    assert Path(path).parent == store.path.parent / "params" / str(trial.experiment_id)
    blob = pickle.dumps({"w": [1, 2, 3]})
    Path(path).write_bytes(blob)
    store.finish_trial(trial.id, _Outcome(_State.COMPLETED, result={
        "score": 1.0, "params_path": path, "params_sha256": hashlib.sha256(blob).hexdigest()}))
    assert store.load_parameters(trial.id) == {"w": [1, 2, 3]}

    Path(path).write_bytes(pickle.dumps({"w": "tampered"}))
    with pytest.raises(ParametersNotVerifiedError, match="differs"):
        store.load_parameters(trial.id)
    with pytest.warns(UserWarning, match="unverified"):
        assert store.load_parameters(trial.id, trust_unverified=True) == {"w": "tampered"}

    foreign = tmp_path / "foreign.pkl"
    foreign.write_bytes(blob)
    with pytest.raises(ParametersNotVerifiedError, match="no sha256"):
        load_parameters_file(foreign, None)
    other = store.start_trial(trial.experiment_id, {})
    store.finish_trial(other.id, _Outcome(_State.COMPLETED, result={
        "score": 1.0, "params_path": str(foreign),
        "params_sha256": hashlib.sha256(blob).hexdigest()}))
    with pytest.raises(ParametersNotVerifiedError, match="outside|not in the store"):
        store.load_parameters(other.id)
    with pytest.warns(UserWarning, match="outside the store"):
        assert store.load_parameters(other.id, trust_unverified=True) == {"w": [1, 2, 3]}


def test_upgrade_from_schema_version_1_keeps_rows(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, up_to=1) == 1
    conn.execute(
        "INSERT INTO experiments (model_file_path, model_class, task, train_dataset_uri, "
        "test_dataset_uri, created) VALUES ('/models/cnn_v2.py', 'Cnn', 'IMAGE_CLASSIFICATION', "
        "'a.zip', 'b.zip', 1.0)"
    )
    conn.execute(
        "INSERT INTO experiments (model_file_path, model_class, task, train_dataset_uri, "
        "test_dataset_uri, created, settings) VALUES ('/models/cnn_v2.py', 'Cnn', "
        "'IMAGE_CLASSIFICATION', 'a.zip', 'b.zip', 2.0, '{\"pinned\":{},\"seed\":null}')"
    )
    conn.execute("INSERT INTO trials (experiment_id, number, knobs, status, score, started, "
                 "finished) VALUES (1, 1, '{\"lr\": 0.1}', 'completed', 0.8, 1.0, 2.0)")
    conn.close()
    with Store(path) as upgraded:
        assert upgraded.schema_version == SCHEMA_VERSION == 5
        experiment = upgraded.get_experiment(1)
        assert (experiment.name, experiment.note, experiment.best_score) == ("cnn_v2", "", 0.8)
        assert upgraded.trials(1)[0].knobs == {"lr": 0.1}
        assert upgraded.trials(1)[0].pruned is None  # v4: pruned trials keep where they stopped
        # an old experiment a tuning touched (it recorded pinned knobs) is a tuning
        assert (experiment.kind, upgraded.get_experiment(2).kind) == ("runs", "tuning")
        assert upgraded.trials(1)[0].node is None  # run on this machine, before nodes existed


def test_a_newer_store_is_refused(tmp_path):
    path = tmp_path / "future.sqlite3"
    Store(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("UPDATE schema_version SET version = 99")
    conn.close()
    with pytest.raises(RuntimeError, match="newer"):
        Store(path)


_HOLDER = textwrap.dedent(
    """
    import sys, time
    from rafiki.store import Store

    class Done:
        class state: name = "COMPLETED"
        result = {"score": 0.5}

    store = Store(sys.argv[1])
    experiment = store.create_experiment(
        model_file_path=sys.argv[2], model_class="M", task="IMAGE_CLASSIFICATION",
        train_dataset_uri="a.zip", test_dataset_uri="b.zip")
    for number in range(3):
        trial = store.start_trial(experiment.id, {"n": number})
        store.record_events(trial.id, [{"kind": "metrics", "time": 1.0, "values": {"x": 1}}])
        store.finish_trial(trial.id, Done)
    flight = store.start_trial(experiment.id, {"n": 3})
    store.record_events(flight.id, [
        {"kind": "stage", "time": 2.0, "stage": "train", "state": "started"},
        {"kind": "metrics", "time": 2.1, "values": {"loss": 0.3}},
        {"kind": "message", "time": 2.2, "msg": "epoch 1"},
    ])
    print("ready", flush=True)
    time.sleep(60)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_store_reopened_after_the_holder_is_killed_mid_trial(tmp_path, model_file):
    path = tmp_path / "store.sqlite3"
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(path), str(model_file)],
                              stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with Store(path) as while_alive:  # another process's running trial is left alone
            assert while_alive.interrupted_on_open == []
            assert [t.status for t in while_alive.trials(1)][-1] == "running"
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
    finally:
        holder.kill()
        holder.stdout.close()
    with Store(path) as reopened:
        trials = reopened.trials(1)
        assert [t.status for t in trials] == ["completed"] * 3 + ["interrupted"]
        assert reopened.interrupted_on_open == [trials[3].id]
        flight = trials[3]
        assert flight.error["stage"] == "train" and flight.error["type"] == "Interrupted"
        assert reopened.trial_metrics(flight.id) == {"time": [2.1], "loss": [0.3]}
        assert reopened.trial_events(flight.id, ["message"])[0]["msg"] == "epoch 1"
    with Store(path) as again:
        assert again.interrupted_on_open == []


def test_metric_columns_read_back_with_nan_and_infinity(tmp_path):
    """Batches json wrote with bare NaN/Infinity (which orjson refuses) still read back."""
    import math

    from rafiki.store import Store

    store = Store(tmp_path / "store.sqlite3")
    (tmp_path / "m.py").write_text("class M: pass\n")
    experiment = store.create_experiment(
        model_file_path=str(tmp_path / "m.py"), model_class="M", task="IMAGE_CLASSIFICATION",
        train_dataset_uri="a.zip", test_dataset_uri="b.zip")
    trial = store.start_trial(experiment.id, {})
    store.record_events(trial.id, [
        {"kind": "metrics", "time": 1.0, "values": {"loss": 0.5}},
        {"kind": "metrics", "time": 2.0, "values": {"loss": float("nan")}},
        {"kind": "metrics", "time": 3.0, "values": {"loss": float("inf"), "acc": 0.25}},
    ])
    columns = store.trial_metrics(trial.id)
    assert columns["time"] == [1.0, 2.0, 3.0]
    assert columns["loss"][0] == 0.5 and math.isnan(columns["loss"][1])
    assert columns["loss"][2] == math.inf and columns["acc"] == [None, None, 0.25]
    both = store.experiment_metrics(experiment.id)[trial.id]
    assert both["acc"] == columns["acc"] and math.isnan(both["loss"][1])
    store.close()


def test_a_node_event_records_the_trial_s_node(store, model_file, datasets):
    trial = store.start_trial(_experiment(store, model_file, datasets), {"x": 1})
    assert trial.node is None  # this machine
    store.record_events(trial.id, [{"kind": "node", "time": 1.0,
                                    "node": "gpu-3 (10.0.0.3, node 1a2b3c4d)"}])
    assert store.trial(trial.id).node == "gpu-3 (10.0.0.3, node 1a2b3c4d)"
    assert store.trial_events(trial.id, kinds=["node"])[0]["node"].startswith("gpu-3")
