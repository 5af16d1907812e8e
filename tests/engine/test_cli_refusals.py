"""`rafiki run`, `tune` and `test-model` refuse what the window refuses, before anything is
stored: exit 2 with one line naming the file, the line or the knob, and the cause (real
processes, a fresh RAFIKI_HOME each)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from rafiki.store import Store

from ..conftest import PROJECT_ROOT
from ..sdk.model_files.datasets import write_corpus_zip, write_image_zip

QUICK_MODEL = Path(__file__).parent / "store_models" / "quick_model.py"
REAL_DIR = PROJECT_ROOT / "tests" / "model_files" / "real"
DATA_DIR = PROJECT_ROOT / "tests" / "data"


def _rafiki(*args: str, home: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "RAFIKI_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "rafiki", *args], capture_output=True,
                          text=True, env=env, cwd=PROJECT_ROOT, timeout=timeout)


def _stored_experiments(home: Path) -> int:
    path = home / "store.sqlite3"
    if not path.exists():
        return 0
    with Store(path) as store:
        return len(store.list_experiments())


def _errors(done: subprocess.CompletedProcess) -> list[str]:
    return [line for line in done.stderr.splitlines() if line.startswith("error: ")]


@pytest.fixture
def zips(tmp_path) -> dict[str, str]:
    good = write_image_zip(tmp_path / "good.zip", [0, 1])
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(broken, "w") as archive:
        for name in source.namelist():
            if name != "images.csv":
                archive.writestr(name, source.read(name))
        # line 4 names an image the zip lacks
        archive.writestr("images.csv", "path,class\nimages/0.png,0\nimages/1.png,1\n"
                                       "missing.png,0\n")
    return {
        "train": str(write_image_zip(tmp_path / "train.zip", [0, 1, 0, 1])),
        "test": str(write_image_zip(tmp_path / "test.zip", [0, 1])),
        "corpus": str(write_corpus_zip(tmp_path / "corpus.zip", [[("a", 0), ("b", 1)]])),
        "broken": str(broken),
    }


@pytest.mark.parametrize(("command", "train", "test", "names"), [
    ("run", "train", "corpus", ["test dataset", "corpus.zip", "CORPUS"]),
    ("run", "broken", "test", ["train dataset", "broken.zip", "line 4", "missing.png"]),
    ("tune", "train", "corpus", ["test dataset", "corpus.zip", "CORPUS"]),
    ("test-model", "broken", "test", ["train dataset", "broken.zip", "line 4"]),
])
def test_a_dataset_that_misfits_exits_2_and_stores_nothing(zips, tmp_path, command, train,
                                                           test, names):
    argv = [command, str(QUICK_MODEL), "--train", zips[train], "--test", zips[test]]
    if command == "test-model":
        argv += ["--class", "QuickModel", "--task", "IMAGE_CLASSIFICATION"]
    if command == "tune":
        argv += ["--trials", "1"]
    done = _rafiki(*argv, home=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    (line,) = _errors(done)
    assert all(name in line for name in names), line
    assert _stored_experiments(tmp_path) == 0


def test_the_model_files_task_is_checked_before_the_datasets_type(tmp_path):
    """An image model given a corpus to train on is refused, not filed as POS_TAGGING."""
    done = _rafiki("run", str(REAL_DIR / "sk_decision_tree.py"),
                   "--train", str(DATA_DIR / "pos_ud_ewt_train.zip"),
                   "--test", str(DATA_DIR / "digits_test.zip"), home=tmp_path)
    assert done.returncode == 2, done.stderr
    (line,) = _errors(done)
    assert "pos_ud_ewt_train.zip" in line and "IMAGE_CLASSIFICATION" in line
    assert _stored_experiments(tmp_path) == 0


@pytest.mark.parametrize(("knobs", "named"), [
    ('{"x": 5, "delay": 0.0}', "knob 'x': 5 is outside"),
    ('{"xx": 0.3, "delay": 0.0}', "unknown knob 'xx'"),
])
def test_knobs_that_misfit_the_config_exit_2_and_store_nothing(zips, tmp_path, knobs, named):
    done = _rafiki("run", str(QUICK_MODEL), "--train", zips["train"], "--test", zips["test"],
                   "--knobs", knobs, home=tmp_path)
    assert done.returncode == 2, done.stderr
    assert any(named in line and "--knobs" in line for line in _errors(done)), done.stderr
    assert _stored_experiments(tmp_path) == 0


def test_a_pin_out_of_range_exits_2(zips, tmp_path):
    done = _rafiki("tune", str(QUICK_MODEL), "--train", zips["train"], "--test", zips["test"],
                   "--trials", "1", "--pin", '{"delay": 100}', home=tmp_path)
    assert done.returncode == 2, done.stderr
    (line,) = _errors(done)
    assert "--pin" in line and "knob 'delay'" in line
    assert _stored_experiments(tmp_path) == 0


@pytest.mark.parametrize("command", ["run", "test-model"])
def test_a_syntax_error_is_bad_input_for_both_commands(zips, tmp_path, command):
    model = tmp_path / "broken_model.py"
    model.write_text(QUICK_MODEL.read_text() + "\ndef oops(:\n    pass\n")
    argv = [command, str(model), "--train", zips["train"], "--test", zips["test"]]
    if command == "test-model":
        argv += ["--class", "QuickModel", "--task", "IMAGE_CLASSIFICATION"]
    done = _rafiki(*argv, home=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "syntax error" in done.stderr and "broken_model.py" in done.stderr


@pytest.mark.parametrize(("path", "model_class"), [
    (REAL_DIR / "sk_decision_tree.py", "SkDecisionTree"),
    (REAL_DIR / "hmm_pos_tagger.py", "HmmPosTagger"),
    (QUICK_MODEL, "QuickModel"),
])
def test_the_static_knob_config_is_the_one_the_loaded_class_gives(path, model_class):
    from rafiki.knob_config_statics import static_knob_config
    from rafiki.model.knob import serialize_knob_config
    from rafiki.runner import inspect_model_file

    static = static_knob_config(str(path), model_class)
    assert static is not None
    assert serialize_knob_config(static) == inspect_model_file(str(path)).classes[model_class]


def test_a_knob_config_not_plain_enough_is_not_guessed(tmp_path):
    from rafiki.knob_config_statics import static_knob_config

    computed = tmp_path / "computed.py"
    computed.write_text(QUICK_MODEL.read_text().replace(
        'FloatKnob(0.0, 1.0)', 'FloatKnob(0.0, LIMIT)'))
    rebound = tmp_path / "rebound.py"
    rebound.write_text(QUICK_MODEL.read_text() + "\nFloatKnob = dict\n")
    assert static_knob_config(str(computed), "QuickModel") is None
    assert static_knob_config(str(rebound), "QuickModel") is None
    assert static_knob_config(str(QUICK_MODEL), "OtherModel") is None
