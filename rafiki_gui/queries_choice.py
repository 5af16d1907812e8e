"""Where a run's queries come from, chosen before Run: the first N test samples (the default),
the queries the model file's ``test_model_class(...)`` block names, or a JSON file.

The model file's queries were written for the file author's data; sent to a model trained on
other data they fail in Predict (28×28 images to a model trained on 8×8 digits). So they are
offered only when :func:`rafiki.query_fit.queries_problem` finds they fit the chosen test
dataset, and are never picked without the user choosing them. Plain state, no widgets: the
Session holds one and signals its changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rafiki.query_sample import DEFAULT_QUERY_COUNT

if TYPE_CHECKING:
    from rafiki.dataset_summary import DatasetSummary

FROM_TEST, FROM_MODEL_FILE, FROM_JSON = "test", "model file", "json"
QUERY_SOURCES = (FROM_TEST, FROM_MODEL_FILE, FROM_JSON)
MAX_QUERIES_FROM_TEST = 100_000
MAX_JSON_BYTES = 4 * 1024 * 1024  # about 1,300 28×28 images, parsed in ~0.25 s


@dataclass
class QueriesChoice:
    """The chosen source and what each source holds."""

    source: str = FROM_TEST
    from_test: int = DEFAULT_QUERY_COUNT
    file_queries: list = field(default_factory=list)
    """The queries of the model file's test_model_class(...) block (from its statics)."""
    json_path: str = ""
    json_queries: list = field(default_factory=list)

    def file_queries_problem(self, task: str | None, test: DatasetSummary | None) -> str | None:
        """Why the model file's queries are not offered (None when they fit)."""
        if not self.file_queries:
            return "the model file's test_model_class(...) block names no queries"
        if test is None:
            return "they are judged against the test dataset, which is not read yet"
        from rafiki.query_fit import queries_problem

        return queries_problem(self.file_queries, task, test)

    def problem(self, task: str | None, test: DatasetSummary | None) -> str | None:
        """Why the chosen queries cannot be used for a run (None when they can)."""
        if self.source == FROM_MODEL_FILE:
            problem = self.file_queries_problem(task, test)
            return f"the model file's queries do not fit: {problem}" if problem else None
        if self.source == FROM_JSON:
            if not self.json_path:
                return "choose a JSON file of queries"
            from rafiki.query_fit import queries_problem

            problem = queries_problem(self.json_queries, task, test)
            return f"the queries of {Path(self.json_path).name} do not fit: {problem}" \
                if problem else None
        return None

    def queries(self) -> list | None:
        """The queries a RunSpec gets: None means the first ``from_test`` test samples."""
        if self.source == FROM_MODEL_FILE:
            return list(self.file_queries)
        if self.source == FROM_JSON:
            return list(self.json_queries)
        return None

    def describe(self, test_path: str = "") -> str:
        """The queries as the run view names them: "the first 10 samples of digits_test.zip"."""
        if self.source == FROM_MODEL_FILE:
            return f"the model file's {_count(len(self.file_queries))}"
        if self.source == FROM_JSON:
            return f"{_count(len(self.json_queries))} from {Path(self.json_path).name}"
        dataset = Path(test_path).name if test_path else "the test dataset"
        return f"the first {self.from_test} samples of {dataset}"


def read_json_queries(path: str) -> list:
    """A JSON file's list of queries (ValueError naming the file and the cause), bounded:
    the window reads it on the UI thread when the file is chosen."""
    from rafiki.queries_file import read_queries_file

    return read_queries_file(path, max_bytes=MAX_JSON_BYTES)


def _count(count: int) -> str:
    return f"{count} quer{'y' if count == 1 else 'ies'}"
