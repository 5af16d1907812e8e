"""The UI thread's work per frame while a plot streams, without the child process, the store
or the machine's other load in the way: 200,000 points in batches of 1,000 routed into the
plots panel, each batch followed by the panel's redraw and a full paint of it.

Prints the longest and the median frame, in wall time and in the UI thread's CPU time. With
``--crosshair`` the plot's crosshair is held over the middle of the chart (its tooltip
follows the data). Run it against two checkouts
(PYTHONPATH=...) for a before/after ratio measured in the same conditions.

    python bench/bench_plot_frames.py [--points 200000] [--crosshair]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--crosshair", action="store_true")
    args = parser.parse_args()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    import pyqtgraph  # noqa: F401 (imported before the clock starts, as the window preloads it)

    from rafiki_gui.panels.plots_panel import PlotsPanel
    from rafiki_gui.session import Session

    panel = PlotsPanel(Session())
    panel.resize(900, 600)
    panel.show()
    panel.session.sig_run_started.emit()
    start = time.time()
    panel.add_events([{"kind": "plot", "title": "Flood", "metrics": ["value"],
                       "x_axis": "step", "time": start}])
    view = panel.views["Flood"]
    app.processEvents()
    if args.crosshair and hasattr(view, "crosshair"):
        box = view.widget.getPlotItem().getViewBox().sceneBoundingRect()
        view.crosshair.hover_scene(box.center())
    frames = []
    cpu_frames = []  # the UI thread's CPU time: what the machine's other load does not inflate
    for first in range(0, args.points, args.batch):
        events = [{"kind": "metrics", "time": start + step * 1e-5,
                   "values": {"step": step, "value": float(step % 100)}}
                  for step in range(first, min(first + args.batch, args.points))]
        began, began_cpu = time.perf_counter(), time.thread_time()
        panel.add_events(events)
        panel.redraw()
        panel.grab()  # a full paint of the panel, as the next frame would do
        frames.append(time.perf_counter() - began)
        cpu_frames.append(time.thread_time() - began_cpu)
    print(f"frames {len(frames)}, longest {max(frames) * 1000:.1f} ms, "
          f"median {statistics.median(frames) * 1000:.1f} ms; CPU longest "
          f"{max(cpu_frames) * 1000:.1f} ms, median {statistics.median(cpu_frames) * 1000:.1f} ms, "
          f"total {sum(cpu_frames):.2f} s; "
          f"points drawn {view.points_in_plot('value')}")


if __name__ == "__main__":
    main()
