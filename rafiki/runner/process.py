"""One child process on the parent's side: start it, read its channel and output, stop it.

Three reader threads per child: the private event channel and the child's stdout and stderr
(read in chunks, whole lines kept together, a flood capped rather than held in memory). All
deliveries go through one lock, so the callback sees one batch at a time. Stopping escalates
over the child's whole process group: interrupt, then terminate, then kill.
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .child_command import child_command, child_environment
from .protocol import ProtocolError, decode_batch

EventsCallback = Callable[[list[dict[str, Any]]], None]

OUTPUT_CAP_BYTES = 32 * 1024 * 1024  # per stream; beyond it output is counted, not kept
TAIL_LINES = 40
_POSIX = os.name == "posix"


class ChildProcess:
    """A runner child running ``job``; events and output reach ``on_events`` in batches."""

    def __init__(self, job: dict[str, Any], python: str | None, on_events: EventsCallback,
                 with_requests: bool = False, extra_env: dict[str, str] | None = None):
        self._job = dict(job)
        self._python = python
        self._on_events = on_events
        self._with_requests = with_requests
        self._extra_env = extra_env
        self._deliver_lock = threading.Lock()
        self._readers: list[threading.Thread] = []
        self.output_tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        self.protocol_errors: list[str] = []
        self.dropped_output_bytes = 0
        self.process: subprocess.Popen | None = None
        self.request_stream = None
        self._folder = Path(tempfile.mkdtemp(prefix="rafiki-child-"))
        self.crash_path = self._folder / "crash.txt"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self) -> None:
        self._job["crash_path"] = str(self.crash_path)
        self._job["parent_pid"] = os.getpid()
        job_path = self._folder / "job.json"
        job_path.write_text(json.dumps(self._job), encoding="utf-8")
        channel_read, channel_write = os.pipe()
        pass_fds = [channel_write]
        args = [str(job_path), str(channel_write)]
        if self._with_requests:
            request_read, request_write = os.pipe()
            pass_fds.append(request_read)
            args.append(str(request_read))
        try:
            self.process = subprocess.Popen(
                child_command(self._python) + args, pass_fds=pass_fds,
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                start_new_session=_POSIX, env=child_environment(self._python, self._extra_env),
            )
        finally:
            for fd in pass_fds:
                os.close(fd)
        if self._with_requests:
            self.request_stream = os.fdopen(request_write, "wb")
        self._readers = [
            threading.Thread(target=self._read_channel, args=(channel_read,), daemon=True,
                             name="rafiki-channel-reader"),
            threading.Thread(target=self._read_output, args=(self.process.stdout, "stdout"),
                             daemon=True, name="rafiki-stdout-reader"),
            threading.Thread(target=self._read_output, args=(self.process.stderr, "stderr"),
                             daemon=True, name="rafiki-stderr-reader"),
        ]
        for reader in self._readers:
            reader.start()

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the exit (TimeoutExpired past ``timeout``), then for every event."""
        assert self.process is not None
        code = self.process.wait(timeout)
        # a grandchild the model left running holds the output pipes open: end it first
        self.kill_leftovers()
        for reader in self._readers:
            reader.join(timeout=10)
        return code

    def stop(self, grace: float = 2.0) -> None:
        """Interrupt, then terminate, then kill the child's process group, within ``grace``."""
        if self.process is None:
            return
        steps = [(signal.SIGINT, 0.5), (signal.SIGTERM, 0.35), (_KILL, 0.15)]
        for sig, share in steps:
            if self.process.poll() is not None:
                break
            self._signal_group(sig)
            try:
                self.process.wait(grace * share)
            except subprocess.TimeoutExpired:
                continue
        self.kill_leftovers()

    def kill_leftovers(self) -> None:
        """Kill whatever is left of the child's group (grandchildren a model spawned)."""
        if self.process is not None and _POSIX:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def send(self, message: dict[str, Any]) -> None:
        """One request line to a serving child."""
        assert self.request_stream is not None
        self.request_stream.write(json.dumps(message).encode() + b"\n")
        self.request_stream.flush()

    def close_requests(self) -> None:
        if self.request_stream is not None:
            try:
                self.request_stream.close()
            except OSError:
                pass

    def crash_report(self) -> str | None:
        """The faulthandler text of a native crash, the crashing thread's stack first."""
        try:
            text = self.crash_path.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            return None
        return current_thread_first(text) or None

    def cleanup(self) -> None:
        shutil.rmtree(self._folder, ignore_errors=True)

    # -- readers --------------------------------------------------------------------------

    def _deliver(self, events: list[dict[str, Any]]) -> None:
        with self._deliver_lock:
            self._on_events(events)

    def _read_channel(self, fd: int) -> None:
        with os.fdopen(fd, "rb") as channel:
            for line in channel:
                try:
                    events = decode_batch(line)
                except ProtocolError as exc:
                    self.protocol_errors.append(str(exc))
                    continue
                self._deliver(events)

    def _read_output(self, stream, name: str) -> None:
        kept = dropped = 0
        partial = b""
        fd = stream.fileno()
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            data = partial + chunk
            cut = data.rfind(b"\n") + 1
            if cut == 0 and len(data) < 65536:
                partial = data
                continue
            whole, partial = (data[:cut], data[cut:]) if cut else (data, b"")
            if kept >= OUTPUT_CAP_BYTES:
                dropped += len(whole)
                continue
            kept += len(whole)
            self._emit_output(name, whole)
        if partial:
            self._emit_output(name, partial + b"\n")
        if dropped:
            self.dropped_output_bytes += dropped
            self._deliver([{"kind": "output", "time": time.time(), "stream": name,
                            "text": f"[{name} truncated: {dropped} bytes beyond the "
                                    f"{OUTPUT_CAP_BYTES // 2**20} MiB cap were not kept]\n"}])
        stream.close()

    def _emit_output(self, name: str, data: bytes) -> None:
        text = data.decode("utf-8", errors="replace")
        self.output_tail.extend(text.splitlines()[-TAIL_LINES:])
        self._deliver([{"kind": "output", "time": time.time(), "stream": name, "text": text}])

    def _signal_group(self, sig: int) -> None:
        assert self.process is not None
        try:
            if _POSIX:
                os.killpg(self.process.pid, sig)
            elif sig == _KILL:
                self.process.kill()
            else:
                self.process.terminate()
        except (ProcessLookupError, PermissionError):
            pass


_KILL = getattr(signal, "SIGKILL", signal.SIGTERM)


def current_thread_first(report: str) -> str:
    """faulthandler lists every thread, the crashing one wherever it falls; a reader wants
    the crashing thread's stack right under the error line."""
    blocks = report.split("\n\n")
    current = [b for b in blocks if b.startswith("Current thread")]
    if not current or blocks[0].startswith("Current thread"):
        return report
    others = [b for b in blocks[1:] if not b.startswith("Current thread")]
    return "\n\n".join([blocks[0], *current, *others])
