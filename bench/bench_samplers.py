"""Which sampler should the advisor use by default? Measured on cheap objectives shaped like
knob configs, at the budgets a laptop tuning affords.

Each objective is a knob config (the workbench's own knob classes, so the Advisor maps them to
Optuna exactly as in a tuning) and a score to maximize that costs microseconds: mixed integer,
float and categorical knobs, log-scale ranges, interactions between knobs, flat regions and
cliffs, noisy scores, 2 to 12 knobs; plus the two bundled examples' PROD knob spaces scored by
their nearest precomputed neighbours (``bench/sampler_example_scores.py``). Every sampler of
:data:`rafiki.samplers.SAMPLERS` runs 50 trials per objective and seed through
:class:`rafiki.advisor.Advisor`; the best-of-budget at 10, 20 and 50 trials is read from the
same run (a sampler does not know its budget, so a prefix of a 50-trial run *is* a 10-trial
run). Scores are normalized per objective: 0 is the median of 1,000 random configurations, 1
the best score any run or that random sample found (for noisy objectives the noiseless score
of the trial the sampler would pick). The summary gives, per sampler and budget, the median
and the worst case (5th percentile) of normalized best-of-budget across objectives x seeds.

    python bench/bench_samplers.py                 # the full suite (long: run it in background)
    python bench/bench_samplers.py --seeds 2 --samplers tpe-defaults random   # a quick look
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rafiki.advisor import Advisor  # noqa: E402
from rafiki.model.knob import (  # noqa: E402
    BaseKnob,
    CategoricalKnob,
    FixedKnob,
    FloatKnob,
    IntegerKnob,
    deserialize_knob_config,
)
from rafiki.samplers import DEFAULT_SAMPLER, SAMPLERS  # noqa: E402

BUDGETS = (10, 20, 50)
EXAMPLE_SCORES = Path(__file__).resolve().parent / "data" / "sampler_example_scores.json"


@dataclass
class Objective:
    """A knob config and its score; ``noise`` > 0 adds Gaussian noise to what the sampler
    sees (the noiseless score is what counts)."""

    name: str
    knobs: dict[str, BaseKnob]
    score: Callable[[dict], float]
    noise: float = 0.0


def _lr_batch_mlp(k: dict) -> float:
    """An accuracy-like curve: the best learning rate grows with the batch size (the linear
    scaling rule), too-high rates diverge to chance, width helps with diminishing returns."""
    best_log_lr = math.log10(0.01 * k["batch_size"] / 32)
    gap = math.log10(k["learning_rate"]) - best_log_lr
    if gap > 1.2:
        return 0.1  # diverged: chance level, a flat cliff
    width = 1 - math.exp(-k["hidden_units"] / 64)
    return 0.1 + 0.85 * math.exp(-gap * gap) * (0.7 + 0.3 * width) - 0.3 * k["dropout"] ** 2


def _branin(k: dict) -> float:
    x, y = k["x"], k["y"]
    value = (y - 5.1 / (4 * math.pi ** 2) * x * x + 5 / math.pi * x - 6) ** 2 \
        + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x) + 10
    return -value


def _rosenbrock_int(k: dict) -> float:
    x = [k[f"n{i}"] / 10 for i in range(4)]
    return -sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(3))


def _plateau(k: dict) -> float:
    """Flat almost everywhere (a model that trains to the same accuracy whatever the knobs),
    a bump in a corner of three knobs, two knobs that do nothing."""
    distance = ((math.log10(k["lr"]) + 3.5) / 2) ** 2 + ((k["units"] - 400) / 300) ** 2 \
        + (0.0 if k["optimizer"] == "adam" else 0.5)
    return 0.5 + 0.4 * math.exp(-4 * distance) + 0.001 * k["unused_a"] * 0


def _noisy_quadratic(k: dict) -> float:
    return 0.9 - 0.3 * (math.log10(k["c"]) - 0.5) ** 2 / 9 - 0.2 * (k["gamma_scale"] - 0.3) ** 2 \
        - 0.002 * abs(k["degree"] - 3)


def _categorical_heavy(k: dict) -> float:
    table = {"relu": 0.05, "tanh": 0.0, "sigmoid": -0.1, "gelu": 0.06}
    bonus = 0.08 if (k["optimizer"] == "sgd") == k["nesterov"] else 0.0  # an interaction
    value = 0.6 + table[k["activation"]] + bonus + {"none": 0.0, "batch": 0.04,
                                                     "layer": 0.03}[k["norm"]]
    value -= 0.1 * (math.log10(k["lr"]) + 2.5) ** 2 / 4 + 0.05 * (k["warmup"] - 0.1) ** 2
    return value


def _twelve_knobs(k: dict) -> float:
    """Twelve knobs, three that matter (and one interaction), the rest nearly inert."""
    value = 0.8 - 0.2 * (math.log10(k["lr"]) + 2) ** 2 / 4 - 0.15 * (k["dropout"] - 0.2) ** 2
    value -= 0.05 * abs(math.log2(k["layers"]) - math.log2(k["width"]) / 3)
    value += 0.03 if k["scheduler"] == "cosine" else 0.0
    for i in range(6):
        value -= 0.002 * (k[f"inert{i}"] - 0.5) ** 2
    return value + (0.01 if k["augment"] else 0.0)


def _saturating_epochs(k: dict) -> float:
    """Accuracy that saturates with epochs, peaks in a narrow learning-rate band and falls to
    chance past a divergence cliff; momentum shifts the band."""
    effective = k["lr"] / (1 - k["momentum"])
    if effective > 3:
        return 0.1
    band = math.exp(-((math.log10(effective) + 0.5) / 0.6) ** 2)
    return 0.1 + 0.85 * band * (1 - math.exp(-k["epochs"] / 15))


def synthetic_objectives() -> list[Objective]:
    f, i, c = FloatKnob, IntegerKnob, CategoricalKnob
    return [
        Objective("mlp-lr-batch (4 mixed, log, cliff)",
                  {"learning_rate": f(1e-5, 1.0, is_exp=True), "hidden_units": i(8, 512, True),
                   "batch_size": c([16, 32, 64, 128, 256]), "dropout": f(0.0, 0.6),
                   "seed": FixedKnob(0)}, _lr_batch_mlp),
        Objective("branin (2 float)", {"x": f(-5.0, 10.0), "y": f(0.0, 15.0)}, _branin),
        Objective("rosenbrock (4 int)", {f"n{n}": i(-20, 20) for n in range(4)},
                  _rosenbrock_int),
        Objective("plateau (5 mixed, flat)",
                  {"lr": f(1e-6, 1.0, is_exp=True), "units": i(16, 1024),
                   "optimizer": c(["sgd", "adam", "rmsprop"]), "unused_a": f(0.0, 1.0),
                   "unused_b": c([True, False])}, _plateau),
        Objective("noisy quadratic (3 mixed, noise 0.02)",
                  {"c": f(1e-3, 1e3, is_exp=True), "gamma_scale": f(0.0, 1.0),
                   "degree": i(1, 6)}, _noisy_quadratic, noise=0.02),
        Objective("categorical-heavy (6 mixed, interaction)",
                  {"activation": c(["relu", "tanh", "sigmoid", "gelu"]),
                   "optimizer": c(["sgd", "adam"]), "nesterov": c([True, False]),
                   "norm": c(["none", "batch", "layer"]), "lr": f(1e-5, 1.0, is_exp=True),
                   "warmup": f(0.0, 1.0)}, _categorical_heavy),
        Objective("twelve knobs (12 mixed, 3 matter)",
                  {"lr": f(1e-6, 1.0, is_exp=True), "dropout": f(0.0, 0.8),
                   "layers": i(1, 16, True), "width": i(8, 1024, True),
                   "scheduler": c(["constant", "step", "cosine"]), "augment": c([True, False]),
                   **{f"inert{n}": f(0.0, 1.0) for n in range(6)}}, _twelve_knobs),
        Objective("saturating epochs (3 mixed, cliff, noise 0.01)",
                  {"epochs": i(1, 100), "lr": f(1e-4, 3.0, is_exp=True),
                   "momentum": f(0.0, 0.99)}, _saturating_epochs, noise=0.01),
    ]


def example_objectives() -> list[Objective]:
    """The bundled examples' PROD knob spaces, scored by the inverse-distance-weighted mean of
    the 3 nearest precomputed configurations (log scale for ``is_exp`` knobs, categorical
    values 0/1 apart)."""
    if not EXAMPLE_SCORES.exists():
        print(f"note: {EXAMPLE_SCORES} is missing: the examples are left out "
              "(run bench/sampler_example_scores.py)", file=sys.stderr)
        return []
    found = json.loads(EXAMPLE_SCORES.read_text())
    objectives = []
    for name, data in found.items():
        knob_config = deserialize_knob_config(data["knob_config"])
        rows = data["scores"]
        names = [n for n, knob in knob_config.items() if not isinstance(knob, FixedKnob)]

        numeric = [n for n in names if not isinstance(knob_config[n], CategoricalKnob)]
        categorical = [n for n in names if isinstance(knob_config[n], CategoricalKnob)]

        def coordinates(knobs: dict, numeric=numeric, knob_config=knob_config) -> np.ndarray:
            out = []
            for n in numeric:
                knob = knob_config[n]
                low, high, value = float(knob.value_min), float(knob.value_max), float(knobs[n])
                if knob.is_exp:
                    low, high, value = math.log(low), math.log(high), math.log(value)
                out.append((value - low) / (high - low or 1.0))
            return np.array(out)

        points = np.array([coordinates(row["knobs"]) for row in rows])
        labels = [[json.dumps(row["knobs"][n]) for n in categorical] for row in rows]
        values = np.array([row["score"] for row in rows])

        def score(knobs: dict, points=points, labels=labels, values=values,
                  coordinates=coordinates, categorical=categorical) -> float:
            mine = [json.dumps(knobs[n]) for n in categorical]
            mismatches = np.array([sum(a != b for a, b in zip(mine, row, strict=True))
                                   for row in labels], dtype=float)
            distances = np.sqrt(((points - coordinates(knobs)) ** 2).sum(axis=1) + mismatches)
            nearest = np.argsort(distances)[:3]
            weights = 1 / (distances[nearest] + 1e-6)
            return float((weights * values[nearest]).sum() / weights.sum())

        objectives.append(Objective(f"{name} example (PROD, {len(rows)} precomputed)",
                                    knob_config, score))
    return objectives


def random_reference(objective: Objective, count: int = 1000) -> list[float]:
    """Noiseless scores of ``count`` random configurations (Optuna's random sampler)."""
    advisor = Advisor(objective.knobs, seed=12345, sampler="random")
    values = []
    for _ in range(count):
        proposal = advisor.ask()
        value = objective.score(proposal.knobs)
        advisor.tell(proposal, value)
        values.append(value)
    return values


def run_sampler(objective: Objective, sampler: str, seed: int, trials: int) -> list[float]:
    """The noiseless score of the best-seen trial after each trial (what a user would keep)."""
    advisor = Advisor(objective.knobs, seed=seed, sampler=sampler)
    noise = np.random.default_rng(seed + 7)
    best_seen, best_true, curve = -math.inf, -math.inf, []
    for _ in range(trials):
        proposal = advisor.ask()
        true = objective.score(proposal.knobs)
        seen = true + (noise.normal(0, objective.noise) if objective.noise else 0.0)
        advisor.tell(proposal, seen)
        if seen > best_seen:
            best_seen, best_true = seen, true
        curve.append(best_true)
    return curve


def _tpe_defaults_are_multivariate() -> bool:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize")
    sampler = optuna.samplers.TPESampler()
    check = getattr(sampler, "_is_multivariate", None)
    return bool(check(study)) if check else bool(getattr(sampler, "_multivariate", False))


def summary_table(normalized: dict[str, dict[int, list[float]]], seconds: dict[str, float],
                  runs_per_sampler: int) -> str:
    """The markdown table, samplers by median at 20 trials, and the verdicts against
    tpe-defaults at 20 trials."""
    def worst(values: list[float]) -> float:
        return float(np.percentile(values, 5))

    lines = ["| sampler | " + " | ".join(f"{b} trials: median / worst (p5)" for b in BUDGETS)
             + " | s per 50-trial run |", "| --- " * (len(BUDGETS) + 2) + "|"]
    order = sorted(normalized, key=lambda s: -statistics.median(normalized[s][20]))
    for sampler in order:
        cells = [f"{statistics.median(normalized[sampler][b]):.3f} / "
                 f"{worst(normalized[sampler][b]):.3f}" for b in BUDGETS]
        mark = " (default)" if sampler == DEFAULT_SAMPLER else ""
        lines.append(f"| {sampler}{mark} | " + " | ".join(cells)
                     + f" | {seconds[sampler] / max(1, runs_per_sampler):.2f} |")
    if "tpe-defaults" in normalized:
        base = normalized["tpe-defaults"][20]
        lines.append("\nAt 20 trials against tpe-defaults (median, worst):")
        for sampler in order:
            ours = normalized[sampler][20]
            verdict = statistics.median(ours) > statistics.median(base) \
                and worst(ours) > worst(base)
            lines.append(f"  {sampler}: {statistics.median(ours) - statistics.median(base):+.3f}"
                         f", {worst(ours) - worst(base):+.3f}"
                         f"{'  beats it on both' if verdict else ''}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description="Compare the advisor's samplers")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--samplers", nargs="*", default=list(SAMPLERS))
    parser.add_argument("--objectives", type=int, default=None, help="only the first N")
    parser.add_argument("--json", metavar="PATH", help="write every curve here too")
    parser.add_argument("--part", metavar="I/N", help="only the I-th of N slices of the "
                        "objectives (run slices in parallel, then --merge their --save files)")
    parser.add_argument("--save", metavar="PATH", help="keep the normalized scores here, "
                        "after every objective")
    parser.add_argument("--merge", nargs="+", metavar="PATH", help="print the summary of "
                        "these --save files together, and run nothing")
    args = parser.parse_args()
    if args.merge:
        saved = [json.loads(Path(path).read_text()) for path in args.merge]
        normalized = {s: {b: [] for b in BUDGETS} for s in saved[0]["normalized"]}
        seconds = dict.fromkeys(normalized, 0.0)
        for part in saved:
            for sampler in normalized:
                for budget in BUDGETS:
                    normalized[sampler][budget] += part["normalized"][sampler][str(budget)]
                seconds[sampler] += part["seconds"][sampler]
        runs = sum(part["runs"] for part in saved)
        print(f"{sum(len(p['objectives']) for p in saved)} objectives: "
              + "; ".join(o for p in saved for o in p["objectives"]))
        print(summary_table(normalized, seconds, runs))
        return 0
    warnings.simplefilter("ignore")
    objectives = (example_objectives() + synthetic_objectives())[:args.objectives]
    if args.part:
        index, count = (int(n) for n in args.part.split("/"))
        objectives = objectives[index - 1::count]
    if "tpe-multivariate" in args.samplers and _tpe_defaults_are_multivariate():
        args.samplers.remove("tpe-multivariate")
        print("note: this Optuna's TPE defaults are multivariate: tpe-multivariate is "
              "tpe-defaults here, and left out", flush=True)
    started = time.monotonic()
    print(f"{len(objectives)} objectives x {args.seeds} seeds x {len(args.samplers)} samplers, "
          f"{max(BUDGETS)} trials each (cpu count {os.cpu_count()})", flush=True)
    curves: dict[str, dict[str, list[list[float]]]] = {}
    normalized: dict[str, dict[int, list[float]]] = {s: {b: [] for b in BUDGETS}
                                                     for s in args.samplers}
    seconds: dict[str, float] = dict.fromkeys(args.samplers, 0.0)
    for objective in objectives:
        reference = random_reference(objective)
        low = statistics.median(reference)
        runs: dict[str, list[list[float]]] = {}
        for sampler in args.samplers:
            t0 = time.monotonic()
            runs[sampler] = [run_sampler(objective, sampler, seed, max(BUDGETS))
                             for seed in range(args.seeds)]
            seconds[sampler] += time.monotonic() - t0
        high = max([max(reference)] + [curve[-1] for r in runs.values() for curve in r])
        for sampler, sampler_runs in runs.items():
            for curve in sampler_runs:
                for budget in BUDGETS:
                    normalized[sampler][budget].append(
                        (curve[budget - 1] - low) / ((high - low) or 1.0))
        curves[objective.name] = runs
        line = "  ".join(f"{s}={statistics.median(c[-1] for c in r):.4g}"
                         for s, r in runs.items())
        print(f"{objective.name}: random median {low:.4g}, best {high:.4g} | 50-trial medians "
              f"{line} ({time.monotonic() - started:.0f} s)", flush=True)
        done = list(curves).index(objective.name) + 1
        if args.save:
            Path(args.save).write_text(json.dumps({
                "objectives": list(curves), "runs": done * args.seeds, "seconds": seconds,
                "normalized": normalized}))
        if done < len(objectives):  # so far, in case the run is cut short
            print(f"-- after {done} objective(s):\n"
                  + summary_table(normalized, seconds, done * args.seeds), flush=True)

    print()
    print(summary_table(normalized, seconds, len(objectives) * args.seeds))
    print(f"\n{time.monotonic() - started:.0f} s in all")
    if args.json:
        Path(args.json).write_text(json.dumps(curves))
    return 0


if __name__ == "__main__":
    sys.exit(main())
