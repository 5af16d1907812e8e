"""Parsing a CORPUS zip's ``corpus.tsv`` (``token`` + tag columns, sentences ended by ``\\n``).

The file is plain tab-separated text, not CSV: a token such as ``"`` is taken as it is (Rafiki
read it with ``csv.DictReader``, whose quote handling swallowed whole stretches of the UD
treebank). The common case (every row with the header's number of fields, tags plain digits)
is parsed in bulk with numpy over the file's bytes: field bounds from the separator positions,
tags read digit by digit for all rows at once, tokens gathered into one newline-joined text
that is split into strings only when the sentences are asked for. Anything irregular goes
through a row-by-row reader that names the offending line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .dataset_budget import DecodedBudget
from .dataset_errors import InvalidDatasetFormatException
from .dataset_zip import DatasetZip

CORPUS_TSV = "corpus.tsv"
MAX_TSV_BYTES = 4 * 1024**3
BYTE_COST = 10
"""Memory the parse holds per byte of corpus.tsv (the padded copy, separator masks, the
gathered token bytes and their text)."""
ROW_COST = 200
FIELD_COST = 64
"""Memory per row, plus per field of a row: separator offsets and tag values in the bulk
parse, a line string and its fields in the row-by-row one. 200 MB of 4-byte rows (a 204 KB
zip) peaked at 5.8 GB before this was counted, about 116 bytes a row."""
_LARGEST_TAG = int(np.iinfo(np.int64).max)


@dataclass
class CorpusArrays:
    """All tokens of all sentences in order (one newline-joined text), their tags (tokens, k),
    sentence bounds as token offsets, and the longest token's length in characters."""

    token_text: str
    token_count: int
    tags: np.ndarray
    sentence_starts: np.ndarray
    sentence_ends: np.ndarray
    max_token_len: int

    @property
    def tokens(self) -> list[str]:
        return self.token_text.split("\n") if self.token_count else []


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
    if number > _LARGEST_TAG:
        return _fail(path, f"tag {tag!r} value {value.strip()} is too large (at most "
                     f"{_LARGEST_TAG:,})", line)
    return _fail(path, f"tag {tag!r} value {number} is negative (classes are 0..k-1)", line)


_MAX_TAG_DIGITS = 18


def _field_ends(padded: np.ndarray, width: int) -> np.ndarray | None:
    """Byte offset of the separator ending every field, (rows, width); None unless every line
    has exactly ``width`` fields. ``padded`` is the body plus a final newline (tab and newline
    bytes never occur inside a UTF-8 character, so separators can be found in the bytes)."""
    ends = np.flatnonzero((padded == 9) | (padded == 10))
    if len(ends) % width:
        return None
    ends = ends.reshape(-1, width)
    if not (np.all(padded[ends[:, -1]] == 10) and np.all(padded[ends[:, :-1]] == 9)):
        return None
    return ends


def _field_starts(ends: np.ndarray, column: int) -> np.ndarray:
    if column:
        return ends[:, column - 1] + 1
    starts = np.empty(len(ends), dtype=ends.dtype)
    starts[0] = 0
    starts[1:] = ends[:-1, -1] + 1
    return starts


def _digits(raw: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray | None:
    """The fields as non-negative integers, all at once; None if any is not plain digits."""
    lengths = ends - starts
    if len(lengths) == 0:
        return np.zeros(0, dtype=np.int64)
    if lengths.min() < 1 or lengths.max() > _MAX_TAG_DIGITS:
        return None
    first = raw[starts]
    if first.min() < 48 or first.max() > 57:
        return None
    values = first.astype(np.int64) - 48
    for position in range(1, int(lengths.max())):
        longer = np.flatnonzero(lengths > position)
        digit = raw[starts[longer] + position]
        if digit.min() < 48 or digit.max() > 57:
            return None
        values[longer] = values[longer] * 10 + (digit.astype(np.int64) - 48)
    return values


def _bulk(body: bytes, split_by: str, token_col: int, tag_cols: list[int],
          width: int) -> CorpusArrays | None:
    """Parse regular rows at once; None when some row is irregular or a tag is not plain
    digits, so the row-by-row reader can say which line."""
    padded = np.frombuffer(body + b"\n", dtype=np.uint8)  # every field ends in a separator
    ends = _field_ends(padded, width)
    if ends is None:
        return None
    token_starts, token_ends = _field_starts(ends, token_col), ends[:, token_col]
    marker = np.frombuffer(split_by.encode("utf-8"), dtype=np.uint8)
    is_split = (token_ends - token_starts) == len(marker)
    for position, byte in enumerate(marker):
        is_split &= padded[np.minimum(token_starts + position, len(padded) - 1)] == byte
    kept = np.flatnonzero(~is_split)
    tag_values = np.empty((len(kept), len(tag_cols)), dtype=np.int64)
    for j, col in enumerate(tag_cols):
        values = _digits(padded, _field_starts(ends, col)[kept], ends[kept, col])
        if values is None:
            return None
        tag_values[:, j] = values
    kept_starts, kept_ends = token_starts[kept], token_ends[kept]
    # every kept token's bytes plus the separator after it, separators turned into newlines
    segments = np.empty(2 * len(kept) + 1, dtype=np.int64)  # gap, token, gap, token ..., gap
    segments[1:-1:2] = kept_ends + 1 - kept_starts
    segments[2:-1:2] = kept_starts[1:] - kept_ends[:-1] - 1
    segments[0] = kept_starts[0] if len(kept) else len(padded)
    segments[-1] = len(padded) - (kept_ends[-1] + 1) if len(kept) else 0
    in_token = np.zeros(len(segments), dtype=bool)
    in_token[1::2] = True
    joined = padded[np.repeat(in_token, segments)]
    joined[joined == 9] = 10
    text = joined.tobytes().decode("utf-8")[:-1]
    if len(kept) == 0:
        longest = 0
    elif padded.max(initial=0) < 128:
        longest = int((kept_ends - kept_starts).max())
    else:
        longest = max(map(len, text.split("\n")))
    split_rows = np.flatnonzero(is_split)
    return _with_sentences(text, len(kept), tag_values,
                           split_rows - np.arange(len(split_rows)), longest)


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
            if not 0 <= number <= _LARGEST_TAG:
                raise _bad_tag(path, fields[col], tag, line_number)
            row.append(number)
        tokens.append(fields[token_col])
        values.append(row)
    tag_values = np.array(values, dtype=np.int64).reshape(len(values), len(tags))
    return _with_sentences("\n".join(tokens), len(tokens), tag_values,
                           np.array(split_positions, dtype=np.int64),
                           max(map(len, tokens), default=0))


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
        return _with_sentences("", 0, np.zeros((0, len(tags)), np.int64),
                               np.zeros(0, np.int64), 0)
    body_bytes = data[data.find(b"\n") + 1:]
    if body_bytes.endswith(b"\n"):
        body_bytes = body_bytes[:-1]
    parsed = _bulk(body_bytes, split_by, token_col, tag_cols, width)
    if parsed is None:
        parsed = _row_by_row(path, body, split_by, token_col, tag_cols, width, list(tags))
    return parsed


def load_corpus(dataset_path: str, tags: list[str], split_by: str,
                budget_bytes: int | None = None) -> CorpusArrays:
    """Read and parse corpus.tsv from a CORPUS dataset zip, within the decoded-size budget
    (``RAFIKI_DATASET_BUDGET_MB`` unless ``budget_bytes`` is given)."""
    with DatasetZip(dataset_path) as archive:
        if not archive.has(CORPUS_TSV):
            raise InvalidDatasetFormatException(
                archive.path, f"no {CORPUS_TSV} at the root of the zip (a CORPUS dataset has "
                f"its tokens as 'token<TAB>tag...' rows in {CORPUS_TSV})")
        budget = DecodedBudget(archive.path, budget_bytes)
        budget.take(archive.info(CORPUS_TSV).file_size, f"{CORPUS_TSV} (inflated)", CORPUS_TSV)
        data = archive.read(CORPUS_TSV, MAX_TSV_BYTES)
    charge_parse(budget, data)
    return parse_corpus(str(dataset_path), data, tags, split_by)


def charge_parse(budget: DecodedBudget, data: bytes) -> None:
    """Count what parsing ``data`` will hold, from its bytes, rows and fields, before parsing
    (counted in C: a quick pass even over 200 MB)."""
    rows = data.count(b"\n") + 1
    fields = rows + data.count(b"\t")
    budget.take(len(data) * BYTE_COST + rows * ROW_COST + fields * FIELD_COST,
                f"its {rows:,} rows", CORPUS_TSV)


def _with_sentences(token_text: str, total: int, tag_values: np.ndarray,
                    split_positions: np.ndarray, longest: int) -> CorpusArrays:
    """Sentence bounds from the token positions where a split row stood (empty ones dropped)."""
    starts = np.concatenate([[0], split_positions]).astype(np.int64)
    ends = np.concatenate([split_positions, [total]]).astype(np.int64)
    nonempty = ends > starts
    return CorpusArrays(token_text, total, tag_values, starts[nonempty], ends[nonempty], longest)
