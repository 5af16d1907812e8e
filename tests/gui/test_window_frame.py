"""The window's frame as a user meets it: a one-line run status that opens the details when
something fails, the setup column folding away, menus by desktop convention, undoable knob
edits, a quit that asks while a run goes, themes, and readable file dialogs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QTreeView

from rafiki_gui import file_dialogs
from rafiki_gui.main_window import MainWindow
from rafiki_gui.status_strip import RunStatusStrip

from .test_knobs_panel import _inspected

MODELS = Path(__file__).parent / "models"
INSPECT_TIMEOUT_MS = 60_000
RUN_TIMEOUT_MS = 120_000


@pytest.fixture
def window(qtbot, rafiki_home, session):
    """A first launch: a fresh settings file (another test's saved layout would be restored)."""
    made = MainWindow(session)
    qtbot.addWidget(made)
    made.show()
    yield made
    if made.isVisible():
        made.session.stop_run()
        made.close()


def test_the_status_strip_says_state_stage_progress_time_and_score(qtbot):
    strip = RunStatusStrip()
    qtbot.addWidget(strip)
    strip.show()
    strip.set_state("Running", "running")
    strip.set_stage("Train")
    strip.set_progress(2, 5)
    strip.set_elapsed(75.0, eta=130.0)
    strip.set_score(0.98061)
    assert strip.state_label.text() == "Running" and strip.stage_label.text() == "Train"
    assert strip.progress.isVisible() and strip.progress.text() == "2 / 5 stages"
    assert strip.elapsed_label.text() == "1 min 15 s · ETA 2 min 10 s"
    assert "0.9806" in strip.score_label.text()
    assert strip.sizeHint().height() < 40  # one line
    strip.clear()
    assert strip.state_label.text() == "Ready" and not strip.progress.isVisible()


def test_details_stay_closed_until_asked_and_open_on_a_refusal(window, qtbot):
    assert not window.details_dock.isVisible() and window.status_strip.isVisible()
    assert window.state_label.text() == "Ready"
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert window.state_label.text() == "Not run"
    assert window.details_dock.isVisible()
    assert window.status_strip.details_button.isChecked()
    assert window.run_panel.error_view.text().startswith("Cannot run: choose a model file")
    window.status_strip.details_button.click()  # the user closes them again
    assert not window.details_dock.isVisible()


def test_a_failed_run_opens_the_details_and_a_completed_one_does_not(window, qtbot,
                                                                     shared_dataset):
    window.session.set_train_path(str(shared_dataset("digits_train.zip")))
    window.session.set_test_path(str(shared_dataset("digits_test.zip")))
    with qtbot.waitSignal(window.model_panel.sig_inspection_done, timeout=INSPECT_TIMEOUT_MS):
        window.model_panel.open_model(str(MODELS / "quick_model.py"))
    with qtbot.waitSignal(window.session.sig_run_finished, timeout=RUN_TIMEOUT_MS):
        assert window.run()
    assert window.state_label.text() == "Completed" and "Score" in \
        window.status_strip.score_label.text()
    assert not window.details_dock.isVisible()
    with qtbot.waitSignal(window.model_panel.sig_inspection_done, timeout=INSPECT_TIMEOUT_MS):
        window.model_panel.open_model(str(MODELS / "segfault_model.py"))
    with qtbot.waitSignal(window.session.sig_run_finished, timeout=RUN_TIMEOUT_MS):
        assert window.run()
    assert window.state_label.text() == "Crashed"
    assert window.details_dock.isVisible()
    assert window.run_panel.error_view.text().startswith("The model process crashed")


def test_the_setup_column_folds_away_and_comes_back(window):
    assert window.splitter.sizes()[0] > 0 and window.setup_pane_action.isChecked()
    window.setup_pane_action.trigger()
    assert window.splitter.sizes()[0] == 0 and not window.setup_pane_action.isChecked()
    window.setup_pane_action.trigger()
    assert window.splitter.sizes()[0] > 0


def test_menus_follow_desktop_conventions(window):
    menus = {a.text().replace("&", ""): [x.text().replace("&", "") for x in a.menu().actions()
                                         if x.text()]
             for a in window.menuBar().actions()}
    assert list(menus) == ["File", "Edit", "View", "Run", "Tuning", "Help"]
    assert menus["File"][:2] == ["Open model…", "Recent models"]
    assert {"Open trained model…", "Save trained model…", "Export", "Quit"} <= \
        set(menus["File"])
    assert menus["Edit"][:2] == ["Undo", "Redo"] and "Reset knobs" in menus["Edit"]
    assert {"Setup pane", "Run details", "Toolbar", "Theme"} <= set(menus["View"])
    assert menus["Help"] == ["Documentation", "About"]
    toolbar = window.actions_.toolbar
    for action in toolbar.actions():
        if action.isSeparator():
            continue
        assert not action.icon().isNull() and action.toolTip(), action.text()


def test_knob_edits_undo_and_redo(window, session, tmp_path):
    _inspected(session, tmp_path)
    first = dict(session.knobs)
    session.set_knobs({**first, "epochs": 7})
    session.set_knobs({**first, "epochs": 9, "dropout": 0.4})
    assert window.undo_action.isEnabled()
    assert window.undo_action.text().replace("&", "") == "Undo edit of dropout, epochs"
    window.undo_action.trigger()
    assert session.knobs["dropout"] == first["dropout"] and session.knobs["epochs"] == 7
    window.undo_action.trigger()
    assert session.knobs == first
    assert window.knobs_panel.editors["epochs"].value() == first["epochs"]
    window.redo_action.trigger()
    window.redo_action.trigger()
    assert session.knobs["epochs"] == 9
    window.reset_action.trigger()
    window.undo_action.trigger()  # Reset is undoable too
    assert session.knobs["epochs"] == 9


def test_an_edit_of_many_knobs_says_how_many(window, session, tmp_path):
    """Propose may change every knob: naming three of them read as if only those would go back."""
    _inspected(session, tmp_path)
    first = dict(session.knobs)
    changed = {"epochs": 9, "hidden": 100, "learning_rate": 0.0123, "dropout": 0.4}
    session.set_knobs({**first, **changed})
    assert window.undo_action.text().replace("&", "") == "Undo edit of 4 knobs (dropout, epochs, …)"


def _answer_quit_question(click_quit: bool) -> None:
    box = QApplication.activeModalWidget()
    assert isinstance(box, QMessageBox) and "A run is going" in box.text()
    buttons = [b for b in box.buttons() if b.text() == "Stop and quit"] if click_quit \
        else [box.button(QMessageBox.StandardButton.Cancel)]
    buttons[0].click()


def test_quitting_during_a_run_asks_first(window, qtbot, shared_dataset):
    window.session.set_train_path(str(shared_dataset("digits_train.zip")))
    window.session.set_test_path(str(shared_dataset("digits_test.zip")))
    with qtbot.waitSignal(window.model_panel.sig_inspection_done, timeout=INSPECT_TIMEOUT_MS):
        window.model_panel.open_model(str(MODELS / "hanging_model.py"))
    assert window.run()
    qtbot.waitUntil(lambda: window.session.is_running, timeout=RUN_TIMEOUT_MS)
    QTimer.singleShot(200, lambda: _answer_quit_question(click_quit=False))
    window.quit_action.trigger()
    assert window.isVisible() and window.session.is_running  # Cancel keeps it going
    QTimer.singleShot(200, lambda: _answer_quit_question(click_quit=True))
    with qtbot.waitSignal(window.session.sig_run_finished, timeout=RUN_TIMEOUT_MS):
        window.quit_action.trigger()
    assert not window.isVisible() and not window.session.is_running


def test_dark_theme_is_chosen_kept_and_check_boxes_show(window, qtbot):
    from PySide6.QtWidgets import QCheckBox

    from rafiki_gui.style import theme_choice

    app = QApplication.instance()
    try:
        window.actions_.theme_actions["dark"].trigger()
        assert theme_choice() == "dark" and app.property("rafiki_dark")
        box = QCheckBox("Log y")
        qtbot.addWidget(box)
        box.resize(80, 24)
        image = box.grab().toImage()
        background = image.pixelColor(image.width() - 2, image.height() // 2)
        indicator = {image.pixelColor(x, image.height() // 2).name() for x in range(2, 18)}
        assert any(abs(QColor(c).lightness() - background.lightness()) > 60
                   for c in indicator), indicator  # the unchecked box stands out
    finally:
        window.actions_.set_theme("light")
    assert theme_choice() == "light" and not app.property("rafiki_dark")


def test_toolbar_glyphs_are_drawn_at_the_size_and_pixel_ratio_asked(qtbot):
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QIcon, QImage

    from rafiki_gui.toolbar_icons import icon

    def pixels(pixmap) -> bytes:
        image = pixmap.toImage().convertToFormat(QImage.Format.Format_ARGB32)
        return bytes(image.constBits())  # copied while the image lives

    undo = icon("undo")
    sharp = undo.pixmap(QSize(24, 24), 2.0)  # a toolbar on a 2x screen
    assert (sharp.width(), sharp.devicePixelRatio()) == (48, 2.0)
    assert pixels(sharp) == pixels(icon("undo").pixmap(48, 48))  # drawn at 48 px, not blown up
    assert pixels(sharp) != pixels(undo.pixmap(24, 24).scaled(48, 48))
    faded = undo.pixmap(QSize(24, 24), 1.0, QIcon.Mode.Disabled)
    assert pixels(faded) != pixels(undo.pixmap(24, 24))
    assert QIcon(undo).pixmap(16, 16).width() == 16  # a copy keeps drawing (menus: 16 px)


def _ink_lightness(icon) -> int:
    """The lightness of the most opaque pixel a toolbar glyph draws (its ink)."""
    image = icon.pixmap(24, 24).toImage()
    pixels = [image.pixelColor(x, y) for x in range(24) for y in range(24)]
    return max(pixels, key=lambda color: color.alpha()).lightness()


def test_switching_theme_recolours_drawn_plots_and_toolbar_glyphs(window, qtbot):
    from rafiki_gui.tuning.trial_charts import _plot_widget

    chart = _plot_widget()  # a tuning chart as the tab builds it, drawn in the light theme
    chart.setTitle("Score by trial")
    window.setCentralWidget(chart) if window.centralWidget() is None else chart.setParent(window)
    chart.show()
    undo = window.undo_action.icon()
    light_ink = _ink_lightness(undo)
    assert chart.backgroundBrush().color().lightness() > 200
    try:
        window.actions_.theme_actions["dark"].trigger()
        assert chart.backgroundBrush().color().lightness() < 60  # no white plot left behind
        axis = chart.getPlotItem().getAxis("left")
        assert axis.textPen().color().lightness() > 150  # tick labels readable on dark
        assert "#d0d3d8" in chart.getPlotItem().titleLabel.item.toHtml()
        assert _ink_lightness(window.undo_action.icon()) > light_ink + 80  # light glyphs
    finally:
        window.actions_.set_theme("light")
    assert chart.backgroundBrush().color().lightness() > 200
    assert _ink_lightness(window.undo_action.icon()) == light_ink


def test_toolbar_glyphs_tell_undo_redo_and_propose_apart(window):
    images = {name: getattr(window, f"{name}_action").icon().pixmap(24, 24).toImage()
              for name in ("undo", "redo", "propose", "run", "stop")}
    assert len({image.bits().tobytes() for image in images.values()}) == 5
    alpha = {name: np.frombuffer(image.constBits(), np.uint8).reshape(24, 24, 4)[:, :, 3]
             for name, image in images.items()}
    undo, redo = alpha["undo"].astype(int), alpha["redo"].astype(int)
    assert (abs(undo[:, ::-1] - redo) > 60).mean() < 0.03  # the same arrow, the other way
    assert (abs(undo - redo) > 60).mean() > 0.1


LONG_NAME = "digits_train_with_a_long_name_v2.zip"


def _shown_fallback_dialog(qtbot, folder: Path) -> tuple[QFileDialog, QTreeView]:
    assert not file_dialogs.has_native_dialogs()  # offscreen has none
    dialog = file_dialogs.fallback_dialog(None, "Open", str(folder), "*.zip")
    qtbot.addWidget(dialog)
    dialog.show()
    view = next(v for v in dialog.findChildren(QTreeView) if v.isVisible())
    return dialog, view


def _assert_whole_name_and_columns_show(view: QTreeView) -> None:
    """The long name, and the size, type and date as wide as their contents, all in view."""
    assert view.model().rowCount(view.rootIndex()) == 1, "the folder's file is not listed yet"
    header = view.header()
    name_width = view.fontMetrics().horizontalAdvance(LONG_NAME) + 40  # icon and margins
    assert header.sectionSize(0) >= name_width  # Qt's own gave names 380 px of 960
    for column in range(1, header.count()):
        assert header.sectionSize(column) >= view.sizeHintForColumn(column), column
    assert view.viewport().width() >= header.length()  # nothing cut off at the right


def test_the_fallback_file_dialog_shows_whole_names_and_sizes(qtbot, tmp_path):
    (tmp_path / LONG_NAME).write_bytes(b"x" * 123_456)
    dialog, view = _shown_fallback_dialog(qtbot, tmp_path)
    # the columns are sized once the dialog has shown (it restores its own state first)
    qtbot.waitUntil(lambda: _assert_whole_name_and_columns_show(view), timeout=5000)
    assert dialog.viewMode() == QFileDialog.ViewMode.Detail


def test_the_fallback_dialog_still_fits_its_columns_in_the_next_folder(qtbot, tmp_path):
    """The size and type columns grow when a folder's rows arrive: after the first layout when
    the folder is slow to read (as in the whole test suite), and in each folder the user opens.
    A name column given its width once then pushed the date ~40 px out of the view."""
    empty, files = tmp_path / "empty", tmp_path / "files"
    empty.mkdir()
    files.mkdir()
    (files / LONG_NAME).write_bytes(b"x" * 123_456)
    dialog, view = _shown_fallback_dialog(qtbot, empty)
    header = view.header()
    resize_to_contents = header.ResizeMode.ResizeToContents
    qtbot.waitUntil(lambda: header.sectionResizeMode(1) == resize_to_contents and  # sized
                    header.length() == view.viewport().width(), timeout=5000)
    dialog.setDirectory(str(files))
    qtbot.waitUntil(lambda: _assert_whole_name_and_columns_show(view), timeout=5000)


def test_the_fallback_dialog_shows_sizes_though_another_program_hid_them(qtbot, tmp_path):
    """Every Qt program's own file dialog saves its columns in the same place
    (QtProject.conf): a size column hidden in one was hidden in ours too."""
    (tmp_path / LONG_NAME).write_bytes(b"x" * 123_456)
    other = QFileDialog(None, "Another program", str(tmp_path))
    other.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    other.setViewMode(QFileDialog.ViewMode.Detail)
    next(iter(other.findChildren(QTreeView))).header().hideSection(1)
    with qtbot.waitSignal(other.destroyed):  # a dialog saves its state when deleted
        other.deleteLater()
    dialog, view = _shown_fallback_dialog(qtbot, tmp_path)
    qtbot.waitUntil(lambda: _assert_whole_name_and_columns_show(view), timeout=5000)
    assert not view.header().isSectionHidden(1)
    assert view.header().actions()[0].isChecked()  # its menu says so too


def test_a_failure_opens_the_details_without_growing_the_window(window, qtbot):
    """The window grew 21 px after an error and never shrank; the details now take room
    from the results instead, whatever the traceback's length."""
    window.resize(1024, 680)
    qtbot.waitUntil(lambda: window.height() == 680)
    window.show_problem("The model process crashed (signal SIGSEGV) in stage Train")
    window.run_panel.error_view.show_problem(
        "The model process crashed (signal SIGSEGV) in stage Train",
        "\n".join(f'  File "model.py", line {line} in train' for line in range(40)))
    qtbot.wait(50)
    assert window.details_dock.isVisible()
    assert (window.width(), window.height()) == (1024, 680)
    assert window.minimumSizeHint().height() <= 680
    assert window.result_tabs.height() >= 150  # the results keep room above the details
