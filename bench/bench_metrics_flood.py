"""A model logging 200,000 metric points: what receiving them costs the parent.

The child's CPU time producing the points (its whole run) is the baseline. First run: the
parent only receives (reads and decodes the batches, counts the points): target at most a
third of the child's CPU. Second run: the parent also commits every batch to the store, as
the CLI and GUI do; every point must be in the store, and that cost is printed too.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import textwrap
import time
from pathlib import Path

POINTS = 200_000

MODEL = textwrap.dedent(f"""
    from rafiki.model import BaseModel, FixedKnob, logger

    class Flood(BaseModel):
        @staticmethod
        def get_knob_config():
            return {{"points": FixedKnob({POINTS})}}

        def __init__(self, **knobs):
            super().__init__(**knobs)

        def train(self, dataset_uri):
            logger.define_loss_plot()
            for epoch in range({POINTS}):
                logger.log(loss=1.0 / (epoch + 1), epoch=epoch)

        def evaluate(self, dataset_uri):
            return 1.0

        def predict(self, queries):
            return [[1.0] for _ in queries]

        def dump_parameters(self):
            return {{}}

        def load_parameters(self, params):
            pass

        def destroy(self):
            pass
""")


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="rafiki-bench-flood-"))
    os.environ["RAFIKI_HOME"] = str(folder / "home")
    from rafiki.runner import Run, RunnerState, RunSpec
    from rafiki.store import Store

    model = folder / "flood.py"
    model.write_text(MODEL)
    store = Store()
    experiment = store.create_experiment(
        model_file_path=str(model), model_class="Flood", task="IMAGE_CLASSIFICATION",
        train_dataset_uri="unused.zip", test_dataset_uri="unused.zip")
    trial = store.start_trial(experiment.id, {"points": POINTS})
    spec = RunSpec(model_file_path=str(model), model_class="Flood",
                   task="IMAGE_CLASSIFICATION", train_dataset_uri="unused.zip",
                   test_dataset_uri="unused.zip", knobs={"points": POINTS},
                   queries=[[[0]]],  # given (one 1x1 image): none sampled from the test set
                   params_path=store.params_path_for(trial.id))
    received = []
    child, parent, wall, _ = _measure(Run, spec, lambda events: received.append(len(events)))
    events = sum(received)  # every event of the run, metrics included
    print(f"{POINTS:,} points in {len(received)} batches ({events:,} events), {wall:.2f} s")
    print(f"child CPU (producing):          {child:6.2f} s")
    print(f"parent CPU (receiving):         {parent:6.2f} s")
    print(f"ratio receiving/producing: {parent / child:.3f} (target <= 0.333)")

    child, parent, wall, outcome = _measure(
        Run, spec, lambda events: store.record_events(trial.id, events))
    if outcome.state is not RunnerState.COMPLETED:
        sys.exit(f"the run ended {outcome.state}: {outcome.error}")
    store.finish_trial(trial.id, outcome)
    stored = len(store.trial_metrics(trial.id).get("loss", []))
    print(f"with the store: child {child:.2f} s, parent {parent:.2f} s "
          f"(ratio {parent / child:.3f}), {wall:.2f} s wall")
    print(f"stored points: {stored:,} of {POINTS:,}")
    if stored != POINTS:
        sys.exit("points were lost")


def _measure(run_class, spec, receive):
    """(child CPU, parent CPU, wall seconds, outcome) of one run."""
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    parent_before = time.process_time()
    wall = time.perf_counter()
    run = run_class(spec, on_events=receive)
    run.start()
    outcome = run.wait()
    wall = time.perf_counter() - wall
    parent = time.process_time() - parent_before
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    child = (after.ru_utime - children_before.ru_utime
             + after.ru_stime - children_before.ru_stime)
    return child, parent, wall, outcome


if __name__ == "__main__":
    main()
