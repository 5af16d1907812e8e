"""Trials for the tuning GUI tests: real store records, made through a real Store."""

from __future__ import annotations

import random
from pathlib import Path

from rafiki.model.knob import CategoricalKnob, FloatKnob, IntegerKnob, serialize_knob_config
from rafiki.store import Store, Trial

KNOB_CONFIG = {
    "learning_rate": FloatKnob(1e-5, 1e-1, is_exp=True),
    "hidden_units": IntegerKnob(2, 64),
    "activation": CategoricalKnob(["relu", "tanh"]),
}


class Ended:
    """What Store.finish_trial reads of a runner outcome."""

    def __init__(self, state: str, score: float | None = None, error: dict | None = None):
        self.state = state
        self.result = {"score": score} if score is not None else None
        self.error = error
        self.exit_code = 0
        self.signal = None
        self.crash_report = None


def random_knobs(rng: random.Random) -> dict:
    return {"learning_rate": 10 ** rng.uniform(-5, -1), "hidden_units": rng.randint(2, 64),
            "activation": rng.choice(["relu", "tanh"])}


def filled_store(folder: Path, trials: int, points: int = 0, seed: int = 0) -> tuple[Store, int]:
    """A store with one experiment of ``trials`` completed trials (one errored every tenth),
    each with ``points`` logged loss values."""
    model = folder / "model.py"
    model.write_text("class Model: pass\n")
    data = folder / "train.zip"
    data.write_bytes(b"PK\x05\x06" + bytes(18))
    store = Store(folder / "store.sqlite3")
    experiment = store.create_experiment(
        model_file_path=str(model), model_class="Model", task="IMAGE_CLASSIFICATION",
        train_dataset_uri=str(data), test_dataset_uri=str(data),
        knob_config=serialize_knob_config(KNOB_CONFIG),
    )
    rng = random.Random(seed)
    for index in range(trials):
        trial = store.start_trial(experiment.id, random_knobs(rng))
        if points:
            batch = [{"kind": "plot", "time": 0.0, "title": "loss", "metrics": ["loss"],
                      "x_axis": None}]
            batch += [{"kind": "metrics", "time": float(step),
                       "values": {"loss": 1.0 / (step + 1) + rng.random() * 0.01}}
                      for step in range(points)]
            store.record_events(trial.id, batch)
        if index % 10 == 9:
            store.finish_trial(trial.id, Ended("ERRORED", error={
                "stage": "train", "type": "ValueError", "message": "bad knobs",
                "traceback": "Traceback: ValueError: bad knobs"}))
        else:
            store.finish_trial(trial.id, Ended("COMPLETED", score=rng.random()))
    return store, experiment.id


def plain_trial(trial_id: int, score: float | None, status: str = "completed",
                knobs: dict | None = None) -> Trial:
    return Trial(id=trial_id, experiment_id=1, number=trial_id, knobs=knobs or {}, status=status,
                 score=score, timings={}, current_stage=None, error=None, runner_state=None,
                 exit_code=None, signal=None, crash_report=None, params_path=None,
                 params_sha256=None, started=100.0, finished=None if status == "running"
                 else 100.0 + trial_id)
