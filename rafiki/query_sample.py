"""Queries for the Predict stage when none are given: the first samples of the test dataset.

Calling ``predict([])`` proves nothing, and many real models reject it (scikit-learn's
estimators raise "Expected 2D array, got 1D array"), so a run without queries predicts a few
samples of its own test dataset instead. They take the shape Rafiki's predictor gave queries,
plain JSON values: an image as a 2-D list of ints (rows of grayscale pixels: the SDK's loader
decodes every image to 8-bit grayscale, as Rafiki's did), a sentence as a list of token
strings. The first ``count``
samples, not a random draw, so a run's queries are the same every time.

They are read with the SDK's own loaders, the ones a model's ``evaluate`` has just used on the
same file, so the decoded-dataset cache turns this read into an index.
"""

from __future__ import annotations

import zipfile

from .constants import TaskType

DEFAULT_QUERY_COUNT = 10
"""Test samples predicted when no queries are given: enough to see a model's predictions vary,
few enough that Predict stays a check (sampling 10 digits took 4 ms from the warm dataset
cache, 26 ms cold; 10 UD EWT sentences 9 ms and 37 ms)."""

SOURCE_GIVEN = "given"
SOURCE_TEST_SAMPLE = "test sample"
"""Values of the Predict stage's ``info["queries"]["source"]``."""


def queries_given(queries) -> bool:
    """Whether ``queries`` are the ones to predict: None or an empty list mean "sample the test
    dataset" (Rafiki's ``test_model_class`` defaulted to ``[]``); anything else is given, and
    checked against the task as it is."""
    return queries is not None and not (isinstance(queries, (list, tuple)) and not queries)


class QuerySampleError(ValueError):
    """No queries can be taken from the test dataset for this task."""


def sample_queries(task: str, test_dataset_uri: str, count: int = DEFAULT_QUERY_COUNT) -> list:
    """The first ``count`` samples of the test dataset as queries of ``task`` (fewer when the
    dataset is smaller; an empty list for an empty dataset).

    Raises :class:`QuerySampleError` for a task whose queries cannot come from its dataset, and
    the loaders' ``DatasetError`` (naming file and row) for an unreadable dataset.
    """
    return sample_with_labels(task, test_dataset_uri, count)[0]


def sample_with_labels(task: str, test_dataset_uri: str,
                       count: int = DEFAULT_QUERY_COUNT) -> tuple[list, list]:
    """The queries :func:`sample_queries` takes, and their true labels (an image's class, each
    token's tag index), read in the same pass, for views that mark predictions right or
    wrong."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise QuerySampleError(f"the number of test samples to predict must be a positive int, "
                               f"not {count!r}")
    from .model.dataset import dataset_utils

    if task == TaskType.IMAGE_CLASSIFICATION:
        dataset = dataset_utils.load_dataset_of_image_files(test_dataset_uri)
        # uint8 -> plain ints, rows of pixels
        return (dataset.images[:count].tolist(), dataset.image_classes[:count].tolist())
    if task == TaskType.POS_TAGGING:
        path = dataset_utils.download_dataset_from_uri(test_dataset_uri)
        dataset = dataset_utils.load_dataset_of_corpus(path, tags=[_first_tag_column(path)])
        sentences = [dataset[index] for index in range(min(count, dataset.size))]
        return ([[token for token, *_tags in sentence] for sentence in sentences],
                [[tags[0] for _token, *tags in sentence] for sentence in sentences])
    raise QuerySampleError(f"queries of task {task!r} cannot be taken from its test dataset; "
                           "give the queries")


def _first_tag_column(path: str) -> str:
    """The first tag column of corpus.tsv's header: tokens are all a query needs, but the loader
    reads one tag column, and ``tag`` (its default) is only the usual name."""
    from .model.dataset_corpus import CORPUS_TSV
    from .model.dataset_errors import InvalidDatasetFormatException

    try:
        with zipfile.ZipFile(path) as archive, archive.open(CORPUS_TSV) as member:
            header = member.readline(64 * 1024).decode("utf-8-sig", "replace").rstrip("\r\n")
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        # the loader says what is wrong with the file, naming it
        raise InvalidDatasetFormatException(path, f"cannot be read as a CORPUS zip ({exc})"
                                            ) from None
    columns = [column for column in header.split("\t") if column != "token"]
    return "tag" if "tag" in columns or not columns else columns[0]
