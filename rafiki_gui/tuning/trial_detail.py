"""One trial up close: its plots, messages, output, error and predictions, read back from the
store; "Use these knobs" puts its knobs in the knob form, and its stored parameters can be
opened in the predictions panel (a predict service on them, no retraining)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from rafiki import events as ev

from ..label_names import label_text
from ..session import Session
from .trials_model import format_knob, format_score

if TYPE_CHECKING:
    from rafiki.experiments import Experiment, Experiments, Trial

NO_TRIAL_TEXT = "Select a trial in the table to see its plots, messages, output and error."


def _text_view() -> QPlainTextEdit:
    view = QPlainTextEdit()
    view.setReadOnly(True)
    view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    return view


def error_text(trial: Trial) -> str:
    """The trial's error as a user reads it: stage, type and message, then the traceback."""
    parts = []
    if trial.error:
        error = trial.error
        stage = error.get("stage") or "unknown stage"
        parts.append(f"{error.get('type')} in {stage}: {error.get('message')}")
        if error.get("traceback"):
            parts.append(str(error["traceback"]))
    if trial.crash_report:
        parts.append("Crash report (faulthandler):\n" + trial.crash_report)
    if trial.signal or (trial.exit_code not in (None, 0)):
        parts.append(f"process ended with {f'signal {trial.signal}' if trial.signal else ''}"
                     f"{'' if trial.signal else f'exit code {trial.exit_code}'}")
    return "\n\n".join(parts)


class TrialDetail(QWidget):
    """The selected trial's own results."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.experiments: Experiments | None = None
        self.experiment: Experiment | None = None
        self.trial: Trial | None = None
        self._plot_views: list[QWidget] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        top = QHBoxLayout()
        self.header = QLabel(NO_TRIAL_TEXT)
        self.header.setWordWrap(True)
        top.addWidget(self.header, 1)
        self.use_knobs_button = QPushButton("Use these knobs")
        self.use_knobs_button.setToolTip("Copy this trial's knobs into the knob form")
        self.predict_button = QPushButton("Predictions…")
        self.predict_button.setToolTip("Open this trial's stored parameters in the predictions "
                                       "panel (no retraining)")
        top.addWidget(self.use_knobs_button)
        top.addWidget(self.predict_button)
        layout.addLayout(top)
        self.tabs = QTabWidget()
        from ..panels.plot_grid import PlotGrid

        self.plot_grid = PlotGrid()  # the trial's plots as cards, 1-3 columns by width
        self.messages = _text_view()
        self.output = _text_view()
        self.error = _text_view()
        self.predictions = _text_view()
        for widget, title in ((self.plot_grid, "Plots"), (self.messages, "Messages"),
                              (self.output, "Output"), (self.error, "Error"),
                              (self.predictions, "Predictions")):
            self.tabs.addTab(widget, title)
        layout.addWidget(self.tabs, 1)
        self.use_knobs_button.clicked.connect(self.use_knobs)
        self.predict_button.clicked.connect(self.show_predictions)
        self.show_trial(None)

    def set_experiment(self, experiments: Experiments | None,
                       experiment: Experiment | None) -> None:
        self.experiments, self.experiment = experiments, experiment
        self.show_trial(None)

    def show_trial(self, trial: Trial | None) -> None:
        """Show ``trial`` (read back from the store), or nothing."""
        self.trial = trial
        self.plot_grid.clear()
        self._plot_views = []
        for view in (self.messages, self.output, self.error, self.predictions):
            view.clear()
        self.use_knobs_button.setEnabled(bool(trial and trial.knobs))
        self.predict_button.setEnabled(bool(trial and trial.params_path
                                            and trial.params_sha256))
        if trial is None or self.experiments is None:
            self.header.setText(NO_TRIAL_TEXT)
            return
        config = self._knob_config()
        knobs = ", ".join(f"{name}={format_knob(value, config.get(name))}"
                          for name, value in (trial.knobs or {}).items())
        duration = "" if trial.duration is None else f", {trial.duration:.1f} s"
        score = "" if trial.score is None else f", score {format_score(trial.score)}"
        self.header.setText(f"<b>Trial {trial.number}</b>: {trial.status}{score}{duration}"
                            f"<br>{knobs}")
        self._fill(self.experiments.trial_events(trial.id))
        self.error.setPlainText(error_text(trial))
        if trial.error:
            self.tabs.setTabText(3, "Error ⚠")
        else:
            self.tabs.setTabText(3, "Error")

    def _knob_config(self) -> dict[str, Any]:
        if self.experiment is None or not self.experiment.knob_config:
            return {}
        from rafiki.model.knob import deserialize_knob_config

        return deserialize_knob_config(self.experiment.knob_config)

    def _fill(self, events: list[dict]) -> None:
        """Plots, messages, output and predictions from the trial's stored events."""
        from ..panels.plot_card import PlotView
        from ..plot_data import RunPlotData

        data = RunPlotData()
        for plot in data.add_events(events):
            view = PlotView(plot)
            self._plot_views.append(view)
            self.plot_grid.add(view)
        start = events[0].get("time", 0.0) if events else 0.0
        messages, output = [], []
        result: dict = {}
        for event in events:
            kind = event.get("kind")
            if kind == ev.MESSAGE:
                messages.append(f"{event.get('time', start) - start:8.2f} s  {event.get('msg')}")
            elif kind == ev.OUTPUT:
                output.append(str(event.get("text", "")).rstrip("\n"))
            elif kind == ev.RESULT:
                result = event
        self.messages.setPlainText("\n".join(messages) or "No messages.")
        self.output.setPlainText("\n".join(output) or "No output.")
        self.predictions.setPlainText(predictions_text(result, self._label_names())
                                      if result else
                                      "No result was recorded for this trial.")

    def _label_names(self) -> dict[int, str]:
        """The window's class/tag names when this experiment trained on the window's dataset
        (names of another dataset would mislabel its classes), else none."""
        experiment = self.experiment
        if experiment is None or not self.session.train_path or \
                Path(experiment.train_dataset_uri) != Path(self.session.train_path):
            return {}
        return dict(self.session.label_names)

    def use_knobs(self) -> None:
        """The knob form takes this trial's knobs (the ones its class still has)."""
        if self.trial is None or not self.trial.knobs:
            return
        config = self.session.knob_config
        knobs = dict(self.session.knobs)
        knobs.update({k: v for k, v in self.trial.knobs.items() if not config or k in config})
        self.session.set_knobs(knobs)

    def show_predictions(self) -> None:
        """Hand the trial's stored parameters to the window's predictions panel."""
        trial, experiment = self.trial, self.experiment
        if trial is None or experiment is None:
            return
        window = self.window()
        panel = getattr(window, "predictions_panel", None)
        if panel is None or not hasattr(panel, "show_trial"):
            self.predictions.setPlainText("The predictions panel is not available in this "
                                          "window; the trial's stored predictions are above.")
            self.tabs.setCurrentWidget(self.predictions)
            return
        panel.show_trial(experiment.model_file_path, experiment.model_class, experiment.task,
                         trial.knobs, trial.params_path, trial.params_sha256,
                         label=f"trial {trial.number} of {experiment.name}")
        tabs = getattr(window, "result_tabs", None)
        if tabs is not None:
            tabs.setCurrentWidget(panel)


def predictions_text(result: dict, names: Mapping[int, str] | None = None) -> str:
    """The stored predictions of a result event, one query per line, read as a user reads
    them: the predicted class with its probability (and the runner-up) for class
    probabilities, the predicted tag of each token for per-token probabilities, else as
    stored."""
    predictions = result.get("predictions") or []
    if not predictions:
        if result.get("queries") is None:  # the trial ended before Predict, as trials do
            return ("This trial made no predictions: tuning trials train, evaluate and dump "
                    "their parameters (set a predict check in the tuning settings to also "
                    "predict test samples). Ask its model with Predictions.")
        return "This trial made no predictions (its test set had no samples)."
    source = (result.get("queries") or {}).get("source")
    lines = [f"{len(predictions)} queries" + (f" ({source})" if source else "") + ":"]
    lines += [f"query {index}: {prediction_text(prediction, names or {})}"
              for index, prediction in enumerate(predictions)]
    return "\n".join(lines)


def prediction_text(prediction: object, names: Mapping[int, str]) -> str:
    """One prediction in words; whatever is not probabilities stays as stored (JSON)."""
    probabilities = _probabilities(prediction)
    if probabilities is not None:
        order = sorted(range(len(probabilities)), key=probabilities.__getitem__, reverse=True)
        best = f"{label_text(order[0], names)} ({probabilities[order[0]]:.3f})"
        if len(order) > 1:
            best += f"; next {label_text(order[1], names)} ({probabilities[order[1]]:.3f})"
        return best
    if isinstance(prediction, list) and prediction and all(
            _probabilities(token) is not None for token in prediction):
        tags = [max(range(len(token)), key=token.__getitem__) for token in prediction]
        return "tags " + " ".join(label_text(tag, names) for tag in tags)
    return json.dumps(prediction)


def _probabilities(value: object) -> list[float] | None:
    """``value`` as a list of class probabilities (numbers in [0, 1] summing to ~1), else None."""
    if not isinstance(value, list) or len(value) < 2 or not all(
            isinstance(x, (int, float)) and not isinstance(x, bool) and 0.0 <= x <= 1.0
            for x in value):
        return None
    return [float(x) for x in value] if abs(sum(value) - 1.0) < 1e-3 else None
