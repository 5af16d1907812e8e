"""Parallel tuning pays: 12 trials of the example image model, 2 at a time against 1 at a time.

Both tunings use the same seed (so the advisor's first, random proposals are the same knobs)
on the bundled sample datasets, through the real Tuner, local child processes and a store in
a temp folder. Target on 2 cores: parallel 2 takes at most 0.65x the time of parallel 1.

Run: python bench/bench_tuning_parallel.py [trials]
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rafiki.cli_inference import infer_model_class, infer_task  # noqa: E402
from rafiki.store import Store  # noqa: E402
from rafiki.tuning import Tuner  # noqa: E402

MODEL = ROOT / "resources" / "examples" / "image_classifier.py"
DATASETS = ROOT / "resources" / "datasets"


def sample_datasets() -> tuple[str, str]:
    zips = sorted(DATASETS.glob("*.zip"))
    train = [z for z in zips if "train" in z.name and "image" in z.name.lower()] or \
        [z for z in zips if "train" in z.name]
    test = [z for z in zips if "test" in z.name and z.name.replace("test", "train") ==
            train[0].name] or [z for z in zips if "test" in z.name]
    return str(train[0]), str(test[0])


def tune(store: Store, parallel: int, trials: int, train: str, test: str):
    experiment = store.create_experiment(
        model_file_path=str(MODEL), model_class=infer_model_class(str(MODEL)),
        task=infer_task(train), train_dataset_uri=train, test_dataset_uri=test,
        name=f"parallel {parallel}")
    return Tuner(store, experiment.id, budget_trials=trials, parallel=parallel, seed=7).run()


def main() -> None:
    trials = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    train, test = sample_datasets()
    print(f"{trials} trials of {MODEL.name} on {Path(train).name} / {Path(test).name}, "
          f"{os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as home, Store(Path(home) / "store.sqlite3") as store:
        results = {}
        for parallel in (1, 2):
            result = tune(store, parallel, trials, train, test)
            done = sum(t.status == "completed" for t in result.trials)
            busy = sum(t.duration or 0.0 for t in result.trials)
            results[parallel] = result.elapsed
            print(f"parallel {parallel}: {result.elapsed:.1f} s wall, {busy:.1f} s in trials, "
                  f"{done}/{len(result.trials)} completed, best {result.best.score:.4f}")
    print(f"ratio parallel 2 / parallel 1: {results[2] / results[1]:.2f}x (target <= 0.65x)")


if __name__ == "__main__":
    main()
