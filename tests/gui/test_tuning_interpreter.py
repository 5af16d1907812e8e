"""Choosing the Python that runs models: a venv lacking the model's dependency is reported
with the exact command, and Install (only when pressed) streams pip's own failure there."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("rafiki.runner")

from rafiki.experiments import Experiments  # noqa: E402
from rafiki.store import Store  # noqa: E402
from rafiki_gui.main_window import MainWindow  # noqa: E402
from rafiki_gui.session import Session  # noqa: E402
from rafiki_gui.settings import chosen_interpreter  # noqa: E402

MODEL = textwrap.dedent("""
    from rafiki.model import BaseModel, IntegerKnob, test_model_class

    class NeedsSklearn(BaseModel):
        @staticmethod
        def get_knob_config():
            return {"trees": IntegerKnob(1, 10)}

    if __name__ == "__main__":
        test_model_class(model_file_path=__file__, model_class="NeedsSklearn",
                         task="IMAGE_CLASSIFICATION", dependencies={"scikit-learn": "1.3.0"},
                         train_dataset_uri="train.zip", test_dataset_uri="test.zip")
""")


@pytest.fixture
def bare_venv(tmp_path):
    """A venv with neither pip nor the model's dependency (nor numpy)."""
    folder = tmp_path / "bare-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True,
                   timeout=120)
    python = folder / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    assert python.exists()
    return str(python)


def test_interpreter_lacking_a_dependency_is_reported_and_install_runs_only_when_asked(
        qtbot, rafiki_home, tmp_path, bare_venv):
    model = tmp_path / "needs_sklearn.py"
    model.write_text(MODEL)
    window = MainWindow(Session(experiments=Experiments(Store())))
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.model_panel.sig_inspection_done, timeout=60_000):
        window.model_panel.open_model(str(model))
    assert window.session.dependencies == {"scikit-learn": "1.3.0"}

    window.tuning_actions["interpreter"].trigger()
    dialog = window.interpreter_dialog
    dialog.path_edit.setText(bare_venv)
    with qtbot.waitSignal(dialog.sig_checked, timeout=60_000) as checked:
        dialog.check_button.click()
    report = checked.args[0]
    assert not report.ok
    assert [d.name for d in report.missing_dependencies] == ["scikit-learn"]
    assert "Not ready" in dialog.summary.text() and "scikit-learn" in dialog.summary.text()
    command = dialog.command_edit.text()
    assert bare_venv in command and "-m pip install" in command
    assert "scikit-learn==1.3.0" in command
    assert "Models run as:" in dialog.details.toPlainText()
    assert dialog.output.toPlainText() == ""  # nothing installed before being asked

    assert dialog.install_button.isEnabled()
    with qtbot.waitSignal(dialog.sig_install_finished, timeout=60_000) as installed:
        dialog.install_button.click()
    assert installed.args[0] != 0  # this venv has no pip: pip's own error is shown
    output = dialog.output.toPlainText()
    command_line, first_output = output.splitlines()[:2]
    assert command_line.startswith(f"$ {bare_venv} -m pip install")
    assert "No module named pip" in first_output  # streamed after the command, in order
    assert "the install failed" in output
    qtbot.waitUntil(lambda: dialog.install_button.isEnabled(), timeout=60_000)  # re-checked

    dialog.accept()
    assert chosen_interpreter() == bare_venv
    window.close()
