"""The store holds what a flooding model logs within caps, and reads back any row already in
it (values older versions wrote, or a forged event stored before events were checked)."""

from __future__ import annotations

import sqlite3
import time

import pytest

from rafiki import store_quotas
from rafiki.cli import main
from rafiki.experiments import Experiments
from rafiki.store import Store
from rafiki.store_quotas import METRIC_NAMES_LIMIT


@pytest.fixture
def store(rafiki_home) -> Store:
    with Store() as opened:
        yield opened


def _trial(store: Store) -> tuple[int, int]:
    model = store.path.parent / "model.py"
    model.write_text("# a model\n")
    experiment = store.create_experiment(
        model_file_path=str(model), model_class="Model", task="IMAGE_CLASSIFICATION",
        train_dataset_uri="/data/train.zip", test_dataset_uri="/data/test.zip")
    return experiment.id, store.start_trial(experiment.id, {"x": 1}).id


def test_a_flood_of_messages_is_capped_with_a_note(store, monkeypatch):
    monkeypatch.setattr(store_quotas, "LOG_RECORDS_LIMIT", 2_000)  # 100,000 in use
    _experiment_id, trial_id = _trial(store)
    now = time.time()
    batch = [{"kind": "message", "time": now, "msg": f"message {i}"} for i in range(500)]
    for _ in range(6):
        store.record_events(trial_id, batch)
    messages = store.trial_events(trial_id, kinds=["message"])
    assert len(messages) == 2_000 + 1
    assert messages[-1]["msg"] == ("[messages beyond 2,000 or 16 MiB per trial were not "
                                   "kept]")
    size = store.path.stat().st_size
    store.record_events(trial_id, batch * 20)  # still flooding: nothing more kept
    assert len(store.trial_events(trial_id, kinds=["message"])) == 2_000 + 1
    assert store.path.stat().st_size <= size + 64 * 1024


def test_long_messages_are_capped_by_bytes(store):
    _experiment_id, trial_id = _trial(store)
    long = [{"kind": "message", "time": 1.0, "msg": "y" * 2**20}]
    for _ in range(20):
        store.record_events(trial_id, long)
    messages = store.trial_events(trial_id, kinds=["message"])
    assert len(messages) == 15 + 1 and "not kept" in messages[-1]["msg"]


def test_metric_points_are_capped_above_the_200k_flood(store, monkeypatch):
    assert store_quotas.METRIC_POINTS_LIMIT > 200_000  # bench_gui_stall's flood all plotted
    monkeypatch.setattr(store_quotas, "METRIC_POINTS_LIMIT", 3_000)
    _experiment_id, trial_id = _trial(store)
    points = [{"kind": "metrics", "time": float(i), "values": {"loss": 1.0, "epoch": i}}
              for i in range(5_000)]
    store.record_events(trial_id, points[:2_000])
    store.record_events(trial_id, points[2_000:])
    assert store.trial_metrics(trial_id)["epoch"] == list(range(3_000))
    notes = [e["msg"] for e in store.trial_events(trial_id, kinds=["message"])]
    assert len(notes) == 1 and notes[0].startswith("[metric points beyond 3,000 points")


def test_metric_names_are_capped(store):
    _experiment_id, trial_id = _trial(store)
    many_names = [{"kind": "metrics", "time": 1.0, "values": {f"m{i}": 1.0}}
                  for i in range(METRIC_NAMES_LIMIT + 10)]
    store.record_events(trial_id, many_names)
    assert len(store.trial_metrics(trial_id)) == 1 + METRIC_NAMES_LIMIT  # time, then names


def _insert_bad_rows(path) -> int:
    """Rows as an older version could leave them: a text score, broken JSON, bad types."""
    conn = sqlite3.connect(path)
    with conn:
        experiment_id = conn.execute(
            "INSERT INTO experiments (model_file_path, model_class, task, train_dataset_uri, "
            "test_dataset_uri, dependencies, settings, created) VALUES "
            "('/m.py', 'M', 'IMAGE_CLASSIFICATION', '/a.zip', '/b.zip', '[1', '\"x\"', "
            "1700000000.0)").lastrowid
        rows = [
            (1, "completed", "abc", '{"x": 1}', "{}", None),
            (2, "completed", 0.5, "not json", "[1, 2]", '"just text"'),
            (3, "errored", 7.5, None, '{"train": "slow"}', '{"type": 3, "message": null}'),
            (4, "completed", 0.25, '{"x": 2}', "{}", None),
        ]
        for number, status, score, knobs, timings, error in rows:
            trial_id = conn.execute(
                "INSERT INTO trials (experiment_id, number, knobs, status, score, timings, "
                "error, started, finished) VALUES (?, ?, ?, ?, ?, ?, ?, 1700000000.0, 'late')",
                (experiment_id, number, knobs, status, score, timings, error)).lastrowid
        conn.execute("INSERT INTO trial_events (trial_id, kind, time, body) VALUES "
                     "(?, 'result', 1.0, '{\"kind\": \"result\", \"score\": \"abc\", "
                     "\"time\": \"noon\"}')", (trial_id,))
        conn.execute("INSERT INTO trial_events (trial_id, kind, time, body) VALUES "
                     "(?, 'message', 1.0, 'garbage')", (trial_id,))
        conn.execute("INSERT INTO trial_metrics (trial_id, count, columns) VALUES "
                     "(?, 2, '{\"time\": [1, 2], \"loss\": [\"abc\", 0.5]}')", (trial_id,))
        conn.execute("INSERT INTO trial_metrics (trial_id, count, columns) VALUES "
                     "(?, 3, '{\"time\": [1]}')", (trial_id,))
    conn.close()
    return experiment_id


def test_readers_tolerate_any_row_already_stored(rafiki_home, capsys):
    with Store() as store:
        path = store.path
    experiment_id = _insert_bad_rows(path)
    with Experiments(path) as experiments:
        listed = experiments.list()
        assert listed[0].best_score == 0.5  # "abc" is no score; 0.5 is the best real one
        trials = experiments.trials(experiment_id, best_first=True)
        assert [t.number for t in trials][:2] == [2, 4]
        assert {t.number: t.score for t in trials} == {1: None, 2: 0.5, 3: None, 4: 0.25}
        assert experiments.best_trial(experiment_id).number == 2
        last = max(trials, key=lambda t: t.number)
        events = experiments.trial_events(last.id)
        # the result timed "noon" and the garbage body are skipped
        assert [e["kind"] for e in events] == ["metrics", "metrics"]
        assert experiments.trial_metrics(last.id)["loss"] == [None, 0.5]
        by_number = {t.number: t for t in trials}
        assert last.finished is None  # "late" is no time
        assert by_number[3].error["type"] == "3" and by_number[3].error["message"] == ""
        assert "just text" in by_number[2].error["message"] and by_number[2].knobs is None
        assert by_number[3].timings == {}
    assert main(["experiments"]) == 0
    assert main(["experiments", "show", str(experiment_id)]) == 0
    shown = capsys.readouterr().out
    assert "0.5000" in shown and "abc" not in shown
