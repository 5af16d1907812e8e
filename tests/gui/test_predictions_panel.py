"""The predictions panel after real runs (real child processes for the run, the inspection and
the predict service) on the shared digits and UD EWT datasets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from rafiki.runner import inspect_model_file
from rafiki_gui.panels.predictions_panel import PredictionsPanel
from rafiki_gui.prediction_models import ImagePredictionsModel, TokenPredictionsModel

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"
PICKY_MODEL = Path(__file__).parent / "predict_models" / "picky_model.py"
RUN_TIMEOUT_MS = 120_000
PREDICT_TIMEOUT_MS = 60_000


@pytest.fixture
def panel(qtbot, session):
    made = PredictionsPanel(session)
    qtbot.addWidget(made)
    made.resize(900, 600)
    made.show()
    yield made
    made.shutdown()


def run_model(qtbot, session, model: Path, train: str, test: str, knobs: dict | None = None):
    session.set_train_path(train)
    session.set_test_path(test)
    session.set_model_path(str(model))
    session.set_inspection(inspect_model_file(str(model)))
    if knobs:
        session.set_knobs(dict(session.knobs, **knobs))
    with qtbot.waitSignal(session.sig_run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        session.start_run()
    outcome = finished.args[0]
    assert outcome.state.name == "COMPLETED", outcome.error
    return outcome


def wait_for_rows(qtbot, panel, count: int) -> None:
    qtbot.waitUntil(lambda: panel.prediction_count() == count and not panel.is_busy()
                    or panel.error_view.isVisible(), timeout=PREDICT_TIMEOUT_MS)
    assert not panel.error_view.isVisible(), panel.error_view.text()


def cell(model, row: int, column: int) -> str:
    return model.data(model.index(row, column))


def test_image_predictions_table_chart_and_whole_test_set(qtbot, session, panel,
                                                          shared_dataset, tmp_path):
    names = tmp_path / "names.csv"
    names.write_text("class,name\n" + "".join(f"{i},digit {i}\n" for i in range(10)))
    session.set_label_names_path(str(names))
    run_model(qtbot, session, EXAMPLES / "image_classifier.py",
              str(shared_dataset("digits_train.zip")), str(shared_dataset("digits_test.zip")))
    # the run's own queries show at once: the first 10 test samples, with their true labels
    model = panel.image_model
    assert panel.prediction_count() == 10
    assert [cell(model, row, ImagePredictionsModel.SOURCE) for row in range(10)] == \
        [f"test #{i}" for i in range(10)]
    assert cell(model, 0, ImagePredictionsModel.TRUE) == "digit 6"
    assert "the run's 10 queries: the first 10 samples of digits_test.zip" in \
        panel.image_accuracy.text()
    assert panel.caption.plain_text.startswith("Run of image_classifier.py · ImageClassifier")
    panel.image_whole_button.click()
    wait_for_rows(qtbot, panel, 360)
    assert model.rowCount() == 360 and panel.image_table.model() is model
    accuracy = model.accuracy()
    assert accuracy > 0.85
    assert f"{accuracy:.1%}" in panel.image_accuracy.text()
    counts = panel.confusion_chart.counts
    assert counts.shape == (10, 10) and counts.sum() == 360
    assert np.trace(counts) == round(accuracy * 360)
    assert panel.confusion_chart.labels[3] == "digit 3"
    assert cell(model, 0, ImagePredictionsModel.SOURCE) == "test #0"
    assert cell(model, 0, ImagePredictionsModel.TRUE).startswith("digit ")
    assert cell(model, 0, ImagePredictionsModel.CONFIDENCE).endswith("%")
    thumbnail = model.data(model.index(0, ImagePredictionsModel.IMAGE),
                           Qt.ItemDataRole.DecorationRole)
    assert thumbnail.width() == 32 and thumbnail.height() == 32
    # the selected row's class probabilities
    chart = panel.probability_chart
    assert len(chart.values) == 10 and chart.labels[0] == "digit 0"
    assert abs(chart.values.sum() - 1.0) < 1e-3
    panel.image_table.selectRow(5)
    assert np.allclose(chart.values, model.probabilities[model.sample_at(5)])

    panel.image_only_wrong.setChecked(True)
    wrong = 360 - int(np.trace(counts))
    assert model.rowCount() == wrong
    for row in range(wrong):
        assert cell(model, row, ImagePredictionsModel.TRUE) != \
            cell(model, row, ImagePredictionsModel.PREDICTED)
    panel.image_only_wrong.setChecked(False)

    panel.predict_chosen_samples("0-9, 42")
    wait_for_rows(qtbot, panel, 11)
    assert cell(model, 10, ImagePredictionsModel.SOURCE) == "test #42"

    picture = tmp_path / "drawn.png"
    Image.new("RGB", (40, 30), (200, 10, 10)).save(picture)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(picture))])
    panel.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, data,
                               Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier))
    wait_for_rows(qtbot, panel, 1)
    assert cell(model, 0, ImagePredictionsModel.SOURCE) == "drawn.png"
    assert cell(model, 0, ImagePredictionsModel.TRUE) == "—"
    assert model.images[0].shape == (8, 8)  # made the dataset's size
    assert "true labels unknown" in panel.image_accuracy.text()


def test_pos_predictions_mark_differences_from_gold_tags(qtbot, session, panel, shared_dataset):
    session.set_label_names_path(str(shared_dataset("pos_ud_ewt_meta.tsv")))
    run_model(qtbot, session, EXAMPLES / "pos_tagger.py",
              str(shared_dataset("pos_ud_ewt_train.zip")),
              str(shared_dataset("pos_ud_ewt_test.zip")), knobs={"epochs": 4})
    assert panel.prediction_count() == 10  # the run's queries: its first 10 test sentences
    assert panel.tagged_text().startswith("What")
    panel.sentence_whole_button.click()
    wait_for_rows(qtbot, panel, 2077)
    model = panel.token_model
    assert model.rowCount() == 25_094
    accuracy = model.accuracy()
    assert 0.8 < accuracy < 1.0
    assert f"{accuracy:.1%}" in panel.tagging_accuracy.text()
    differing = model.mismatch_count()
    assert differing == round((1 - accuracy) * 25_094)
    assert "≠" in panel.tagged_text()  # differences marked in the sentences
    panel.sentence_only_wrong.setChecked(True)
    assert model.rowCount() == differing
    assert cell(model, 0, TokenPredictionsModel.PREDICTED).startswith("✗ ")
    tags = panel.tag_accuracy_chart
    assert len(tags.values) == 17 and "NOUN" in tags.labels
    assert np.nanmax(tags.values) <= 1.0 and np.nanmin(tags.values) >= 0.0

    panel.predict_typed_sentence("They didn't book a cheap car in Paris.")
    wait_for_rows(qtbot, panel, 1)
    text = panel.tagged_text()
    assert "n't" in text and "Paris" in text and "PROPN" in text and "≠" not in text
    assert "no gold tags" in panel.tagging_accuracy.text()


def test_a_model_that_fails_to_predict_is_reported_and_the_panel_stays_usable(
        qtbot, session, panel, shared_dataset):
    session.set_queries_source("test", from_test=3)  # more than 5 queries at once fail
    outcome = run_model(qtbot, session, PICKY_MODEL, str(shared_dataset("digits_train.zip")),
                        str(shared_dataset("digits_test.zip")), knobs={"classes": 10})
    assert panel.prediction_count() == 3
    # the whole test set is more than the model takes: its own error and traceback show
    panel.predict_whole_test_set()
    qtbot.waitUntil(panel.error_view.isVisible, timeout=PREDICT_TIMEOUT_MS)
    assert "failed to predict" in panel.error_view.text()
    assert "cannot predict 360 queries" in panel.error_view.text()
    assert "picky_model.py" in panel.error_view.details.toPlainText()
    # the same service still answers a request it can take
    panel.predict_chosen_samples("3-5")
    wait_for_rows(qtbot, panel, 3)
    assert not panel.error_view.isVisible()
    assert np.allclose(panel.probability_chart.values, 0.1)
    # an answer of the wrong shape is named, and the table keeps the last good one
    panel.predict_chosen_samples("7, 8")
    qtbot.waitUntil(panel.error_view.isVisible, timeout=PREDICT_TIMEOUT_MS)
    assert "cannot be shown: prediction 0 should be a non-empty list" in panel.error_view.text()
    assert panel.prediction_count() == 3

    # a stored trial whose parameters file does not match its checksum is refused
    result = outcome.result
    panel.show_trial(str(PICKY_MODEL), "PickyModel", "IMAGE_CLASSIFICATION", result["knobs"],
                     result["params_path"], "0" * 64)
    qtbot.waitUntil(panel.error_view.isVisible, timeout=PREDICT_TIMEOUT_MS)
    assert "could not be loaded" in panel.error_view.text()
    # the right one is taken: it is asked for the whole test set (and fails as before), then
    # for a few random samples
    panel.show_trial(str(PICKY_MODEL), "PickyModel", "IMAGE_CLASSIFICATION", result["knobs"],
                     result["params_path"], result["params_sha256"])
    qtbot.waitUntil(lambda: "360 queries" in panel.error_view.text(), timeout=PREDICT_TIMEOUT_MS)
    panel.predict_random_samples(4, seed=1)
    wait_for_rows(qtbot, panel, 4)


def test_sorting_filtering_and_names_swap_index_arrays_not_rows(qtbot, session, panel,
                                                                tmp_path):
    images = np.zeros((4, 8, 8), dtype=np.uint8)
    predictions = [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]]
    panel.task = "IMAGE_CLASSIFICATION"
    panel.show_image_predictions(images, predictions, np.array([0, 0, 1, 1]), None,
                                 np.array([10, 11, 12, 13]), "four")
    model = panel.image_model
    assert "50.0%" in panel.image_accuracy.text()
    model.sort(ImagePredictionsModel.CONFIDENCE, Qt.SortOrder.DescendingOrder)
    assert [cell(model, r, ImagePredictionsModel.SOURCE) for r in range(4)] == \
        ["test #10", "test #11", "test #13", "test #12"]
    panel.image_only_wrong.setChecked(True)
    assert [cell(model, r, ImagePredictionsModel.SOURCE) for r in range(2)] == \
        ["test #11", "test #12"] and model.rowCount() == 2
    names = tmp_path / "names.csv"
    names.write_text("class,name\n0,cat\n1,dog\n")
    session.set_label_names_path(str(names))
    assert cell(model, 0, ImagePredictionsModel.PREDICTED) == "dog"
    assert panel.confusion_chart.labels == ["cat", "dog"]
    assert panel.probability_chart.labels == ["cat", "dog"]
