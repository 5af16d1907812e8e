"""The experiments gateway: what an experiment is, where runs and tunings are filed, and the
CLI going through it (real child processes, a real store)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rafiki.experiments import ExperimentIdentity, ExperimentKind, Experiments
from rafiki.runner import Run, RunSpec

from ..sdk.model_files.datasets import write_image_zip

QUICK_MODEL = Path(__file__).parent / "store_models" / "quick_model.py"


@pytest.fixture
def experiments(rafiki_home):
    with Experiments() as opened:
        yield opened


@pytest.fixture
def setup(tmp_path) -> RunSpec:
    train = write_image_zip(tmp_path / "train.zip", [0, 1, 0, 1])
    test = write_image_zip(tmp_path / "test.zip", [0, 1])
    return RunSpec(model_file_path=str(QUICK_MODEL), model_class="QuickModel",
                   task="IMAGE_CLASSIFICATION", train_dataset_uri=str(train),
                   test_dataset_uri=str(test), knobs={"x": 0.3, "delay": 0.0})


def _run(experiments: Experiments, spec: RunSpec):
    opened = experiments.open_run(spec)
    run = Run(spec, on_events=lambda batch: experiments.record(opened.trial.id, batch))
    run.start()
    return opened, experiments.finish_trial(opened.trial.id, run.wait())


def test_single_runs_share_their_setups_runs_experiment(experiments, setup):
    first, first_trial = _run(experiments, setup)
    second, second_trial = _run(experiments, RunSpec(**{**setup.__dict__, "params_path": None,
                                                        "knobs": {"x": 0.5, "delay": 0.0}}))
    assert first.experiment.id == second.experiment.id
    assert first.experiment.kind == "runs"
    assert [first_trial.number, second_trial.number] == [1, 2]
    assert first_trial.status == "completed" and first_trial.score == pytest.approx(1.0)
    assert Path(first_trial.params_path).is_file()
    assert experiments.load_parameters(first_trial.id) == {"x": 0.3}


def test_a_run_never_lands_in_a_tuning_even_of_the_same_setup(experiments, setup):
    tuning = experiments.tuning_experiment(setup, pinned={"delay": 0.0})
    unpinned = experiments.tuning_experiment(setup)
    assert tuning.id != unpinned.id and tuning.kind == unpinned.kind == "tuning"
    assert experiments.tuning_experiment(setup, pinned={"delay": 0.0}).id == tuning.id
    opened, _ = _run(experiments, setup)
    assert opened.experiment.id not in (tuning.id, unpinned.id)
    assert experiments.trials(tuning.id) == []


def test_identity_follows_contents_interpreter_and_app_mode(experiments, setup, tmp_path):
    base = ExperimentIdentity.of_spec(ExperimentKind.RUNS, setup)
    experiment = experiments.find_or_create(base)
    assert base.matches(experiment)
    for change in ({"python": sys.executable}, {"app_mode": "PROD"},
                   {"model_class": "Other"}):
        other = ExperimentIdentity.of_spec(ExperimentKind.RUNS,
                                           RunSpec(**{**setup.__dict__, **change}))
        assert not other.matches(experiment), change
    # the same path with other contents is another experiment
    write_image_zip(Path(setup.test_dataset_uri), [1, 1, 0])
    changed = ExperimentIdentity.of_spec(ExperimentKind.RUNS, setup)
    assert changed.test_sha256 != base.test_sha256
    assert experiments.find(changed) is None
    assert experiments.find_or_create(changed).id != experiment.id


def test_a_relative_dataset_path_is_the_same_setup(experiments, setup, monkeypatch):
    absolute = ExperimentIdentity.of_spec(ExperimentKind.RUNS, setup)
    monkeypatch.chdir(Path(setup.train_dataset_uri).parent)
    relative = ExperimentIdentity.of_spec(ExperimentKind.RUNS, RunSpec(**{
        **setup.__dict__, "train_dataset_uri": "train.zip", "test_dataset_uri": "test.zip"}))
    assert relative == absolute
    assert Path(relative.train_dataset_uri).is_absolute()


def test_a_tuning_asked_for_n_trials_runs_n_new_trials(experiments, setup):
    _run(experiments, setup)  # a single run of the same setup, elsewhere
    experiment = experiments.tuning_experiment(setup, pinned={"delay": 0.0})
    first = experiments.tuner(experiment.id, budget_trials=3, parallel=2, seed=3,
                              pinned_knobs={"delay": 0.0}).run()
    again = experiments.tuner(experiment.id, budget_trials=2, parallel=2, seed=3,
                              pinned_knobs={"delay": 0.0}).run()
    assert [t.number for t in first.trials] == [1, 2, 3]
    assert [t.number for t in again.trials] == [4, 5]
    assert len(experiments.trials(experiment.id)) == 5


def test_past_knobs_and_plot_axes(experiments, setup):
    _, trial = _run(experiments, setup)
    past = experiments.past_knobs(setup.model_file_path, ["x", "delay"])
    assert [entry.knobs for entry in past] == [{"x": 0.3, "delay": 0.0}]
    assert "#1 (completed, score 1)" in past[0].label
    assert experiments.past_knobs(setup.model_file_path, ["x"]) == []  # another knob config
    assert experiments.plot_axes(trial.id) == {"loss": "epoch"}


def test_cli_run_and_tune_are_filed_apart(rafiki_home, setup):
    common = [str(QUICK_MODEL), "--train", setup.train_dataset_uri, "--test",
              setup.test_dataset_uri]
    run = subprocess.run([sys.executable, "-m", "rafiki", "run", *common, "--knobs",
                          '{"x": 0.3, "delay": 0}'], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    tune = subprocess.run([sys.executable, "-m", "rafiki", "tune", *common, "--trials", "3",
                           "--parallel", "2", "--seed", "1", "--pin", '{"delay": 0}'],
                          capture_output=True, text=True)
    assert tune.returncode == 0, tune.stderr
    assert "3 trial(s)" in tune.stdout
    with Experiments() as experiments:
        listed = experiments.list()
        assert sorted(e.kind for e in listed) == ["runs", "tuning"]
        by_kind = {e.kind: e for e in listed}
        assert by_kind["runs"].trial_count == 1 and by_kind["tuning"].trial_count == 3
        assert by_kind["tuning"].settings["pinned"] == {"delay": 0}
    listed = subprocess.run([sys.executable, "-m", "rafiki", "experiments"],
                            capture_output=True, text=True)
    lines = listed.stdout.splitlines()
    assert lines[0].split()[:3] == ["ID", "created", "kind"]
    assert sorted(line.split()[3] for line in lines[1:]) == ["runs", "tuning"]
    shown = subprocess.run([sys.executable, "-m", "rafiki", "experiments", "show",
                            str(by_kind["tuning"].id)], capture_output=True, text=True)
    assert 'kind      tuning  pinned {"delay": 0}' in shown.stdout
