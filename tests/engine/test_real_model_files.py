"""Two model files written as Rafiki users write them (a scikit-learn decision tree whose
``predict`` rejects an empty batch, and a hidden Markov POS tagger) through the `rafiki`
command on the real datasets of tests/data: test-model and run without queries, tune with
trials as Rafiki's train workers ran them. Real subprocesses of this interpreter.

The floors are measured over each model's knob ranges: the tree scored 0.76-0.89 on the
digits (and got at least 7 of the first 10 test digits right), the tagger 0.82-0.90 on UD EWT
(at least 79% of the first 10 test sentences' tokens).
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from rafiki.model import dataset_utils
from rafiki.query_sample import DEFAULT_QUERY_COUNT
from rafiki.store import Store

from ..conftest import PROJECT_ROOT, SHARED_DATASETS

REAL_MODELS = PROJECT_ROOT / "tests" / "model_files" / "real"
RUN_TIMEOUT = 240  # seconds; each command took 2-15 s here


@dataclass(frozen=True)
class RealModel:
    file: Path
    model_class: str
    task: str
    train: str
    test: str
    floor: float  # lowest acceptable score


TREE = RealModel(REAL_MODELS / "sk_decision_tree.py", "SkDecisionTree", "IMAGE_CLASSIFICATION",
                 "digits_train.zip", "digits_test.zip", floor=0.7)
HMM = RealModel(REAL_MODELS / "hmm_pos_tagger.py", "HmmPosTagger", "POS_TAGGING",
                "pos_ud_ewt_train.zip", "pos_ud_ewt_test.zip", floor=0.8)
MODELS = pytest.mark.parametrize("model", [TREE, HMM], ids=["sklearn-tree", "hmm-tagger"])


def rafiki(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "RAFIKI_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "rafiki", *args], capture_output=True,
                          text=True, env=env, cwd=PROJECT_ROOT, timeout=RUN_TIMEOUT)


def datasets(model: RealModel) -> list[str]:
    return ["--train", str(SHARED_DATASETS / model.train),
            "--test", str(SHARED_DATASETS / model.test)]


def gold(model: RealModel, count: int = DEFAULT_QUERY_COUNT) -> list:
    """The true classes of the first test images, or the gold tags of the first sentences."""
    path = str(SHARED_DATASETS / model.test)
    if model is TREE:
        return dataset_utils.load_dataset_of_image_files(path).image_classes[:count].tolist()
    return [[tag for _, tag in sentence]
            for sentence in dataset_utils.load_dataset_of_corpus(path)[:count]]


def assert_sane_predictions(model: RealModel, predictions: list, share_right: float) -> None:
    """One prediction per test sample, of the task's shape, at least ``share_right`` right
    (digits by their most probable class, tags token by token)."""
    truth = gold(model, len(predictions))
    if model is TREE:
        assert all(len(p) == 10 and abs(sum(p) - 1) < 1e-6 for p in predictions)
        right = np.argmax(predictions, axis=1) == truth
    else:
        assert [len(p) for p in predictions] == [len(t) for t in truth]
        pairs = [(p, t) for ps, ts in zip(predictions, truth, strict=True)
                 for p, t in zip(ps, ts, strict=True)]
        assert all(0 <= p < 17 for p, _ in pairs)
        right = [p == t for p, t in pairs]
    assert np.mean(right) >= share_right, f"{np.mean(right):.3f} right: {predictions}"


def stored_trials(home: Path) -> tuple[Store, list]:
    store = Store(home / "store.sqlite3")
    experiment = store.list_experiments()[0]
    return store, store.trials(experiment.id)


@pytest.mark.slow
@MODELS
def test_test_model_without_queries_predicts_the_first_test_samples(model, tmp_path):
    done = rafiki("test-model", str(model.file), "--class", model.model_class,
                  "--task", model.task, *datasets(model), home=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assert "The model definition is valid!" in done.stdout
    score = float(re.search(r"^Score: (\S+)$", done.stdout, re.M).group(1))
    assert model.floor <= score <= 1.0
    assert (f"Using queries: the first {DEFAULT_QUERY_COUNT} sample(s) of the test dataset"
            in done.stdout)
    printed = re.search(r"^Predictions: (.*)$", done.stdout, re.M).group(1)
    if model is TREE:  # ten lists of ten probabilities are printed whole
        assert_sane_predictions(model, ast.literal_eval(printed), 0.6)
    else:  # long sentences are shortened with "...": the first (7 tokens, 5-7 right) is whole
        first = ast.literal_eval(re.match(r"\[(\[[^\]]*\])", printed).group(1))
        assert_sane_predictions(model, [first], 0.5)


@pytest.mark.slow
@MODELS
def test_run_without_queries_is_stored_with_its_test_sample_predictions(model, tmp_path):
    done = rafiki("run", str(model.file), *datasets(model), home=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assert f"{DEFAULT_QUERY_COUNT} queries (test sample)" in done.stdout
    printed = re.findall(r"prediction \d+: (.*)$", done.stdout, re.M)
    assert len(printed) == 5
    store, trials = stored_trials(tmp_path)
    with store:
        (trial,) = trials
        assert trial.status == "completed" and model.floor <= trial.score <= 1.0
        (result,) = store.trial_events(trial.id, kinds=["result"])
    predictions = result["predictions"]
    assert len(predictions) == DEFAULT_QUERY_COUNT
    assert_sane_predictions(model, predictions, 0.6)
    for line, prediction in zip(printed, predictions, strict=False):
        assert json.dumps(prediction).startswith(line.rstrip("…"))


@pytest.mark.slow
@MODELS
def test_tune_runs_four_trials_two_at_once_as_train_workers(model, tmp_path):
    done = rafiki("tune", str(model.file), *datasets(model), "--trials", "4", "--parallel", "2",
                  "--seed", "5", home=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assert "4 trial(s)" in done.stdout and "4 completed" in done.stdout
    best = float(re.search(r"^Best: trial \d+, score (\S+),", done.stdout, re.M).group(1))
    store, trials = stored_trials(tmp_path)
    with store:
        assert len(trials) == 4
        for trial in trials:
            assert trial.status == "completed" and model.floor <= trial.score <= 1.0
            stages = [e["stage"] for e in store.trial_events(trial.id, kinds=["stage"])
                      if e["state"] == "finished"]
            assert stages[-3:] == ["evaluate", "dump_parameters", "destroy"]
            assert Path(trial.params_path).is_file()
    assert best == pytest.approx(max(t.score for t in trials), abs=1e-4)


@pytest.mark.slow
def test_tune_with_a_predict_check_predicts_a_few_test_samples(tmp_path):
    done = rafiki("tune", str(TREE.file), *datasets(TREE), "--trials", "2", "--parallel", "2",
                  "--predict-check", "3", home=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    store, trials = stored_trials(tmp_path)
    with store:
        for trial in trials:
            assert trial.status == "completed" and TREE.floor <= trial.score <= 1.0
            predict = [e for e in store.trial_events(trial.id, kinds=["stage"])
                       if e["stage"] == "predict" and e["state"] == "finished"]
            assert predict[0]["info"]["queries"] == {"count": 3, "source": "test sample"}
            (result,) = store.trial_events(trial.id, kinds=["result"])
            assert_sane_predictions(TREE, result["predictions"], 0.6)


@pytest.mark.slow
def test_the_tree_fails_on_an_empty_batch_as_scikit_learn_does():
    """Why Predict never sends ``[]``: the estimator itself refuses it."""
    sys.path.insert(0, str(REAL_MODELS))
    try:
        from sk_decision_tree import SkDecisionTree
    finally:
        sys.path.remove(str(REAL_MODELS))
    model = SkDecisionTree(max_depth=6, criterion="gini", min_samples_leaf=1)
    model.train(str(SHARED_DATASETS / TREE.train))
    with pytest.raises(ValueError):
        model.predict([])


@pytest.mark.slow
@MODELS
def test_each_file_runs_alone_through_its_test_model_class_block(model):
    done = subprocess.run([sys.executable, str(model.file)], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, timeout=RUN_TIMEOUT)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assert "The model definition is valid!" in done.stdout
    assert "Using queries: [[" in done.stdout  # the file's own queries, given
