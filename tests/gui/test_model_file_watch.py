"""The open model file is watched: an edit on disk (in place, or an editor's save through a
rename) makes the window inspect it again, keep the class and the knobs that still fit, and
offer to run it again; a save without changes does nothing."""

from __future__ import annotations

import os
from pathlib import Path

from rafiki_gui.main_window import MainWindow

MODELS = Path(__file__).parent / "models"
INSPECT_TIMEOUT_MS = 60_000
RUN_TIMEOUT_MS = 120_000


def test_an_edited_model_file_is_inspected_again_and_can_run_again(qtbot, session, tmp_path,
                                                                   shared_dataset):
    model = tmp_path / "quick_model.py"
    source = (MODELS / "quick_model.py").read_text()
    model.write_text(source)
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    session.set_train_path(str(shared_dataset("digits_train.zip")))
    session.set_test_path(str(shared_dataset("digits_test.zip")))
    with qtbot.waitSignal(window.model_panel.sig_inspection_done, timeout=INSPECT_TIMEOUT_MS):
        window.model_panel.open_model(str(model))
    assert set(session.knob_config) == {"epochs", "learning_rate", "shape"}
    session.set_knobs({**session.knobs, "epochs": 7})
    panel = window.model_panel
    assert not panel.changed_box.isVisible()

    with qtbot.assertNotEmitted(session.sig_model_file_changed, wait=800):
        model.write_text(source)  # saved without a change

    edited = source.replace('"epochs": IntegerKnob(1, 10),',
                            '"epochs": IntegerKnob(1, 10),\n            '
                            '"dropout": FloatKnob(0.0, 0.5),')
    replacement = tmp_path / ".quick_model.py.swp"
    replacement.write_text(edited)
    with qtbot.waitSignal(panel.sig_inspection_done, timeout=INSPECT_TIMEOUT_MS):
        os.replace(replacement, model)  # as editors save: a new file renamed over the old
    assert set(session.knob_config) == {"epochs", "learning_rate", "shape", "dropout"}
    assert session.model_class == "QuickModel" and session.knobs["epochs"] == 7
    assert panel.changed_box.isVisible()
    assert "quick_model.py changed on disk" in panel.changed_note.text()

    with qtbot.waitSignal(session.sig_run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        panel.run_again_button.click()
    assert finished.args[0].state.name == "COMPLETED"
    assert session.last_spec.knobs["dropout"] is not None
    assert not panel.changed_box.isVisible()

    with qtbot.waitSignal(panel.sig_inspection_done, timeout=INSPECT_TIMEOUT_MS):
        model.write_text(source)  # edited in place, back to three knobs
    assert "dropout" not in session.knob_config
    window.close()
