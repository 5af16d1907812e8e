"""The open experiment: which model, datasets, knobs and run, as state plus signals, no widgets.

Panels are views over one Session: they read its attributes, call its setters and redraw on
its signals, so no panel owns engine state and every panel can be tested with a real Session
alone (napari's model/view split). The Session also reads the chosen datasets off the UI
thread and checks them, the names file and the queries against the model's task before a run;
starts and stops runs through a :class:`rafiki_gui.worker.RunWorker`, which files each run with
the experiments gateway (:mod:`rafiki.experiments`) on its own thread (hashing a large dataset
zip must not freeze the window); and names the run the result views show
(:class:`~rafiki_gui.run_record.RunRecord`), archiving it when another model file or class is
opened.
"""

from __future__ import annotations

import gc
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

UI_SWITCH_INTERVAL_S = 0.0005
"""How long another thread may hold the GIL while the UI thread waits for it (Python's
default is 0.005 s)."""

if TYPE_CHECKING:
    from rafiki.dataset_summary import DatasetSummary
    from rafiki.experiments import Experiments
    from rafiki.model.knob import BaseKnob
    from rafiki.names_files import NamesFile
    from rafiki.runner import ModelInspection, RunOutcome, RunSpec
    from rafiki.test_samples import TestSamples

    from .dataset_loader import DatasetReader, DatasetView
    from .inspector import ModelInspector
    from .queries_choice import QueriesChoice
    from .run_record import RunRecord
    from .store_opening import StoreOpening
    from .worker import RunWorker

APP_MODES = ("DEV", "PROD")
DATASET_ROLES = ("train", "test")

_log = logging.getLogger(__name__)


class RunRefused(ValueError):
    """A run cannot start; the message says why in words a user can act on."""


class Session(QObject):
    """State and signals of the open experiment."""

    sig_model_changed = Signal(str)
    """The model file changed: (path). Its inspection follows with sig_inspection_changed."""
    sig_inspection_changed = Signal(object)
    """The model file was inspected: (ModelInspection, or None while unknown)."""
    sig_inspection_failed = Signal(str, dict)
    """The inspection of the open model file could not run at all: (path, error dict)."""
    sig_inspection_done = Signal()
    """An inspection asked with inspect_model() answered (sig_inspection_changed) or failed
    (sig_inspection_failed), or was for a file no longer open."""
    sig_model_class_changed = Signal(str)
    """The chosen model class changed: (class name); knob_config changed with it."""
    sig_datasets_changed = Signal()
    """train_path or test_path (and maybe task) changed; the new files are being read."""
    sig_dataset_read = Signal(str)
    """(role: "train" or "test") that dataset was read: dataset_view(role) or
    dataset_error(role) holds the answer; task, dataset problems and the fit of the names file
    and queries may have changed with it."""
    sig_datasets_settled = Signal()
    """No dataset is being read any more (after the last sig_dataset_read of a batch): a start
    that waited for the datasets (a run, a tuning) may go ahead."""
    sig_label_names_changed = Signal()
    """label_names_path, label_names (the names applied: {} when the file does not fit),
    label_names_problem or names_offer changed."""
    sig_queries_changed = Signal()
    """queries_choice changed (its source, count or files), or the model file's queries did."""
    sig_app_mode_changed = Signal(str)
    """The app mode changed: ("DEV" or "PROD"); the model file should be re-inspected."""
    sig_knobs_changed = Signal(dict)
    """The knob values changed: (knobs dict)."""
    sig_run_pending = Signal()
    """Run was asked for while a dataset is still being read: it starts (sig_run_started) or
    is refused (sig_run_refused) once the datasets are read."""
    sig_run_refused = Signal(str)
    """(message) a pending run could not start, saying why."""
    sig_run_started = Signal()
    """A run started; last_spec is its RunSpec, last_run its RunRecord."""
    sig_run_events = Signal(object)
    """A batch of the running lifecycle's event dicts (rafiki/events.py), in order: a list,
    the same object for every slot (slots must not change it; ``object`` so Qt does not copy
    it through its variant types, see RunWorker.sig_events)."""
    sig_run_filed = Signal(int)
    """The running run was filed in the store as this trial: (trial id); last_trial_id is set.
    Not emitted when the store cannot be used (the run goes on, unrecorded)."""
    sig_run_finished = Signal(object)
    """The run ended: (RunOutcome); last_outcome, last_params_path, last_trial_id are set."""
    sig_run_archived = Signal(str)
    """(reason) the last run's results no longer belong to the open model (another file or
    class): result views clear them; last_run.archived says why."""
    sig_model_file_changed = Signal(str)
    """The open model file's contents changed on disk: (path). The model panel inspects it
    again and offers to run it again."""
    sig_run_requested = Signal()
    """A panel asks for a run (as the Run action would); the window starts it or says why
    it cannot."""
    sig_compare_requested = Signal(list)
    """Show these stored runs side by side: ([trial id, ...]); the window opens the view."""
    sig_notice = Signal(str)
    """A passing note for the status bar (e.g. datasets chosen again with their model)."""
    sig_store_problem = Signal(str)
    """(message) the store on disk cannot be used (damaged, read-only, locked, full): one line
    naming the file, what is wrong and what to do; the session keeps its experiments in
    memory from then on (store_problem holds the message; retry_store tries the file again)."""
    sig_store_ready = Signal(str)
    """(message) retry_store found the store on disk usable again: the message says whether
    the session now uses it, or keeps this window's runs in memory until it is restarted."""

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
        """The chosen names file ("" for none); applied only when it fits the datasets."""
        self.label_names: dict[int, str] = {}
        """The names applied: the file's when it fits, else {} (labels show as numbers)."""
        self.label_names_problem: str | None = None
        """Why the chosen names file is not applied (None when it is, or there is none)."""
        self.label_names_auto: bool = False
        """The names file was picked because it sits beside a chosen dataset."""
        self.names_offer: str = ""
        """The names file beside a chosen dataset, when there is one."""
        self.app_mode: str = "DEV"
        self.knobs: dict[str, Any] = {}
        self.memory_limit_mb: int | None = None  # the next run's; None: the engine's default
        self._queries_choice: QueriesChoice | None = None  # made on first use (queries_choice)
        self.dependencies: dict[str, str] = {}
        self.last_outcome: RunOutcome | None = None
        self.last_spec: RunSpec | None = None
        self.last_params_path: str | None = None
        self.last_trial_id: int | None = None
        self.last_run: RunRecord | None = None
        self.last_test_samples: TestSamples | None = None
        """The test samples the last run predicted, with their labels (when it used them)."""
        self._experiments = experiments
        self._experiments_failed = False
        self.store_problem: str | None = None
        """Why the store on disk could not be used (experiments are then in memory)."""
        self._store_opening: StoreOpening | None = None
        self._worker: RunWorker | None = None
        self._run_pending = False
        from .model_file_watch import ModelFileWatch

        self._model_file_watch = ModelFileWatch(self)
        self._model_file_watch.sig_changed.connect(self.sig_model_file_changed)
        self._task_from_model: str | None = None
        self._names_file: NamesFile | None = None
        # made when first needed: their modules (workers, dataset code) load after the
        # window's first paint, not before it
        self._dataset_reader: DatasetReader | None = None
        self._model_inspector: ModelInspector | None = None

    @property
    def queries_choice(self) -> QueriesChoice:
        """Where the next run's queries come from (made on first use: its module and
        dataclasses load after the window's first paint, not before it)."""
        if self._queries_choice is None:
            from .queries_choice import QueriesChoice

            self._queries_choice = QueriesChoice()
        return self._queries_choice

    @property
    def _datasets(self) -> DatasetReader:
        if self._dataset_reader is None:
            from .dataset_loader import DatasetReader

            self._dataset_reader = DatasetReader(self)
            self._dataset_reader.sig_read.connect(self._dataset_read)
        return self._dataset_reader

    @property
    def _inspector(self) -> ModelInspector:
        if self._model_inspector is None:
            from .inspector import ModelInspector

            self._model_inspector = ModelInspector(self)
            self._model_inspector.sig_inspected.connect(self._inspected)
            self._model_inspector.sig_failed.connect(self._inspection_failed)
        return self._model_inspector

    # -- the experiments ----------------------------------------------------------------

    def request_run(self) -> None:
        """Ask the window for a run, as its Run action does (sig_run_requested)."""
        self.sig_run_requested.emit()

    def compare_runs(self, trial_ids: list[int]) -> None:
        """Ask for a comparison of these stored trials (any experiments); panels call this,
        the window answers sig_compare_requested by opening the compare view."""
        self.sig_compare_requested.emit(list(trial_ids))

    def compare_experiments(self, experiment_ids: list[int]) -> None:
        """Compare the runs that stand for these experiments: each one's best trial, else
        its latest."""
        from .run_comparison import representative_trials

        if self.experiments is not None:
            self.compare_runs(representative_trials(self.experiments, experiment_ids))

    @property
    def experiments(self) -> Experiments | None:
        """The experiments gateway, opened on first use (or by open_store_off_ui_thread: then
        this waits for that opening, which waits at most STORE_OPEN_WAIT_S for a lock). When
        the store on disk cannot be used (a StoreError), a gateway over a store in memory, and
        sig_store_problem says why; None on any other failure (runs still work, unrecorded;
        the log says why)."""
        opening = self._store_opening
        if self._experiments is None and opening is not None:
            opening.wait()
            self._store_answered(opening)
        if self._experiments is None and not self._experiments_failed:
            from rafiki.experiments import Experiments, StoreError

            try:
                self._experiments = Experiments()
            except StoreError as exc:  # said in a dialog; runs and tunings go on in memory
                self._use_memory_store(str(exc))
            except Exception as exc:  # an unusable store must not stop runs; say so in the log
                self._store_unusable(f"{type(exc).__name__}: {exc}")
        return self._experiments

    def open_store_off_ui_thread(self) -> None:
        """Open the store on a worker thread (the window's start: a store another program
        holds must not freeze the window); a problem, a lock included, is said with
        sig_store_problem after at most STORE_OPEN_WAIT_S."""
        if self._experiments is None and not self._experiments_failed and \
                self._store_opening is None:
            from .store_opening import StoreOpening

            self._store_opening = StoreOpening(self, self._store_answered)

    @property
    def store_opening(self) -> bool:
        """The store is being opened (or retried) on a worker thread."""
        return self._store_opening is not None

    def retry_store(self) -> None:
        """Try the store on disk again after a problem (off the UI thread): sig_store_ready
        when it can be used, sig_store_problem again when it still cannot."""
        if self.store_problem is not None and self._store_opening is None:
            from .store_opening import StoreOpening

            self._store_opening = StoreOpening(self, self._store_answered)

    def _store_answered(self, opening: StoreOpening) -> None:
        """An opening's answer (on the UI thread; once, whoever takes it first)."""
        if opening is not self._store_opening:
            return
        self._store_opening = None
        answer = opening.take()
        if answer is None:
            return
        from .store_opening import FAILED, OPENED

        kind, value = answer
        if kind == OPENED:
            self._store_usable(value)
        elif kind == FAILED:
            if self._experiments is None:
                self._store_unusable(value)
        elif self._experiments is None:
            self._use_memory_store(value)
        else:  # a retry that found the store still unusable: said again
            self.store_problem = value
            self.sig_store_problem.emit(value)

    def _store_usable(self, gateway: Experiments) -> None:
        if self._experiments is None:
            self._experiments = gateway
            return
        memory = self._experiments
        path = gateway.path
        if self._worker is None and not memory.list():  # nothing kept in memory yet: switch
            self._experiments, self.store_problem = gateway, None
            memory.close()
            self.sig_store_ready.emit(f"The experiment store {path} is in use again.")
        else:
            gateway.close()
            self.sig_store_ready.emit(f"The experiment store {path} can be used again; this "
                                      "window keeps its runs in memory until it is restarted.")

    def _use_memory_store(self, message: str) -> None:
        from rafiki.experiments import Experiments

        self.store_problem = message
        self._experiments = Experiments.in_memory()
        self.sig_store_problem.emit(message)

    def _store_unusable(self, why: str) -> None:
        _log.warning("The experiment store could not be opened, runs are not kept: %s", why)
        self._experiments_failed = True

    # -- setters ------------------------------------------------------------------------

    def set_model_path(self, path: str) -> None:
        """Choose a model file; its inspection is unknown until set_inspection."""
        previous_model = self.model_path
        self.model_path = str(path)
        self._model_file_watch.watch(self.model_path)
        self.inspection = None
        self.model_class = ""
        self.knob_config = {}
        self._task_from_model = None
        from .queries_choice import FROM_MODEL_FILE, QUERY_SOURCES

        if self.queries_choice.source == FROM_MODEL_FILE:  # another file's queries: not chosen
            self.queries_choice.source = QUERY_SOURCES[0]
        self.queries_choice.file_queries = []
        self.sig_model_changed.emit(self.model_path)
        self.sig_inspection_changed.emit(None)
        self.sig_queries_changed.emit()
        self._archive_run_of_another_model()
        self._bring_back_datasets_of_model(previous_model)

    def _bring_back_datasets_of_model(self, previous_model: str) -> None:
        """A model file opened again gets the datasets it last ran with, when the datasets
        open are none or those the previous model came with (an image model reopened from
        Recent kept a POS model's corpora, and Run was refused). Datasets the user chose
        since are left alone."""
        from .settings import model_datasets

        wanted = model_datasets(self.model_path)
        current = (self.train_path, self.test_path)
        if not any(wanted) or wanted == current:
            return
        if not all(Path(p).is_file() for p in wanted if p):
            return  # moved or deleted since: nothing to bring back
        came_with_previous = current == ("", "") or (
            bool(previous_model) and current == model_datasets(previous_model))
        if not came_with_previous:
            return
        self.set_train_path(wanted[0])
        self.set_test_path(wanted[1])
        names = " and ".join(Path(p).name for p in wanted if p)
        self.sig_notice.emit(f"{Path(self.model_path).name} last ran with {names}: "
                             f"chosen again")

    def inspect_model(self) -> None:
        """Inspect the open model file in a child process, in the current app mode (off the
        UI thread: a newer request supersedes an older one); sig_inspection_done follows."""
        self._inspector.inspect(self.model_path, app_mode=self.app_mode)

    @property
    def inspecting(self) -> bool:
        return self._model_inspector is not None and self._model_inspector.busy

    def wait_for_inspection(self, timeout: float) -> bool:
        """Block until inspections going on end (tests and shutdown); True when they did."""
        return self._model_inspector is None or self._model_inspector.wait(timeout)

    def _inspected(self, path: str, inspection: ModelInspection) -> None:
        if path == self.model_path:
            self.set_inspection(inspection)
        self.sig_inspection_done.emit()

    def _inspection_failed(self, path: str, error: dict) -> None:
        if path == self.model_path:
            self.sig_inspection_failed.emit(path, error)
        self.sig_inspection_done.emit()

    def set_inspection(self, inspection: ModelInspection | None) -> None:
        """Take the child's inspection of the model file and pre-fill from its statics."""
        self.inspection = inspection
        statics = dict(getattr(inspection, "statics", None) or {})
        self._task_from_model = statics.get("task")
        file_queries = statics.get("queries")
        self.queries_choice.file_queries = list(file_queries) \
            if isinstance(file_queries, (list, tuple)) else []
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
        self.sig_queries_changed.emit()
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
        self._archive_run_of_another_model()

    def set_train_path(self, path: str) -> None:
        self._set_dataset_path("train", path)

    def set_test_path(self, path: str) -> None:
        self._set_dataset_path("test", path)

    def _set_dataset_path(self, role: str, path: str) -> None:
        """Choose a dataset: it is read off the UI thread (sig_dataset_read follows), and the
        names file beside it is offered, and picked when no names file is chosen."""
        path = str(path) if path else ""
        setattr(self, f"{role}_path", path)
        self._datasets.set_path(role, path)
        if role == "train":
            self._update_task()
        self.sig_datasets_changed.emit()
        self._offer_names_beside_datasets()

    def set_label_names_path(self, path: str, auto: bool = False) -> None:
        """Choose a class/tag names file ("" for none; ``auto``: picked because it sits beside
        a dataset). A file that does not parse raises ValueError and the names in use stay; a
        file that parses is applied only while it fits the datasets (label_names_problem)."""
        names_file = None
        if path:
            from rafiki.names_files import read_names_file

            names_file = read_names_file(str(path))
        self.label_names_path = str(path) if path else ""
        self.label_names_auto = bool(path) and auto
        self._names_file = names_file
        self._apply_label_names(force_signal=True)

    def _apply_label_names(self, force_signal: bool = False) -> None:
        """Apply the chosen names file when it fits the datasets read so far."""
        problem = None
        names: dict[int, str] = {}
        if self._names_file is not None:
            from rafiki.names_files import names_problem

            problem = names_problem(self._names_file, [self.dataset_summary(role)
                                                       for role in DATASET_ROLES])
            names = {} if problem else dict(self._names_file.names)
        changed = (names, problem) != (self.label_names, self.label_names_problem)
        self.label_names, self.label_names_problem = names, problem
        if changed or force_signal:
            self.sig_label_names_changed.emit()

    def _offer_names_beside_datasets(self) -> None:
        from rafiki.names_files import names_file_beside

        offer = ""
        for role in ("test", "train"):
            path = getattr(self, f"{role}_path")
            offer = (names_file_beside(path) or "") if path else ""
            if offer:
                break
        changed = offer != self.names_offer
        self.names_offer = offer
        if not offer and self.label_names_auto:  # its dataset is no longer chosen
            self.set_label_names_path("")
            return
        if offer and offer != self.label_names_path and \
                (not self.label_names_path or self.label_names_auto):
            try:
                self.set_label_names_path(offer, auto=True)
                return
            except ValueError as exc:  # shown where the names are, the datasets stay usable
                self.label_names_path, self._names_file = "", None
                self.label_names, self.label_names_problem = {}, str(exc)
                changed = True
        if changed:
            self.sig_label_names_changed.emit()

    def set_queries_source(self, source: str, from_test: int | None = None,
                           json_path: str | None = None) -> None:
        """Choose where the next run's queries come from (QUERY_SOURCES); ``json_path`` is read
        here (ValueError naming the file when it is no JSON list)."""
        from .queries_choice import (
            FROM_JSON,
            MAX_QUERIES_FROM_TEST,
            QUERY_SOURCES,
            read_json_queries,
        )

        if source not in QUERY_SOURCES:
            raise ValueError(f"queries come from one of {QUERY_SOURCES}, not {source!r}")
        choice = self.queries_choice
        if from_test is not None:
            if not 1 <= int(from_test) <= MAX_QUERIES_FROM_TEST:
                raise ValueError(f"take 1 to {MAX_QUERIES_FROM_TEST:,} test samples, not "
                                 f"{from_test}")
            choice.from_test = int(from_test)
        if json_path is not None:
            choice.json_queries = read_json_queries(json_path) if json_path else []
            choice.json_path = json_path
        if source == FROM_JSON and not choice.json_path:
            raise ValueError("choose a JSON file of queries first")
        choice.source = source
        self.sig_queries_changed.emit()

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
        """The task: named by the model file, or else the train dataset's type implies it
        (once the dataset is read: the zip is never opened on the UI thread)."""
        from rafiki.run_checks import task_of

        self.task = task_of(self._task_from_model, self.dataset_summary("train"))

    # -- the datasets, read off the UI thread --------------------------------------------

    def dataset_reading(self, role: str | None = None) -> bool:
        """True while the ``role`` dataset (either, for None) is being read."""
        return self._dataset_reader is not None and self._dataset_reader.reading(role)

    def problems_besides_reading(self) -> list[str]:
        """run_problems() without "still being read": what must be fixed before a start can
        wait for the datasets instead of being refused."""
        return [p for p in self.run_problems() if not p.endswith("still being read")]

    def cancel_dataset_reads(self) -> None:
        """Stop the reads in flight (the window closes): their child processes are killed."""
        self._datasets.shutdown()

    def dataset_view(self, role: str) -> DatasetView | None:
        """Summary and preview of the ``role`` dataset once read (None before, or when the
        file is no dataset: see dataset_error)."""
        reader = self._dataset_reader
        return None if reader is None else reader.views.get(role)

    def dataset_summary(self, role: str) -> DatasetSummary | None:
        reader = self._dataset_reader
        return None if reader is None else reader.summary(role)

    def dataset_error(self, role: str) -> str | None:
        """Why the ``role`` file is no dataset at all (None when it is, or not read yet)."""
        reader = self._dataset_reader
        return None if reader is None else reader.errors.get(role)

    def dataset_problems(self, role: str) -> list[str]:
        """Why a run cannot use the ``role`` dataset with the model's task (empty when it
        can, or while it is being read)."""
        error = self.dataset_error(role)
        if error:
            return [error]
        summary = self.dataset_summary(role)
        if summary is None:
            return []
        from rafiki.dataset_checks import dataset_problems

        return dataset_problems(summary, self.task)

    def dataset_warnings(self, role: str) -> list[str]:
        """What looks wrong with the ``role`` dataset without refusing a run: its own
        problems, and for the test dataset how it differs from the train one."""
        summary = self.dataset_summary(role)
        if summary is None or summary.unreadable:
            return []
        warnings = list(summary.problems)
        if role == "test":
            from rafiki.dataset_checks import split_warnings

            warnings += split_warnings(self.dataset_summary("train"), summary)
        return warnings

    def _dataset_read(self, role: str) -> None:
        if role == "train":
            self._update_task()
        self._apply_label_names()
        self.sig_dataset_read.emit(role)
        self.sig_queries_changed.emit()  # the queries' fit is judged against the test set
        if not self.dataset_reading():
            if self._run_pending:
                self._start_pending_run()
            self.sig_datasets_settled.emit()

    # -- queries ------------------------------------------------------------------------

    def file_queries_problem(self) -> str | None:
        """Why the model file's queries are not offered for the chosen test dataset."""
        return self.queries_choice.file_queries_problem(self.task, self.dataset_summary("test"))

    def queries_problem(self) -> str | None:
        """Why the chosen queries cannot be used (None when they can)."""
        return self.queries_choice.problem(self.task, self.dataset_summary("test"))

    def describe_queries(self) -> str:
        """Where the next run's queries come from, as the run view names them."""
        return self.queries_choice.describe(self.test_path)

    # -- can it run? --------------------------------------------------------------------

    def run_problems(self) -> list[str]:
        """Why a run cannot start now; empty when it can. While a dataset is being read the
        problems name it (start_run waits for it instead)."""
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
        for role in DATASET_ROLES:
            if not getattr(self, f"{role}_path"):
                problems.append(f"choose a {role} dataset")
            elif self.dataset_reading(role):
                problems.append(f"the {role} dataset is still being read")
            else:
                from rafiki.run_checks import dataset_role_problems

                problems += dataset_role_problems(role, self.dataset_summary(role),
                                                  self.dataset_error(role), self.task)
        if not self.task and self.model_class and not self.dataset_reading("train"):
            problems.append("the task is unknown: the model file names none and the train "
                            "dataset's type is not recognised")
        queries = None if self.dataset_reading("test") else self.queries_problem()
        if queries:
            problems.append(queries)
        if self.model_class:
            from rafiki.model.knob import knob_problems

            problems += knob_problems(self.knob_config, self.knobs)
        return problems

    @property
    def is_running(self) -> bool:
        return self._worker is not None

    def is_open_model(self, model_file_path: str, model_class: str) -> bool:
        """Whether the window's model is this file and class (any class while none is
        chosen): the one test every view uses to drop results of another model. Paths are
        compared resolved, as the store keeps them."""
        if not self.model_path or not model_file_path:
            return False
        if Path(model_file_path).resolve() != Path(self.model_path).resolve():
            return False
        return not self.model_class or model_class == self.model_class

    @property
    def is_run_pending(self) -> bool:
        """Run was asked for and waits for a dataset being read."""
        return self._run_pending

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
            queries=self.queries_choice.queries(),
            queries_from_test=self.queries_choice.from_test,
            dependencies=dict(self.dependencies),
            app_mode=self.app_mode,
            python=chosen_interpreter(),
            memory_limit_mb=self.memory_limit_mb,
        )

    def start_run(self) -> None:
        """Start the lifecycle in a child process; raises RunRefused when it cannot. While a
        dataset is being read the run waits for it (sig_run_pending), then starts or is
        refused (sig_run_refused)."""
        if self._worker is not None:
            raise RunRefused("A run is already going; stop it first")
        if self.dataset_reading():
            waiting = self.problems_besides_reading()
            if waiting:
                raise RunRefused("Cannot run: " + "; ".join(waiting))
            if not self._run_pending:
                self._run_pending = True
                self.sig_run_pending.emit()
            return
        self._run_pending = False
        spec = self.build_spec()
        from .settings import remember_model_datasets

        remember_model_datasets(self.model_path, self.train_path, self.test_path)
        from rafiki.model.knob import serialize_knob_config

        from .worker import RunWorker

        worker = RunWorker(spec, experiments=self.experiments,
                           knob_config=serialize_knob_config(self.knob_config))
        worker.sig_filed.connect(self._on_run_filed)
        worker.sig_events.connect(self._on_run_events)
        worker.sig_test_samples.connect(self._on_test_samples)
        worker.sig_returned.connect(self._on_run_returned)
        worker.sig_errored.connect(self._on_run_errored)
        worker.sig_store_failed.connect(self.report_store_problem)
        self._worker = worker
        self.last_spec = spec
        self.last_trial_id = None
        self.last_outcome = None
        self.last_test_samples = None
        queries = spec.queries
        from .run_record import RunRecord

        self.last_run = RunRecord(
            model_file_path=spec.model_file_path, model_class=spec.model_class,
            started=time.time(), queries=self.describe_queries(),
            query_count=None if queries is None else len(queries))
        self.ready_ui_for_streaming()
        self.sig_run_started.emit()
        worker.start()

    @staticmethod
    def ready_ui_for_streaming() -> None:
        """Before a run or a tuning streams into the window (process-wide, so called when
        one starts, never on import). Long-lived objects (Qt wrappers, modules, past runs)
        go out of the collector's sight: a stream allocates fast, and each full collection
        walking them all paused the UI thread for tens of milliseconds. And the GIL is handed
        over every 0.5 ms instead of 5: each call from Qt into Python (a slot, every paint
        override of a chart) takes it, and while reader, worker and store threads run Python
        the UI thread waited up to the switch interval each time (a frame of a few dozen such
        calls took 290 ms for 36 ms of its own CPU under a run's flood; bench_gui_stall.py at
        load ~12: longest stall 1.6 s at 5 ms, 0.59 s at 0.5 ms)."""
        gc.freeze()
        sys.setswitchinterval(UI_SWITCH_INTERVAL_S)

    def _start_pending_run(self) -> None:
        self._run_pending = False
        try:
            self.start_run()
        except RunRefused as refusal:
            self.sig_run_refused.emit(str(refusal))

    def _trial_number(self, trial_id: int) -> int | None:
        """The run's trial number in its experiment, as the store numbered it (one row read)."""
        experiments = self.experiments
        if experiments is None:
            return None
        try:
            return experiments.trial(trial_id).number
        except Exception:  # the caption goes without it
            return None

    def _on_run_events(self, events: list[dict]) -> None:
        """A batch of the running run's events, to the views; then the worker may send the
        next (it holds them back while the views are busy with this one)."""
        self.sig_run_events.emit(events)
        if self._worker is not None:
            self._worker.events_shown()

    def _on_test_samples(self, samples: TestSamples) -> None:
        """The worker read the test samples the run predicted, with their labels."""
        self.last_test_samples = samples
        if self.last_run is not None:
            self.last_run.query_count = len(samples.queries)
            self.last_run.queries = samples.source

    def _archive_run_of_another_model(self) -> None:
        """The last run's results leave the views once another model file or class is open
        (a run still going is archived when it ends)."""
        run = self.last_run
        if run is None or run.archived or self._worker is not None:
            return
        if self.is_open_model(run.model_file_path, run.model_class):
            return
        from .run_record import OTHER_CLASS, OTHER_MODEL_FILE

        run.archived = OTHER_MODEL_FILE if run.model_file_path != self.model_path \
            else OTHER_CLASS
        self.sig_run_archived.emit(run.archived)

    def stop_run(self) -> None:
        """Stop the running lifecycle (interrupt, terminate, kill), or cancel a run still
        waiting for its datasets; no-op when idle."""
        if self._worker is not None:
            self._worker.stop()
        elif self._run_pending:
            self._run_pending = False
            self.sig_run_refused.emit("The run waiting for the datasets was cancelled")

    def wait_for_run(self, timeout: float = 30.0) -> bool:
        """Block until the worker thread ends (tests and shutdown); True when it did."""
        worker = self._worker
        return True if worker is None else worker.wait(timeout)

    def _on_run_filed(self, trial_id: int) -> None:
        self.last_trial_id = trial_id
        if self.last_run is not None:
            self.last_run.trial_number = self._trial_number(trial_id)
        self.sig_run_filed.emit(trial_id)

    def _on_run_returned(self, outcome: RunOutcome) -> None:
        self._worker = None
        self.last_outcome = outcome
        result = outcome.result or {}
        self.last_params_path = result.get("params_path") or None
        if self.last_run is not None:
            self.last_run.state = getattr(outcome.state, "name", str(outcome.state))
            score = result.get("score")
            self.last_run.score = float(score) if isinstance(score, (int, float)) else None
            count = (result.get("queries") or {}).get("count")
            if isinstance(count, int):  # as many as the child predicted
                self.last_run.query_count = count
        self.sig_run_finished.emit(outcome)
        self._archive_run_of_another_model()

    def report_store_problem(self, message: str) -> None:
        """The store failed under a run or a tuning (a StoreError's one line): said once
        (sig_store_problem), and later runs and tunings go to a store in memory."""
        if self.store_problem is not None:
            return
        from rafiki.experiments import Experiments

        self.store_problem = message
        self._experiments = Experiments.in_memory()
        self.sig_store_problem.emit(message)

    def _on_run_errored(self, error: dict) -> None:
        """The run could not be started or followed (not the model's fault): an errored outcome
        whose error says why."""
        from rafiki.runner import RunnerState, RunOutcome

        self._on_run_returned(RunOutcome(
            state=RunnerState.ERRORED, result=None, error=error, exit_code=None, signal=None,
            crash_report=None, last_output=[], duration=0.0,
        ))
