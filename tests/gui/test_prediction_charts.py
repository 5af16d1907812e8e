"""The predictions panel's charts as a user reads them: a square confusion matrix at its
pane's size with a colour scale, counts that fit their cells, row normalisation, a cell
click that filters the predictions to that pair; per-tag accuracy named and zoomed."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from rafiki_gui.charts import ConfusionMatrixChart
from rafiki_gui.panels.predictions_panel import PredictionsPanel
from rafiki_gui.prediction_models import ImagePredictionsModel

CLASSES = 10


@pytest.fixture
def panel(qtbot, session):
    made = PredictionsPanel(session)
    qtbot.addWidget(made)
    made.resize(1000, 640)
    made.show()
    yield made
    made.shutdown()


def _image_predictions(count: int = 300, seed: int = 0):
    """Images, probability lists and true labels: right 80% of the time."""
    rng = np.random.default_rng(seed)
    true = rng.integers(0, CLASSES, count)
    predicted = np.where(rng.random(count) < 0.8, true, rng.integers(0, CLASSES, count))
    probabilities = np.full((count, CLASSES), 0.02)
    probabilities[np.arange(count), predicted] = 0.82
    images = [np.zeros((8, 8), dtype=np.uint8)] * count
    return images, probabilities.tolist(), true, predicted


def _cell_position(chart, true: int, predicted: int):
    view = chart.plotItem.getViewBox()
    view.updateAutoRange()
    return chart.mapFromScene(view.mapViewToScene(QPointF(predicted, true)))


def _color_bar_labels(chart) -> list[str]:
    """The tick labels the colour bar's axis draws."""
    from PySide6.QtGui import QImage, QPainter

    axis = chart.color_bar.axis
    image = QImage(200, 400, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _rect, _flags, text in specs[2]] if specs else []


def test_confusion_matrix_square_readable_normalised_and_click_to_filter(panel, qtbot):
    images, probabilities, true, predicted = _image_predictions()
    panel.show_image_predictions(images, probabilities, true, indices=np.arange(len(true)),
                                 what="samples")
    chart = panel.confusion_chart
    qtbot.waitExposed(chart)
    view = chart.plotItem.getViewBox()
    qtbot.waitUntil(lambda: chart.cell_pixels() > 0)
    width, height = view.viewPixelSize()
    assert width == pytest.approx(height)  # square cells
    assert chart.cell_pixels() * CLASSES >= 0.5 * min(chart.width(), chart.height())
    assert chart.color_bar.isVisible() and chart.color_bar.levels() == (0, chart.counts.max())
    counts = chart.counts
    shown = chart.texts_shown()
    assert shown and set(shown) <= {str(c) for c in counts.ravel() if c}

    drawn = _color_bar_labels(chart)
    assert drawn and all(label.isdigit() for label in drawn), drawn  # no half-counts
    few = ConfusionMatrixChart()  # a handful of samples: counts up to 3
    qtbot.addWidget(few)
    few.resize(400, 400)
    few.show()
    few.set_matrix(np.array([[2, 1], [0, 3]]), ["cat", "dog"])
    qtbot.waitExposed(few)
    assert _color_bar_labels(few) == ["0", "1", "2", "3"]

    panel.normalize_check.setChecked(True)
    assert chart.color_bar.levels() == (0, 1)
    assert any("." in label for label in _color_bar_labels(chart))  # shares: 0.2, 0.4, …
    assert all(text.endswith("%") for text in chart.texts_shown())
    panel.normalize_check.setChecked(False)

    pair = next((t, p) for t in range(CLASSES) for p in range(CLASSES)
                if t != p and counts[t, p])
    hover = chart.crosshair.show_at(pair[1], pair[0])
    assert f">{counts[pair]}<" in hover.html
    qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton,
                     pos=_cell_position(chart, *pair))
    model = panel.image_model
    assert model.rowCount() == counts[pair]
    for row in range(model.rowCount()):
        sample = model.sample_at(row)
        assert (true[sample], predicted[sample]) == pair
    assert panel.cell_filter_button.isVisible()
    panel.cell_filter_button.click()
    assert model.rowCount() == len(true) and not panel.cell_filter_button.isVisible()
    assert model.data(model.index(0, ImagePredictionsModel.TRUE))  # rows read again


def test_cell_numbers_left_out_when_they_would_spill(qtbot):


    chart = ConfusionMatrixChart()
    qtbot.addWidget(chart)
    chart.resize(600, 600)
    chart.show()
    qtbot.waitExposed(chart)
    counts = np.full((CLASSES, CLASSES), 7) + np.eye(CLASSES, dtype=int) * 120
    chart.set_matrix(counts, [str(i) for i in range(CLASSES)])
    qtbot.waitUntil(lambda: chart.cell_pixels() > 30)
    assert sorted(set(chart.texts_shown())) == ["127", "7"]
    chart.resize(170, 170)  # cells of ~10 px: no number fits in one
    qtbot.waitUntil(lambda: chart.cell_pixels() < 14)
    assert chart.texts_shown() == []


def test_per_tag_accuracy_names_tags_and_zooms_to_the_data(panel, session):
    session.label_names = {i: name for i, name in enumerate(["ADJ", "NOUN", "VERB", "PUNCT"])}
    sentences = [["a", "b", "c", "d"]] * 50
    gold = [[0, 1, 2, 3]] * 50
    predicted = [[0, 1, 2, 3]] * 47 + [[1, 1, 2, 3]] * 2 + [[0, 2, 2, 3]]
    panel.show_tagging_predictions(sentences, predicted, gold, what="sentences")
    chart = panel.tag_accuracy_chart
    assert chart.labels == ["ADJ", "NOUN", "VERB", "PUNCT"]
    low, high = chart.plotItem.getViewBox().viewRange()[0]
    assert 0.8 < low < 0.96 and high >= 1.0  # ADJ at 0.96 (48 of 50): not a 0-1 axis
    hover = chart.crosshair.show_at(0.95, 0)
    assert "ADJ" in hover.html and ">0.96<" in hover.html and ">50<" in hover.html


def test_a_tag_without_samples_says_so_and_no_gold_tags_hide_the_chart(panel, session):
    session.label_names = {i: name for i, name in enumerate(["ADJ", "NOUN", "VERB"])}
    panel.show_tagging_predictions([["a", "b"]] * 3, [[0, 1]] * 3, [[0, 1]] * 3,
                                   what="sentences")
    chart = panel.tag_accuracy_chart
    assert chart.labels == ["ADJ", "NOUN", "VERB"] and not chart.isHidden()
    hover = chart.crosshair.show_at(0.99, 2)  # VERB: no gold token has it
    assert "VERB" in hover.html and "no samples" in hover.html and "nan" not in hover.html
    panel.show_tagging_predictions([["a", "b"]], [[0, 1]], None, what="your sentence")
    assert chart.isHidden() and "no gold tags" in panel.tagging_accuracy.text()
    assert "Tags of 1 sentence by" in panel.status_label.text()


def test_prediction_charts_export_png_svg_and_csv_from_their_menu(panel, qtbot, tmp_path):
    images, probabilities, true, _predicted = _image_predictions(100)
    panel.show_image_predictions(images, probabilities, true, indices=np.arange(len(true)),
                                 what="samples")
    chart = panel.confusion_chart
    assert [a.text() for a in chart.actions()] == [
        "Export as PNG (2×)…", "Export as SVG…", "Export data as CSV…"]
    chart.export(str(tmp_path / "matrix.csv"))
    lines = (tmp_path / "matrix.csv").read_text().splitlines()
    assert lines[0] == "true,predicted,count,share of the true class"
    assert len(lines) == 1 + CLASSES * CLASSES
    assert sum(int(line.split(",")[2]) for line in lines[1:]) == 100
    for suffix in ("png", "svg"):
        chart.export(str(tmp_path / f"matrix.{suffix}"))
        assert (tmp_path / f"matrix.{suffix}").stat().st_size > 1000
    probabilities_chart = panel.probability_chart
    probabilities_chart.export(str(tmp_path / "probabilities.csv"))
    assert (tmp_path / "probabilities.csv").read_text().splitlines()[0] == \
        "category,probability"
