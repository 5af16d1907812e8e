"""The window tells the truth: every result view names the run it shows and drops it when
another model opens; names files apply only when they fit; datasets that do not fit the model
refuse Run with the reason beside them; a run's queries are chosen before Run and shown after.

Real window, real child processes, the shared real datasets.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rafiki_gui.main_window import MainWindow

from .test_run_flow import INSPECT_TIMEOUT_MS, MODELS, load, run_to_end

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"
READ_TIMEOUT_MS = 60_000
TWO_CLASSES = '''
from rafiki.model import BaseModel, IntegerKnob, logger


class _Base(BaseModel):
    @staticmethod
    def get_knob_config():
        return {"epochs": IntegerKnob(1, 3)}

    def __init__(self, **knobs):
        super().__init__(**knobs)

    def train(self, dataset_uri):
        logger.define_loss_plot()
        logger.log_loss(loss=1.0, epoch=0)

    def evaluate(self, dataset_uri):
        return 0.25

    def predict(self, queries):
        return [[0.1] * 10 for _ in queries]

    def dump_parameters(self):
        return {}

    def load_parameters(self, params):
        pass

    def destroy(self):
        pass


class First(_Base):
    pass


class Second(_Base):
    pass
'''


@pytest.fixture
def window(qtbot, rafiki_home):
    """A window over a fresh store, so its first run is trial 1."""
    from rafiki_gui.session import Session

    session = Session()
    made = MainWindow(session)
    qtbot.addWidget(made)
    made.show()
    yield made
    made.close()
    if session.is_running:
        session.stop_run()
        qtbot.waitUntil(lambda: not session.is_running, timeout=15000)


@pytest.fixture
def digits(shared_dataset):
    return str(shared_dataset("digits_train.zip")), str(shared_dataset("digits_test.zip"))


@pytest.fixture
def pos(shared_dataset):
    return str(shared_dataset("pos_ud_ewt_train.zip")), str(shared_dataset("pos_ud_ewt_test.zip"))


def wait_read(qtbot, window):
    qtbot.waitUntil(lambda: not window.session.dataset_reading(), timeout=READ_TIMEOUT_MS)


def captions(window) -> list[str]:
    return [window.plots_panel.caption.plain_text, window.predictions_panel.caption.plain_text,
            window.run_panel.caption.plain_text]


def test_opening_another_model_clears_the_views_and_names_the_previous_run(window, qtbot,
                                                                           digits):
    assert captions(window) == ["No run yet."] * 3
    load(window, qtbot, MODELS / "quick_model.py", *digits)
    assert run_to_end(window, qtbot).state.name == "COMPLETED"
    window.plots_panel.redraw()
    assert window.plots_panel.views and window.run_panel.score == pytest.approx(0.75)
    assert window.predictions_panel.prediction_count() == 10
    for caption in captions(window):
        assert caption.startswith("Run of quick_model.py · QuickModel · trial 1 · ")
        assert "completed, score 0.7500 · 10 queries: the first 10 samples of " \
               "digits_test.zip" in caption
    shown = window.run_panel.caption.plain_text.split(" · completed")[0][len("Run of "):]

    load(window, qtbot, MODELS / "other_model.py")
    cleared = f"Previous run ({shown}) cleared: another model file is open."
    assert captions(window) == [cleared] * 3
    assert window.state_label.text() == "Ready" and window.elapsed_label.text() == ""
    assert window.plots_panel.views == {} and window.plots_panel.placeholder.isVisible()
    assert window.predictions_panel.prediction_count() == 0
    assert window.predictions_panel.pages.currentWidget() is window.predictions_panel.empty_page
    assert window.run_panel.score is None and window.run_panel.score_label.text() == ""
    assert set(window.run_panel.stage_states().values()) == {"pending"}
    assert window.run_panel.messages.toPlainText() == ""
    assert window.run_panel.output.text.toPlainText() == ""

    # the new model's run is named as its own
    assert run_to_end(window, qtbot).state.name == "COMPLETED"
    assert window.plots_panel.caption.plain_text.startswith("Run of other_model.py · OtherModel")
    assert list(window.plots_panel.views) == ["Depth"]


def test_choosing_another_class_clears_the_run_of_the_first(window, qtbot, digits, tmp_path):
    model = tmp_path / "two_classes.py"
    model.write_text(TWO_CLASSES)
    load(window, qtbot, model, *digits)
    window.session.set_model_class("First")
    outcome = run_to_end(window, qtbot)
    assert outcome.state.name == "COMPLETED", window.run_panel.error_view.text()
    assert window.run_panel.score == pytest.approx(0.25)
    window.session.set_model_class("Second")
    assert window.run_panel.caption.plain_text.endswith("cleared: another class is chosen.")
    assert "two_classes.py · First" in window.run_panel.caption.plain_text
    assert window.run_panel.score is None and window.plots_panel.views == {}


def test_reinspecting_the_same_model_keeps_its_run(window, qtbot, digits):
    load(window, qtbot, MODELS / "quick_model.py", *digits)
    assert run_to_end(window, qtbot).state.name == "COMPLETED"
    load(window, qtbot, MODELS / "quick_model.py")  # the same file, opened again
    assert window.run_panel.score == pytest.approx(0.75)
    assert window.plots_panel.views
    assert window.run_panel.caption.plain_text.startswith("Run of quick_model.py · QuickModel")


def test_a_names_file_that_does_not_fit_is_refused_with_its_reason(window, qtbot, pos,
                                                                   shared_dataset, tmp_path):
    panel = window.datasets_panel
    window.session.set_train_path(pos[0])
    window.session.set_test_path(pos[1])
    wait_read(qtbot, window)
    assert window.session.label_names[7] == "NOUN"  # the file beside the zips was picked
    assert "picked: it sits beside the dataset" in panel.names_text()

    assert panel.set_label_names(str(shared_dataset("digits_meta.csv")))
    assert window.session.label_names == {}
    assert "✗ Not used: digits_meta.csv names classes (its header says 'class'), but " \
           "pos_ud_ewt_train.zip is a CORPUS dataset of tags" in panel.names_text()
    assert "DET" not in panel.preview_text() and "NOUN" not in panel.summary_text("train")
    assert panel.names_offer_button.isVisibleTo(panel)

    ten = tmp_path / "ten_names.csv"
    ten.write_text("".join(f"{i},digit {i}\n" for i in range(10)))  # no header: count decides
    assert panel.set_label_names(str(ten))
    assert window.session.label_names == {}
    assert "ten_names.csv has 10 names (0-9), but pos_ud_ewt_train.zip has 17 tags (0-16)" in \
        panel.names_text()

    # the same file fits the digits: once they are chosen it applies
    window.session.set_train_path(str(shared_dataset("digits_train.zip")))
    window.session.set_test_path(str(shared_dataset("digits_test.zip")))
    wait_read(qtbot, window)
    assert window.session.label_names[3] == "digit 3"
    assert "Not used" not in panel.names_text()


def test_an_image_model_with_a_corpus_test_set_cannot_run(window, qtbot, digits, pos):
    load(window, qtbot, EXAMPLES / "image_classifier.py", digits[0], pos[1])
    wait_read(qtbot, window)
    assert window.session.task == "IMAGE_CLASSIFICATION"
    reason = ("pos_ud_ewt_test.zip is a CORPUS dataset, but IMAGE_CLASSIFICATION trains and "
              "tests on IMAGE_FILES datasets")
    beside_test = window.datasets_panel.summary_text("test")
    assert f"✗ Run refused: {reason}" in beside_test
    assert "No problems found" not in beside_test
    assert "No problems found" in window.datasets_panel.summary_text("train")
    # the names beside the corpus are not laid over digits
    assert window.session.label_names == {}
    assert "pos_ud_ewt_meta.tsv names tags" in window.session.label_names_problem
    assert not window.run()
    assert f"test dataset: {reason}" in window.run_panel.error_view.text()
    assert not window.session.is_running
    # the refusal spoke of that test dataset: choosing another one takes it away
    window.session.set_test_path(digits[1])
    assert not window.run_panel.error_view.isVisible()
    wait_read(qtbot, window)
    assert window.session.run_problems() == []
    assert "No problems found" in window.datasets_panel.summary_text("test")


def test_a_train_zip_that_cannot_be_read_refuses_the_run_beside_it(window, qtbot, digits,
                                                                    tmp_path):
    broken = tmp_path / "broken_train.zip"
    broken.write_bytes(Path(digits[0]).read_bytes()[:5000])  # cut short: not a zip any more
    load(window, qtbot, MODELS / "quick_model.py", str(broken), digits[1])
    wait_read(qtbot, window)
    beside_train = window.datasets_panel.summary_text("train")
    assert str(broken) in beside_train and "not a zip archive" in beside_train
    assert not window.run()
    assert "train dataset: " in window.run_panel.error_view.text()
    assert "not a zip archive" in window.run_panel.error_view.text()


def test_run_right_after_choosing_datasets_waits_for_them_then_is_refused(window, qtbot,
                                                                         digits, pos):
    load(window, qtbot, EXAMPLES / "image_classifier.py")
    wait_read(qtbot, window)
    window.session.set_train_path(digits[0])
    window.session.set_test_path(pos[1])  # not read yet: the run waits for it
    with qtbot.waitSignal(window.session.sig_run_refused, timeout=READ_TIMEOUT_MS) as refused:
        assert window.run()
    assert "is a CORPUS dataset" in refused.args[0]
    assert "is a CORPUS dataset" in window.run_panel.error_view.text()
    assert window.state_label.text() == "Not run" and not window.session.is_running


def test_run_right_after_choosing_datasets_waits_for_them_then_runs(window, qtbot, digits):
    load(window, qtbot, MODELS / "quick_model.py")
    window.session.set_train_path(digits[0])
    window.session.set_test_path(digits[1])  # read in a child process: the run waits
    with qtbot.waitSignal(window.session.sig_run_finished, timeout=120_000) as finished:
        started = window.run()
        shown = [window.run_panel.state_label.text(), window.state_label.text()]
    assert started and shown == ["Waiting for the datasets to be read…",
                                 "Waiting for the datasets…"]
    assert finished.args[0].state.name == "COMPLETED", window.run_panel.error_view.text()


def test_the_file_s_28x28_queries_are_not_offered_for_8x8_digits(window, qtbot, digits,
                                                                 tmp_path):
    load(window, qtbot, MODELS / "mnist_sized_model.py", *digits)
    wait_read(qtbot, window)
    box = window.datasets_panel.queries_box
    assert window.session.queries_choice.file_queries  # the file names one query
    assert not box.file_queries_offered()
    assert "The run predicts the first 10 samples of digits_test.zip." in box.status_text()
    assert ("The model file's queries are not offered: the query is an image of 28×28 px, but "
            "digits_test.zip's images are 8×8 px.") in box.status_text()
    # asked for anyway (not through the box), the run is refused with the reason
    window.session.set_queries_source("model file")
    assert not window.run()
    assert "the model file's queries do not fit" in window.run_panel.error_view.text()
    window.session.set_queries_source("test")

    outcome = run_to_end(window, qtbot)
    assert outcome.state.name == "COMPLETED", window.run_panel.error_view.text()
    # no queries given: the child predicted the first 10 test samples, and says so
    assert window.session.last_spec.queries is None
    assert outcome.result["queries"] == {"count": 10, "source": "test sample"}
    assert "10 queries: the first 10 samples of digits_test.zip" in \
        window.run_panel.caption.plain_text
    predictions = window.predictions_panel
    window.result_tabs.setCurrentWidget(predictions)
    assert predictions.prediction_count() == 10
    model = predictions.image_model
    assert [model.data(model.index(row, model.SOURCE)) for row in range(10)] == \
        [f"test #{i}" for i in range(10)]
    assert model.data(model.index(0, model.TRUE)) == "6"


def test_fewer_test_samples_or_a_json_file_of_queries(window, qtbot, digits, tmp_path):
    load(window, qtbot, MODELS / "mnist_sized_model.py", *digits)
    wait_read(qtbot, window)
    box = window.datasets_panel.queries_box
    box.count_spin.setValue(3)
    assert window.session.queries_choice.from_test == 3
    assert run_to_end(window, qtbot).state.name == "COMPLETED"
    assert window.predictions_panel.prediction_count() == 3

    queries = tmp_path / "two_queries.json"
    queries.write_text(json.dumps([[[0] * 8 for _ in range(8)], [[255] * 8 for _ in range(8)]]))
    assert box.choose("json", json_path=str(queries))
    assert "The run predicts 2 queries from two_queries.json." in box.status_text()
    assert run_to_end(window, qtbot).state.name == "COMPLETED"
    assert "2 queries: 2 queries from two_queries.json" in window.run_panel.caption.plain_text
    model = window.predictions_panel.image_model
    assert model.data(model.index(1, model.SOURCE)) == "query 1"

    wrong = tmp_path / "mnist_queries.json"
    wrong.write_text(json.dumps([[[0] * 28 for _ in range(28)]]))
    assert box.choose("json", json_path=str(wrong))
    assert "✗ Run refused: the queries of mnist_queries.json do not fit: the query is an " \
           "image of 28×28 px" in box.status_text()
    assert not window.run()

    # another model file: its own queries would have to be chosen again
    with qtbot.waitSignal(window.model_panel.sig_inspection_done, timeout=INSPECT_TIMEOUT_MS):
        window.model_panel.open_model(str(MODELS / "quick_model.py"))
    assert window.session.queries_choice.source == "json"  # a JSON file is no model's own


def test_the_tuning_tab_closes_an_experiment_of_another_model(qtbot, tmp_path):
    from rafiki.experiments import Experiments
    from rafiki_gui.session import Session

    from .tuning_trials import filled_store

    store, experiment_id = filled_store(tmp_path, trials=3)
    window = MainWindow(Session(experiments=Experiments(store)))
    qtbot.addWidget(window)
    panel = window.tuning_panel
    with qtbot.waitSignal(panel.sig_metrics_read):
        panel.open_experiment(experiment_id, restore=False)
    assert panel.model.rowCount() == 3
    with qtbot.waitSignal(window.model_panel.sig_inspection_done, timeout=INSPECT_TIMEOUT_MS):
        window.model_panel.open_model(str(MODELS / "other_model.py"))
    assert panel.experiment is None and panel.model.rowCount() == 0
    assert f"Experiment {experiment_id} (model.py · Model) closed: another model file is " \
           "open." in panel.status.text()
    window.close()
    store.close()
