"""The knob form: editors by knob type, values kept typed, problems marked, Run refused."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt

from rafiki.model.knob import (
    CategoricalKnob,
    FixedKnob,
    FloatKnob,
    IntegerKnob,
    serialize_knob_config,
)
from rafiki_gui.knob_editors import (
    CategoricalKnobEditor,
    FixedKnobEditor,
    RangeKnobEditor,
    log_step,
)
from rafiki_gui.panels.knobs_panel import KnobsPanel
from rafiki_gui.session import RunRefused

KNOB_CONFIG = {
    "epochs": IntegerKnob(1, 50),
    "hidden": IntegerKnob(8, 512, is_exp=True),
    "learning_rate": FloatKnob(1e-5, 1e-1, is_exp=True),
    "dropout": FloatKnob(0.0, 0.5),
    "use_bias": CategoricalKnob([True, False]),
    "batch": CategoricalKnob([16, 32, 64]),
    "optimizer": CategoricalKnob(["adam", "sgd"]),
    "seed": FixedKnob(7),
}


def _inspected(session, tmp_path, config=KNOB_CONFIG):
    """Give the session an inspection record as the runner's inspect_model_file returns it."""
    model = tmp_path / "model.py"
    model.write_text("# inspected below\n")
    session.set_model_path(str(model))
    session.set_inspection(SimpleNamespace(
        classes={"Net": serialize_knob_config(config)}, error=None, statics={}))


@pytest.fixture
def panel(qtbot, session, tmp_path):
    _inspected(session, tmp_path)
    widget = KnobsPanel(session)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_one_editor_per_knob_chosen_by_knob_type(panel):
    kinds = {name: type(editor) for name, editor in panel.editors.items()}
    assert kinds == {
        "epochs": RangeKnobEditor, "hidden": RangeKnobEditor,
        "learning_rate": RangeKnobEditor, "dropout": RangeKnobEditor,
        "use_bias": CategoricalKnobEditor, "batch": CategoricalKnobEditor,
        "optimizer": CategoricalKnobEditor, "seed": FixedKnobEditor,
    }
    assert panel.editors["seed"].line.isReadOnly()
    assert panel.editors["seed"].line.text() == "7"
    assert panel.problems() == {}


def test_log_scale_float_is_shown_in_scientific_notation_and_steps_multiplicatively(panel):
    spin = panel.editors["learning_rate"].spin
    spin.setValue(1e-3)
    assert spin.text() == "1e-03"
    spin.stepBy(1)
    assert spin.value() == pytest.approx(2e-3)
    spin.stepBy(1)
    assert spin.value() == pytest.approx(5e-3)
    spin.stepBy(-3)
    assert spin.value() == pytest.approx(5e-4)
    assert spin.text() == "5e-04"
    assert panel.session.knobs["learning_rate"] == pytest.approx(5e-4)


def test_stepping_stays_inside_the_range(panel):
    spin = panel.editors["hidden"].spin
    spin.setValue(300)
    spin.stepBy(5)
    assert spin.value() == 512
    assert panel.session.knobs["hidden"] == 512
    assert log_step(8, 1, integer=True) == 10


def test_categorical_keeps_the_value_type(panel, qtbot):
    combo = panel.editors["use_bias"].combo
    combo.setCurrentIndex(1)
    combo.activated.emit(1)
    assert panel.session.knobs["use_bias"] is False
    batch = panel.editors["batch"].combo
    batch.setCurrentIndex(2)
    batch.activated.emit(2)
    assert panel.session.knobs["batch"] == 64 and type(panel.session.knobs["batch"]) is int


def test_typed_value_out_of_range_is_marked_and_run_refused_with_the_reason(panel, qtbot):
    spin = panel.editors["epochs"].spin
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), "500")
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)
    assert panel.session.knobs["epochs"] == 500
    assert panel.problems()["epochs"] == "500 is outside [1, 50]"
    assert panel.problem_labels["epochs"].isVisible()
    assert "not allowed" in panel.summary.text()
    with pytest.raises(RunRefused, match=r"knob 'epochs': 500 is outside \[1, 50\]"):
        panel.session.build_spec()


def test_past_value_not_among_the_choices_is_shown_and_marked(panel):
    knobs = dict(panel.session.knobs, optimizer="rmsprop")
    panel.session.set_knobs(knobs)
    assert "rmsprop" in panel.editors["optimizer"].combo.currentText()
    assert panel.problems() == {"optimizer": "'rmsprop' is not one of ['adam', 'sgd']"}


def test_reset_brings_every_default_back(panel):
    panel.session.set_knobs(dict(panel.session.knobs, epochs=3, dropout=0.4))
    panel.reset_button.click()
    assert panel.session.knobs["epochs"] == IntegerKnob(1, 50).default()
    assert panel.editors["dropout"].value() == pytest.approx(0.25)


def test_propose_gives_valid_knobs_from_the_advisor(panel):
    pytest.importorskip("rafiki.advisor")
    panel.propose_button.click()
    knobs = panel.session.knobs
    assert set(knobs) == set(KNOB_CONFIG)
    assert panel.problems() == {}
    assert knobs["seed"] == 7


def test_switching_class_rebuilds_the_form(qtbot, session, tmp_path):
    _inspected(session, tmp_path, {"depth": IntegerKnob(1, 4)})
    widget = KnobsPanel(session)
    qtbot.addWidget(widget)
    assert list(widget.editors) == ["depth"]
    _inspected(session, tmp_path, {"width": FloatKnob(0.5, 2.0)})
    assert list(widget.editors) == ["width"]
    assert session.knobs == {"width": 1.25}
