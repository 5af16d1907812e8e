"""Make docs/compare.png: three trials of the bundled image example, tuned by `rafiki tune`
through real child processes in a fresh workbench folder, shown in the compare view.

    python scripts/screenshot_compare.py [docs/compare.png]

Offscreen by default; with DISPLAY set and QT_QPA_PLATFORM=xcb it runs on that X server.
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
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["RAFIKI_HOME"] = tempfile.mkdtemp(prefix="rafiki-screenshot-")
SIZE = (1400, 900)
TRIALS = 3


def tune() -> None:
    """Three trials, one at a time, as a user's `rafiki tune` would store them."""
    datasets = ROOT / "resources" / "datasets"
    subprocess.run([sys.executable, "-m", "rafiki", "tune",
                    str(ROOT / "resources" / "examples" / "image_classifier.py"),
                    "--train", str(datasets / "image_train.zip"),
                    "--test", str(datasets / "image_test.zip"),
                    "--trials", str(TRIALS), "--parallel", "1", "--seed", "4"], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", default=str(ROOT / "docs" / "compare.png"))
    args = parser.parse_args()
    tune()
    from PySide6.QtWidgets import QApplication

    from rafiki.experiments import Experiments
    from rafiki_gui.compare_window import CompareWindow
    from rafiki_gui.style import apply_style

    app = QApplication([])
    apply_style(app, dark=False)
    experiments = Experiments()
    experiment = experiments.list()[0]
    trial_ids = [trial.id for trial in experiments.trials(experiment.id)]
    window = CompareWindow(experiments, trial_ids)
    ready: list = []
    window.sig_ready.connect(lambda: ready.append(True))
    window.resize(*SIZE)
    window.show()
    deadline = time.monotonic() + 120
    while not ready and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    settle = time.monotonic() + 1.0
    while time.monotonic() < settle:
        app.processEvents()
        time.sleep(0.01)
    if not window.grab().save(args.output):
        raise SystemExit(f"could not save {args.output}")
    print(f"saved {args.output}: {window.status.text()}")
    window.close()


if __name__ == "__main__":
    main()
