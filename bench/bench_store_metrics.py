"""Opening a big experiment: 500 trials x 1,000 metric points each, read back from the store.

The GUI opens an experiment by listing its trials and loading every trial's metrics; the bar
is under 2 s. Baseline in the same script: the same points read from one row per point (the
naive layout), to show what the per-batch columns save. Points arrive in batches of 50, as
the runner delivers them.

Run: python bench/bench_store_metrics.py [trials] [points]
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rafiki.store import Store  # noqa: E402

BATCH = 50


def fill(store: Store, model: Path, trials: int, points: int) -> int:
    experiment = store.create_experiment(
        model_file_path=str(model), model_class="M", task="IMAGE_CLASSIFICATION",
        train_dataset_uri="a.zip", test_dataset_uri="b.zip")
    for number in range(trials):
        trial = store.start_trial(experiment.id, {"n": number})
        for start in range(0, points, BATCH):
            store.record_events(trial.id, [
                {"kind": "metrics", "time": 1e9 + i * 0.01,
                 "values": {"loss": 1.0 / (i + 1), "accuracy": i / points, "epoch": i}}
                for i in range(start, min(points, start + BATCH))])
    return experiment.id


def naive(path: Path, trials: int, points: int) -> float:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE p (trial INTEGER, time REAL, name TEXT, value REAL)")
    conn.executemany("INSERT INTO p VALUES (?, ?, ?, ?)", (
        (t, 1e9 + i * 0.01, name, float(i)) for t in range(trials) for i in range(points)
        for name in ("loss", "accuracy", "epoch")))
    conn.execute("CREATE INDEX p_trial ON p(trial)")
    conn.commit()
    started = time.perf_counter()
    series: dict = {}
    for trial, when, name, value in conn.execute("SELECT * FROM p ORDER BY trial, rowid"):
        series.setdefault(trial, {}).setdefault(name, []).append((when, value))
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def main() -> None:
    trials = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    points = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    with tempfile.TemporaryDirectory() as folder:
        model = Path(folder) / "m.py"
        model.write_text("x = 1\n")
        with Store(Path(folder) / "store.sqlite3") as store:
            started = time.perf_counter()
            experiment_id = fill(store, model, trials, points)
            print(f"wrote {trials} x {points} points in {time.perf_counter() - started:.1f} s")
        size = (Path(folder) / "store.sqlite3").stat().st_size
        started = time.perf_counter()
        with Store(Path(folder) / "store.sqlite3") as store:
            listed = store.trials(experiment_id)
            metrics = store.experiment_metrics(experiment_id)
        opened = time.perf_counter() - started
        assert len(listed) == trials and all(len(m["time"]) == points for m in metrics.values())
        baseline = naive(Path(folder) / "naive.sqlite3", trials, points)
    print(f"store open + trials + all metrics: {opened:.2f} s (bar < 2 s), "
          f"database {size / 1e6:.1f} MB")
    print(f"naive row-per-point read: {baseline:.2f} s; ratio {opened / baseline:.2f}x")


if __name__ == "__main__":
    main()
