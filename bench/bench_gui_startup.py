"""Launch to painted window: the workbench against a bare PySide6 script, in the same run.

Each sample is a fresh process (offscreen), timed by this script from spawn until the child
reports that its window received its first paint, and (workbench) until its panels, built
just after that first paint, were painted too; medians of alternating samples are compared.
The issue's bar: the workbench's painted window at most 1.5x the bare script.

    python bench/bench_gui_startup.py [--samples 7] [--against ../other-checkout]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOME = tempfile.mkdtemp(prefix="rafiki-bench-home-")
BYTECODE = os.path.join(HOME, "pycache")
"""Every child reads (and the warm-up writes) its bytecode here, as an installed app has it
compiled: with PYTHONDONTWRITEBYTECODE set (as in the shared venv's shells) a checkout
without __pycache__ compiled its sources on every launch, ~35 ms of the workbench's figure
that no user pays. A prefix of its own also leaves the checkouts' trees untouched."""

_PAINT_WAITER = """
import time as _time
from PySide6.QtCore import QObject, QEvent, QTimer
def _all_painted():
    window.grab()  # renders every visible panel: the full first picture
    print("ready", _time.process_time(), flush=True)
    app.quit()
ready = getattr(window, "sig_panels_ready", None)
if ready is not None:
    ready.connect(lambda: QTimer.singleShot(0, _all_painted))
class _FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and obj is window:
            window.removeEventFilter(self)
            print("painted", _time.process_time(), flush=True)
            if ready is None:
                QTimer.singleShot(0, _all_painted)
        return False
_filter = _FirstPaint()
window.installEventFilter(_filter)
window.show()
app.exec()
"""

BARE = """
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.resize(1280, 820)
""" + _PAINT_WAITER

WORKBENCH = """
from PySide6.QtWidgets import QApplication
from rafiki_gui.main_window import MainWindow
from rafiki_gui.style import apply_style
app = QApplication([])
apply_style(app)
window = MainWindow(defer_panels=True)
""" + _PAINT_WAITER


def time_to_paint(script: str, root: Path = ROOT) -> tuple[float, float, float, float]:
    """(s to the window's first paint, s to the panels built and painted) from spawn, then
    the child's CPU seconds at each: on a loaded machine wall time mostly measures the wait
    for a core, CPU time what the launch itself costs."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(root),
               PYTHONPYCACHEPREFIX=BYTECODE,
               RAFIKI_HOME=tempfile.mkdtemp(prefix="rafiki-bench-home-", dir=HOME))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # a first launch (a fresh home each time: no saved tab, dock or splitter to restore)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=env, cwd=root)
    painted = proc.stdout.readline().split()
    first = time.perf_counter() - start
    ready = proc.stdout.readline().split()
    full = time.perf_counter() - start
    proc.wait(timeout=60)
    if [painted[:1], ready[:1]] != [["painted"], ["ready"]]:
        raise RuntimeError(f"the child did not paint its window ({painted!r}, {ready!r})")
    return first, full, float(painted[1]), float(ready[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=7)
    parser.add_argument("--against", type=Path, default=None,
                        help="another checkout whose workbench is timed in the same "
                             "sitting, interleaved (CPU times compared at the end)")
    args = parser.parse_args()
    time_to_paint(BARE)  # warm the OS file cache and compile the bytecode for each
    time_to_paint(WORKBENCH)
    if args.against is not None:
        time_to_paint(WORKBENCH, args.against.resolve())
    bare, bench, other = [], [], []
    for _ in range(args.samples):
        bare.append(time_to_paint(BARE))
        bench.append(time_to_paint(WORKBENCH))
        if args.against is not None:
            other.append(time_to_paint(WORKBENCH, args.against.resolve()))
    bare_paint = statistics.median(b[0] for b in bare)
    bench_paint = statistics.median(b[0] for b in bench)
    bench_full = statistics.median(b[1] for b in bench)
    ratio = bench_paint / bare_paint
    full_ratio = bench_full / bare_paint
    print(f"bare PySide6 QMainWindow, painted      : median {bare_paint * 1000:7.1f} ms")
    print(f"workbench window, painted              : median {bench_paint * 1000:7.1f} ms")
    print(f"workbench, every panel built + painted : median {bench_full * 1000:7.1f} ms "
          f"({full_ratio:.2f}x bare; bar: <= 2x) {'OK' if full_ratio <= 2 else 'OVER'}")
    print(f"ratio to painted window                : {ratio:.2f}x  (bar: <= 1.5x) "
          f"{'OK' if ratio <= 1.5 else 'OVER'}")
    bare_cpu = statistics.median(b[2] for b in bare)
    paint_cpu = statistics.median(b[2] for b in bench)
    full_cpu = statistics.median(b[3] for b in bench)
    print(f"CPU time (child): bare {bare_cpu * 1000:.0f} ms, workbench painted "
          f"{paint_cpu * 1000:.0f} ms ({paint_cpu / bare_cpu:.2f}x), every panel "
          f"{full_cpu * 1000:.0f} ms ({full_cpu / bare_cpu:.2f}x)")
    if other:
        other_paint = statistics.median(b[2] for b in other)
        other_full = statistics.median(b[3] for b in other)
        print(f"CPU time, {args.against}: painted {other_paint * 1000:.0f} ms "
              f"({other_paint / bare_cpu:.2f}x), every panel {other_full * 1000:.0f} ms "
              f"({other_full / bare_cpu:.2f}x)")


if __name__ == "__main__":
    main()
