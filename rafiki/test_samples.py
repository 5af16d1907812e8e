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
    from .constants import TaskType
    from .model.dataset import dataset_utils
    from .query_sample import sample_queries

    path = str(test_dataset_uri)
    queries = sample_queries(task, path, count)
    shown = len(queries)
    if task == TaskType.IMAGE_CLASSIFICATION:
        images = dataset_utils.load_dataset_of_image_files(path)
        return TestSamples(path, queries, images.image_classes[:shown].tolist())
    from .dataset_summary import corpus_tag_columns

    columns = corpus_tag_columns(path)
    tag = "tag" if "tag" in columns else columns[0]  # the column sample_queries reads
    corpus = dataset_utils.load_dataset_of_corpus(path, tags=[tag])
    return TestSamples(path, queries, [[item[1] for item in corpus[index]]
                                       for index in range(shown)])
