"""A store another program holds locked at the window's start: the window opens at once (the
store is opened off the UI thread), says the store is busy in the store dialog after a short
wait rather than the 30 s busy timeout, goes on in memory, and Retry takes the store back once
the other program lets go. The lock is real: another process holds the file with BEGIN
EXCLUSIVE, as a database browser can."""

from __future__ import annotations

import subprocess
import sys

from PySide6.QtWidgets import QMessageBox

from rafiki.experiments import Experiments
from rafiki_gui.main_window import MainWindow
from rafiki_gui.session import Session
from rafiki_gui.store_problem_dialog import DIALOG_TITLE, watch_store_problems

HOLDER = """
import sqlite3, sys
holder = sqlite3.connect(sys.argv[1], isolation_level=None)
holder.execute("PRAGMA locking_mode = EXCLUSIVE")
holder.execute("BEGIN EXCLUSIVE")
print("held", flush=True)
sys.stdin.read()  # until the test lets go
holder.execute("ROLLBACK")
"""


def _dialogs(window) -> list[QMessageBox]:
    return [box for box in window.findChildren(QMessageBox) if box.isVisible()]


def test_a_locked_store_at_start_is_said_promptly_and_retry_takes_it_back(qtbot, rafiki_home):
    Experiments().close()  # a real store file, then held by another process
    store_path = rafiki_home / "store.sqlite3"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(store_path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        window = MainWindow(Session())
        qtbot.addWidget(window)
        window.show()
        watch_store_problems(window, window.session)  # as the app's start does
        # it returned without waiting for the lock: the store is still being opened
        assert window.session.store_opening and not _dialogs(window)
        qtbot.waitUntil(lambda: bool(_dialogs(window)), timeout=20_000)
        [dialog] = _dialogs(window)
        assert dialog.windowTitle() == DIALOG_TITLE
        assert str(store_path) in dialog.text() and "locked by another program" in dialog.text()
        assert "in memory" in dialog.informativeText()
        assert str(window.session.experiments.path) == ":memory:"  # the window goes on
    finally:
        holder.communicate("", timeout=30)  # the other program lets go
    with qtbot.waitSignal(window.session.sig_store_ready, timeout=20_000) as ready:
        dialog.button(QMessageBox.StandardButton.Retry).click()
    assert ready.args == [f"The experiment store {store_path} is in use again."]
    assert window.session.experiments.path == store_path
    assert window.session.store_problem is None
    window.close()
