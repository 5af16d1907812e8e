"""Live plots from the model logger's own records: created on define_plot, filled on redraw."""

from __future__ import annotations

import numpy as np
import pytest

from rafiki.model.log import ModelLogger
from rafiki_gui.panels.plots_panel import PlotsPanel


@pytest.fixture
def panel(qtbot, session):
    widget = PlotsPanel(session)
    qtbot.addWidget(widget)
    widget.resize(700, 500)
    widget.show()
    session.sig_run_started.emit()
    return widget


def _records(body) -> list[dict]:
    """The records a model's logging calls produce, through the real ModelLogger."""
    records: list[dict] = []
    body(ModelLogger(sinks=[records.append]))
    return records


def test_a_plot_appears_when_defined_and_fills_on_redraw(panel, session):
    assert panel.placeholder.isVisible() and not panel.views

    def define(log):
        log.define_loss_plot()
        log.define_plot("Accuracy", ["train_acc", "val_acc"])

    def train(log):
        for epoch in range(10):
            log.log_loss(loss=1.0 / (epoch + 1), epoch=epoch)
            log.log(train_acc=epoch / 10, val_acc=epoch / 12)

    session.sig_run_events.emit(_records(define))
    session.sig_run_events.emit(_records(train))
    assert list(panel.views) == ["Loss Over Epochs", "Accuracy"]
    assert not panel.placeholder.isVisible()
    loss = panel.views["Loss Over Epochs"]
    assert loss.points_in_plot("loss") == 0  # not drawn per event: the timer draws
    panel.redraw()
    assert loss.points_in_plot("loss") == 10
    np.testing.assert_allclose(loss.curves["loss"].xData, np.arange(10))
    assert loss.widget.getPlotItem().getAxis("bottom").labelText == "epoch"
    accuracy = panel.views["Accuracy"]
    assert accuracy.points_in_plot("val_acc") == 10
    assert accuracy.widget.getPlotItem().getAxis("bottom").labelText == "time (s)"
    assert np.all(accuracy.curves["train_acc"].xData >= 0)
    legend = accuracy.widget.getPlotItem().legend
    assert [label.text for _sample, label in legend.items] == ["train_acc", "val_acc"]


def test_metrics_logged_before_the_plot_is_defined_are_kept(panel, session):
    def model(log):
        for step in range(5):
            log.log(step=step, reward=step * 2.0)
        log.define_plot("Reward", ["reward"], x_axis="step")
        log.log(step=5, reward=10.0)

    session.sig_run_events.emit(_records(model))
    panel.redraw()
    np.testing.assert_allclose(panel.views["Reward"].curves["reward"].yData,
                               [0, 2, 4, 6, 8, 10])


def test_points_arriving_in_many_batches_are_all_kept(panel, session):
    session.sig_run_events.emit(_records(lambda log: log.define_plot("Noise", ["v"])))
    for batch in range(20):
        session.sig_run_events.emit(
            _records(lambda log, b=batch: [log.log(v=float(b * 1000 + i)) for i in range(1000)]))
    panel.redraw()
    y = panel.views["Noise"].curves["v"].yData
    assert len(y) == 20_000
    np.testing.assert_array_equal(y, np.arange(20_000, dtype=float))


def test_smoothing_keeps_the_raw_curve_faint_behind(panel, session):
    def model(log):
        log.define_plot("Loss", ["loss"], x_axis="step")
        for step in range(100):
            log.log(step=step, loss=float(step % 2))

    session.sig_run_events.emit(_records(model))
    panel.redraw()
    view = panel.views["Loss"]
    assert not view.raw_curves["loss"].isVisible()
    view.smooth_window.setValue(10)
    view.smooth.setChecked(True)
    assert view.raw_curves["loss"].isVisible()
    assert view.raw_curves["loss"].opts["pen"].color().alpha() < 255
    np.testing.assert_array_equal(view.raw_curves["loss"].yData, np.arange(100) % 2)
    assert view.curves["loss"].yData[-1] == pytest.approx(0.5)
    view.log_y.setChecked(True)
    assert view.widget.getPlotItem().ctrl.logYCheck.isChecked()


def test_export_png_svg_csv(panel, session, tmp_path):
    def model(log):
        log.define_plot("Loss", ["loss"], x_axis="epoch")
        for epoch in range(3):
            log.log(epoch=epoch, loss=3.0 - epoch)

    session.sig_run_events.emit(_records(model))
    panel.redraw()
    view = panel.views["Loss"]
    view.export(str(tmp_path / "loss.csv"))
    assert (tmp_path / "loss.csv").read_text().splitlines() == [
        "metric,epoch,value", "loss,0.0,3.0", "loss,1.0,2.0", "loss,2.0,1.0"]
    view.export(str(tmp_path / "loss.png"))
    assert (tmp_path / "loss.png").read_bytes()[:4] == b"\x89PNG"
    view.export(str(tmp_path / "loss.svg"))
    assert "<svg" in (tmp_path / "loss.svg").read_text()
    with pytest.raises(ValueError, match="use .png, .svg or .csv"):
        view.export(str(tmp_path / "loss.gif"))


def test_a_new_run_starts_with_no_plots(panel, session):
    session.sig_run_events.emit(_records(lambda log: log.define_plot("A", ["a"])))
    assert panel.views
    session.sig_run_started.emit()
    assert not panel.views and panel.placeholder.isVisible()
