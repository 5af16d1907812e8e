"""The Predict stage's queries when none are given: the first samples of the test dataset, in
the plain shapes Rafiki's predictor passed (images as 2-D lists of ints, sentences as tokens)."""

from __future__ import annotations

import json
import zipfile

import pytest

from rafiki.constants import TaskType
from rafiki.model.dataset_errors import DatasetError
from rafiki.query_sample import (
    DEFAULT_QUERY_COUNT,
    QuerySampleError,
    queries_given,
    sample_queries,
)
from rafiki.tasks import query_problems

from .model_files.datasets import write_corpus_zip, write_image_zip


def test_digits_sample_is_the_first_ten_8x8_images_as_plain_ints(shared_dataset):
    path = str(shared_dataset("digits_test.zip"))
    queries = sample_queries(TaskType.IMAGE_CLASSIFICATION, path)
    assert DEFAULT_QUERY_COUNT == 10 and len(queries) == 10
    assert all(len(image) == 8 and all(len(row) == 8 for row in image) for image in queries)
    pixels = [p for image in queries for row in image for p in row]
    assert {type(p) for p in pixels} == {int} and 0 <= min(pixels) < max(pixels) <= 255
    assert query_problems(queries, TaskType.IMAGE_CLASSIFICATION) == []
    assert json.loads(json.dumps(queries)) == queries  # as they would cross the wire
    assert sample_queries(TaskType.IMAGE_CLASSIFICATION, path, 3) == queries[:3]


def test_image_sample_follows_images_csv_order(tmp_path):
    path = str(write_image_zip(tmp_path / "test.zip", [3, 0, 5, 1], size=3))
    queries = sample_queries(TaskType.IMAGE_CLASSIFICATION, path, 2)
    # write_image_zip fills image i with (class * 40) % 256
    assert queries == [[[120] * 3] * 3, [[0] * 3] * 3]


def test_ud_sample_is_the_first_sentences_as_token_lists(shared_dataset):
    path = str(shared_dataset("pos_ud_ewt_test.zip"))
    queries = sample_queries(TaskType.POS_TAGGING, path, 5)
    with zipfile.ZipFile(path) as archive:
        rows = archive.read("corpus.tsv").decode().split("\n")[1:]
    sentences, sentence = [], []
    for row in rows:
        token = row.split("\t")[0]
        if token == "\\n":
            sentences.append(sentence)
            sentence = []
            if len(sentences) == 5:
                break
        else:
            sentence.append(token)
    assert queries == sentences
    assert all(isinstance(token, str) for sentence in queries for token in sentence)
    assert query_problems(queries, TaskType.POS_TAGGING) == []


def test_a_corpus_whose_tag_column_is_not_named_tag(tmp_path):
    path = tmp_path / "test.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("corpus.tsv", "upos\ttoken\nDET\tThe\n1\tdog\n\t\\n\n")
    with pytest.raises(DatasetError):  # a tag that is not an int: the loader names the row
        sample_queries(TaskType.POS_TAGGING, str(path))
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("corpus.tsv", "upos\ttoken\n0\tThe\n1\tdog\n\t\\n\n2\tHi\n")
    assert sample_queries(TaskType.POS_TAGGING, str(path)) == [["The", "dog"], ["Hi"]]


@pytest.mark.parametrize("task, writer, data", [
    (TaskType.IMAGE_CLASSIFICATION, write_image_zip, [1, 2, 0]),
    (TaskType.POS_TAGGING, write_corpus_zip, [[("a", 1)], [("b", 2), ("c", 0)], [("d", 1)]]),
])
def test_a_count_larger_than_the_dataset_gives_every_sample_and_repeats_exactly(
        tmp_path, task, writer, data):
    path = str(writer(tmp_path / "test.zip", data))
    first = sample_queries(task, path, 50)
    assert len(first) == 3
    assert sample_queries(task, path, 50) == first  # deterministic, not a random draw


def test_an_empty_dataset_gives_no_queries(tmp_path):
    path = str(write_image_zip(tmp_path / "empty.zip", []))
    assert sample_queries(TaskType.IMAGE_CLASSIFICATION, path, 10) == []


@pytest.mark.parametrize("count", [0, -1, 2.5, True, "10"])
def test_the_count_must_be_a_positive_int(tmp_path, count):
    path = str(write_image_zip(tmp_path / "test.zip", [1]))
    with pytest.raises(QuerySampleError, match="positive int"):
        sample_queries(TaskType.IMAGE_CLASSIFICATION, path, count)


def test_an_unknown_task_cannot_sample(tmp_path):
    path = str(write_image_zip(tmp_path / "test.zip", [1]))
    with pytest.raises(QuerySampleError, match="SPEECH_RECOGNITION"):
        sample_queries("SPEECH_RECOGNITION", path)


def test_a_missing_or_broken_dataset_is_named(tmp_path):
    with pytest.raises(DatasetError, match="absent.zip"):
        sample_queries(TaskType.IMAGE_CLASSIFICATION, str(tmp_path / "absent.zip"))
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"not a zip")
    with pytest.raises(DatasetError, match="broken.zip"):
        sample_queries(TaskType.POS_TAGGING, str(broken))


@pytest.mark.parametrize("queries, given", [
    (None, False), ([], False), ((), False), ([["a"]], True), ("text", True), ([[]], True),
])
def test_which_queries_count_as_given(queries, given):
    assert queries_given(queries) is given
