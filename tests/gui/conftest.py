"""GUI test fixtures: a Session per test, no QThread may outlive its test (napari's rule), and
reference cycles are collected on the UI thread only."""

from __future__ import annotations

import traceback
from weakref import WeakKeyDictionary

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QThread  # noqa: E402

DANGLING_GRACE_MS = 5000


@pytest.fixture(scope="session", autouse=True)
def _collect_garbage_on_the_ui_thread(qapp):
    """Reference cycles freed on the UI thread only (see ui_thread_gc): a parentless widget
    collected on a Ray driver's or a worker's thread crashed the suite in ~QObject."""
    from .ui_thread_gc import UiThreadCollector

    collector = UiThreadCollector(qapp)
    yield collector
    collector.stop()


@pytest.fixture(autouse=True)
def _no_remembered_datasets():
    """Each test starts with no model remembering its datasets (the settings file is shared
    by the session's tests: one test's run would choose datasets for the next one's model)."""
    from rafiki_gui.settings import settings

    store = settings()
    store.remove("model_datasets")
    store.sync()


@pytest.fixture(autouse=True)
def _dangling_qthreads(monkeypatch, qtbot):
    """Fail a test that leaves a QThread running, naming where the thread was started."""
    started: WeakKeyDictionary = WeakKeyDictionary()
    original_start = QThread.start

    def start_and_remember(self, *args, **kwargs):
        started[self] = "".join(traceback.format_stack(limit=8)[:-1])
        return original_start(self, *args, **kwargs)

    monkeypatch.setattr(QThread, "start", start_and_remember)
    yield

    def running() -> list[str]:
        alive = []
        for thread, where in list(started.items()):
            try:
                if thread.isRunning():
                    alive.append(where)
            except RuntimeError:  # the C++ object is gone, so is the thread
                pass
        return alive

    try:
        qtbot.waitUntil(lambda: not running(), timeout=DANGLING_GRACE_MS)
    except Exception:
        pass
    dangling = running()
    if dangling:
        pytest.fail("QThread(s) still running after the test; started at:\n"
                    + "\n---\n".join(dangling))


@pytest.fixture
def session(qtbot, tmp_path):
    """A fresh Session whose store lives in the test's temp folder."""
    from rafiki_gui.session import Session

    made = Session()
    yield made
    if made.is_running:
        made.stop_run()
        qtbot.waitUntil(lambda: not made.is_running, timeout=15000)
    made.cancel_dataset_reads()  # a read the test did not wait for ends with its child
