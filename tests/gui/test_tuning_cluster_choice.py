"""The tuning tab's cluster parts that need no cluster: the node column and the choice."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QSortFilterProxyModel

from rafiki_gui.tuning.cluster_choice import ClusterChoice
from rafiki_gui.tuning.trials_model import TrialsModel, TrialsProxy

from .tuning_trials import KNOB_CONFIG, plain_trial

KNOBS = {"learning_rate": 0.01, "hidden_units": 8, "activation": "relu"}


def _names(model) -> list[str]:
    return [model.column_name(c) for c in range(model.columnCount())]


def test_the_node_column_appears_when_a_trial_ran_on_a_cluster_node(qtbot):
    model = TrialsModel(KNOB_CONFIG)
    proxy = TrialsProxy()
    proxy.setSourceModel(model)
    model.set_trials([plain_trial(1, 0.5, knobs=KNOBS)])
    assert "node" not in _names(model)  # a local tuning's table is as it was

    remote = dataclasses.replace(plain_trial(2, 0.7, status="running", knobs=KNOBS),
                                 node="gpu-3 (10.0.0.3, node 1a2b3c4d)")
    model.upsert(remote)
    assert _names(model)[-1] == "node"
    column = model.columnCount() - 1
    assert model.data(model.index(1, column)) == "gpu-3 (10.0.0.3, node 1a2b3c4d)"
    assert model.data(model.index(0, column)) == "this machine"
    assert isinstance(proxy, QSortFilterProxyModel) and proxy.columnCount() == column + 1
    proxy.set_filter_text("gpu-3")
    assert proxy.rowCount() == 1 and proxy.trial_id_at(0) == 2

    reopened = TrialsModel(KNOB_CONFIG)
    reopened.set_trials([plain_trial(1, 0.5, knobs=KNOBS), remote])
    assert _names(reopened)[-1] == "node"


def test_the_choice_says_where_trials_run(qtbot):
    choice = ClusterChoice()
    qtbot.addWidget(choice)
    assert not choice.on_cluster and choice.executor_factory() is None
    assert choice.describe() == ""
    choice.cluster_radio.setChecked(True)
    choice.address_edit.setText("10.0.0.1:6379")
    assert choice.on_cluster and callable(choice.executor_factory())
    assert choice.describe() == " on the Ray cluster at 10.0.0.1:6379"
    choice.set_editable(False)
    assert not choice.address_edit.isEnabled() and not choice.connect_button.isEnabled()
