"""The first samples of a test dataset as queries, the way Rafiki passes queries to ``predict``:
images as 2-D lists of grayscale ints, sentences as lists of tokens.

A run needs queries that fit the model it trains; the test dataset's own first samples always
do, and being the first ones (not random ones) they are the same every run, so two runs'
predictions can be compared. Their true labels come along for showing next to the predictions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_QUERIES_FROM_TEST = 10


@dataclass
class TestSamples:
    """Queries taken from a test dataset, with their labels (classes, or each token's tags)."""

    __test__ = False  # not a pytest test class, whatever its name

    dataset_path: str
    dataset_type: str
    queries: list
    labels: list = field(default_factory=list)

    @property
    def source(self) -> str:
        return f"the first {len(self.queries)} samples of {Path(self.dataset_path).name}"


def first_test_samples(test_dataset_uri: str, count: int = DEFAULT_QUERIES_FROM_TEST
                       ) -> TestSamples:
    """The first ``count`` samples (fewer when the dataset is smaller) of the dataset; raises
    ValueError naming the file when it cannot be read."""
    from .constants import DatasetType
    from .dataset_summary import corpus_tag_columns, detect_dataset_type
    from .model.dataset import dataset_utils

    if count < 1:
        raise ValueError(f"ask for at least one test sample, not {count}")
    path = str(test_dataset_uri)
    dataset_type = detect_dataset_type(path)
    if dataset_type == DatasetType.IMAGE_FILES:
        images = dataset_utils.load_dataset_of_image_files(path)
        shown = min(count, images.size)
        return TestSamples(path, dataset_type, images.images[:shown].tolist(),
                           images.image_classes[:shown].tolist())
    corpus = dataset_utils.load_dataset_of_corpus(path, tags=corpus_tag_columns(path))
    sentences = corpus[:min(count, corpus.size)]
    return TestSamples(path, dataset_type, [[item[0] for item in s] for s in sentences],
                       [[item[1] for item in s] for s in sentences])
