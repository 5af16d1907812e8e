"""Event batches cross the window's signals as the Python objects they are.

A ``Signal(list)`` converts each event dict to a QVariantMap and back for every slot: under a
200,000-point flood that held the UI thread for seconds (bench/bench_gui_stall.py)."""

from __future__ import annotations

from PySide6.QtCore import QObject

from rafiki_gui.tuning.tuning_worker import TuningWorker
from rafiki_gui.worker import RunWorker


class _Receiver(QObject):
    def __init__(self):
        super().__init__()
        self.received: list = []

    def take(self, trial_id: int, events: list) -> None:
        self.received.append((trial_id, events))


def _batch() -> list[dict]:
    return [{"kind": "metrics", "time": 1.5, "values": {"step": 3, "loss": float("nan")}},
            {"kind": "message", "time": 2.0, "msg": "hello"}]


def test_a_run_batch_reaches_every_slot_as_the_same_list(session):
    worker = RunWorker(spec=None)
    worker.sig_events.connect(session.sig_run_events)
    received: list = []
    session.sig_run_events.connect(received.append)
    session.sig_run_events.connect(received.append)
    batch = _batch()
    worker.sig_events.emit(batch)
    assert received[0] is batch and received[1] is batch
    assert type(received[0][0]["values"]["step"]) is int


def test_a_tuning_trials_batch_is_not_copied():
    worker = TuningWorker(None, experiment_id=1, budget_trials=1, budget_minutes=None,
                          parallel=1, seed=0)
    receiver = _Receiver()  # a QObject of the UI thread, as the tuning panel is
    worker.sig_trial_events.connect(receiver.take)
    batch = _batch()
    worker.sig_trial_events.emit(7, batch)
    received = receiver.received
    assert received == [(7, batch)] and received[0][1] is batch
