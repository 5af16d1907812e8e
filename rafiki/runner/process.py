"""One child process on the parent's side: start it, read its channel and output, stop it.

Three reader threads per child: the private event channel and the child's stdout and stderr
(read in chunks, whole lines kept together, a flood capped rather than held in memory). Every
event on the channel is checked against :mod:`rafiki.event_schema` before delivery; one that
does not fit, or a line longer than ``CHANNEL_LINE_CAP_BYTES``, is a protocol error of the run.
All deliveries go through one lock, so the callback sees one batch at a time. Stopping escalates
over the child's whole process group: interrupt, then terminate, then kill; then whatever the
model started is killed too, wherever it went (see :mod:`rafiki.runner.descendants`).
"""

from __future__ import annotations

import collections
import json
import os
import select
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Any

from ..event_schema import EventRules, valid_events
from ..leftovers import owned_temp_folder
from ..memory_limit import MemoryCgroup, resolve_memory_limit
from .child_command import child_command, child_environment
from .descendants import kill_processes, read_pids
from .protocol import ProtocolError, decode_batch

EventsCallback = Callable[[list[dict[str, Any]]], None]

OUTPUT_CAP_BYTES = 32 * 1024 * 1024  # per stream; beyond it output is counted, not kept
TAIL_LINES = 40
# A batch line of 200,000 metrics points is ~9 MB; one longer than this is no batch of ours.
# Without a cap one endless line grew the window to 6 GB in 8 s.
CHANNEL_LINE_CAP_BYTES = 16 * 1024 * 1024
READ_CHUNK = 65536
# Once the child has exited, its readers drain what it wrote and stop, even while a descendant
# holds a copy of the pipe open (each such descendant used to add a 10 s join timeout).
DRAIN_AFTER_EXIT_S = 1.0
MAX_KEPT_PROTOCOL_ERRORS = 20
_POSIX = os.name == "posix"


class ChildProcess:
    """A runner child running ``job``; events and output reach ``on_events`` in batches."""

    def __init__(self, job: dict[str, Any], python: str | None, on_events: EventsCallback,
                 with_requests: bool = False, extra_env: dict[str, str] | None = None,
                 memory_limit_mb: int | None = None):
        """``memory_limit_mb``: None gives the default share of physical memory, 0 none."""
        self._job = dict(job)
        self.memory_limit_mb = resolve_memory_limit(memory_limit_mb)
        self._rules = EventRules.for_job(self._job)
        self._exited = threading.Event()
        self._cgroup: MemoryCgroup | None = None
        self._python = python
        self._on_events = on_events
        self._with_requests = with_requests
        self._extra_env = extra_env
        self._deliver_lock = threading.Lock()
        self._readers: list[threading.Thread] = []
        self.output_tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        self.protocol_errors: list[str] = []  # the first few, for the outcome
        self.protocol_error_count = 0
        self.channel_overflow: str | None = None  # why the channel was closed early
        self.stage: str | None = None  # the stage last started: where a protocol error was
        self.protocol_error_stage: str | None = None
        self.dropped_output_bytes = 0
        self.process: subprocess.Popen | None = None
        self.request_stream = None
        self._folder = owned_temp_folder(None, "rafiki-child-")  # left over after kill -9
        self.crash_path = self._folder / "crash.txt"
        self.pids_path = self._folder / "descendants.txt"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self) -> None:
        self._job["crash_path"] = str(self.crash_path)
        self._job["parent_pid"] = os.getpid()
        self._job["pids_path"] = str(self.pids_path)
        self._job["memory_limit_mb"] = self.memory_limit_mb
        if self.memory_limit_mb:
            self._cgroup = MemoryCgroup.create(self.memory_limit_mb, self._folder.name)
            if self._cgroup is not None:
                self._job["cgroup"] = str(self._cgroup.path)
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
        self._exited.set()
        # a grandchild the model left running may hold the output pipes open: end it first
        self.kill_leftovers()
        for reader in self._readers:
            reader.join(timeout=10)
        return code

    @property
    def oom_killed(self) -> bool:
        """Whether the kernel's OOM killer ended a process of this child's cgroup."""
        return self._cgroup is not None and self._cgroup.oom_killed()

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
        if self.process.poll() is not None:
            self._exited.set()
        self.kill_leftovers()

    def kill_leftovers(self) -> None:
        """Kill whatever is left of what the child started: its process group, the
        descendants it recorded (escaped with setsid or a double fork; Linux) and its cgroup."""
        if self.process is None or not _POSIX:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        kill_processes(read_pids(self.pids_path))
        if self._cgroup is not None:
            self._cgroup.kill_all()

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
        if self._cgroup is not None:
            self._cgroup.remove()
        shutil.rmtree(self._folder, ignore_errors=True)

    # -- readers --------------------------------------------------------------------------

    def _deliver(self, events: list[dict[str, Any]]) -> None:
        with self._deliver_lock:
            self._on_events(events)

    def _chunks(self, fd: int):
        """What arrives on ``fd`` until end of file, or, once the child has exited, until what
        it wrote is drained: a descendant's copy of the pipe never keeps a reader waiting."""
        if not _POSIX:  # no poll on Windows pipes: blocking reads, joined with a timeout
            while chunk := os.read(fd, READ_CHUNK):
                yield chunk
            return
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        drain_until = None
        while True:
            if self._exited.is_set():
                drain_until = drain_until or time.monotonic() + DRAIN_AFTER_EXIT_S
                if not poller.poll(0) or time.monotonic() > drain_until:
                    return
            elif not poller.poll(100):
                continue
            chunk = os.read(fd, READ_CHUNK)
            if not chunk:
                return
            yield chunk

    def _read_channel(self, fd: int) -> None:
        pending: list[bytes] = []
        pending_size = 0
        try:
            for chunk in self._chunks(fd):
                *complete, rest = chunk.split(b"\n")
                for piece in complete:
                    pending.append(piece)
                    self._take_line(b"".join(pending))
                    pending, pending_size = [], 0
                if rest:
                    pending.append(rest)
                    pending_size += len(rest)
                if pending_size > CHANNEL_LINE_CAP_BYTES:
                    self._overflow()
                    return
            if pending:
                self._take_line(b"".join(pending))
        finally:
            os.close(fd)

    def _take_line(self, line: bytes) -> None:
        """One batch: its valid events delivered, the others counted as protocol errors."""
        try:
            events = decode_batch(line)
        except ProtocolError as exc:
            self._protocol_error(str(exc))
            return
        valid, problems = valid_events(events, self._rules)
        for problem in problems:
            self._protocol_error(problem)
        for event in valid:
            if event["kind"] == "stage" and event["state"] == "started":
                self.stage = event["stage"]
        if valid:
            self._deliver(valid)

    def _protocol_error(self, problem: str) -> None:
        if not self.protocol_error_count:
            self.protocol_error_stage = self.stage
        self.protocol_error_count += 1
        if len(self.protocol_errors) < MAX_KEPT_PROTOCOL_ERRORS:
            self.protocol_errors.append(problem)

    def _overflow(self) -> None:
        """A line past the cap: the child is killed rather than the parent grown."""
        self.channel_overflow = (
            f"the model process wrote a line of more than {CHANNEL_LINE_CAP_BYTES // 2**20} "
            "MiB on the runner's event channel; the run was ended")
        if self.process is not None:
            self._signal_group(_KILL)
            try:
                self.process.kill()
            except OSError:
                pass

    def _read_output(self, stream, name: str) -> None:
        kept = dropped = 0
        partial = b""
        fd = stream.fileno()
        for chunk in self._chunks(fd):
            data = partial + chunk
            cut = data.rfind(b"\n") + 1
            if cut == 0 and len(data) < READ_CHUNK:
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
