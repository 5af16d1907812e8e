"""A tuning on a local Ray cluster against the same tuning on local child processes.

12 trials of the bundled image example, 2 at once, seed 7, through the real Tuner: once with
the local executor, once with :class:`rafiki.cluster.ray_executor.RayExecutor` on a Ray
cluster started on this machine (``ray.init(address="local", num_cpus=2)``, not
counted). Alternating rounds; the first Ray round includes starting Ray's worker processes.
Same seed, so both must try the same knobs. Target: Ray's wall time at most 1.3x the local one.

Beside the wall times: each round's CPU time summed over every process of the run (Ray's
daemons and workers, the driver child, the runner children; what it costs the machine whatever
else runs), and the median trial's time from start to finish against its time in the model's
stages (what goes around the model). ``--busy N`` spins N processes meanwhile at this
process's priority, the other work of a shared machine, the same for both executors.

Run: python bench/bench_ray_tuning.py [trials] [rounds] [--busy N]   (needs the ray extra)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
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


def tree_cpu_seconds(root: int | None = None, leave_out: set[int] = frozenset()) -> float:
    """CPU time (user + system) of this process and every process under it, alive or reaped
    by a parent in the tree: the Ray daemons and workers, the driver child, the runner
    children. Counts what a round costs the machine whatever else runs on it (Linux)."""
    root = root or os.getpid()
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = sum(int(value) for value in fields[11:15])  # u, s, cu, cs
    total = 0
    for pid, ticks in times.items():
        ancestor = pid
        while ancestor not in (0, 1, root):
            ancestor = parents.get(ancestor, 0)
        if ancestor == root and pid not in leave_out:
            total += ticks
    return total / os.sysconf("SC_CLK_TCK")


def tune(store: Store, name: str, trials: int, train: str, test: str, executor=None):
    experiment = store.create_experiment(
        model_file_path=str(MODEL), model_class=infer_model_class(str(MODEL)),
        task=infer_task(train), train_dataset_uri=train, test_dataset_uri=test, name=name)
    return Tuner(store, experiment.id, budget_trials=trials, parallel=2, seed=7,
                 executor=executor).run()


def measure_round(store: Store, name: str, round_number: int, trials: int, train: str,
                  test: str, executor, kept: dict[str, list], leave_out: set[int]) -> None:
    """One tuning; its wall and CPU time, per-trial times and knobs added to ``kept``."""
    cpu_before = tree_cpu_seconds(leave_out=leave_out)
    result = tune(store, f"{name} {round_number}", trials, train, test, executor)
    kept["cpu"].append(tree_cpu_seconds(leave_out=leave_out) - cpu_before)
    kept["wall"].append(result.elapsed)
    kept["per_trial"] += [t.duration for t in result.trials if t.duration is not None]
    kept["in_stages"] += [sum(t.timings.values()) for t in result.trials]
    kept["knobs"].append([t.knobs for t in result.trials])
    done = sum(t.status == "completed" for t in result.trials)
    print(f"round {round_number + 1} {name:>5}: {result.elapsed:5.1f} s wall, "
          f"{kept['cpu'][-1]:5.1f} s CPU, {done}/{len(result.trials)} completed, "
          f"best {result.best.score:.4f}")


def start_busy(count: int) -> list[subprocess.Popen]:
    """``count`` processes spinning on a core each at this process's priority: the other work
    of a shared machine, the same for both executors."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trials", nargs="?", type=int, default=12)
    parser.add_argument("rounds", nargs="?", type=int, default=3)
    parser.add_argument("--busy", type=int, default=0, metavar="N",
                        help="N processes spinning meanwhile (other work on the machine)")
    options = parser.parse_args()
    trials, rounds = options.trials, options.rounds
    train, test = sample_datasets()
    print(f"{trials} trials of {MODEL.name}, 2 at once, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}"
          + (f", {options.busy} busy processes beside" if options.busy else ""))
    began = time.monotonic()
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    print(f"Ray started in {time.monotonic() - began:.1f} s (not counted)")
    figures: dict[str, dict[str, list]] = {
        name: {"wall": [], "cpu": [], "per_trial": [], "in_stages": [], "knobs": []}
        for name in ("local", "ray")}
    with tempfile.TemporaryDirectory() as home, Store(Path(home) / "store.sqlite3") as store:
        executor = RayExecutor("auto")
        idle_from = tree_cpu_seconds()
        time.sleep(3.0)
        print(f"Ray idle: {(tree_cpu_seconds() - idle_from) / 3.0:.2f} CPU seconds per second")
        busy = start_busy(options.busy)
        try:
            for round_number in range(rounds):
                for name in ("local", "ray"):
                    measure_round(store, name, round_number, trials, train, test,
                                  executor if name == "ray" else None, figures[name],
                                  leave_out={process.pid for process in busy})
        finally:
            for process in busy:
                process.kill()
                process.wait()
    ray.shutdown()
    walls = {name: figures[name]["wall"] for name in figures}
    same = figures["local"]["knobs"][0] == figures["ray"]["knobs"][0]
    local, remote = statistics.median(walls["local"]), statistics.median(walls["ray"])
    print(f"same knobs for the same seed: {same}")
    print(f"median wall: local {local:.1f} s, ray {remote:.1f} s, ratio {remote / local:.2f}x "
          f"(target <= 1.3x); first round {walls['ray'][0] / walls['local'][0]:.2f}x "
          f"(Ray's workers starting)")
    print(f"median CPU of a round (every process of the run): "
          f"local {statistics.median(figures['local']['cpu']):.1f} s, "
          f"ray {statistics.median(figures['ray']['cpu']):.1f} s")
    for name, kept in figures.items():  # where a round's time goes: the model's stages or around
        print(f"{name:>5} per trial (median): {statistics.median(kept['per_trial']):.2f} s "
              f"started to finished, {statistics.median(kept['in_stages']):.2f} s in its stages")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
