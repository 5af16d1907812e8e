"""Does it fit? A dataset against the model's task, a names file against the datasets, queries
against the test dataset; and the first test samples as queries. On the real digits and UD
EWT datasets, and on small broken zips made here."""

from __future__ import annotations

import shutil

import pytest

from rafiki.dataset_checks import dataset_problems, split_warnings
from rafiki.dataset_summary import summarize_dataset
from rafiki.names_files import names_file_beside, names_problem, read_names_file
from rafiki.query_fit import queries_problem
from rafiki.query_sample import sample_queries
from rafiki.test_samples import first_test_samples

from .test_dataset_zips import make_image_zip, make_zip, sample_images

IMAGE, TAGGING = "IMAGE_CLASSIFICATION", "POS_TAGGING"
MNIST_QUERY = [[0] * 28 for _ in range(28)]


@pytest.fixture
def digits(shared_dataset):
    return summarize_dataset(shared_dataset("digits_test.zip"))


@pytest.fixture
def corpus(shared_dataset):
    return summarize_dataset(shared_dataset("pos_ud_ewt_test.zip"))


def test_a_dataset_of_the_task_s_type_has_no_problem(digits, corpus):
    assert dataset_problems(digits, IMAGE) == []
    assert dataset_problems(corpus, TAGGING) == []
    assert dataset_problems(digits, None) == []  # no task known: only the file is judged


def test_a_corpus_for_an_image_model_is_refused_naming_both_types(corpus):
    assert dataset_problems(corpus, IMAGE) == [
        "pos_ud_ewt_test.zip is a CORPUS dataset, but IMAGE_CLASSIFICATION trains and tests "
        "on IMAGE_FILES datasets"]


def test_images_that_cannot_be_read_are_refused_with_the_cause(tmp_path):
    broken = make_zip(tmp_path / "broken.zip", {"images.csv": "path,class\n0.png,0\n",
                                                 "0.png": b"not a png"})
    summary = summarize_dataset(broken)
    assert summary.unreadable
    problems = dataset_problems(summary, IMAGE)
    assert len(problems) == 1
    assert problems[0].startswith("broken.zip cannot be read: images.csv line 2: image '0.png' "
                                  "cannot be decoded")


def test_test_images_of_another_size_than_the_train_images_are_a_warning(tmp_path, digits):
    big = make_image_zip(tmp_path / "big.zip", sample_images(3, height=28, width=28),
                         [0, 1, 2])
    warnings = split_warnings(summarize_dataset(big), digits)
    assert warnings == ["test images are 8×8 px, train images 28×28 px: the model is tested "
                        "on another size than it was trained on"]
    assert split_warnings(digits, digits) == []


def test_names_files_fit_only_their_own_kind_and_count(shared_dataset, digits, corpus, tmp_path):
    digit_names = read_names_file(shared_dataset("digits_meta.csv"))
    tag_names = read_names_file(shared_dataset("pos_ud_ewt_meta.tsv"))
    assert (digit_names.kind, tag_names.kind) == ("class", "tag")
    assert names_problem(digit_names, [digits]) is None
    assert names_problem(tag_names, [None, corpus]) is None
    assert names_problem(digit_names, [corpus]) == (
        "digits_meta.csv names classes (its header says 'class'), but pos_ud_ewt_test.zip is "
        "a CORPUS dataset of tags")
    # without a header only the count can tell: 10 names for 17 tags do not fit
    headless = tmp_path / "ten.csv"
    headless.write_text("".join(f"{i},digit {i}\n" for i in range(10)))
    assert names_problem(read_names_file(headless), [corpus]) == (
        "ten.csv has 10 names (0-9), but pos_ud_ewt_test.zip has 17 tags (0-16)")
    assert names_problem(read_names_file(headless), []) is None  # nothing to judge it by


def test_the_names_file_beside_a_dataset_split_is_found(tmp_path, shared_dataset):
    assert names_file_beside(shared_dataset("digits_train.zip")) == \
        str(shared_dataset("digits_meta.csv"))
    assert names_file_beside(shared_dataset("pos_ud_ewt_test.zip")) == \
        str(shared_dataset("pos_ud_ewt_meta.tsv"))
    shutil.copy(shared_dataset("digits_test.zip"), tmp_path / "digits_test.zip")
    assert names_file_beside(tmp_path / "digits_test.zip") is None  # no meta file there
    (tmp_path / "other.zip").write_bytes(b"")
    assert names_file_beside(tmp_path / "other.zip") is None  # no _train/_test in the name


def test_queries_of_another_image_size_do_not_fit(digits, corpus):
    assert queries_problem([MNIST_QUERY, MNIST_QUERY], IMAGE, digits) == (
        "the 2 queries are images of 28×28 px, but digits_test.zip's images are 8×8 px")
    eight = [[0] * 8 for _ in range(8)]
    assert queries_problem([eight], IMAGE, digits) is None
    rgb = [[[0, 0, 0]] * 8 for _ in range(8)]
    assert queries_problem([rgb], IMAGE, digits) == (
        "the query is an image of 8×8×3 (3 channels); the task's queries are grayscale 2-D "
        "images")
    assert "CORPUS" in queries_problem([eight], IMAGE, corpus)


def test_tagging_queries_must_be_token_lists(corpus):
    assert queries_problem([["The", "cat", "sat"]], TAGGING, corpus) is None
    assert queries_problem([[[0] * 8] * 8], TAGGING, corpus).startswith(
        "query 0 token 0 should be a str")
    assert queries_problem([], TAGGING, corpus) == "there are no queries"


def test_the_first_test_samples_come_with_their_labels(shared_dataset):
    digits_test = str(shared_dataset("digits_test.zip"))
    images = first_test_samples(IMAGE, digits_test, 10)
    assert images.queries == sample_queries(IMAGE, digits_test, 10)  # what the child predicts
    assert images.labels == [6, 6, 6, 2, 5, 6, 6, 2, 2, 1]
    assert images.source == "the first 10 samples of digits_test.zip"
    sentences = first_test_samples(TAGGING, str(shared_dataset("pos_ud_ewt_test.zip")), 3)
    assert sentences.queries[0][:3] == ["What", "if", "Google"]
    assert [len(tags) for tags in sentences.labels] == [len(q) for q in sentences.queries]
    assert sentences.labels[0][:3] == [10, 13, 11]  # PRON SCONJ PROPN
    assert len(first_test_samples(IMAGE, digits_test, 5000).labels) == 360
