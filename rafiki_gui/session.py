"""The open experiment: which model, datasets, knobs and run, as state plus signals, no widgets.

Panels are views over one Session: they read its attributes, call its setters and redraw on
its signals, so no panel owns engine state and every panel can be tested with a real Session
alone (napari's model/view split). The Session also starts and stops runs through a
:class:`rafiki_gui.worker.RunWorker`, which files each run with the experiments gateway
(:mod:`rafiki.experiments`) on its own thread: hashing a large dataset zip must not freeze the
window.
"""

from __future__ import annotations

import gc
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from rafiki.experiments import Experiments
    from rafiki.model.knob import BaseKnob
    from rafiki.runner import ModelInspection, RunOutcome, RunSpec

    from .worker import RunWorker

APP_MODES = ("DEV", "PROD")

_log = logging.getLogger(__name__)


class RunRefused(ValueError):
    """A run cannot start; the message says why in words a user can act on."""


class Session(QObject):
    """State and signals of the open experiment."""

    sig_model_changed = Signal(str)
    """The model file changed: (path). Its inspection follows with sig_inspection_changed."""
    sig_inspection_changed = Signal(object)
    """The model file was inspected: (ModelInspection, or None while unknown)."""
    sig_model_class_changed = Signal(str)
    """The chosen model class changed: (class name); knob_config changed with it."""
    sig_datasets_changed = Signal()
    """train_path or test_path (and maybe task) changed."""
    sig_label_names_changed = Signal()
    """label_names_path and label_names changed."""
    sig_app_mode_changed = Signal(str)
    """The app mode changed: ("DEV" or "PROD"); the model file should be re-inspected."""
    sig_knobs_changed = Signal(dict)
    """The knob values changed: (knobs dict)."""
    sig_run_started = Signal()
    """A run started; last_spec is its RunSpec."""
    sig_run_events = Signal(list)
    """A batch of the running lifecycle's event dicts (rafiki/events.py), in order."""
    sig_run_filed = Signal(int)
    """The running run was filed in the store as this trial: (trial id); last_trial_id is set.
    Not emitted when the store cannot be used (the run goes on, unrecorded)."""
    sig_run_finished = Signal(object)
    """The run ended: (RunOutcome); last_outcome, last_params_path, last_trial_id are set."""

    def __init__(self, parent: QObject | None = None,
                 experiments: Experiments | None = None):
        super().__init__(parent)
        self.model_path: str = ""
        self.inspection: ModelInspection | None = None
        self.model_class: str = ""
        self.task: str | None = None
        self.knob_config: dict[str, BaseKnob] = {}
        self.train_path: str = ""
        self.test_path: str = ""
        self.label_names_path: str = ""
        self.label_names: dict[int, str] = {}
        self.app_mode: str = "DEV"
        self.knobs: dict[str, Any] = {}
        self.queries: list = []
        self.dependencies: dict[str, str] = {}
        self.last_outcome: RunOutcome | None = None
        self.last_spec: RunSpec | None = None
        self.last_params_path: str | None = None
        self.last_trial_id: int | None = None
        self._experiments = experiments
        self._experiments_failed = False
        self._worker: RunWorker | None = None
        self._task_from_model: str | None = None

    # -- the experiments ----------------------------------------------------------------

    @property
    def experiments(self) -> Experiments | None:
        """The experiments gateway, opened on first use; None when its store cannot be
        opened (runs still work, unrecorded; the log says why)."""
        if self._experiments is None and not self._experiments_failed:
            try:
                from rafiki.experiments import Experiments

                self._experiments = Experiments()
            except Exception as exc:  # an unusable store must not stop runs; say so in the log
                _log.warning("The experiment store could not be opened, runs are not kept: "
                             "%s: %s", type(exc).__name__, exc)
                self._experiments_failed = True
        return self._experiments

    # -- setters ------------------------------------------------------------------------

    def set_model_path(self, path: str) -> None:
        """Choose a model file; its inspection is unknown until set_inspection."""
        self.model_path = str(path)
        self.inspection = None
        self.model_class = ""
        self.knob_config = {}
        self._task_from_model = None
        self.sig_model_changed.emit(self.model_path)
        self.sig_inspection_changed.emit(None)

    def set_inspection(self, inspection: ModelInspection | None) -> None:
        """Take the child's inspection of the model file and pre-fill from its statics."""
        self.inspection = inspection
        statics = dict(getattr(inspection, "statics", None) or {})
        self._task_from_model = statics.get("task")
        self.queries = list(statics.get("queries") or [])
        self.dependencies = dict(statics.get("dependencies") or {})
        model_dir = Path(self.model_path).parent if self.model_path else Path.cwd()
        for key, setter, current in (
            ("train_dataset_uri", self.set_train_path, self.train_path),
            ("test_dataset_uri", self.set_test_path, self.test_path),
        ):
            uri = statics.get(key)
            if uri and not current:
                candidate = Path(uri) if Path(uri).is_absolute() else model_dir / uri
                if candidate.exists():
                    setter(str(candidate))
        self._update_task()
        self.sig_inspection_changed.emit(inspection)
        classes = dict(getattr(inspection, "classes", None) or {})
        if not classes:
            self.model_class = ""
            self.knob_config = {}
            self.sig_model_class_changed.emit("")
            self.set_knobs({})
            return
        wanted = self.model_class if self.model_class in classes else statics.get("model_class")
        self.set_model_class(wanted if wanted in classes else next(iter(classes)))

    def set_model_class(self, name: str) -> None:
        """Choose a class of the inspected file; its knob config replaces the form's."""
        from rafiki.model.knob import default_knobs, deserialize_knob_config

        classes = dict(getattr(self.inspection, "classes", None) or {})
        if name not in classes:
            raise ValueError(f"{name!r} is not a model class of {self.model_path}")
        self.model_class = name
        self.knob_config = deserialize_knob_config(classes[name])
        self.sig_model_class_changed.emit(name)
        kept = {k: v for k, v in self.knobs.items() if k in self.knob_config}
        fresh = default_knobs(self.knob_config)
        fresh.update({k: v for k, v in kept.items()
                      if self.knob_config[k].problem_with(v) is None})
        self.set_knobs(fresh)

    def set_train_path(self, path: str) -> None:
        self.train_path = str(path) if path else ""
        self._update_task()
        self.sig_datasets_changed.emit()

    def set_test_path(self, path: str) -> None:
        self.test_path = str(path) if path else ""
        self.sig_datasets_changed.emit()

    def set_label_names_path(self, path: str) -> None:
        """Choose a class/tag names file; a file that does not parse raises ValueError."""
        names: dict[int, str] = {}
        if path:
            from rafiki.dataset_summary import load_label_names

            names = load_label_names(str(path))
        self.label_names_path = str(path) if path else ""
        self.label_names = names
        self.sig_label_names_changed.emit()

    def set_app_mode(self, mode: str) -> None:
        if mode not in APP_MODES:
            raise ValueError(f"app mode should be one of {APP_MODES}, got {mode!r}")
        if mode != self.app_mode:
            self.app_mode = mode
            self.sig_app_mode_changed.emit(mode)

    def set_knobs(self, knobs: dict[str, Any]) -> None:
        self.knobs = dict(knobs)
        self.sig_knobs_changed.emit(dict(self.knobs))

    # -- derived ------------------------------------------------------------------------

    def _update_task(self) -> None:
        """The task: named by the model file, or else the train dataset's type implies it."""
        task = self._task_from_model
        if not task and self.train_path:
            try:
                from rafiki.dataset_summary import detect_dataset_type
                from rafiki.tasks import task_for_dataset_type

                task = task_for_dataset_type(detect_dataset_type(self.train_path))
            except Exception:  # the datasets panel shows the dataset's problem itself
                task = None
        self.task = task

    def run_problems(self) -> list[str]:
        """Why a run cannot start now; empty when it can."""
        problems = []
        if not self.model_path:
            problems.append("choose a model file")
        elif self.inspection is None:
            problems.append(f"{self.model_path} has not been inspected yet")
        elif getattr(self.inspection, "error", None):
            error = self.inspection.error
            problems.append(f"{self.model_path} failed to load: {error.get('type')}: "
                            f"{error.get('message')}")
        elif not self.model_class:
            problems.append(f"{self.model_path} has no BaseModel class")
        if not self.train_path:
            problems.append("choose a train dataset")
        if not self.test_path:
            problems.append("choose a test dataset")
        if not self.task and self.model_class:
            problems.append("the task is unknown: the model file names none and the train "
                            "dataset's type is not recognised")
        if self.model_class:
            from rafiki.model.knob import knob_problems

            problems += knob_problems(self.knob_config, self.knobs)
        return problems

    @property
    def is_running(self) -> bool:
        return self._worker is not None

    # -- runs ---------------------------------------------------------------------------

    def build_spec(self, knobs: dict[str, Any] | None = None) -> RunSpec:
        """The RunSpec of a run with the current choices (raises RunRefused with reasons)."""
        problems = self.run_problems()
        if problems:
            raise RunRefused("Cannot run: " + "; ".join(problems))
        from rafiki.runner import RunSpec

        from .settings import chosen_interpreter

        return RunSpec(
            model_file_path=self.model_path,
            model_class=self.model_class,
            task=self.task,
            train_dataset_uri=self.train_path,
            test_dataset_uri=self.test_path,
            knobs=dict(self.knobs if knobs is None else knobs),
            queries=list(self.queries),
            dependencies=dict(self.dependencies),
            app_mode=self.app_mode,
            python=chosen_interpreter(),
        )

    def start_run(self) -> None:
        """Start the lifecycle in a child process; raises RunRefused when it cannot."""
        if self._worker is not None:
            raise RunRefused("A run is already going; stop it first")
        spec = self.build_spec()
        from rafiki.model.knob import serialize_knob_config

        from .worker import RunWorker

        worker = RunWorker(spec, experiments=self.experiments,
                           knob_config=serialize_knob_config(self.knob_config))
        worker.sig_filed.connect(self._on_run_filed)
        worker.sig_events.connect(self.sig_run_events)
        worker.sig_returned.connect(self._on_run_returned)
        worker.sig_errored.connect(self._on_run_errored)
        self._worker = worker
        self.last_spec = spec
        self.last_trial_id = None
        self.last_outcome = None
        # Long-lived objects (Qt wrappers, modules, past runs) out of the collector's sight:
        # a flooding run allocates fast, and each full collection walking them all would
        # pause the UI thread for tens of milliseconds.
        gc.freeze()
        self.sig_run_started.emit()
        worker.start()

    def stop_run(self) -> None:
        """Stop the running lifecycle (interrupt, terminate, kill); no-op when idle."""
        if self._worker is not None:
            self._worker.stop()

    def wait_for_run(self, timeout: float = 30.0) -> bool:
        """Block until the worker thread ends (tests and shutdown); True when it did."""
        worker = self._worker
        return True if worker is None else worker.wait(timeout)

    def _on_run_filed(self, trial_id: int) -> None:
        self.last_trial_id = trial_id
        self.sig_run_filed.emit(trial_id)

    def _on_run_returned(self, outcome: RunOutcome) -> None:
        self._worker = None
        self.last_outcome = outcome
        result = outcome.result or {}
        self.last_params_path = result.get("params_path") or None
        self.sig_run_finished.emit(outcome)

    def _on_run_errored(self, error: dict) -> None:
        """The run could not be started or followed (not the model's fault): an errored outcome
        whose error says why."""
        from rafiki.runner import RunnerState, RunOutcome

        self._on_run_returned(RunOutcome(
            state=RunnerState.ERRORED, result=None, error=error, exit_code=None, signal=None,
            crash_report=None, last_output=[], duration=0.0,
        ))
