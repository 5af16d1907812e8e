"""The window summarises an untrusted dataset zip in a warm child process: whatever the zip
holds, the window's own peak memory (its real peak RSS) grows by less than ~200 MB, the child
is reused for the next read, and a read that hangs or is no longer wanted ends its child."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from tests.sdk.test_dataset_budget import gray_png
from tests.sdk.test_dataset_zips import make_image_zip

WINDOW_SIDE = """
import json, resource, sys
from PySide6.QtWidgets import QApplication
from rafiki_gui.dataset_reader_process import shared_pool
from rafiki_gui.session import Session

app = QApplication([])
session = Session()
session.sig_datasets_settled.connect(app.quit)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
session.set_train_path(sys.argv[1])
app.exec()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
session.cancel_dataset_reads()  # the loader's thread ends before the interpreter does
view = session.dataset_view("train")
print(json.dumps({"size": view.summary.size, "shape": view.summary.image_shape,
                  "preview": None if view.images is None else list(view.images.shape),
                  "grew_mb": (peak - before) / 1024,
                  "child_peak_mb": shared_pool().last_peak_mb}))
"""


@pytest.mark.slow
def test_summarising_a_large_dataset_does_not_grow_the_window(tmp_path):
    # 4 x 6000x6000 grayscale PNGs: a 30 KB zip that decodes to 137 MB (about 280 MB to load)
    path = make_image_zip(tmp_path / "large.zip", [gray_png(6000, 6000)] * 4, [0, 1, 2, 3])
    env = {**os.environ, "RAFIKI_DATASET_CACHE_MB": "0", "QT_QPA_PLATFORM": "offscreen",
           "RAFIKI_HOME": str(tmp_path / "home")}
    done = subprocess.run([sys.executable, "-c", WINDOW_SIDE, str(path)], env=env, check=True,
                          capture_output=True, text=True, timeout=300)
    result = json.loads(done.stdout)
    assert result["size"] == 4 and result["shape"] == [6000, 6000]
    assert result["preview"] == [4, 256, 256]  # thumbnails come back, scaled down
    assert result["child_peak_mb"] > 200 + 100  # in the window this would have cost it
    assert result["grew_mb"] < 200


def test_an_unreadable_zip_comes_back_as_a_message_naming_it(tmp_path):
    from rafiki_gui.dataset_reader_process import read_dataset_view_isolated
    path = tmp_path / "no.zip"
    path.write_bytes(b"not a zip")
    with pytest.raises(ValueError) as raised:
        read_dataset_view_isolated(str(path))
    assert str(raised.value).startswith(f"{path}: is not a zip archive")


def test_reads_reuse_one_warm_child(shared_dataset):
    from rafiki_gui.dataset_reader_process import ReaderPool, read_dataset_view_isolated

    pool = ReaderPool()
    try:
        children = []

        def remember(reader):
            if reader is not None:
                children.append(reader.process.pid)

        for name in ("digits_train.zip", "digits_test.zip"):
            view = read_dataset_view_isolated(str(shared_dataset(name)), pool=pool,
                                              on_reader=remember)
            assert view.summary.size > 0 and view.images is not None
        assert children[0] == children[1]
        assert pool.pids() == [children[0]]  # kept warm for the next read
    finally:
        pool.shutdown()
    assert pool.pids() == []


needs_sigstop = pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="no SIGSTOP here")


def _stopped_warm_child(pool) -> int:
    """Start ``pool``'s warm child and stop it (SIGSTOP): the next read hangs in it."""
    pool.prestart()
    (pid,) = pool.pids()
    os.kill(pid, signal.SIGSTOP)
    return pid


@needs_sigstop
def test_a_read_that_hangs_is_stopped_at_its_timeout(shared_dataset):
    from rafiki_gui.dataset_reader_process import ReaderPool, read_dataset_view_isolated

    path = str(shared_dataset("digits_test.zip"))
    pool = ReaderPool()
    readers = []
    try:
        _stopped_warm_child(pool)
        with pytest.raises(ValueError, match=f"^{path}: reading it took longer than 1 s; "
                                             "it was stopped$"):
            read_dataset_view_isolated(path, timeout=1, pool=pool, on_reader=readers.append)
        assert readers[1] is None  # the read is over
        assert not readers[0].process.is_alive() and pool.pids() == []
    finally:
        pool.shutdown()


@needs_sigstop
def test_a_read_no_longer_wanted_is_cancelled_and_its_child_ended(qtbot, shared_dataset):
    from rafiki_gui.dataset_loader import DatasetReader
    from rafiki_gui.dataset_reader_process import shared_pool

    pool = shared_pool()
    pool.shutdown()  # no warm child but the stopped one
    stopped = _stopped_warm_child(pool)
    reader = DatasetReader()
    reader.set_path("train", str(shared_dataset("digits_test.zip")))
    (loader,) = reader._loaders
    qtbot.waitUntil(lambda: loader._reader is not None, timeout=30_000)
    child = loader._reader.process
    assert child.pid == stopped  # the read hangs in it
    with qtbot.waitSignal(reader.sig_read, timeout=60_000) as read:
        reader.set_path("train", str(shared_dataset("digits_train.zip")))
    assert read.args == ["train"] and reader.views["train"].summary.size > 0
    assert "train" not in reader.errors  # the cancelled read's answer was dropped
    child.join(5)
    assert not child.is_alive() and stopped not in pool.pids()
