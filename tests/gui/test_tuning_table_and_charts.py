"""The trials table, the tuning charts, knob importance and export, over real store records."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from PySide6.QtCore import Qt

from rafiki.model import IntegerKnob
from rafiki_gui.tuning import chart_data as cd
from rafiki_gui.tuning.export import export_widget_image, trials_csv
from rafiki_gui.tuning.importance import knob_importance
from rafiki_gui.tuning.trial_charts import TrialCharts
from rafiki_gui.tuning.trials_model import TrialsModel, TrialsProxy, format_knob

from .tuning_trials import KNOB_CONFIG, Ended, filled_store, plain_trial


@pytest.fixture
def stored(tmp_path):
    store, experiment_id = filled_store(tmp_path, trials=30, points=50)
    yield store, experiment_id
    store.close()


def _column(model: TrialsModel, name: str) -> int:
    return [model.column_name(c) for c in range(model.columnCount())].index(name)


def test_table_shows_trials_with_log_knobs_in_scientific_notation(qtbot, stored):
    store, experiment_id = stored
    trials = store.trials(experiment_id)
    model = TrialsModel(KNOB_CONFIG)
    model.set_trials(trials)
    assert model.rowCount() == 30
    assert [model.column_name(c) for c in range(model.columnCount())] == [
        "#", "status", "score", "duration (s)", "learning_rate", "hidden_units", "activation"]
    lr = model.data(model.index(0, _column(model, "learning_rate")))
    assert "e-0" in lr and float(lr) == pytest.approx(trials[0].knobs["learning_rate"], rel=1e-3)
    assert model.data(model.index(0, _column(model, "hidden_units"))) == str(
        trials[0].knobs["hidden_units"])
    assert model.data(model.index(9, 1)) == "errored"
    assert "bad knobs" in model.data(model.index(9, 1), Qt.ItemDataRole.ToolTipRole)
    assert format_knob(0.001, KNOB_CONFIG["learning_rate"]) == "1e-03"
    assert format_knob(0.25, None) == "0.25"
    assert format_knob(103, IntegerKnob(32, 128, is_exp=True)) == "103"


def test_best_trial_is_highlighted_and_follows_live_updates(qtbot, stored):
    store, experiment_id = stored
    trials = store.trials(experiment_id)
    model = TrialsModel(KNOB_CONFIG)
    model.set_trials(trials)
    best = store.best_trial(experiment_id)
    assert model.best_id == best.id
    best_row = model.row_of(best.id)
    assert model.data(model.index(best_row, 2), Qt.ItemDataRole.BackgroundRole) is not None
    assert model.data(model.index(0 if best_row else 1, 2),
                      Qt.ItemDataRole.BackgroundRole) is None

    running = plain_trial(1000, None, "running")
    with qtbot.waitSignal(model.rowsInserted):
        model.upsert(running)
    assert model.rowCount() == 31 and model.data(model.index(30, 1)) == "running"
    finished = plain_trial(1000, 2.0)  # beats every score in [0, 1)
    with qtbot.waitSignal(model.dataChanged):
        model.upsert(finished)
    assert model.rowCount() == 31
    assert model.best_id == 1000
    assert model.data(model.index(best_row, 2), Qt.ItemDataRole.BackgroundRole) is None


def test_proxy_sorts_numbers_as_numbers_missing_last_and_filters(qtbot, stored):
    store, experiment_id = stored
    model = TrialsModel(KNOB_CONFIG)
    model.set_trials(store.trials(experiment_id))
    proxy = TrialsProxy()
    proxy.setSourceModel(model)
    proxy.sort(2, Qt.SortOrder.AscendingOrder)
    scores = [proxy.data(proxy.index(r, 2)) for r in range(proxy.rowCount())]
    numeric = [float(s) for s in scores if s]
    assert numeric == sorted(numeric)
    assert scores[-3:] == ["", "", ""]  # the three errored trials have no score
    units = _column(model, "hidden_units")
    proxy.sort(units, Qt.SortOrder.DescendingOrder)
    values = [int(proxy.data(proxy.index(r, units))) for r in range(proxy.rowCount())]
    assert values == sorted(values, reverse=True)
    proxy.set_filter_text("ERRORED")
    assert proxy.rowCount() == 3
    assert {proxy.data(proxy.index(r, 1)) for r in range(3)} == {"errored"}


def test_chart_data_best_so_far_reduction_and_axes():
    trials = [plain_trial(1, 0.5), plain_trial(2, 0.3), plain_trial(3, None, "errored"),
              plain_trial(4, 0.9)]
    numbers, scores, best = cd.scores_by_trial(trials)
    assert numbers.tolist() == [1, 2, 4] and best.tolist() == [0.5, 0.5, 0.9]
    y = np.sin(np.arange(10_000) / 50.0)
    y[4321] = 7.0
    x_small, y_small = cd.reduce_curve(np.arange(10_000.0), y)
    assert len(x_small) <= cd.OVERLAY_POINTS_PER_CURVE and y_small.max() == 7.0
    x, _y = cd.joined_curves([(np.arange(3.0), np.ones(3)), (np.arange(2.0), np.ones(2))])
    assert len(x) == 7 and np.isnan(x[3])
    knobbed = [plain_trial(1, 0.2, knobs={"learning_rate": 1e-5, "hidden_units": 2,
                                          "activation": "tanh"}),
               plain_trial(2, 0.8, knobs={"learning_rate": 1e-1, "hidden_units": 64,
                                          "activation": "relu"})]
    axes = cd.parallel_axes(knobbed, KNOB_CONFIG)
    assert [a.kind for a in axes] == ["log", "linear", "categorical", "linear"]
    positions, scores, ids = cd.parallel_lines(knobbed, axes)
    assert ids == [t.id for t in knobbed] and scores.tolist() == [0.2, 0.8]
    assert positions.tolist() == [[0.0, 0.0, 1.0, 0.0], [1.0, 1.0, 0.0, 1.0]]
    assert axes[0].position(1e-3) == pytest.approx(0.5)
    assert [label for _, label in axes[2].ticks()] == ["relu", "tanh"]


def test_charts_draw_every_tab_and_export_png_svg_csv(qtbot, stored, tmp_path):
    store, experiment_id = stored
    trials = store.trials(experiment_id)
    charts = TrialCharts()
    qtbot.addWidget(charts)
    charts.resize(800, 500)
    charts.show()
    best = store.best_trial(experiment_id)
    charts.set_data(trials, KNOB_CONFIG, best.id, store.experiment_metrics(experiment_id))
    for index in range(charts.count()):
        charts.setCurrentIndex(index)
    overlay = charts.metric_chart
    assert overlay.metric == "loss"
    shown = [t for t in trials if t.id in overlay.metrics and t.id != best.id]
    assert np.count_nonzero(np.isnan(overlay.others.xData)) == len(shown)
    assert len(overlay.best_curve.xData) == 50
    overlay.set_hidden(best.id, True)
    assert overlay.best_curve.xData is None or len(overlay.best_curve.xData) == 0
    qtbot.waitUntil(lambda: charts.importance_chart.result is not None, timeout=20000)
    assert set(charts.importance_chart.result.importances) == set(KNOB_CONFIG)
    for suffix in ("png", "svg"):
        path = tmp_path / f"chart.{suffix}"
        export_widget_image(charts.current_chart().chart, path)
        assert path.stat().st_size > 1000
    with pytest.raises(ValueError, match="use .png or .svg"):
        export_widget_image(charts, tmp_path / "chart.jpg")
    rows = list(csv.DictReader(io.StringIO(trials_csv(trials, list(KNOB_CONFIG)))))
    assert len(rows) == 30 and rows[9]["status"] == "errored"
    assert float(rows[0]["learning_rate"]) == trials[0].knobs["learning_rate"]


def test_overlay_list_hides_an_unticked_trial_and_takes_live_trials(qtbot, stored):
    store, experiment_id = stored
    trials = store.trials(experiment_id)
    best = store.best_trial(experiment_id)
    metrics = store.experiment_metrics(experiment_id)
    charts = TrialCharts()
    qtbot.addWidget(charts)
    charts.show()
    charts.setCurrentWidget(charts.metric_chart)
    charts.set_data(trials, KNOB_CONFIG, best.id, metrics)
    overlay, rows = charts.metric_chart, charts.metric_chart.checklist

    def faint_curves() -> int:  # every faint curve ends with a NaN gap
        return sum(int(np.count_nonzero(np.isnan(item.xData))) for item in overlay._faint_items
                   if item.xData is not None)

    assert rows.rowCount() == 30
    first = trials[0]
    assert rows.data(rows.index(0)) == f"#{first.number}  {first.score:.4f}"
    shown = faint_curves()
    other = next(row for row, t in enumerate(trials) if t.id != best.id and t.id in metrics)
    # the user unticks a trial's row: its curve goes, and stays gone as trials arrive
    rows.setData(rows.index(other), Qt.CheckState.Unchecked.value,
                 Qt.ItemDataRole.CheckStateRole)
    assert trials[other].id in overlay.hidden and faint_curves() == shown - 1
    assert rows.data(rows.index(other), Qt.ItemDataRole.CheckStateRole) == \
        Qt.CheckState.Unchecked
    live = store.start_trial(experiment_id, {"learning_rate": 1e-3, "hidden_units": 8,
                                             "activation": "relu"})
    store.record_events(live.id, [{"kind": "metrics", "time": float(step),
                                   "values": {"loss": 1.0 / (step + 2)}} for step in range(50)])
    trials.append(store.finish_trial(live.id, Ended("COMPLETED", score=0.01)))
    metrics[live.id] = store.trial_metrics(live.id)
    charts.metrics_changed(None, live.id)
    charts.trials_changed(best.id, metrics_of=live.id)
    charts.redraw_now()
    assert rows.rowCount() == 31 and rows.data(rows.index(30)).endswith("0.0100")
    assert faint_curves() == shown and trials[other].id in overlay.hidden
    # points per curve go in steps: one more curve does not reduce every curve again
    assert [cd.points_per_curve(n) for n in (1, 1000, 4999, 5000, 5001)] == [200, 200, 40,
                                                                             40, 32]


def test_importance_explains_why_it_is_absent():
    few = [plain_trial(1, 0.5, knobs={"learning_rate": 1e-3, "hidden_units": 4,
                                      "activation": "relu"})]
    found = knob_importance(few, KNOB_CONFIG)
    assert found.importances == {} and "at least 3 completed trials" in found.problem
    found = knob_importance(few * 5, KNOB_CONFIG, prefer_fanova=False)
    assert found.evaluator == "PED-ANOVA"


def test_stored_predictions_read_as_classes_and_tags():
    from rafiki_gui.tuning.trial_detail import predictions_text

    text = predictions_text({"queries": {"count": 3, "source": "the first 3 test samples"},
                             "predictions": [[0.1, 0.85, 0.05], [[0.9, 0.1], [0.2, 0.8]],
                                             {"answer": 4}]}, {1: "cat"})
    assert text.splitlines() == ["3 queries (the first 3 test samples):",
                                 "query 0: cat (0.850); next 0 (0.100)",
                                 "query 1: tags 0 cat",
                                 'query 2: {"answer": 4}']


def test_a_painted_cell_gets_every_role_in_one_call_as_data_gives_them(qtbot):
    from PySide6.QtCore import QModelRoleData, QModelRoleDataSpan

    trials = [plain_trial(i, i / 10, knobs={"learning_rate": 10.0 ** -i, "hidden_units": i,
                                            "activation": "relu"}) for i in range(1, 8)]
    trials.append(plain_trial(8, None, "errored"))
    model = TrialsModel(KNOB_CONFIG)
    model.set_trials(trials)
    proxy = TrialsProxy()
    proxy.setSourceModel(model)
    proxy.sort(2, Qt.SortOrder.DescendingOrder)  # the best first, the errored trial last
    roles = [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.FontRole,
             Qt.ItemDataRole.TextAlignmentRole, Qt.ItemDataRole.ForegroundRole,
             Qt.ItemDataRole.CheckStateRole, Qt.ItemDataRole.DecorationRole,
             Qt.ItemDataRole.BackgroundRole]

    def one_call(index, role):
        role_data = QModelRoleData(int(role))
        proxy.multiData(index, QModelRoleDataSpan(role_data))
        return role_data.data()

    for text in ("", "errored", "relu"):
        proxy.set_filter_text(text)
        assert proxy.rowCount() == {"": 8, "errored": 1, "relu": 7}[text]
        for row in range(proxy.rowCount()):
            for column in range(proxy.columnCount()):
                index = proxy.index(row, column)
                assert proxy.flags(index) == model.flags(proxy.mapToSource(index))
                for role in roles:
                    assert one_call(index, role) == proxy.data(index, role), (text, row,
                                                                                column, role)
    proxy.set_filter_text("errored")
    assert one_call(proxy.index(0, 1), Qt.ItemDataRole.DisplayRole) == "errored"
    proxy.set_filter_text("")
    assert one_call(proxy.index(0, 0), Qt.ItemDataRole.DisplayRole) == "7"
    assert one_call(proxy.index(0, 0), Qt.ItemDataRole.FontRole).bold()  # the best trial
