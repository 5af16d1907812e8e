"""Which run the result views show: model file, class, trial number, time, queries, outcome.

Every result view (plots, predictions, stages, score, output) carries a caption made from the
Session's one RunRecord, so what is on screen always says which run it belongs to; when another
model file or class is opened the record is archived with the reason and the views clear
their results, leaving the caption to say what was there.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

OTHER_MODEL_FILE = "another model file is open"
OTHER_CLASS = "another class is chosen"


@dataclass
class RunRecord:
    """One run of the window, as its captions name it."""

    model_file_path: str
    model_class: str
    started: float
    trial_number: int | None = None
    queries: str = ""
    """Where its queries came from ("the first 10 samples of digits_test.zip")."""
    query_count: int | None = None
    state: str = "RUNNING"
    score: float | None = None
    archived: str | None = None
    """Why its results are no longer shown (OTHER_MODEL_FILE, OTHER_CLASS), None while shown."""

    def title(self) -> str:
        """"quick_model.py · QuickModel · trial 3 · 14:02:11"."""
        parts = [Path(self.model_file_path).name, self.model_class]
        if self.trial_number is not None:
            parts.append(f"trial {self.trial_number}")
        parts.append(time.strftime("%H:%M:%S", time.localtime(self.started)))
        return " · ".join(parts)

    def queries_text(self) -> str:
        """"10 queries: the first 10 samples of digits_test.zip" (or just the source)."""
        if self.query_count is None:
            return f"queries: {self.queries}" if self.queries else ""
        noun = "query" if self.query_count == 1 else "queries"
        return f"{self.query_count} {noun}: {self.queries}" if self.queries else \
            f"{self.query_count} {noun}"
