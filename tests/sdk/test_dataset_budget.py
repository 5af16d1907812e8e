"""Dataset bombs (issue 9, point 1) and numbers too large for a class: each is a DatasetError
naming the file, the member and the budget, raised before the memory is spent.

The bombs are the issue's, scaled down with a smaller ``RAFIKI_DATASET_BUDGET_MB`` so each test
takes seconds; peak memory is the real peak RSS of a fresh process loading the bomb.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zlib

import pytest

from rafiki.model import DatasetError, dataset_utils
from rafiki.model.dataset_budget import DEFAULT_BUDGET_MB, dataset_budget_bytes

from .test_dataset_zips import bomb_png, make_corpus_zip, make_image_zip, make_zip

PEAK_CHILD = """
import json, resource, sys
from rafiki.model import dataset_utils, DatasetError
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    if sys.argv[1] == "corpus":
        dataset_utils.load_dataset_of_corpus(sys.argv[2])
    else:
        dataset_utils.load_dataset_of_image_files(sys.argv[2])
    outcome = "loaded"
except DatasetError as exc:
    outcome = str(exc)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"outcome": outcome, "grew_mb": (peak - before) / 1024}))
"""


def load_in_child(kind: str, path, budget_mb: float) -> dict:
    """Load in a fresh process under ``budget_mb``; its outcome and how much its peak grew."""
    env = {**os.environ, "RAFIKI_DATASET_BUDGET_MB": str(budget_mb),
           "RAFIKI_DATASET_CACHE_MB": "0"}
    done = subprocess.run([sys.executable, "-c", PEAK_CHILD, kind, str(path)], env=env,
                          capture_output=True, text=True, timeout=300, check=True)
    return json.loads(done.stdout)


def gray_png(width: int, height: int) -> bytes:
    """A valid all-black 8-bit grayscale PNG: tiny to store, width x height to decode."""
    import struct

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(height * (width + 1)), 9)) + chunk(b"IEND", b""))


def test_the_budget_comes_from_the_environment(monkeypatch, capsys):
    monkeypatch.delenv("RAFIKI_DATASET_BUDGET_MB", raising=False)
    assert dataset_budget_bytes() == DEFAULT_BUDGET_MB * 2**20
    monkeypatch.setenv("RAFIKI_DATASET_BUDGET_MB", "64")
    assert dataset_budget_bytes() == 64 * 2**20
    monkeypatch.setenv("RAFIKI_DATASET_BUDGET_MB", "lots")
    assert dataset_budget_bytes() == DEFAULT_BUDGET_MB * 2**20
    assert "ignoring RAFIKI_DATASET_BUDGET_MB='lots'" in capsys.readouterr().err


def test_a_corpus_of_millions_of_short_rows_is_refused_before_parsing(tmp_path):
    # the bomb was 200 MB of rows (6.5 GB peak); 20 MB under a 64 MB budget here
    path = make_corpus_zip(tmp_path / "rows.zip", "token\ttag\n" + "a\t0\n" * (5 * 2**20))
    assert path.stat().st_size < 100_000
    result = load_in_child("corpus", path, 64)
    assert str(path) in result["outcome"] and "corpus.tsv" in result["outcome"]
    assert "budget of 64 MB (RAFIKI_DATASET_BUDGET_MB)" in result["outcome"]
    assert result["grew_mb"] < 64


@pytest.mark.slow
def test_huge_grayscale_pngs_in_a_tiny_zip_stop_at_the_image_over_the_budget(tmp_path):
    png = gray_png(4000, 4000)  # 16M pixels each
    names = [f"big/{i}.png" for i in range(4)]
    path = make_image_zip(tmp_path / "big.zip", [png] * 4, [0, 1, 0, 1], names=names)
    assert path.stat().st_size < 100_000
    result = load_in_child("images", path, 100)
    message = result["outcome"]
    assert str(path) in message and "budget of 100 MB (RAFIKI_DATASET_BUDGET_MB)" in message
    assert "images.csv line 4: image 'big/2.png'" in message  # two fit (30.5 MiB each)
    assert result["grew_mb"] < 100
    assert load_in_child("images", path, 250)["outcome"] == "loaded"


def test_eight_huge_pngs_load_in_about_twice_their_decoded_size(tmp_path):
    """The issue's case: 8 PNGs of 8000x8000 (512 MB decoded) peaked at 2.5 GB (5x)."""
    path = make_image_zip(tmp_path / "eight.zip", [gray_png(4000, 4000)] * 8, [0] * 8)
    result = load_in_child("images", path, 1024)
    assert result["outcome"] == "loaded"
    decoded_mb = 8 * 4000 * 4000 / 2**20
    assert result["grew_mb"] < 2.5 * decoded_mb


def test_a_million_rows_naming_one_image_are_counted_before_parsing(tmp_path):
    rows = "path,class\n" + "a.png,1\n" * 1_000_000
    path = make_image_zip(tmp_path / "rows.zip", [gray_png(8, 8)], [0], names=["a.png"],
                          csv_text=rows)
    with pytest.raises(DatasetError) as caught:
        from rafiki.model.dataset_images import load_image_files
        load_image_files(str(path), budget_bytes=100 * 2**20)
    message = str(caught.value)
    assert str(path) in message and "images.csv" in message and "1,000,002 lines" in message


def test_blank_lines_and_nul_bytes_in_images_csv_name_the_file(tmp_path):
    blank = make_zip(tmp_path / "blank.zip", {
        "a.png": gray_png(8, 8), "images.csv": b"path,class\na.png,0\n" + b"\n" * 20_000_000})
    with pytest.raises(DatasetError, match=r"blank\.zip: images\.csv: its 20,000,003 lines"):
        dataset_utils.load_dataset_of_image_files(str(blank))
    nul = make_zip(tmp_path / "nul.zip", {
        "a.png": gray_png(8, 8), "images.csv": b"path,class\n" + b"\x00" * 2_000_000})
    with pytest.raises(DatasetError) as caught:
        dataset_utils.load_dataset_of_image_files(str(nul))
    assert str(caught.value).startswith(f"{nul}: images.csv line 2: is not readable CSV")


def test_a_member_declaring_more_than_the_budget_is_not_inflated(tmp_path, monkeypatch):
    monkeypatch.setenv("RAFIKI_DATASET_BUDGET_MB", "1")
    path = make_corpus_zip(tmp_path / "c.zip", "token\ttag\n" + "x\t1\n" * 300_000)
    with pytest.raises(DatasetError, match=r"c\.zip: corpus\.tsv: corpus\.tsv \(inflated\)"):
        dataset_utils.load_dataset_of_corpus(str(path))


def test_a_bomb_header_is_still_refused_on_its_own(tmp_path):
    path = make_image_zip(tmp_path / "b.zip", [bomb_png()], [0])
    with pytest.raises(DatasetError, match="decompression bomb"):
        dataset_utils.load_dataset_of_image_files(str(path))


@pytest.mark.parametrize("label", ["12345678901234567890", "99999999999999999999999"])
def test_a_twenty_digit_class_names_the_file_and_line(tmp_path, label):
    path = make_image_zip(tmp_path / "l.zip", [gray_png(2, 2)] * 2, [0, label])
    with pytest.raises(DatasetError) as caught:
        dataset_utils.load_dataset_of_image_files(str(path))
    assert str(caught.value) == (f"{path}: images.csv line 3: class {label} is too large "
                                 f"(at most 9,223,372,036,854,775,807)")


@pytest.mark.parametrize("tag", ["12345678901234567890", "1" * 19])
def test_a_twenty_digit_tag_names_the_file_and_line(tmp_path, tag):
    path = make_corpus_zip(tmp_path / "t.zip", f"token\ttag\na\t1\nb\t{tag}\n")
    if int(tag) <= 2**63 - 1:  # 19 ones fit in int64: a valid (if odd) tag
        assert dataset_utils.load_dataset_of_corpus(str(path)).tag_num_classes == [int(tag) + 1]
        return
    with pytest.raises(DatasetError) as caught:
        dataset_utils.load_dataset_of_corpus(str(path))
    assert str(caught.value) == (f"{path}: corpus.tsv line 3: tag 'tag' value {tag} is too "
                                 f"large (at most 9,223,372,036,854,775,807)")


def test_summaries_report_the_budget_as_a_problem(tmp_path, monkeypatch):
    from rafiki.dataset_summary import summarize_dataset
    monkeypatch.setenv("RAFIKI_DATASET_BUDGET_MB", "1")
    path = make_image_zip(tmp_path / "s.zip", [gray_png(1000, 1000)], [0])
    summary = summarize_dataset(path)
    assert summary.unreadable and "RAFIKI_DATASET_BUDGET_MB" in summary.unreadable
    assert summary.size == 1  # the listing itself fits
