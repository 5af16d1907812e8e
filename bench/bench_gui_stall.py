"""The UI thread while a model floods the logger: 200,000 metric points in about 5 seconds.

The real window runs a real child process (tests/gui/models/flooding_model.py); a QTimer
heartbeat every 5 ms records the longest gap between its ticks, i.e. the UI thread's longest
stall. The baseline is the same heartbeat in the same window, idle, for the same time. Also
prints the most CPU time the UI thread spent between two ticks (a loaded machine's figure for
the code's own share of a stall), and checks that every point reached the plot's data. The
plot's crosshair is held over the middle of its chart as soon as it appears (a still mouse:
its tooltip follows the streaming data).
Needs ../shared/datasets (digits).

    python bench/bench_gui_stall.py [--points 200000] [--seconds 5]
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from ui_heartbeat import Heartbeat  # noqa: E402 (bench/ is the script's folder)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
FLOOD_MODEL = ROOT / "tests" / "gui" / "models" / "flooding_model.py"
DIGITS = ROOT.parent / "shared" / "datasets"


def wait_for(app, condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("timed out")
        app.processEvents()
        time.sleep(0.001)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=200_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    os.environ["RAFIKI_FLOOD_POINTS"] = str(args.points)
    os.environ["RAFIKI_FLOOD_SECONDS"] = str(args.seconds)
    # a fresh data folder unless one is given: a shared one grew a store of every earlier
    # run's 200,000 points (145 MB) and remembered plot choices (smoothing) between runs
    if "RAFIKI_HOME" not in os.environ:
        home = tempfile.mkdtemp(prefix="rafiki-bench-stall-")
        atexit.register(shutil.rmtree, home, ignore_errors=True)
        os.environ["RAFIKI_HOME"] = home
    from PySide6.QtWidgets import QApplication

    from rafiki_gui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    window = MainWindow()
    window.show()
    session = window.session
    session.set_train_path(str(DIGITS / "digits_train.zip"))
    session.set_test_path(str(DIGITS / "digits_test.zip"))
    inspected = []
    window.model_panel.sig_inspection_done.connect(lambda: inspected.append(True))
    window.model_panel.open_model(str(FLOOD_MODEL))
    wait_for(app, lambda: inspected, 60)

    heartbeat = Heartbeat()
    heartbeat.start()
    idle_until = time.monotonic() + args.seconds
    wait_for(app, lambda: time.monotonic() > idle_until, args.seconds + 5)
    idle = heartbeat.stop()
    idle_cpu = heartbeat.longest_cpu

    finished = []
    session.sig_run_finished.connect(finished.append)
    hovered = []
    streaming = Heartbeat()  # from the plot's first points to its last: streaming alone
    streamed: list[float] = []

    def hover_the_flood(_events) -> None:
        view = window.plots_panel.views.get("Flood")
        if hovered and not streamed and len(hovered[0].plot.series["value"]) >= args.points:
            streamed.append(streaming.stop())
        if view is not None and not hovered:
            hovered.append(view)
            streaming.start()
            crosshair = getattr(view, "crosshair", None)
            if crosshair is not None:
                box = view.widget.getPlotItem().getViewBox().sceneBoundingRect()
                crosshair.hover_scene(box.center())

    session.sig_run_events.connect(hover_the_flood)
    heartbeat.start()
    started = time.perf_counter()
    started_cpu = time.thread_time()
    if not window.run():
        raise SystemExit(window.run_panel.error_view.text())
    # the click's own handling: a stall too, but before the heartbeat's first tick
    run_call, run_call_cpu = time.perf_counter() - started, time.thread_time() - started_cpu
    wait_for(app, lambda: finished, args.seconds * 10 + 60)
    duration = time.perf_counter() - started
    run_cpu = time.thread_time() - started_cpu
    busy = heartbeat.stop()
    if not streamed:
        streamed.append(streaming.stop())
    window.plots_panel.redraw()
    view = window.plots_panel.views.get("Flood")
    points = view.points_in_plot("value") if view else 0
    print(f"state                  : {finished[0].state.name} in {duration:.2f} s")
    print(f"idle window, longest UI stall     : {idle * 1000:6.1f} ms")
    print(f"flooding run, longest UI stall    : {busy * 1000:6.1f} ms  (bar: < 50 ms) "
          f"{'OK' if busy < 0.05 else 'OVER'}  ratio to idle {busy / max(idle, 1e-9):.1f}x")
    print(f"  while the points streamed in    : {streamed[0] * 1000:6.1f} ms  "
          f"(from the plot's first points to its last)")
    print(f"  most UI-thread CPU between ticks: {heartbeat.longest_cpu * 1000:6.1f} ms  "
          f"(idle {idle_cpu * 1000:.1f} ms; the stall's own work, whatever the load)")
    tip = bool(hovered) and getattr(hovered[0], "crosshair", None) is not None \
        and hovered[0].crosshair.hover is not None
    print(f"UI-thread CPU over the whole run  : {run_cpu:6.2f} s  (the click's handling in it)")
    print(f"  the Run click's own handling    : {run_call * 1000:6.1f} ms "
          f"({run_call_cpu * 1000:.1f} ms CPU; not in the figures above)")
    print(f"crosshair held over the plot        : {'yes' if tip else 'NO'}")
    print(f"points in the plot's data         : {points} of {args.points} "
          f"{'OK' if points == args.points else 'MISSING'}")
    window.close()


if __name__ == "__main__":
    main()
