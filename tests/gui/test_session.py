"""The Session alone: what an inspection pre-fills, which knobs survive a class switch, and
why a run is refused."""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import pytest

from rafiki.model.knob import CategoricalKnob, IntegerKnob, serialize_knob_config
from rafiki_gui.session import RunRefused
from rafiki_gui.settings import add_recent_file, recent_files

MNIST_ZEROS = [[0] * 28 for _ in range(28)]
"""A query as Rafiki's MNIST examples write them: one 28×28 image."""


def _inspection(classes: dict, statics: dict | None = None, error: dict | None = None):
    """An inspection record shaped as rafiki.runner.inspect_model_file returns it."""
    return SimpleNamespace(classes={name: serialize_knob_config(config)
                                    for name, config in classes.items()},
                           statics=statics or {}, error=error)


def test_statics_prefill_datasets_queries_dependencies_and_class(session, tmp_path, qtbot,
                                                                shared_dataset):
    model = tmp_path / "model.py"
    model.write_text("")
    (tmp_path / "data").mkdir()
    for name in ("train.zip", "test.zip"):
        shutil.copy(shared_dataset(f"digits_{name}"), tmp_path / "data" / name)
    session.set_model_path(str(model))
    session.set_inspection(_inspection(
        {"A": {"k": IntegerKnob(1, 3)}, "B": {"j": CategoricalKnob(["x", "y"])}},
        statics={"task": "IMAGE_CLASSIFICATION", "train_dataset_uri": "data/train.zip",
                 "test_dataset_uri": "data/test.zip", "queries": [MNIST_ZEROS],
                 "dependencies": {"numpy": "1.26"}, "model_class": "B"}))
    assert session.train_path == str(tmp_path / "data" / "train.zip")
    assert session.test_path == str(tmp_path / "data" / "test.zip")
    assert session.task == "IMAGE_CLASSIFICATION"
    assert session.queries_choice.file_queries == [MNIST_ZEROS]
    assert session.dependencies == {"numpy": "1.26"}
    assert session.model_class == "B" and session.knobs == {"j": "x"}
    assert session.run_problems() == ["the train dataset is still being read",
                                      "the test dataset is still being read"]
    qtbot.waitUntil(lambda: not session.dataset_reading(), timeout=30_000)
    assert session.run_problems() == []
    # the file's one 28×28 query does not fit 8×8 digits: not chosen, and not offered
    assert session.queries_choice.source == "test"
    assert session.describe_queries() == "the first 10 samples of test.zip"
    assert session.file_queries_problem() == ("the query is an image of 28×28 px, but "
                                              "test.zip's images are 8×8 px")


def test_chosen_datasets_are_not_overwritten_by_statics(session, tmp_path):
    mine = tmp_path / "mine.zip"
    mine.write_bytes(b"")
    (tmp_path / "theirs.zip").write_bytes(b"")
    session.set_train_path(str(mine))
    session.set_model_path(str(tmp_path / "model.py"))
    session.set_inspection(_inspection({"A": {}}, {"train_dataset_uri": "theirs.zip"}))
    assert session.train_path == str(mine)


def test_switching_class_keeps_valid_shared_knobs(session, qtbot):
    session.set_model_path("/models/m.py")
    session.set_inspection(_inspection({"A": {"epochs": IntegerKnob(1, 10)},
                                        "B": {"epochs": IntegerKnob(1, 5),
                                              "depth": IntegerKnob(1, 3)}}))
    session.set_knobs({"epochs": 4})
    with qtbot.waitSignal(session.sig_knobs_changed) as changed:
        session.set_model_class("B")
    assert changed.args[0] == {"epochs": 4, "depth": 2}
    session.set_model_class("A")
    session.set_knobs({"epochs": 9})
    session.set_model_class("B")
    assert session.knobs["epochs"] == 3  # 9 does not fit B: its default instead
    with pytest.raises(ValueError, match="'C' is not a model class of /models/m.py"):
        session.set_model_class("C")


def test_a_file_that_failed_to_load_refuses_the_run_with_its_error(session):
    session.set_model_path("/models/broken.py")
    session.set_inspection(_inspection({}, error={"type": "SyntaxError",
                                                  "message": "expected ':'"}))
    session.set_train_path("/d/train.zip")
    session.set_test_path("/d/test.zip")
    with pytest.raises(RunRefused) as refused:
        session.start_run()
    assert str(refused.value) == ("Cannot run: /models/broken.py failed to load: SyntaxError: "
                                  "expected ':'")
    assert not session.is_running


def test_app_mode_is_checked_and_signalled_once(session, qtbot):
    with qtbot.waitSignal(session.sig_app_mode_changed) as changed:
        session.set_app_mode("PROD")
    assert changed.args == ["PROD"]
    with qtbot.assertNotEmitted(session.sig_app_mode_changed):
        session.set_app_mode("PROD")
    with pytest.raises(ValueError, match="app mode should be one of"):
        session.set_app_mode("TEST")


def test_recent_files_most_recent_first_without_duplicates():
    add_recent_file("/a.py")
    add_recent_file("/b.py")
    add_recent_file("/a.py")
    assert recent_files()[:2] == ["/a.py", "/b.py"]
    assert recent_files().count("/a.py") == 1


def test_a_model_opened_again_gets_back_the_datasets_it_last_ran_with(session, tmp_path, qtbot):
    from rafiki_gui.settings import remember_model_datasets

    files = {name: tmp_path / name for name in
             ("image.py", "pos.py", "img_train.zip", "img_test.zip", "pos_train.zip",
              "pos_test.zip", "other.zip")}
    for path in files.values():
        path.write_bytes(b"")
    remember_model_datasets(str(files["image.py"]), str(files["img_train.zip"]),
                            str(files["img_test.zip"]))
    remember_model_datasets(str(files["pos.py"]), str(files["pos_train.zip"]),
                            str(files["pos_test.zip"]))
    notes = []
    session.sig_notice.connect(notes.append)
    session.set_model_path(str(files["pos.py"]))  # nothing open yet: its datasets come back
    assert (session.train_path, session.test_path) == (str(files["pos_train.zip"]),
                                                       str(files["pos_test.zip"]))
    session.set_model_path(str(files["image.py"]))  # the POS model's datasets give way
    assert (session.train_path, session.test_path) == (str(files["img_train.zip"]),
                                                       str(files["img_test.zip"]))
    assert notes[-1] == "image.py last ran with img_train.zip and img_test.zip: chosen again"
    session.set_train_path(str(files["other.zip"]))  # the user's own choice since
    session.set_model_path(str(files["pos.py"]))
    assert session.train_path == str(files["other.zip"]), "a chosen dataset was replaced"
    session.set_model_path(str(files["image.py"]))
    session.set_train_path(str(files["img_train.zip"]))  # the image model's own again
    files["pos_test.zip"].unlink()
    session.set_model_path(str(files["pos.py"]))  # a deleted file is not chosen
    assert (session.train_path, session.test_path) == (str(files["img_train.zip"]),
                                                       str(files["img_test.zip"]))


def test_a_started_run_remembers_its_datasets_for_its_model(session, tmp_path, qtbot,
                                                            shared_dataset):
    from rafiki_gui.settings import model_datasets

    model = tmp_path / "model.py"
    model.write_text("")
    session.set_model_path(str(model))
    session.set_inspection(_inspection({"A": {"k": IntegerKnob(1, 3)}},
                                       statics={"task": "IMAGE_CLASSIFICATION"}))
    session.set_train_path(str(shared_dataset("digits_train.zip")))
    session.set_test_path(str(shared_dataset("digits_test.zip")))
    qtbot.waitUntil(lambda: not session.dataset_reading(), timeout=30_000)
    with qtbot.waitSignal(session.sig_run_finished, timeout=120_000):
        session.start_run()  # the empty file fails to load in the child: a run all the same
    assert model_datasets(str(model)) == (str(shared_dataset("digits_train.zip")),
                                          str(shared_dataset("digits_test.zip")))
