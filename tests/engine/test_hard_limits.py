"""Hard limits with real child processes: memory, the event channel, escaping processes.

Each test drives the attack of issue 9 that used to get through (tests/engine/model_files/
hostile.py) and checks what a user sees: the run's state and message, what was stored, and
that the machine is left as it was (peak RSS of the child, no process left behind).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rafiki.memory_limit import (
    MemoryLimitError,
    default_memory_limit_mb,
    parse_memory_limit,
    resolve_memory_limit,
)
from rafiki.runner import RunnerState, RunSpec

from ..conftest import PROJECT_ROOT
from ..sdk.model_files.datasets import write_image_zip
from .runner_helpers import start_run

LINUX = sys.platform.startswith("linux")
HOSTILE = str(Path(__file__).parent / "model_files" / "hostile.py")


def hostile_spec(tmp_path: Path, behaviour: str, **changes) -> RunSpec:
    fields = dict(
        model_file_path=HOSTILE, model_class="Hostile", task="IMAGE_CLASSIFICATION",
        train_dataset_uri=str(tmp_path / "train.zip"), test_dataset_uri=str(tmp_path / "t.zip"),
        knobs={"behaviour": behaviour}, queries=[[[0, 1], [1, 0]]],
        params_path=str(tmp_path / "params.pkl"),
    )
    fields.update(changes)
    return RunSpec(**fields)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is as good as gone
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def _grandchild(collected) -> int | None:
    for event in collected.of_kind("output"):
        for line in event["text"].splitlines():
            if line.startswith("grandchild "):
                return int(line.split()[1])
    return None


# -- memory ------------------------------------------------------------------------------------

def test_memory_limits_parse_and_resolve():
    assert parse_memory_limit("512") == 512
    assert parse_memory_limit("off") == parse_memory_limit("0") == 0
    with pytest.raises(MemoryLimitError):
        parse_memory_limit("lots")
    assert resolve_memory_limit(0) is None
    assert resolve_memory_limit(300) == 300
    default = default_memory_limit_mb()
    assert resolve_memory_limit(None) == default
    assert default_memory_limit_mb(4) <= default  # a share per trial at once


@pytest.mark.skipif(not LINUX, reason="RLIMIT_DATA is enforced on Linux")
def test_the_memory_limit_is_on_by_default_and_can_be_turned_off(tmp_path):
    limits = {}
    for setting in (None, 0, 700):
        run, collected = start_run(hostile_spec(tmp_path, "report_limit",
                                                memory_limit_mb=setting))
        assert run.wait(60).state is RunnerState.COMPLETED
        message = [e["msg"] for e in collected.of_kind("message") if "RLIMIT" in e["msg"]]
        limits[setting] = int(message[0].split()[1])
    assert limits[None] == default_memory_limit_mb() * 2**20
    assert limits[0] == resource.RLIM_INFINITY
    assert limits[700] == 700 * 2**20


@pytest.mark.skipif(not LINUX, reason="RLIMIT_DATA is enforced on Linux")
def test_a_model_allocating_far_past_its_limit_ends_out_of_memory(tmp_path):
    """`rafiki run --memory-mb 300` of a model touching 8 GiB: the run ends as out of memory
    (exit 137, the message, the store), and the child's real peak RSS stays near the limit."""
    train = write_image_zip(tmp_path / "train.zip", [0, 1, 0, 1])
    test = write_image_zip(tmp_path / "test.zip", [0, 1])
    # a fresh process whose only child is the run: its RUSAGE_CHILDREN peak is the child's
    script = (
        "import resource, sys; from rafiki.cli import main; code = main(sys.argv[1:]); "
        "print('PEAK_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "
        "file=sys.stderr); sys.exit(code)")
    home = tmp_path / "home"
    done = subprocess.run(
        [sys.executable, "-c", script, "run", HOSTILE, "--class", "Hostile", "--task",
         "IMAGE_CLASSIFICATION", "--train", str(train), "--test", str(test),
         "--knobs", '{"behaviour": "allocate"}', "--memory-mb", "300"],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120,
        env={**os.environ, "RAFIKI_HOME": str(home)})
    assert done.returncode == 137, done.stderr
    assert f"error: {HOSTILE}: out of memory during stage 'train' (limit 300 MB)" in done.stderr
    peak_mb = int(done.stderr.split("PEAK_KB")[1].split()[0]) / 1024
    assert peak_mb < 300 + 100, f"the child peaked at {peak_mb:.0f} MB"
    from rafiki.experiments import Experiments

    with Experiments(home / "store.sqlite3") as experiments:
        trial = experiments.trials(experiments.list()[0].id)[0]
    assert trial.status == "errored" and trial.runner_state == "out_of_memory"
    assert trial.error["type"] == "OutOfMemory"
    assert trial.error["message"] == "out of memory during stage 'train' (limit 300 MB)"


# -- the event channel -------------------------------------------------------------------------

@pytest.mark.parametrize(("behaviour", "problem"), [
    ("forge_score", "result score 'abc' is not a finite number in [0, 1]"),
    ("forge_params", "params_path '/etc/passwd' is not this run's parameters file"),
])
def test_a_forged_event_is_a_protocol_error_and_goes_no_further(tmp_path, behaviour, problem):
    run, collected = start_run(hostile_spec(tmp_path, behaviour))
    outcome = run.wait(60)
    assert outcome.state is RunnerState.ERRORED
    assert outcome.error["type"] == "ProtocolError"
    assert outcome.error["stage"] == "train"  # where the model forged it
    assert problem in outcome.error["message"]
    results = collected.of_kind("result")
    assert len(results) == 1 and results[0]["score"] == 0.75  # only the real one
    assert results[0]["params_path"] == str(tmp_path / "params.pkl")


def test_an_endless_line_on_the_channel_ends_the_run_without_growing_the_parent(tmp_path):
    before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    run, collected = start_run(hostile_spec(tmp_path, "endless_line"))
    outcome = run.wait(60)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before_kb) / 1024
    assert outcome.state is RunnerState.ERRORED
    assert outcome.error["type"] == "ProtocolError"
    assert "a line of more than 16 MiB on the runner's event channel" in \
        outcome.error["message"]
    assert outcome.error["stage"] == "train"
    assert grown_mb < 100, f"the parent grew by {grown_mb:.0f} MB"


# -- no process outlives its run ---------------------------------------------------------------

@pytest.mark.skipif(not LINUX, reason="the subreaper is Linux's")
@pytest.mark.parametrize("behaviour", ["setsid_grandchild", "double_fork"])
def test_escaped_grandchildren_are_killed_and_the_run_ends_promptly(tmp_path, behaviour):
    run, collected = start_run(hostile_spec(tmp_path, behaviour))
    outcome = run.wait(60)
    assert outcome.state is RunnerState.COMPLETED, outcome.error
    grandchild = _grandchild(collected)
    assert grandchild is not None
    assert not _alive(grandchild)
    # each grandchild holding the output pipes used to add a 10 s reader timeout
    assert outcome.duration < 10


@pytest.mark.skipif(not LINUX, reason="the subreaper is Linux's")
def test_a_grandchild_outlives_no_child_killed_from_outside(tmp_path):
    """The child is SIGKILLed (as the OOM killer would): the setsid grandchild it recorded is
    killed by the parent."""
    run, collected = start_run(hostile_spec(tmp_path, "escape_and_hang"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (
            _grandchild(collected) is None
            or str(_grandchild(collected)) not in _recorded(run)):
        time.sleep(0.05)
    grandchild = _grandchild(collected)
    assert grandchild is not None and _alive(grandchild)
    os.kill(run.pid, 9)
    outcome = run.wait(30)
    assert outcome.state is RunnerState.CRASHED
    assert not _alive(grandchild)


def _recorded(run) -> str:
    try:
        return Path(run._child.pids_path).read_text()
    except OSError:
        return ""


def test_the_event_schema_accepts_what_the_workbench_itself_sends(tmp_path):
    from rafiki.event_schema import EventRules, event_problem

    run, collected = start_run(hostile_spec(tmp_path, "ok"))
    assert run.wait(60).state is RunnerState.COMPLETED
    rules = EventRules.for_job({"kind": "run",
                                "request": {"params_path": str(tmp_path / "params.pkl")}})
    kinds = {event["kind"] for event in collected.events}
    assert {"stage", "result"} <= kinds
    child_events = [e for e in collected.events if e["kind"] != "output"]
    assert [event_problem(e, rules) for e in child_events] == [None] * len(child_events)
    assert event_problem({"kind": "output", "time": 1.0, "stream": "stdout", "text": "x"},
                         rules) is not None  # output is the parent's word, never the child's
    assert event_problem(json.loads('{"kind": "metrics", "time": 1.0, "values": '
                                    '{"loss": NaN}}'), rules) is None


@pytest.mark.skipif(not LINUX, reason="RLIMIT_DATA is enforced on Linux")
def test_test_model_limits_itself_and_lifts_the_limit_after(tmp_path, capsys):
    """`rafiki test-model` runs in-process by design: the limit is its own, ended when the
    command returns (a caller such as a test session goes on unlimited)."""
    from rafiki.cli import main

    train = write_image_zip(tmp_path / "train.zip", [0, 1, 0, 1])
    test = write_image_zip(tmp_path / "test.zip", [0, 1])
    before = resource.getrlimit(resource.RLIMIT_DATA)
    code = main(["test-model", HOSTILE, "--class", "Hostile", "--task", "IMAGE_CLASSIFICATION",
                 "--train", str(train), "--test", str(test), "--knobs",
                 '{"behaviour": "allocate"}', "--memory-mb", "300"])
    assert code == 137
    assert "error: out of memory during stage 'train' (limit 300 MB)" in capsys.readouterr().err
    assert resource.getrlimit(resource.RLIMIT_DATA) == before
