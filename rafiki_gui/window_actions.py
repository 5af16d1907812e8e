"""The window's menus and toolbar, as desktop users expect them: File (open model, recent
models, datasets, trained models, export, quit), Edit (undo/redo knob edits, reset), View
(panes, toolbar, theme), Run, Tuning, Help. Every action routes to a panel or the Session;
none holds state of its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QApplication

from .knob_history import KnobHistory
from .settings import recent_files
from .style import THEMES, apply_theme, theme_choice
from .toolbar_icons import draw_ahead, refresh_icons, set_icon

if TYPE_CHECKING:
    from .main_window import MainWindow

DOCUMENTATION = Path(__file__).resolve().parent.parent / "docs" / "GUI.md"
ONLINE_DOCUMENTATION = "https://github.com/nginyc/rafiki"
THEME_LABELS = {"system": "&System", "light": "&Light", "dark": "&Dark"}


class WindowActions:
    """Builds the window's actions, menus and toolbar; names each action on the window too
    (``window.run_action``), where tests and the launcher look for them."""

    def __init__(self, window: MainWindow):
        self.window = window
        self.knob_history = KnobHistory(window.session, window)
        self._build_actions()
        self._build_menus()
        self._build_toolbar()

    def _action(self, name: str, text: str, slot: Any, shortcut: Any = None, tip: str = "",
                icon: str = "") -> QAction:
        action = QAction(text, self.window)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if icon:
            set_icon(action, icon)
        if tip:
            action.setStatusTip(tip)
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(f"{tip} ({keys})" if keys else tip)
        action.triggered.connect(slot)
        setattr(self.window, f"{name}_action", action)
        return action

    def _build_actions(self) -> None:
        w = self.window
        self._action("open", "&Open model…", self._ask_model, QKeySequence.StandardKey.Open,
                     "Open a model file", "open")
        self._action("train", "Open &train dataset…", lambda: self._ask_dataset("train"),
                     None, "Choose the train dataset (.zip)")
        self._action("test", "Open t&est dataset…", lambda: self._ask_dataset("test"),
                     None, "Choose the test dataset (.zip)")
        self._action("open_trained", "Open trained mo&del…", self._open_trained_model, None,
                     "Load a saved trained model and inspect its predictions")
        self._action("save_model", "&Save trained model…", self._save_trained_model,
                     QKeySequence.StandardKey.Save,
                     "Save the last run's knobs and parameters as one file", "save")
        self._action("export_trials", "Trials as &CSV…",
                     lambda: self._tuning("_ask_export_csv"), None,
                     "The tuning tab's trials with their knobs and scores")
        self._action("export_chart_png", "Tuning chart as &PNG…",
                     lambda: self._tuning("_ask_export_chart", "png"), None,
                     "The chart shown in the tuning tab")
        self._action("export_chart_svg", "Tuning chart as S&VG…",
                     lambda: self._tuning("_ask_export_chart", "svg"), None,
                     "The chart shown in the tuning tab")
        self._action("quit", "&Quit", w.close, QKeySequence.StandardKey.Quit,
                     "Close the workbench (asks first while a run or tuning is going)")
        stack = self.knob_history.stack
        self.undo_action = stack.createUndoAction(w, "&Undo")
        self.redo_action = stack.createRedoAction(w, "&Redo")
        for action, keys, icon in ((self.undo_action, QKeySequence.StandardKey.Undo, "undo"),
                                   (self.redo_action, QKeySequence.StandardKey.Redo, "redo")):
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            set_icon(action, icon)
        self.undo_action.setToolTip("Undo the last knob edit (Ctrl+Z)")
        self.redo_action.setToolTip("Redo the knob edit undone (Ctrl+Shift+Z)")
        w.undo_action, w.redo_action = self.undo_action, self.redo_action
        self._action("reset", "Reset &knobs", self._reset_knobs, None,
                     "Every knob back to its default (undoable)")
        self._action("run", "&Run", w.run, "Ctrl+R", "Run the lifecycle with these knobs",
                     "run")
        self._action("stop", "&Stop", w.stop, Qt.Key.Key_Escape,
                     "Stop the run (interrupt, terminate, kill)", "stop")
        w.stop_action.setEnabled(False)
        self._action("propose", "&Propose knobs", self._propose, "Ctrl+P",
                     "Knobs proposed by the advisor", "propose")
        self._action("setup_pane", "&Setup pane", self._toggle_setup, "Ctrl+Shift+S",
                     "Show or hide the model, knobs and datasets column", "setup")
        w.setup_pane_action.setCheckable(True)
        w.setup_pane_action.setChecked(True)
        self._action("documentation", "&Documentation", self._documentation,
                     QKeySequence.StandardKey.HelpContents, "How the workbench works")
        self._action("about", "&About", self._about, None, "Version, licences, paths")
        w.session.sig_run_started.connect(self._running)
        w.session.sig_run_finished.connect(lambda _o: self._running(False))

    def _build_menus(self) -> None:
        w = self.window
        bar = w.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(w.open_action)
        self.recent_menu = file_menu.addMenu("Recent &models")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file_menu.addActions([w.train_action, w.test_action])
        file_menu.addSeparator()
        file_menu.addActions([w.open_trained_action, w.save_model_action])
        self.export_menu = file_menu.addMenu("&Export")
        self.export_menu.addActions([w.export_trials_action, w.export_chart_png_action,
                                     w.export_chart_svg_action])
        file_menu.addSeparator()
        file_menu.addAction(w.quit_action)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addActions([self.undo_action, self.redo_action])
        edit_menu.addSeparator()
        edit_menu.addAction(w.reset_action)
        self.view_menu = bar.addMenu("&View")
        self.view_menu.addAction(w.setup_pane_action)
        self._view_toggles_at = self.view_menu.addSeparator()
        theme_menu = self.view_menu.addMenu("&Theme")
        self.theme_group = QActionGroup(w)
        chosen = theme_choice()
        self.theme_actions: dict[str, QAction] = {}
        for theme in THEMES:
            action = theme_menu.addAction(THEME_LABELS[theme])
            action.setCheckable(True)
            action.setChecked(theme == chosen)
            action.triggered.connect(lambda _c=False, t=theme: self.set_theme(t))
            self.theme_group.addAction(action)
            self.theme_actions[theme] = action
        run_menu = bar.addMenu("&Run")
        run_menu.addActions([w.run_action, w.stop_action])
        run_menu.addSeparator()
        run_menu.addAction(w.propose_action)
        w.tuning_menu = bar.addMenu("&Tuning")  # filled by tuning.window_parts
        help_menu = bar.addMenu("&Help")
        help_menu.addActions([w.documentation_action, w.about_action])

    def _build_toolbar(self) -> None:
        w = self.window
        toolbar = w.addToolBar("Toolbar")
        toolbar.setObjectName("run_toolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addActions([w.open_action, w.run_action, w.stop_action, w.propose_action])
        toolbar.addSeparator()
        toolbar.addActions([self.undo_action, self.redo_action])
        toolbar.addSeparator()
        toolbar.addAction(w.setup_pane_action)
        self.toolbar = toolbar
        toggle = toolbar.toggleViewAction()
        toggle.setText("&Toolbar")
        self.view_menu.insertAction(self._view_toggles_at, toggle)

    def add_view_toggle(self, action: QAction, shortcut: str = "") -> None:
        """A pane's show/hide action in View (and the toolbar, with an icon)."""
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        set_icon(action, "details")
        action.setToolTip(f"Show or hide the run details: stages, messages, output "
                          f"({shortcut})")
        self.view_menu.insertAction(self._view_toggles_at, action)
        self.toolbar.addAction(action)

    def draw_toolbar_ahead(self) -> None:
        """Draw the toolbar's glyphs at its size before the window's first frame."""
        draw_ahead(self.toolbar.actions(), self.toolbar.iconSize(),
                   self.window.devicePixelRatioF())

    def panels_built(self) -> None:
        self.sync_setup_toggle()

    # -- routing ------------------------------------------------------------------------

    def _running(self, running: bool = True) -> None:
        self.window.run_action.setEnabled(not running)
        self.window.stop_action.setEnabled(running)

    def _ask_model(self) -> None:
        self.window.ensure_panels()
        self.window.model_panel.ask_open()

    def _ask_dataset(self, which: str) -> None:
        from . import file_dialogs  # its dialogs load when asked for, not at launch

        path = file_dialogs.open_path(self.window, f"Open the {which} dataset", "",
                                      "Rafiki datasets (*.zip)")
        if path:
            self.window.open_dataset(path, which)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        paths = recent_files()
        if not paths:
            self.recent_menu.addAction("No recent model files").setEnabled(False)
        for path in paths:
            action = self.recent_menu.addAction(path)
            action.setEnabled(Path(path).is_file())
            action.triggered.connect(lambda _c=False, p=path: self.window.open_paths([p]))

    def _propose(self) -> None:
        self.window.ensure_panels()
        self.window.knobs_panel.propose()

    def _reset_knobs(self) -> None:
        self.window.ensure_panels()
        self.window.knobs_panel.reset()

    def _tuning(self, method: str, *args: Any) -> None:
        panel = self.window.tuning_panel
        self.window.result_tabs.setCurrentWidget(panel)
        getattr(panel, method)(*args)

    def _save_trained_model(self) -> None:
        from .trained_model_files import export_last_run

        saved = export_last_run(self.window)
        if saved is not None:
            self.window.statusBar().showMessage(f"Saved the trained model to {saved}", 8000)

    def _open_trained_model(self) -> None:
        from .trained_model_files import open_trained_model

        open_trained_model(self.window)

    def _toggle_setup(self, shown: bool) -> None:
        from .main_window import SETUP_WIDTH

        splitter = self.window.splitter
        total = sum(splitter.sizes())
        if shown:
            width = self._setup_width if getattr(self, "_setup_width", 0) > 0 else SETUP_WIDTH
            splitter.setSizes([width, max(total - width, 0)])
        else:
            self._setup_width = splitter.sizes()[0]
            splitter.setSizes([0, total])

    def sync_setup_toggle(self) -> None:
        """The View › Setup pane tick follows the splitter (a drag may fold the column)."""
        action = self.window.setup_pane_action
        action.blockSignals(True)
        action.setChecked(self.window.splitter.sizes()[0] > 0)
        action.blockSignals(False)

    def set_theme(self, theme: str) -> None:
        """Light, dark or the system's; kept for the next launch. The toolbar's glyphs and
        the plots drawn already take the new colours at once."""
        from .plot_theme import recolor_plots

        apply_theme(QApplication.instance(), theme, remember=True)
        refresh_icons(self.window.findChildren(QAction))
        recolor_plots()
        self.theme_actions[theme].setChecked(True)

    def _documentation(self) -> None:
        from PySide6.QtCore import QUrl  # here: QUrl's enums cost the launch ~4 ms
        from PySide6.QtWidgets import QMessageBox

        url = QUrl.fromLocalFile(str(DOCUMENTATION)) if DOCUMENTATION.is_file() \
            else QUrl(ONLINE_DOCUMENTATION)
        if not QDesktopServices.openUrl(url):
            QMessageBox.information(self.window, "Documentation",
                                    f"The documentation is at {url.toString()}")

    def _about(self) -> None:
        from .about_dialog import show_about

        show_about(self.window)


