"""Live plots from the model logger's own records: created on define_plot, filled on redraw."""

from __future__ import annotations

import numpy as np
import pytest

from rafiki.model.log import ModelLogger
from rafiki_gui.panels.plots_panel import PlotsPanel


@pytest.fixture
def panel(qtbot, session, rafiki_home):  # a fresh settings file: plot choices are remembered
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


def test_a_running_panel_builds_a_card_ahead_and_the_first_plot_takes_it(panel, session,
                                                                          qtbot, monkeypatch):
    from rafiki_gui.session import Session
    from rafiki_gui.settings import set_plot_choice

    set_plot_choice("Loss", "smoothing", 0.5)  # a remembered choice reaches the spare too
    with monkeypatch.context() as patched:  # a run going, as far as the panel can tell
        patched.setattr(Session, "is_running", property(lambda _self: True))
        session.sig_run_started.emit()
        qtbot.waitUntil(lambda: panel._spare is not None)
    spare = panel._spare
    assert spare.plot is None and spare.redraw() is None  # nothing to draw yet

    def model(log):
        log.define_plot("Loss", ["loss", "val_loss"], x_axis="step")
        for step in range(10):
            log.log(step=step, loss=1.0 / (step + 1), val_loss=2.0 / (step + 1))

    session.sig_run_events.emit(_records(model))
    panel.redraw()
    view = panel.views["Loss"]
    assert view is spare and panel._spare is None and view.isVisible()
    assert "Loss" in view.title_label.text() and not view.x_choice.isVisibleTo(view)
    assert set(view.curves) == {"loss", "val_loss"} and view.smoothing == 0.5
    np.testing.assert_array_equal(view.curves["loss"].xData, np.arange(10))
    legend = [label.text for _sample, label in view.widget.getPlotItem().legend.items]
    assert legend == ["loss", "val_loss"]
    with pytest.raises(RuntimeError):
        view.bind(view.plot)


def test_smoothing_keeps_the_raw_curve_faint_behind(panel, session):
    def model(log):
        log.define_plot("Loss", ["loss"], x_axis="step")
        for step in range(100):
            log.log(step=step, loss=float(step % 2))

    session.sig_run_events.emit(_records(model))
    panel.redraw()
    view = panel.views["Loss"]
    assert view.smoothing == 0 and not view.raw_curves["loss"].isVisible()
    view.set_smoothing(0.9)
    assert view.raw_curves["loss"].isVisible()
    assert view.raw_curves["loss"].opts["pen"].color().alpha() < 255
    np.testing.assert_array_equal(view.raw_curves["loss"].yData, np.arange(100) % 2)
    smoothed = view.curves["loss"].yData
    assert smoothed[0] == 0.0  # debiased: the first point is the first raw value
    assert 0.3 < smoothed[-1] < 0.7  # an average of alternating 0 and 1
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
        "metric,epoch,value", "loss,0,3.0", "loss,1,2.0", "loss,2,1.0"]  # whole epochs
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


def _sixteen_epochs(log):
    """A 16-epoch loss falling from 2.0 to 0.004 (the issue's case for the trailing mean)."""
    log.define_loss_plot()
    for epoch in range(16):
        log.log_loss(loss=2.0 * 0.66 ** epoch, epoch=epoch)


def test_smoothing_is_tensorboards_debiased_ema(panel, session):
    session.sig_run_events.emit(_records(_sixteen_epochs))
    panel.redraw()
    view = panel.views["Loss Over Epochs"]
    view.set_smoothing(0.6)
    raw = 2.0 * 0.66 ** np.arange(16)
    # worked by hand from TensorBoard's formula, last = 0.6 * last + 0.4 * y shown as
    # last / (1 - 0.6 ** n): 0.8 / 0.4 = 2.0; (0.48 + 0.528) / 0.64 = 1.575;
    # (0.6048 + 0.34848) / 0.784 = 1.216
    smoothed = view.curves["loss"].yData
    assert smoothed[:3] == pytest.approx([2.0, 1.575, 0.95328 / 0.784], rel=1e-12)
    expected, last = [], 0.0
    for n, y in enumerate(raw, start=1):
        last = 0.6 * last + 0.4 * y
        expected.append(last / (1 - 0.6**n))
    np.testing.assert_allclose(smoothed, expected, rtol=1e-12)
    # the end lags the real end (0.0135 for 0.0039) but is not the trailing mean's 0.37
    assert smoothed[-1] == pytest.approx(0.013526, rel=1e-4)


def test_hover_shows_each_series_value_at_the_mouse(panel, session, qtbot):
    from PySide6.QtCore import QPoint, QPointF

    def model(log):
        log.define_plot("Accuracy", ["train_acc", "val_acc"], x_axis="epoch")
        for epoch in range(10):
            log.log(epoch=epoch, train_acc=epoch / 10, val_acc=epoch / 20)

    session.sig_run_events.emit(_records(model))
    panel.redraw()
    view = panel.views["Accuracy"]
    qtbot.waitExposed(view.widget)
    view.widget.getPlotItem().setRange(xRange=(0, 9), yRange=(0, 1), padding=0)
    scene_point = view.widget.getPlotItem().getViewBox().mapViewToScene(QPointF(6.2, 0.5))
    qtbot.mouseMove(view.widget.viewport(), view.widget.mapFromScene(scene_point))
    qtbot.waitUntil(lambda: view.crosshair.tip.isVisible())
    text = view.crosshair.tip.text()
    for expected in ("train_acc", "val_acc", ">0.6<", ">0.3<", ">6<", "epoch"):
        assert expected in text
    assert [line.value() for line in view.crosshair.lines][0] == 6  # snapped to the point
    corner = view.widget.rect().bottomLeft() + QPoint(3, -3)  # over the axes, off the data
    qtbot.wait(30)  # pyqtgraph drops a move within 10 ms of the last (mouseRateLimit 100/s):
    qtbot.mouseMove(view.widget.viewport(), corner)  # the test failed now and then on that
    qtbot.waitUntil(lambda: not view.crosshair.tip.isVisible())


def test_a_plot_against_a_metric_named_step_shows_its_values(panel, session):
    """x_axis="step" is the model's step metric, not the point's index (the x choice of a
    plot against time is also named "step")."""
    def model(log):
        log.define_plot("Sparse", ["loss"], x_axis="step")
        for step in (0, 10, 20, 30):
            log.log(step=step, loss=1.0 / (step + 1))

    session.sig_run_events.emit(_records(model))
    panel.redraw()
    view = panel.views["Sparse"]
    np.testing.assert_array_equal(view.curves["loss"].xData, [0, 10, 20, 30])
    hover = view._hover(18.0, 0.0, (1.0, 1.0))
    assert hover is not None and hover.snap_x == 20 and ">20<" in hover.html


def test_hover_finds_the_nearest_point_when_x_goes_back_and_forth(panel, session):
    def model(log):
        log.define_plot("Loop", ["y"], x_axis="angle")
        for angle, y in ((0.0, 1.0), (5.0, 2.0), (1.0, 3.0), (9.0, 4.0), (3.0, 5.0)):
            log.log(angle=angle, y=y)

    session.sig_run_events.emit(_records(model))
    panel.redraw()
    view = panel.views["Loop"]
    assert not view.plot.series["y"].ascending
    assert view._hover(2.6, 0.0, (1.0, 1.0)).snap_x == 3.0  # the last point, not a bisection
    assert view._hover(5.4, 0.0, (1.0, 1.0)).snap_x == 5.0


def test_integer_axes_tick_whole_numbers(panel, session):
    session.sig_run_events.emit(_records(_sixteen_epochs))
    panel.redraw()
    view = panel.views["Loss Over Epochs"]
    bottom = view.widget.getPlotItem().getAxis("bottom")
    assert bottom.integer and not view.widget.getPlotItem().getAxis("left").integer
    ticks = [v for _spacing, values in bottom.tickValues(0, 3, 400) for v in values]
    assert ticks and all(float(t).is_integer() for t in ticks)
    assert bottom.tickStrings([64.0, 128.0], 1, 64) == ["64", "128"]


def test_choices_persist_per_title_across_runs_and_a_window_restart(qtbot, session,
                                                                     rafiki_home):
    first = PlotsPanel(session)
    qtbot.addWidget(first)
    session.sig_run_started.emit()
    session.sig_run_events.emit(_records(lambda log: log.define_plot("Reward", ["reward"])))
    view = first.views["Reward"]
    assert view.x_choice.isVisible() or not view.isVisible()
    view.set_smoothing(0.75)
    view.log_y.setChecked(True)
    view.x_choice.setCurrentText("step")
    session.sig_run_started.emit()  # a new run: the same title comes back as it was left
    session.sig_run_events.emit(_records(lambda log: log.define_plot("Reward", ["reward"])))
    again = first.views["Reward"]
    assert again is not view
    assert (again.smoothing, again.log_y.isChecked(), again.x_mode) == (0.75, True, "step")
    first.close()
    first.deleteLater()

    restarted = PlotsPanel(session)  # a new window reads the settings file again
    qtbot.addWidget(restarted)
    session.sig_run_started.emit()
    session.sig_run_events.emit(_records(lambda log: (log.define_plot("Reward", ["reward"]),
                                                      log.define_plot("Other", ["o"]))))
    view = restarted.views["Reward"]
    assert (view.smoothing, view.log_y.isChecked(), view.x_mode) == (0.75, True, "step")
    other = restarted.views["Other"]
    assert (other.smoothing, other.log_y.isChecked(), other.x_mode) == (
        0.0, False, "relative time")


def test_time_plots_offer_relative_wall_and_step(panel, session):
    def model(log):
        log.define_plot("Reward", ["reward"])
        for step in range(5):
            log.log(reward=float(step))

    records = _records(model)
    for index, record in enumerate(records):  # half a second apart
        record["time"] = 1_000_000.0 + 0.5 * index
    session.sig_run_events.emit(records)
    panel.redraw()
    view = panel.views["Reward"]
    np.testing.assert_allclose(view.curves["reward"].xData, [0.5, 1.0, 1.5, 2.0, 2.5])
    view.x_choice.setCurrentText("step")
    np.testing.assert_allclose(view.curves["reward"].xData, np.arange(5))
    assert view.widget.getPlotItem().getAxis("bottom").labelText == "step"
    view.x_choice.setCurrentText("wall time")
    assert view.curves["reward"].xData[0] == pytest.approx(1_000_000.5)
    assert type(view.widget.getPlotItem().getAxis("bottom")).__name__ == "DateAxisItem"


def test_cards_fill_one_to_three_columns_and_maximize(panel, session, qtbot):
    def model(log):
        for name in "ABCD":
            log.define_plot(name, [name.lower()])

    session.sig_run_events.emit(_records(model))
    grid = panel.grid
    for width, columns in ((600, 1), (1000, 2), (1500, 3)):
        panel.resize(width, 700)
        qtbot.waitUntil(lambda c=columns: grid.columns == c)
        rows = {grid.grid.getItemPosition(grid.grid.indexOf(card))[0] for card in grid.cards}
        assert len(rows) == -(-4 // columns)
    card = panel.views["C"]
    card.maximize_button.click()
    assert grid.maximized is card
    assert card.isVisible() and not panel.views["A"].isVisible()
    assert card.height() >= grid.viewport().height() - 20
    card.maximize_button.click()
    assert grid.maximized is None and panel.views["A"].isVisible()
