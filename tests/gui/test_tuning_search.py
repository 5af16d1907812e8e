"""The tuning tab's search options (sampler, pruning, warm start) and where the compute went:
pruned trials in the table and the "Over time" chart, and the options reaching a real tuning."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from rafiki.experiments import Experiments
from rafiki.store import Store
from rafiki_gui.main_window import MainWindow
from rafiki_gui.session import Session
from rafiki_gui.tuning.search_options import SearchOptionsBox
from rafiki_gui.tuning.trial_charts import TrialCharts
from rafiki_gui.tuning.trials_model import TrialsModel
from rafiki_gui.tuning.tuning_panel import TuningRefused

from ..sdk.model_files.datasets import write_image_zip
from .tuning_trials import KNOB_CONFIG, Ended, filled_store

QUICK_MODEL = Path(__file__).resolve().parents[1] / "engine" / "store_models" / "quick_model.py"


def _add_pruned(store: Store, experiment_id: int, knobs: dict, step: int, saved: float) -> None:
    trial = store.start_trial(experiment_id, knobs)
    store.finish_trial(trial.id, Ended("STOPPED"), pruned={
        "metric": "val_accuracy", "step_name": "epoch", "step": step, "value": 0.25,
        "points": step + 1, "higher_is_better": True, "full_length": 20,
        "seconds_saved": saved})


def test_pruned_trials_show_in_the_table_and_the_over_time_chart(qtbot, tmp_path):
    store, experiment_id = filled_store(tmp_path, trials=6)
    knobs = store.trials(experiment_id)[0].knobs
    _add_pruned(store, experiment_id, knobs, step=3, saved=12.5)
    _add_pruned(store, experiment_id, knobs, step=1, saved=20.0)
    trials = store.trials(experiment_id)
    model = TrialsModel(KNOB_CONFIG)
    model.set_trials(trials)
    pruned_row = model.row_of(trials[6].id)
    status = model.index(pruned_row, 1)
    assert model.data(status) == "pruned at epoch 3"
    assert model.data(status, Qt.ItemDataRole.ToolTipRole) == \
        "pruned at epoch 3: val_accuracy 0.25"

    charts = TrialCharts()
    qtbot.addWidget(charts)
    charts.show()
    charts.set_data(trials, KNOB_CONFIG, model.best_id, {})
    charts.setCurrentWidget(charts.compute_chart)
    chart = charts.compute_chart
    assert len(chart.pruned_points.xData) == 2
    assert len(chart.points.xData) == 6  # the completed trials, by when they ended
    assert "2 pruned (saved ~32.5 trial-seconds, estimated)" in chart.summary.text()
    assert chart.best_line.yData[-1] == pytest.approx(store.best_trial(experiment_id).score)
    store.close()


def test_the_box_gives_the_tuner_its_options_and_prunes_only_once_a_metric_is_chosen(qtbot):
    box = SearchOptionsBox()
    qtbot.addWidget(box)
    box.show()
    # the default pruner is what the combo starts on, as the CLI's default once a metric is
    # given; with no metric chosen yet nothing is pruned, and the empty field says so
    assert box.pruner_combo.currentText() == "hyperband (default)"
    assert box.metric_combo.isEnabled() and box.metric_combo.currentText() == ""
    assert box.metric_combo.lineEdit().placeholderText() == "none: pruning off"
    assert box.options().as_tuner_options() == {"sampler": None, "pruning": None,
                                                "warm_start": []}
    box.set_sampler("random")
    box.set_pruning("hyperband", metric="loss", step="point")
    options = box.options()
    assert options.sampler == "random"
    assert (options.pruning.pruner, options.pruning.metric, options.pruning.step) == \
        ("hyperband", "loss", "point")
    assert not options.pruning.higher_is_better
    box.metric_combo.setCurrentText(" ")
    assert box.options().pruning is None
    box.set_pruning("median", metric="loss", step=" ")
    with pytest.raises(ValueError, match="needs a step"):
        box.options()


def test_the_box_proposes_what_the_bundled_examples_log(qtbot):
    box = SearchOptionsBox()
    qtbot.addWidget(box)
    # what a tuning of the image example logged: the epoch counter is the plots' x axis
    box.set_metric_names(["epoch", "loss", "train_accuracy", "val_accuracy"], {"epoch"})
    metrics = [box.metric_combo.itemText(i) for i in range(box.metric_combo.count())]
    assert metrics[:2] == ["val_accuracy", "loss"] and "epoch" not in metrics
    assert box.step_combo.currentText() == "epoch"
    box.metric_combo.setCurrentIndex(0)
    pruning = box.options().pruning
    assert (pruning.pruner, pruning.metric, pruning.step, pruning.higher_is_better) == \
        ("hyperband", "val_accuracy", "epoch", True)


@pytest.mark.slow
def test_a_tuning_from_the_tab_uses_the_chosen_sampler_and_pruner_then_warm_starts(
        qtbot, rafiki_home, tmp_path):
    window = MainWindow(Session(experiments=Experiments(Store())))
    qtbot.addWidget(window)
    window.session.set_train_path(str(write_image_zip(tmp_path / "train.zip", [0, 1, 0, 1])))
    window.session.set_test_path(str(write_image_zip(tmp_path / "test.zip", [0, 1])))
    with qtbot.waitSignal(window.model_panel.sig_inspection_done, timeout=60_000):
        window.model_panel.open_model(str(QUICK_MODEL))
    panel = window.tuning_panel
    session = window.session
    session.set_knobs({**session.knobs, "delay": 0.0, "x": 0.3})
    panel.set_pinned(["delay"])
    panel.trials_spin.setValue(2)
    panel.parallel_spin.setValue(1)
    panel.search_box.set_sampler("random")
    panel.search_box.set_pruning("median", metric="loss", step="")
    with pytest.raises(TuningRefused, match="needs a step"):
        panel.start_tuning()
    panel.search_box.set_pruning("median", metric="loss", step="epoch")
    started: list[int] = []
    panel.sig_tuning_started.connect(started.append)
    with qtbot.waitSignal(panel.sig_tuning_finished, timeout=120_000) as done:
        panel.start_tuning()
    result = done.args[0]
    assert result is not None and len(result.trials) == 2, panel.status.text()
    settings = session.experiments.get(started[0]).settings
    assert settings["sampler"] == "random"
    assert settings["pruning"] == {"metric": "loss", "pruner": "median", "step": "epoch",
                                   "direction": "auto"}
    assert "trial-seconds" in panel.status.text()

    # The next tuning of this model (other pins: another experiment) can warm-start from it
    panel.set_pinned([])
    panel.open_experiment(started[0], restore=False)
    combo = panel.search_box.warm_combo
    index = combo.findData(started[0])
    assert index > 0, [combo.itemText(i) for i in range(combo.count())]
    combo.setCurrentIndex(index)
    assert panel.search_box.options().warm_start == [started[0]]
    panel.shutdown()
    window.close()
