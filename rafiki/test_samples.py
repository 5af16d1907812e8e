"""The test samples a run predicted when it was given no queries, with their true labels, for
showing next to its predictions.

The run's child takes its queries with :func:`rafiki.query_sample.sample_queries` (the first N
samples of the test dataset); a front end reads the same samples the same way, and their labels
with them, so the predictions it shows can be marked right or wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class TestSamples:
    """Queries taken from a test dataset, with their labels (classes, or each token's tags)."""

    __test__ = False  # not a pytest test class, whatever its name

    dataset_path: str
    queries: list
    labels: list = field(default_factory=list)

    @property
    def source(self) -> str:
        return f"the first {len(self.queries)} samples of {Path(self.dataset_path).name}"


def first_test_samples(task: str, test_dataset_uri: str, count: int) -> TestSamples:
    """The queries :func:`~rafiki.query_sample.sample_queries` takes, and their labels; raises
    as it does (QuerySampleError, or a DatasetError naming the file)."""
    from .query_sample import sample_with_labels

    path = str(test_dataset_uri)
    queries, labels = sample_with_labels(task, path, count)
    return TestSamples(path, queries, labels)
