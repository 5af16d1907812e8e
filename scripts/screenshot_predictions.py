"""Make docs/predictions-image.png and docs/predictions-pos.png: the real window runs each
example model on the real datasets (digits, UD English EWT) in DATASETS, picks the names file
beside the test zip by itself, shows its Predictions tab with the whole test set predicted, and
saves itself. DATASETS defaults to tests/data; a user-like folder (~/datasets) keeps the paths
on screen free of this checkout's location.

    python scripts/screenshot_predictions.py [--datasets DIR] [image|pos ...]
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
SIZE = (1500, 950)
DATASETS = ROOT / "tests" / "data"
EXAMPLES = ROOT / "resources" / "examples"

CASES = {
    "image": ("image_classifier.py", ("digits_train.zip", "digits_test.zip", "digits_meta.csv")),
    "pos": ("pos_tagger.py", ("pos_ud_ewt_train.zip", "pos_ud_ewt_test.zip",
                              "pos_ud_ewt_meta.tsv")),
}


def shoot(app, name: str, folder: Path) -> None:
    from rafiki_gui.main_window import MainWindow

    model, files = CASES[name]
    window = MainWindow()
    window.resize(*SIZE)
    window.show()
    session, panel = window.session, window.predictions_panel
    session.set_train_path(str(folder / files[0]))
    session.set_test_path(str(folder / files[1]))
    done: list = []
    window.model_panel.sig_inspection_done.connect(lambda: done.append("inspected"))
    window.model_panel.open_model(str(EXAMPLES / model))
    wait(app, lambda: done)
    session.sig_run_finished.connect(done.append)
    window.run()
    wait(app, lambda: len(done) > 1)
    window.splitter.setSizes([400, SIZE[0] - 400])
    # the run predicted its 10 queries; the panel's predict service answers for the whole
    # test set, so the confusion matrix and accuracy cover it
    shown: list = []
    panel.sig_predictions_shown.connect(shown.append)
    window.result_tabs.setCurrentWidget(panel)
    panel.predict_whole_test_set()
    wait(app, lambda: shown and not panel.is_busy() or panel.error_view.isVisible())
    if panel.error_view.isVisible():
        raise SystemExit(f"no predictions: {panel.error_view.text()}")
    if name == "image":
        panel.image_table.selectRow(next((row for row in range(panel.image_model.rowCount())
                                          if panel.image_model.predicted[row]
                                          != panel.image_model.true[row]), 0))
    window.setup_tabs.setCurrentWidget(window.datasets_panel)
    wait(app, lambda: not window.datasets_panel.is_loading())
    wait(app, lambda: False, timeout=0.5)
    if Path(session.label_names_path).name != files[2]:  # the names file beside the zip
        raise SystemExit(f"{files[2]} was not picked by itself: {session.label_names_path!r}")
    output = ROOT / "docs" / f"predictions-{name}.png"
    if not window.grab().save(str(output)):
        raise SystemExit(f"could not save {output}")
    print(f"saved {output}: {panel.status_label.text()}")
    window.close()


def wait(app, condition, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)


def main() -> None:
    from PySide6.QtWidgets import QApplication

    from rafiki_gui.style import apply_style

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=DATASETS,
                        help="the folder holding the datasets (default: tests/data)")
    parser.add_argument("cases", nargs="*", metavar="|".join(CASES), help="default: all")
    args = parser.parse_args()
    unknown = set(args.cases) - set(CASES)
    if unknown:
        parser.error(f"unknown: {', '.join(sorted(unknown))}")
    app = QApplication([])
    apply_style(app, dark=False)
    for name in args.cases or list(CASES):
        shoot(app, name, args.datasets)


if __name__ == "__main__":
    main()
