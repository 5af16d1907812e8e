"""The workbench's end of the Ray driver process (:mod:`rafiki.cluster.driver`).

The window and ``rafiki tune --ray`` never call Ray themselves: they start this child, send it
requests and read its trials' items, so when Ray ends the driver (the raylet on this machine
died) only the child ends. Its pipe closes; every pending request fails with
:class:`DriverGone` and every open trial receives an ``("end", key, "driver_gone", why)``.
Imports nothing of Ray.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

STOP_SECONDS = 10.0  # the child's bounded shutdown (5 s) and its start-up, then killed


class DriverGone(Exception):
    """The driver process ended (Ray ended it, or it was stopped): the cluster is out of
    reach."""


class DriverError(Exception):
    """A request failed in the driver (the message is the driver's exception)."""


class DriverProcess:
    """One running driver child: ``call`` asks and waits; ``open_trial`` routes a trial's
    messages to a callback (called on this object's reader thread: hand them on, never call
    back into the driver from there)."""

    def __init__(self) -> None:
        to_child_read, to_child_write = os.pipe()
        from_child_read, from_child_write = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "rafiki.cluster.driver", str(to_child_read),
             str(from_child_write)],
            pass_fds=(to_child_read, from_child_write), stdin=subprocess.DEVNULL,
            stdout=_stderr_or_devnull(), start_new_session=True)  # no terminal's Ctrl+C
        os.close(to_child_read)
        os.close(from_child_write)
        self._requests = Connection(to_child_write, readable=False)
        self._replies = Connection(from_child_read, writable=False)
        self._send_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[threading.Event, list]] = {}
        self._trials: dict[str, Callable[[tuple], None]] = {}
        self.gone: str | None = None
        threading.Thread(target=self._read, daemon=True, name="rafiki-ray-driver").start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.gone is None and self.process.poll() is None

    def call(self, name: str, *args: Any, timeout: float | None = None) -> Any:
        """Ask the driver and wait for its answer (``timeout``: DriverGone after it)."""
        done = threading.Event()
        answer: list = []
        with self._state_lock:
            if self.gone is not None:
                raise DriverGone(self.gone)
            request_id = next(self._ids)
            self._pending[request_id] = (done, answer)
        self._send((request_id, name, args))
        if not done.wait(timeout):
            with self._state_lock:
                self._pending.pop(request_id, None)
            raise DriverGone(f"the Ray driver did not answer '{name}' within {timeout:g} s")
        ok, value = answer
        if ok is None:
            raise DriverGone(value)
        if not ok:
            raise DriverError(value)
        return value

    def tell(self, name: str, *args: Any) -> None:
        """Send a request and do not wait (a cancel: the trial's own end follows)."""
        with self._state_lock:
            if self.gone is not None:
                return
            request_id = next(self._ids)
        self._send((request_id, name, args))

    def open_trial(self, key: str, on_message: Callable[[tuple], None]) -> None:
        with self._state_lock:
            gone = self.gone
            if gone is None:
                self._trials[key] = on_message
        if gone is not None:
            on_message(("end", key, "driver_gone", gone))

    def stop(self) -> None:
        """Ask the driver to end, then end it by its process id if it does not."""
        if self.process.poll() is None:
            self.tell("shutdown")
            try:
                self.process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._ended("the Ray driver was stopped")
        for end in (self._requests, self._replies):
            try:
                end.close()
            except OSError:
                pass

    # -- the pipe ----------------------------------------------------------------------------

    def _send(self, message: tuple) -> None:
        with self._send_lock:
            try:
                self._requests.send(message)
            except (OSError, ValueError):  # the child is gone: the reader reports it
                pass

    def _read(self) -> None:
        while True:
            try:
                message = self._replies.recv()
            except (EOFError, OSError):
                break
            if message[0] == "reply":
                with self._state_lock:
                    waiting = self._pending.pop(message[1], None)
                if waiting is not None:
                    waiting[1].extend(message[2:])
                    waiting[0].set()
            else:
                with self._state_lock:
                    deliver = self._trials.get(message[1])
                    if message[0] == "end":
                        self._trials.pop(message[1], None)
                if deliver is not None:
                    deliver(message)
        try:
            code = self.process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            code = None
        self._ended(f"the Ray driver process ended (exit code {code})")

    def _ended(self, why: str) -> None:
        with self._state_lock:
            if self.gone is not None:
                return
            self.gone = why
            pending, self._pending = self._pending, {}
            trials, self._trials = self._trials, {}
        for done, answer in pending.values():
            answer.extend([None, why])
            done.set()
        for key, deliver in trials.items():
            deliver(("end", key, "driver_gone", why))


def _stderr_or_devnull() -> Any:
    """Ray's messages go where this process's errors go (a window may have no stderr)."""
    try:
        sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        return subprocess.DEVNULL
    return sys.stderr
