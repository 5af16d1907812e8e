"""Check the experiment store file, and recover a damaged one into a new file.

Checking is SQLite's own ``PRAGMA integrity_check``. Repairing never writes into the damaged
file: its rows are recovered into a new file, the damaged one is renamed aside (kept, for a
second try with better tools), and the new one takes the store's place.

Two ways to recover, best first:

- the ``sqlite3`` program's ``.recover``, which reads the file page by page and also finds
  rows in pages no table reaches any more. It needs a SQLite built with the ``sqlite_dbpage``
  table; Debian 12's 3.40.1 is built without it and fails on every file ("no such table:
  sqlite_dbpage"), so its failure is noted and the next way taken;
- a row-by-row copy through Python's ``sqlite3`` into a freshly made store: each table is read
  in rowid order, and where a damaged page breaks the read, the copy skips ahead (doubling
  the jump) to the next rowid that can be read. Rows in a damaged page are lost; rows whose
  experiment or trial was lost are dropped, so the new store is consistent.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from .store_schema import migrate

CHECK_LINES = 20  # integrity_check stops after this many problems: enough to judge the damage
_TABLES = ("experiments", "trials", "trial_events", "trial_metrics")  # parents first
_ORPHANS = {
    "trials": "experiment_id NOT IN (SELECT id FROM experiments)",
    "trial_events": "trial_id NOT IN (SELECT id FROM trials)",
    "trial_metrics": "trial_id NOT IN (SELECT id FROM trials)",
}
_MAX_ROWID = 2**63 - 1


@dataclass
class CheckResult:
    """What ``integrity_check`` said: ``problems`` is empty when the file is sound."""

    path: Path
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class RepairResult:
    """How a damaged store was recovered: ``method`` names the way used; ``notes`` say why
    a better way was not (e.g. the sqlite3 program's ``.recover`` failed)."""

    path: Path
    damaged_copy: Path
    method: str
    rows: dict[str, int] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def check_store_file(path: str | Path) -> CheckResult:
    """SQLite's integrity check of the store file (read-only; the file must exist)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no store file here")
    try:
        conn = _read_only(path)
        try:
            rows = conn.execute(f"PRAGMA integrity_check({CHECK_LINES})").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:  # the header itself is unreadable
        return CheckResult(path, [str(exc)])
    problems = [line for row in rows for line in str(row[0]).splitlines()
                if line not in ("ok", "*** in database main ***")]
    return CheckResult(path, problems)


def repair_store_file(path: str | Path, use_sqlite3_program: bool = True) -> RepairResult:
    """Recover the store at ``path`` into a new file that takes its place; the damaged file
    (and its ``-wal``/``-shm``) is kept beside it with a ``.damaged-<time>`` suffix.

    No other program may have the store open meanwhile (its writes would be lost)."""
    path = Path(path)
    recovered = path.with_name(path.name + ".recovering")
    _remove_database(recovered)
    notes: list[str] = []
    result: RepairResult | None = None
    program = shutil.which("sqlite3") if use_sqlite3_program else None
    if program is None and use_sqlite3_program:
        notes.append("the sqlite3 program is not installed, so its .recover was not used")
    if program is not None:
        failure = _recover_with_program(program, path, recovered)
        if failure is None:
            result = RepairResult(path, path, "the sqlite3 program's .recover")
            result.rows, result.dropped = _finish(recovered)
        else:
            notes.append(f"the sqlite3 program's .recover failed ({failure})")
            _remove_database(recovered)
    if result is None:
        result = RepairResult(path, path, "a row-by-row copy with Python's sqlite3")
        _, result.unreadable = _copy_row_by_row(path, recovered)
        result.rows, result.dropped = _finish(recovered)
    result.notes = notes
    result.damaged_copy = _set_aside(path)
    recovered.replace(path)
    return result


# -- the sqlite3 program's .recover ------------------------------------------------------------

def _recover_with_program(program: str, source: Path, target: Path) -> str | None:
    """Run ``.recover`` into ``target``; None on success, else why it failed."""
    script = target.with_name(target.name + ".sql")
    try:
        with open(script, "wb") as out:
            dumped = subprocess.run([program, str(source), ".recover"], stdout=out,
                                    stderr=subprocess.PIPE, timeout=3600)
        error = dumped.stderr.decode(errors="replace").strip()
        if dumped.returncode != 0 or error:
            return error.splitlines()[-1] if error else f"exit code {dumped.returncode}"
        with open(script, "rb") as sql:
            loaded = subprocess.run([program, str(target)], stdin=sql,
                                    stderr=subprocess.PIPE, timeout=3600)
        error = loaded.stderr.decode(errors="replace").strip()
        if loaded.returncode != 0 or error:
            return "loading its output: " + (error.splitlines()[-1] if error
                                              else f"exit code {loaded.returncode}")
        return None
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    finally:
        script.unlink(missing_ok=True)


# -- the row-by-row copy -----------------------------------------------------------------------

def _copy_row_by_row(source_path: Path, target_path: Path) -> tuple[dict[str, int], list[str]]:
    """Every readable row of the store's tables into a new store; returns rows copied per
    table, and the tables where some rows could not be read."""
    target = sqlite3.connect(str(target_path), isolation_level=None)
    source = _read_only(source_path)
    copied: dict[str, int] = {}
    unreadable: list[str] = []
    try:
        migrate(target)
        target.execute("PRAGMA foreign_keys = OFF")  # orphans are dropped at the end
        target.execute("BEGIN")
        for table in _TABLES:
            columns = _shared_columns(source, target, table)
            copied[table], lost = _copy_table(source, target, table, columns)
            if lost:
                unreadable.append(table)
        target.execute("COMMIT")
    finally:
        source.close()
        target.close()
    return copied, unreadable


def _shared_columns(source: sqlite3.Connection, target: sqlite3.Connection,
                    table: str) -> list[str]:
    wanted = [row[1] for row in target.execute(f"PRAGMA table_info({table})")]
    try:
        present = {row[1] for row in source.execute(f"PRAGMA table_info({table})")}
    except sqlite3.DatabaseError:  # the schema page itself is damaged: try the known columns
        present = set(wanted)
    return [column for column in wanted if column in present or not present]


def _copy_table(source: sqlite3.Connection, target: sqlite3.Connection, table: str,
                columns: list[str]) -> tuple[int, bool]:
    """Rows of ``table`` in rowid order, skipping past pages that cannot be read."""
    names = ", ".join(columns)
    insert = f"INSERT OR IGNORE INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
    select = f"SELECT rowid, {names} FROM {table} WHERE rowid > ? ORDER BY rowid"
    last = -_MAX_ROWID - 1
    copied = 0
    lost = False
    while True:
        try:
            for row in source.execute(select, (last,)):
                if row[0] <= last:  # a damaged page's keys out of order: already passed
                    continue
                target.execute(insert, row[1:])
                last = row[0]
                copied += 1
            return copied, lost
        except sqlite3.DatabaseError:
            lost = True
            found = _next_readable_row(source, table, names, last)
            if found is None:
                return copied, lost
            # copied here, by its key: a scan from just before it can still stumble into the
            # damaged page, and each pass must get further than the last
            target.execute(insert, found[1:])
            last = found[0]
            copied += 1


def _next_readable_row(source: sqlite3.Connection, table: str, names: str,
                       after: int) -> tuple | None:
    """The first row past the damage after rowid ``after`` that can be read (looking 1, 2,
    4, ... rowids further), or None when nothing further can be."""
    step = 1
    while after + step <= _MAX_ROWID:
        try:
            key = source.execute(f"SELECT rowid FROM {table} WHERE rowid >= ? ORDER BY rowid "
                                 "LIMIT 1", (after + step,)).fetchone()
            if key is None:
                return None
            if key[0] > after:  # a damaged page can yield keys out of order
                row = source.execute(f"SELECT rowid, {names} FROM {table} WHERE rowid = ?",
                                     (key[0],)).fetchone()
                if row is not None:
                    return row
        except sqlite3.DatabaseError:
            pass
        step *= 2
    return None


# -- finishing ---------------------------------------------------------------------------------

def _finish(recovered: Path) -> tuple[dict[str, int], dict[str, int]]:
    """Bring the recovered file to this workbench's schema, give trials whose experiment was
    lost a stand-in experiment (their scores and knobs are worth keeping), drop events whose
    trial was lost; returns rows per table and rows dropped per table."""
    conn = sqlite3.connect(str(recovered), isolation_level=None)
    try:
        migrate(conn)
        dropped: dict[str, int] = {}
        conn.execute("BEGIN")
        conn.execute(
            "INSERT INTO experiments (id, name, note, model_file_path, model_class, task, "
            "train_dataset_uri, test_dataset_uri, created) "
            "SELECT experiment_id, 'experiment ' || experiment_id || ' (lost in a repair)', "
            "'its record was damaged; its trials were recovered', '?', '?', '?', '?', '?', "
            f"MIN(started) FROM trials WHERE {_ORPHANS['trials']} GROUP BY experiment_id")
        for table, orphan in _ORPHANS.items():
            count = conn.execute(f"DELETE FROM {table} WHERE {orphan}").rowcount
            if count:
                dropped[table] = count
        conn.execute("COMMIT")
        rows = {table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                for table in _TABLES}
        problems = [r[0] for r in conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
        if problems:
            raise sqlite3.DatabaseError(f"the recovered file is not sound: {problems[0]}")
    finally:
        conn.close()
    return rows, dropped


def _set_aside(path: Path) -> Path:
    """Rename the damaged file (and its WAL files) to ``<name>.damaged-<time>``."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        companion = Path(str(path) + suffix)
        if companion.exists():
            companion.replace(Path(str(aside) + suffix))
    return aside


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
