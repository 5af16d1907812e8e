"""Pruning, samplers and warm start through the real tuning loop (child processes, a store)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rafiki.advisor import Advisor
from rafiki.model.knob import CategoricalKnob, FixedKnob, FloatKnob, IntegerKnob
from rafiki.pruning import (
    DEFAULT_PRUNER,
    PRUNER_NAMES,
    MetricFollower,
    PruningSettings,
    make_pruner,
    most_steps_of,
)
from rafiki.samplers import SAMPLERS
from rafiki.store import Store
from rafiki.tuning import Tuner, TuningError

from ..sdk.model_files.datasets import write_image_zip

STORE_MODELS = Path(__file__).parent / "store_models"


@pytest.fixture
def store(rafiki_home):
    with Store() as opened:
        yield opened


@pytest.fixture
def datasets(tmp_path) -> tuple[str, str]:
    return (str(write_image_zip(tmp_path / "train.zip", [0, 1, 0, 1])),
            str(write_image_zip(tmp_path / "test.zip", [0, 1])))


def _experiment(store: Store, datasets, model: str, model_class: str) -> int:
    return store.create_experiment(
        model_file_path=str(STORE_MODELS / model), model_class=model_class,
        task="IMAGE_CLASSIFICATION", train_dataset_uri=datasets[0],
        test_dataset_uri=datasets[1]).id


def _stored_trial(store: Store, experiment_id: int, knobs: dict, score: float,
                  curve: list[float] = ()) -> None:
    """A completed trial as a finished tuning leaves it: its val_accuracy per epoch, its score."""
    trial = store.start_trial(experiment_id, knobs)
    store.record_events(trial.id, [
        {"kind": "metrics", "time": 1.0 + epoch, "values": {"val_accuracy": value,
                                                            "epoch": epoch}}
        for epoch, value in enumerate(curve)] + [
        {"kind": "stage", "time": 20.0, "stage": "evaluate", "state": "finished",
         "info": {"score": score}}])
    store.finish_trial(trial.id, _Completed({"score": score}))


@pytest.mark.slow
def test_a_trial_behind_the_median_is_pruned_with_its_points_kept(store, datasets):
    experiment_id = _experiment(store, datasets, "curve_model.py", "CurveModel")
    pins = {"x": 0.1, "delay": 0.5, "epochs": 10}
    for _ in range(5):  # earlier trials of these knobs that, that time, learnt far better
        _stored_trial(store, experiment_id, pins, 0.9, [0.9 * (1 - 0.5 ** (e + 1))
                                                        for e in range(10)])
    pruning = PruningSettings(metric="val_accuracy", pruner="median", step="epoch")
    # Resumed, the tuning knows the stored curves: the poor ones are stopped at their 4th
    # epoch (the median pruner's warm-up), long before their 10 epochs of 0.5 s.
    poor = Tuner(store, experiment_id, budget_trials=2, parallel=2, seed=0, pruning=pruning,
                 pinned_knobs=pins).run()
    assert [t.status for t in poor.trials] == ["pruned", "pruned"]
    for trial in poor.trials:
        assert trial.pruned["metric"] == "val_accuracy"
        assert trial.pruned["step"] == 3 and trial.pruned["step_name"] == "epoch"
        assert trial.pruned["value"] == pytest.approx(0.1 * (1 - 0.5 ** 4))
        assert trial.pruned["full_length"] == 10  # the "epochs" knob
        assert trial.score is None and trial.error is None
        points = store.trial_metrics(trial.id)["val_accuracy"]
        assert points[:4] == pytest.approx([0.05, 0.075, 0.0875, 0.09375])  # events kept
        assert len(points) < 10
    assert poor.compute.pruned == 2
    assert poor.compute.seconds_saved > 0
    assert store.best_trial(experiment_id).number <= 5


@pytest.mark.slow
def test_a_trial_is_never_pruned_at_its_last_epoch(store, datasets):
    # The median pruner judges from the 4th epoch (step 3) on: a poor 5-epoch trial is stopped
    # there, but a poor 4-epoch trial has finished training by then, and stopping it would only
    # skip its evaluate and dump and lose its score, so it completes.
    pruning = PruningSettings(metric="val_accuracy", pruner="median", step="epoch")
    outcomes = {}
    for epochs in (5, 4):
        experiment_id = _experiment(store, datasets, "curve_model.py", "CurveModel")
        pins = {"delay": 0.4, "epochs": epochs}  # time enough to stop it mid-training
        for _ in range(5):  # the best curve there can be: any new trial is behind it
            _stored_trial(store, experiment_id, {**pins, "x": 1.0}, 1.0,
                          [1 - 0.5 ** (e + 1) for e in range(epochs)])
        poor = Tuner(store, experiment_id, budget_trials=1, parallel=1, seed=0,
                     pruning=pruning, pinned_knobs=pins).run()
        outcomes[epochs] = [(t.status, (t.pruned or {}).get("step"), t.score)
                            for t in poor.trials]
    assert outcomes[5] == [("pruned", 3, None)]
    assert outcomes[4][0][:2] == ("completed", None) and outcomes[4][0][2] < 1.0


@pytest.mark.slow
def test_a_pruner_that_never_prunes_gives_the_same_trials_as_none(store, datasets):
    # Every trial logs the same loss curve, so the median pruner never finds one behind (it
    # judges from the 6th trial on, after its 5 startup trials).
    plain = _experiment(store, datasets, "quick_model.py", "QuickModel")
    followed = _experiment(store, datasets, "quick_model.py", "QuickModel")
    pins = {"delay": 0.0}
    without = Tuner(store, plain, budget_trials=6, parallel=1, seed=3, pinned_knobs=pins).run()
    with_pruner = Tuner(store, followed, budget_trials=6, parallel=1, seed=3, pinned_knobs=pins,
                        pruning=PruningSettings(metric="loss", pruner="median")).run()
    assert [(t.knobs, t.status, t.score) for t in with_pruner.trials] == \
        [(t.knobs, t.status, t.score) for t in without.trials]
    assert with_pruner.compute.pruned == 0


def test_warm_start_tells_the_sampler_the_earlier_trials_that_fit(store, datasets):
    earlier = _experiment(store, datasets, "quick_model.py", "QuickModel")
    for x, score in ((0.1, 0.96), (0.3, 1.0), (2.0, 0.5)):  # 2.0 does not fit the knob config
        _stored_trial(store, earlier, {"x": x, "delay": 0.0}, score)
    now = _experiment(store, datasets, "quick_model.py", "QuickModel")
    tuner = Tuner(store, now, budget_trials=1, seed=0, warm_start=[earlier])
    advisor = tuner.prepare()
    told = [(t.params["x"], t.value) for t in advisor.study.trials]
    assert told == [(0.1, 0.96), (0.3, 1.0)]
    assert tuner.warm_started == 2
    assert store.get_experiment(now).settings["warm_start"] == [earlier]

    with pytest.raises(TuningError, match="no experiment 999"):
        Tuner(store, now, budget_trials=1, warm_start=[999]).prepare()


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_sampler_names_reach_optuna_as_asked(name):
    import optuna

    if name == "cmaes":
        pytest.importorskip("cmaes", reason="the cmaes sampler's optional package")
    knobs = {"lr": FloatKnob(1e-4, 1.0, is_exp=True), "units": IntegerKnob(8, 64),
             "act": CategoricalKnob(["relu", "tanh"])}
    advisor = Advisor(knobs, seed=0, sampler=name)
    sampler = advisor.study.sampler
    expected = {"random": optuna.samplers.RandomSampler, "cmaes": optuna.samplers.CmaEsSampler}
    if name in expected:
        assert isinstance(sampler, expected[name])
    elif name.startswith("qmc"):
        assert isinstance(sampler._first, optuna.samplers.QMCSampler)
        assert isinstance(sampler._later, optuna.samplers.TPESampler)
    else:
        assert isinstance(sampler, optuna.samplers.TPESampler)
        assert sampler._n_startup_trials == (5 if "5-startup" in name else 10)
        assert sampler._multivariate == {"tpe-defaults": None, "tpe-independent": False}.get(
            name.removesuffix("-5-startup"), "independent" not in name)
    for _ in range(12):  # every sampler proposes knobs that fit, past its startup trials
        proposal = advisor.ask()
        assert 1e-4 <= proposal.knobs["lr"] <= 1.0 and proposal.knobs["act"] in ("relu", "tanh")
        advisor.tell(proposal, proposal.knobs["lr"])


def test_an_unknown_sampler_is_refused(store, datasets):
    experiment_id = _experiment(store, datasets, "quick_model.py", "QuickModel")
    with pytest.raises(TuningError, match="Unknown sampler 'tpe2'"):
        Tuner(store, experiment_id, budget_trials=1, sampler="tpe2")


def test_the_follower_reads_steps_from_the_events_and_negates_a_loss():
    follower = MetricFollower(PruningSettings(metric="loss", step="epoch"))
    batch = [{"kind": "stage", "stage": "train", "state": "started", "time": 10.0},
             {"kind": "metrics", "time": 11.0, "values": {"loss": 0.9, "epoch": 0}},
             {"kind": "metrics", "time": 11.5, "values": {"accuracy": 0.3}},
             {"kind": "metrics", "time": 12.0, "values": {"loss": 0.8, "epoch": 1.0}},
             {"kind": "metrics", "time": 12.5, "values": {"loss": 0.85, "epoch": 1}},
             {"kind": "metrics", "time": 13.0, "values": {"loss": 0.7, "epoch": 2.5}}]
    assert follower.feed(batch) == [(0, 0.9), (1, 0.8)]
    assert follower.reported(0.8) == -0.8  # lower is better: the study maximizes
    by_point = MetricFollower(PruningSettings(metric="accuracy", step="point"))
    assert by_point.feed(batch) == [(0, 0.3)] and by_point.reported(0.3) == 0.3


def test_the_default_pruner_runs_up_to_the_longest_the_step_knob_allows():
    import optuna

    epochs = PruningSettings(metric="val_accuracy", step="epoch")
    assert epochs.pruner == DEFAULT_PRUNER == "hyperband"
    config = {"epochs": IntegerKnob(5, 60), "lr": FloatKnob(1e-3, 0.3, is_exp=True)}
    assert most_steps_of(epochs, config) == 60
    assert most_steps_of(epochs, {"num_epochs": FixedKnob(12)}) == 12  # pinned
    assert most_steps_of(epochs, {"lr": FloatKnob(1e-3, 0.3)}) is None  # no knob says it
    assert most_steps_of(PruningSettings(metric="loss", step="point"), config) is None
    pruner = make_pruner(DEFAULT_PRUNER, 60)
    assert isinstance(pruner, optuna.pruners.HyperbandPruner)
    assert pruner._max_resource == 60  # not Optuna's "auto": the first trial's random length
    assert make_pruner(DEFAULT_PRUNER, None)._max_resource == "auto"
    for name in PRUNER_NAMES:  # every name the CLI and the tuning tab offer still makes one
        assert make_pruner(name, 60) is not None


def test_hyperband_prunes_the_same_trials_in_two_tunings_of_the_same_seed():
    # Hyperband puts each trial in a bracket by a hash of the study's name: the advisor's study
    # has a fixed name, so the same seed and the same curves give the same decisions
    def decisions() -> list[int | None]:
        advisor = Advisor({"x": FloatKnob(0.0, 1.0)}, seed=3, pruner=make_pruner("hyperband", 9))
        stopped = []
        for _ in range(24):
            proposal = advisor.ask()
            x = proposal.knobs["x"]
            at = next((step for step in range(9)
                       if proposal.report(step, x * (1 - 0.5 ** (step + 1)))), None)
            if at is None:
                advisor.tell(proposal, x)
            else:
                advisor.tell_pruned(proposal)
            stopped.append(at)
        return stopped

    first = decisions()
    assert any(at is not None for at in first)
    assert decisions() == first


class _Completed:
    state = "COMPLETED"
    error = None
    exit_code = 0
    signal = None
    crash_report = None

    def __init__(self, result):
        self.result = result


def test_the_command_line_refuses_a_pruner_without_a_metric(datasets, capsys, rafiki_home):
    from rafiki.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["tune", str(STORE_MODELS / "curve_model.py"), "--train", datasets[0],
              "--test", datasets[1], "--pruner", "hyperband"])
    assert exited.value.code == 2
    assert "--pruner hyperband needs --prune-metric" in capsys.readouterr().err


@pytest.mark.slow
def test_the_command_line_tunes_with_a_sampler_a_pruner_and_a_warm_start(datasets, tmp_path):
    import os
    import subprocess
    import sys

    from ..conftest import PROJECT_ROOT

    def rafiki(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "rafiki", *args], capture_output=True, text=True,
            env={**os.environ, "RAFIKI_HOME": str(tmp_path)}, cwd=PROJECT_ROOT, timeout=300)

    tune = ["tune", str(STORE_MODELS / "curve_model.py"), "--train", datasets[0],
            "--test", datasets[1], "--trials", "2", "--parallel", "2", "--seed", "1",
            "--sampler", "random", "--prune-metric", "val_accuracy", "--pruner", "median"]
    first = rafiki(*tune, "--pin", '{"x": 0.9, "delay": 0.0, "epochs": 3}')
    assert first.returncode == 0, first.stderr
    assert "Sampler random; pruner median on val_accuracy (higher is better) per epoch" \
        in first.stdout
    assert "Compute: " in first.stdout and "trial-seconds" in first.stdout
    second = rafiki(*tune, "--pin", '{"delay": 0.0, "epochs": 3}', "--warm-start", "1")
    assert second.returncode == 0, second.stderr
    assert "warm start: 2 trial(s) of experiment(s) 1 told first" in second.stdout
    shown = rafiki("experiments", "show", "2")
    assert "sampler random, pruner median on val_accuracy (step epoch), warm start from 1" \
        in shown.stdout
