"""The one worker base: every background job speaks started/returned/errored/aborted/finished,
in that order, and a stopped job's answer never reaches the window."""

from __future__ import annotations

import threading

from PySide6.QtWidgets import QWidget

from rafiki_gui.function_worker import FunctionWorker, call_off_ui_thread
from rafiki_gui.thread_worker import ThreadWorker

WAIT_MS = 10_000


def _record(worker: ThreadWorker) -> list[str]:
    seen: list[str] = []
    worker.sig_started.connect(lambda: seen.append("started"))
    worker.sig_returned.connect(lambda value: seen.append(f"returned {value}"))
    worker.sig_errored.connect(lambda error: seen.append(f"errored {error['type']}"))
    worker.sig_aborted.connect(lambda: seen.append("aborted"))
    worker.sig_finished.connect(lambda: seen.append("finished"))
    return seen


def test_a_job_that_returns_says_started_returned_finished(qtbot):
    worker = FunctionWorker(lambda a, b: a + b, 2, 3)
    seen = _record(worker)
    with qtbot.waitSignal(worker.sig_finished, timeout=WAIT_MS):
        worker.start()
    assert worker.wait(5)
    assert seen == ["started", "returned 5", "finished"]


def test_a_job_that_raises_says_why_with_its_traceback(qtbot):
    def broken() -> None:
        raise ValueError("the file is no dataset")

    worker = FunctionWorker(broken, error_stage="read")
    errors: list[dict] = []
    worker.sig_errored.connect(errors.append)
    seen = _record(worker)
    with qtbot.waitSignal(worker.sig_finished, timeout=WAIT_MS):
        worker.start()
    assert seen == ["started", "errored ValueError", "finished"]
    assert errors[0]["stage"] == "read"
    assert errors[0]["message"] == "the file is no dataset"
    assert "in broken" in errors[0]["traceback"]


def test_a_stopped_job_is_aborted_and_its_answer_never_delivered(qtbot):
    owner = QWidget()
    release = threading.Event()
    delivered: list[object] = []
    worker = call_off_ui_thread(owner, lambda: release.wait(WAIT_MS / 1000) and "stale",
                                on_returned=delivered.append, on_errored=delivered.append)
    seen = _record(worker)
    worker.stop()  # a newer request superseded it while it ran
    with qtbot.waitSignal(worker.sig_finished, timeout=WAIT_MS):
        release.set()
    qtbot.wait(50)  # the queued deliveries, had there been any
    assert "aborted" in seen and not any(s.startswith("returned") for s in seen)
    assert delivered == []
