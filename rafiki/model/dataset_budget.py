"""The decoded-size budget: what loading one dataset may cost, checked before it is spent.

A dataset zip is untrusted input: 204 KB of zip held 200 MB of short corpus rows that parsed
into 6.5 GB, and 5.9 KB held eight 8000x8000 PNGs. So every loader counts what it is about to
allocate (a member's declared size before inflating it, a table's rows before parsing them, an
image's header pixels before decoding it) against one budget per load, and refuses the
dataset with a :class:`DatasetError` naming the file, the member and the budget when the
total would go over. The budget is ``RAFIKI_DATASET_BUDGET_MB`` (MiB), default 2048: ample for
the datasets Rafiki's models train on (60,000 28x28 digits decode to 47 MB, the UD English
treebank to ~40 MB) and well under the memory of a laptop that runs a few trials at once.
"""

from __future__ import annotations

import os
import sys
import threading

from .dataset_errors import InvalidDatasetFormatException

DEFAULT_BUDGET_MB = 2048
BUDGET_VARIABLE = "RAFIKI_DATASET_BUDGET_MB"


def dataset_budget_bytes() -> int:
    """The budget from ``RAFIKI_DATASET_BUDGET_MB`` (MiB, > 0), or the default."""
    raw = os.environ.get(BUDGET_VARIABLE, "").strip()
    if raw:
        try:
            megabytes = float(raw)
            if megabytes > 0:
                return int(megabytes * 1024 * 1024)
        except ValueError:
            pass
        print(f"rafiki: ignoring {BUDGET_VARIABLE}={raw!r} (not a positive size in MiB)",
              file=sys.stderr)
    return DEFAULT_BUDGET_MB * 1024 * 1024


def budget_text(limit: int) -> str:
    """The budget as a user sets it: "2,048 MB (RAFIKI_DATASET_BUDGET_MB)"."""
    return f"{limit / 2**20:,.0f} MB ({BUDGET_VARIABLE})"


class DecodedBudget:
    """The running cost of one load against the budget; thread-safe (images decode on threads).

    ``take`` is called before the memory is allocated, with what is about to be spent and
    where it comes from, so the error can say which member (and line) went over.
    """

    def __init__(self, path: str, limit: int | None = None) -> None:
        self.path = str(path)
        self.limit = dataset_budget_bytes() if limit is None else int(limit)
        self.used = 0
        self._lock = threading.Lock()

    def take(self, nbytes: int, what: str, member: str | None = None,
             line: int | None = None, subject: object = None) -> None:
        """Count ``nbytes`` more, described by ``what``; raise when over the budget.

        ``what`` may hold ``{!r}`` for ``subject``: formatted only when raising (a million
        rows each formatting their image's name measurably slowed the load)."""
        with self._lock:
            self.used += int(nbytes)
            if self.used > self.limit:
                self._refuse(self.used, what, member, line, subject)

    def check(self, nbytes: int, what: str, member: str | None = None,
              line: int | None = None, subject: object = None) -> None:
        """Refuse ``nbytes`` of transient memory (freed again) if it does not fit now."""
        with self._lock:
            if self.used + int(nbytes) > self.limit:
                self._refuse(self.used + int(nbytes), what, member, line, subject)

    def _refuse(self, needed: int, what: str, member: str | None, line: int | None,
                subject: object) -> None:
        if subject is not None:
            what = what.format(subject)
        raise InvalidDatasetFormatException(
            self.path, f"{what} would need about {needed / 2**20:,.0f} MB in memory to load, "
            f"over the dataset budget of {budget_text(self.limit)}", member, line)
