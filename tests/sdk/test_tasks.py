"""Per-task query and prediction checks, ensembling, and the dataset type of each task."""

from __future__ import annotations

import numpy as np
import pytest

from rafiki.constants import DatasetType, TaskType
from rafiki.tasks import (
    TASKS,
    ensemble_predictions,
    prediction_problems,
    query_problems,
    task_for_dataset_type,
)

IMAGE = TASKS[TaskType.IMAGE_CLASSIFICATION]
TAGGING = TASKS[TaskType.POS_TAGGING]


def test_tasks_train_on_their_dataset_types():
    assert IMAGE.dataset_type == DatasetType.IMAGE_FILES
    assert TAGGING.dataset_type == DatasetType.CORPUS
    assert task_for_dataset_type(DatasetType.IMAGE_FILES) == TaskType.IMAGE_CLASSIFICATION
    assert task_for_dataset_type(DatasetType.CORPUS) == TaskType.POS_TAGGING
    with pytest.raises(ValueError, match="No task trains on datasets of type 'AUDIO'"):
        task_for_dataset_type("AUDIO")


@pytest.mark.parametrize("query, problem", [
    ([[0, 255], [3, 4]], None),
    (np.zeros((2, 3), dtype=np.uint8), None),
    ([], "should be a non-empty 2D list"),
    ([0, 1], "row 0 should be a non-empty list"),
    ([[0, 1], [2]], "row 1 has 1 pixels but row 0 has 2"),
    ([[0, 256]], "pixel (0, 1) should be an int in [0, 255], got 256"),
    ([[0.5]], "pixel (0, 0) should be an int in [0, 255], got 0.5"),
    ([[True]], "got True"),
    ("image.png", "should be a non-empty 2D list"),
])
def test_image_queries(query, problem):
    found = IMAGE.check_query(query)
    assert found == problem if problem is None else problem in found


@pytest.mark.parametrize("prediction, problem", [
    ([0.25, 0.75], None),
    ([1], None),
    ([np.float64(0.5), 0.5], None),
    ([], "non-empty list of class probabilities"),
    (0.5, "non-empty list of class probabilities"),
    ([0.5, "0.5"], "probability 1 should be a number"),
    ([1.5, -0.5], "probability 1 should be finite and non-negative"),
    ([float("inf"), 0.0], "probability 0 should be finite"),
    ([0.2, 0.2], "should sum to 1, they sum to 0.4"),
])
def test_image_predictions(prediction, problem):
    found = IMAGE.check_prediction(prediction)
    assert found == problem if problem is None else problem in found


def test_tagging_queries_and_predictions():
    assert TAGGING.check_query(["The", "dog", '"']) is None
    assert TAGGING.check_query([]) is None
    assert "token 1 should be a str" in TAGGING.check_query(["a", 2])
    assert "should be a list of token strings" in TAGGING.check_query("a sentence")
    assert TAGGING.check_prediction([1, 0, 16], ["a", "b", "c"]) is None
    assert "has 2 tags for 3 tokens" in TAGGING.check_prediction([1, 0], ["a", "b", "c"])
    assert "tag 1 should be a non-negative int" in TAGGING.check_prediction([1, -1])
    assert "tag 0 should be a non-negative int" in TAGGING.check_prediction(["NOUN"])


def test_prediction_problems_count_json_shape_and_consistency():
    queries = [[[0]], [[1]]]
    task = TaskType.IMAGE_CLASSIFICATION
    assert prediction_problems([[1.0], [1.0]], queries, task) == []
    assert prediction_problems([[1.0]], queries, task) == ["got 1 predictions for 2 queries"]
    assert "numpy array" in prediction_problems(np.ones((2, 1)), queries, task)[0]
    assert "not JSON-serialisable" in prediction_problems([[1.0], {1.0}], queries, task)[0]
    assert prediction_problems([[1.0], [0.5, 0.5]], queries, task) == [
        "predictions have different numbers of classes: [1, 2]"]
    assert prediction_problems([{"any": "thing"}], [1], "SPEECH_RECOGNITION") == []
    assert query_problems("x", task) == ["queries should be a list, got str"]
    assert query_problems([[[0]], [[999]]], task) == [
        "query 1 pixel (0, 0) should be an int in [0, 255], got 999"]


def test_ensembling_averages_probabilities_for_classification():
    model_a = [[0.2, 0.8], [1.0, 0.0]]
    model_b = np.array([[0.4, 0.6], [0.0, 1.0]])
    ensembled = ensemble_predictions([model_a, model_b], TaskType.IMAGE_CLASSIFICATION)
    assert np.allclose(ensembled, [[0.3, 0.7], [0.5, 0.5]])
    assert all(type(p) is float for row in ensembled for p in row)
    assert ensemble_predictions([model_a], TaskType.IMAGE_CLASSIFICATION) == model_a


def test_ensembling_takes_the_majority_tag_per_token():
    votes = [[[1, 2, 3]], [[1, 5, 4]], [[0, 5, 6]]]
    assert ensemble_predictions(votes, TaskType.POS_TAGGING) == [[1, 5, 3]]  # tie: first model


def test_ensembling_nothing_and_other_tasks():
    assert ensemble_predictions([], TaskType.POS_TAGGING) == []
    assert ensemble_predictions([[]], TaskType.IMAGE_CLASSIFICATION) == []
    assert ensemble_predictions([["a"], ["b"]], "SPEECH_RECOGNITION") == ["a"]
    with pytest.raises(ValueError):
        ensemble_predictions([[[1, 2]], [[1]]], TaskType.POS_TAGGING)
