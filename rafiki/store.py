"""The experiment store: every experiment and trial in one SQLite file, nothing ever lost.

Why SQLite in WAL mode: each batch of a run's events is committed the moment it arrives, so a
workbench that is killed keeps every finished trial and all events of the one in flight; that
trial is marked *interrupted* when the store is next opened (only once the process that ran it
is gone, so a GUI and a ``rafiki tune`` can share the store). Readers never block the writer.

Metrics are the bulk (hundreds of trials of thousands of points), so each event batch's metrics
become one row of columns (``time`` and one list per metric name) instead of a row per point.

Parameters files live beside the database (``params/<experiment>/<trial>.pkl``). Unpickling
runs code, so :meth:`Store.load_parameters` checks the file's sha256 against the record first
and refuses a file the store did not write unless told ``trust_unverified=True``.
"""

from __future__ import annotations

import enum
import hashlib
import json
import math
import os
import pickle
import shutil
import socket
import sqlite3
import threading
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain, repeat
from pathlib import Path
from typing import Any, NoReturn

import orjson

from . import events as ev
from .paths import data_dir, local_path_of
from .process_alive import process_alive as _process_alive
from .store_errors import StoreError, as_store_error
from .store_quotas import TrialQuota
from .store_schema import migrate
from .stored_rows import (
    clean_error,
    clean_event,
    clean_int,
    clean_metric_columns,
    clean_number,
    clean_score,
    clean_text,
    clean_timings,
    loads_or,
    numeric_score_sql,
)
from .trial_ranking import is_ranked

STORE_FILE_NAME = "store.sqlite3"
OUTPUT_LIMIT_BYTES = 16 * 1024 * 1024  # per trial: a model flooding stdout must not fill the disk
_BUSY_TIMEOUT_MS = 30_000


class TrialStatus(str, enum.Enum):
    """Where a trial stands; every trial ends in one of the last five."""

    RUNNING = "running"
    COMPLETED = "completed"
    ERRORED = "errored"
    STOPPED = "stopped"
    INTERRUPTED = "interrupted"
    PRUNED = "pruned"  # stopped by tuning's pruner on a logged metric (see Trial.pruned)


class ParametersNotVerifiedError(ValueError):
    """A parameters file whose sha256 does not match what the store recorded (or has no
    record): unpickling it could run anyone's code, so it is refused."""


@dataclass
class Experiment:
    """One model file + class + task + datasets, and the trials run on them."""

    id: int
    name: str
    note: str
    model_file_path: str
    model_sha256: str | None
    model_class: str
    task: str
    train_dataset_uri: str
    train_sha256: str | None
    test_dataset_uri: str
    test_sha256: str | None
    app_mode: str
    python: str | None
    dependencies: dict[str, str]
    knob_config: str | None
    settings: dict[str, Any]
    created: float
    trial_count: int = 0
    best_score: float | None = None
    kind: str = "runs"
    status_counts: dict[str, int] = field(default_factory=dict)
    """How many of its trials are in each status (filled by :meth:`Store.list_experiments`)."""


@dataclass
class Trial:
    """One run of the lifecycle with some knobs; ``error`` has stage, type, message, traceback."""

    id: int
    experiment_id: int
    number: int
    knobs: dict[str, Any] | None
    status: str
    score: float | None
    timings: dict[str, float]
    current_stage: str | None
    error: dict[str, Any] | None
    runner_state: str | None
    exit_code: int | None
    signal: str | None
    crash_report: str | None
    params_path: str | None
    params_sha256: str | None
    started: float
    finished: float | None
    extra: dict[str, Any] = field(default_factory=dict)
    pruned: dict[str, Any] | None = None
    """A pruned trial's metric, step reached, last value, points and seconds saved."""
    node: str | None = None  # the cluster node that ran it; None: this machine

    @property
    def duration(self) -> float | None:
        return None if self.finished is None else self.finished - self.started


_EXPERIMENT_COLUMNS = (
    "id, name, note, model_file_path, model_sha256, model_class, task, train_dataset_uri, "
    "train_sha256, test_dataset_uri, test_sha256, app_mode, python, dependencies, knob_config, "
    "settings, created, kind"
)
_SCORE = numeric_score_sql("score")  # a value older versions stored as "abc" reads as NULL
_BEST_FIRST_ORDER = (f"status != 'completed' OR {_SCORE} IS NULL, {_SCORE} IS NULL, "
                     f"{_SCORE} DESC, number")  # trial_ranking.best_first_key, in SQL

_METRICS_TRIALS_PER_QUERY = 200
"""Trials whose metrics one query of :meth:`Store.experiment_metrics` reads (200 trials of
1,000 points: about 50 ms under the store's lock)."""

_TRIAL_COLUMNS = (
    "id, experiment_id, number, knobs, status, score, timings, current_stage, error, "
    "runner_state, exit_code, signal, crash_report, params_path, params_sha256, started, "
    "finished, pruned, node"
)


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


def _experiment_from_row(row: tuple, trial_count: int = 0, best: float | None = None) -> Experiment:
    """Any stored row as an Experiment: values older versions wrote badly read as unknown
    (:mod:`rafiki.stored_rows`)."""
    (id_, name, note, model_path, model_sha, model_class, task, train, train_sha, test, test_sha,
     app_mode, python, deps, knob_config, settings, created, kind) = row
    return Experiment(
        id=id_, name=clean_text(name) or "", note=clean_text(note) or "",
        model_file_path=clean_text(model_path) or "", model_sha256=clean_text(model_sha),
        model_class=clean_text(model_class) or "", task=clean_text(task) or "",
        train_dataset_uri=clean_text(train) or "", train_sha256=clean_text(train_sha),
        test_dataset_uri=clean_text(test) or "", test_sha256=clean_text(test_sha),
        app_mode=clean_text(app_mode) or "DEV", python=clean_text(python),
        dependencies=loads_or(deps, dict, {}), knob_config=clean_text(knob_config),
        settings=loads_or(settings, dict, {}), created=clean_number(created) or 0.0,
        trial_count=trial_count, best_score=clean_score(best), kind=clean_text(kind) or "runs",
    )


def _trial_from_row(row: tuple) -> Trial:
    """Any stored row as a Trial (a score "abc" reads as None, never raises)."""
    (id_, exp_id, number, knobs, status, score, timings, current_stage, error, runner_state,
     exit_code, signal, crash_report, params_path, params_sha, started, finished, pruned,
     node) = row
    return Trial(
        id=id_, experiment_id=exp_id, number=clean_int(number) or 0,
        knobs=loads_or(knobs, dict, None), status=clean_text(status) or "interrupted",
        score=clean_score(score), timings=clean_timings(timings),
        current_stage=clean_text(current_stage), error=clean_error(error),
        runner_state=clean_text(runner_state), exit_code=clean_int(exit_code),
        signal=clean_text(signal), crash_report=clean_text(crash_report),
        params_path=clean_text(params_path), params_sha256=clean_text(params_sha),
        started=clean_number(started) or 0.0, finished=clean_number(finished),
        pruned=loads_or(pruned, dict, None), node=clean_text(node),
    )


# -- files and their digests -------------------------------------------------------------------

_digest_cache: dict[tuple[str, int, int], str] = {}
_digest_lock = threading.Lock()


def file_sha256(path: str | Path) -> str:
    """The file's sha256, remembered per (path, size, mtime) so a big dataset is read once."""
    stat = os.stat(path)
    key = (str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)
    with _digest_lock:
        if key in _digest_cache:
            return _digest_cache[key]
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        for chunk in iter(lambda: source.read(1 << 20), b""):
            digest.update(chunk)
    with _digest_lock:
        _digest_cache[key] = digest.hexdigest()
    return digest.hexdigest()


def uri_sha256(uri: str) -> str | None:
    path = local_path_of(uri)
    return file_sha256(path) if path is not None and path.is_file() else None


def load_parameters_file(
    path: str | Path, sha256: str | None, trust_unverified: bool = False
) -> dict:
    """Unpickle a parameters file once its sha256 matches ``sha256``.

    Without a matching digest it is refused, unless ``trust_unverified`` (then with a warning):
    a pickle runs code as it loads."""
    blob = Path(path).read_bytes()
    actual = hashlib.sha256(blob).hexdigest()
    if sha256 is None or actual != sha256:
        why = ("no sha256 was recorded for it" if sha256 is None
               else f"its sha256 {actual[:12]}… differs from the recorded {sha256[:12]}…")
        if not trust_unverified:
            raise ParametersNotVerifiedError(
                f"Refusing to load parameters file {path}: {why}. Unpickling runs code; pass "
                f"trust_unverified=True only for a file you trust."
            )
        warnings.warn(f"Loading unverified parameters file {path} ({why})", stacklevel=2)
    return pickle.loads(blob)


# -- the store ---------------------------------------------------------------------------------

class Store:
    """Experiments and trials in one SQLite file; safe to share between threads and processes.

    ``path`` defaults to ``data_dir()/store.sqlite3`` (``RAFIKI_HOME`` moves it); ``":memory:"``
    keeps everything in memory (then give ``params_dir``, where parameters files go)."""

    def __init__(self, path: str | Path | None = None, params_dir: str | Path | None = None,
                 open_timeout_s: float | None = None):
        """``open_timeout_s``: how long the opening waits for another program's lock (the busy
        timeout, 30 s, by default; a window's start waits less and says the store is busy);
        once open, the store waits the busy timeout as usual."""
        self._lock = threading.RLock()
        self._output_bytes: dict[int, int] = {}
        self._quotas: dict[int, TrialQuota] = {}  # per running trial: store_quotas
        self._host = socket.gethostname()
        self._conn: sqlite3.Connection | None = None
        self.path = Path(path) if path is not None else data_dir(create=False) / STORE_FILE_NAME
        self.params_dir = Path(params_dir) if params_dir else self.path.parent / "params"
        try:  # every way a store can fail to open becomes one StoreError naming the file
            self.path.parent.mkdir(parents=True, exist_ok=True)
            opening_ms = _BUSY_TIMEOUT_MS if open_timeout_s is None \
                else max(0, int(open_timeout_s * 1000))
            self._conn = sqlite3.connect(
                str(self.path), isolation_level=None, check_same_thread=False,
                timeout=opening_ms / 1000,
            )
            self._conn.execute(f"PRAGMA busy_timeout = {opening_ms}")
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL survives kills
            self._conn.execute("PRAGMA foreign_keys = ON")
            self.schema_version = migrate(self._conn)
            self.interrupted_on_open = self._interrupt_orphaned_trials()
            self._conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        except (sqlite3.Error, OSError, StoreError) as exc:
            if self._conn is not None:
                self._conn.close()
            error = as_store_error(exc, self.path)
            if error is None:
                raise
            raise error from exc

    # -- plumbing --------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _write(self):
        """A write transaction (``with self._write() as conn:``), serialised across threads."""
        return _WriteTransaction(self._conn, self._lock, self.path)

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._conn.execute(sql, tuple(params)).fetchall()
            except sqlite3.Error as exc:
                _raise_translated(exc, self.path)

    def _interrupt_orphaned_trials(self) -> list[int]:
        """Mark running trials whose process is gone as interrupted; returns their ids."""
        rows = self._query(
            "SELECT id, owner_pid, owner_host, current_stage FROM trials WHERE status = ?",
            (TrialStatus.RUNNING.value,),
        )
        orphaned = [
            (trial_id, stage) for trial_id, pid, host, stage in rows
            if host == self._host and (pid is None or not _process_alive(pid))
        ]
        now = time.time()
        with self._write() as conn:
            for trial_id, stage in orphaned:
                error = {"stage": stage, "type": "Interrupted", "traceback": "",
                         "message": "the process running this trial ended before it finished"}
                conn.execute(
                    "UPDATE trials SET status = ?, error = ?, finished = ? "
                    "WHERE id = ? AND status = ?",
                    (TrialStatus.INTERRUPTED.value, _dumps(error), now, trial_id,
                     TrialStatus.RUNNING.value),
                )
        return [trial_id for trial_id, _ in orphaned]

    # -- experiments -----------------------------------------------------------------------

    def create_experiment(
        self,
        *,
        model_file_path: str,
        model_class: str,
        task: str,
        train_dataset_uri: str,
        test_dataset_uri: str,
        name: str | None = None,
        note: str = "",
        app_mode: str = "DEV",
        python: str | None = None,
        dependencies: dict[str, str] | None = None,
        knob_config: str | None = None,
        settings: dict[str, Any] | None = None,
        kind: str = "runs",
        model_sha256: str | None = None,
        train_sha256: str | None = None,
        test_sha256: str | None = None,
    ) -> Experiment:
        """Record an experiment with the model file's digest and source and the datasets'
        digests (local files only), as they are now; digests already computed by the caller
        are taken as given."""
        model_path = Path(model_file_path)
        source_bytes = model_path.read_bytes()
        model_sha = model_sha256 or hashlib.sha256(source_bytes).hexdigest()
        values = (
            name if name is not None else model_path.stem, note, str(model_file_path), model_sha,
            source_bytes.decode("utf-8", errors="replace"), model_class, task,
            str(train_dataset_uri), train_sha256 or uri_sha256(str(train_dataset_uri)),
            str(test_dataset_uri), test_sha256 or uri_sha256(str(test_dataset_uri)), app_mode,
            python, _dumps(dependencies or {}), knob_config, _dumps(settings or {}), time.time(),
            kind,
        )
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO experiments (name, note, model_file_path, model_sha256, "
                "model_source, model_class, task, train_dataset_uri, train_sha256, "
                "test_dataset_uri, test_sha256, app_mode, python, dependencies, knob_config, "
                "settings, created, kind) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                values,
            )
            experiment_id = cursor.lastrowid
        return self.get_experiment(experiment_id)

    def get_experiment(self, experiment_id: int) -> Experiment:
        """The experiment with its trial count and best score; KeyError when absent."""
        rows = self._query(f"SELECT {_EXPERIMENT_COLUMNS} FROM experiments WHERE id = ?",
                           (experiment_id,))
        if not rows:
            raise KeyError(f"No experiment {experiment_id} in {self.path}")
        count, best = self._query(
            f"SELECT COUNT(*), MAX(CASE WHEN status = 'completed' THEN {_SCORE} END) FROM trials "
            "WHERE experiment_id = ?", (experiment_id,)
        )[0]
        return _experiment_from_row(rows[0], count, best)

    def list_experiments(self) -> list[Experiment]:
        """Every experiment, newest first, with its trial count and best completed score."""
        rows = self._query(
            f"SELECT {', '.join('e.' + c.strip() for c in _EXPERIMENT_COLUMNS.split(','))}, "
            f"COUNT(t.id), MAX(CASE WHEN t.status = 'completed' THEN "
            f"{numeric_score_sql('t.score')} END) "
            "FROM experiments e LEFT JOIN trials t ON t.experiment_id = e.id "
            "GROUP BY e.id ORDER BY e.id DESC"
        )
        experiments = [_experiment_from_row(row[:-2], row[-2], row[-1]) for row in rows]
        by_id = {experiment.id: experiment for experiment in experiments}
        for experiment_id, status, count in self._query(
                "SELECT experiment_id, status, COUNT(*) FROM trials "
                "GROUP BY experiment_id, status"):
            if experiment_id in by_id:
                by_id[experiment_id].status_counts[str(status)] = count
        return experiments

    def experiment_source(self, experiment_id: int) -> str:
        """The model file's source as it was when the experiment was created."""
        rows = self._query("SELECT model_source FROM experiments WHERE id = ?", (experiment_id,))
        if not rows:
            raise KeyError(f"No experiment {experiment_id} in {self.path}")
        return rows[0][0] or ""

    def rename_experiment(self, experiment_id: int, name: str) -> None:
        self._update_experiment(experiment_id, "name", name)

    def annotate_experiment(self, experiment_id: int, note: str) -> None:
        self._update_experiment(experiment_id, "note", note)

    def update_experiment_settings(self, experiment_id: int, **settings: Any) -> None:
        """Merge ``settings`` (e.g. tuning's pinned knobs and seed) into the experiment's."""
        merged = {**self.get_experiment(experiment_id).settings, **settings}
        self._update_experiment(experiment_id, "settings", _dumps(merged))

    def set_knob_config(self, experiment_id: int, knob_config: str) -> None:
        """The serialized knob config the model file had (what tuning searched over)."""
        self._update_experiment(experiment_id, "knob_config", knob_config)

    def _update_experiment(self, experiment_id: int, column: str, value: Any) -> None:
        with self._write() as conn:
            cursor = conn.execute(f"UPDATE experiments SET {column} = ? WHERE id = ?",
                                  (value, experiment_id))
            if cursor.rowcount == 0:
                raise KeyError(f"No experiment {experiment_id} in {self.path}")

    def delete_experiment(self, experiment_id: int) -> None:
        """The experiment, its trials, their events and their parameters files."""
        with self._write() as conn:
            conn.execute("DELETE FROM experiments WHERE id = ?", (experiment_id,))
        shutil.rmtree(self.params_dir / str(experiment_id), ignore_errors=True)

    # -- trials ----------------------------------------------------------------------------

    def start_trial(self, experiment_id: int, knobs: dict | None) -> Trial:
        """A running trial numbered after the experiment's last; ``knobs`` None means the run
        chooses them (they are recorded when its choose-knobs stage reports them)."""
        with self._write() as conn:
            number = conn.execute(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM trials WHERE experiment_id = ?",
                (experiment_id,),
            ).fetchone()[0]
            cursor = conn.execute(
                "INSERT INTO trials (experiment_id, number, knobs, status, owner_pid, "
                "owner_host, started) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (experiment_id, number, None if knobs is None else _dumps(knobs),
                 TrialStatus.RUNNING.value, os.getpid(), self._host, time.time()),
            )
            trial_id = cursor.lastrowid
        return self.trial(trial_id)

    def trial(self, trial_id: int) -> Trial:
        rows = self._query(f"SELECT {_TRIAL_COLUMNS} FROM trials WHERE id = ?", (trial_id,))
        if not rows:
            raise KeyError(f"No trial {trial_id} in {self.path}")
        return _trial_from_row(rows[0])

    def trials(self, experiment_id: int, best_first: bool = False) -> list[Trial]:
        """The experiment's trials by number, or best first (as
        :func:`rafiki.trial_ranking.best_first_key` ranks them)."""
        order = _BEST_FIRST_ORDER if best_first else "number"
        rows = self._query(
            f"SELECT {_TRIAL_COLUMNS} FROM trials WHERE experiment_id = ? ORDER BY {order}",
            (experiment_id,),
        )
        return [_trial_from_row(row) for row in rows]

    def best_trial(self, experiment_id: int) -> Trial | None:
        """The completed trial with the highest score (its parameters exist), the lowest
        number among equals (:mod:`rafiki.trial_ranking`), or None."""
        first = self.trials(experiment_id, best_first=True)[:1]
        return first[0] if first and is_ranked(first[0]) else None

    def params_path_for(self, trial_id: int) -> str:
        """Where the trial's parameters file belongs: beside the database."""
        experiment_id = self.trial(trial_id).experiment_id
        folder = self.params_dir / str(experiment_id)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            _raise_translated(exc, self.path)
        return str(folder / f"{trial_id}.pkl")

    def record_events(self, trial_id: int, events: list[dict]) -> None:
        """Keep one batch of a run's events, all in one transaction, committed before return."""
        trial_updates: dict[str, Any] = {}
        timings: dict[str, float] = {}
        rows: list[tuple] = []
        metrics_times: list[float | None] = []
        metrics_columns: dict[str, list[Any]] = {}
        with self._lock:
            output_bytes = self._output_bytes.get(trial_id)
            if output_bytes is None:
                found = self._query("SELECT output_bytes FROM trials WHERE id = ?", (trial_id,))
                if not found:
                    raise KeyError(f"No trial {trial_id} in {self.path}")
                output_bytes = found[0][0]
            quota = self._quotas.get(trial_id) or self._stored_quota(trial_id)
            points = [event for event in events if event.get("kind") == ev.METRICS]
            values = [event.get("values") or {} for event in points]
            if points and quota.admit_metrics_batch(values):
                # the usual batch, all within the quotas: its columns a comprehension each,
                # not statements per point (the run worker's share of the GIL under a flood)
                count = len(points)
                metrics_times = [event.get("time") for event in points]
                for name in dict.fromkeys(chain.from_iterable(values)):  # first-seen order
                    metrics_columns[name] = list(map(dict.get, values, repeat(name, count)))
                events = [event for event in events if event.get("kind") != ev.METRICS]
            for event in events:
                kind = event.get("kind")
                if kind == ev.METRICS:
                    values = event.get("values") or {}
                    if not quota.admit_metrics(values):
                        note = quota.metrics_note()
                        if note is not None:
                            rows.append((trial_id, note["kind"], note["time"], _dumps(note)))
                        continue
                    position = len(metrics_times)
                    metrics_times.append(event.get("time"))
                    for name, value in values.items():
                        column = metrics_columns.get(name)
                        if column is None:  # a metric first seen here: earlier points lack it
                            column = metrics_columns[name] = [None] * position
                        elif len(column) < position:
                            column.extend([None] * (position - len(column)))
                        column.append(value)
                    continue
                if kind == ev.OUTPUT:
                    size = len(event.get("text", ""))
                    if output_bytes >= OUTPUT_LIMIT_BYTES:
                        continue
                    output_bytes += size
                    if output_bytes >= OUTPUT_LIMIT_BYTES:
                        event = {**event, "text": event.get("text", "") + (
                            f"\n[output beyond {OUTPUT_LIMIT_BYTES // (1024 * 1024)} MB "
                            "was not kept]\n")}
                elif kind == ev.STAGE:
                    self._note_stage(event, trial_updates, timings)
                elif kind == ev.RESULT:
                    self._note_result(event, trial_updates)
                elif kind == ev.NODE:
                    trial_updates["node"] = event.get("node")
                elif kind in (ev.MESSAGE, ev.PLOT):
                    for kept in quota.admit_log(event):
                        rows.append((trial_id, kept["kind"], kept.get("time"), _dumps(kept)))
                    continue
                rows.append((trial_id, kind, event.get("time"), _dumps(event)))
            self._output_bytes[trial_id] = output_bytes
            self._quotas[trial_id] = quota
            with self._write() as conn:
                conn.executemany(
                    "INSERT INTO trial_events (trial_id, kind, time, body) VALUES (?, ?, ?, ?)",
                    rows,
                )
                if metrics_times:
                    count = len(metrics_times)
                    for column in metrics_columns.values():
                        column.extend([None] * (count - len(column)))
                    conn.execute(
                        "INSERT INTO trial_metrics (trial_id, count, columns) VALUES (?, ?, ?)",
                        (trial_id, count,
                         _dumps_columns({"time": metrics_times, **metrics_columns})),
                    )
                if timings:
                    stored = conn.execute("SELECT timings FROM trials WHERE id = ?",
                                          (trial_id,)).fetchone()[0]
                    trial_updates["timings"] = _dumps({**(_loads(stored) or {}), **timings})
                trial_updates["output_bytes"] = output_bytes
                assignments = ", ".join(f"{column} = ?" for column in trial_updates)
                conn.execute(f"UPDATE trials SET {assignments} WHERE id = ?",
                             (*trial_updates.values(), trial_id))

    @staticmethod
    def _note_stage(event: dict, updates: dict[str, Any], timings: dict[str, float]) -> None:
        stage, state = event.get("stage"), event.get("state")
        if state == ev.STARTED:
            updates["current_stage"] = stage
            return
        if event.get("duration") is not None:
            timings[stage] = event["duration"]
        info = event.get("info") or {}
        if state == ev.FINISHED and stage == "choose_knobs" and "knobs" in info:
            updates["knobs"] = _dumps(info["knobs"])
        if state == ev.FINISHED and stage == "evaluate" and "score" in info:
            updates["score"] = info["score"]
        if state == ev.FAILED and event.get("error"):
            updates["error"] = _dumps(event["error"])

    @staticmethod
    def _note_result(event: dict, updates: dict[str, Any]) -> None:
        if event.get("score") is not None:
            updates["score"] = event["score"]
        if event.get("knobs") is not None:
            updates["knobs"] = _dumps(event["knobs"])
        if event.get("params_path"):
            updates["params_path"] = event["params_path"]
            updates["params_sha256"] = event.get("params_sha256")

    def finish_trial(self, trial_id: int, outcome: Any,
                     pruned: dict[str, Any] | None = None) -> Trial:
        """Close a trial with its run's outcome (a ``rafiki.runner.RunOutcome``): status, score,
        error, timings, parameters file and how the process ended. ``pruned`` (where the
        pruner stopped it) makes a trial that did not complete *pruned*."""
        state = getattr(outcome, "state", None)
        state_name = str(getattr(state, "name", state) or "").lower()
        result = getattr(outcome, "result", None) or {}
        error = getattr(outcome, "error", None)
        current = self.trial(trial_id)
        status = {
            "completed": TrialStatus.COMPLETED, "errored": TrialStatus.ERRORED,
            "crashed": TrialStatus.ERRORED, "timed_out": TrialStatus.ERRORED,
            "stopped": TrialStatus.STOPPED, "out_of_memory": TrialStatus.ERRORED,
        }.get(state_name, TrialStatus.INTERRUPTED)
        if pruned is not None and status is not TrialStatus.COMPLETED:
            status, error = TrialStatus.PRUNED, None  # its process was stopped on purpose
        if status is TrialStatus.ERRORED and not error:
            error = _describe_ending(state_name, outcome, current.current_stage)
        updates: dict[str, Any] = {
            "status": status.value,
            "runner_state": state_name or None,
            "exit_code": getattr(outcome, "exit_code", None),
            "signal": getattr(outcome, "signal", None),
            "crash_report": getattr(outcome, "crash_report", None),
            "finished": time.time(),
        }
        if status is TrialStatus.PRUNED:  # the interrupt that stopped it is no error
            updates["pruned"], updates["error"] = _dumps(pruned), None
        if error:
            updates["error"] = _dumps(error)
        if status is TrialStatus.COMPLETED and result.get("score") is not None:
            updates["score"] = result["score"]
        if result.get("knobs") is not None:
            updates["knobs"] = _dumps(result["knobs"])
        if result.get("timings"):
            updates["timings"] = _dumps({**current.timings, **result["timings"]})
        if result.get("params_path"):
            updates["params_path"] = result["params_path"]
            updates["params_sha256"] = result.get("params_sha256")
        with self._write() as conn:
            assignments = ", ".join(f"{column} = ?" for column in updates)
            conn.execute(f"UPDATE trials SET {assignments} WHERE id = ?",
                         (*updates.values(), trial_id))
        self._output_bytes.pop(trial_id, None)
        self._quotas.pop(trial_id, None)
        return self.trial(trial_id)

    def _stored_quota(self, trial_id: int) -> TrialQuota:
        """What a trial already holds (a store reopened while its run goes on)."""
        records, size = self._query(
            "SELECT COUNT(*), COALESCE(SUM(LENGTH(body)), 0) FROM trial_events "
            "WHERE trial_id = ? AND kind IN (?, ?)", (trial_id, ev.MESSAGE, ev.PLOT))[0]
        points = self._query("SELECT COALESCE(SUM(count), 0) FROM trial_metrics "
                             "WHERE trial_id = ?", (trial_id,))[0][0]
        try:
            names = {name for (name,) in self._query(
                "SELECT DISTINCT key FROM trial_metrics, json_each(trial_metrics.columns) "
                "WHERE trial_id = ?", (trial_id,)) if name != "time"}
        except sqlite3.Error:  # an SQLite without JSON functions: names counted from now on
            names = set()
        return TrialQuota(log_records=records, log_bytes=size, metric_points=points,
                          metric_values=points * max(1, len(names)), metric_names=names)

    # -- reading events back ---------------------------------------------------------------

    def trial_events(self, trial_id: int, kinds: Iterable[str] | None = None) -> list[dict]:
        """The trial's events of those kinds (all when None), in the order they happened;
        metrics come back as one event per point."""
        wanted = None if kinds is None else set(kinds)
        sql = "SELECT body FROM trial_events WHERE trial_id = ?"
        params: list[Any] = [trial_id]
        others = None if wanted is None else sorted(wanted - {ev.METRICS})
        if others is not None:
            sql += f" AND kind IN ({', '.join('?' * len(others))})"
            params += others
        found = [] if others == [] else [
            event for (body,) in self._query(sql + " ORDER BY id", params)
            if (event := clean_event(body)) is not None
        ]
        if wanted is None or ev.METRICS in wanted:
            columns = self.trial_metrics(trial_id)
            times = columns.pop("time", [])
            for index, when in enumerate(times):
                if when is None:  # a point older versions stored without a time
                    continue
                values = {name: column[index] for name, column in columns.items()
                          if column[index] is not None}
                found.append({"kind": ev.METRICS, "time": when, "values": values})
            found.sort(key=lambda event: event.get("time") or 0.0)  # stable: batch order kept
        return found

    def trial_metrics(self, trial_id: int) -> dict[str, list]:
        """The trial's metrics as aligned columns: ``time`` and one list per metric name
        (None where a point did not log that metric)."""
        rows = self._query(
            "SELECT count, columns FROM trial_metrics WHERE trial_id = ? ORDER BY id", (trial_id,)
        )
        return _merge_metric_batches(rows)

    def experiment_metrics(self, experiment_id: int) -> dict[int, dict[str, list]]:
        """Every trial's metric columns (as :meth:`trial_metrics`), for the GUI.

        Read a few hundred trials per query: the store's lock is held only while one query
        runs, so another thread's reads and writes wait for one slice, not for the whole
        experiment (one query of 5,000 trials x 1,000 points held it for seconds, and the
        window's own store reads froze behind it)."""
        trial_ids = [row[0] for row in self._query(
            "SELECT id FROM trials WHERE experiment_id = ? ORDER BY id", (experiment_id,))]
        merged: dict[int, dict[str, list]] = {}
        for start in range(0, len(trial_ids), _METRICS_TRIALS_PER_QUERY):
            chunk = trial_ids[start:start + _METRICS_TRIALS_PER_QUERY]
            rows = self._query(
                "SELECT trial_id, count, columns FROM trial_metrics WHERE trial_id IN "
                f"({', '.join('?' * len(chunk))}) ORDER BY trial_id, id", chunk)
            per_trial: dict[int, list[tuple]] = {}
            for trial_id, count, columns in rows:
                per_trial.setdefault(trial_id, []).append((count, columns))
            merged.update((trial_id, _merge_metric_batches(batches))
                          for trial_id, batches in per_trial.items())
        return merged

    # -- parameters ------------------------------------------------------------------------

    def load_parameters(self, trial_id: int, trust_unverified: bool = False) -> dict:
        """The trial's parameters, unpickled only when the file's sha256 matches the record
        and the file is the store's own (else refused, unless ``trust_unverified``)."""
        trial = self.trial(trial_id)
        own_path = self.params_dir / str(trial.experiment_id) / f"{trial_id}.pkl"
        path = Path(trial.params_path) if trial.params_path else own_path
        if not path.is_file():
            raise FileNotFoundError(f"Trial {trial_id} has no parameters file ({path} is absent)")
        sha256 = trial.params_sha256
        if path.resolve() != own_path.resolve():
            if not trust_unverified:
                raise ParametersNotVerifiedError(
                    f"Refusing to load parameters file {path}: it is not in the store's folder "
                    f"{self.params_dir}. Pass trust_unverified=True only for a file you trust."
                )
            warnings.warn(f"Loading parameters file {path} from outside the store", stacklevel=2)
        return load_parameters_file(path, sha256, trust_unverified)


def _dumps_columns(columns: dict[str, list]) -> str:
    """A batch's metric columns as JSON. orjson writes them ~20x faster than json.dumps (its
    float formatting was half the run worker's time under a flood, holding the GIL the
    window's UI thread waits for), but writes NaN and infinities as null: a column holding
    one (a diverging loss is worth keeping) goes through json.dumps, as before."""
    if all(map(_finite_numbers, columns.values())):
        try:
            return orjson.dumps(columns).decode()
        except TypeError:  # a value orjson cannot write (an int past 64 bits)
            pass
    return _dumps(columns)


def _finite_numbers(column: list) -> bool:
    """Whether every value of ``column`` is None or a finite number (one C-level sum)."""
    try:
        if None in column:
            column = [value for value in column if value is not None]
        return math.isfinite(sum(column))  # NaN or an infinity anywhere makes the sum one
    except (TypeError, OverflowError):  # not numbers, or past a float's range
        return False


def _decode_columns(text: str) -> Any:
    """A batch's metric columns. orjson reads them 3x faster than json (5,000 trials of 1,000
    points: the Tuning tab's biggest wait); json.dumps wrote NaN/Infinity as bare words,
    which only json reads, so such batches fall back to it."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        try:
            return json.loads(text)
        except (TypeError, ValueError):
            return None  # not JSON at all: the batch is skipped


def _merge_metric_batches(batches: Iterable[tuple[int, str]]) -> dict[str, list]:
    merged: dict[str, list] = {"time": []}
    total = 0
    for count, text in batches:
        columns = clean_metric_columns(_decode_columns(text), count)
        if columns is None:  # a batch older versions stored badly: skipped, not raised
            continue
        for name, column in columns.items():
            target = merged.get(name)
            if target is None:
                target = merged[name] = [None] * total
            target.extend(column)
        total += count
        for column in merged.values():
            if len(column) < total:
                column.extend([None] * (total - len(column)))
    return merged if total else {}


def _describe_ending(state_name: str, outcome: Any, stage: str | None) -> dict[str, Any]:
    """An error record for a run that ended without one (a crash or a time limit)."""
    if state_name == "timed_out":
        return {"stage": stage, "type": "TimedOut", "traceback": "",
                "message": "the run exceeded its time limit and was stopped"}
    signal = getattr(outcome, "signal", None)
    exit_code = getattr(outcome, "exit_code", None)
    how = f"signal {signal}" if signal else f"exit code {exit_code}"
    return {"stage": stage, "type": "Crashed", "message": f"the run's process ended with {how}",
            "traceback": getattr(outcome, "crash_report", None) or ""}


def _raise_translated(exc: BaseException, path: Path) -> NoReturn:
    """Raise a storage failure as a StoreError about ``path``; anything else as it was."""
    error = as_store_error(exc, path)
    if error is None:
        raise exc
    raise error from exc


class _WriteTransaction:
    """BEGIN IMMEDIATE … COMMIT under the store's lock; rolled back on any error, and a
    storage failure (here or in the statements) raised as a StoreError naming the store."""

    def __init__(self, conn: sqlite3.Connection, lock: threading.RLock, path: Path):
        self._conn = conn
        self._lock = lock
        self._path = path

    def __enter__(self) -> sqlite3.Connection:
        self._lock.acquire()
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except BaseException as exc:
            self._lock.release()
            if isinstance(exc, sqlite3.Error):
                _raise_translated(exc, self._path)
            raise
        return self._conn

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            try:
                self._conn.execute("ROLLBACK" if exc_type else "COMMIT")
            except sqlite3.Error as failure:
                if exc_type is None:  # a failed COMMIT (the disk filled up): roll back too
                    if self._conn.in_transaction:
                        try:
                            self._conn.execute("ROLLBACK")
                        except sqlite3.Error:
                            pass  # the COMMIT's error is the one to report
                    _raise_translated(failure, self._path)
            if exc_type is not None and issubclass(exc_type, (sqlite3.Error, OSError)):
                translated = as_store_error(exc, self._path)
                if translated is not None:
                    raise translated from exc
        finally:
            self._lock.release()
