"""The price of isolation: one run of a ~1 s model in a child process against in process.

Side by side, alternating, several repeats of the same lifecycle (tests/engine/store_models/
quick_model.py sleeping 1 s in train, so the lifecycle is about 1 s in process):

1. in process: ``test_model_class`` (Rafiki's way), timed around the call;
2. isolated, through the runner: ``rafiki.runner.Run`` start -> wait, as ``rafiki run`` does
   (child start, imports, event pipe, parameters file written), timed from this process;
3. the whole ``rafiki run`` command as a user types it (a fresh interpreter, the store
   record and the console output included).

Target: (2) at most 1.2x (1). Run: python bench/bench_run_overhead.py [repeats]
"""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rafiki.model import logger  # noqa: E402
from rafiki.model.dev import test_model_class  # noqa: E402
from rafiki.runner import Run, RunSpec  # noqa: E402
from tests.sdk.model_files.datasets import write_image_zip  # noqa: E402

MODEL = ROOT / "tests" / "engine" / "store_models" / "quick_model.py"
KNOBS = {"x": 0.3, "delay": 1.0}
TASK = "IMAGE_CLASSIFICATION"


def in_process(train: str, test: str) -> float:
    with logger.sinks_replaced([lambda record: None]), redirect_stdout(io.StringIO()):
        started = time.perf_counter()
        test_model_class(str(MODEL), "QuickModel", TASK, {}, train, test, queries=[],
                         knobs=KNOBS, out=io.StringIO())
        return time.perf_counter() - started


def through_runner(train: str, test: str, params: str) -> float:
    started = time.perf_counter()
    run = Run(RunSpec(str(MODEL), "QuickModel", TASK, train, test, knobs=KNOBS,
                      params_path=params), on_events=lambda batch: None)
    run.start()
    outcome = run.wait()
    elapsed = time.perf_counter() - started
    assert outcome.state.name == "COMPLETED", outcome
    return elapsed


def whole_command(train: str, test: str, home: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "rafiki", "run", str(MODEL), "--class", "QuickModel",
                    "--task", TASK, "--train", train, "--test", test, "--knobs",
                    '{"x": 0.3, "delay": 1.0}'], check=True, capture_output=True,
                   env={**os.environ, "RAFIKI_HOME": home}, cwd=ROOT)
    return time.perf_counter() - started


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory() as folder:
        train = str(write_image_zip(Path(folder) / "train.zip", [0, 1] * 20))
        test = str(write_image_zip(Path(folder) / "test.zip", [0, 1] * 5))
        in_process(train, test)  # warm: imports and the dataset cache
        times: dict[str, list[float]] = {"in process": [], "runner": [], "rafiki run": []}
        for repeat in range(repeats):
            times["in process"].append(in_process(train, test))
            times["runner"].append(through_runner(train, test, f"{folder}/p{repeat}.pkl"))
            times["rafiki run"].append(whole_command(train, test, folder))
    base = statistics.median(times["in process"])
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"{name:>12}: median {median:.3f} s (min {min(samples):.3f}, "
              f"max {max(samples):.3f}) ratio {median / base:.2f}x")


if __name__ == "__main__":
    main()
