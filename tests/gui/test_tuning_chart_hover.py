"""The tuning charts under the mouse: tooltips name the trial and its values, a click on a
trial's point or line selects it in the trials table, integer knobs read as integers, and
each chart's numbers export as CSV."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from rafiki.experiments import Experiments
from rafiki.model.knob import deserialize_knob_config
from rafiki_gui.session import Session
from rafiki_gui.tuning.tuning_panel import TuningPanel

from .tuning_trials import filled_store


@pytest.fixture
def panel(qtbot, tmp_path):
    store, experiment_id = filled_store(tmp_path, trials=12, points=20)
    session = Session(experiments=Experiments(store))
    session.knob_config = deserialize_knob_config(
        store.get_experiment(experiment_id).knob_config)
    widget = TuningPanel(session)
    qtbot.addWidget(widget)
    widget.resize(1300, 900)
    widget.show()
    with qtbot.waitSignal(widget.sig_experiment_opened):
        widget.open_experiment(experiment_id, restore=False)
    yield widget
    store.close()


def _at(chart, x: float, y: float):
    """The widget position of data point (x, y) on a chart view's PlotWidget."""
    widget = chart.chart
    view = widget.getPlotItem().getViewBox()
    view.updateAutoRange()  # what the next paint would do after new data
    scene = view.mapViewToScene(QPointF(x, y))
    return widget.mapFromScene(scene)


def _show(panel, chart, qtbot) -> None:
    panel.charts.setCurrentWidget(chart)
    qtbot.waitExposed(chart.chart)


def test_score_chart_hover_and_click_select_the_trial(panel, qtbot):
    chart = panel.charts.score_chart
    _show(panel, chart, qtbot)
    trial = next(t for t in panel.trials if t.score is not None and t.number == 5)
    qtbot.mouseMove(chart.chart.viewport(), _at(chart, trial.number, trial.score))
    qtbot.waitUntil(lambda: chart.crosshair.tip.isVisible())
    text = chart.crosshair.tip.text()
    assert "Trial 5" in text and f"{trial.score:.6g}" in text and "best so far" in text
    qtbot.mouseClick(chart.chart.viewport(), Qt.MouseButton.LeftButton,
                     pos=_at(chart, trial.number, trial.score))
    assert panel.selected_trial().id == trial.id
    assert panel.detail.trial.id == trial.id


def test_parallel_coordinates_click_a_line_and_integer_knob_labels(panel, qtbot):
    chart = panel.charts.parallel_chart
    _show(panel, chart, qtbot)
    axes, positions, _scores, ids = chart._lines
    names = [a.name for a in axes]
    units = axes[names.index("hidden_units")]
    assert units.integer
    labels = [label for _p, label in units.ticks()]
    assert labels == ["2", "33", "64"]  # IntegerKnob(2, 64), never 6.4e+01
    assert chart.sizeHint().height() >= 300  # asked for, not a minimum
    row = len(ids) // 2
    # midway between the first two axes, on this trial's line
    y = (positions[row, 0] + positions[row, 1]) / 2
    hover = chart.crosshair.show_at(0.5, y)
    assert hover is not None and hover.key in ids
    hovered = chart.trial(hover.key)
    assert f"Trial {hovered.number}" in hover.html
    assert units.text(hovered.knobs["hidden_units"]) in hover.html
    qtbot.mouseClick(chart.chart.viewport(), Qt.MouseButton.LeftButton, pos=_at(chart, 0.5, y))
    assert panel.selected_trial().id == hover.key


def test_slice_chart_click_selects_and_integer_knob_axis(panel, qtbot):
    chart = panel.charts.slice_chart
    _show(panel, chart, qtbot)
    chart.knob_box.setCurrentText("hidden_units")
    assert chart.chart.getPlotItem().getAxis("bottom").integer
    xs, scores, _values, _name, ids = chart._drawn
    index = int(np.argmax(scores))
    qtbot.mouseClick(chart.chart.viewport(), Qt.MouseButton.LeftButton,
                     pos=_at(chart, xs[index], scores[index]))
    assert panel.selected_trial().id == ids[index]


def test_each_chart_exports_its_numbers_as_csv(panel, qtbot, tmp_path):
    for chart in (panel.charts.score_chart, panel.charts.parallel_chart,
                  panel.charts.slice_chart):
        _show(panel, chart, qtbot)
        path = tmp_path / f"{chart.title}.csv"
        panel.export_chart(str(path))
        rows = list(csv.reader(io.StringIO(path.read_text())))
        assert rows[0][0] == "trial" and len(rows) > 5
    score_rows = list(csv.DictReader(io.StringIO((tmp_path / "Score.csv").read_text())))
    scored = sorted((t.number, t.score) for t in panel.trials if t.score is not None)
    assert [(int(r["trial"]), float(r["score"])) for r in score_rows] == scored


def test_metric_overlay_names_the_trial_under_the_mouse(panel, qtbot):
    chart = panel.charts.metric_chart
    _show(panel, chart, qtbot)
    qtbot.waitUntil(lambda: len(getattr(chart, "_hover_points", ((),))[0]) > 0, timeout=30000)
    xs, ys, owners = chart._hover_points
    at = len(xs) // 3
    hover = chart.crosshair.show_at(float(xs[at]), float(ys[at]))
    assert hover is not None and hover.key == owners[at]
    assert f"#{chart.trial(int(owners[at])).number}" in hover.html
    chart.crosshair.click(hover.key)
    assert panel.selected_trial().id == owners[at]
