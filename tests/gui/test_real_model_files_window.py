"""Model files written as Rafiki users write them (scikit-learn, an HMM tagger), on the real
datasets, in the real window: inspected, run with no queries given, predictions listed with the
names file that sits beside the datasets.

Real window, real child processes, tests/data.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_run_flow import load, run_to_end
from .test_window_truth import pos, wait_read, window  # noqa: F401 (fixtures)

REAL_MODELS = Path(__file__).resolve().parents[1] / "model_files" / "real"

pytestmark = pytest.mark.slow


@pytest.fixture
def digits(shared_dataset):
    return str(shared_dataset("digits_train.zip")), str(shared_dataset("digits_test.zip"))


def _predictions_shown(shown_window):
    predictions = shown_window.predictions_panel
    shown_window.result_tabs.setCurrentWidget(predictions)
    return predictions


def test_a_scikit_learn_tree_runs_on_the_digits(window, qtbot, digits):  # noqa: F811
    load(window, qtbot, REAL_MODELS / "sk_decision_tree.py", *digits)
    wait_read(qtbot, window)
    session = window.session
    assert session.model_class == "SkDecisionTree"
    assert Path(session.label_names_path).name == "digits_meta.csv"  # beside the datasets
    outcome = run_to_end(window, qtbot, timeout=180_000)
    assert outcome.state.name == "COMPLETED", window.run_panel.error_view.text()
    assert 0.7 <= outcome.result["score"] <= 1.0
    # its predict calls the estimator on the queries as given: 10 test images, never []
    assert outcome.result["queries"] == {"count": 10, "source": "test sample"}
    predictions = _predictions_shown(window)
    assert predictions.prediction_count() == 10
    model = predictions.image_model
    assert model.accuracy() >= 0.5
    names = set(session.label_names.values())
    assert model.data(model.index(0, model.TRUE)) in names  # labelled by the names file


def test_an_hmm_tagger_runs_on_ud_ewt(window, qtbot, pos):  # noqa: F811
    load(window, qtbot, REAL_MODELS / "hmm_pos_tagger.py", *pos)
    wait_read(qtbot, window)
    session = window.session
    assert session.model_class == "HmmPosTagger"
    assert Path(session.label_names_path).name == "pos_ud_ewt_meta.tsv"
    outcome = run_to_end(window, qtbot, timeout=180_000)
    assert outcome.state.name == "COMPLETED", window.run_panel.error_view.text()
    assert 0.8 <= outcome.result["score"] <= 1.0
    assert outcome.result["queries"] == {"count": 10, "source": "test sample"}
    predictions = _predictions_shown(window)
    assert predictions.prediction_count() == 10  # ten sentences
    tokens = predictions.token_model
    assert len(tokens.tokens) > 50
    tagged = {tokens.data(tokens.index(row, tokens.PREDICTED)) for row in range(20)}
    assert tagged & {"NOUN", "VERB", "DET", "PRON", "PUNCT", "ADP"}  # tag names, not numbers
