"""A warm child process that summarises dataset zips for the window, so the window never grows.

A dataset zip is untrusted: even within the decoded-size budget its decode may cost the budget
(2 GB by default) in memory, and a 51 KB corpus zip once grew the window to 1.6 GB while it
was summarised. Summaries are therefore read in a child process and only the answer (the
summary and thumbnails, a few MB at most) comes back.

One spawned interpreter per read cost about a second idle (many under load) for every dataset
chosen, so the child is started on first use and kept for the next reads (:class:`ReaderPool`).
It is replaced once it peaked over :data:`RECYCLE_MB` (Python keeps memory it freed, and the
window should not hold a large idle child), killed when a read takes longer than
:data:`READ_TIMEOUT_S` or is cancelled, and runs under an rlimit of the dataset budget plus
headroom, so a bomb ends the child, not the machine. This module never imports Qt; the
window's QThread (``dataset_loader.DatasetLoader``) waits on it.
"""

from __future__ import annotations

import atexit
import multiprocessing
import pickle
import sys
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from .dataset_view import DatasetView

READ_TIMEOUT_S = 600.0
"""A summary within the budget takes seconds; 600 s leaves room for a large zip on a loaded
machine (the issue's 200 MB images.csv took 92 s before it was refused in C)."""
RECYCLE_MB = 400
"""A child that peaked above this (real peak RSS) is ended after its read: an idle child of
~100 MB (numpy, Pillow, the loaders) is kept, one that decoded a large zip is not."""
MAX_REPLY_BYTES = 64 * 2**20
"""The answer's pickled size is checked before it is read: 40 thumbnails of 256x256 px are
2.6 MB, so a larger answer (a corpus whose first sentences are endless) is refused."""
IDLE_KEPT = 1
"""Warm children kept between reads: one serves the train and test reads in turn."""
POLL_S = 0.25


class ReadCancelled(ValueError):
    """The read was cancelled (its dataset is no longer chosen, or the window closes)."""


def _peak_rss_mb() -> float | None:
    """This process's real peak RSS in MB (None where the platform does not say). On Linux
    from VmHWM: ``ru_maxrss`` keeps the peak of the process it was forked from across exec,
    so a child spawned by a 500 MB window would report 500 MB and be replaced after every read."""
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes vs KiB


def _serve(conn: Connection, limit_mb: int | None) -> None:
    """The child: answer each path sent with (kind, view or message, peak RSS MB)."""
    from rafiki.memory_limit import apply_rlimit

    from .dataset_view import view_or_error

    apply_rlimit(limit_mb)
    while True:
        try:
            path = conn.recv()
        except (EOFError, OSError):  # the window went away
            return
        if path is None:
            return
        kind, answer = view_or_error(path)
        try:
            payload = pickle.dumps((kind, answer, _peak_rss_mb()), pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 (said to the window, which names the file)
            payload = pickle.dumps(("error", f"{path}: its summary could not be sent "
                                    f"({type(exc).__name__}: {exc})", _peak_rss_mb()))
        try:
            conn.send_bytes(payload)
        except (BrokenPipeError, OSError):
            return


def _limit_mb() -> int:
    from rafiki.run_checks import reading_limit_mb  # the CLI's dataset checks use the same

    return reading_limit_mb()


class ReaderProcess:
    """One spawned child (spawn, not fork: a forked child would share the window's Qt threads;
    a packaged binary re-invokes itself for it through ``freeze_support``)."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child_conn = context.Pipe()
        self.process = context.Process(target=_serve, args=(child_conn, _limit_mb()),
                                       name="rafiki-dataset-reader", daemon=True)
        self.process.start()
        child_conn.close()
        self.last_peak_mb: float | None = None
        """The child's real peak RSS after its last read (None before, or unknown)."""
        self._killed = False

    @property
    def alive(self) -> bool:
        return not self._killed and self.process.is_alive()

    def read(self, path: str, timeout: float = READ_TIMEOUT_S) -> DatasetView:
        """The view of ``path``; ValueError naming the file when it is none, the child died,
        took too long or was cancelled (the child is then killed)."""
        try:
            self._conn.send(path)
            deadline = time.monotonic() + timeout
            while not self._conn.poll(POLL_S):
                if self._killed:
                    raise ReadCancelled(f"{path}: reading it was cancelled")
                if not self.process.is_alive():
                    raise EOFError
                if time.monotonic() > deadline:
                    self.kill()
                    raise ValueError(f"{path}: reading it took longer than {timeout:.0f} s; "
                                     "it was stopped")
            payload = self._conn.recv_bytes(MAX_REPLY_BYTES)
        except (EOFError, ConnectionError, OSError) as exc:
            cancelled = self._killed
            self.kill()  # the pool disposes of it
            if cancelled:
                raise ReadCancelled(f"{path}: reading it was cancelled") from None
            if isinstance(exc, OSError) and "bad message length" in str(exc):
                raise ValueError(f"{path}: its summary is larger than "
                                 f"{MAX_REPLY_BYTES // 2**20} MB; it is not shown") from None
            raise ValueError(f"{path}: the process reading the dataset ended unexpectedly "
                             f"(out of memory? its limit is {_limit_mb():,} MB)") from None
        kind, answer, self.last_peak_mb = pickle.loads(payload)  # our own child's answer
        if kind == "error":
            raise ValueError(answer)
        return answer

    def kill(self) -> None:
        """End the child now (from any thread: a read in flight then raises ReadCancelled in
        the reading thread, which closes the pipe; only the reading thread touches it)."""
        self._killed = True
        try:
            self.process.kill()
        except (OSError, ValueError, AttributeError):  # already gone
            pass

    def dispose(self) -> None:
        """End the child (an idle one exits its loop, else it is killed) and close the pipe;
        by the thread that owns the reader (no read in flight)."""
        if not self._killed and self.process.is_alive():
            try:
                self._conn.send(None)
                self.process.join(2)
            except (OSError, ValueError):
                pass
        self.kill()
        self.process.join(5)
        self._conn.close()


class ReaderPool:
    """Warm reader children, started lazily and reused: two reads at once (train and test)
    get a child each; :data:`IDLE_KEPT` stay warm between reads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[ReaderProcess] = []
        self._busy: set[ReaderProcess] = set()
        self._closed = False
        self.last_peak_mb: float | None = None
        """The real peak RSS of the child that answered last (tests, benchmarks)."""

    def acquire(self) -> ReaderProcess:
        with self._lock:
            while self._idle:
                reader = self._idle.pop()
                if reader.alive:
                    self._busy.add(reader)
                    return reader
        reader = ReaderProcess()  # spawned outside the lock: it takes a moment
        with self._lock:
            self._busy.add(reader)
        return reader

    def release(self, reader: ReaderProcess) -> None:
        """Keep ``reader`` warm when it is healthy and small, else end it."""
        with self._lock:
            self._busy.discard(reader)
            if reader.last_peak_mb is not None:
                self.last_peak_mb = reader.last_peak_mb
            keep = (not self._closed and reader.alive and len(self._idle) < IDLE_KEPT
                    and (reader.last_peak_mb or 0) <= RECYCLE_MB)
            if keep:
                self._idle.append(reader)
        if not keep:
            reader.dispose()

    def prestart(self) -> None:
        """Start a warm child now (off the UI thread), so the first read does not wait for
        an interpreter to start."""
        with self._lock:
            if self._idle or self._busy or self._closed:
                return
        reader = ReaderProcess()
        self.release(reader)

    def shutdown(self, final: bool = False) -> None:
        """End every child, idle or reading (reads in flight raise ReadCancelled); the pool
        starts new children on the next read unless ``final`` (at exit)."""
        with self._lock:
            self._closed = final
            idle, readers = list(self._idle), list(self._busy)
            self._idle.clear()
        for reader in readers:
            reader.kill()  # the reading threads dispose of the busy ones
        for reader in idle:
            reader.dispose()

    def pids(self) -> list[int]:
        """The children's process ids (tests, benchmarks)."""
        with self._lock:
            return [r.process.pid for r in self._idle + list(self._busy) if r.alive]


_POOL: ReaderPool | None = None
_POOL_LOCK = threading.Lock()


def shared_pool() -> ReaderPool:
    """The process-wide pool (ended at exit)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ReaderPool()
            atexit.register(_POOL.shutdown, final=True)
        return _POOL


def read_dataset_view_isolated(path: str, timeout: float = READ_TIMEOUT_S,
                               pool: ReaderPool | None = None,
                               on_reader=None) -> DatasetView:
    """The view of the dataset at ``path``, read by a warm child of ``pool`` (the shared one
    by default); raises ValueError naming the file. ``on_reader(reader)`` is called with the
    child before the read, so that the caller can cancel it (``reader.kill()``), and
    ``on_reader(None)`` after it, before the child serves anyone else."""
    pool = pool or shared_pool()
    reader = pool.acquire()
    try:
        if on_reader is not None:
            on_reader(reader)
        return reader.read(path, timeout)
    finally:
        if on_reader is not None:
            on_reader(None)
        pool.release(reader)
