"""Saving a run's trained model as one file and opening it again, through the real window."""

from __future__ import annotations

import pytest

from rafiki_gui.app import default_inputs
from rafiki_gui.resources import EXAMPLE_MODEL, resource_path
from rafiki_gui.trained_model_files import export_last_run, open_trained_model

from .test_run_flow import load, run_to_end, window  # noqa: F401 (the window fixture)


@pytest.fixture
def trained_window(window, qtbot):  # noqa: F811
    _model, train, test = default_inputs()
    load(window, qtbot, resource_path(*EXAMPLE_MODEL), str(train), str(test))
    outcome = run_to_end(window, qtbot)
    assert outcome.state.name == "COMPLETED"
    return window


def test_nothing_to_save_before_a_run(window):  # noqa: F811
    assert export_last_run(window, "/tmp/never.rafiki-model") is None
    assert "run the model to completion first" in window.run_panel.error_view.text()


def test_saved_model_opens_with_its_knobs_and_predictions(trained_window, qtbot, tmp_path):
    win = trained_window
    knobs = dict(win.session.last_outcome.result["knobs"])
    saved = export_last_run(win, str(tmp_path / "clf.rafiki-model"))
    assert saved is not None and saved.exists()
    win.session.set_knobs({**knobs, "epochs": knobs["epochs"] - 1})
    asked = []
    bundle = open_trained_model(win, str(saved),
                                confirm=lambda _parent, path: asked.append(path) or True)
    assert asked == [str(saved)]  # the user was asked before unpickling
    assert bundle.knobs == knobs and win.session.knobs == knobs
    panel = win.predictions_panel
    qtbot.waitUntil(lambda: panel.prediction_count() > 0, timeout=60_000)
    assert win.result_tabs.currentWidget() is panel


def test_declining_the_warning_loads_nothing(trained_window, tmp_path):
    saved = export_last_run(trained_window, str(tmp_path / "clf.rafiki-model"))
    assert open_trained_model(trained_window, str(saved), confirm=lambda *_: False) is None


def test_a_damaged_file_is_refused_with_its_name(window, qtbot, tmp_path):  # noqa: F811
    _model, train, test = default_inputs()
    load(window, qtbot, resource_path(*EXAMPLE_MODEL), str(train), str(test))
    damaged = tmp_path / "damaged.rafiki-model"
    damaged.write_bytes(b"not a zip")
    assert open_trained_model(window, str(damaged), confirm=lambda *_: True) is None
    assert "damaged.rafiki-model: not a trained-model file" in \
        window.run_panel.error_view.text()
