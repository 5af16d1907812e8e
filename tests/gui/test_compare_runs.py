"""Compare runs: trials chosen in the Tuning tab's table or experiments chosen in the browser
open one view with their plots overlaid (a colour per run) and their knobs side by side, the
knobs that differ marked; the browser also searches, shows each experiment's status and
deletes several experiments after one confirmation."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QMessageBox

from rafiki.experiments import Experiments
from rafiki.model.knob import deserialize_knob_config, serialize_knob_config
from rafiki_gui.compare_window import DIFFERENT_BACKGROUND, RUN_COLORS, CompareWindow
from rafiki_gui.main_window import MainWindow
from rafiki_gui.run_comparison import differing_knobs, read_comparison
from rafiki_gui.session import Session
from rafiki_gui.tuning.experiments_browser import ExperimentsBrowser

from .tuning_trials import KNOB_CONFIG, Ended, filled_store


@pytest.fixture
def stored(tmp_path):
    store, experiment_id = filled_store(tmp_path, trials=5, points=30)
    yield store, experiment_id
    store.close()


def _second_experiment(store, folder, knobs: dict, score: float, losses: list[float]) -> int:
    """Another experiment (another model, with a knob the first lacks) with one trial."""
    model = folder / "other_model.py"
    model.write_text("class Other: pass\n")
    config = {**KNOB_CONFIG}
    config.pop("activation")
    from rafiki.model.knob import FixedKnob

    config["batch_size"] = FixedKnob(32)
    experiment = store.create_experiment(
        model_file_path=str(model), model_class="Other", task="IMAGE_CLASSIFICATION",
        train_dataset_uri=str(folder / "train.zip"), test_dataset_uri=str(folder / "train.zip"),
        knob_config=serialize_knob_config(config))
    trial = store.start_trial(experiment.id, knobs)
    store.record_events(trial.id, [
        {"kind": "plot", "time": 0.0, "title": "loss", "metrics": ["loss"], "x_axis": None},
        *({"kind": "metrics", "time": float(step), "values": {"loss": value}}
          for step, value in enumerate(losses)),
        {"kind": "plot", "time": 9.0, "title": "accuracy", "metrics": ["acc"], "x_axis": None},
        {"kind": "metrics", "time": 9.5, "values": {"acc": 0.5}},
    ])
    store.finish_trial(trial.id, Ended("COMPLETED", score=score))
    return experiment.id


def test_differing_knobs_counts_a_missing_knob_as_a_difference():
    assert differing_knobs([{"a": 1, "b": 2}, {"a": 1, "b": 3}]) == {"b"}
    assert differing_knobs([{"a": 1}, {"a": 1, "c": 0}]) == {"c"}
    assert differing_knobs([{"a": 1.0}, {"a": 1}]) == set()  # equal values are equal
    assert differing_knobs([None, {}]) == set()


def test_comparison_reads_plots_knobs_and_best_across_experiments(stored, tmp_path):
    store, experiment_id = stored
    other_id = _second_experiment(store, tmp_path, {"learning_rate": 0.01, "hidden_units": 8,
                                                    "batch_size": 32}, 0.999, [3.0, 2.0, 1.0])
    first_trials = store.trials(experiment_id)[:2]
    other_trial = store.trials(other_id)[0]
    ids = [first_trials[0].id, first_trials[1].id, other_trial.id, first_trials[0].id]
    comparison = read_comparison(Experiments(store), ids)

    assert [run.trial.id for run in comparison.runs] == ids[:3]  # a repeated id is read once
    assert [run.label for run in comparison.runs] == [
        f"E{experiment_id} #1", f"E{experiment_id} #2", f"E{other_id} #1"]
    assert comparison.knob_names == ["learning_rate", "hidden_units", "activation",
                                     "batch_size"]
    assert {"activation", "batch_size", "learning_rate"} <= comparison.differing_knobs
    assert comparison.plot_titles == ["loss", "accuracy"]
    assert len(comparison.runs[0].plots["loss"].series["loss"]) == 30
    assert comparison.runs[2].plots["loss"].series["loss"].y.tolist() == [3.0, 2.0, 1.0]
    assert "accuracy" not in comparison.runs[0].plots
    assert comparison.best_run is comparison.runs[2]


def test_three_trials_selected_in_the_tuning_table_open_one_overlaid_view(qtbot, stored,
                                                                           tmp_path):
    store, experiment_id = stored
    session = Session(experiments=Experiments(store))
    session.knob_config = deserialize_knob_config(
        store.get_experiment(experiment_id).knob_config)
    window = MainWindow(session)
    qtbot.addWidget(window)
    panel = window.tuning_panel
    with qtbot.waitSignal(panel.sig_metrics_read):
        panel.open_experiment(experiment_id, restore=False)
    assert not panel.compare_button.isEnabled()

    selection = panel.table.selectionModel()
    for row in (0, 2, 4):
        selection.select(panel.proxy.index(row, 0), QItemSelectionModel.SelectionFlag.Select
                         | QItemSelectionModel.SelectionFlag.Rows)
    assert panel.compare_button.isEnabled()
    chosen = panel.selected_trial_ids()
    assert len(chosen) == 3
    panel.compare_button.click()
    qtbot.waitUntil(lambda: isinstance(getattr(window, "compare_window", None), CompareWindow))
    view: CompareWindow = window.compare_window
    qtbot.waitUntil(lambda: view.comparison is not None, timeout=10000)

    assert view.isVisible() and view.windowTitle().startswith("Compare 3 runs")
    curves = view.curves("loss")
    numbers = [store.trial(trial_id).number for trial_id in chosen]
    assert [name for name, _x, _y in curves] == [f"E{experiment_id} #{n}" for n in numbers]
    for (_name, x, y), trial_id in zip(curves, chosen, strict=True):
        stored_loss = [row for row in store.trial_metrics(trial_id)["loss"]]
        assert np.allclose(y, stored_loss)
        assert x.tolist() == [float(step) for step in range(30)]  # seconds from the first
    pens = [curve.opts["pen"].color().name() for curve in
            view.plot_items["loss"].listDataItems()]
    assert pens == [QColor(color).name() for color in RUN_COLORS[:3]]
    header = [view.table.horizontalHeaderItem(c).text() for c in range(3)]
    assert header == [name for name, _x, _y in curves]
    rows = [view.table.verticalHeaderItem(r).text() for r in range(view.table.rowCount())]
    assert rows[:6] == ["score", "status", "duration (s)", "experiment", "train dataset",
                        "test dataset"]
    assert view.table.item(4, 0).text() == "train.zip"
    lr_row = rows.index("learning_rate")
    assert view.table.item(lr_row, 0).background().color().name() == DIFFERENT_BACKGROUND
    scores = [view.table.item(0, c).text() for c in range(3)]
    assert sum(text.startswith("★") for text in scores) == 1

    view.only_differences.setChecked(True)
    hidden = [rows[r] for r in range(6, len(rows)) if view.table.isRowHidden(r)]
    assert hidden == sorted(set(KNOB_CONFIG) - view.comparison.differing_knobs,
                            key=rows.index)
    view.close()


def test_compare_fits_the_screen_closes_on_esc_and_ctrl_w_and_marks_other_data(
        qtbot, stored, tmp_path):
    """It opened at 1200x820 on a 768-px screen, Esc and Ctrl+W did nothing, and nothing
    said that two runs were tested on other data."""
    store, experiment_id = stored
    other_test = tmp_path / "other_test.zip"
    other_test.write_bytes(b"PK\x05\x06" + bytes(18))
    experiment = store.create_experiment(
        model_file_path=str(tmp_path / "model.py"), model_class="Model",
        task="IMAGE_CLASSIFICATION", train_dataset_uri=str(tmp_path / "train.zip"),
        test_dataset_uri=str(other_test), knob_config=serialize_knob_config(KNOB_CONFIG))
    trial = store.start_trial(experiment.id, store.trials(experiment_id)[0].knobs)
    store.finish_trial(trial.id, Ended("COMPLETED", score=0.5))
    ids = [store.trials(experiment_id)[0].id, trial.id]
    for close in (lambda view: qtbot.keyClick(view, Qt.Key.Key_Escape),
                  lambda view: qtbot.keyClick(view, Qt.Key.Key_W,
                                              Qt.KeyboardModifier.ControlModifier)):
        view = CompareWindow(Experiments(store), ids)
        qtbot.addWidget(view)
        with qtbot.waitSignal(view.sig_ready, timeout=10000):
            view.show()
        available = view.screen().availableGeometry()
        assert available.contains(view.frameGeometry()), (available, view.frameGeometry())
        rows = [view.table.verticalHeaderItem(r).text() for r in range(view.table.rowCount())]
        train_row, test_row = rows.index("train dataset"), rows.index("test dataset")
        shown = [[view.table.item(row, c).text() for c in range(2)]
                 for row in (train_row, test_row)]
        assert shown == [["train.zip", "train.zip"], ["train.zip", "other_test.zip"]]
        assert view.table.item(test_row, 0).background().color().name() == \
            DIFFERENT_BACKGROUND
        assert view.table.item(train_row, 0).background().style() == Qt.BrushStyle.NoBrush
        assert view.table.verticalHeaderItem(test_row).font().bold()
        view.activateWindow()
        close(view)
        assert not view.isVisible()  # closed at once, by the key alone


def test_browser_compares_experiments_searches_and_shows_status(qtbot, stored, tmp_path):
    store, experiment_id = stored
    other_id = _second_experiment(store, tmp_path, {"learning_rate": 0.01, "hidden_units": 8,
                                                    "batch_size": 32}, 0.5, [3.0, 2.0, 1.0])
    empty = store.create_experiment(
        model_file_path=str(tmp_path / "model.py"), model_class="Model",
        task="IMAGE_CLASSIFICATION", train_dataset_uri=str(tmp_path / "a.zip"),
        test_dataset_uri=str(tmp_path / "b.zip"))
    session = Session(experiments=Experiments(store))
    browser = ExperimentsBrowser(session)
    qtbot.addWidget(browser)
    browser.refresh()
    status_column = 3
    statuses = {browser.table.item(r, 0).data(Qt.ItemDataRole.UserRole):
                browser.table.item(r, status_column).text()
                for r in range(browser.table.rowCount())}
    assert statuses == {experiment_id: "5 completed", other_id: "1 completed",
                        empty.id: "no trials"}

    browser.search_edit.setText("other_model")
    assert browser.visible_ids() == [other_id]
    assert "1 of 3 experiments match" in browser.status.text()
    browser.search_edit.setText("")
    assert len(browser.visible_ids()) == 3

    assert browser.select(experiment_id)
    assert not browser.compare_button.isEnabled()
    assert browser.select(experiment_id, other_id)
    assert browser.compare_button.isEnabled() and not browser.open_button.isEnabled()
    requested: list = []
    session.sig_compare_requested.connect(requested.append)
    browser.sig_compare_experiments.connect(session.compare_experiments)
    browser.compare_button.click()
    best = store.best_trial(experiment_id)
    other_trial = store.trials(other_id)[0]
    assert requested == [[other_trial.id, best.id]]  # the table's order: newest first


def test_browser_deletes_several_experiments_after_one_confirmation(qtbot, stored, tmp_path,
                                                                    monkeypatch):
    store, experiment_id = stored
    other_id = _second_experiment(store, tmp_path, {"hidden_units": 8}, 0.5, [1.0])
    session = Session(experiments=Experiments(store))
    browser = ExperimentsBrowser(session)
    qtbot.addWidget(browser)
    browser.refresh()
    asked: list[str] = []

    def answer(_parent, _title, text, *args, **kwargs):
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(answer))
    assert browser.select(experiment_id, other_id)
    browser.delete_button.click()
    assert len(asked) == 1
    assert asked[0].startswith("Delete 2 experiments:") and "6 trials" in asked[0]
    assert browser.table.rowCount() == 0
    assert store.list_experiments() == []


def test_past_runs_menu_compares_the_newest_stored_runs(qtbot, stored):
    from rafiki_gui.panels.knobs_panel import MAX_COMPARED_PAST_RUNS, KnobsPanel

    store, experiment_id = stored
    experiment = store.get_experiment(experiment_id)
    session = Session(experiments=Experiments(store))
    session.model_path = experiment.model_file_path
    session.knob_config = deserialize_knob_config(experiment.knob_config)
    panel = KnobsPanel(session)
    qtbot.addWidget(panel)
    panel._fill_past_menu()  # what opening the menu does
    labels = [action.text() for action in panel.past_menu.actions()]
    assert labels[-1] == f"Compare the last {MAX_COMPARED_PAST_RUNS} stored runs…"
    with qtbot.waitSignal(session.sig_compare_requested) as requested:
        panel.past_menu.actions()[-1].trigger()
    newest_first = [trial.id for trial in reversed(store.trials(experiment_id))]
    assert requested.args == [newest_first[:MAX_COMPARED_PAST_RUNS]]
