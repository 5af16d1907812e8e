"""CORPUS datasets: plain tab-separated parsing (quotes as they are), Rafiki's API, bad rows."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from rafiki.model import CorpusDataset, DatasetError, dataset_utils
from rafiki.model.dataset_corpus import _bulk, _row_by_row, parse_corpus

from .test_dataset_zips import make_corpus_zip, make_zip

SPLIT = "\\n"


def corpus(rows: list[str], header: str = "token\ttag") -> str:
    return header + "\n" + "\n".join(rows) + "\n"


def load(tmp_path, text: str, name: str = "c.zip", **kwargs) -> CorpusDataset:
    return dataset_utils.load_dataset_of_corpus(str(make_corpus_zip(tmp_path / name, text)),
                                                **kwargs)


def test_quotes_are_plain_characters_and_the_last_sentence_needs_no_closing_row(tmp_path):
    text = corpus(['"\t12', "He\t10", 'said\t15', '""quoted""\t7', "'\t12", f"{SPLIT}\t",
                   "O'Neil\t11", '"\t12'])
    text = text.rstrip("\n")  # the last sentence ends the file without a split row
    dataset = load(tmp_path, text)
    assert dataset.size == 2 and len(dataset) == 2
    assert dataset[0] == [['"', 12], ["He", 10], ["said", 15], ['""quoted""', 7], ["'", 12]]
    assert dataset[1] == [["O'Neil", 11], ['"', 12]]
    assert dataset.tags == ["tag"] and dataset.tag_num_classes == [16]
    assert dataset.max_token_len == 10 and dataset.max_sent_len == 5
    assert list(dataset) == [dataset[0], dataset[1]] == dataset[:] and dataset[-1] == dataset[1]
    with pytest.raises(IndexError):
        dataset[2]


def test_several_tags_in_the_order_asked_and_fresh_lists_each_time(tmp_path):
    text = corpus(["a\t1\t0\t5", "b\t2\t3\t0", f"{SPLIT}\t\t\t", "c\t0\t1\t1"],
                  header="token\tpos\tner\tchunk")
    dataset = load(tmp_path, text, tags=["chunk", "pos"])
    assert dataset.tags == ["chunk", "pos"] and dataset.tag_num_classes == [6, 3]
    assert dataset[0] == [["a", 5, 1], ["b", 0, 2]] and dataset[1] == [["c", 1, 0]]
    dataset[0][0][0] = "changed"
    assert dataset[0][0][0] == "a"


def test_crlf_bom_blank_lines_short_split_rows_and_empty_sentences(tmp_path):
    text = ("\ufefftoken\ttag\r\n" + f"{SPLIT}\r\n" + "a\t1\r\n\r\nb\t2\r\n" + f"{SPLIT}\r\n"
            + f"{SPLIT}\t\r\n" + "c\t3\r\n")
    dataset = load(tmp_path, text)
    assert [dataset[i] for i in range(dataset.size)] == [[["a", 1], ["b", 2]], [["c", 3]]]


def test_a_custom_split_token(tmp_path):
    dataset = load(tmp_path, corpus(["a\t0", "<s>\t0", "b\t1"]), split_by="<s>")
    assert dataset.size == 2 and dataset[1] == [["b", 1]]


@pytest.mark.parametrize("token_col", [0, 1, 2])
def test_bulk_and_row_by_row_readers_agree(token_col):
    rng = np.random.default_rng(token_col)
    words = ['"', "'", "naïve", "日本", "", "x", "O'Neil", '""']
    rows = []
    for index in range(3000):
        fields = [str(rng.integers(0, 120)), str(rng.integers(0, 4))]
        token = SPLIT if index % 11 == 10 else words[index % len(words)] + str(index % 3)
        fields.insert(token_col, token)
        rows.append("\t".join(fields))
    last = ["7", "1"]
    last.insert(token_col, "")  # an empty token, last in the file
    rows.append("\t".join(last))
    body = "\n".join(rows)
    tag_cols = [c for c in range(3) if c != token_col][::-1]
    bulk = _bulk(body.encode(), SPLIT, token_col, tag_cols, 3)
    careful = _row_by_row("x.zip", body, SPLIT, token_col, tag_cols, 3, ["b", "a"])
    assert bulk is not None
    assert bulk.tokens == careful.tokens and bulk.token_count == careful.token_count
    assert bulk.tokens[-1] == "" and bulk.max_token_len == careful.max_token_len == 7
    np.testing.assert_array_equal(bulk.tags, careful.tags)
    np.testing.assert_array_equal(bulk.sentence_starts, careful.sentence_starts)
    np.testing.assert_array_equal(bulk.sentence_ends, careful.sentence_ends)


def test_rows_with_shifted_fields_are_not_misread():
    """One row with an extra field and one with a missing field keep the field count right."""
    text = corpus(["5\t1\t2", "x", "a\t3"]).encode()
    with pytest.raises(DatasetError, match="corpus.tsv line 2: expected 2 tab-separated"):
        parse_corpus("c.zip", text, ["tag"], SPLIT)


BAD = {
    "non-integer tag": (corpus(["a\t1", "b\tNOUN"]), 3, "tag 'tag' value 'NOUN' is not an integer"),
    "fractional tag": (corpus(["a\t1.5"]), 2, "not an integer"),
    "empty tag": (corpus(["a\t1", "b\t"]), 3, "value '' is not an integer"),
    "negative tag": (corpus(["a\t1", f"{SPLIT}\t", "b\t-2"]), 4, "value -2 is negative"),
    "too many fields": (corpus(["a\t1", "b\t2\t3"]), 3, "expected 2 tab-separated"),
    "no token column": (corpus(["a\t1"], header="word\ttag"), 1, "'token' column"),
    "no such tag column": (corpus(["a\t1"], header="token\tpos"), 1, "['tag']"),
}


@pytest.mark.timeout(30)
@pytest.mark.parametrize("case", list(BAD))
def test_bad_rows_name_the_file_and_the_corpus_tsv_line(tmp_path, case):
    text, line, words = BAD[case]
    path = make_corpus_zip(tmp_path / "bad.zip", text)
    with pytest.raises(DatasetError) as caught:
        dataset_utils.load_dataset_of_corpus(str(path))
    assert isinstance(caught.value, ValueError)
    message = str(caught.value)
    assert str(path) in message and f"corpus.tsv line {line}" in message and words in message


def test_missing_corpus_tsv_non_utf8_and_escaping_entries(tmp_path):
    with pytest.raises(DatasetError, match="no corpus.tsv"):
        CorpusDataset(str(make_zip(tmp_path / "empty.zip", {"other.txt": "x"})))
    latin = make_zip(tmp_path / "latin.zip", {"corpus.tsv": "token\ttag\nna\xefve\t1\n".encode(
        "latin-1")})
    with pytest.raises(DatasetError, match="corpus.tsv line 2: is not UTF-8"):
        CorpusDataset(str(latin))
    escape = make_zip(tmp_path / "escape.zip", {"corpus.tsv": corpus(["a\t1"]), "../x": "x"})
    with pytest.raises(DatasetError, match="escapes the archive"):
        CorpusDataset(str(escape))


def reference_parse(text: str) -> list[list[list]]:
    """An independent, obvious reading of the format, for checking the real treebank."""
    sentences, sentence = [], []
    for line in text.split("\n")[1:]:
        if not line:
            continue
        token, tag = line.split("\t")
        if token == SPLIT:
            sentences.append(sentence)
            sentence = []
        else:
            sentence.append([token, int(tag)])
    return sentences + ([sentence] if sentence else [])


@pytest.mark.parametrize("name, sentences, tokens, quotes",
                         [("pos_ud_ewt_train.zip", 2001, 25147, 160),
                          ("pos_ud_ewt_test.zip", 2077, 25094, 155)])
def test_real_ud_treebank(shared_dataset, name, sentences, tokens, quotes):
    path = shared_dataset(name)
    dataset = dataset_utils.load_dataset_of_corpus(str(path), tags=["tag"])
    assert (dataset.size, dataset.token_count, dataset.tag_num_classes) == (sentences, tokens, [17])
    loaded = list(dataset)
    assert sum(token == '"' for sentence in loaded for token, _ in sentence) == quotes
    with zipfile.ZipFile(path) as archive:
        assert loaded == reference_parse(archive.read("corpus.tsv").decode())
    assert dataset.max_sent_len == max(len(s) for s in loaded)
    assert dataset.max_token_len == max(len(t) for s in loaded for t, _ in s)
