"""The tuning tab's search options: the advisor's sampler, pruning on a logged metric, and a
warm start from earlier tunings of the same model.

A view only: it offers the engine's names (:mod:`rafiki.samplers`, :mod:`rafiki.pruning`)
and hands the tuning panel what is chosen (:meth:`SearchOptionsBox.options`), which the panel
passes to its worker and so to :class:`rafiki.tuning.Tuner`. Kept out of the panel's file so
the panel's layout can change without touching these controls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QWidget

from rafiki.pruning import DEFAULT_PRUNER, POINT_INDEX, PRUNER_HELP, PRUNER_NAMES, PruningSettings
from rafiki.samplers import DEFAULT_SAMPLER, SAMPLER_HELP, SAMPLERS

if TYPE_CHECKING:
    from rafiki.experiments import Experiment

DEFAULT_METRICS = ("val_accuracy", "loss")
"""What Rafiki's examples log per epoch (``logger.log``/``log_loss``); offered before a run."""

NO_METRIC_HINT = "none: pruning off"
"""Shown in the empty metric field: the pruner waits for a metric to follow (as the CLI's
``--pruner`` defaults to hyperband only once ``--prune-metric`` is given)."""
COMBO_CHARACTERS = 14
"""The combos' width in characters (their lists show the whole names): at the names' own
width the settings row did not fit a 1366-px screen beside the setup column."""

ALL_EARLIER = -1
"""The warm-start choice "every earlier tuning of this model"."""


@dataclass
class SearchOptions:
    """What the box chose: a sampler name (None: the default), pruning or None, and the
    experiments whose trials warm-start the advisor."""

    sampler: str | None = None
    pruning: PruningSettings | None = None
    warm_start: list[int] = field(default_factory=list)

    def as_tuner_options(self) -> dict[str, Any]:
        return {"sampler": self.sampler, "pruning": self.pruning,
                "warm_start": list(self.warm_start)}


class _OpeningCombo(QComboBox):
    """A combo that calls ``on_open`` just before its list shows (to fill it fresh)."""

    def __init__(self, on_open: Callable[[], None] | None = None):
        super().__init__()
        self._on_open = on_open

    def showPopup(self) -> None:  # noqa: N802 (Qt's name)
        if self._on_open is not None:
            self._on_open()
        super().showPopup()


class SearchOptionsBox(QGroupBox):
    """Sampler, pruner (with its metric and step) and warm start, as combos.
    ``on_warm_start_opened`` is called as the warm-start list opens, to offer the stored
    tunings of that moment (:meth:`set_earlier_tunings`)."""

    def __init__(self, parent: QWidget | None = None,
                 on_warm_start_opened: Callable[[], None] | None = None):
        super().__init__("Search", parent)
        self._earlier_ids: list[int] = []
        form = QFormLayout(self)
        self.sampler_combo = QComboBox()
        for name in SAMPLERS:
            label = f"{name} (default)" if name == DEFAULT_SAMPLER else name
            self.sampler_combo.addItem(label, name)
            self.sampler_combo.setItemData(self.sampler_combo.count() - 1,
                                           SAMPLER_HELP.get(name, ""),
                                           Qt.ItemDataRole.ToolTipRole)
        self.sampler_combo.setCurrentIndex(self.sampler_combo.findData(DEFAULT_SAMPLER))
        self.sampler_combo.setToolTip(
            "How the advisor proposes knobs. The default won a benchmark of samplers on "
            "knob-config-like problems at 10-50 trials (bench/README.md)")
        self.pruner_combo = QComboBox()
        # the default pruner is chosen, inactive until a metric is: a combo saying
        # "hyperband (default)" while starting at "off" told the user two things
        for name in PRUNER_NAMES:
            label = f"{name} (default)" if name == DEFAULT_PRUNER else name
            self.pruner_combo.addItem(label, name)
            self.pruner_combo.setItemData(self.pruner_combo.count() - 1,
                                          PRUNER_HELP.get(name, ""),
                                          Qt.ItemDataRole.ToolTipRole)
        self.pruner_combo.setCurrentIndex(self.pruner_combo.findData(DEFAULT_PRUNER))
        self.pruner_combo.setToolTip(
            "Stop trials whose logged metric falls behind earlier trials at the same step "
            "(Optuna's pruners), once a metric is chosen; pruned trials are kept with the "
            "step they reached. The default was chosen on the bundled image example "
            "(bench/README.md)")
        self.metric_combo = QComboBox()
        self.metric_combo.setEditable(True)
        self.metric_combo.addItems(DEFAULT_METRICS)
        self.metric_combo.setCurrentIndex(-1)
        self.metric_combo.lineEdit().setPlaceholderText(NO_METRIC_HINT)
        self.metric_combo.setToolTip("The metric to prune on, one the model logs with "
                                     "logger.log (loss or error is lower-is-better, anything "
                                     "else higher). None chosen: no trial is pruned")
        self.step_combo = QComboBox()
        self.step_combo.setEditable(True)
        self.step_combo.addItems(["epoch", POINT_INDEX])
        self.step_combo.setToolTip(f"The logged metric that counts steps (epoch), or "
                                   f"'{POINT_INDEX}': the metric's point number")
        self.warm_combo = _OpeningCombo(on_warm_start_opened)
        self.warm_combo.setToolTip("Tell the advisor the trials of earlier tunings of this "
                                   "model first (those whose knobs fit its knob config)")
        self.warm_combo.addItem("none", None)
        for combo in (self.sampler_combo, self.pruner_combo, self.metric_combo,
                      self.step_combo, self.warm_combo):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(COMBO_CHARACTERS)
        form.addRow("Sampler", self.sampler_combo)
        form.addRow("Pruner", self.pruner_combo)
        form.addRow("Metric", self.metric_combo)
        form.addRow("Step", self.step_combo)
        form.addRow("Warm start", self.warm_combo)
        self.pruner_combo.currentIndexChanged.connect(lambda _i: self._update_enabled())
        self._update_enabled()

    def _update_enabled(self) -> None:
        pruning = self.pruner_combo.currentData() != "off"
        self.metric_combo.setEnabled(pruning and self.isEnabled())
        self.step_combo.setEnabled(pruning and self.isEnabled())

    def changeEvent(self, event: Any) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(event)
        if event.type() == event.Type.EnabledChange:
            self._update_enabled()

    # -- filling ---------------------------------------------------------------------------

    def set_metric_names(self, names: list[str], steps: set[str] | frozenset[str] = frozenset()
                         ) -> None:
        """Offer these logged metrics (keeps what is typed or chosen). ``steps`` are those
        that serve as a plot's x axis (an epoch counter): offered as steps, not as metrics
        to prune on (nobody prunes on the epoch number)."""
        current = self.metric_combo.currentText()
        wanted = [n for n in names if n != "time" and n not in steps]
        for name in [*DEFAULT_METRICS, *wanted]:
            if self.metric_combo.findText(name) < 0:
                self.metric_combo.addItem(name)
        self.metric_combo.setCurrentText(current)
        current_step = self.step_combo.currentText()
        for name in sorted(steps):
            if self.step_combo.findText(name) < 0:
                self.step_combo.addItem(name)
        self.step_combo.setCurrentText(current_step)

    def set_earlier_tunings(self, experiments: list[Experiment], model_file_path: str | None,
                            model_class: str | None, exclude: int | None = None) -> None:
        """Offer the stored tunings of this model file and class (newest first)."""
        chosen = self.warm_combo.currentData()
        self.warm_combo.clear()
        self.warm_combo.addItem("none", None)
        if model_file_path and model_class:
            path = Path(model_file_path).resolve()
            earlier = [e for e in experiments
                       if e.kind == "tuning" and e.model_class == model_class
                       and e.id != exclude and e.trial_count
                       and Path(e.model_file_path).resolve() == path]
            if len(earlier) > 1:
                self.warm_combo.addItem(f"all {len(earlier)} earlier tunings", ALL_EARLIER)
            for e in earlier:
                best = "" if e.best_score is None else f", best {e.best_score:.4f}"
                self.warm_combo.addItem(f"#{e.id} {e.name} ({e.trial_count} trials{best})",
                                        e.id)
            self._earlier_ids = [e.id for e in earlier]
        else:
            self._earlier_ids = []
        index = self.warm_combo.findData(chosen)
        self.warm_combo.setCurrentIndex(max(0, index))

    # -- reading ---------------------------------------------------------------------------

    def options(self) -> SearchOptions:
        """The chosen options: pruning only once a metric is chosen; raises ValueError (with
        a message for the user) when pruning lacks a step."""
        sampler = self.sampler_combo.currentData()
        pruner = self.pruner_combo.currentData()
        metric = self.metric_combo.currentText().strip()
        pruning = None
        if pruner != "off" and metric:
            pruning = PruningSettings(metric=metric, pruner=pruner,
                                      step=self.step_combo.currentText().strip())
        warm = self.warm_combo.currentData()
        warm_start = list(self._earlier_ids) if warm == ALL_EARLIER else \
            ([] if warm is None else [int(warm)])
        return SearchOptions(sampler=None if sampler == DEFAULT_SAMPLER else sampler,
                             pruning=pruning, warm_start=warm_start)

    def set_sampler(self, name: str) -> None:
        self.sampler_combo.setCurrentIndex(max(0, self.sampler_combo.findData(name)))

    def set_pruning(self, pruner: str, metric: str = "val_accuracy",
                    step: str = "epoch") -> None:
        self.pruner_combo.setCurrentIndex(max(0, self.pruner_combo.findData(pruner)))
        self.metric_combo.setCurrentText(metric)
        self.step_combo.setCurrentText(step)
