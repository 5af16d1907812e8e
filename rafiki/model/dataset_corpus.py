"""Parsing a CORPUS zip's ``corpus.tsv`` (``token`` + tag columns, sentences ended by ``\\n``).

The file is plain tab-separated text, not CSV: a token such as ``"`` is taken as it is (Rafiki
read it with ``csv.DictReader``, whose quote handling swallowed whole stretches of the UD
treebank). The common case (every row with the header's number of fields) is parsed in bulk:
one split of the whole text, columns taken by slicing, tags converted in one pass; anything
irregular goes through a row-by-row reader that names the offending line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .dataset_errors import InvalidDatasetFormatException
from .dataset_zip import DatasetZip

CORPUS_TSV = "corpus.tsv"
MAX_TSV_BYTES = 4 * 1024**3


@dataclass
class CorpusArrays:
    """All tokens of all sentences in order, their tags (tokens, k), and sentence bounds."""

    tokens: list[str]
    tags: np.ndarray
    sentence_starts: np.ndarray
    sentence_ends: np.ndarray


def _fail(path: str, cause: str, line: int | None = None):
    return InvalidDatasetFormatException(path, cause, CORPUS_TSV, line)


def _parse_header(path: str, header_line: str, tags: list[str]) -> tuple[int, list[int], int]:
    columns = header_line.split("\t")
    if "token" not in columns:
        raise _fail(path, f"header must have a 'token' column, found {columns}", 1)
    missing = [t for t in tags if t not in columns]
    if missing:
        raise _fail(path, f"tag column(s) {missing} asked for are not in the header {columns}", 1)
    return columns.index("token"), [columns.index(t) for t in tags], len(columns)


def _bad_tag(path: str, value: str, tag: str, line: int):
    try:
        number = int(value)
    except ValueError:
        return _fail(path, f"tag {tag!r} value {value!r} is not an integer", line)
    return _fail(path, f"tag {tag!r} value {number} is negative (classes are 0..k-1)", line)


def _rows_all_have(body: bytes, width: int) -> bool:
    """Whether every line of ``body`` has exactly ``width`` tab-separated fields (vectorised:
    tab and newline bytes never occur inside a UTF-8 multi-byte character)."""
    raw = np.frombuffer(body, dtype=np.uint8)
    tabs = np.flatnonzero(raw == 9)
    line_ends = np.append(np.flatnonzero(raw == 10), len(raw))
    tabs_per_line = np.diff(np.searchsorted(tabs, line_ends), prepend=0)
    return bool(np.all(tabs_per_line == width - 1))


def _bulk(body_bytes: bytes, body: str, split_by: str, token_col: int, tag_cols: list[int],
          width: int) -> CorpusArrays | None:
    """Parse rows that all have ``width`` fields at once; None when some row does not or a tag
    is bad, so the row-by-row reader can say which line."""
    if not _rows_all_have(body_bytes, width):
        return None
    fields = body.replace("\n", "\t").split("\t")
    rows = len(fields) // width
    tokens_all = fields[token_col::width]
    is_split = np.fromiter((t == split_by for t in tokens_all), dtype=bool, count=rows)
    kept = np.flatnonzero(~is_split)
    all_kept = len(kept) == rows
    tokens = tokens_all if all_kept else [tokens_all[i] for i in kept]
    tag_values = np.empty((len(kept), len(tag_cols)), dtype=np.int64)
    for j, col in enumerate(tag_cols):
        column = fields[col::width]
        if not all_kept:
            column = [column[i] for i in kept]
        try:
            tag_values[:, j] = np.fromiter(map(int, column), dtype=np.int64, count=len(kept))
        except ValueError:
            return None
        if len(kept) and tag_values[:, j].min() < 0:
            return None
    split_rows = np.flatnonzero(is_split)
    return _with_sentences(tokens, tag_values, split_rows - np.arange(len(split_rows)))


def _row_by_row(path: str, body: str, split_by: str, token_col: int, tag_cols: list[int],
                width: int, tags: list[str]) -> CorpusArrays:
    """The careful reader: blank lines skipped, split rows may omit their tag fields, and the
    first bad row raises an error naming its line."""
    tokens: list[str] = []
    values: list[list[int]] = []
    split_positions: list[int] = []
    for line_number, line in enumerate(body.split("\n"), start=2):
        if not line.strip():
            continue
        fields = line.split("\t")
        if fields[0 if token_col >= len(fields) else token_col] == split_by:
            split_positions.append(len(tokens))
            continue
        if len(fields) != width:
            raise _fail(path, f"expected {width} tab-separated fields (as in the header), "
                        f"found {len(fields)}", line_number)
        row = []
        for tag, col in zip(tags, tag_cols, strict=True):
            try:
                number = int(fields[col])
            except ValueError:
                number = -1
            if number < 0:
                raise _bad_tag(path, fields[col], tag, line_number)
            row.append(number)
        tokens.append(fields[token_col])
        values.append(row)
    tag_values = np.array(values, dtype=np.int64).reshape(len(values), len(tags))
    return _with_sentences(tokens, tag_values, np.array(split_positions, dtype=np.int64))


def parse_corpus(path: str, data: bytes, tags: list[str], split_by: str) -> CorpusArrays:
    """Tokens, tags and sentences of corpus.tsv's bytes; the last sentence counts without a
    closing split row, and empty sentences (two split rows in a row) are dropped."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\r\n" in data:
        data = data.replace(b"\r\n", b"\n")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _fail(path, "is not UTF-8 text", data[:exc.start].count(b"\n") + 1) from None
    if not tags:
        raise ValueError("tags must name at least one tag column")
    header_end = text.find("\n")
    header = text if header_end < 0 else text[:header_end]
    token_col, tag_cols, width = _parse_header(path, header, list(tags))
    body = "" if header_end < 0 else text[header_end + 1:]
    if body.endswith("\n"):
        body = body[:-1]
    if not body:
        return _with_sentences([], np.zeros((0, len(tags)), np.int64), np.zeros(0, np.int64))
    body_bytes = data[data.find(b"\n") + 1:]
    if body_bytes.endswith(b"\n"):
        body_bytes = body_bytes[:-1]
    parsed = _bulk(body_bytes, body, split_by, token_col, tag_cols, width)
    if parsed is None:
        parsed = _row_by_row(path, body, split_by, token_col, tag_cols, width, list(tags))
    return parsed


def load_corpus(dataset_path: str, tags: list[str], split_by: str) -> CorpusArrays:
    """Read and parse corpus.tsv from a CORPUS dataset zip."""
    with DatasetZip(dataset_path) as archive:
        if not archive.has(CORPUS_TSV):
            raise InvalidDatasetFormatException(
                archive.path, f"no {CORPUS_TSV} at the root of the zip (a CORPUS dataset has "
                f"its tokens as 'token<TAB>tag...' rows in {CORPUS_TSV})")
        data = archive.read(CORPUS_TSV, MAX_TSV_BYTES)
    return parse_corpus(str(dataset_path), data, tags, split_by)


def _with_sentences(tokens, tag_values, split_positions: np.ndarray) -> CorpusArrays:
    """Sentence bounds from the token positions where a split row stood (empty ones dropped)."""
    total = len(tokens)
    starts = np.concatenate([[0], split_positions]).astype(np.int64)
    ends = np.concatenate([split_positions, [total]]).astype(np.int64)
    nonempty = ends > starts
    return CorpusArrays(tokens, tag_values, starts[nonempty], ends[nonempty])
