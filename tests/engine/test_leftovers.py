"""Temp folders left by a workbench process killed with SIGKILL go at the next start; those of
a process still running stay."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from rafiki.experiments import Experiments
from rafiki.leftovers import clean_leftover_folders, owned_temp_folder

from ..conftest import PROJECT_ROOT
from .test_store_errors import QUICK_MODEL, zips  # noqa: F401 (the zips fixture)

_START_A_RUN_AND_WAIT = """
import sys, time
from rafiki.runner import Run, RunSpec
spec = RunSpec(model_file_path=sys.argv[1], model_class="QuickModel", task="IMAGE_CLASSIFICATION",
               train_dataset_uri=sys.argv[2], test_dataset_uri=sys.argv[3],
               knobs={"x": 0.3, "delay": 60.0}, params_path=sys.argv[4])
run = Run(spec, on_events=lambda batch: print(
    "train" if any(e.get("stage") == "train" for e in batch) else "", flush=True))
run.start()
time.sleep(120)
"""


def test_a_killed_owners_folders_go_at_the_next_start_a_living_ones_stay(
        tmp_path, zips, monkeypatch):  # noqa: F811 (the zips fixture)
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the parent's and its children's temp folder
    monkeypatch.setattr("tempfile.tempdir", None)
    env = {**os.environ, "RAFIKI_HOME": str(tmp_path / "home")}
    parent = subprocess.Popen(
        [sys.executable, "-c", _START_A_RUN_AND_WAIT, str(QUICK_MODEL), *zips,
         str(tmp_path / "params.pkl")], stdout=subprocess.PIPE, text=True, env=env,
        cwd=PROJECT_ROOT)
    try:
        while "train" not in parent.stdout.readline():  # the child is training: folder made
            assert parent.poll() is None
        [job_folder] = tmp_path.glob("rafiki-child-*")
        mine = owned_temp_folder(tmp_path, "rafiki-run-")
        assert clean_leftover_folders(tmp_path) == []  # both owners run
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    assert job_folder.exists()  # kill -9: nobody cleaned it
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and clean_leftover_folders(tmp_path) != [job_folder]:
        time.sleep(0.2)  # the child notices its parent is gone and exits
    assert not job_folder.exists() and mine.exists()


def test_the_store_opening_cleans_leftovers_once(tmp_path, monkeypatch, rafiki_home):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    left = owned_temp_folder(tmp_path, "rafiki-child-")
    (left / "owner.json").write_text(f'{{"pid": {dead.pid}}}')
    monkeypatch.setattr("rafiki.experiments._cleaned", [])
    Experiments().close()
    assert not left.exists()
