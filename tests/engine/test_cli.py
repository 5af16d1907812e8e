"""The `rafiki` command through real processes: exit codes, stored runs, bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rafiki.cli import main
from rafiki.cli_inference import (
    InferenceError,
    declared_dependencies,
    infer_model_class,
    model_classes_declared,
)
from rafiki.runner import RunnerState, RunOutcome
from rafiki.store import Store

from ..conftest import PROJECT_ROOT
from ..sdk.model_files.datasets import write_image_zip

QUICK_MODEL = Path(__file__).parent / "store_models" / "quick_model.py"
QUICK_KNOBS = '{"x": 0.3, "delay": 0.0}'


@pytest.fixture
def zips(tmp_path) -> tuple[str, str]:
    train = write_image_zip(tmp_path / "train.zip", [0, 1, 0, 1])
    test = write_image_zip(tmp_path / "test.zip", [0, 1])
    return str(train), str(test)


def _rafiki(*args: str, home: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "RAFIKI_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "rafiki", *args], capture_output=True,
                          text=True, env=env, cwd=PROJECT_ROOT, timeout=timeout)


def _runner_or_skip() -> None:
    if not hasattr(pytest.importorskip("rafiki.runner"), "Run"):
        pytest.skip("the runner has not landed yet")


# -- bad input: exit 2, argparse style --------------------------------------------------------

@pytest.mark.parametrize(("extra", "message"), [
    (["--knobs", "{x: 1}"], "--knobs: not valid JSON"),
    (["--knobs", "[1, 2]"], "expected a JSON object"),
    (["--task", "SPEECH"], "unknown task 'SPEECH'"),
    (["--queries", "/no/such/queries.json"], "queries file /no/such/queries.json: no such"),
])
def test_bad_input_exits_2_with_the_reason(zips, capsys, rafiki_home, extra, message):
    train, test = zips
    with pytest.raises(SystemExit) as exited:
        main(["run", str(QUICK_MODEL), "--train", train, "--test", test, *extra])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("command", ["run", "test-model"])
def test_query_options_are_checked_and_exclusive(zips, capsys, rafiki_home, tmp_path, command):
    train, test = zips
    queries = tmp_path / "queries.json"
    queries.write_text("[[[0, 255], [255, 0]]]")
    empty = tmp_path / "empty.json"
    empty.write_text("[]")
    base = [command, str(QUICK_MODEL), "--class", "QuickModel", "--task",
            "IMAGE_CLASSIFICATION", "--train", train, "--test", test]
    for extra, message in [
        (["--queries", str(queries), "--queries-from-test", "3"],
         "--queries-from-test: not allowed with argument --queries"),
        (["--queries-from-test", "0"], "--queries-from-test must be at least 1, not 0"),
        (["--queries", str(empty)], "the list is empty; leave --queries out"),
    ]:
        with pytest.raises(SystemExit) as exited:
            main([*base, *extra])
        assert exited.value.code == 2
        assert message in capsys.readouterr().err


def test_tune_predict_check_must_not_be_negative(zips, capsys, rafiki_home):
    train, test = zips
    with pytest.raises(SystemExit) as exited:
        main(["tune", str(QUICK_MODEL), "--train", train, "--test", test,
              "--predict-check", "-1"])
    assert exited.value.code == 2
    assert "--predict-check must be 0 (off) or more, not -1" in capsys.readouterr().err


def test_missing_files_exit_2(zips, capsys, rafiki_home, tmp_path):
    train, test = zips
    for argv, message in [
        (["run", str(tmp_path / "nope.py"), "--train", train, "--test", test], "model file"),
        (["tune", str(QUICK_MODEL), "--train", str(tmp_path / "t.zip"), "--test", test],
         "training dataset"),
        (["test-model", str(QUICK_MODEL), "--class", "QuickModel", "--task",
          "IMAGE_CLASSIFICATION", "--train", train, "--test", str(tmp_path / "x.zip")],
         "test dataset"),
        (["run", str(QUICK_MODEL), "--train", train, "--test", test, "--python",
          str(tmp_path / "python9")], "interpreter"),
    ]:
        with pytest.raises(SystemExit) as exited:
            main(argv)
        assert exited.value.code == 2
        assert message in capsys.readouterr().err


def test_task_inferred_from_the_dataset_or_refused(tmp_path, capsys, rafiki_home):
    not_a_zip = tmp_path / "data.zip"
    not_a_zip.write_text("plain text")
    with pytest.raises(SystemExit) as exited:
        main(["run", str(QUICK_MODEL), "--train", str(not_a_zip), "--test", str(not_a_zip)])
    assert exited.value.code == 2
    assert "cannot tell the task" in capsys.readouterr().err


def test_model_class_inference_from_the_syntax_tree(tmp_path):
    source = (
        "from rafiki.model import BaseModel\nimport rafiki.model as rm\n"
        "class Helper: pass\nclass A(BaseModel): pass\nclass B(A): pass\n"
        "class C(rm.BaseModel): pass\n"
    )
    assert model_classes_declared(source) == ["A", "B", "C"]
    assert infer_model_class(str(QUICK_MODEL)) == "QuickModel"
    several = tmp_path / "several.py"
    several.write_text(source)
    with pytest.raises(InferenceError, match="several model classes"):
        infer_model_class(str(several))
    none = tmp_path / "none.py"
    none.write_text("x = 1\n")
    with pytest.raises(InferenceError, match="no class extending BaseModel"):
        infer_model_class(str(none))
    broken = tmp_path / "broken.py"
    broken.write_text("class (:\n")
    with pytest.raises(InferenceError, match="line 1: syntax error"):
        infer_model_class(str(broken))


def test_dependencies_read_from_the_test_model_class_call(tmp_path):
    model = tmp_path / "deps.py"
    model.write_text(
        "from rafiki.constants import ModelDependency\n"
        "if __name__ == '__main__':\n"
        "    test_model_class(model_file_path=__file__, dependencies={\n"
        "        ModelDependency.SCIKIT_LEARN: '1.3.0', 'numpy': '1.26'})\n"
    )
    assert declared_dependencies(str(model)) == {"scikit-learn": "1.3.0", "numpy": "1.26"}
    assert declared_dependencies(str(QUICK_MODEL)) == {}


# -- test-model: in process ---------------------------------------------------------------------

def test_test_model_succeeds_and_fails_with_exit_codes(zips, tmp_path):
    train, test = zips
    queries = tmp_path / "queries.json"
    queries.write_text("[[[0, 255], [255, 0]]]")
    base = ["test-model", str(QUICK_MODEL), "--class", "QuickModel", "--task",
            "IMAGE_CLASSIFICATION", "--train", train, "--test", test]
    done = _rafiki(*base, "--knobs", QUICK_KNOBS, "--queries", str(queries), home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "valid" in done.stdout
    failed = _rafiki(*base, "--knobs", '{"x": 0.95, "delay": 0.0}', home=tmp_path)
    assert failed.returncode == 1
    assert "Train" in failed.stderr and "too large" in failed.stderr


def test_test_model_without_queries_predicts_test_samples(zips, tmp_path):
    train, test = zips
    base = ["test-model", str(QUICK_MODEL), "--class", "QuickModel", "--task",
            "IMAGE_CLASSIFICATION", "--train", train, "--test", test, "--knobs", QUICK_KNOBS]
    done = _rafiki(*base, home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"Using queries: the first 2 sample(s) of the test dataset {test}" in done.stdout
    assert "Predictions: [[0.5, 0.5], [0.5, 0.5]]" in done.stdout
    one = _rafiki(*base, "--queries-from-test", "1", home=tmp_path)
    assert one.returncode == 0, one.stderr
    assert "Predictions: [[0.5, 0.5]]" in one.stdout


# -- experiments ------------------------------------------------------------------------------

def test_experiments_list_and_show(tmp_path, zips, capsys, rafiki_home):
    main(["experiments"])
    assert "No experiments yet" in capsys.readouterr().out
    train, test = zips
    with Store() as store:
        experiment = store.create_experiment(
            model_file_path=str(QUICK_MODEL), model_class="QuickModel",
            task="IMAGE_CLASSIFICATION", train_dataset_uri=train, test_dataset_uri=test)
        trial = store.start_trial(experiment.id, {"x": 0.3})
        store.record_events(trial.id, [{"kind": "result", "time": 1.0, "score": 0.25}])
        store.finish_trial(trial.id, RunOutcome(RunnerState.COMPLETED, {"score": 0.25}, None,
                                                0, None, None, [], 1.0))
        errored = store.start_trial(experiment.id, {"x": 0.9})
        store.record_events(errored.id, [{
            "kind": "stage", "time": 1.0, "stage": "train", "state": "failed", "duration": 0.1,
            "error": {"stage": "train", "type": "ValueError", "message": "boom"}}])
    assert main(["experiments"]) == 0
    listed = capsys.readouterr().out
    assert "QuickModel" in listed and "0.2500" in listed
    assert main(["experiments", "show", str(experiment.id)]) == 0
    shown = capsys.readouterr().out
    assert shown.index("0.2500") < shown.index("stage 'Train' failed: ValueError: boom")
    with pytest.raises(SystemExit) as exited:
        main(["experiments", "show", "999"])
    assert exited.value.code == 2


# -- run and tune: isolated in child processes --------------------------------------------------

def test_run_succeeds_is_stored_and_prints_progress(zips, tmp_path):
    _runner_or_skip()
    train, test = zips
    done = _rafiki("run", str(QUICK_MODEL), "--train", train, "--test", test,
                   "--knobs", QUICK_KNOBS, home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Train" in done.stdout and "Score 1.0000" in done.stdout
    assert "hello from train" in done.stdout and "trained" in done.stdout
    with Store(tmp_path / "store.sqlite3") as store:
        experiment = store.list_experiments()[0]
        assert (experiment.model_class, experiment.task) == ("QuickModel", "IMAGE_CLASSIFICATION")
        trial = store.trials(experiment.id)[0]
        assert trial.status == "completed" and trial.score == 1.0
        assert store.load_parameters(trial.id) == {"x": 0.3}
    assert "Predict" in done.stdout and "2 queries (test sample)" in done.stdout
    assert "2 prediction(s)" in done.stdout


def test_run_json_lines_and_a_model_error_exit_1(zips, tmp_path):
    _runner_or_skip()
    train, test = zips
    done = _rafiki("run", str(QUICK_MODEL), "--train", train, "--test", test, "--json",
                   "--knobs", '{"x": 0.95, "delay": 0.0}', home=tmp_path)
    assert done.returncode == 1
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert any(e["kind"] == "stage" and e["state"] == "failed" for e in lines)
    assert lines[-1]["kind"] == "outcome" and lines[-1]["exit_code"] == 1
    assert lines[-1]["error"]["stage"] == "train"

    readable = _rafiki("run", str(QUICK_MODEL), "--train", train, "--test", test,
                       "--knobs", '{"x": 0.95, "delay": 0.0}', home=tmp_path)
    assert readable.returncode == 1
    last = readable.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and "stage 'Train' failed" in last and "too large" in last


def test_run_timeout_exits_124(zips, tmp_path):
    _runner_or_skip()
    train, test = zips
    done = _rafiki("run", str(QUICK_MODEL), "--train", train, "--test", test, "--timeout", "2",
                   "--knobs", '{"x": 0.3, "delay": 30.0}', home=tmp_path)
    assert done.returncode == 124, done.stderr
    with Store(tmp_path / "store.sqlite3") as store:
        trial = store.trials(store.list_experiments()[0].id)[0]
        assert trial.status == "errored" and trial.runner_state == "timed_out"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a process is POSIX")
def test_ctrl_c_stops_the_child_and_exits_130(zips, tmp_path):
    _runner_or_skip()
    train, test = zips
    env = {**os.environ, "RAFIKI_HOME": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "rafiki", "run", str(QUICK_MODEL), "--train", train, "--test",
         test, "--knobs", '{"x": 0.3, "delay": 30.0}'],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=PROJECT_ROOT)
    try:
        for line in process.stdout:
            if "hello from train" in line:
                break
        process.send_signal(signal.SIGINT)
        stages, err = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 130, err
    with Store(tmp_path / "store.sqlite3") as store:
        experiment_id = store.list_experiments()[0].id
        trial = store.trials(experiment_id)[0]
        assert trial.status == "stopped"
    # a user's stop is neutral: never "failed", in the stage table or the stored record
    assert "failed" not in stages + err
    shown = _rafiki("experiments", "show", str(experiment_id), home=tmp_path).stdout
    assert "stopped during stage 'Train'" in shown and "failed" not in shown


def test_experiments_cuts_long_names_with_an_ellipsis(tmp_path, zips):
    train, test = zips
    with Store(tmp_path / "store.sqlite3") as store:
        store.create_experiment(
            model_file_path=str(QUICK_MODEL), model_class="QuickModelWithAVeryLongName",
            task="IMAGE_CLASSIFICATION", train_dataset_uri=train, test_dataset_uri=test,
            name="crash_in_train (runs of a long name)")
    listed = _rafiki("experiments", home=tmp_path).stdout
    assert "crash_in_train (run…" in listed and "QuickModelWithAVery…" in listed
    assert "IMAGE_CLASSIFICATION " in listed  # 20 characters: not cut


def test_tune_prints_a_table_and_the_best(zips, tmp_path):
    _runner_or_skip()
    train, test = zips
    done = _rafiki("tune", str(QUICK_MODEL), "--train", train, "--test", test, "--trials", "3",
                   "--parallel", "2", "--seed", "3", "--pin", '{"delay": 0.0}', home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Best: trial" in done.stdout and "rafiki experiments show 1" in done.stdout
    rows = [line for line in done.stdout.splitlines() if line[:4].strip().isdigit()]
    assert len(rows) == 3
    time.sleep(0)  # the store was closed by the command; it opens cleanly
    with Store(tmp_path / "store.sqlite3") as store:
        assert store.get_experiment(1).trial_count == 3
