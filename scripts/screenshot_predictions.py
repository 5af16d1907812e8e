"""Make docs/predictions-image.png and docs/predictions-pos.png: the real window runs each
example model on the shared real datasets (the bundled samples when those are absent), shows
its Predictions tab with the whole test set predicted, and saves itself.

    python scripts/screenshot_predictions.py [image|pos ...]
"""

from __future__ import annotations

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
SHARED = ROOT.parent / "shared" / "datasets"
SAMPLES = ROOT / "resources" / "datasets"
EXAMPLES = ROOT / "resources" / "examples"

CASES = {
    "image": ("image_classifier.py", ("digits_train.zip", "digits_test.zip", "digits_meta.csv"),
              ("image_train.zip", "image_test.zip", "image_meta.csv")),
    "pos": ("pos_tagger.py",
            ("pos_ud_ewt_train.zip", "pos_ud_ewt_test.zip", "pos_ud_ewt_meta.tsv"),
            ("pos_train.zip", "pos_test.zip", "pos_meta.tsv")),
}


def shoot(app, name: str) -> None:
    from rafiki_gui.main_window import MainWindow

    model, shared, samples = CASES[name]
    folder, files = (SHARED, shared) if (SHARED / shared[0]).exists() else (SAMPLES, samples)
    window = MainWindow()
    window.resize(*SIZE)
    window.show()
    session, panel = window.session, window.predictions_panel
    session.set_train_path(str(folder / files[0]))
    session.set_test_path(str(folder / files[1]))
    session.set_label_names_path(str(folder / files[2]))
    done: list = []
    window.model_panel.sig_inspection_done.connect(lambda: done.append("inspected"))
    window.model_panel.open_model(str(EXAMPLES / model))
    wait(app, lambda: done)
    session.sig_run_finished.connect(done.append)
    window.run()
    wait(app, lambda: len(done) > 1)
    window.splitter.setSizes([400, SIZE[0] - 400])
    window.result_tabs.parentWidget().setSizes([SIZE[1] - 250, 150])
    panel.sig_predictions_shown.connect(done.append)
    window.result_tabs.setCurrentWidget(panel)
    wait(app, lambda: len(done) > 2 and not panel.is_busy() or panel.error_view.isVisible())
    if name == "image":
        panel.image_table.selectRow(next((row for row in range(panel.image_model.rowCount())
                                          if panel.image_model.predicted[row]
                                          != panel.image_model.true[row]), 0))
    window.setup_tabs.setCurrentWidget(window.datasets_panel)
    wait(app, lambda: not window.datasets_panel.is_loading())
    wait(app, lambda: False, timeout=0.5)
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

    app = QApplication([])
    apply_style(app, dark=False)
    for name in sys.argv[1:] or list(CASES):
        shoot(app, name)


if __name__ == "__main__":
    main()
