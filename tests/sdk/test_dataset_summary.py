"""Describing a dataset for the GUI and CLI: its type, shape, and what looks wrong."""

from __future__ import annotations

import pytest

from rafiki.constants import DatasetType
from rafiki.dataset_summary import detect_dataset_type, load_label_names, summarize_dataset

from .test_dataset_zips import make_corpus_zip, make_image_zip, make_zip, png_bytes, sample_images


def test_detects_each_type_from_the_names_alone(tmp_path):
    images = make_zip(tmp_path / "i.zip", {"images.csv": "broken", "x.png": b"not read"})
    corpus = make_zip(tmp_path / "c.zip", {"corpus.tsv": "not read either"})
    assert detect_dataset_type(images) == DatasetType.IMAGE_FILES
    assert detect_dataset_type(str(corpus)) == DatasetType.CORPUS


@pytest.mark.parametrize("members, words", [
    (None, "is not a zip"),
    ({"readme.txt": "x"}, "neither an IMAGE_FILES dataset"),
    ({"digits/images.csv": "path,class\n"}, "'digits/images.csv' must be at the root"),
])
def test_unknown_layouts_are_value_errors_naming_the_file(tmp_path, members, words):
    path = tmp_path / "d.zip"
    if members is None:
        path.write_text("plain text")
    else:
        make_zip(path, members)
    with pytest.raises(ValueError, match=words) as caught:
        detect_dataset_type(path)
    assert str(path) in str(caught.value)
    with pytest.raises(ValueError):
        summarize_dataset(path)


def test_missing_file():
    with pytest.raises(ValueError, match="no such file"):
        detect_dataset_type("/no/such.zip")


def test_image_summary_with_missing_classes(tmp_path):
    path = make_image_zip(tmp_path / "i.zip", sample_images(6, 4, 3), [0, 2, 0, 2, 5, 5])
    summary = summarize_dataset(path)
    assert (summary.dataset_type, summary.size, summary.classes, summary.image_shape) == (
        DatasetType.IMAGE_FILES, 6, [0, 2, 5], (4, 3))
    assert summary.tags is None and summary.token_count is None
    assert summary.problems == ["classes 1, 3, 4 have no images (classes are 0..5)"]


def test_a_broken_image_dataset_gives_problems_not_an_exception(tmp_path):
    images = [sample_images(1, 4, 4)[0], sample_images(1, 5, 5)[0], b"junk"]
    path = make_image_zip(tmp_path / "i.zip", images, [0, 1, 1])
    summary = summarize_dataset(path)
    assert summary.size == 3 and summary.classes == [0, 1] and summary.image_shape is None
    assert len(summary.problems) == 1 and "images.csv line" in summary.problems[0]
    bad_class = make_image_zip(tmp_path / "j.zip", [png_bytes(sample_images(1)[0])], None,
                               csv_text="path,class\nimages/0.png,x\n")
    assert "not an integer" in summarize_dataset(bad_class).problems[0]


def test_corpus_summary_reads_every_tag_column(tmp_path):
    path = make_corpus_zip(tmp_path / "c.zip",
                           "token\tpos\tner\na\t0\t1\nb\t2\t1\n\\n\t\t\nc\t1\t3\n")
    summary = summarize_dataset(path)
    assert (summary.dataset_type, summary.size, summary.tags, summary.tag_num_classes,
            summary.token_count) == (DatasetType.CORPUS, 2, ["pos", "ner"], [3, 4], 3)
    assert summary.problems == ["tag 'ner': classes 0, 2 never occur"]
    broken = make_corpus_zip(tmp_path / "b.zip", "token\ttag\na\t-1\n")
    assert "corpus.tsv line 2" in summarize_dataset(broken).problems[0]


def test_real_datasets_summaries(shared_dataset):
    digits = summarize_dataset(shared_dataset("digits_train.zip"))
    assert (digits.size, digits.classes, digits.image_shape, digits.problems) == (
        1437, list(range(10)), (8, 8), [])
    ud = summarize_dataset(shared_dataset("pos_ud_ewt_train.zip"))
    assert (ud.size, ud.tags, ud.tag_num_classes, ud.token_count, ud.problems) == (
        2001, ["tag"], [17], 25147, [])


def test_label_names_from_the_real_meta_files(shared_dataset):
    digits = load_label_names(shared_dataset("digits_meta.csv"))
    assert digits == {i: str(i) for i in range(10)}
    upos = load_label_names(shared_dataset("pos_ud_ewt_meta.tsv"))
    assert len(upos) == 17 and upos[0] == "ADJ" and upos[16] == "X"


def test_label_names_formats_and_errors(tmp_path):
    csv_file = tmp_path / "names.csv"
    csv_file.write_text('class,name\n0,cat\n1,"dog, big"\n\n')
    assert load_label_names(csv_file) == {0: "cat", 1: "dog, big"}
    tsv_file = tmp_path / "names.tsv"
    tsv_file.write_text('0\t"quote\n1\tNOUN\n')  # no header, quotes plain in TSV
    assert load_label_names(tsv_file) == {0: '"quote', 1: "NOUN"}
    for text, line, words in [("class,name\n0,a\nx,b\n", 3, "not an integer"),
                              ("0,a\n0,b\n", 2, "listed twice"), ("0,a\n-1,b\n", 2, "negative"),
                              ("0,a\n1\n", 2, "expected")]:
        bad = tmp_path / "bad.csv"
        bad.write_text(text)
        with pytest.raises(ValueError, match=words) as caught:
            load_label_names(bad)
        assert f"bad.csv line {line}" in str(caught.value)
    with pytest.raises(ValueError, match="cannot be read"):
        load_label_names(tmp_path / "absent.csv")
