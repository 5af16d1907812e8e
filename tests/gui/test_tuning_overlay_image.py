"""The metric overlay's faint curves from a cached image: on screen it shows what the blocks
would paint themselves, a live trial keeps the image, a change to a closed block draws it
again, and the best and selected curves stay on top of every block."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage

from rafiki_gui.tuning.faint_layer import FaintBlock
from rafiki_gui.tuning.trial_charts import FAINT_BLOCK, TrialCharts

from .tuning_trials import KNOB_CONFIG, plain_trial

TRIALS = 2 * FAINT_BLOCK + 40  # two closed blocks and an open one


def _columns(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    steps = np.arange(60.0)
    return {"loss": rng.uniform(0.5, 2) / (1 + steps / 10) + rng.random(60) * 0.02}


def _pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    return np.frombuffer(image.constBits(), np.uint8).reshape(
        image.height(), image.bytesPerLine())[:, :image.width() * 4].astype(int)


@pytest.fixture
def overlay(qtbot):
    trials = [plain_trial(i, (i * 37 % 101) / 100) for i in range(1, TRIALS + 1)]
    metrics = {t.id: _columns(t.id) for t in trials}
    charts = TrialCharts()
    qtbot.addWidget(charts)
    charts.resize(700, 420)
    charts.show()
    charts.setCurrentWidget(charts.metric_chart)
    best = max(trials, key=lambda t: t.score)
    charts.set_data(trials, KNOB_CONFIG, best.id, metrics)
    qtbot.waitExposed(charts)
    return charts, trials, metrics


def _grab(chart) -> np.ndarray:
    return _pixels(chart.chart.viewport().grab().toImage())


def test_the_image_shows_what_the_blocks_paint(overlay):
    charts, _trials, _metrics = overlay
    chart = charts.metric_chart
    layer = chart.faint_layer
    from_image = _grab(chart)
    assert layer.redraws >= 1
    assert len(layer.closed_blocks()) >= 2 and layer.open_block is not None
    assert all(layer.holds(block) for block in layer.closed_blocks())
    faint = chart._faint_items  # noqa: SLF001
    assert all(isinstance(item, FaintBlock) for item in faint)
    layer.set_blocks([], None)  # nothing held: every block paints itself
    by_blocks = _grab(chart)
    assert from_image.shape == by_blocks.shape
    drawn = np.any(by_blocks != by_blocks[0, 0], axis=1).sum()
    assert drawn > 50  # rows with curves on them
    # composed in an image first, the faint grey may round one level apart
    assert np.abs(from_image - by_blocks).max() <= 3


def test_a_live_trial_keeps_the_image_and_a_changed_block_draws_it_again(overlay, qtbot):
    charts, trials, metrics = overlay
    chart = charts.metric_chart
    layer = chart.faint_layer
    _grab(chart)
    redraws = layer.redraws
    live = plain_trial(TRIALS + 1, 0.001)
    trials.append(live)
    metrics[live.id] = _columns(live.id)
    charts.metrics_changed(None, live.id)
    charts.trials_changed(charts.score_chart.best_id, metrics_of=live.id)
    charts.redraw_now()
    _grab(chart)
    assert layer.redraws == redraws  # the live trial is in the open block, painted as it is
    assert live.id in [i for i, _curve in chart._faint_curves[-1]]  # noqa: SLF001
    # selecting a trial of the first block takes its curve out of that closed block
    charts.set_selected(trials[3].id)
    _grab(chart)
    assert layer.redraws == redraws + 1
    assert len(chart.selected_curve.xData) == 60


def test_best_and_selected_curves_are_drawn_over_every_faint_block(overlay):
    charts, trials, _metrics = overlay
    chart = charts.metric_chart
    charts.set_selected(trials[-1].id)
    faint = max(item.zValue() for item in chart._faint_items)  # noqa: SLF001
    assert chart.selected_curve.zValue() > faint
    assert chart.best_curve.zValue() > chart.selected_curve.zValue()
    assert chart.faint_layer.zValue() <= min(item.zValue() for item in chart._faint_items)  # noqa: SLF001


def test_an_svg_export_draws_the_faint_curves_as_vectors(overlay, tmp_path):
    charts, _trials, _metrics = overlay
    from rafiki_gui.tuning.export import export_widget_image

    _grab(charts.metric_chart)  # the image is made on screen first
    path = tmp_path / "overlay.svg"
    export_widget_image(charts.metric_chart.chart, path)
    text = path.read_text()
    assert "<image" not in text
    assert text.count("<path") >= 3  # the faint blocks, each one path
