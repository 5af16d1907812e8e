"""Fuzzing both dataset zip formats: whatever the archive holds, loading it gives a valid
dataset or a DatasetError, never another exception, and stays within the budget.

Hypothesis builds the archives: their structure (which members, stored or deflated, names that
escape, not a zip at all), images.csv and corpus.tsv contents (fields, numbers of any size,
blank lines, quotes, CRLF, NUL bytes, non-UTF-8) and PNG headers (any width, height, bit depth,
colour type, truncated or corrupt streams). Memory is the peak traced by ``tracemalloc`` (numpy
and every Python buffer report to it) during the load. The profile bounds examples and time so
the file takes seconds in CI; ``RAFIKI_FUZZ_PROFILE=thorough`` runs many more locally.
"""

from __future__ import annotations

import io
import os
import struct
import tracemalloc
import zipfile
import zlib
from datetime import timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rafiki.dataset_summary import summarize_dataset
from rafiki.model.dataset_corpus import load_corpus
from rafiki.model.dataset_errors import DatasetError
from rafiki.model.dataset_images import load_image_files

BUDGET = 32 * 2**20
"""The budget every load runs under; headers may claim far more than this."""

settings.register_profile(
    "ci", max_examples=40, deadline=timedelta(seconds=20), database=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile(
    "thorough", max_examples=1000, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
FUZZ = settings.get_profile(os.environ.get("RAFIKI_FUZZ_PROFILE", "ci"))


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@st.composite
def png_files(draw) -> bytes:
    """A PNG: a small valid grayscale one, or one whose header and stream are anything."""
    width, height = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    if draw(st.booleans()):
        pixels = draw(st.binary(min_size=width * height, max_size=width * height))
        rows = b"".join(b"\x00" + pixels[y * width:(y + 1) * width] for y in range(height))
        header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
        return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
                + _chunk(b"IDAT", zlib.compress(rows)) + _chunk(b"IEND", b""))
    claimed_w = draw(st.one_of(st.integers(0, 64), st.integers(0, 2**32 - 1)))
    claimed_h = draw(st.one_of(st.integers(0, 64), st.integers(0, 2**32 - 1)))
    depth = draw(st.sampled_from([1, 2, 4, 8, 16, 3]))
    colour = draw(st.sampled_from([0, 2, 3, 4, 6, 5]))
    interlace = draw(st.sampled_from([0, 1, 2]))
    header = struct.pack(">IIBBBBB", claimed_w, claimed_h, depth, colour, 0, 0, interlace)
    stream = draw(st.one_of(st.binary(max_size=64),
                            st.builds(zlib.compress, st.binary(max_size=256))))
    data = (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", stream)
            + _chunk(b"IEND", b""))
    cut = draw(st.integers(0, len(data)))
    return data[:cut] if draw(st.booleans()) else data


numbers = st.one_of(st.integers(-3, 12), st.integers(-(10**25), 10**25)).map(str)
fields = st.one_of(numbers, st.text(max_size=8), st.sampled_from(['"', '""', "a,b", " 1 ", ""]))
member_names = st.sampled_from(["a.png", "img/b.png", "./a.png", "../a.png", "/abs.png",
                                "missing.png", "c.PNG"])
line_ends = st.sampled_from(["\n", "\r\n", "\n\n", "\x00\n"])


@st.composite
def images_csv(draw) -> bytes:
    header = draw(st.sampled_from(["path,class", "class,path", "path,class,extra", "path",
                                   "\ufeffpath,class", "x,y"]))
    rows = draw(st.lists(st.tuples(st.one_of(member_names, fields), fields,
                                   st.lists(fields, max_size=2), line_ends), max_size=12))
    text = header + "\n" + "".join(",".join([p, c, *more]) + end for p, c, more, end in rows)
    data = text.encode("utf-8")
    if draw(st.booleans()):  # a stretch of anything: NULs, non-UTF-8, long fields
        data += draw(st.one_of(st.binary(max_size=64), st.just(b"\x00" * 200_000),
                               st.just(b"x" * 200_000)))
    return data


@st.composite
def archives(draw, table: str, table_data) -> bytes:
    """A zip (or not) with ``table`` of the drawn contents and some PNG members."""
    if draw(st.integers(0, 19)) == 0:
        return draw(st.binary(max_size=64))
    members: dict[str, bytes] = {}
    if draw(st.integers(0, 9)):
        name = draw(st.sampled_from([table, table, table, f"nested/{table}"]))
        members[name] = draw(table_data)
    for name in draw(st.lists(st.sampled_from(["a.png", "img/b.png", "c.PNG", "../a.png"]),
                              max_size=3, unique=True)):
        members[name] = draw(png_files())
    compression = draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


tokens = st.text(alphabet=st.characters(blacklist_characters="\t\n\r"), max_size=6)


@st.composite
def corpus_tsv(draw) -> bytes:
    columns = draw(st.sampled_from([["token", "tag"], ["tag", "token"], ["token", "tag", "x"],
                                    ["token"], ["word", "tag"]]))
    rows = []
    for _ in range(draw(st.integers(0, 15))):
        kind = draw(st.integers(0, 5))
        if kind == 0:
            rows.append("\\n" + "\t" * draw(st.integers(0, len(columns))))
        elif kind == 1:
            rows.append("")
        else:
            values = [draw(tokens) if c == "token" else draw(fields) for c in columns]
            if kind == 2:
                values = values[:draw(st.integers(0, len(values)))]
            rows.append("\t".join(values))
    end = draw(line_ends)
    data = ("\t".join(columns) + "\n" + end.join(rows)).encode("utf-8")
    if draw(st.booleans()):
        data += draw(st.one_of(st.binary(max_size=64), st.just(b"\x00" * 200_000)))
    return data


@pytest.fixture
def monkeypatch_budget(monkeypatch):
    """Summaries load through the SDK: the same budget, and no cache written."""
    monkeypatch.setenv("RAFIKI_DATASET_BUDGET_MB", str(BUDGET / 2**20))
    monkeypatch.setenv("RAFIKI_DATASET_CACHE_MB", "0")


def _within_budget(load) -> None:
    """Run ``load``: a DatasetError or a result; traced peak memory under the budget."""
    tracemalloc.start()
    try:
        try:
            load()
        except DatasetError:
            pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < BUDGET, f"peak {peak / 2**20:.1f} MB over the {BUDGET / 2**20:.0f} MB budget"


@pytest.mark.slow
@FUZZ
@given(data=archives("images.csv", images_csv()), image_size=st.sampled_from([None, 3]))
def test_any_image_files_zip_loads_or_is_a_dataset_error(tmp_path_factory, data, image_size):
    path = tmp_path_factory.mktemp("fuzz") / "images.zip"
    path.write_bytes(data)
    loaded = []
    _within_budget(lambda: loaded.append(load_image_files(str(path), image_size, BUDGET)))
    if loaded:
        arrays = loaded[0]
        assert arrays.images.dtype == np.uint8 and arrays.images.ndim == 3
        assert len(arrays.images) == len(arrays.classes) and (arrays.classes >= 0).all()


@FUZZ
@given(data=archives("corpus.tsv", corpus_tsv()))
def test_any_corpus_zip_loads_or_is_a_dataset_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "corpus.zip"
    path.write_bytes(data)
    loaded = []
    _within_budget(lambda: loaded.append(load_corpus(str(path), ["tag"], "\\n", BUDGET)))
    if loaded:
        corpus = loaded[0]
        assert corpus.tags.shape == (corpus.token_count, 1) and (corpus.tags >= 0).all()
        assert len(corpus.tokens) == corpus.token_count
        assert (corpus.sentence_ends > corpus.sentence_starts).all()


@FUZZ
@given(data=st.one_of(archives("images.csv", images_csv()), archives("corpus.tsv", corpus_tsv())))
def test_any_zip_summarises_or_is_a_dataset_error(tmp_path_factory, monkeypatch_budget, data):
    path = tmp_path_factory.mktemp("fuzz") / "any.zip"
    path.write_bytes(data)
    _within_budget(lambda: summarize_dataset(path))
