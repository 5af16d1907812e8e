"""Stored experiments in the window: the browser (list, rename, note, delete with parameters
files), opening one in the Tuning tab (table, charts, a trial's own results) and export."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from PySide6.QtCore import Qt

from rafiki.experiments import Experiments
from rafiki.model.knob import deserialize_knob_config
from rafiki_gui.session import Session
from rafiki_gui.tuning.experiments_browser import ExperimentsBrowser
from rafiki_gui.tuning.tuning_panel import TuningPanel

from .tuning_trials import KNOB_CONFIG, filled_store


@pytest.fixture
def stored_session(qtbot, tmp_path):
    store, experiment_id = filled_store(tmp_path, trials=12, points=40)
    session = Session(experiments=Experiments(store))
    yield session, store, experiment_id
    store.close()


def test_browser_lists_renames_notes_and_deletes_with_parameters(qtbot, stored_session):
    session, store, experiment_id = stored_session
    other = store.create_experiment(
        model_file_path=store.get_experiment(experiment_id).model_file_path, model_class="Model",
        task="IMAGE_CLASSIFICATION", train_dataset_uri="file:///data/a.zip",
        test_dataset_uri="https://example.org/b.zip")
    trial = store.start_trial(other.id, {"hidden_units": 3})
    params = store.params_path_for(trial.id)
    with open(params, "wb") as handle:
        handle.write(b"not really a pickle")
    browser = ExperimentsBrowser(session)
    qtbot.addWidget(browser)
    browser.refresh()
    assert browser.table.rowCount() == 2
    assert browser.select(experiment_id)
    row = browser.table.selectionModel().selectedRows()[0].row()
    texts = [browser.table.item(row, c).text() for c in range(browser.table.columnCount())]
    assert texts[4] == "model.py" and texts[5] == "Model" and texts[8] == "12"
    assert texts[3] == "11 completed, 1 errored"
    assert texts[9] == f"{store.get_experiment(experiment_id).best_score:.4f}"
    with qtbot.waitSignal(browser.sig_open_experiment) as opened:
        browser.open_button.click()
    assert opened.args == [experiment_id]

    browser.rename(experiment_id, "digits, wide search")
    browser.set_note(experiment_id, "lr matters most")
    assert store.get_experiment(experiment_id).name == "digits, wide search"
    assert browser.table.item(row, 10).text() == "lr matters most"

    browser.busy_experiment = other.id
    with pytest.raises(ValueError, match="being tuned"):
        browser.delete(other.id)
    browser.busy_experiment = None
    with qtbot.waitSignal(browser.sig_deleted):
        browser.delete(other.id)
    assert browser.table.rowCount() == 1
    assert not (store.params_dir / str(other.id)).exists()
    with pytest.raises(KeyError):
        store.get_experiment(other.id)


def test_opened_experiment_fills_table_charts_and_trial_detail(qtbot, stored_session, tmp_path):
    session, store, experiment_id = stored_session
    session.knob_config = deserialize_knob_config(
        store.get_experiment(experiment_id).knob_config)
    session.set_knobs({"learning_rate": 0.01, "hidden_units": 8, "activation": "relu"})
    panel = TuningPanel(session)
    qtbot.addWidget(panel)
    panel.resize(1200, 800)
    panel.show()
    with qtbot.waitSignals([panel.sig_experiment_opened, panel.sig_metrics_read]):
        panel.open_experiment(experiment_id, restore=False)
    assert panel.model.rowCount() == 12
    assert panel.search_box.metric_combo.findText("loss") >= 0  # prunable on what it logged
    best = store.best_trial(experiment_id)
    assert panel.model.best_id == best.id
    assert f"{best.score:.4f}" in panel.status.text()
    assert "11 completed, 1 errored" in panel.status.text()

    panel.select_trial(best.id)
    assert panel.detail.trial.id == best.id
    assert len(panel.detail._plot_views) == 1  # the "loss" plot the trial defined
    view = panel.detail._plot_views[0]
    assert view.points_in_plot("loss") == 40
    assert panel.charts.score_chart.selected_id == best.id

    with qtbot.waitSignal(session.sig_knobs_changed):
        panel.detail.use_knobs_button.click()
    assert session.knobs == best.knobs

    errored = next(t for t in store.trials(experiment_id) if t.status == "errored")
    panel.select_trial(errored.id)
    assert "ValueError in train: bad knobs" in panel.detail.error.toPlainText()
    assert panel.detail.tabs.tabText(3).startswith("Error")

    panel.filter_edit.setText("errored")
    assert panel.proxy.rowCount() == 1
    panel.filter_edit.clear()

    panel.set_pinned(["hidden_units"])
    assert panel.pinned_knobs() == {"hidden_units": best.knobs["hidden_units"]}

    csv_path = tmp_path / "trials.csv"
    panel.export_csv(str(csv_path))
    rows = list(csv.DictReader(csv_path.open()))
    assert [int(r["number"]) for r in rows] == list(range(1, 13))
    assert set(KNOB_CONFIG) <= set(rows[0])
    png = tmp_path / "chart.png"
    panel.export_chart(str(png))
    assert png.stat().st_size > 1000


def test_start_is_refused_with_reasons(qtbot, stored_session):
    session, _store, _experiment_id = stored_session
    panel = TuningPanel(session)
    qtbot.addWidget(panel)
    panel.start_button.click()
    assert "choose a model file" in panel.status.text()
    panel.trials_spin.setValue(0)
    panel.minutes_spin.setValue(0)
    panel.start_button.click()
    assert "give a budget" in panel.status.text()
    assert not panel.is_tuning
    assert panel.table.horizontalHeader().sortIndicatorSection() == 0
    assert panel.table.horizontalHeader().sortIndicatorOrder() == Qt.SortOrder.AscendingOrder


def test_only_a_tuning_can_be_resumed(qtbot, stored_session):
    """A runs experiment holds single runs: resuming it as a tuning would file train-only
    trials among them, so the browser does not offer it and the panel refuses it."""
    from rafiki_gui.tuning.tuning_panel import TuningRefused

    session, store, runs_id = stored_session
    runs = store.get_experiment(runs_id)
    tuning = store.create_experiment(
        model_file_path=runs.model_file_path, model_class="Model", task=runs.task,
        train_dataset_uri=runs.train_dataset_uri, test_dataset_uri=runs.test_dataset_uri,
        kind="tuning", settings={"pinned": {}})
    browser = ExperimentsBrowser(session)
    qtbot.addWidget(browser)
    browser.refresh()
    assert browser.select(runs_id) and not browser.resume_button.isEnabled()
    assert browser.select(tuning.id) and browser.resume_button.isEnabled()
    panel = TuningPanel(session)
    qtbot.addWidget(panel)
    with pytest.raises(TuningRefused, match="holds single runs"):
        panel.start_tuning(runs_id)
    assert not panel.is_tuning


def test_live_trials_reach_the_table_and_charts_together(qtbot, stored_session):
    """Trials started and finished in a burst are queued and shown at once: every one in
    the table and the overlay, the new best marked, the selected trial's detail updated."""
    from .tuning_trials import Ended, random_knobs

    session, store, experiment_id = stored_session
    panel = TuningPanel(session)
    qtbot.addWidget(panel)
    panel.resize(1200, 800)
    panel.show()
    panel.charts.setCurrentWidget(panel.charts.metric_chart)
    with qtbot.waitSignal(panel.sig_metrics_read):
        panel.open_experiment(experiment_id, restore=False)
    import random

    rng = random.Random(5)
    started = [store.start_trial(experiment_id, random_knobs(rng)) for _ in range(3)]
    for trial in started:
        panel._trial_started(trial)  # noqa: SLF001 (the tuning worker's signals)
    assert panel.model.rowCount() == 12  # queued, not yet shown
    qtbot.waitUntil(lambda: panel.model.rowCount() == 15, timeout=2000)
    panel.select_trial(started[2].id)
    assert panel.detail.trial.status == "running"
    panel._trial_events(started[0].id, [{"kind": "stage", "state": "started",  # noqa: SLF001
                                         "stage": "train"}])
    qtbot.waitUntil(lambda: panel.model.data(panel.model.index(
        panel.model.row_of(started[0].id), 1)) == "running: train", timeout=2000)
    assert panel.model.trial_at(panel.model.row_of(started[0].id)).status == "running"
    for trial, score in zip(started, (0.3, 1.0, 0.1), strict=True):  # 1.0: the best
        store.record_events(trial.id, [{"kind": "metrics", "time": float(step),
                                        "values": {"loss": 1.0 / (step + 1)}}
                                       for step in range(40)])
        finished = store.finish_trial(trial.id, Ended("COMPLETED", score=score))
        panel._trial_metrics(trial.id, store.trial_metrics(trial.id))  # noqa: SLF001
        panel._trial_finished(finished)  # noqa: SLF001
    qtbot.waitUntil(lambda: panel.model.best_id == started[1].id, timeout=2000)
    assert [panel.model.trial_at(panel.model.row_of(t.id)).status for t in started] == \
        ["completed"] * 3
    row = panel.model.row_of(started[1].id)
    assert panel.model.data(panel.model.index(row, 2), Qt.ItemDataRole.FontRole).bold()
    overlay = panel.charts.metric_chart
    panel.charts.redraw_now()
    assert overlay.checklist.rowCount() == 15
    assert {t.id for t in started} <= overlay.shown_ids
    logged = 1.0 / (np.arange(40) + 1)  # the live trials' own loss (the stored ones are noisy)
    assert np.allclose(overlay.best_curve.yData, logged)  # the new best's curve, drawn bold
    assert np.allclose(overlay.selected_curve.yData, logged)
    assert panel.detail.trial.id == started[2].id and panel.detail.trial.status == "completed"


def test_the_metrics_reader_reads_every_trial_as_the_store_gives_them(stored_session):
    from rafiki_gui.tuning.metrics_reader import read_experiment_metrics

    session, store, experiment_id = stored_session
    stored = store.experiment_metrics(experiment_id)
    read = read_experiment_metrics(session.experiments, experiment_id, None)
    assert list(read.metrics) == list(stored) and len(stored) == 12
    for trial_id, columns in stored.items():
        assert set(read.metrics[trial_id]) == set(columns)
        for name, column in columns.items():
            assert np.allclose(read.metrics[trial_id][name], np.asarray(column, dtype=float),
                               equal_nan=True)
    assert set(read.reduced["loss"]) == set(stored)
    some = list(stored)[3:5]
    assert list(read_experiment_metrics(session.experiments, experiment_id, None,
                                        some).metrics) == some
