"""Replay pruners over stored learning curves: which trials each would stop, what it saves.

Reads the tunings without pruning that ``bench_pruning.py --keep-store PATH`` kept (every
trial's knobs, ``val_accuracy`` per epoch with the time of each point, test score and wall
time) and runs each pruner over them through Optuna, in the stored order and in shuffles: a
trial the pruner stops costs its wall time up to the point it was judged at plus the time a
pruned trial takes to end (``--stop-seconds``, measured in live runs); the others cost their
stored wall time. Prints, per pruner, how often the best test score left is more than one
test image (0.005) below the tuning's best, and the trial-seconds ratio. It does not capture
the sampler reacting to pruned trials, so it ranks pruners; it does not replace the live
figure of ``bench_pruning.py``.

    python bench/replay_pruning.py STORE.sqlite3 [STORE.sqlite3 ...] [--orders 10]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

METRIC, STEP = "val_accuracy", "epoch"
ONE_IMAGE = 0.005 + 1e-9


@dataclass
class StoredTrial:
    epochs: int
    score: float
    duration: float
    points: list[tuple[int, float, float]]  # (step, value, seconds since the trial started)


def stored_tunings(paths: list[Path]) -> list[list[StoredTrial]]:
    """Every tuning without pruning in these stores, as its completed trials in order."""
    from rafiki.store import Store

    tunings = []
    for path in paths:
        with Store(path) as store:
            for experiment in store.list_experiments():
                if (experiment.settings or {}).get("pruning"):
                    continue
                trials = []
                for trial in store.trials(experiment.id):
                    if trial.status != "completed" or trial.score is None:
                        continue
                    columns = store.trial_metrics(trial.id)
                    points = [(int(step), float(value), when - trial.started)
                              for when, step, value in zip(columns.get("time", []),
                                                           columns.get(STEP, []),
                                                           columns.get(METRIC, []), strict=True)
                              if value is not None and step is not None]
                    trials.append(StoredTrial(int(trial.knobs["epochs"]), float(trial.score),
                                              float(trial.duration), points))
                if len(trials) >= 10:
                    tunings.append(trials)
    return tunings


def replay(trials: list[StoredTrial], make: Callable[[], object], stop_seconds: float,
           spare_last: bool) -> tuple[float, float]:
    """(best score left, trial-seconds) of one pruner over ``trials`` in this order."""
    import optuna

    study = optuna.create_study(study_name="rafiki-tuning", direction="maximize",
                                pruner=make())
    best, seconds = float("-inf"), 0.0
    for stored in trials:
        trial = study.ask()
        pruned_at = None
        for step, value, when in stored.points:
            trial.report(value, step)
            if spare_last and step + 1 >= stored.epochs:
                continue
            if trial.should_prune():
                pruned_at = when
                break
        if pruned_at is None:
            study.tell(trial, stored.score)
            best = max(best, stored.score)
            seconds += stored.duration
        else:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
            seconds += min(stored.duration, pruned_at + stop_seconds)
    return best, seconds


def pruners() -> dict[str, Callable[[], object]]:
    from optuna import pruners as p

    return {
        "median 5 startup, from epoch 4": lambda: p.MedianPruner(5, 3),
        "hyperband min 1 f3 max 60 (default)": lambda: p.HyperbandPruner(1, 60, 3),
        "hyperband min 1 f3 max 26 (rungs from 1, 3, 9)": lambda: p.HyperbandPruner(1, 26, 3),
        "hyperband min 1 f3 max 8 (rungs from 1, 3)": lambda: p.HyperbandPruner(1, 8, 3),
        "hyperband min 1 f4 max 60 (from 1, 4, 16)": lambda: p.HyperbandPruner(1, 60, 4),
        "hyperband min 2 f3 max 60 (from 2, 6, 18)": lambda: p.HyperbandPruner(2, 60, 3),
        "hyperband min 1 f2 max 60": lambda: p.HyperbandPruner(1, 60, 2),
        "successive halving min 1 f3": lambda: p.SuccessiveHalvingPruner(1, 3),
        "successive halving min 2 f3": lambda: p.SuccessiveHalvingPruner(2, 3),
        "successive halving min 1 f4": lambda: p.SuccessiveHalvingPruner(1, 4),
        "successive halving min 3 f3": lambda: p.SuccessiveHalvingPruner(3, 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description="Replay pruners over stored curves")
    parser.add_argument("stores", type=Path, nargs="+")
    parser.add_argument("--orders", type=int, default=10, help="the stored order and shuffles")
    parser.add_argument("--stop-seconds", type=float, default=0.1,
                        help="from the judged point to the pruned trial's end (live median)")
    parser.add_argument("--only", default="", help="pruners whose name holds this text")
    args = parser.parse_args()
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    tunings = stored_tunings(args.stores)
    print(f"{len(tunings)} tunings ({', '.join(str(len(t)) for t in tunings)} trials), "
          f"{args.orders} orders each, {args.stop_seconds:g} s to stop a pruned trial")
    print("| pruner | spares the last epoch | misses | mean score lost | median ratio | "
          "90th pct ratio | both |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, make in pruners().items():
        if args.only not in name:
            continue
        for spare_last in (False, True):
            lost, ratios = [], []
            for number, trials in enumerate(tunings):
                full_best = max(t.score for t in trials)
                full_seconds = sum(t.duration for t in trials)
                for order in range(args.orders):
                    shuffled = list(trials)
                    if order:
                        random.Random(number * 1000 + order).shuffle(shuffled)
                    best, seconds = replay(shuffled, make, args.stop_seconds, spare_last)
                    lost.append(full_best - best)
                    ratios.append(seconds / full_seconds)
            misses = sum(gap > ONE_IMAGE for gap in lost) / len(lost)
            both = sum(gap <= ONE_IMAGE and ratio <= 0.6
                       for gap, ratio in zip(lost, ratios, strict=True)) / len(lost)
            deciles = statistics.quantiles(ratios, n=10)
            print(f"| {name} | {'yes' if spare_last else 'no'} | {misses:.0%} | "
                  f"{statistics.mean(lost):.4f} | {statistics.median(ratios):.2f}x | "
                  f"{deciles[-1]:.2f}x | {both:.0%} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
