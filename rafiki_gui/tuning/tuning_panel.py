"""The Tuning tab: a budget (trials and/or minutes), trials at once, a seed and pinned knobs;
Start and Stop; the trials table, the charts and the selected trial, all live while tuning.

Tuning runs on a :class:`~rafiki_gui.tuning.tuning_worker.TuningWorker`; this panel only
routes what it reports into the table model and the charts. The experiment tuned is the
tuning experiment of the window's setup (model file contents, class, task, datasets, app mode,
interpreter) with these pinned knobs, found or created by the experiments gateway
(:mod:`rafiki.experiments`) on the worker's thread; single runs live in an experiment of their
own. Opening a stored experiment brings its model, datasets and best knobs back into the
window; resuming one continues with the advisor warmed by its trials.
"""

from __future__ import annotations

import html
import logging
import time
from collections import Counter
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .. import file_dialogs
from ..memory_limit_field import MemoryLimitField
from ..session import RunRefused, Session
from .metrics_reader import ExperimentMetrics, ExperimentMetricsReader
from .search_options import SearchOptionsBox
from .trial_charts import TrialCharts
from .trial_detail import TrialDetail
from .trials_model import TrialsModel, TrialsProxy, format_knob
from .tuning_progress import TuningProgress, progress_text

if TYPE_CHECKING:
    from rafiki.experiments import Experiment, Experiments, Trial

    from .tuning_worker import TuningWorker

_log = logging.getLogger(__name__)

DEFAULT_TRIALS = 20
RANDOM_SEED = -1


class TuningRefused(ValueError):
    """Tuning cannot start; the message says why in words a user can act on."""

FOLD_SETTINGS_BELOW = 900
"""On a screen less tall than this (px) the settings start folded: at 1024x700 they took
170 of the ~450 px the tab has, leaving the selected trial's plots 82 px."""
TRIALS_MIN_HEIGHT = 100
"""The trials table, charts and detail together, at least (px)."""


RESIZE_PRECISION_ROWS = 64
SUMMARY_DELAY_MS = 150
LIVE_ROWS_MS = 150
"""Live trials reach the table, the chart in view and the status line at most this often, all
in one pass: each change of the rows had the table laid out and repainted (~8 ms at 5,000
trials), 40 times a second when 20 trials a second start and finish; and the chart's and the
status line's own timers, out of step with the table's, put their work in the same event
loop pass as the table's repaint (~25 ms of the UI thread's CPU in one pass)."""
TICK_MS = 1000


class TuningPanel(QWidget):
    """Tune the window's model, or any stored experiment, and watch the trials."""

    sig_tuning_started = Signal(int)
    """A tuning started: (experiment id)."""
    sig_tuning_pending = Signal()
    """start_tuning was asked for while the datasets are being read: the tuning starts (or
    the status line says why it cannot) once they are read."""
    sig_tuning_wait_over = Signal()
    """A tuning that waited for the datasets was cancelled, or refused once they were read."""
    sig_tuning_finished = Signal(object)
    """A tuning ended: (TuningResult, or None when it failed; the status line says why)."""
    sig_compare_trials = Signal(list)
    """Compare the trials selected in the table: ([trial id, ...], two or more)."""
    sig_tuning_progress = Signal(object)
    """While tuning, as the status line is rewritten: (TuningProgress of this tuning), for
    the window's status strip."""
    sig_experiment_opened = Signal(int)
    """The panel now shows this experiment: (experiment id)."""
    sig_metrics_read = Signal(int)
    """The opened experiment's metrics were read and the overlay drawn: (experiment id)."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self._tuning_pending = False
        self.experiment: Experiment | None = None
        self._live_notices: list[str] = []  # notes the running tuning said (see _notices)
        self.trials: list[Trial] = []
        self.metrics: dict[int, dict[str, list]] = {}
        self.x_axis_of: dict[str, str] = {}
        self.worker: TuningWorker | None = None
        self.metrics_reader: ExperimentMetricsReader | None = None
        self.last_result: Any = None
        self.last_error: dict | None = None
        self.tuning_trial_ids: set[int] = set()
        self.tuning_budget: int | None = None
        self.tuning_budget_seconds: float | None = None
        self.tuning_parallel = 1
        self._tuning_started_at: float | None = None
        self._tick_timer = QTimer(self)  # while tuning: running durations and time left tick
        self._tick_timer.setInterval(TICK_MS)
        self._tick_timer.timeout.connect(self._tick)
        self._trial_positions: dict[int, int] = {}  # trial id -> index in self.trials
        self._positions_of: list[Trial] | None = None  # the list _trial_positions indexes
        self._live_trials: dict[int, Trial] = {}  # queued for the table (see _flush_live)
        self._live_finished: dict[int, Trial] = {}  # those of them that finished
        self._live_timer = QTimer(self)
        self._live_timer.setSingleShot(True)
        self._live_timer.setInterval(LIVE_ROWS_MS)
        self._live_timer.timeout.connect(self._flush_live)
        self._summary_timer = QTimer(self)
        self._summary_timer.setSingleShot(True)
        self._summary_timer.setInterval(SUMMARY_DELAY_MS)
        self._summary_timer.timeout.connect(self._show_summary)
        self._restore_after_inspection: tuple[str, dict] | None = None

        self.model = TrialsModel()
        self.proxy = TrialsProxy(self)
        self.proxy.setSourceModel(self.model)
        self.charts = TrialCharts()
        self.detail = TrialDetail(session)
        self._build()
        self._connect()
        self._show_pinnable()
        self._update_controls()
        self.open_setup_tuning()

    # -- layout ----------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.setSpacing(4)
        self.settings_area = QWidget()
        top = QHBoxLayout(self.settings_area)
        top.setContentsMargins(0, 0, 0, 0)
        self.settings_layout = top
        """The tuning settings row: budget, pinned knobs, then any settings group added with
        :meth:`add_settings_group` (sampler, pruning, where trials run)."""
        budget = QGroupBox("Budget")
        form = QFormLayout(budget)
        self.trials_spin = QSpinBox()
        self.trials_spin.setRange(0, 100_000)
        self.trials_spin.setValue(DEFAULT_TRIALS)
        self.trials_spin.setSpecialValueText("no limit")
        self.trials_spin.setToolTip("How many trials (0: no limit, then give minutes)")
        self.minutes_spin = QDoubleSpinBox()
        self.minutes_spin.setRange(0, 7 * 24 * 60)
        self.minutes_spin.setDecimals(1)
        self.minutes_spin.setSpecialValueText("no limit")
        self.minutes_spin.setToolTip("Stop after this many minutes (0: no limit)")
        from rafiki.tuning import default_parallel

        self.parallel_spin = QSpinBox()
        self.parallel_spin.setRange(1, 64)
        self.parallel_spin.setValue(default_parallel())
        self.parallel_spin.setToolTip("Trials running at once, each in its own process")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(RANDOM_SEED, 2**31 - 1)
        self.seed_spin.setValue(RANDOM_SEED)
        self.seed_spin.setSpecialValueText("random")
        self.seed_spin.setToolTip("The advisor's seed (and each trial's), for a repeatable "
                                  "tuning")
        self.predict_check_spin = QSpinBox()
        self.predict_check_spin.setRange(0, 10_000)
        self.predict_check_spin.setSpecialValueText("off")
        self.predict_check_spin.setSuffix(" test samples")
        self.predict_check_spin.setToolTip(
            "Trials train, evaluate and dump parameters, as Rafiki's train workers did. Give N "
            "to also load each trial's parameters and predict the first N test samples (a "
            "trial whose predict fails is marked errored and keeps its score).")
        form.addRow("Trials", self.trials_spin)
        form.addRow("Minutes", self.minutes_spin)
        self.memory_field = MemoryLimitField(self.parallel_spin.value())
        self.parallel_spin.valueChanged.connect(self.memory_field.set_at_once)
        form.addRow("At once", self.memory_field.beside(self.parallel_spin, "each with"))
        form.addRow("Seed", self.seed_spin)
        form.addRow("Predict check", self.predict_check_spin)
        top.addWidget(budget)
        from .cluster_choice import ClusterChoice

        self.cluster_choice = ClusterChoice()
        self.cluster_choice.sig_capacity.connect(self.parallel_spin.setValue)
        top.addWidget(self.cluster_choice)

        pinned = QGroupBox("Pinned knobs")
        pinned_layout = QVBoxLayout(pinned)
        self.pinned_list = QListWidget()
        self.pinned_list.setToolTip("A ticked knob keeps the knob form's value for this "
                                    "tuning; the others are left to the advisor")
        self.pinned_list.setMaximumHeight(118)
        pinned_layout.addWidget(self.pinned_list)
        pinned.setMaximumWidth(380)
        top.addWidget(pinned, 1)
        self.search_box = SearchOptionsBox(on_warm_start_opened=self._offer_earlier_tunings)
        top.addWidget(self.search_box)

        actions = QHBoxLayout()
        self.settings_toggle = QToolButton()
        self.settings_toggle.setCheckable(True)
        self.settings_toggle.setChecked(True)
        self.settings_toggle.setAutoRaise(True)
        self.settings_toggle.setText("Settings")
        self.settings_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.settings_toggle.setArrowType(Qt.ArrowType.DownArrow)
        self.settings_toggle.setToolTip("Show or hide the tuning settings (budget, pinned "
                                        "knobs, …): folded, the trials get their room")
        self.settings_toggle.toggled.connect(self.show_settings)
        actions.addWidget(self.settings_toggle)
        self.start_button = QPushButton("Start tuning")
        self.start_button.setToolTip("Tune the knobs of the window's model on its datasets")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("No new trials; running ones end as stopped, finished ones "
                                    "are kept")
        self.export_button = QToolButton()
        self.export_button.setText("Export")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_button)
        menu.addAction("Trials as CSV…").triggered.connect(self._ask_export_csv)
        menu.addAction("Chart as PNG…").triggered.connect(lambda: self._ask_export_chart("png"))
        menu.addAction("Chart as SVG…").triggered.connect(lambda: self._ask_export_chart("svg"))
        menu.addAction("Chart data as CSV…").triggered.connect(
            lambda: self._ask_export_chart("csv"))
        self.export_button.setMenu(menu)
        self.compare_button = QPushButton("Compare")
        self.compare_button.setToolTip("Overlay the plots and knobs of the selected trials "
                                       "(select two or more rows with Ctrl or Shift)")
        self.compare_button.setEnabled(False)
        for widget in (self.start_button, self.stop_button, self.export_button,
                       self.compare_button):
            actions.addWidget(widget)
        self.status = QLabel("No experiment open. Choose a model and datasets, then Start.")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # two lines' room from the start: the line is rewritten several times a second while
        # trials stream in, and each change of its height laid the whole tab out again (the
        # charts resized, every curve's bounds and both axes recomputed: a stall per update)
        self.status.setMinimumHeight(2 * self.status.fontMetrics().lineSpacing() + 4)
        actions.addWidget(self.status, 1)
        top.addStretch(1)
        outer.addLayout(actions)
        from .settings_scroll import SettingsScroll

        self.settings_scroll = SettingsScroll(self.settings_area)
        outer.addWidget(self.settings_scroll)
        screen = QGuiApplication.primaryScreen()
        if screen is not None and screen.availableGeometry().height() < FOLD_SETTINGS_BELOW:
            self.show_settings(False)

        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter trials (status, knob value, …)")
        self.filter_edit.setClearButtonEnabled(True)
        table_layout.addWidget(self.filter_edit)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setMinimumSectionSize(36)
        # column widths from the rows in view and 64 more, not every row: sizing 5,000 rows
        # asked Python for 33,000 cells (4 s of a 5,000-trial experiment's open)
        self.table.horizontalHeader().setResizeContentsPrecision(RESIZE_PRECISION_ROWS)
        self.table.setAlternatingRowColors(True)
        table_layout.addWidget(self.table, 1)

        # results first: the trials table takes the whole height on the left (>= 15 rows at
        # 1600x1000); the charts and the selected trial share the right column, the trial's
        # plots getting the larger part
        self.results_splitter = QSplitter(Qt.Orientation.Vertical)
        self.results_splitter.setObjectName("tuning_charts_detail")
        self.results_splitter.addWidget(self.charts)
        self.results_splitter.addWidget(self.detail)
        self.results_splitter.setStretchFactor(0, 2)
        self.results_splitter.setStretchFactor(1, 3)
        self.results_splitter.setSizes([400, 600])
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("tuning_table_results")
        self.splitter.addWidget(table_box)
        self.splitter.addWidget(self.results_splitter)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([480, 720])
        # its panes' own minimums (132 px each, the charts' and the detail's) made the Tuning
        # tab 482 px high at least, and with a failed run's traceback below it the window could
        # not shrink under 884 px: taller than a 768-pixel laptop screen. Squeezed below this,
        # the splitter folds the detail pane away, which the user drags back.
        self.splitter.setMinimumHeight(TRIALS_MIN_HEIGHT)
        outer.addWidget(self.splitter, 1)

    def add_settings_group(self, widget: QWidget) -> None:
        """Put a group of tuning settings (a sampler, pruning, a Ray cluster) in the settings
        row, after the budget and pinned knobs."""
        self.settings_layout.insertWidget(self.settings_layout.count() - 1, widget)

    def show_settings(self, shown: bool) -> None:
        """Fold the tuning settings away (the Start/Stop row stays) or show them again."""
        self.settings_scroll.setVisible(shown)
        self.settings_toggle.blockSignals(True)
        self.settings_toggle.setChecked(shown)
        self.settings_toggle.blockSignals(False)
        self.settings_toggle.setArrowType(Qt.ArrowType.DownArrow if shown
                                          else Qt.ArrowType.RightArrow)

    def _connect(self) -> None:
        self.start_button.clicked.connect(self.request_start)
        self.stop_button.clicked.connect(self.stop_tuning)
        self.compare_button.clicked.connect(self.compare_selected)
        self.filter_edit.textChanged.connect(self.proxy.set_filter_text)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.charts.sig_trial_clicked.connect(self.select_trial)
        self.session.sig_model_class_changed.connect(self._class_changed)
        self.session.sig_datasets_settled.connect(self._start_pending_tuning)
        self.session.sig_datasets_settled.connect(self.open_setup_tuning)
        self.session.sig_model_changed.connect(lambda _path: self._close_other_models())
        self.session.sig_knobs_changed.connect(lambda _knobs: self._show_pinnable())
        self.session.sig_inspection_changed.connect(self._inspected)

    # -- pinned knobs ----------------------------------------------------------------------

    def _show_pinnable(self) -> None:
        """One line per knob of the window's class, showing the value a pin would keep."""
        from rafiki.model.knob import FixedKnob

        pinned = set(self.pinned_knobs())
        self.pinned_list.blockSignals(True)
        self.pinned_list.clear()
        for name, knob in self.session.knob_config.items():
            if isinstance(knob, FixedKnob):
                continue
            value = self.session.knobs.get(name)
            item = QListWidgetItem(f"{name} = {format_knob(value, knob)}")
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if name in pinned
                               else Qt.CheckState.Unchecked)
            self.pinned_list.addItem(item)
        self.pinned_list.blockSignals(False)

    def set_pinned(self, names: list[str]) -> None:
        for row in range(self.pinned_list.count()):
            item = self.pinned_list.item(row)
            checked = item.data(Qt.ItemDataRole.UserRole) in names
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def pinned_knobs(self) -> dict[str, Any]:
        """The ticked knobs with the knob form's values."""
        names = [self.pinned_list.item(r).data(Qt.ItemDataRole.UserRole)
                 for r in range(self.pinned_list.count())
                 if self.pinned_list.item(r).checkState() == Qt.CheckState.Checked]
        return {name: self.session.knobs[name] for name in names if name in self.session.knobs}

    def _class_changed(self, _name: str) -> None:
        self._show_pinnable()
        self._close_other_models()
        self.open_setup_tuning()

    def open_setup_tuning(self) -> bool:
        """With no experiment shown, show the newest tuning of the window's model, class and
        datasets, if the store has one; True when one was opened."""
        session, experiments = self.session, self.experiments
        if self.experiment is not None or self.worker is not None or experiments is None \
                or self._restore_after_inspection is not None or not session.model_class:
            return False
        from rafiki.store_errors import StoreError

        from .setup_experiment import latest_tuning_of

        try:
            newest = latest_tuning_of(experiments.list(), session.model_path,
                                      session.model_class, session.train_path,
                                      session.test_path)
        except StoreError:  # a store that cannot be read: the tab stays empty
            _log.exception("could not look for the setup's tuning")
            return False
        if newest is None:
            return False
        self.open_experiment(newest.id, restore=False)
        return True

    def _close_other_models(self) -> None:
        """An experiment of another model file or class than the window's leaves the tab once
        the window opens another one (a tuning going on keeps its own); the status says which
        it was, and the Experiments tab still has it."""
        experiment, session = self.experiment, self.session
        if experiment is None or self.worker is not None or \
                self._restore_after_inspection is not None:
            return
        if session.is_open_model(experiment.model_file_path, experiment.model_class):
            return
        same_file = bool(session.model_path) and \
            Path(experiment.model_file_path).resolve() == Path(session.model_path).resolve()
        what = "class" if same_file else "model file"
        self.forget_experiment()
        self.status.setText(f"<span style='color:#9e9e9e'><i>Experiment {experiment.id} "
                            f"({Path(experiment.model_file_path).name} · "
                            f"{experiment.model_class}) closed: another {what} is open. The "
                            "Experiments tab still has it.</i></span>")

    # -- tuning ----------------------------------------------------------------------------

    @property
    def is_tuning(self) -> bool:
        return self.worker is not None

    @property
    def is_tuning_pending(self) -> bool:
        """start_tuning waits for the datasets being read."""
        return self._tuning_pending

    @property
    def experiments(self) -> Experiments | None:
        return self.session.experiments

    def request_start(self) -> None:
        """Start as the Start button or the Tuning menu asks: a refusal is said here."""
        try:
            self.start_tuning()
        except (TuningRefused, RunRefused) as refusal:
            self.show_refusal(str(refusal))

    def show_refusal(self, reason: str) -> None:
        """Why a tuning, or opening an experiment, was refused."""
        self.status.setText(reason)

    def budget(self) -> tuple[int | None, float | None]:
        trials = self.trials_spin.value() or None
        minutes = self.minutes_spin.value() or None
        return trials, minutes

    def start_tuning(self, experiment_id: int | None = None) -> None:
        """Start tuning the window's setup (or the stored experiment ``experiment_id``).
        sig_tuning_started follows with the experiment's id once the worker found or created
        it. Raises TuningRefused / RunRefused with the reasons."""
        if self.worker is not None:
            raise TuningRefused("A tuning is already going; stop it first")
        if self.session.is_running or self.session.is_run_pending:
            raise TuningRefused("A run is going; wait for it or stop it first")
        experiments = self.experiments
        if experiments is None:
            raise TuningRefused("Cannot tune: the experiment store could not be opened")
        trials, minutes = self.budget()
        if trials is None and minutes is None:
            raise TuningRefused("Cannot tune: give a budget of trials, minutes or both")
        try:  # said at once, before any wait for the datasets
            search = self.search_box.options()
        except ValueError as exc:
            raise TuningRefused(f"Cannot tune: {exc}") from None
        pinned = self.pinned_knobs()
        setup = knob_config = None
        if experiment_id is None:
            from rafiki.model.knob import serialize_knob_config

            if self.session.dataset_reading():  # wait for them rather than refuse
                waiting = self.session.problems_besides_reading()
                if waiting:
                    raise RunRefused("Cannot run: " + "; ".join(waiting))
                self._tuning_pending = True
                self.status.setText("Waiting for the datasets to be read…")
                self.start_button.setEnabled(False)
                self.stop_button.setEnabled(True)  # cancels the wait
                self.sig_tuning_pending.emit()
                return
            setup = self.session.build_spec()  # raises RunRefused with what is missing
            knob_config = serialize_knob_config(self.session.knob_config)
        else:
            if self.experiment is None or self.experiment.id != experiment_id:
                self.open_experiment(experiment_id, restore=False)
            if self.experiment.kind != "tuning":
                raise TuningRefused(f"Experiment {experiment_id} holds single runs, not a "
                                    "tuning: start a new tuning of its setup instead")
            # a tuning goes on with the knobs it pinned (they are part of what it is),
            # whatever is ticked in the window now
            pinned = dict(self.experiment.settings.get("pinned") or {})
        seed = self.seed_spin.value()
        from .tuning_worker import TuningWorker

        worker = TuningWorker(experiments, experiment_id=experiment_id, setup=setup,
                              knob_config=knob_config, budget_trials=trials,
                              budget_minutes=minutes, parallel=self.parallel_spin.value(),
                              seed=None if seed == RANDOM_SEED else seed, pinned_knobs=pinned,
                              predict_check=self.predict_check_spin.value(),
                              search=search.as_tuner_options(),
                              executor_factory=self.cluster_choice.executor_factory(),
                              memory_limit_mb=self.memory_field.limit_mb())
        worker.sig_experiment.connect(self._tuning_experiment_known)
        worker.sig_trial_started.connect(self._trial_started)
        worker.sig_trial_events.connect(self._trial_events)
        worker.sig_trial_metrics.connect(self._trial_metrics)
        worker.sig_trial_finished.connect(self._trial_finished)
        worker.sig_notice.connect(self._tuning_notice)
        worker.sig_returned.connect(self._tuning_returned)
        worker.sig_errored.connect(self._tuning_errored)
        self.worker = worker
        self.last_result = None
        self.last_error = None
        self.tuning_trial_ids = set()
        self._live_notices = []
        self.tuning_budget = trials
        self.tuning_budget_seconds = minutes * 60 if minutes else None
        self.tuning_parallel = self.parallel_spin.value()
        self._tuning_started_at = time.monotonic()
        self._tick_timer.start()
        self.sig_tuning_progress.emit(self._progress([]))
        budget = " and ".join(part for part in (
            f"{trials} trials" if trials else "", f"{minutes:g} minutes" if minutes else "")
            if part)
        self.status.setText(f"Tuning: {budget}, {self.parallel_spin.value()} at once"
                            f"{self.cluster_choice.describe()}"
                            f"{', pinned: ' + ', '.join(pinned) if pinned else ''}…")
        self._update_controls()
        self.session.ready_ui_for_streaming()  # trials stream in as a run does
        worker.start()

    def _tuning_notice(self, message: str) -> None:
        """A note the tuning says once (kept in the experiment's settings too): shown under
        the summary, where a user watching the tuning reads (no store read here: the note
        is kept, and the stored ones come with the experiment when it is opened)."""
        self._live_notices.append(message)
        self._show_summary()

    def _notices(self) -> list[str]:
        """The open experiment's stored notes, and those said live not stored yet."""
        stored = list((self.experiment.settings or {}).get("notices") or []) \
            if self.experiment is not None else []
        return stored + [n for n in self._live_notices if n not in stored]

    def _tuning_experiment_known(self, experiment_id: int) -> None:
        if self.experiment is None or self.experiment.id != experiment_id:
            self.open_experiment(experiment_id, restore=False)
        self._show_summary()
        self.sig_tuning_started.emit(experiment_id)

    def resume_tuning(self, experiment_id: int) -> None:
        """Open a stored experiment (restoring the window) and continue tuning it."""
        self.open_experiment(experiment_id)
        self.start_tuning(experiment_id)

    def _start_pending_tuning(self) -> None:
        """The datasets were read: start the tuning that waited for them, or say why not."""
        if not self.is_tuning_pending:
            return
        self._tuning_pending = False
        self._update_controls()
        self.request_start()
        if not self.is_tuning and not self.is_tuning_pending:
            self.sig_tuning_wait_over.emit()  # refused: the reason is in the tab

    def stop_tuning(self) -> None:
        """No new trials; running ones end as stopped. Returns at once. A tuning still waiting
        for its datasets is cancelled."""
        if self.is_tuning_pending:
            self._tuning_pending = False
            self._update_controls()
            self.status.setText("The tuning waiting for the datasets was cancelled")
            self.sig_tuning_wait_over.emit()
            return
        if self.worker is not None:
            self.worker.stop()
            self.status.setText("Stopping: running trials end as stopped…")
            self.stop_button.setEnabled(False)

    def wait_for_tuning(self, timeout: float = 60.0) -> bool:
        worker = self.worker
        return True if worker is None else worker.wait(timeout)

    # -- opening an experiment -------------------------------------------------------------

    def open_experiment(self, experiment_id: int, restore: bool = True) -> None:
        """Show a stored experiment's trials and charts; with ``restore`` the window takes
        its model file, datasets, app mode, class and best knobs."""
        experiments = self.experiments
        if experiments is None:
            raise TuningRefused("The experiment store could not be opened")
        experiment = experiments.get(experiment_id)
        self.experiment = experiment
        self._forget_live()
        self.trials = experiments.trials(experiment_id)
        self.metrics = {}
        config = self._knob_config(experiment)
        self.model.set_trials(self.trials, config)
        self.table.resizeColumnsToContents()
        self.x_axis_of = {}
        self.charts.metric_chart.loading = bool(self.trials)
        self.charts.set_data(self.trials, config, self.model.best_id, self.metrics,
                             self.x_axis_of)
        self.detail.set_experiment(experiments, experiment)
        self._offer_search_choices()
        self._show_summary()
        if restore:
            self._restore_window(experiment)
        # last: the window's own store reads above never queue behind the reader's
        self._read_metrics(experiments, experiment_id)
        self.sig_experiment_opened.emit(experiment_id)

    def _offer_search_choices(self) -> None:
        """The search box offers the metrics this experiment logged and earlier tunings of
        the window's model to warm-start from."""
        from .chart_data import metric_names

        self.search_box.set_metric_names(metric_names(self.metrics),
                                         set(self.x_axis_of.values()))
        self._offer_earlier_tunings()

    def _offer_earlier_tunings(self) -> None:
        """Earlier tunings of the window's model (read when the warm-start list opens, so a
        tuning finished since is there)."""
        experiments = self.experiments
        if experiments is None:
            return
        try:
            stored = experiments.list()
        except Exception:  # the store went away (the window is closing): nothing to offer
            _log.warning("Could not list the experiments for a warm start", exc_info=True)
            return
        self.search_box.set_earlier_tunings(stored, self.session.model_path or None,
                                            self.session.model_class or None)

    def forget_experiment(self) -> None:
        """Show no experiment (the one shown was deleted)."""
        self.experiment = None
        self._forget_live()
        self.trials = []
        self.metrics = {}
        self.model.set_trials([], {})
        self.charts.set_data(self.trials, {}, None, {})
        self.detail.set_experiment(None, None)
        self.status.setText("The experiment was deleted.")

    @staticmethod
    def _knob_config(experiment: Experiment) -> dict:
        if not experiment.knob_config:
            return {}
        from rafiki.model.knob import deserialize_knob_config

        return deserialize_knob_config(experiment.knob_config)

    def _restore_window(self, experiment: Experiment) -> None:
        session = self.session
        missing = [p for p in (experiment.model_file_path,) if not Path(p).is_file()]
        if missing:
            self.status.setText(f"Experiment {experiment.id}: its model file {missing[0]} is "
                                f"gone, so the window keeps its own model; the trials are shown")
            return
        best = self.model.trials[self.model.row_of(self.model.best_id)] \
            if self.model.best_id is not None else None
        knobs = dict((best.knobs if best else None) or {})
        session.set_app_mode(experiment.app_mode if experiment.app_mode in ("DEV", "PROD")
                             else "DEV")
        session.set_train_path(experiment.train_dataset_uri)
        session.set_test_path(experiment.test_dataset_uri)
        if session.model_path == experiment.model_file_path and session.inspection is not None:
            self._restore_after_inspection = (experiment.model_class, knobs)
            self._inspected(session.inspection)
        else:
            self._restore_after_inspection = (experiment.model_class, knobs)
            session.set_model_path(experiment.model_file_path)

    def _read_metrics(self, experiments: Experiments, experiment_id: int) -> None:
        """The metric columns are read on a worker (seconds for thousands of trials); the
        overlay fills in when they arrive (sig_metrics_read)."""
        if not self.trials:
            return
        reader = ExperimentMetricsReader(experiments, experiment_id, self.model.best_id,
                                         [trial.id for trial in self.trials])
        reader.sig_read.connect(self._metrics_read)
        reader.sig_errored.connect(lambda error: self._metrics_failed(experiment_id, error))
        self.metrics_reader = reader
        reader.start()

    def _metrics_read(self, read: ExperimentMetrics) -> None:
        if self.experiment is None or read.experiment_id != self.experiment.id:
            return  # another experiment was opened meanwhile
        # trials that finished while the reader read keep their fresher columns
        self.metrics = {**read.metrics, **self.metrics}
        self.x_axis_of = read.x_axis_of
        chart = self.charts.metric_chart
        chart.loading = False
        chart.set_metrics(self.metrics, self.x_axis_of)
        chart.seed_curves(read.reduced, read.points)
        self.charts.metrics_changed(self.x_axis_of)
        self.charts.redraw_now()
        from .chart_data import metric_names

        self.search_box.set_metric_names(metric_names(self.metrics),
                                         set(self.x_axis_of.values()))  # pruning's choices
        self.sig_metrics_read.emit(read.experiment_id)

    def _metrics_failed(self, experiment_id: int, error: dict) -> None:
        self.charts.metric_chart.loading = False
        self.charts.metric_chart.set_message(
            f"The metrics of experiment {experiment_id} could not be read: "
            f"{error['type']}: {error['message']}")

    def wait_for_metrics(self, timeout: float = 30.0) -> bool:
        """Block until the metrics reader is done (tests, shutdown); True when it is."""
        reader = self.metrics_reader
        return True if reader is None else reader.wait(timeout)

    def _inspected(self, inspection: Any) -> None:
        """Once the restored model file is inspected: its class, then the best knobs."""
        if inspection is None or self._restore_after_inspection is None:
            self._show_pinnable()
            return
        model_class, knobs = self._restore_after_inspection
        self._restore_after_inspection = None
        classes = dict(getattr(inspection, "classes", None) or {})
        if model_class in classes:
            if self.session.model_class != model_class:
                self.session.set_model_class(model_class)
            fitting = {k: v for k, v in knobs.items() if k in self.session.knob_config
                       and self.session.knob_config[k].problem_with(v) is None}
            if fitting:
                self.session.set_knobs({**self.session.knobs, **fitting})
        self._show_pinnable()

    def _show_summary(self) -> None:
        experiment = self.experiment
        if experiment is None:
            return
        counts = Counter(map(attrgetter("status"), self.trials))  # C loops: 5,000 trials
        done = len(self.trials) - counts.get("running", 0)
        best = self.model.trials[self.model.row_of(self.model.best_id)] \
            if self.model.best_id is not None else None
        best_text = f"best score {best.score:.4f} (trial {best.number})" if best else \
            "no score yet"
        statuses = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        if self.worker is not None or self.tuning_trial_ids:
            # this tuning's own count: a resumed experiment already holds earlier trials
            ours = [t for t in self.trials if t.id in self.tuning_trial_ids]
            budget = f" of {self.tuning_budget}" if self.tuning_budget else ""
            progress = (f"{sum(t.status != 'running' for t in ours)}{budget} trials of this "
                        f"tuning done")
            earlier = len(self.trials) - len(ours)
            if earlier:
                progress += f", {earlier} earlier"
            if self.worker is not None and self._tuning_started_at is not None:
                known = self._progress(ours)
                progress += " · " + progress_text(known)
                self.sig_tuning_progress.emit(known)
        else:
            progress = f"{done} of {len(self.trials)} trials done"
        state = "tuning" if self.worker is not None else f"{experiment.kind} experiment"
        from rafiki.compute_accounting import summarize_compute

        compute = summarize_compute(self.trials, best_over_time=False)
        spent = f"; {compute.describe()}" if compute.trial_seconds else ""
        notes = "".join(f"<br><i>note: {html.escape(n)}</i>" for n in self._notices())
        self.status.setText(f"<b>{experiment.name}</b> ({state} {experiment.id}, "
                            f"{experiment.model_class}): {progress}"
                            f"{' — ' + statuses if statuses else ''}; {best_text}{spent}"
                            f"{notes}")

    # -- live ------------------------------------------------------------------------------

    def _position_of(self, trial_id: int) -> int | None:
        """Where the trial is in ``trials`` (None: not there)."""
        if self._positions_of is not self.trials:  # the list was replaced
            self._trial_positions = {known.id: i for i, known in enumerate(self.trials)}
            self._positions_of = self.trials
        return self._trial_positions.get(trial_id)

    def _replace_trial(self, trial: Trial) -> None:
        """The trial joins or replaces its place in ``trials`` now (the charts share the
        list); the table, the charts and the detail take it at the next :meth:`_flush_live`."""
        position = self._position_of(trial.id)
        if position is None:
            self._trial_positions[trial.id] = len(self.trials)
            self.trials.append(trial)
        else:
            self.trials[position] = trial
        self._live_trials[trial.id] = trial
        if not self._live_timer.isActive():
            self._live_timer.start()

    def _flush_live(self) -> None:
        """The trials started, finished or moved on since the last flush, into the table,
        the charts and the selected trial's detail at once."""
        self._live_timer.stop()
        trials, self._live_trials = self._live_trials, {}
        finished, self._live_finished = self._live_finished, {}
        if not trials:
            return
        first_rows = self.model.rowCount() == 0
        for trial in trials.values():
            self.model.upsert(trial)
        if first_rows:  # the first rows give the columns their widths
            self.table.resizeColumnsToContents()
        experiments = self.experiments
        if finished and experiments is not None:
            if self.charts.metric_chart.metrics is not self.metrics:
                self.charts.metric_chart.set_metrics(self.metrics)
            for trial_id in finished:
                self.charts.metrics_changed(self.x_axis_of, trial_id)
        for trial_id in finished:
            self.charts.trials_changed(self.model.best_id, metrics_of=trial_id)
        self.charts.trials_changed(self.model.best_id)
        self.charts.redraw_now()  # here, so that one repaint follows all of it
        shown = self.detail.trial
        if shown is not None and shown.id in finished:
            self.detail.show_trial(finished[shown.id])
        self._summary_timer.stop()
        self._show_summary()

    def _forget_live(self) -> None:
        """Trials queued for the table belong to the experiment shown until now."""
        self._live_timer.stop()
        self._live_trials = {}
        self._live_finished = {}

    def _progress(self, ours: list[Trial]) -> TuningProgress:
        now = time.time()
        ended = [t for t in ours if t.status != "running"]
        return TuningProgress(
            done=len(ended),
            running_elapsed=[now - t.started for t in ours if t.status == "running"],
            finished_durations=[t.duration for t in ended if t.duration is not None],
            elapsed=time.monotonic() - (self._tuning_started_at or time.monotonic()),
            parallel=self.tuning_parallel, budget_trials=self.tuning_budget,
            budget_seconds=self.tuning_budget_seconds)

    def _tick(self) -> None:
        """Once a second while tuning: running trials' durations and the time left."""
        if self.worker is None:
            self._tick_timer.stop()
            return
        self.model.refresh_running()
        self._schedule_summary()

    def _schedule_summary(self) -> None:
        """The status line again soon: live trials coalesce (counting 5,000 trials for each
        of 20 finishing a second would be a tenth of the UI's time)."""
        if not self._summary_timer.isActive():
            self._summary_timer.start()

    def _trial_started(self, trial: Trial) -> None:
        self.tuning_trial_ids.add(trial.id)
        self._replace_trial(trial)

    def _trial_events(self, trial_id: int, events: list[dict]) -> None:
        """A running trial's events: its row shows its stage as it goes."""
        for event in reversed(events):
            if event.get("kind") == "stage" and event.get("state") == "started":
                position = self._position_of(trial_id)
                if position is not None:
                    trial = self.trials[position]
                    trial.current_stage = event.get("stage")
                    self._replace_trial(trial)
                break

    def _trial_metrics(self, trial_id: int, columns: dict[str, list]) -> None:
        """A finished trial's metrics, read by the worker (its sig_trial_finished follows)."""
        self.metrics[trial_id] = columns

    def _trial_finished(self, trial: Trial) -> None:
        experiments = self.experiments
        if experiments is not None:
            if trial.id not in self.metrics:  # not delivered by a worker: read them here
                self.metrics[trial.id] = experiments.trial_metrics(trial.id)
            if not self.x_axis_of and self.metrics[trial.id]:
                self.x_axis_of = experiments.plot_axes(trial.id)
        self._live_finished[trial.id] = trial
        self._replace_trial(trial)

    def _tuning_returned(self, result: Any) -> None:
        self._flush_live()
        self.worker = None
        self._tick_timer.stop()
        self.last_result = result
        self.charts.redraw_now()
        self.table.resizeColumnsToContents()
        self._update_controls()
        self._show_summary()
        ending = "stopped" if result.stopped else "finished"
        self.status.setText(self.status.text() + f" — tuning {ending} after "
                            f"{result.elapsed:.0f} s")
        self.sig_tuning_finished.emit(result)

    def _tuning_errored(self, error: dict) -> None:
        self._flush_live()
        self.worker = None
        self.last_error = error
        self.charts.redraw_now()
        self._update_controls()
        self.status.setText(f"Tuning stopped with an error: {error.get('type')}: "
                            f"{error.get('message')}")
        if error.get("type") == "StoreError":  # the store's failure, not the model's
            self.session.report_store_problem(str(error.get("message")))
        self.sig_tuning_finished.emit(None)

    def _update_controls(self) -> None:
        tuning = self.worker is not None
        self.start_button.setEnabled(not tuning)
        self.stop_button.setEnabled(tuning)
        for widget in (self.trials_spin, self.minutes_spin, self.parallel_spin, self.seed_spin,
                       self.predict_check_spin, self.pinned_list, self.search_box):
            widget.setEnabled(not tuning)
        self.cluster_choice.set_editable(not tuning)

    # -- selection and export --------------------------------------------------------------

    def selected_trial(self) -> Trial | None:
        """The trial the detail shows: the current row when it is selected, else the first
        selected one."""
        selection = self.table.selectionModel()
        rows = selection.selectedRows()
        if not rows:
            return None
        current = selection.currentIndex()
        chosen = current.row() if selection.isRowSelected(current.row()) else rows[0].row()
        trial_id = self.proxy.trial_id_at(chosen)
        row = self.model.row_of(trial_id)
        return None if row is None else self.model.trial_at(row)

    def selected_trial_ids(self) -> list[int]:
        """Ids of every selected trial, in the table's order."""
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [trial_id for trial_id in map(self.proxy.trial_id_at, rows)
                if trial_id is not None]

    def compare_selected(self) -> None:
        ids = self.selected_trial_ids()
        if len(ids) >= 2:
            self.sig_compare_trials.emit(ids)

    def select_trial(self, trial_id: int) -> None:
        row = self.model.row_of(trial_id)
        if row is not None:
            self.table.selectRow(self.proxy.mapFromSource(self.model.index(row, 0)).row())

    def _selection_changed(self, *_args: Any) -> None:
        self.compare_button.setEnabled(len(self.selected_trial_ids()) >= 2)
        trial = self.selected_trial()
        self.detail.show_trial(trial)
        self.charts.set_selected(None if trial is None else trial.id)

    def export_csv(self, path: str) -> None:
        from .export import write_trials_csv

        write_trials_csv(path, self.trials, self.model.knob_names)

    def export_chart(self, path: str) -> None:
        """The chart in view as PNG (2×), SVG or CSV of its plotted numbers, by suffix."""
        from .export import export_chart

        export_chart(self.charts.current_chart(), path)

    def _ask_export_csv(self) -> None:
        name = (self.experiment.name if self.experiment else "trials") + "_trials.csv"
        path = file_dialogs.save_path(self, "Export the trials", name, "*.csv")
        if path:
            self.export_csv(path)

    def _ask_export_chart(self, suffix: str) -> None:
        chart = self.charts.current_chart()
        name = chart.title.lower().replace(" ", "_") + f".{suffix}"
        path = file_dialogs.save_path(self, f"Export the {chart.title} chart", name,
                                       f"*.{suffix}")
        if path:
            self.export_chart(path)

    def shutdown(self, timeout: float = 15.0) -> None:
        """Stop a tuning and wait for it (the window is closing)."""
        self.wait_for_metrics(timeout)
        if self.worker is not None:
            self.worker.stop()
            self.worker.wait(timeout)
