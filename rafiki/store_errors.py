"""What went wrong with the experiment store, said in one line a user can act on.

SQLite and the file system report a damaged, read-only, locked or full store as
``sqlite3.DatabaseError``/``OperationalError``/``OSError`` from deep inside whichever call met
it (a reader thread, a commit, opening the file). Front ends printed those as tracebacks with
exit code 1, which the CLI documents as "the model failed". Here each is named once, as a
:class:`StoreError` with the store's path, what is wrong, what to do, and an exit code of its
own taken from BSD's ``sysexits.h`` so that scripts can tell them apart.
"""

from __future__ import annotations

import enum
import errno
import sqlite3
from pathlib import Path


class StoreProblem(enum.Enum):
    """A kind of storage failure, with its CLI exit code (``sysexits.h``)."""

    CORRUPT = 65  # EX_DATAERR: the file's contents are wrong
    READ_ONLY = 73  # EX_CANTCREAT: the folder or file cannot be written
    DISK_FULL = 74  # EX_IOERR: a write failed for want of space (or another I/O error)
    LOCKED = 75  # EX_TEMPFAIL: another program holds the store; trying later can succeed

    @property
    def exit_code(self) -> int:
        return self.value


_WHAT = {
    StoreProblem.CORRUPT: "the store is damaged ({detail})",
    StoreProblem.READ_ONLY: "the store cannot be written ({detail})",
    StoreProblem.DISK_FULL: "the disk is full or failing ({detail})",
    StoreProblem.LOCKED: "the store is locked by another program ({detail})",
}
_TODO = {
    StoreProblem.CORRUPT: "run `rafiki store check --repair` (it keeps the damaged file)",
    StoreProblem.READ_ONLY: "make the folder writable, or set RAFIKI_HOME to a writable folder",
    StoreProblem.DISK_FULL: "free some space on that disk, or set RAFIKI_HOME to a folder on "
                            "another disk",
    StoreProblem.LOCKED: "close the other program using it (another rafiki or a database "
                         "browser), then try again",
}


class StoreError(Exception):
    """The store at ``path`` cannot be used; ``str()`` is the one line to show."""

    def __init__(self, path: str | Path, problem: StoreProblem, detail: str):
        self.path = Path(path)
        self.problem = problem
        self.detail = detail
        super().__init__(f"{self.path}: {_WHAT[problem].format(detail=detail)}; "
                         f"{_TODO[problem]}")

    @property
    def exit_code(self) -> int:
        return self.problem.exit_code


# SQLite's primary result codes (sqlite3.h); Python 3.11 exposes them on the exception
_SQLITE_CODES = {
    3: StoreProblem.READ_ONLY,  # SQLITE_PERM
    5: StoreProblem.LOCKED,  # SQLITE_BUSY
    6: StoreProblem.LOCKED,  # SQLITE_LOCKED
    8: StoreProblem.READ_ONLY,  # SQLITE_READONLY
    10: StoreProblem.DISK_FULL,  # SQLITE_IOERR
    11: StoreProblem.CORRUPT,  # SQLITE_CORRUPT
    13: StoreProblem.DISK_FULL,  # SQLITE_FULL
    14: StoreProblem.READ_ONLY,  # SQLITE_CANTOPEN: the file or its -wal/-shm cannot be made
    26: StoreProblem.CORRUPT,  # SQLITE_NOTADB
}
# the same by message, for Python 3.10, whose exceptions carry no code
_SQLITE_MESSAGES = (
    ("malformed", StoreProblem.CORRUPT),
    ("not a database", StoreProblem.CORRUPT),
    ("readonly database", StoreProblem.READ_ONLY),
    ("unable to open database", StoreProblem.READ_ONLY),
    ("database is locked", StoreProblem.LOCKED),
    ("database table is locked", StoreProblem.LOCKED),
    ("disk is full", StoreProblem.DISK_FULL),
    ("disk i/o error", StoreProblem.DISK_FULL),
)
_OS_ERRNOS = {
    errno.ENOSPC: StoreProblem.DISK_FULL,
    errno.EDQUOT: StoreProblem.DISK_FULL,
    errno.EIO: StoreProblem.DISK_FULL,
    errno.EROFS: StoreProblem.READ_ONLY,
    errno.EACCES: StoreProblem.READ_ONLY,
    errno.EPERM: StoreProblem.READ_ONLY,
}


def problem_of(exc: BaseException) -> StoreProblem | None:
    """Which storage problem ``exc`` is, or None when it is not one (a bug to show as such)."""
    if isinstance(exc, StoreError):
        return exc.problem
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if code is not None and (code & 0xFF) in _SQLITE_CODES:
            return _SQLITE_CODES[code & 0xFF]
        message = str(exc).lower()
        return next((problem for text, problem in _SQLITE_MESSAGES if text in message), None)
    if isinstance(exc, OSError):
        return _OS_ERRNOS.get(exc.errno)
    return None


def as_store_error(exc: BaseException, path: str | Path) -> StoreError | None:
    """``exc`` as a StoreError about the store at ``path``, or None when it is not one."""
    if isinstance(exc, StoreError):
        return exc
    problem = problem_of(exc)
    if problem is None:
        return None
    if isinstance(exc, OSError):
        detail = exc.strerror or str(exc)
        if exc.filename and Path(exc.filename) != Path(path):
            detail += f": {exc.filename}"
    else:
        detail = str(exc)
    return StoreError(path, problem, detail)
