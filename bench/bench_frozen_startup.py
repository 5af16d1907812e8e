"""Launch to painted window: the packaged binary against the same app from source, same run.

Both are launched the same way, offscreen, each sample a fresh process timed by this script
from spawn to exit: ``--screenshot PNG`` opens the window with the bundled example, inspects
the model in a runner child (the binary re-invoked in runner mode, or ``python -m
rafiki.runner.child``), paints the window into the PNG, waits its fixed 300 ms for the last
events and exits. So each figure is launch to painted window, plus one child process and the
same fixed wait on both sides. Medians of alternating samples; the issue's bar is a frozen
time at most 2x the source time. Build the binary first (``python scripts/build_app.py``).

With ``--archive`` built as well (``python scripts/build_app.py --archive``) it also times the
first thing a user does: unpacking the downloaded archive (``tar -xf``, or ``unzip`` for a
.zip, as a user would; Python's own readers where those tools are absent), median of 3 into a
fresh folder each.

    python bench/bench_frozen_startup.py [--samples 7]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BINARY = ROOT / "dist" / "rafiki-gui" / ("rafiki-gui.exe" if os.name == "nt" else "rafiki-gui")
BAR = 2.0


def launch_to_painted(command: list[str], home: Path, png: Path,
                      source_path: str | None = None) -> float:
    """Seconds from spawn until the process painted its window to ``png`` and exited; a
    fresh RAFIKI_HOME each time (no remembered window state or store)."""
    png.unlink(missing_ok=True)
    home.mkdir(parents=True)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", RAFIKI_HOME=str(home))
    env.pop("PYTHONPATH", None)  # the bundle must not lean on the checkout
    if source_path:
        env["PYTHONPATH"] = source_path
    start = time.perf_counter()
    done = subprocess.run(command + ["--screenshot", str(png)], env=env, cwd=home,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)
    elapsed = time.perf_counter() - start
    if done.returncode != 0 or not png.exists():
        raise RuntimeError(f"{command[0]} did not paint its window (exit {done.returncode}): "
                           f"{done.stderr.decode(errors='replace')[-500:]}")
    return elapsed


def newest_archive() -> Path | None:
    """The newest dist/rafiki-gui-*.tar.xz or .zip (scripts/build_app.py --archive)."""
    found = [*ROOT.glob("dist/rafiki-gui-*.tar.xz"), *ROOT.glob("dist/rafiki-gui-*.zip")]
    return max(found, key=lambda path: path.stat().st_mtime) if found else None


def unpack_seconds(archive: Path, into: Path) -> float:
    """Seconds to unpack ``archive`` into the empty folder ``into``."""
    into.mkdir(parents=True)
    zipped = archive.suffix == ".zip"
    tool = shutil.which("unzip" if zipped else "tar")
    start = time.perf_counter()
    if tool:
        command = [tool, "-q", str(archive), "-d", str(into)] if zipped else \
            [tool, "-xf", str(archive), "-C", str(into)]
        subprocess.run(command, check=True)
    elif zipped:
        import zipfile

        with zipfile.ZipFile(archive) as opened:
            opened.extractall(into)
    else:
        import tarfile

        with tarfile.open(archive) as opened:
            opened.extractall(into)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=7)
    args = parser.parse_args()
    if not BINARY.exists():
        sys.exit(f"{BINARY} is not built: run python scripts/build_app.py first")
    work = Path(tempfile.mkdtemp(prefix="rafiki-bench-frozen-"))
    frozen_cmd = [str(BINARY)]
    source_cmd = [sys.executable, "-m", "rafiki_gui"]
    png = work / "window.png"

    def source(home: Path) -> float:
        return launch_to_painted(source_cmd, home, png, source_path=str(ROOT))

    def frozen(home: Path) -> float:
        return launch_to_painted(frozen_cmd, home, png)

    source(work / "warm-source")  # warm the OS file cache for both
    frozen(work / "warm-frozen")
    source_times, frozen_times = [], []
    for i in range(args.samples):
        source_times.append(source(work / f"source-{i}"))
        frozen_times.append(frozen(work / f"frozen-{i}"))
    source_median = statistics.median(source_times)
    frozen_median = statistics.median(frozen_times)
    ratio = frozen_median / source_median
    print(f"from source (python -m rafiki_gui)   : median {source_median * 1000:7.1f} ms")
    print(f"packaged ({BINARY.relative_to(ROOT)}) : median {frozen_median * 1000:7.1f} ms")
    print(f"ratio frozen / source                : {ratio:.2f}x  (bar: <= {BAR}x) "
          f"{'OK' if ratio <= BAR else 'OVER'}")
    archive = newest_archive()
    if archive is None:
        print("no dist/rafiki-gui-*.tar.xz or .zip: build with --archive to time its unpacking")
        return
    unpack = statistics.median(unpack_seconds(archive, work / f"unpack-{i}") for i in range(3))
    print(f"unpack {archive.name} ({archive.stat().st_size / 1e6:.1f} MB): median "
          f"{unpack * 1000:7.1f} ms")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
