"""Train's progress from what the model logs: epoch i of N when an epochs-like knob and an
epoch counter tell it, else the points logged."""

from __future__ import annotations

from rafiki_gui.train_progress import TrainProgress


def _metrics(**values) -> dict:
    return {"kind": "metrics", "time": 0.0, "values": values}


def test_zero_based_epochs_against_the_epochs_knob():
    progress = TrainProgress({"epochs": 4, "learning_rate": 0.1})
    assert progress.text() == "" and progress.fraction() is None
    progress.add_events([{"kind": "stage", "stage": "train", "state": "started"},
                         _metrics(loss=1.0, epoch=0)])
    assert progress.text() == "epoch 1 of 4" and progress.fraction() == 0.25
    progress.add_events([_metrics(loss=0.5, epoch=1), _metrics(train_acc=0.6)])
    assert progress.text() == "epoch 2 of 4" and progress.fraction() == 0.5


def test_one_based_counters_other_names_and_no_total():
    progress = TrainProgress({"MAX_ITER": 20})
    progress.add_events([_metrics(iteration=1, loss=2.0), _metrics(iteration=5, loss=1.0)])
    assert progress.text() == "iteration 5 of 20" and progress.fraction() == 0.25
    untold = TrainProgress({"hidden_units": 64})
    untold.add_events([_metrics(epoch=3)])
    assert untold.text() == "epoch 3" and untold.fraction() is None  # no 0 seen: 1-based
    counted = TrainProgress({"epochs": 3})
    counted.add_events([_metrics(loss=1.0), _metrics(loss=0.9)])  # no counter logged
    assert counted.text() == "2 points logged" and counted.fraction() is None


def test_a_counter_past_the_total_is_capped_and_bools_are_not_counts():
    progress = TrainProgress({"epochs": 2, "nb_epochs": True})
    progress.add_events([_metrics(epoch=5)])
    assert progress.text() == "epoch 2 of 2" and progress.fraction() == 1.0
    assert TrainProgress({"epochs": True}).total is None
