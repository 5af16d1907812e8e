"""A tuning on a local Ray cluster against the same tuning on local child processes.

12 trials of the bundled image example, 2 at once, seed 7, through the real Tuner: once with
the local executor, once with :class:`rafiki.cluster.ray_executor.RayExecutor` on a Ray
cluster started on this machine (``ray.init(address="local", num_cpus=2)``, not
counted). Alternating rounds;
the first Ray round includes starting Ray's worker processes. Same seed, so both must try the
same knobs. Target: Ray's wall time at most 1.3x the local one.

Run: python bench/bench_ray_tuning.py [trials] [rounds]   (needs the ray extra)
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("RAY_AUTH_MODE", "disabled")

import ray  # noqa: E402

from bench.bench_tuning_parallel import MODEL, sample_datasets  # noqa: E402
from rafiki.cli_inference import infer_model_class, infer_task  # noqa: E402
from rafiki.cluster.ray_executor import RayExecutor  # noqa: E402
from rafiki.store import Store  # noqa: E402
from rafiki.tuning import Tuner  # noqa: E402


def tune(store: Store, name: str, trials: int, train: str, test: str, executor=None):
    experiment = store.create_experiment(
        model_file_path=str(MODEL), model_class=infer_model_class(str(MODEL)),
        task=infer_task(train), train_dataset_uri=train, test_dataset_uri=test, name=name)
    return Tuner(store, experiment.id, budget_trials=trials, parallel=2, seed=7,
                 executor=executor).run()


def main() -> None:
    trials = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    train, test = sample_datasets()
    print(f"{trials} trials of {MODEL.name}, 2 at once, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    began = time.monotonic()
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    print(f"Ray started in {time.monotonic() - began:.1f} s (not counted)")
    walls: dict[str, list[float]] = {"local": [], "ray": []}
    knobs: dict[str, list] = {}
    with tempfile.TemporaryDirectory() as home, Store(Path(home) / "store.sqlite3") as store:
        executor = RayExecutor("auto")
        for round_number in range(rounds):
            for name in ("local", "ray"):
                result = tune(store, f"{name} {round_number}", trials, train, test,
                              executor if name == "ray" else None)
                done = sum(t.status == "completed" for t in result.trials)
                walls[name].append(result.elapsed)
                knobs.setdefault(name, [t.knobs for t in result.trials])
                print(f"round {round_number + 1} {name:>5}: {result.elapsed:5.1f} s wall, "
                      f"{done}/{len(result.trials)} completed, best {result.best.score:.4f}")
    ray.shutdown()
    same = knobs["local"] == knobs["ray"]
    local, remote = statistics.median(walls["local"]), statistics.median(walls["ray"])
    print(f"same knobs for the same seed: {same}")
    print(f"median wall: local {local:.1f} s, ray {remote:.1f} s, ratio {remote / local:.2f}x "
          f"(target <= 1.3x); first round {walls['ray'][0] / walls['local'][0]:.2f}x "
          f"(Ray's workers starting)")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
