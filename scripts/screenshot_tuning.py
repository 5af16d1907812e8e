"""Make docs/tuning.png: the real window tunes the example image model (12 trials, 2 at once)
through real child processes, selects the best trial and saves itself.

    python scripts/screenshot_tuning.py [docs/tuning.png] [--chart parallel]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["RAFIKI_HOME"] = tempfile.mkdtemp(prefix="rafiki-screenshot-")
SIZE = (1600, 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", default=str(ROOT / "docs" / "tuning.png"))
    parser.add_argument("--chart", default="Parallel coordinates",
                        help="the chart tab to show (its title)")
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--predict-check", type=int, default=10,
                        help="test samples each trial predicts after its dump (0: off)")
    args = parser.parse_args()
    from PySide6.QtWidgets import QApplication

    from rafiki_gui.main_window import MainWindow
    from rafiki_gui.style import apply_style

    app = QApplication([])
    apply_style(app, dark=False)
    window = MainWindow()
    window.resize(*SIZE)
    window.show()
    session, panel = window.session, window.tuning_panel
    session.set_train_path(str(ROOT / "resources" / "datasets" / "image_train.zip"))
    session.set_test_path(str(ROOT / "resources" / "datasets" / "image_test.zip"))
    done: list = []
    window.model_panel.sig_inspection_done.connect(lambda: done.append("inspected"))
    window.model_panel.open_model(str(ROOT / "resources" / "examples" / "image_classifier.py"))
    wait(app, lambda: done)
    window.result_tabs.setCurrentWidget(panel)
    window.splitter.setSizes([380, SIZE[0] - 380])
    panel.trials_spin.setValue(args.trials)
    panel.parallel_spin.setValue(2)
    panel.seed_spin.setValue(3)
    panel.predict_check_spin.setValue(args.predict_check)
    panel.sig_tuning_finished.connect(done.append)
    panel.start_tuning()
    wait(app, lambda: len(done) > 1, timeout=600)
    titles = [panel.charts.tabText(i) for i in range(panel.charts.count())]
    panel.charts.setCurrentIndex(titles.index(args.chart))
    panel.select_trial(panel.model.best_id)
    panel.splitter.setSizes([560, SIZE[0] - 380 - 560])
    wait(app, lambda: False, timeout=1.5)  # importance thread, redraws
    if not window.grab().save(args.output):
        raise SystemExit(f"could not save {args.output}")
    print(f"saved {args.output}: {panel.status.text()}")
    window.close()


def wait(app, condition, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)


if __name__ == "__main__":
    main()
