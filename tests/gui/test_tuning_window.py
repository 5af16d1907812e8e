"""Tuning in the workbench window: its tabs and menu, and the browser opening an experiment."""

from __future__ import annotations

from rafiki.experiments import Experiments
from rafiki_gui.main_window import MainWindow
from rafiki_gui.session import Session

from .tuning_trials import filled_store


def test_window_has_tuning_and_experiments_tabs_wired_to_the_store(qtbot, tmp_path):
    store, experiment_id = filled_store(tmp_path, trials=5, points=10)
    window = MainWindow(Session(experiments=Experiments(store)))
    qtbot.addWidget(window)
    tabs = window.result_tabs
    titles = [tabs.tabText(i) for i in range(tabs.count())]
    assert "Tuning" in titles and "Experiments" in titles
    menus = [a.text() for a in window.menuBar().actions()]
    assert "&Tuning" in menus
    assert not window.tuning_actions["stop"].isEnabled()

    window.tuning_actions["experiments"].trigger()
    browser = window.experiments_browser
    assert tabs.currentWidget() is browser and browser.table.rowCount() == 1
    browser.select(experiment_id)
    browser.open_button.click()
    panel = window.tuning_panel
    assert tabs.currentWidget() is panel
    assert panel.experiment.id == experiment_id and panel.model.rowCount() == 5
    assert window.session.model_path == str(tmp_path / "model.py")  # restored
    assert window.session.train_path == str(tmp_path / "train.zip")
    assert window.session.test_path == str(tmp_path / "train.zip")

    tabs.setCurrentWidget(browser)
    browser.select(experiment_id)
    browser.delete(experiment_id)
    assert panel.experiment is None and panel.model.rowCount() == 0
    window.close()
    store.close()


LAPTOP_SCREEN_HEIGHT = 768
TITLE_BAR_HEIGHT = 30


def test_window_with_a_traceback_shown_fits_a_laptop_screen(qtbot, session):
    """Every tab's minimum counts (the Tuning tab's was 482 px): with a failed run's traceback
    below them the window could not shrink under 884 px, taller than a 1366x768 screen."""
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    window.run_panel.error_view.show_problem(
        "The model process crashed (signal SIGSEGV) in stage Train",
        "\n".join(f'  File "model.py", line {line} in train' for line in range(12)))
    needed = window.minimumSizeHint().height() + TITLE_BAR_HEIGHT
    assert needed <= LAPTOP_SCREEN_HEIGHT, f"the window needs {needed} px of height"
