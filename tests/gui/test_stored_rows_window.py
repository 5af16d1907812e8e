"""The window reads any row already in the store: the experiments browser and the tuning tab
show an experiment whose rows an older version wrote badly (a score "abc", broken JSON)."""

from __future__ import annotations

from rafiki.experiments import Experiments
from rafiki.store import Store
from rafiki_gui.session import Session
from rafiki_gui.tuning.experiments_browser import ExperimentsBrowser
from rafiki_gui.tuning.tuning_panel import TuningPanel

from ..engine.test_store_limits import _insert_bad_rows


def test_browser_and_tuning_tab_show_bad_rows(qtbot, tmp_path):
    with Store(tmp_path / "store.sqlite3") as store:
        path = store.path
    experiment_id = _insert_bad_rows(path)
    session = Session(experiments=Experiments(path))
    browser = ExperimentsBrowser(session)
    qtbot.addWidget(browser)
    browser.refresh()
    assert browser.table.rowCount() == 1
    assert browser.select(experiment_id)
    texts = [browser.table.item(0, c).text() for c in range(browser.table.columnCount())]
    assert "0.5000" in texts and "abc" not in " ".join(texts)
    panel = TuningPanel(session)
    qtbot.addWidget(panel)
    panel.resize(1200, 800)
    panel.show()
    with qtbot.waitSignal(panel.sig_experiment_opened):
        panel.open_experiment(experiment_id, restore=False)
    assert panel.model.rowCount() == 4
    trials = session.experiments.trials(experiment_id)
    assert panel.model.best_id == next(t.id for t in trials if t.number == 2)
    for trial in trials:  # each trial's detail: events, metrics and error as stored
        panel.select_trial(trial.id)
        assert panel.detail.trial.id == trial.id
    session.experiments.close()
