"""Help > About shows the versions a bug report needs, as the running parts report them."""

from __future__ import annotations

import platform

import pytest

pytest.importorskip("PySide6")

import numpy  # noqa: E402
import pyqtgraph  # noqa: E402
import PySide6  # noqa: E402
from PySide6.QtCore import qVersion  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

import rafiki  # noqa: E402
from rafiki_gui.about_dialog import AboutDialog, versions_text  # noqa: E402


def test_about_dialog_shows_the_running_versions(qtbot):
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    shown = {part: label.text() for part, label in dialog.version_labels.items()}
    assert shown["Rafiki Workbench"] == rafiki.__version__
    assert shown["Python"].startswith(platform.python_version())
    assert shown["Qt"] == qVersion()
    assert shown["PySide6"] == PySide6.__version__
    assert shown["pyqtgraph"] == pyqtgraph.__version__
    assert shown["numpy"] == numpy.__version__
    assert shown["Build"] == "from source"


def test_copy_versions_puts_every_line_on_the_clipboard(qtbot):
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    dialog.copy_button.click()
    assert QApplication.clipboard().text() == versions_text()
    assert f"numpy: {numpy.__version__}" in versions_text().splitlines()


def test_help_about_opens_the_dialog(qtbot):
    from rafiki_gui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.about_action.trigger()
    dialogs = [w for w in QApplication.topLevelWidgets()
               if isinstance(w, AboutDialog) and w.isVisible()]
    assert len(dialogs) == 1
    dialogs[0].close()
