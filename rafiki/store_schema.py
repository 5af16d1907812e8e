"""The experiment store's SQLite schema, as an ordered list of migration steps.

A database records the number of steps applied in ``schema_version``; opening it applies the
missing ones in order, each in its own transaction, so a store written by an older workbench
upgrades in place and keeps every row. Append new steps at the end; never edit an old one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import PurePath

Migration = Callable[[sqlite3.Connection], None]


def _execute_script(conn: sqlite3.Connection, script: str) -> None:
    """Statements one by one: ``executescript`` would commit the migration's transaction."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _v1_initial(conn: sqlite3.Connection) -> None:
    """Experiments, trials, their events (one row each) and their metrics (one row a batch)."""
    _execute_script(conn, """
        CREATE TABLE experiments (
            id INTEGER PRIMARY KEY,
            model_file_path TEXT NOT NULL,
            model_sha256 TEXT,
            model_source TEXT,
            model_class TEXT NOT NULL,
            task TEXT NOT NULL,
            train_dataset_uri TEXT NOT NULL,
            train_sha256 TEXT,
            test_dataset_uri TEXT NOT NULL,
            test_sha256 TEXT,
            app_mode TEXT NOT NULL DEFAULT 'DEV',
            python TEXT,
            dependencies TEXT NOT NULL DEFAULT '{}',
            knob_config TEXT,
            settings TEXT NOT NULL DEFAULT '{}',
            created REAL NOT NULL
        );
        CREATE TABLE trials (
            id INTEGER PRIMARY KEY,
            experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
            number INTEGER NOT NULL,
            knobs TEXT,
            status TEXT NOT NULL,
            score REAL,
            timings TEXT NOT NULL DEFAULT '{}',
            current_stage TEXT,
            error TEXT,
            runner_state TEXT,
            exit_code INTEGER,
            signal TEXT,
            crash_report TEXT,
            params_path TEXT,
            params_sha256 TEXT,
            output_bytes INTEGER NOT NULL DEFAULT 0,
            owner_pid INTEGER,
            owner_host TEXT,
            started REAL NOT NULL,
            finished REAL,
            UNIQUE (experiment_id, number)
        );
        CREATE INDEX trials_by_experiment ON trials(experiment_id);
        CREATE TABLE trial_events (
            id INTEGER PRIMARY KEY,
            trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            time REAL,
            body TEXT NOT NULL
        );
        CREATE INDEX trial_events_by_trial ON trial_events(trial_id, kind);
        CREATE TABLE trial_metrics (
            id INTEGER PRIMARY KEY,
            trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
            count INTEGER NOT NULL,
            columns TEXT NOT NULL
        );
        CREATE INDEX trial_metrics_by_trial ON trial_metrics(trial_id);
        """)


def _v2_names_and_notes(conn: sqlite3.Connection) -> None:
    """Experiments get a name (the GUI renames them) and a free note; old ones are named after
    their model file."""
    conn.execute("ALTER TABLE experiments ADD COLUMN name TEXT NOT NULL DEFAULT ''")
    conn.execute("ALTER TABLE experiments ADD COLUMN note TEXT NOT NULL DEFAULT ''")
    rows = conn.execute("SELECT id, model_file_path FROM experiments").fetchall()
    for experiment_id, model_file_path in rows:
        stem = PurePath(model_file_path.replace("\\", "/")).stem
        conn.execute("UPDATE experiments SET name = ? WHERE id = ?", (stem, experiment_id))


def _v3_experiment_kinds(conn: sqlite3.Connection) -> None:
    """Experiments hold either single runs or one tuning (so a window run never lands in a
    tuning with pinned knobs). Old experiments a tuning touched recorded its pinned knobs in
    their settings: those are tunings, the rest runs."""
    conn.execute("ALTER TABLE experiments ADD COLUMN kind TEXT NOT NULL DEFAULT 'runs'")
    conn.execute("UPDATE experiments SET kind = 'tuning' WHERE settings LIKE '%\"pinned\"%'")


def _v4_pruned_trials(conn: sqlite3.Connection) -> None:
    """A pruned trial keeps where pruning stopped it (JSON: metric, step, value, points,
    estimated seconds saved); its status is 'pruned'."""
    conn.execute("ALTER TABLE trials ADD COLUMN pruned TEXT")


def _v5_trial_nodes(conn: sqlite3.Connection) -> None:
    """Trials record the machine that ran them (a cluster node); NULL for trials run on this
    machine, old ones included."""
    conn.execute("ALTER TABLE trials ADD COLUMN node TEXT")


MIGRATIONS: list[Migration] = [_v1_initial, _v2_names_and_notes, _v3_experiment_kinds,
                               _v4_pruned_trials, _v5_trial_nodes]
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    """How many migration steps this database has had (0 for a new one)."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    return row[0] if row else 0


def migrate(conn: sqlite3.Connection, up_to: int = SCHEMA_VERSION) -> int:
    """Apply the missing steps up to ``up_to``, each atomically; returns the version reached.

    A database newer than this workbench is refused rather than misread."""
    conn.execute("BEGIN IMMEDIATE")  # one opener migrates; others wait, then see it done
    try:
        version = schema_version(conn)
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"The experiment store has schema version {version}, newer than this "
                f"workbench knows ({SCHEMA_VERSION}); update the workbench to open it."
            )
        for step in range(version, up_to):
            MIGRATIONS[step](conn)
            conn.execute("DELETE FROM schema_version")
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (step + 1,))
        conn.execute("COMMIT")
        return max(version, up_to)
    except BaseException:
        if conn.in_transaction:  # SQLite already rolled back after e.g. SQLITE_FULL
            conn.execute("ROLLBACK")
        raise
