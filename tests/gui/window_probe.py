"""Opens the workbench window in this process on the screen Qt gives it and prints what a
user would find, as JSON: for the geometry tests, which need a screen of a chosen size (a Qt
platform option, so a process of its own) and a restart of the window.

    python -m tests.gui.window_probe measure|arrange|reopen|widen|launch [STORE]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _rows_shown(table) -> int:
    """Whole rows the trials table shows without scrolling."""
    height = table.viewport().height()
    return height // max(table.verticalHeader().defaultSectionSize(), 1)


def _inside(outer, inner) -> bool:
    return outer.contains(inner)


def _on_window(window, widget) -> bool:
    """The widget shows in full inside the window's own rectangle (not clipped by it)."""
    top_left = widget.mapTo(window, widget.rect().topLeft())
    bottom_right = widget.mapTo(window, widget.rect().bottomRight())
    return widget.isVisible() and window.rect().contains(top_left) and \
        window.rect().contains(bottom_right)


def main(command: str, store_path: str | None = None) -> None:
    from PySide6.QtWidgets import QApplication

    from rafiki.experiments import Experiments
    from rafiki.store import Store
    from rafiki_gui.main_window import MainWindow
    from rafiki_gui.session import Session
    from rafiki_gui.style import apply_theme

    app = QApplication([])
    apply_theme(app)
    experiments = Experiments(Store(Path(store_path))) if store_path else None
    session = Session(experiments=experiments) if experiments else Session()
    window = MainWindow(session)
    window.show()
    app.processEvents()
    report: dict = {"screen": list(window.screen().availableGeometry().getRect())}
    if command == "measure":
        window.result_tabs.setCurrentWidget(window.tuning_panel)
        panel = window.tuning_panel
        if experiments is not None:
            experiment_id = experiments.list()[0].id
            panel.open_experiment(experiment_id)
            panel.select_trial(panel.model.trials[0].id)
        for _ in range(5):
            app.processEvents()
        available = window.screen().availableGeometry()
        strip = window.status_strip
        top_left = strip.mapTo(window, strip.rect().topLeft())
        report.update(
            window=list(window.frameGeometry().getRect()),
            fits=_inside(available, window.frameGeometry()),
            minimum=[window.minimumSizeHint().width(), window.minimumSizeHint().height()],
            rows_shown=_rows_shown(panel.table),
            trial_plots_height=panel.detail.tabs.currentWidget().viewport().height(),
            strip_visible=strip.isVisible() and
            window.rect().contains(top_left) and strip.height() > 0,
            details_open=window.details_dock.isVisible(),
            run_visible=any(w.isVisible() for w in window.run_action.associatedObjects()
                            if w is not window and hasattr(w, "isVisible")),
            menus=[a.text().replace("&", "") for a in window.menuBar().actions()],
        )
    elif command == "arrange":
        window.resize(900, 640)
        window.result_tabs.setCurrentWidget(window.tuning_panel)
        window.setup_pane_action.trigger()  # fold the setup column
        window.show_run_details(True)
        panel = window.tuning_panel
        panel.splitter.setSizes([300, 500])
        app.processEvents()
        report.update(size=[window.width(), window.height()],
                      tuning_split=panel.splitter.sizes())
        window.close()
    elif command == "widen":
        # what a user did on a first (maximized) launch: open Tuning, unfold its settings,
        # fold them, quit. Settings wider than the screen pushed the maximized window past
        # its edge, after which Qt kept no normal geometry; forcing the window wider checks
        # the restore whatever the tab's own width
        window.result_tabs.setCurrentWidget(window.tuning_panel)
        window.tuning_panel.show_settings(True)
        app.processEvents()
        window.setMinimumWidth(window.screen().availableGeometry().width() + 19)
        app.processEvents()
        window.setMinimumWidth(0)
        window.tuning_panel.show_settings(False)
        app.processEvents()
        report.update(frame=list(window.frameGeometry().getRect()))
        window.close()
    elif command == "settings":
        window.result_tabs.setCurrentWidget(window.tuning_panel)
        panel = window.tuning_panel
        panel.settings_toggle.setChecked(False)
        app.processEvents()
        panel.settings_toggle.setChecked(True)  # unfolded as a user does
        for _ in range(5):
            app.processEvents()
        unfolded = list(window.frameGeometry().getRect())
        shown = {name: _on_window(window, widget) for name, widget in (
            ("start", panel.start_button), ("compare", panel.compare_button),
            ("predictions", panel.detail.predict_button), ("search", panel.search_box),
            ("budget", panel.trials_spin))}
        settings_visible = panel.settings_scroll.isVisible()
        panel.settings_toggle.setChecked(False)
        for _ in range(5):
            app.processEvents()
        report.update(unfolded=unfolded, folded=list(window.frameGeometry().getRect()),
                      minimum=[window.minimumSizeHint().width(),
                               window.minimumSizeHint().height()],
                      shown=shown, settings_visible=settings_visible)
        window.close()
    elif command == "launch":
        for _ in range(5):
            app.processEvents()
        report.update(frame=list(window.frameGeometry().getRect()),
                      normal=list(window.normalGeometry().getRect()),
                      maximized=window.isMaximized())
        window.close()
    elif command == "reopen":
        panel = window.result_tabs.currentWidget()
        app.processEvents()
        report.update(size=[window.width(), window.height()],
                      tab=window.result_tabs.tabText(window.result_tabs.currentIndex()),
                      setup_width=window.splitter.sizes()[0],
                      details_open=window.details_dock.isVisible(),
                      tuning_split=getattr(panel, "splitter", None) and panel.splitter.sizes())
        window.close()
    print("PROBE " + json.dumps(report), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
