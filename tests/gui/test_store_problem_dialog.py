"""A damaged store: the window says so in a dialog (the CLI's line) and keeps working, with its
experiments in memory."""

from __future__ import annotations

import os

import pytest
from PySide6.QtWidgets import QMessageBox

from rafiki_gui.app import default_inputs
from rafiki_gui.main_window import MainWindow
from rafiki_gui.resources import EXAMPLE_MODEL, resource_path
from rafiki_gui.session import Session
from rafiki_gui.store_problem_dialog import DIALOG_TITLE, watch_store_problems

from .test_run_flow import load, run_to_end


@pytest.fixture
def window(qtbot, rafiki_home):
    """A window started on a store file whose first pages are garbage."""
    rafiki_home.mkdir(parents=True)
    (rafiki_home / "store.sqlite3").write_bytes(os.urandom(8192))
    made = MainWindow(Session())
    qtbot.addWidget(made)
    made.show()
    watch_store_problems(made, made.session)  # as the app's start does
    yield made
    made.close()


def test_a_damaged_store_is_said_in_a_dialog_and_runs_go_on_in_memory(window, qtbot,
                                                                      rafiki_home):
    store_path = rafiki_home / "store.sqlite3"

    def shown() -> list[QMessageBox]:
        return [box for box in window.findChildren(QMessageBox) if box.isVisible()]

    qtbot.waitUntil(lambda: bool(shown()))  # the store is opened off the UI thread
    [dialog] = shown()
    assert dialog.windowTitle() == DIALOG_TITLE
    assert str(store_path) in dialog.text() and "rafiki store check --repair" in dialog.text()
    assert "in memory" in dialog.informativeText()
    dialog.accept()

    _model, train, test = default_inputs()
    load(window, qtbot, resource_path(*EXAMPLE_MODEL), str(train), str(test))
    outcome = run_to_end(window, qtbot)
    assert outcome.state.name == "COMPLETED"
    [experiment] = window.session.experiments.list()  # recorded, in memory
    assert experiment.trial_count == 1
    assert str(window.session.experiments.path) == ":memory:"


@pytest.fixture
def sound_window(qtbot, rafiki_home):
    made = MainWindow(Session())
    qtbot.addWidget(made)
    made.show()
    watch_store_problems(made, made.session)
    yield made
    made.close()


@pytest.mark.slow
def test_a_store_filling_up_under_a_run_is_said_and_later_runs_go_to_memory(sound_window,
                                                                           qtbot):
    win = sound_window
    _model, train, test = default_inputs()
    load(win, qtbot, resource_path(*EXAMPLE_MODEL), str(train), str(test))
    store = win.session.experiments.store  # SQLite's max_page_count: SQLITE_FULL, as ENOSPC
    pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
    store._conn.execute(f"PRAGMA max_page_count = {pages}")
    assert run_to_end(win, qtbot).state.name == "COMPLETED"  # the run itself goes on
    qtbot.waitUntil(lambda: any(box.isVisible() for box in win.findChildren(QMessageBox)))
    [dialog] = [box for box in win.findChildren(QMessageBox) if box.isVisible()]
    assert str(store.path) in dialog.text() and "disk is full" in dialog.text()
    dialog.accept()

    assert run_to_end(win, qtbot).state.name == "COMPLETED"
    [experiment] = win.session.experiments.list()
    assert str(win.session.experiments.path) == ":memory:" and experiment.trial_count == 1
