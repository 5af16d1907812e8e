"""A JSON file of queries: one reader, one set of messages, for the CLI and the window."""

from __future__ import annotations

import pytest

from rafiki.queries_file import read_queries_file


def test_a_list_of_queries_is_read(tmp_path):
    path = tmp_path / "queries.json"
    path.write_text("[[[0, 255], [255, 0]], [[1, 2], [3, 4]]]")
    assert read_queries_file(str(path)) == [[[0, 255], [255, 0]], [[1, 2], [3, 4]]]


@pytest.mark.parametrize(("text", "message"), [
    ("{\"a\": 1}", "expected a JSON list of queries"),
    ("[]", "the list is empty"),
    ("[[1, 2", "not valid JSON"),
    (b"\xff\xfe[]", "not valid JSON"),
])
def test_bad_files_are_named_with_the_cause(tmp_path, text, message):
    path = tmp_path / "queries.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ValueError, match=message) as raised:
        read_queries_file(str(path))
    assert str(path) in str(raised.value)


def test_a_bound_is_checked_before_the_file_is_parsed(tmp_path):
    path = tmp_path / "big.json"
    path.write_text("[" + ", ".join(["[[0]]"] * 1000) + "]")
    assert len(read_queries_file(str(path))) == 1000
    with pytest.raises(ValueError, match="more than a queries file may hold here"):
        read_queries_file(str(path), max_bytes=100)
    with pytest.raises(ValueError, match="cannot be read"):
        read_queries_file(str(tmp_path / "absent.json"))
