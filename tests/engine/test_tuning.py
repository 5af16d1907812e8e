"""Tuning through real child processes: budget, parallel trials, errors, stop, resume, pins."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from rafiki.store import Store
from rafiki.tuning import Tuner, TuningError, default_parallel

from ..sdk.model_files.datasets import write_image_zip

if not hasattr(pytest.importorskip("rafiki.runner"), "Run"):
    pytest.skip("the runner has not landed yet", allow_module_level=True)

QUICK_MODEL = Path(__file__).parent / "store_models" / "quick_model.py"


@pytest.fixture
def store(rafiki_home):
    with Store() as opened:
        yield opened


@pytest.fixture
def experiment_id(store, tmp_path) -> int:
    train = write_image_zip(tmp_path / "train.zip", [0, 1, 0, 1])
    test = write_image_zip(tmp_path / "test.zip", [0, 1])
    return store.create_experiment(
        model_file_path=str(QUICK_MODEL), model_class="QuickModel",
        task="IMAGE_CLASSIFICATION", train_dataset_uri=str(train), test_dataset_uri=str(test),
    ).id


def test_six_trials_two_at_a_time_then_resume(store, experiment_id):
    seen: list = []
    tuner = Tuner(store, experiment_id, budget_trials=6, parallel=2, seed=1,
                  on_trial_event=seen.append, pinned_knobs={"delay": 0.0})
    result = tuner.run()

    assert len(result.trials) == 6 and not result.stopped
    assert [t.number for t in result.trials] == [1, 2, 3, 4, 5, 6]
    for trial in result.trials:
        assert trial.knobs["delay"] == 0.0
        if trial.knobs["x"] > 0.8:
            assert trial.status == "errored" and trial.error["stage"] == "train"
            assert "too large" in trial.error["message"]
        else:
            assert trial.status == "completed"
            assert trial.score == pytest.approx(1 - (trial.knobs["x"] - 0.3) ** 2)
            assert store.load_parameters(trial.id) == {"x": trial.knobs["x"]}
            assert store.trial_metrics(trial.id)["loss"] == [1.0, 0.5, 1 / 3, 0.25, 0.2]
            assert store.trial(trial.id).timings.keys() >= {"train", "evaluate"}
    scored = [t for t in result.trials if t.score is not None]
    assert result.best.score == max(t.score for t in scored)
    kinds = {event.kind for event in seen}
    assert kinds == {"trial_started", "trial_events", "trial_finished"}
    assert sum(event.kind == "trial_finished" for event in seen) == 6
    assert store.get_experiment(experiment_id).settings["pinned"] == {"delay": 0.0}

    resumed = Tuner(store, experiment_id, budget_trials=2, parallel=2, seed=2,
                    pinned_knobs={"delay": 0.0})
    advisor = resumed.prepare()
    assert len(advisor.study.trials) == 6  # the stored trials, fed back
    again = resumed.run()
    assert [t.number for t in again.trials] == [7, 8]
    assert store.get_experiment(experiment_id).trial_count == 8


@pytest.mark.slow
def test_the_same_seed_tries_the_same_knobs_whichever_trial_ends_first(
        store, experiment_id, monkeypatch):
    """Two trials at once end in an order the machine decides (its load, the executor: this
    machine or a cluster). With a seed, results reach the advisor in launch order and trial k
    is proposed from trials 1..k-2 exactly, so the order they end in changes no knob. Here the
    low half of x is slow in one tuning and the high half in the other."""
    first = store.get_experiment(experiment_id)
    tried = []
    for slow_half in ("low", "high"):
        monkeypatch.setenv("QUICK_MODEL_SLOW_HALF", slow_half)
        experiment = store.create_experiment(  # a tuning of its own: none told the other's
            model_file_path=first.model_file_path, model_class=first.model_class,
            task=first.task, train_dataset_uri=first.train_dataset_uri,
            test_dataset_uri=first.test_dataset_uri, name=f"slow {slow_half}")
        result = Tuner(store, experiment.id, budget_trials=14, parallel=2, seed=3,
                       pinned_knobs={"delay": 0.0}).run()
        assert all(t.status in ("completed", "errored") for t in result.trials)
        tried.append([t.knobs["x"] for t in result.trials])
    assert tried[0] == tried[1]


def test_errored_trials_are_recorded_and_tuning_goes_on(store, experiment_id):
    result = Tuner(store, experiment_id, budget_trials=3, parallel=2,
                   pinned_knobs={"x": 0.9, "delay": 0.0}).run()
    assert [t.status for t in result.trials] == ["errored"] * 3
    assert result.best is None


def test_stop_ends_running_trials_as_stopped_and_keeps_finished_ones(store, experiment_id):
    trains_started = threading.Event()
    started: set[int] = set()

    def watch(event) -> None:
        for item in event.events:
            if item.get("kind") == "metrics" and "loss" in item.get("values", {}):
                started.add(event.trial_id)
                if len(started) == 2:
                    trains_started.set()

    tuner = Tuner(store, experiment_id, budget_trials=5, parallel=2, on_trial_event=watch,
                  pinned_knobs={"x": 0.3, "delay": 30.0})
    done: dict = {}
    worker = threading.Thread(target=lambda: done.setdefault("result", tuner.run()))
    worker.start()
    assert trains_started.wait(60)
    tuner.stop()
    worker.join(30)
    assert not worker.is_alive()
    result = done["result"]
    assert result.stopped
    assert [t.status for t in result.trials] == ["stopped", "stopped"]
    assert all(store.trial_metrics(t.id)["loss"] for t in result.trials)


def test_minutes_budget_stops_trials_at_the_deadline(store, experiment_id):
    result = Tuner(store, experiment_id, budget_minutes=0.03, parallel=1,
                   pinned_knobs={"x": 0.3, "delay": 30.0}).run()
    assert [t.status for t in result.trials] == ["stopped"]


def test_bad_budgets_and_pins_are_refused(store, experiment_id):
    with pytest.raises(TuningError, match="budget"):
        Tuner(store, experiment_id)
    with pytest.raises(TuningError, match="at least 1"):
        Tuner(store, experiment_id, budget_trials=0)
    with pytest.raises(TuningError, match="not in the knob config"):
        Tuner(store, experiment_id, budget_trials=1, pinned_knobs={"nope": 1}).prepare()
    with pytest.raises(TuningError, match="do not fit"):
        Tuner(store, experiment_id, budget_trials=1, pinned_knobs={"x": 7.0}).prepare()
    with pytest.raises(TuningError, match="at least 1 thread"):
        Tuner(store, experiment_id, budget_trials=1, cpu_threads=0)
    assert default_parallel() >= 1
    # the numeric libraries' threads: the cores shared out between the trials, unless given
    assert Tuner(store, experiment_id, budget_trials=1, parallel=1).cpu_threads == \
        max(1, os.cpu_count() or 1)
    assert Tuner(store, experiment_id, budget_trials=1, parallel=1, cpu_threads=1) \
        .cpu_threads == 1


# -- a trial is train -> evaluate -> dump, as Rafiki's train workers ran it ---------------------

UNSERVABLE_MODEL = Path(__file__).parent / "store_models" / "unservable_model.py"


@pytest.fixture
def unservable_experiment_id(store, tmp_path) -> int:
    train = write_image_zip(tmp_path / "train.zip", [0, 1, 0, 1])
    test = write_image_zip(tmp_path / "test.zip", [0, 1, 1])
    return store.create_experiment(
        model_file_path=str(UNSERVABLE_MODEL), model_class="UnservableModel",
        task="IMAGE_CLASSIFICATION", train_dataset_uri=str(train), test_dataset_uri=str(test),
    ).id


def stages_run(store, trial_id) -> list[str]:
    return [e["stage"] for e in store.trial_events(trial_id, kinds=["stage"])
            if e["state"] == "finished"]


def test_trials_end_after_dump_so_a_model_that_cannot_predict_is_still_compared(
        store, unservable_experiment_id):
    result = Tuner(store, unservable_experiment_id, budget_trials=3, parallel=2, seed=4).run()
    assert [t.status for t in result.trials] == ["completed"] * 3
    for trial in result.trials:
        assert trial.score == pytest.approx(1 - abs(trial.knobs["x"] - 0.5))
        assert stages_run(store, trial.id)[-3:] == ["evaluate", "dump_parameters", "destroy"]
        assert store.load_parameters(trial.id) == {"x": trial.knobs["x"]}
    assert result.best.score == max(t.score for t in result.trials)
    assert store.get_experiment(unservable_experiment_id).settings["predict_check"] == 0


def test_a_failing_predict_check_errors_the_trial_which_keeps_its_score(
        store, unservable_experiment_id):
    tuner = Tuner(store, unservable_experiment_id, budget_trials=2, parallel=2, seed=4,
                  predict_check=2)
    result = tuner.run()
    for trial in result.trials:
        assert trial.status == "errored" and trial.error["stage"] == "predict"
        assert "Expected 2D array" in trial.error["message"]
        assert trial.score == pytest.approx(1 - abs(trial.knobs["x"] - 0.5))
    assert result.best is None  # parameters that cannot serve are never the best
    scores = sorted(t.value for t in tuner.advisor.study.trials if t.value is not None)
    assert scores == sorted(t.score for t in result.trials)  # the advisor learnt the scores


def test_a_predict_check_predicts_the_first_test_samples(store, experiment_id):
    result = Tuner(store, experiment_id, budget_trials=1, parallel=1,
                   pinned_knobs={"x": 0.3, "delay": 0.0}, predict_check=1).run()
    trial = result.trials[0]
    assert trial.status == "completed"
    assert stages_run(store, trial.id)[-3:] == ["load_parameters", "predict", "ensemble"]
    predict = [e for e in store.trial_events(trial.id, kinds=["stage"])
               if e["stage"] == "predict" and e["state"] == "finished"][0]
    assert predict["info"]["queries"] == {"count": 1, "source": "test sample"}
    result_event = store.trial_events(trial.id, kinds=["result"])[0]
    assert result_event["predictions"] == [[0.5, 0.5]]


@pytest.mark.parametrize("predict_check", [-1, 1.5, True])
def test_a_bad_predict_check_is_refused(store, experiment_id, predict_check):
    with pytest.raises(TuningError, match="predict check"):
        Tuner(store, experiment_id, budget_trials=1, predict_check=predict_check)
