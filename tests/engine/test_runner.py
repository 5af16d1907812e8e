"""The runner with real child processes: results, stops, crashes, floods, limits, orphans."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from rafiki.runner import RunnerState

from .runner_helpers import misbehaving_spec, start_run

POSIX = os.name == "posix"


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


def _wait_gone(pid: int, seconds: float = 3.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_a_good_run_reports_every_stage_and_its_result(tmp_path):
    run, collected = start_run(misbehaving_spec(tmp_path, "ok"))
    outcome = run.wait(60)
    assert outcome.state is RunnerState.COMPLETED, outcome.error
    stages = [(e["stage"], e["state"]) for e in collected.of_kind("stage")]
    assert stages[0] == ("check_dependencies", "started")
    assert ("train", "finished") in stages and stages[-1] == ("ensemble", "finished")
    result = outcome.result
    assert result["score"] == 0.75 and result["predictions"] == [[0.5, 0.5]]
    params = Path(result["params_path"]).read_bytes()
    assert hashlib.sha256(params).hexdigest() == result["params_sha256"]
    assert [e["values"]["epoch"] for e in collected.of_kind("metrics")] == [0, 1, 2]
    assert collected.of_kind("plot")[0]["title"] == "Loss Over Epochs"
    assert collected.events[-1]["kind"] == "result"


def test_stop_ends_a_hanging_model_within_two_seconds(tmp_path):
    run, collected = start_run(misbehaving_spec(tmp_path, "hang"))
    while not any(e.get("stage") == "train" for e in collected.of_kind("stage")):
        time.sleep(0.02)
    started = time.monotonic()
    run.stop()
    outcome = run.wait(5)
    assert time.monotonic() - started < 2.5
    assert outcome.state is RunnerState.STOPPED
    assert outcome.error["stage"] == "train"
    assert _wait_gone(run.pid)


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
@pytest.mark.parametrize("inherited", ["blocked", "ignored"])
def test_a_child_started_with_sigint_blocked_or_ignored_still_stops_at_the_first_step(
        tmp_path, inherited):
    """Ray's workers block SIGINT and a shell's background job ignores it; the child inherits
    either. Stop's first step (SIGINT) must still reach the model, not wait for SIGTERM."""
    if inherited == "blocked":
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    else:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        run, collected = start_run(misbehaving_spec(tmp_path, "hang"))
    finally:
        if inherited == "blocked":
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        else:
            signal.signal(signal.SIGINT, previous)
    while not any(e.get("stage") == "train" for e in collected.of_kind("stage")):
        time.sleep(0.02)
    run.stop()
    outcome = run.wait(5)
    assert outcome.state is RunnerState.STOPPED
    assert outcome.signal is None and outcome.exit_code == 130  # its own exit, not SIGTERM's
    assert ("train", "started") != [(e["stage"], e["state"])
                                    for e in collected.of_kind("stage")][-1]  # told its end


def test_a_time_limit_ends_the_run_as_timed_out(tmp_path):
    # 5 s: the child must reach Train (imports, dataset) first, which a loaded 2-core machine
    # took more than 1 s to do; the model hangs in train for ever
    run, _ = start_run(misbehaving_spec(tmp_path, "hang", timeout=5.0))
    outcome = run.wait(30)
    assert outcome.state is RunnerState.TIMED_OUT
    assert "time limit of 5 s during stage 'train'" in outcome.error["message"]


def test_a_segfault_is_a_crash_with_its_stage_and_faulthandler_traceback(tmp_path):
    run, _ = start_run(misbehaving_spec(tmp_path, "segfault"))
    outcome = run.wait(30)
    assert outcome.state is RunnerState.CRASHED
    assert outcome.signal == "SIGSEGV"
    assert outcome.error["stage"] == "train"
    assert "killed by SIGSEGV during stage 'train'" in outcome.error["message"]
    assert "training with segfault" in outcome.error["message"]  # the last message
    assert outcome.crash_report.startswith("Fatal Python error: Segmentation fault")
    crashing_thread = outcome.crash_report.split("\n\n")[1]
    assert crashing_thread.startswith("Current thread") and "misbehaving.py" in crashing_thread


def test_os_exit_is_a_crash_with_the_exit_code(tmp_path):
    outcome = start_run(misbehaving_spec(tmp_path, "exit"))[0].wait(30)
    assert outcome.state is RunnerState.CRASHED
    assert outcome.exit_code == 3 and outcome.signal is None
    assert "exited with code 3 during stage 'train'" in outcome.error["message"]


def test_an_exception_in_the_model_is_an_error_naming_stage_and_cause(tmp_path):
    outcome = start_run(misbehaving_spec(tmp_path, "raise_train"))[0].wait(30)
    assert outcome.state is RunnerState.ERRORED
    assert outcome.error["stage"] == "train"
    assert "the model broke while training" in outcome.error["message"]
    assert "misbehaving.py" in outcome.error["traceback"]


def test_the_next_run_after_a_crash_works(tmp_path):
    start_run(misbehaving_spec(tmp_path, "exit"))[0].wait(30)
    assert start_run(misbehaving_spec(tmp_path, "ok"))[0].wait(30).state is RunnerState.COMPLETED


def test_prints_and_c_level_writes_never_corrupt_the_channel(tmp_path):
    run, collected = start_run(misbehaving_spec(tmp_path, "flood_stdout"))
    outcome = run.wait(60)
    assert outcome.state is RunnerState.COMPLETED, outcome.error
    stdout = "".join(e["text"] for e in collected.of_kind("output") if e["stream"] == "stdout")
    stderr = "".join(e["text"] for e in collected.of_kind("output") if e["stream"] == "stderr")
    lines = stdout.splitlines()
    assert lines[0] == "line 0" and "line 99999" in lines
    assert "raw C-level write to fd 1" in lines
    assert '"kind": "result"' in stderr  # a fake protocol line on stderr is only output
    assert len(collected.of_kind("result")) == 1


def test_two_hundred_thousand_metrics_arrive_in_few_batches(tmp_path):
    run, collected = start_run(misbehaving_spec(tmp_path, "flood_metrics"))
    outcome = run.wait(120)
    assert outcome.state is RunnerState.COMPLETED, outcome.error
    epochs = [e["values"]["epoch"] for e in collected.of_kind("metrics")]
    assert epochs[:200_000] == list(range(200_000))  # then the 3 epochs of its normal loss
    assert collected.batches < 1000


@pytest.mark.skipif(not POSIX, reason="process groups are POSIX")
def test_stop_leaves_no_grandchild_behind(tmp_path):
    run, collected = start_run(misbehaving_spec(tmp_path, "grandchild"))
    grandchild = None
    deadline = time.monotonic() + 20
    while grandchild is None and time.monotonic() < deadline:
        for event in collected.of_kind("output"):
            if event["text"].startswith("grandchild "):
                grandchild = int(event["text"].split()[1])
        time.sleep(0.02)
    assert grandchild is not None and _alive(grandchild)
    run.stop()
    assert run.wait(5).state is RunnerState.STOPPED
    assert _wait_gone(grandchild)


@pytest.mark.skipif(not POSIX, reason="signals from outside are POSIX")
def test_a_child_killed_from_outside_is_reported_as_crashed(tmp_path):
    run, collected = start_run(misbehaving_spec(tmp_path, "hang"))
    while not any(e.get("stage") == "train" for e in collected.of_kind("stage")):
        time.sleep(0.02)
    os.kill(run.pid, signal.SIGKILL)
    outcome = run.wait(10)
    assert outcome.state is RunnerState.CRASHED and outcome.signal == "SIGKILL"
    assert outcome.error["stage"] == "train"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="RLIMIT_AS is a POSIX limit")
def test_a_memory_limit_turns_a_huge_allocation_into_out_of_memory(tmp_path):
    outcome = start_run(misbehaving_spec(tmp_path, "memory", memory_limit_mb=2048))[0].wait(60)
    assert outcome.state is RunnerState.OUT_OF_MEMORY
    assert outcome.error["stage"] == "train"
    assert outcome.error["type"] == "OutOfMemory"
    assert outcome.error["message"] == "out of memory during stage 'train' (limit 2048 MB)"
    assert "MemoryError" in outcome.error["traceback"]


@pytest.mark.skipif(not POSIX, reason="orphan detection is tested on POSIX")
def test_a_child_whose_parent_dies_exits_by_itself(tmp_path):
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(Path(__file__).parent.parent.parent)!r})
        from tests.engine.runner_helpers import misbehaving_spec, start_run
        from pathlib import Path
        run, _ = start_run(misbehaving_spec(Path({str(tmp_path)!r}), "hang"))
        print(run.pid, flush=True)
        time.sleep(60)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    child_pid = int(parent.stdout.readline())
    assert _alive(child_pid)
    parent.kill()
    parent.wait()
    assert _wait_gone(child_pid, 5.0)


@pytest.mark.skipif(not POSIX, reason="process groups are POSIX")
def test_a_run_that_completes_leaving_a_grandchild_ends_and_cleans_it_up(tmp_path):
    run, collected = start_run(misbehaving_spec(tmp_path, "orphan_grandchild"))
    outcome = run.wait(30)
    assert outcome.state is RunnerState.COMPLETED, outcome.error
    line = next(e["text"] for e in collected.of_kind("output") if "grandchild" in e["text"])
    assert _wait_gone(int(line.split()[1]))
