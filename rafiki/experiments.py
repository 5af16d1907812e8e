"""The one gateway front ends use to keep experiments: the CLI, the window's Session and its
tuning panel all come here, never to :class:`rafiki.store.Store` itself.

Why one place: an experiment's identity decides which trials are compared with which, and when
it was built in several front ends they disagreed (one left out the interpreter, so a window run
landed in a tuning experiment with pinned knobs and a 6-trial tuning reported "7 of 7"). Here an
experiment is one *kind* of work (single ``runs``, or one ``tuning``) of one identity: the model
file's contents, its class, the task, both datasets by location and contents, the app mode, the
interpreter and, for a tuning, the pinned knobs. Single runs never land in a tuning experiment.

Everything here does file or database I/O (hashing a dataset zip of a gigabyte takes seconds),
so a window calls it from a worker thread (the store caches digests by path, size, mtime).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .paths import data_dir, local_path_of
from .store import (
    STORE_FILE_NAME,
    Experiment,
    ParametersNotVerifiedError,
    Store,
    Trial,
    TrialStatus,
    file_sha256,
    uri_sha256,
)
from .store_errors import StoreError, StoreProblem
from .store_repair import CheckResult, RepairResult, check_store_file, repair_store_file

if TYPE_CHECKING:
    from .runner import RunSpec
    from .tuning import Tuner

__all__ = [
    "CheckResult",
    "Experiment",
    "ExperimentIdentity",
    "ExperimentKind",
    "Experiments",
    "OpenedTrial",
    "ParametersNotVerifiedError",
    "PastKnobs",
    "RepairResult",
    "StoreError",
    "StoreProblem",
    "Trial",
    "TrialStatus",
]


class ExperimentKind(str, enum.Enum):
    """What an experiment holds: the single runs of one setup, or one tuning of it."""

    RUNS = "runs"
    TUNING = "tuning"


@dataclass(frozen=True)
class ExperimentIdentity:
    """What makes two trials comparable: same kind of work on the same model and data."""

    kind: ExperimentKind
    model_file_path: str
    model_sha256: str
    model_class: str
    task: str
    train_dataset_uri: str
    train_sha256: str | None
    test_dataset_uri: str
    test_sha256: str | None
    app_mode: str = "DEV"
    python: str | None = None
    pinned: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(
        cls,
        kind: ExperimentKind,
        *,
        model_file_path: str,
        model_class: str,
        task: str,
        train_dataset_uri: str,
        test_dataset_uri: str,
        app_mode: str = "DEV",
        python: str | None = None,
        pinned: dict[str, Any] | None = None,
    ) -> ExperimentIdentity:
        """The identity of a setup as its files are now (reads and hashes them)."""
        model_path = str(Path(model_file_path).resolve())
        return cls(
            kind=ExperimentKind(kind), model_file_path=model_path,
            model_sha256=file_sha256(model_path), model_class=model_class, task=task,
            train_dataset_uri=_absolute(train_dataset_uri),
            train_sha256=uri_sha256(str(train_dataset_uri)),
            test_dataset_uri=_absolute(test_dataset_uri),
            test_sha256=uri_sha256(str(test_dataset_uri)),
            app_mode=app_mode or "DEV", python=python or None,
            pinned=_pinned_key(pinned if kind == ExperimentKind.TUNING else None),
        )

    @classmethod
    def of_spec(cls, kind: ExperimentKind, spec: RunSpec,
                pinned: dict[str, Any] | None = None) -> ExperimentIdentity:
        """The identity of the setup a RunSpec runs."""
        return cls.of(kind, model_file_path=spec.model_file_path, model_class=spec.model_class,
                      task=spec.task, train_dataset_uri=spec.train_dataset_uri,
                      test_dataset_uri=spec.test_dataset_uri, app_mode=spec.app_mode,
                      python=spec.python, pinned=pinned)

    def matches(self, experiment: Experiment) -> bool:
        """Whether a stored experiment has this identity."""
        pinned = experiment.settings.get("pinned") if self.kind == ExperimentKind.TUNING \
            else None
        return (
            experiment.kind == self.kind.value
            and str(Path(experiment.model_file_path).resolve()) == self.model_file_path
            and experiment.model_sha256 == self.model_sha256
            and experiment.model_class == self.model_class
            and experiment.task == self.task
            and experiment.train_dataset_uri == self.train_dataset_uri
            and experiment.train_sha256 == self.train_sha256
            and experiment.test_dataset_uri == self.test_dataset_uri
            and experiment.test_sha256 == self.test_sha256
            and (experiment.app_mode or "DEV") == self.app_mode
            and (experiment.python or None) == self.python
            and _pinned_key(pinned) == self.pinned
        )

    @property
    def pinned_knobs(self) -> dict[str, Any]:
        return {name: json.loads(value) for name, value in self.pinned}


def _absolute(uri: str) -> str:
    """A local dataset as an absolute path (``rafiki run`` from another folder, or with a
    relative path, is the same setup as the window's); a remote URI as it is."""
    path = local_path_of(str(uri))
    return str(uri) if path is None else str(path.resolve())


def _pinned_key(pinned: dict[str, Any] | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(k), json.dumps(v, sort_keys=True)) for k, v in
                        (pinned or {}).items()))


@dataclass
class OpenedTrial:
    """A trial just opened for a run: where it is filed and where its parameters go."""

    experiment: Experiment
    trial: Trial
    params_path: str


@dataclass
class PastKnobs:
    """Knobs a stored trial ran with, labelled for a menu."""

    label: str
    knobs: dict[str, Any]
    score: float | None
    experiment_id: int
    trial_number: int
    trial_id: int


_cleaned: list[bool] = []


def _clean_leftovers_once() -> None:
    """Temp folders of workbench processes that were killed go at the first opening of the
    store in a process: every front end starts by opening it (see :mod:`rafiki.leftovers`)."""
    if not _cleaned:
        _cleaned.append(True)
        from .leftovers import clean_leftover_folders

        clean_leftover_folders()


class Experiments:
    """Experiments and trials as every front end sees them (one store underneath)."""

    def __init__(self, store: Store | str | Path | None = None,
                 open_timeout_s: float | None = None):
        """``open_timeout_s``: how long opening the store waits for another program's lock
        (the store's busy timeout by default); a StoreError (LOCKED) after it."""
        _clean_leftovers_once()
        self._store = store if isinstance(store, Store) \
            else Store(store, open_timeout_s=open_timeout_s)
        self._temp_folder: Path | None = None

    @classmethod
    def in_memory(cls) -> Experiments:
        """A gateway over a store in memory, for a window whose store on disk cannot be used
        (damaged, read-only, locked, full): runs and tunings work and are kept until the
        window closes; parameters files go to a temp folder."""
        import tempfile

        from .leftovers import owned_temp_folder

        folder = owned_temp_folder(tempfile.gettempdir(), "rafiki-memory-store-")
        gateway = cls(Store(":memory:", params_dir=folder / "params"))
        gateway._temp_folder = folder  # goes with the store, at close
        return gateway

    @property
    def store(self) -> Store:
        """The store underneath, for the engine (tuner, tests); front ends never use it."""
        return self._store

    @property
    def path(self) -> Path:
        return self._store.path

    def close(self) -> None:
        self._store.close()
        if self._temp_folder is not None:
            import shutil

            shutil.rmtree(self._temp_folder, ignore_errors=True)

    def __enter__(self) -> Experiments:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- identity ------------------------------------------------------------------------

    def find(self, identity: ExperimentIdentity) -> Experiment | None:
        """The newest stored experiment of this identity, or None."""
        return next((e for e in self._store.list_experiments() if identity.matches(e)), None)

    def find_or_create(
        self,
        identity: ExperimentIdentity,
        *,
        dependencies: dict[str, str] | None = None,
        knob_config: str | None = None,
        name: str | None = None,
    ) -> Experiment:
        """The experiment of ``identity``, created the first time; its knob config is
        brought up to date when given (the file's contents are the same, so it can only be
        filled in, not changed)."""
        experiment = self.find(identity)
        if experiment is None:
            settings: dict[str, Any] = {}
            if identity.kind == ExperimentKind.TUNING:
                settings["pinned"] = identity.pinned_knobs
            default_name = Path(identity.model_file_path).stem
            if identity.kind == ExperimentKind.RUNS:
                default_name += " (runs)"
            experiment = self._store.create_experiment(
                model_file_path=identity.model_file_path, model_class=identity.model_class,
                task=identity.task, train_dataset_uri=identity.train_dataset_uri,
                test_dataset_uri=identity.test_dataset_uri, name=name or default_name,
                app_mode=identity.app_mode, python=identity.python,
                dependencies=dependencies, knob_config=knob_config, settings=settings,
                kind=identity.kind.value, model_sha256=identity.model_sha256,
                train_sha256=identity.train_sha256, test_sha256=identity.test_sha256,
            )
        elif knob_config and experiment.knob_config != knob_config:
            self._store.set_knob_config(experiment.id, knob_config)
            experiment = self._store.get_experiment(experiment.id)
        return experiment

    # -- trials --------------------------------------------------------------------------

    def open_trial(self, experiment_id: int, knobs: dict[str, Any] | None) -> OpenedTrial:
        """A new running trial of the experiment, with the path for its parameters."""
        trial = self._store.start_trial(experiment_id, knobs)
        return OpenedTrial(self._store.get_experiment(experiment_id), trial,
                           self._store.params_path_for(trial.id))

    def open_run(self, spec: RunSpec, knob_config: str | None = None) -> OpenedTrial:
        """File a single run of ``spec`` as a new trial of its setup's *runs* experiment
        (never a tuning's), and point ``spec.params_path`` at the trial's parameters file."""
        identity = ExperimentIdentity.of_spec(ExperimentKind.RUNS, spec)
        experiment = self.find_or_create(identity, dependencies=dict(spec.dependencies),
                                         knob_config=knob_config)
        opened = self.open_trial(experiment.id, spec.knobs)
        spec.params_path = opened.params_path
        return opened

    def record(self, trial_id: int, events: list[dict]) -> None:
        """Keep a batch of the trial's events (committed at once)."""
        self._store.record_events(trial_id, events)

    def finish_trial(self, trial_id: int, outcome: Any) -> Trial:
        """Record how the trial's run ended; returns the trial as stored."""
        return self._store.finish_trial(trial_id, outcome)

    # -- tuning --------------------------------------------------------------------------

    def tuning_experiment(
        self,
        spec: RunSpec,
        *,
        pinned: dict[str, Any] | None = None,
        knob_config: str | None = None,
        name: str | None = None,
    ) -> Experiment:
        """The tuning experiment of the setup ``spec`` runs with these pinned knobs; tuning
        it again goes on where it stopped (the advisor re-learns its trials)."""
        identity = ExperimentIdentity.of_spec(ExperimentKind.TUNING, spec, pinned=pinned)
        return self.find_or_create(identity, dependencies=dict(spec.dependencies),
                                   knob_config=knob_config, name=name)

    def tuner(self, experiment_id: int, **options: Any) -> Tuner:
        """A :class:`rafiki.tuning.Tuner` of a stored experiment (options as Tuner takes)."""
        from .tuning import Tuner

        return Tuner(self._store, experiment_id, **options)

    # -- reading -------------------------------------------------------------------------

    def list(self) -> list[Experiment]:
        """Every experiment, newest first, with trial counts and best scores."""
        return self._store.list_experiments()

    def get(self, experiment_id: int) -> Experiment:
        """The experiment (KeyError when absent)."""
        return self._store.get_experiment(experiment_id)

    def trials(self, experiment_id: int, best_first: bool = False) -> list[Trial]:
        return self._store.trials(experiment_id, best_first=best_first)

    def trial(self, trial_id: int) -> Trial:
        return self._store.trial(trial_id)

    def best_trial(self, experiment_id: int) -> Trial | None:
        return self._store.best_trial(experiment_id)

    def trial_events(self, trial_id: int, kinds: Iterable[str] | None = None) -> list[dict]:
        return self._store.trial_events(trial_id, kinds=kinds)

    def trial_metrics(self, trial_id: int) -> dict[str, list]:
        return self._store.trial_metrics(trial_id)

    def experiment_metrics(self, experiment_id: int) -> dict[int, dict[str, list]]:
        return self._store.experiment_metrics(experiment_id)

    def plot_axes(self, trial_id: int) -> dict[str, str]:
        """Which metric each logged metric was plotted against (from ``define_plot``)."""
        axes: dict[str, str] = {}
        for event in self._store.trial_events(trial_id, kinds=["plot"]):
            for metric in event.get("metrics") or []:
                if event.get("x_axis"):
                    axes.setdefault(metric, event["x_axis"])
        return axes

    def past_knobs(self, model_file_path: str, knob_names: Iterable[str],
                   limit: int = 20) -> list[PastKnobs]:
        """Knobs of stored trials of this model file that fit these knob names, newest
        first (runs and tunings alike)."""
        names = set(knob_names)
        wanted = str(Path(model_file_path).resolve())
        found: list[PastKnobs] = []
        for experiment in self._store.list_experiments():  # newest first
            if str(Path(experiment.model_file_path).resolve()) != wanted:
                continue
            for trial in reversed(self._store.trials(experiment.id)):
                if not trial.knobs or set(trial.knobs) != names:
                    continue
                tail = f", score {trial.score:.4g}" if trial.score is not None else ""
                found.append(PastKnobs(
                    f"{experiment.name} #{trial.number} ({trial.status}{tail})",
                    dict(trial.knobs), trial.score, experiment.id, trial.number, trial.id))
                if len(found) >= limit:
                    return found
        return found

    def source(self, experiment_id: int) -> str:
        """The model file's source as it was when the experiment was created."""
        return self._store.experiment_source(experiment_id)

    def load_parameters(self, trial_id: int, trust_unverified: bool = False) -> dict:
        return self._store.load_parameters(trial_id, trust_unverified=trust_unverified)

    # -- editing -------------------------------------------------------------------------

    def rename(self, experiment_id: int, name: str) -> None:
        self._store.rename_experiment(experiment_id, name)

    def annotate(self, experiment_id: int, note: str) -> None:
        self._store.annotate_experiment(experiment_id, note)

    def delete(self, experiment_id: int) -> None:
        """The experiment, its trials, events and parameters files."""
        self._store.delete_experiment(experiment_id)



# -- the store file itself ---------------------------------------------------------------------

def store_path() -> Path:
    """Where the store is (``RAFIKI_HOME`` moves it); the folder is not created."""
    return data_dir(create=False) / STORE_FILE_NAME


def check_store(path: str | Path | None = None) -> CheckResult:
    """SQLite's integrity check of the store file (FileNotFoundError when there is none)."""
    return check_store_file(path or store_path())


def repair_store(path: str | Path | None = None, use_sqlite3_program: bool = True
                 ) -> RepairResult:
    """Recover a damaged store into a new file, keeping the damaged one beside it (see
    :mod:`rafiki.store_repair`)."""
    return repair_store_file(path or store_path(), use_sqlite3_program=use_sqlite3_program)
