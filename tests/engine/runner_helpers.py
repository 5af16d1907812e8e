"""Shared helpers of the runner tests: a spec for the misbehaving model, an event collector."""

from __future__ import annotations

import threading
from pathlib import Path

from rafiki.runner import Run, RunSpec

MODEL_FILES = Path(__file__).parent / "model_files"
MISBEHAVING = str(MODEL_FILES / "misbehaving.py")


class Collected:
    """Events from a run's reader thread, with how many batches carried them."""

    def __init__(self):
        self.events: list[dict] = []
        self.batches = 0
        self.lock = threading.Lock()

    def __call__(self, events: list[dict]) -> None:
        with self.lock:
            self.events.extend(events)
            self.batches += 1

    def of_kind(self, kind: str) -> list[dict]:
        with self.lock:
            return [e for e in self.events if e["kind"] == kind]


def misbehaving_spec(tmp_path: Path, behaviour: str, **changes) -> RunSpec:
    fields = dict(
        model_file_path=MISBEHAVING, model_class="Misbehaving", task="IMAGE_CLASSIFICATION",
        train_dataset_uri=str(tmp_path / "train.zip"), test_dataset_uri=str(tmp_path / "t.zip"),
        knobs={"behaviour": behaviour, "points": 3}, queries=[[[0, 1], [1, 0]]],
        params_path=str(tmp_path / "params.pkl"),
    )
    fields.update(changes)
    return RunSpec(**fields)


def start_run(spec: RunSpec) -> tuple[Run, Collected]:
    collected = Collected()
    run = Run(spec, on_events=collected)
    run.start()
    return run, collected
