"""`rafiki-gui --self-test`: the bundled example through the real window and child processes."""

from __future__ import annotations

import os
import subprocess
import sys


def test_self_test_passes_with_score_plots_and_predictions(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", RAFIKI_HOME=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "rafiki_gui", "--self-test"], env=env,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "self-test passed" in done.stdout
    assert "score shown: 0." in done.stdout
    assert "Loss Over Epochs" in done.stdout
    assert "predictions shown: 200" in done.stdout  # the whole bundled test set
