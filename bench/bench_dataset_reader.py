"""What reading a dataset's summary in a child process adds, against reading it in-process.

The window used to summarise a dataset zip in its own process (``load_dataset_view``); it now
asks a warm child of ``rafiki_gui.dataset_reader_process`` (started on first use, kept for
the next reads). Timed, for each real dataset of tests/data (decoded cache on, as a user has
it, and filled before timing):

- in-process, in a fresh interpreter: the first read (it pays the imports, as the window's
  first read did) and later reads (best of N);
- through a new pool: the first read (spawn + imports in the child + read), then reads by the
  warm child (best of N): what the window pays now.

Prints milliseconds and ratios (child / in-process). Run: python bench/bench_dataset_reader.py
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATASETS = ["digits_train.zip", "digits_test.zip", "pos_ud_ewt_train.zip"]

IN_PROCESS = """
import json, sys, time
started = time.perf_counter()
from rafiki_gui.dataset_view import load_dataset_view
path, repeats = sys.argv[1], int(sys.argv[2])
load_dataset_view(path)
first = time.perf_counter() - started
later = []
for _ in range(repeats):
    started = time.perf_counter()
    load_dataset_view(path)
    later.append(time.perf_counter() - started)
print(json.dumps({"first": first, "later": min(later)}))
"""


def in_process(path: str, repeats: int) -> dict:
    done = subprocess.run([sys.executable, "-c", IN_PROCESS, path, str(repeats)], check=True,
                          capture_output=True, text=True, cwd=ROOT)
    return json.loads(done.stdout)


def through_child(path: str, repeats: int) -> dict:
    from rafiki_gui.dataset_reader_process import ReaderPool, read_dataset_view_isolated

    pool = ReaderPool()
    try:
        started = time.perf_counter()
        read_dataset_view_isolated(path, pool=pool)
        first = time.perf_counter() - started
        later = []
        for _ in range(repeats):
            started = time.perf_counter()
            read_dataset_view_isolated(path, pool=pool)
            later.append(time.perf_counter() - started)
        return {"first": first, "later": min(later)}
    finally:
        pool.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"{'dataset':<22} {'in-process first':>16} {'later':>8} {'child first':>12} "
          f"{'warm':>8} {'warm ratio':>10} {'added':>8}")
    for name in DATASETS:
        path = str(ROOT / "tests" / "data" / name)
        in_process(path, 1)  # fills the decoded cache, as the user's earlier reads did
        inside = in_process(path, args.repeats)
        child = through_child(path, args.repeats)
        ratio = child["later"] / inside["later"]
        added = (child["later"] - inside["later"]) * 1000
        print(f"{name:<22} {inside['first'] * 1000:>14.0f}ms {inside['later'] * 1000:>6.0f}ms "
              f"{child['first'] * 1000:>10.0f}ms {child['later'] * 1000:>6.0f}ms "
              f"{ratio:>10.2f} {added:>6.0f}ms")


if __name__ == "__main__":
    main()
