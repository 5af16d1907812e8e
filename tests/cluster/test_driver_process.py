"""The Ray driver child ending (as Ray ends a driver whose raylet died): the workbench's side
fails what waits on it and ends its open trials, and goes on. No cluster needed: the child is
ended by its process id, as Ray would end it."""

from __future__ import annotations

import signal
import threading

import pytest

pytest.importorskip("ray", reason="the ray extra is not installed: pip install -e '.[ray]'")

from rafiki.cluster.driver_process import DriverGone, DriverProcess  # noqa: E402

pytestmark = [pytest.mark.ray, pytest.mark.slow]  # importing Ray in the child: seconds


def test_a_driver_that_ends_fails_its_requests_and_ends_its_trials():
    driver = DriverProcess()
    try:
        ended: list[tuple] = []
        arrived = threading.Event()

        def on_message(message: tuple) -> None:
            ended.append(message)
            arrived.set()

        driver.open_trial("trial-1", on_message)
        assert driver.call("answers", 0.1, timeout=120) is False  # alive, not connected
        driver.process.send_signal(signal.SIGKILL)  # what Ray's exit looks like from here
        assert arrived.wait(60)
        assert ended == [("end", "trial-1", "driver_gone",
                          f"the Ray driver process ended (exit code {-signal.SIGKILL})")]
        assert not driver.alive()
        with pytest.raises(DriverGone, match="ended"):
            driver.call("describe", timeout=60)
        late: list[tuple] = []
        driver.open_trial("trial-2", late.append)  # a trial opened afterwards ends at once
        assert late and late[0][2] == "driver_gone"
    finally:
        driver.stop()
