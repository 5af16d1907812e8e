"""The trials table sorts itself (one key per row, not a proxy's Python comparisons): numbers
as numbers, missing values last in both orders, and live trials land in their sorted place
while the view keeps its selection."""

from __future__ import annotations

import random

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QTableView

from rafiki_gui.tuning.trials_model import TrialsModel, TrialsProxy

from .tuning_trials import KNOB_CONFIG, plain_trial


def _scores(proxy: TrialsProxy) -> list[str]:
    return [proxy.data(proxy.index(row, 2)) for row in range(proxy.rowCount())]


def _trials(count: int, seed: int = 0) -> list:
    rng = random.Random(seed)
    trials = []
    for number in range(1, count + 1):
        score = None if number % 7 == 0 else round(rng.random(), 4)
        trials.append(plain_trial(number, score, "errored" if score is None else "completed",
                                  knobs={"learning_rate": 10 ** rng.uniform(-5, -1),
                                         "hidden_units": rng.randint(2, 64),
                                         "activation": rng.choice(["relu", "tanh"])}))
    return trials


def test_sorted_both_ways_with_missing_last_and_ties_by_number(qtbot):
    model = TrialsModel(KNOB_CONFIG)
    proxy = TrialsProxy()
    proxy.setSourceModel(model)
    trials = _trials(60)
    trials[3].score = trials[4].score = 0.5  # a tie: trial 4 before trial 5 both ways
    model.set_trials(trials)
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        proxy.sort(2, order)
        texts = _scores(proxy)
        present = [float(text) for text in texts if text]
        assert present == sorted(present, reverse=order == Qt.SortOrder.DescendingOrder)
        assert texts[len(present):] == [""] * (60 - len(present))  # missing last
        numbers = [proxy.data(proxy.index(row, 0)) for row in range(proxy.rowCount())]
        assert numbers.index("4") < numbers.index("5")
    activation = 4 + model.knob_names.index("activation")
    proxy.sort(activation, Qt.SortOrder.DescendingOrder)
    values = [proxy.data(proxy.index(row, activation)) for row in range(proxy.rowCount())]
    assert values == sorted(values, reverse=True)
    proxy.sort(-1, Qt.SortOrder.AscendingOrder)  # unsorted: the order trials arrived
    assert [proxy.data(proxy.index(r, 0)) for r in range(3)] == ["1", "2", "3"]


def test_live_trials_land_in_their_sorted_place_and_keep_the_selection(qtbot):
    model = TrialsModel(KNOB_CONFIG)
    proxy = TrialsProxy()
    proxy.setSourceModel(model)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.setSortingEnabled(True)
    model.set_trials(_trials(40))
    view.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    selected_number = proxy.data(proxy.index(5, 0))
    view.selectionModel().select(proxy.index(5, 0), QItemSelectionModel.SelectionFlag.Select
                                 | QItemSelectionModel.SelectionFlag.Rows)

    model.upsert(plain_trial(41, None, "running"))  # no score yet: among the missing, last
    assert proxy.data(proxy.index(proxy.rowCount() - 1, 0)) == "41"
    model.upsert(plain_trial(41, 2.0))  # finished with the best score: moves to the top
    assert proxy.data(proxy.index(0, 0)) == "41"
    model.upsert(plain_trial(42, 0.0))  # the worst score: just above the missing ones
    texts = _scores(proxy)
    assert texts[texts.index("0.0000") + 1] == ""
    present = [float(text) for text in texts if text]
    assert present == sorted(present, reverse=True)
    rows = view.selectionModel().selectedRows()
    assert [proxy.data(proxy.index(index.row(), 0)) for index in rows] == [selected_number]
    assert model.best_id == 41
    assert [model.row_of(trial.id) for trial in model.trials] == list(range(42))
