"""A live run's batch with its points gathered into columns off the UI thread reads the same,
in every view, as the plain list of its events."""

from __future__ import annotations

import numpy as np

from rafiki_gui.event_batch import EventBatch, MetricColumns, other_events
from rafiki_gui.plot_data import RunPlotData
from rafiki_gui.train_progress import TrainProgress
from rafiki_gui.worker import RunWorker


def _events() -> list[dict]:
    """Points before a plot's definition, the plot, points with some metrics missing, a NaN,
    a stage and a message in between."""
    events: list[dict] = [{"kind": "stage", "stage": "train", "state": "started", "time": 9.0}]
    events += [{"kind": "metrics", "time": 10.0 + step, "values": {"epoch": step, "loss": 1.0}}
               for step in range(3)]
    events.append({"kind": "plot", "title": "Loss", "metrics": ["loss", "acc"],
                   "x_axis": "epoch", "time": 13.0})
    events.append({"kind": "metrics", "time": 14.0, "values": {"epoch": 3, "acc": 0.5}})
    events.append({"kind": "message", "time": 14.5, "msg": "halfway"})
    events.append({"kind": "metrics", "time": 15.0,
                   "values": {"epoch": 4, "loss": float("nan"), "acc": 0.75}})
    events.append({"kind": "plot", "title": "Over time", "metrics": ["loss"], "time": 16.0})
    events.append({"kind": "metrics", "time": 17.0, "values": {"loss": 0.25}})
    return events


def test_the_batch_is_the_events_split_into_columns_and_the_rest():
    events = _events()
    batch = EventBatch(events)
    assert list(batch) == events and batch.metrics_count == 6
    assert batch.others == [e for e in events if e["kind"] != "metrics"] == other_events(events)
    assert other_events(batch) is batch.others
    kinds = [type(part).__name__ if isinstance(part, MetricColumns) else part["kind"]
             for part in batch.parts]
    assert kinds == ["stage", "MetricColumns", "plot", "MetricColumns", "message",
                     "MetricColumns", "plot", "MetricColumns"]
    first = batch.parts[1]
    np.testing.assert_array_equal(first.times, [10.0, 11.0, 12.0])
    assert first.columns["epoch"][0] is None  # in every point: no mask
    np.testing.assert_array_equal(first.present("epoch"), [0, 1, 2])
    assert first.present("acc").size == 0


def test_plots_and_progress_read_a_batch_as_they_read_its_list():
    events = _events()
    from_list, from_batch = RunPlotData(), RunPlotData()
    assert [p.title for p in from_list.add_events(events)] == ["Loss", "Over time"]
    assert [p.title for p in from_batch.add_events(EventBatch(events))] == ["Loss", "Over time"]
    for title, plot in from_list.plots.items():
        for metric, series in plot.series.items():
            other = from_batch.plots[title].series[metric]
            np.testing.assert_array_equal(series.x, other.x)
            np.testing.assert_array_equal(series.y, other.y)
    loss = from_batch.plots["Loss"].series
    np.testing.assert_array_equal(loss["loss"].x, [0, 1, 2, 4])  # backfilled, then routed
    np.testing.assert_array_equal(loss["acc"].y, [0.5, 0.75])
    np.testing.assert_array_equal(from_batch.plots["Over time"].series["loss"].x,
                                  [1, 2, 3, 6, 8])  # seconds since the first event

    plain, gathered = TrainProgress({"epochs": 10}), TrainProgress({"epochs": 10})
    plain.add_events(events)
    gathered.add_events(EventBatch(events))
    assert gathered.text() == plain.text() == "epoch 5 of 10"
    assert gathered.points == plain.points == 6


def test_the_run_worker_hands_the_ui_a_gathered_batch(session):
    worker = RunWorker(spec=None)
    worker.sig_events.connect(session.sig_run_events)
    received: list = []
    session.sig_run_events.connect(received.append)
    events = _events()
    worker._on_runner_events(events)  # as the runner's reader thread calls it
    worker._flush()
    assert len(received) == 1 and isinstance(received[0], EventBatch)
    assert list(received[0]) == events and received[0].metrics_count == 6


def test_a_batch_that_cannot_be_gathered_still_reaches_the_views(session):
    """The runner lets only numbers through; should anything else pass, the run goes on."""
    worker = RunWorker(spec=None)
    worker.sig_events.connect(session.sig_run_events)
    received: list = []
    session.sig_run_events.connect(received.append)
    odd = [{"kind": "metrics", "time": 1.0, "values": {"loss": "high"}}]
    worker._on_runner_events(odd)
    worker._flush()
    assert received == [odd] and not isinstance(received[0], EventBatch)
