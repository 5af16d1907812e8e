"""A damaged, read-only, locked or full store: one line naming the file, what is wrong and what
to do, with an exit code of its own; `rafiki store check --repair` recovers a damaged one."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rafiki.cli import main
from rafiki.experiments import StoreError, StoreProblem, check_store, repair_store
from rafiki.store import STORE_FILE_NAME, Store
from rafiki.tuning import Tuner

from ..conftest import PROJECT_ROOT
from ..sdk.model_files.datasets import write_image_zip

QUICK_MODEL = Path(__file__).parent / "store_models" / "quick_model.py"
EVENTS = 3000  # trial_events spans dozens of leaf pages, so one damaged page loses only some


@pytest.fixture
def zips(tmp_path) -> tuple[str, str]:
    train = write_image_zip(tmp_path / "train.zip", [0, 1, 0, 1])
    test = write_image_zip(tmp_path / "test.zip", [0, 1])
    return str(train), str(test)


def _filled_store(home: Path, zips: tuple[str, str]) -> Path:
    """A store of one experiment with a finished trial and many events."""
    with Store(home / STORE_FILE_NAME) as store:
        experiment = store.create_experiment(
            model_file_path=str(QUICK_MODEL), model_class="QuickModel",
            task="IMAGE_CLASSIFICATION", train_dataset_uri=zips[0], test_dataset_uri=zips[1])
        trial = store.start_trial(experiment.id, {"x": 0.3, "delay": 0.0})
        store.record_events(trial.id, [
            {"kind": "output", "time": float(n), "stream": "stdout", "text": f"line {n}\n"}
            for n in range(EVENTS)])
    return home / STORE_FILE_NAME


def _damage_a_leaf_page(path: Path, table: str = "trial_events") -> None:
    """Write garbage over the cells of one leaf page of ``table`` (its header is kept, so
    SQLite meets the damage only when it reads those rows)."""
    conn = sqlite3.connect(str(path))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    leaves = [row[0] for row in conn.execute(
        "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno",
        (table,))]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    page = leaves[len(leaves) // 2]
    with open(path, "r+b") as database:
        database.seek((page - 1) * page_size + 8)
        database.write(os.urandom(page_size - 8))


def _rafiki(*args: str, home: Path, wrap: list[str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "RAFIKI_HOME": str(home)}
    command = [sys.executable, "-m", "rafiki", *args]
    if wrap is not None:
        command = [*wrap, " ".join(f"'{part}'" for part in command)]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=PROJECT_ROOT,
                          timeout=timeout)


def _one_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


# -- damaged -----------------------------------------------------------------------------------

def test_a_damaged_store_is_one_line_and_exit_65(tmp_path, zips):
    home = tmp_path / "home"
    path = _filled_store(home, zips)
    _damage_a_leaf_page(path, "experiments")
    shown = _rafiki("experiments", home=home)
    assert shown.returncode == StoreProblem.CORRUPT.exit_code == 65
    line = _one_line(shown.stderr)
    assert str(path) in line and "damaged" in line and "rafiki store check --repair" in line


def test_store_check_repair_recovers_into_a_new_file_and_keeps_the_damaged_one(tmp_path, zips):
    home = tmp_path / "home"
    path = _filled_store(home, zips)
    assert _rafiki("store", "check", home=home).returncode == 0
    _damage_a_leaf_page(path)
    checked = _rafiki("store", "check", home=home)
    assert checked.returncode == 65 and f"{path}: damaged" in checked.stdout

    repaired = _rafiki("store", "check", "--repair", home=home)
    assert repaired.returncode == 0, repaired.stderr
    assert "Recovered with " in repaired.stdout
    if shutil.which("sqlite3") is None or "sqlite3 program's .recover failed" in repaired.stdout:
        assert "row-by-row copy" in repaired.stdout  # it says which way was used, and why
    kept = sorted(home.glob(f"{STORE_FILE_NAME}.damaged-*"))
    assert kept and kept[0].name in repaired.stdout
    assert not check_store(kept[0]).ok and check_store(path).ok
    with Store(path) as store:
        [experiment] = store.list_experiments()
        assert experiment.trial_count == 1
        recovered = store.trial_events(1, kinds=["output"])
    assert 0 < len(recovered) < EVENTS  # one page's rows are lost, the others kept
    assert _rafiki("experiments", "show", "1", home=home).returncode == 0


def test_the_row_by_row_copy_keeps_trials_whose_experiment_was_lost(tmp_path, zips):
    path = _filled_store(tmp_path / "home", zips)
    conn = sqlite3.connect(str(path))
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'experiments'")
    page, page_size = root.fetchone()[0], conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(path, "r+b") as database:  # the experiments table's only page
        database.seek((page - 1) * page_size)
        database.write(os.urandom(page_size))
    result = repair_store(path, use_sqlite3_program=False)
    assert "row-by-row" in result.method and result.unreadable == ["experiments"]
    assert result.rows["trials"] == 1 and result.rows["trial_events"] == EVENTS
    with Store(path) as store:
        [stand_in] = store.list_experiments()
        assert "lost in a repair" in stand_in.name and stand_in.trial_count == 1


def _sqlite3_recover_works() -> bool:
    """Debian's sqlite3 3.40 lacks the sqlite_dbpage table and fails every .recover."""
    program = shutil.which("sqlite3")
    if program is None:
        return False
    probe = subprocess.run([program, ":memory:", ".recover"], capture_output=True, text=True)
    return probe.returncode == 0 and not probe.stderr


@pytest.mark.skipif(not _sqlite3_recover_works(), reason="no sqlite3 program with .recover")
def test_the_sqlite3_programs_recover_is_used_when_it_works(tmp_path, zips):
    path = _filled_store(tmp_path / "home", zips)
    _damage_a_leaf_page(path)
    result = repair_store(path)
    assert result.method == "the sqlite3 program's .recover" and not result.notes
    assert check_store(path).ok and 0 < result.rows["trial_events"] <= EVENTS


# -- read-only ---------------------------------------------------------------------------------

def _read_only_wrapper(folder: Path) -> list[str] | None:
    """A command prefix under which ``folder`` is read-only: chmod for a normal user; for
    root (whom permissions do not stop) a read-only bind mount in a private mount namespace,
    gone when the command ends; None when neither is possible."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return ["sh", "-c"]
    if shutil.which("unshare") is None:
        return None
    wrap = ["unshare", "-m", "sh", "-c",
            f"mount --bind '{folder}' '{folder}' && mount -o remount,ro,bind '{folder}' && "
            "exec sh -c \"$0\""]
    if subprocess.run([*wrap, "true"], capture_output=True).returncode != 0:
        return None
    return wrap


@pytest.mark.parametrize("with_store", [True, False], ids=["existing-store", "empty-folder"])
def test_a_read_only_folder_is_one_line_and_exit_73(tmp_path, zips, with_store):
    home = tmp_path / "home"
    home.mkdir()
    if with_store:
        _filled_store(home, zips)
    wrap = _read_only_wrapper(home)
    if wrap is None:
        pytest.skip("no way to make a read-only folder here")
    try:
        listed = _rafiki("experiments", home=home, wrap=wrap)
        ran = _rafiki("run", str(QUICK_MODEL), "--train", zips[0], "--test", zips[1],
                      home=home, wrap=wrap)
    finally:
        home.chmod(0o755)
    for result in (listed, ran):
        assert result.returncode == StoreProblem.READ_ONLY.exit_code == 73, result.stderr
        line = _one_line(result.stderr)
        assert str(home / STORE_FILE_NAME) in line and "cannot be written" in line
        assert "RAFIKI_HOME" in line


# -- locked ------------------------------------------------------------------------------------

def test_a_locked_store_is_one_line_and_exit_75(tmp_path, zips, monkeypatch, capsys):
    home = tmp_path / "home"
    path = _filled_store(home, zips)
    monkeypatch.setenv("RAFIKI_HOME", str(home))
    monkeypatch.setattr("rafiki.store._BUSY_TIMEOUT_MS", 300)  # not the 30 s a user gets
    holder = sqlite3.connect(str(path), isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")  # as a database browser can hold it
    holder.execute("BEGIN EXCLUSIVE")
    try:
        code = main(["experiments"])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == StoreProblem.LOCKED.exit_code == 75
    line = _one_line(capsys.readouterr().err)
    assert str(path) in line and "locked by another program" in line and "try again" in line
    assert main(["experiments"]) == 0


# -- full --------------------------------------------------------------------------------------

def _tiny_tmpfs_wrapper(folder: Path, size_kb: int) -> list[str] | None:
    """A command prefix under which ``folder`` is a tmpfs of ``size_kb`` (a private mount
    namespace: the mount vanishes with the command); None where mounting is not allowed."""
    if shutil.which("unshare") is None:
        return None
    mount = f"mount -t tmpfs -o size={size_kb}k tmpfs '{folder}'"
    if subprocess.run(["unshare", "-m", "sh", "-c", mount], capture_output=True).returncode:
        return None
    return ["unshare", "-m", "sh", "-c", f"{mount} && exec sh -c \"$0\""]


@pytest.mark.slow
def test_a_full_disk_during_tuning_is_one_line_and_exit_74(tmp_path, zips):
    home = tmp_path / "home"
    home.mkdir()
    wrap = _tiny_tmpfs_wrapper(home, 300)
    if wrap is None:
        pytest.skip("no tmpfs can be mounted here (the simulated ENOSPC test below runs)")
    tuned = _rafiki("tune", str(QUICK_MODEL), "--train", zips[0], "--test", zips[1],
                    "--trials", "40", "--parallel", "2", "--pin", '{"delay": 0}',
                    home=home, wrap=wrap, timeout=300)
    assert tuned.returncode == StoreProblem.DISK_FULL.exit_code == 74, tuned.stderr
    line = _one_line(tuned.stderr)
    assert str(home / STORE_FILE_NAME) in line and "disk is full" in line
    assert "Crash" not in tuned.stdout  # the trial in flight is not blamed on the model


@pytest.mark.slow
def test_a_store_that_fills_up_ends_tuning_with_a_store_error(tmp_path, zips, monkeypatch):
    """ENOSPC without a mount: SQLite's max_page_count makes the same SQLITE_FULL."""
    monkeypatch.setenv("RAFIKI_HOME", str(tmp_path / "home"))
    store = Store()
    experiment = store.create_experiment(
        model_file_path=str(QUICK_MODEL), model_class="QuickModel",
        task="IMAGE_CLASSIFICATION", train_dataset_uri=zips[0], test_dataset_uri=zips[1])
    pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
    store._conn.execute(f"PRAGMA max_page_count = {pages + 3}")
    seen = []
    tuner = Tuner(store, experiment.id, budget_trials=30, parallel=2, seed=3,
                  on_trial_event=seen.append, pinned_knobs={"delay": 0.0})
    started = time.monotonic()
    with pytest.raises(StoreError) as raised:
        tuner.run()
    assert raised.value.problem is StoreProblem.DISK_FULL and raised.value.path == store.path
    assert str(store.path) in str(raised.value)
    assert sum(event.kind == "trial_started" for event in seen) < 30
    assert time.monotonic() - started < 120
    store.close()


def test_the_help_lists_every_exit_code(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    shown = capsys.readouterr().out
    for code in ("0", "1", "2", "65", "73", "74", "75", "124", "130", "141"):
        assert f"\n  {code} " in shown, code
