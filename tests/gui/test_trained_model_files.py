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


def _open(win, qtbot, path, confirm):
    """Open the file as the menu does; returns what on_done got (read off the UI thread)."""
    done = []
    assert open_trained_model(win, str(path), confirm=confirm, on_done=done.append)
    assert done == []  # nothing yet: the file is being read on a worker thread
    qtbot.waitUntil(lambda: bool(done), timeout=30_000)
    return done[0]


def test_a_file_saved_here_opens_without_asking(trained_window, qtbot, tmp_path):
    win = trained_window
    knobs = dict(win.session.last_outcome.result["knobs"])
    saved = export_last_run(win, str(tmp_path / "clf.rafiki-model"))
    assert saved is not None and saved.exists()
    win.session.set_knobs({**knobs, "epochs": knobs["epochs"] - 1})
    asked = []
    bundle = _open(win, qtbot, saved, lambda _parent, path: asked.append(path) or True)
    assert bundle.signed and asked == []  # this user's own file: no warning
    assert bundle.knobs == knobs and win.session.knobs == knobs
    panel = win.predictions_panel
    qtbot.waitUntil(lambda: panel.prediction_count() > 0, timeout=60_000)
    assert win.result_tabs.currentWidget() is panel


def test_a_file_from_elsewhere_asks_before_it_is_used(trained_window, qtbot, tmp_path,
                                                      monkeypatch):
    saved = export_last_run(trained_window, str(tmp_path / "clf.rafiki-model"))
    monkeypatch.setenv("RAFIKI_HOME", str(tmp_path / "another-user"))  # another user's key
    asked = []
    bundle = _open(trained_window, qtbot, saved,
                   lambda _parent, path: asked.append(path) or True)
    assert asked == [str(saved)] and not bundle.signed  # asked before any unpickling
    panel = trained_window.predictions_panel
    qtbot.waitUntil(lambda: panel.prediction_count() > 0, timeout=60_000)


def test_declining_the_warning_loads_nothing(trained_window, qtbot, tmp_path, monkeypatch):
    saved = export_last_run(trained_window, str(tmp_path / "clf.rafiki-model"))
    monkeypatch.setenv("RAFIKI_HOME", str(tmp_path / "another-user"))
    assert _open(trained_window, qtbot, saved, lambda *_: False) is None
    assert not any((tmp_path / "another-user" / "imported").glob("*.pkl"))


def test_a_damaged_file_is_refused_with_its_name(window, qtbot, tmp_path):  # noqa: F811
    _model, train, test = default_inputs()
    load(window, qtbot, resource_path(*EXAMPLE_MODEL), str(train), str(test))
    damaged = tmp_path / "damaged.rafiki-model"
    damaged.write_bytes(b"not a zip")
    assert _open(window, qtbot, damaged, lambda *_: True) is None
    assert "damaged.rafiki-model: not a trained-model file" in \
        window.run_panel.error_view.text()
