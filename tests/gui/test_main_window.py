"""The window as a user meets it: shortcuts, refusal without a model, drops, settings."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent, QKeySequence

from rafiki_gui.main_window import MainWindow


@pytest.fixture
def window(qtbot, session):
    made = MainWindow(session)
    qtbot.addWidget(made)
    made.show()
    return made


def test_standard_shortcuts(window):
    assert window.run_action.shortcut() == QKeySequence("Ctrl+R")
    assert window.stop_action.shortcut() == QKeySequence(Qt.Key.Key_Escape)
    assert window.open_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Open)
    assert not window.stop_action.isEnabled()


def test_run_without_a_model_is_refused_with_the_reasons(window, qtbot):
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    shown = window.run_panel.error_view.text()
    assert shown == "Cannot run: choose a model file; choose a train dataset; choose a test dataset"
    assert window.state_label.text() == "Not run"
    assert not window.session.is_running


def test_dropped_zips_become_train_and_test(window, tmp_path):
    train, test = tmp_path / "digits_train.zip", tmp_path / "digits_test.zip"
    for path in (train, test):
        path.write_bytes(b"")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(test)), QUrl.fromLocalFile(str(train))])
    drop = QDropEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(drop)
    assert window.session.train_path == str(train)
    assert window.session.test_path == str(test)


def test_deferred_panels_are_built_right_after_the_first_paint(qtbot, session):
    deferred = MainWindow(session, defer_panels=True)
    qtbot.addWidget(deferred)
    assert not deferred.panels_built
    with qtbot.waitSignal(deferred.sig_panels_ready, timeout=5000):
        deferred.show()
    assert deferred.panels_built and deferred.run_panel.isVisible()


def test_geometry_is_kept_between_windows(qtbot, session):
    first = MainWindow(session)
    qtbot.addWidget(first)
    first.resize(760, 560)
    first.close()
    second = MainWindow(session)
    qtbot.addWidget(second)
    assert (second.width(), second.height()) == (760, 560)

