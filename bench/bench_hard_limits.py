"""Figures for docs/RELIABILITY.md: what each hostile model of issue 9 costs, measured.

Runs tests/engine/model_files/hostile.py through ``rafiki run`` in a fresh process per probe
(its only child is the run, so RUSAGE_CHILDREN's peak is the model process's real peak RSS)
and prints, per probe: exit code, wall time, the child's peak RSS, the parent's own peak RSS,
the store's size afterwards and the last line of stderr. ``--probes`` picks some.

    python bench/bench_hard_limits.py [--probes allocate,endless_line]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "engine" / "model_files" / "hostile.py"
WRAPPER = (
    "import resource, sys; from rafiki.cli import main; code = main(sys.argv[1:]); "
    "print('PEAKS', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "
    "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(code)")
PROBES = {  # name: (behaviour, extra arguments)
    "allocate 8 GiB, --memory-mb 300": ("allocate", ["--memory-mb", "300"]),
    "allocate 8 GiB, --memory-mb 2000": ("allocate", ["--memory-mb", "2000"]),
    "forged score 'abc'": ("forge_score", []),
    "forged params /etc/passwd": ("forge_params", []),
    "endless channel line": ("endless_line", []),
    "300,000 messages of 110 B": ("flood_messages", []),
    "setsid grandchild": ("setsid_grandchild", []),
    "double-fork grandchild": ("double_fork", []),
}


def _datasets(folder: Path) -> tuple[str, str]:
    sys.path.insert(0, str(ROOT))
    from tests.sdk.model_files.datasets import write_image_zip

    return (str(write_image_zip(folder / "train.zip", [0, 1, 0, 1])),
            str(write_image_zip(folder / "test.zip", [0, 1])))


def probe(name: str, behaviour: str, extra: list[str], folder: Path) -> None:
    train, test = _datasets(folder)
    home = folder / f"home-{behaviour}-{len(extra)}"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, "run", str(HOSTILE), "--class", "Hostile", "--task",
         "IMAGE_CLASSIFICATION", "--train", train, "--test", test, "--knobs",
         f'{{"behaviour": "{behaviour}"}}', *extra],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "RAFIKI_HOME": str(home)},
        timeout=600)
    elapsed = time.perf_counter() - started
    lines = done.stderr.strip().splitlines()
    peaks = next((line.split()[1:] for line in lines if line.startswith("PEAKS")), ["0", "0"])
    message = next((line for line in reversed(lines) if line.startswith("error:")), "")
    store = home / "store.sqlite3"
    size = store.stat().st_size / 2**20 if store.exists() else 0.0
    print(f"{name:34} exit {done.returncode:3}  {elapsed:5.1f} s  child peak "
          f"{int(peaks[0]) / 1024:6.0f} MB  parent peak {int(peaks[1]) / 1024:5.0f} MB  "
          f"store {size:6.1f} MB  {message[:150]}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--probes", help="comma-separated behaviours to run (default: all)")
    args = parser.parse_args()
    wanted = set(args.probes.split(",")) if args.probes else None
    with tempfile.TemporaryDirectory() as folder:
        for name, (behaviour, extra) in PROBES.items():
            if wanted is None or behaviour in wanted:
                probe(name, behaviour, extra, Path(folder))


if __name__ == "__main__":
    main()
