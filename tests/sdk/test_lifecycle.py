"""The staged lifecycle on real model files: good ones end to end, broken ones at their stage."""

from __future__ import annotations

import hashlib
import pickle
import sys
from pathlib import Path

import pytest

from rafiki.constants import TaskType
from rafiki.lifecycle import (
    STAGE_LABELS,
    LifecycleError,
    LifecycleRequest,
    Stage,
    run_lifecycle,
)
from rafiki.model import BaseModel, InvalidModelClassException, logger

from .model_files.datasets import write_corpus_zip, write_image_zip

MODEL_FILES = Path(__file__).parent / "model_files"
QUERY = [[0, 128], [255, 7]]


@pytest.fixture(autouse=True)
def quiet_logger():
    """Model logger records go nowhere (the lifecycle leaves routing them to its callers)."""
    records: list[dict] = []
    with logger.sinks_replaced([records.append]):
        yield records


@pytest.fixture
def image_zips(tmp_path):
    train = write_image_zip(tmp_path / "train.zip", [0, 1, 1, 2, 1])
    test = write_image_zip(tmp_path / "test.zip", [1, 1, 0, 2])
    return str(train), str(test)


@pytest.fixture
def corpus_zips(tmp_path):
    train = write_corpus_zip(tmp_path / "train.zip", [[("The", 1), ("dog", 2)], [("a", 1)]])
    test = write_corpus_zip(tmp_path / "test.zip", [[("the", 1), ("dog", 2), ("ran", 3)]])
    return str(train), str(test)


def request_for(file_name, model_class, zips, **kwargs) -> LifecycleRequest:
    kwargs.setdefault("task", TaskType.IMAGE_CLASSIFICATION)
    return LifecycleRequest(
        model_file_path=str(MODEL_FILES / file_name), model_class=model_class,
        train_dataset_uri=zips[0], test_dataset_uri=zips[1], **kwargs,
    )


def run_failing(request: LifecycleRequest, stage: Stage) -> tuple[LifecycleError, list[dict]]:
    """Run ``request``, expecting it to fail at ``stage``; the error and the events."""
    events: list[dict] = []
    with pytest.raises(InvalidModelClassException) as caught:
        run_lifecycle(request, events.append)
    error = caught.value
    assert isinstance(error, LifecycleError)
    assert error.stage is stage, str(error)
    assert f"stage '{STAGE_LABELS[stage]}' failed" in str(error)
    assert request.model_file_path in str(error)
    assert error.__cause__ is error.cause
    assert error.error["stage"] == stage.value
    assert error.error["traceback"]
    failed = [e for e in events if e["kind"] == "stage" and e["state"] == "failed"]
    assert [e["stage"] for e in failed] == [stage.value]
    assert failed[0]["error"] == error.error
    assert "duration" in failed[0]
    return error, events


def stage_states(events):
    return [(e["stage"], e["state"]) for e in events if e["kind"] == "stage"]


# -- good models ------------------------------------------------------------------------------


def test_good_image_model_runs_every_stage_in_rafikis_order(image_zips, tmp_path,
                                                             quiet_logger):
    events: list[dict] = []
    params_path = tmp_path / "params" / "trial.pkl"
    request = request_for("prior_image_model.py", "PriorImageModel", image_zips,
                          queries=[QUERY, QUERY], seed=3, params_path=str(params_path))

    result = run_lifecycle(request, events.append)

    expected = []
    for stage in Stage:
        expected += [(stage.value, "started"), (stage.value, "finished")]
    assert stage_states(events) == expected
    finished = {e["stage"]: e for e in events if e.get("state") == "finished"}
    assert finished["choose_knobs"]["info"]["knobs"] == result.knobs
    assert finished["evaluate"]["info"]["score"] == result.score == 0.5
    assert set(result.timings) == {stage.value for stage in Stage}
    assert all(finished[s]["duration"] == result.timings[s] for s in result.timings)
    assert isinstance(result.model, BaseModel) and type(result.model).__name__ == "PriorImageModel"
    assert len(result.predictions) == 2 and sum(result.predictions[0]) == pytest.approx(1.0)
    assert result.knobs["kind"] == "prior" and isinstance(result.knobs["normalise"], bool)
    assert set(result.knob_config) == {"smoothing", "epochs", "normalise", "kind"}
    blob = params_path.read_bytes()
    assert result.params_sha256 == hashlib.sha256(blob).hexdigest()
    assert pickle.loads(blob) == result.parameters
    assert list(params_path.parent.iterdir()) == [params_path]  # no temp file left behind
    assert any(r["kind"] == "plot" for r in quiet_logger)  # the model's logs went to the logger


def test_same_seed_gives_same_knobs(image_zips):
    first = run_lifecycle(request_for("prior_image_model.py", "PriorImageModel", image_zips,
                                      seed=11), lambda e: None)
    second = run_lifecycle(request_for("prior_image_model.py", "PriorImageModel", image_zips,
                                       seed=11), lambda e: None)
    assert first.knobs == second.knobs


def test_good_pos_model_tags_each_token(corpus_zips):
    request = request_for("frequent_tag_model.py", "FrequentTagModel", corpus_zips,
                          task=TaskType.POS_TAGGING, knobs={"lowercase": True},
                          queries=[["The", "dog"], ["unseen"]])
    result = run_lifecycle(request, lambda e: None)
    assert result.score == pytest.approx(2 / 3)  # 'ran' was never seen: the default tag 1
    assert result.predictions == [[1, 2], [1]]


def test_real_datasets_run_end_to_end(shared_dataset):
    request = LifecycleRequest(
        model_file_path=str(MODEL_FILES / "frequent_tag_model.py"), model_class="FrequentTagModel",
        task=TaskType.POS_TAGGING, train_dataset_uri=str(shared_dataset("pos_ud_ewt_train.zip")),
        test_dataset_uri=str(shared_dataset("pos_ud_ewt_test.zip")),
        queries=[["What", "if", "Google", "Morphed"]], knobs={"lowercase": False},
    )
    result = run_lifecycle(request, lambda e: None)
    assert 0.5 < result.score < 1.0
    assert len(result.predictions[0]) == 4
    image = LifecycleRequest(
        model_file_path=str(MODEL_FILES / "prior_image_model.py"), model_class="PriorImageModel",
        task=TaskType.IMAGE_CLASSIFICATION,
        train_dataset_uri=str(shared_dataset("digits_train.zip")),
        test_dataset_uri=str(shared_dataset("digits_test.zip")), queries=[QUERY],
    )
    result = run_lifecycle(image, lambda e: None)
    assert len(result.predictions[0]) == 10 and 0.0 < result.score < 0.2


def test_sibling_modules_import_and_sys_path_is_restored(image_zips):
    before = list(sys.path)
    result = run_lifecycle(request_for("sibling_import_model.py", "SiblingImportModel",
                                       image_zips, queries=[QUERY]), lambda e: None)
    assert result.score == 0.625 and result.knobs == {"size": 2}
    assert sys.path == before


def test_two_model_files_with_one_class_name_give_two_classes(tmp_path, image_zips):
    source = (MODEL_FILES / "sibling_import_model.py").read_text()
    for name, score in (("a", 0.25), ("b", 0.75)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "model.py").write_text(
            source.replace("import sibling_helpers\n", "")
            .replace("sibling_helpers.SCORE", str(score)))
    results = [
        run_lifecycle(LifecycleRequest(str(tmp_path / name / "model.py"), "SiblingImportModel",
                                       TaskType.IMAGE_CLASSIFICATION, *image_zips),
                      lambda e: None)
        for name in ("a", "b")
    ]
    assert [r.score for r in results] == [0.25, 0.75]
    assert type(results[0].model) is not type(results[1].model)


def test_siblings_of_the_same_name_in_two_folders_are_each_imported(tmp_path, image_zips):
    model = (MODEL_FILES / "sibling_import_model.py").read_text()
    scores = []
    for name, score in (("one", 0.125), ("two", 0.875)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "model.py").write_text(model)
        (tmp_path / name / "sibling_helpers.py").write_text(f"SCORE = {score}\n")
        request = LifecycleRequest(str(tmp_path / name / "model.py"), "SiblingImportModel",
                                   TaskType.IMAGE_CLASSIFICATION, *image_zips)
        scores.append(run_lifecycle(request, lambda e: None).score)
    assert scores == [0.125, 0.875]


def test_numpy_score_is_converted_to_float(image_zips):
    result = run_lifecycle(request_for("misbehaving_model.py", "MisbehavingModel", image_zips,
                                       knobs={"fault": "evaluate_numpy"}), lambda e: None)
    assert type(result.score) is float and result.score == 0.25


def test_a_different_installed_version_is_a_warning_not_a_failure(image_zips):
    events: list[dict] = []
    run_lifecycle(request_for("sibling_import_model.py", "SiblingImportModel", image_zips,
                              dependencies={"numpy": "0.0.1"}), events.append)
    warnings = [e["msg"] for e in events if e["kind"] == "message"]
    assert any("numpy==0.0.1" in w and "installed" in w for w in warnings)


def test_plain_get_knob_config_without_self_warns_like_rafiki(image_zips):
    events: list[dict] = []
    result = run_lifecycle(request_for("broken_knob_configs.py", "KnobConfigNotStatic",
                                       image_zips), events.append)
    assert result.knobs["epochs"] in (1, 2)
    assert any("@staticmethod" in e["msg"] for e in events if e["kind"] == "message")


# -- broken model files -----------------------------------------------------------------------


def test_syntax_error_fails_loading_with_the_line(tmp_path, image_zips):
    path = tmp_path / "broken.py"
    path.write_text("from rafiki.model import BaseModel\n\nclass Broken(BaseModel)\n    pass\n")
    request = LifecycleRequest(str(path), "Broken", TaskType.IMAGE_CLASSIFICATION, *image_zips)
    error, _ = run_failing(request, Stage.LOAD_CLASS)
    assert isinstance(error.cause, SyntaxError)
    assert "line 3" in str(error)


def test_failing_import_fails_loading_naming_the_module(image_zips):
    error, _ = run_failing(request_for("failing_import_model.py", "FailingImportModel",
                                       image_zips), Stage.LOAD_CLASS)
    assert isinstance(error.cause, ModuleNotFoundError)
    assert "rafiki_no_such_package_for_tests" in str(error)
    assert "failing_import_model.py, line 3" in str(error)


def test_a_missing_model_file_fails_loading(tmp_path, image_zips):
    request = LifecycleRequest(str(tmp_path / "absent.py"), "Model",
                               TaskType.IMAGE_CLASSIFICATION, *image_zips)
    error, _ = run_failing(request, Stage.LOAD_CLASS)
    assert "Cannot read the model file" in str(error)


@pytest.mark.parametrize("model_class, expected", [
    ("NoSuchClass", "has no class 'NoSuchClass'; it defines HalfAModel"),
    ("NotAModel", "should be a class extending `rafiki.model.BaseModel`"),
    ("HalfAModel", "does not implement destroy, dump_parameters, load_parameters, predict"),
])
def test_classes_that_are_not_models_fail_loading(image_zips, model_class, expected):
    error, _ = run_failing(request_for("not_models.py", model_class, image_zips),
                           Stage.LOAD_CLASS)
    assert expected in str(error)


@pytest.mark.parametrize("model_class, expected", [
    ("KnobConfigNotDict", "should return a dict[str, BaseKnob], got list"),
    ("KnobConfigNonKnob", "not a knob: 'rate': float"),
    ("KnobConfigRaises", "ValueError: `value_max` (0.1) should be at least `value_min` (1.0)"),
    ("KnobConfigTakesSelf", "should be a @staticmethod taking no arguments; it takes `self`"),
    ("KnobConfigInherited", "NotImplementedError"),
])
def test_broken_knob_configs_fail_their_check(image_zips, model_class, expected):
    error, _ = run_failing(request_for("broken_knob_configs.py", model_class, image_zips),
                           Stage.CHECK_KNOB_CONFIG)
    assert expected in str(error)


@pytest.mark.parametrize("knobs, expected", [
    ({"fault": "none", "speed": 3}, "unknown knob 'speed'"),
    ({}, "missing knob 'fault'"),
    ({"fault": "sometimes"}, "knob 'fault': 'sometimes' is not one of"),
    ({"fault": 3}, "knob 'fault': 3 is not one of"),
])
def test_given_knobs_that_misfit_the_config_fail_choosing(image_zips, knobs, expected):
    error, events = run_failing(request_for("misbehaving_model.py", "MisbehavingModel",
                                            image_zips, knobs=knobs), Stage.CHOOSE_KNOBS)
    assert expected in str(error)
    assert ("init", "started") not in stage_states(events)


def test_out_of_range_and_wrongly_typed_knobs_are_each_named(image_zips):
    knobs = {"smoothing": 100.0, "epochs": 2.0, "normalise": 1, "kind": "prior"}
    error, _ = run_failing(request_for("prior_image_model.py", "PriorImageModel", image_zips,
                                       knobs=knobs), Stage.CHOOSE_KNOBS)
    message = str(error)
    assert "knob 'smoothing': 100.0 is outside [0.001, 10.0]" in message
    assert "knob 'epochs': 2.0 is not an int" in message
    assert "knob 'normalise': 1 is not one of [True, False]" in message


@pytest.mark.parametrize("fault, stage, expected", [
    ("init_raises", Stage.INIT, "RuntimeError: init exploded (at misbehaving_model.py, line"),
    ("train_raises", Stage.TRAIN, "ZeroDivisionError: division by zero in train"),
    ("evaluate_raises", Stage.EVALUATE, "ValueError: cannot evaluate"),
    ("evaluate_string", Stage.EVALUATE, "should return a float in [0, 1], got '0.5' (str)"),
    ("evaluate_nan", Stage.EVALUATE, "finite accuracy in [0, 1], got nan"),
    ("evaluate_too_high", Stage.EVALUATE, "finite accuracy in [0, 1], got 1.5"),
    ("evaluate_bool", Stage.EVALUATE, "got True (bool)"),
    ("dump_raises", Stage.DUMP_PARAMETERS, "OSError: disk full"),
    ("dump_not_dict", Stage.DUMP_PARAMETERS, "should return a dict[str, any], got list"),
    ("dump_unpicklable", Stage.DUMP_PARAMETERS, "serializable by `pickle` (entries 'callback')"),
    ("dump_own_class", Stage.DUMP_PARAMETERS, "classes defined in the model file itself"),
    ("destroy_raises", Stage.DESTROY, "RuntimeError: cannot free"),
    ("load_raises", Stage.LOAD_PARAMETERS, "ValueError: bad params"),
    ("predict_raises", Stage.PREDICT, "KeyError: 'no such class'"),
    ("predict_wrong_count", Stage.PREDICT, "got 3 predictions for 2 queries"),
    ("predict_not_json", Stage.PREDICT, "prediction 0 is not JSON-serialisable"),
    ("predict_numpy_values", Stage.PREDICT, "float32 is not JSON serializable (convert numpy"),
    ("predict_ndarray", Stage.PREDICT, "got a numpy array (return `.tolist()`)"),
    ("predict_wrong_shape", Stage.PREDICT, "class probabilities should sum to 1, they sum to 1.8"),
    ("predict_nan", Stage.PREDICT, "prediction 0 is not JSON-serialisable: Out of range float"),
])
def test_misbehaving_methods_fail_at_their_stage(image_zips, fault, stage, expected):
    request = request_for("misbehaving_model.py", "MisbehavingModel", image_zips,
                          knobs={"fault": fault}, queries=[QUERY, QUERY])
    error, events = run_failing(request, stage)
    assert expected in str(error)
    later = list(Stage)[list(Stage).index(stage) + 1:]
    assert not any(e.get("stage") in {s.value for s in later} for e in events)


def test_queries_that_misfit_the_task_fail_before_predict(image_zips):
    request = request_for("misbehaving_model.py", "MisbehavingModel", image_zips,
                          knobs={"fault": "none"}, queries=[QUERY, [[0, 1], [2]], "text"])
    error, _ = run_failing(request, Stage.PREDICT)
    assert "query 1 row 1 has 1 pixels but row 0 has 2" in str(error)
    assert "query 2 should be a non-empty 2D list" in str(error)


def test_wrong_tag_count_fails_prediction(corpus_zips):
    request = request_for("misbehaving_model.py", "MisbehavingModel", corpus_zips,
                          task=TaskType.POS_TAGGING, knobs={"fault": "none"},
                          queries=[["a", "b", "c"]])
    error, _ = run_failing(request, Stage.PREDICT)
    assert "prediction 0 tag 0 should be a non-negative int" in str(error)


def test_missing_dependency_fails_first_with_the_pip_command(image_zips):
    request = request_for("prior_image_model.py", "PriorImageModel", image_zips,
                          dependencies={"rafiki-no-such-dist": "1.2.3", "numpy": "0.0.1"})
    error, events = run_failing(request, Stage.CHECK_DEPENDENCIES)
    assert "rafiki-no-such-dist==1.2.3 is not installed" in str(error)
    assert f'"{sys.executable}" -m pip install "rafiki-no-such-dist==1.2.3"' in str(error)
    assert stage_states(events)[-1] == ("check_dependencies", "failed")


def test_dependencies_of_the_wrong_shape_fail_checking(image_zips):
    error, _ = run_failing(request_for("prior_image_model.py", "PriorImageModel", image_zips,
                                       dependencies=["numpy"]), Stage.CHECK_DEPENDENCIES)
    assert "`dependencies` should be a dict[str, str], got list" in str(error)


def test_lifecycle_error_pickles_with_its_stage(image_zips):
    error, _ = run_failing(request_for("misbehaving_model.py", "MisbehavingModel", image_zips,
                                       knobs={"fault": "train_raises"}), Stage.TRAIN)
    copy = pickle.loads(pickle.dumps(error))
    assert copy.stage is Stage.TRAIN and str(copy) == str(error)


def test_an_interrupt_is_reported_as_a_failed_stage_and_let_through(image_zips):
    events: list[dict] = []
    request = request_for("misbehaving_model.py", "MisbehavingModel", image_zips,
                          knobs={"fault": "train_interrupted"})
    with pytest.raises(KeyboardInterrupt):
        run_lifecycle(request, events.append)
    assert stage_states(events)[-1] == ("train", "failed")
    assert events[-1]["error"]["type"] == "KeyboardInterrupt"


def test_an_unknown_task_runs_with_a_warning_and_unchecked_predictions(image_zips):
    events: list[dict] = []
    request = request_for("misbehaving_model.py", "MisbehavingModel", image_zips,
                          task="SPEECH_RECOGNITION", knobs={"fault": "predict_wrong_shape"},
                          queries=["audio"])
    result = run_lifecycle(request, events.append)
    assert result.predictions == [[0.9, 0.9]]
    assert any("unknown task 'SPEECH_RECOGNITION'" in e["msg"]
               for e in events if e["kind"] == "message")


def test_no_queries_predicts_the_first_test_samples_never_an_empty_batch(image_zips):
    request = request_for("misbehaving_model.py", "MisbehavingModel", image_zips,
                          knobs={"fault": "predict_wrong_count"})
    error, events = run_failing(request, Stage.PREDICT)
    assert "got 5 predictions for 4 queries" in str(error)  # the test set's 4 images
    failed = [e for e in events if e["kind"] == "stage" and e["state"] == "failed"][0]
    assert failed["info"]["queries"] == {"count": 4, "source": "test sample"}

# -- queries and where a run ends -------------------------------------------------------------


def predict_info(events: list[dict]) -> dict:
    return [e for e in events if e["kind"] == "stage" and e["stage"] == "predict"
            and e["state"] == "finished"][0]["info"]


@pytest.mark.parametrize("queries", [None, []])
def test_without_queries_the_first_test_images_are_predicted(image_zips, queries):
    events: list[dict] = []
    request = request_for("prior_image_model.py", "PriorImageModel", image_zips,
                          queries=queries, queries_from_test=3)
    result = run_lifecycle(request, events.append)
    assert len(result.predictions) == 3
    assert predict_info(events)["queries"] == {"count": 3, "source": "test sample"}
    assert result.queries == {"count": 3, "source": "test sample"}


def test_given_queries_are_predicted_and_said_to_be_given(image_zips):
    events: list[dict] = []
    request = request_for("prior_image_model.py", "PriorImageModel", image_zips,
                          queries=[QUERY, QUERY], queries_from_test=3)
    result = run_lifecycle(request, events.append)
    assert len(result.predictions) == 2
    assert predict_info(events)["queries"] == {"count": 2, "source": "given"}


def test_without_queries_a_tagger_gets_the_first_test_sentences(corpus_zips):
    events: list[dict] = []
    request = request_for("frequent_tag_model.py", "FrequentTagModel", corpus_zips,
                          task=TaskType.POS_TAGGING, knobs={"lowercase": True})
    result = run_lifecycle(request, events.append)
    assert result.predictions == [[1, 2, 1]]  # "the dog ran": 'ran' unseen, the default tag
    assert predict_info(events)["queries"] == {"count": 1, "source": "test sample"}


def test_an_empty_test_dataset_skips_predict_with_a_warning(tmp_path, image_zips):
    empty = str(write_image_zip(tmp_path / "empty.zip", []))
    events: list[dict] = []
    request = request_for("misbehaving_model.py", "MisbehavingModel", (image_zips[0], empty),
                          knobs={"fault": "predict_raises"})
    result = run_lifecycle(request, events.append)
    assert result.predictions == []
    assert predict_info(events)["queries"] == {"count": 0, "source": "test sample"}
    assert any("has no samples to predict" in e["msg"]
               for e in events if e["kind"] == "message")


def test_a_run_can_end_after_destroy_as_rafikis_train_workers_did(image_zips, tmp_path):
    events: list[dict] = []
    params_path = tmp_path / "trial.pkl"
    request = request_for("misbehaving_model.py", "MisbehavingModel", image_zips,
                          knobs={"fault": "predict_raises"}, params_path=str(params_path),
                          last_stage=Stage.DESTROY.value)
    result = run_lifecycle(request, events.append)
    stages = list(Stage)
    ran = stages[:stages.index(Stage.DESTROY) + 1]
    assert stage_states(events) == [(s.value, state) for s in ran
                                    for state in ("started", "finished")]
    assert result.score == 0.5 and result.predictions == [] and result.model is None
    assert result.queries is None and set(result.timings) == {s.value for s in ran}
    assert result.params_path == str(params_path) and params_path.is_file()


def test_a_run_ending_after_evaluate_writes_no_parameters(image_zips, tmp_path):
    request = request_for("misbehaving_model.py", "MisbehavingModel", image_zips,
                          knobs={"fault": "none"}, params_path=str(tmp_path / "p.pkl"),
                          last_stage="evaluate")
    result = run_lifecycle(request, lambda e: None)
    assert result.score == 0.5 and result.params_path is None and result.parameters == {}
    assert not (tmp_path / "p.pkl").exists()


@pytest.mark.parametrize("last_stage", ["train", "serve"])
def test_a_last_stage_before_evaluate_or_unknown_is_refused(image_zips, last_stage):
    request = request_for("misbehaving_model.py", "MisbehavingModel", image_zips,
                          knobs={"fault": "none"}, last_stage=last_stage)
    with pytest.raises(ValueError, match=f"last_stage '{last_stage}'"):
        run_lifecycle(request, lambda e: None)
