"""Predictions for 10,000 test images: from the answers arriving to the table listed, painted
and scrolled (top, middle, bottom), in the real PredictionsPanel (accuracy, confusion matrix
and probability chart included). The budget is 1 s; the baseline is Orange's way, a
QStandardItemModel filled row by row with an item per cell (thumbnail icon and texts), timed
to the same first paint in the same process.

    python bench/bench_predictions_table.py [ROWS]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["RAFIKI_HOME"] = tempfile.mkdtemp(prefix="rafiki-bench-")

import numpy as np  # noqa: E402

BUDGET_S = 1.0
REPEATS = 3
CLASSES = 10
SIDE = 28


def make_results(rows: int, seed: int = 0):
    """Images, the predictions as they arrive from the service (JSON lists), true labels."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(rows, SIDE, SIDE), dtype=np.uint8)
    probabilities = rng.dirichlet(np.ones(CLASSES) * 0.3, size=rows)
    true = rng.integers(0, CLASSES, size=rows)
    return images, probabilities.tolist(), true, np.arange(rows)


def paint_and_scroll(app, table) -> None:
    """Paint the view at the top, the middle and the bottom (what a user scrolling sees)."""
    bar = table.verticalScrollBar()
    for value in (0, bar.maximum() // 2, bar.maximum()):
        bar.setValue(value)
        table.viewport().repaint()
    app.processEvents()


def time_panel(app, panel, results) -> float:
    images, predictions, true, indices = results
    started = time.perf_counter()
    panel.show_image_predictions(images, predictions, true, None, indices, "the test set")
    panel.repaint()
    paint_and_scroll(app, panel.image_table)
    elapsed = time.perf_counter() - started
    assert panel.image_model.rowCount() == len(predictions)
    return elapsed


def time_row_by_row(app, results) -> float:
    """Orange's mistake: one QStandardItem per cell, appended row by row."""
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QTableView

    from rafiki_gui.image_grid import gray_pixmap

    images, predictions, true, indices = results
    view = QTableView()
    view.resize(900, 600)
    view.show()
    started = time.perf_counter()
    model = QStandardItemModel(0, 5)
    model.setHorizontalHeaderLabels(["Query", "Image", "True", "Predicted", "Confidence"])
    for row, probabilities in enumerate(predictions):
        predicted = max(range(len(probabilities)), key=probabilities.__getitem__)
        thumbnail = QStandardItem()
        thumbnail.setData(gray_pixmap(images[row], 32), 1)  # DecorationRole
        model.appendRow([QStandardItem(f"test #{indices[row]}"), thumbnail,
                         QStandardItem(str(true[row])), QStandardItem(str(predicted)),
                         QStandardItem(f"{probabilities[predicted]:.1%}")])
    view.setModel(model)
    view.repaint()
    paint_and_scroll(app, view)
    elapsed = time.perf_counter() - started
    view.close()
    return elapsed


def main() -> None:
    rows = int(sys.argv[1]) if sys.argv[1:] else 10_000
    from PySide6.QtWidgets import QApplication

    from rafiki_gui.panels.predictions_panel import IMAGE_TASK, PredictionsPanel
    from rafiki_gui.session import Session

    app = QApplication([])
    session = Session()
    session.set_label_names_path(str(ROOT / "resources" / "datasets" / "image_meta.csv"))
    panel = PredictionsPanel(session)
    panel.task = IMAGE_TASK
    panel.resize(1100, 700)
    panel.show()
    app.processEvents()
    results = make_results(rows)
    time_panel(app, panel, make_results(200, seed=1))  # warm-up: imports, first paint
    ours = [time_panel(app, panel, results) for _ in range(REPEATS)]
    baseline = time_row_by_row(app, results)
    best, median = min(ours), statistics.median(ours)
    print(f"{rows:,} predictions ({SIDE}x{SIDE} images, {CLASSES} classes), listed, painted "
          f"and scrolled top/middle/bottom:")
    print(f"  PredictionsPanel (model/view over arrays): median {median * 1000:.0f} ms, "
          f"best {best * 1000:.0f} ms")
    print(f"  ratio to the {BUDGET_S:g} s budget: {median / BUDGET_S:.2f}")
    print(f"  row-by-row QStandardItemModel baseline: {baseline * 1000:.0f} ms "
          f"(ours is {baseline / median:.0f}x faster)")
    panel.shutdown()


if __name__ == "__main__":
    main()
