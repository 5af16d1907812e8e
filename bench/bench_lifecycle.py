"""Lifecycle overhead and advisor cost, each against a bare baseline in the same process.

1. One full lifecycle (given knobs, so no advisor) of a trivial model through `run_lifecycle`,
   against the same method calls made directly as Rafiki's `test_model_class` made them
   (load, knob config round trip, init, train, evaluate, dump + pickle, destroy, reload,
   predict, ensemble). The difference is the price of the stage events and the checks.
2. 100 trials of `Advisor.propose` + `feedback` against raw Optuna ask/tell on the same space.

Run: python bench/bench_lifecycle.py
"""

from __future__ import annotations

import pickle
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rafiki.advisor import Advisor  # noqa: E402
from rafiki.lifecycle import LifecycleRequest, run_lifecycle  # noqa: E402
from rafiki.model import (  # noqa: E402
    CategoricalKnob,
    FloatKnob,
    IntegerKnob,
    deserialize_knob_config,
    load_model_class,
    serialize_knob_config,
)
from rafiki.tasks import ensemble_predictions  # noqa: E402
from tests.sdk.model_files.datasets import write_image_zip  # noqa: E402

MODEL = ROOT / "tests" / "sdk" / "model_files" / "misbehaving_model.py"
QUERIES = [[[i % 256] * 28 for _ in range(28)] for i in range(100)]
KNOBS = {"fault": "none"}


def direct(train: str, test: str) -> None:
    cls = load_model_class(MODEL.read_bytes(), "MisbehavingModel")
    deserialize_knob_config(serialize_knob_config(cls.get_knob_config()))
    model = cls(**KNOBS)
    model.train(train)
    model.evaluate(test)
    params = pickle.loads(pickle.dumps(model.dump_parameters()))
    model.destroy()
    model = cls(**KNOBS)
    model.load_parameters(params)
    ensemble_predictions([model.predict(QUERIES)], "IMAGE_CLASSIFICATION")


def through_lifecycle(train: str, test: str) -> None:
    request = LifecycleRequest(str(MODEL), "MisbehavingModel", "IMAGE_CLASSIFICATION",
                               train, test, queries=QUERIES, knobs=KNOBS)
    events: list[dict] = []
    run_lifecycle(request, events.append)


def median_time(fn, *args, repeat: int = 30) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn(*args)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def bench_lifecycle() -> None:
    folder = Path(tempfile.mkdtemp())
    train = str(write_image_zip(folder / "train.zip", [0, 1]))
    test = str(write_image_zip(folder / "test.zip", [1, 0]))
    direct(train, test), through_lifecycle(train, test)  # warm imports and caches
    bare = median_time(direct, train, test)
    staged = median_time(through_lifecycle, train, test)
    print(f"lifecycle, 100 28x28 queries: direct {bare * 1e3:.2f} ms, run_lifecycle "
          f"{staged * 1e3:.2f} ms, ratio {staged / bare:.2f}")


SPACE = {"units": IntegerKnob(8, 4096, is_exp=True), "rate": FloatKnob(1e-5, 1.0, is_exp=True),
         "drop": FloatKnob(0.0, 0.9), "opt": CategoricalKnob(["adam", "sgd", "rmsprop"])}


def advisor_trials(n: int) -> None:
    advisor = Advisor(SPACE, seed=0)
    for _ in range(n):
        knobs = advisor.propose()
        advisor.feedback(knobs, knobs["drop"])


def optuna_trials(n: int) -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize",
                                sampler=optuna.samplers.TPESampler(seed=0))
    for _ in range(n):
        trial = study.ask()
        trial.suggest_int("units", 8, 4096, log=True)
        trial.suggest_float("rate", 1e-5, 1.0, log=True)
        drop = trial.suggest_float("drop", 0.0, 0.9)
        trial.suggest_categorical("opt", ["adam", "sgd", "rmsprop"])
        study.tell(trial, drop)


def bench_advisor() -> None:
    advisor_trials(5), optuna_trials(5)
    bare = median_time(optuna_trials, 100, repeat=3)
    ours = median_time(advisor_trials, 100, repeat=3)
    print(f"advisor, 100 trials: raw optuna {bare * 1e3 / 100:.2f} ms/trial, Advisor "
          f"{ours * 1e3 / 100:.2f} ms/trial, ratio {ours / bare:.2f}")


if __name__ == "__main__":
    bench_lifecycle()
    bench_advisor()
