"""The decoded-dataset cache: reused across processes, rebuilt when damaged, bounded, atomic."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

from rafiki.model import CorpusDataset, ImageFilesDataset
from rafiki.model.dataset_cache import DatasetCache, cache_limit_bytes

from ..conftest import PROJECT_ROOT
from .test_dataset_zips import make_corpus_zip, make_image_zip, sample_images


def entries(home) -> list:
    root = home / "cache" / "datasets"
    return sorted(p for p in root.iterdir()) if root.exists() else []


def image_zip(tmp_path, name="a.zip", count=20, seed=0):
    return make_image_zip(tmp_path / name, sample_images(count, seed=seed), [i % 4 for i in
                                                                               range(count)])


CHILD = """
import json, sys
import numpy as np
from rafiki.model import ImageFilesDataset
dataset = ImageFilesDataset(sys.argv[1])
print(json.dumps({"from_cache": isinstance(dataset.images, np.memmap),
                  "sum": int(dataset.images.sum()), "classes": dataset.image_classes.tolist()}))
"""


def run_child(path, home) -> dict:
    env = {**os.environ, "RAFIKI_HOME": str(home), "PYTHONPATH": str(PROJECT_ROOT)}
    done = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True,
                          text=True, env=env, timeout=120, check=True)
    return json.loads(done.stdout)


def test_a_new_process_reuses_the_decoded_dataset(tmp_path, rafiki_home):
    path = image_zip(tmp_path)
    first = run_child(path, rafiki_home)
    assert first["from_cache"] is False and len(entries(rafiki_home)) == 1
    second = run_child(path, rafiki_home)
    assert second == {**first, "from_cache": True}


def test_a_changed_file_is_decoded_again(tmp_path, rafiki_home):
    path = image_zip(tmp_path, seed=0)
    before = ImageFilesDataset(str(path)).images.copy()
    image_zip(tmp_path, seed=5)  # same path and size, new content
    after = ImageFilesDataset(str(path))
    assert not isinstance(after.images, np.memmap)
    np.testing.assert_array_equal(after.images, sample_images(20, seed=5))
    assert not np.array_equal(before, after.images) and len(entries(rafiki_home)) == 2


def test_load_parameters_are_part_of_the_key(tmp_path, rafiki_home):
    path = image_zip(tmp_path)
    assert ImageFilesDataset(str(path), image_size=3).images.shape == (20, 3, 3)
    assert ImageFilesDataset(str(path)).images.shape == (20, 6, 5)
    assert ImageFilesDataset(str(path), image_size=3).images.shape == (20, 3, 3)
    assert len(entries(rafiki_home)) == 2


@pytest.mark.parametrize("damage", ["truncate", "flip", "manifest", "missing"])
def test_a_damaged_entry_is_ignored_and_rebuilt(tmp_path, rafiki_home, damage):
    path = image_zip(tmp_path)
    expected = ImageFilesDataset(str(path)).images.copy()
    (entry,) = entries(rafiki_home)
    images = entry / "images.npy"
    if damage == "truncate":
        images.write_bytes(images.read_bytes()[:-7])
    elif damage == "flip":
        data = bytearray(images.read_bytes())
        data[-1] ^= 0xFF
        images.write_bytes(bytes(data))
    elif damage == "manifest":
        (entry / "manifest.json").write_text("{not json")
    else:
        images.unlink()
    reloaded = ImageFilesDataset(str(path))
    assert not isinstance(reloaded.images, np.memmap)  # decoded again, not the damaged copy
    np.testing.assert_array_equal(reloaded.images, expected)
    again = ImageFilesDataset(str(path))  # and the rebuilt entry is sound
    assert isinstance(again.images, np.memmap)
    np.testing.assert_array_equal(again.images, expected)


def test_corpus_reloads_from_the_cache_identically(tmp_path, rafiki_home):
    text = 'token\ttag\n"\t1\nb\t2\n\\n\t\nc\t0\n'
    path = make_corpus_zip(tmp_path / "c.zip", text)
    first = CorpusDataset(str(path))
    second = CorpusDataset(str(path))
    assert isinstance(second.token_tags, np.memmap)
    assert list(first) == list(second) == [[['"', 1], ["b", 2]], [["c", 0]]]
    assert (second.tag_num_classes, second.max_token_len, second.max_sent_len) == ([3], 1, 2)


def test_the_oldest_entries_are_evicted_beyond_the_bound(tmp_path, rafiki_home, monkeypatch):
    cache = DatasetCache(tmp_path / "cache", limit_bytes=2500)
    arrays = {"a": np.zeros(1000, np.uint8)}
    for key in ["one", "two"]:
        assert cache.store(key, {}, arrays)
        time.sleep(0.02)
    assert cache.load("one") is not None  # used: now the most recent
    time.sleep(0.02)
    assert cache.store("three", {}, arrays)
    assert sorted(p.name for p in cache.root.iterdir()) == ["one", "three"]
    assert not cache.store("huge", {}, {"a": np.zeros(5000, np.uint8)})


def test_stale_temporary_entries_are_swept_and_fresh_ones_kept(tmp_path):
    cache = DatasetCache(tmp_path / "cache", limit_bytes=10_000)
    stale, fresh = cache.root / ".tmp-old-1-x", cache.root / ".tmp-new-2-y"
    for folder in (stale, fresh):
        folder.mkdir()
        (folder / "images.npy").write_bytes(b"partial")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    cache.store("entry", {"n": 1}, {"a": np.arange(5)})
    assert sorted(p.name for p in cache.root.iterdir()) == [".tmp-new-2-y", "entry"]
    meta, arrays = cache.load("entry")
    assert meta == {"n": 1} and arrays["a"].tolist() == [0, 1, 2, 3, 4]


def test_the_bound_comes_from_the_environment_and_zero_turns_the_cache_off(
        tmp_path, rafiki_home, monkeypatch, capsys):
    monkeypatch.setenv("RAFIKI_DATASET_CACHE_MB", "1.5")
    assert cache_limit_bytes() == int(1.5 * 1024 * 1024)
    monkeypatch.setenv("RAFIKI_DATASET_CACHE_MB", "lots")
    assert cache_limit_bytes() == 2048 * 1024 * 1024
    assert "RAFIKI_DATASET_CACHE_MB" in capsys.readouterr().err
    monkeypatch.setenv("RAFIKI_DATASET_CACHE_MB", "0")
    path = image_zip(tmp_path)
    assert ImageFilesDataset(str(path)).size == 20
    assert entries(rafiki_home) == []
