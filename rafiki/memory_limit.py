"""The memory limit of a model process: on by default, set in the child before model code runs.

A model allocating without bound must end its own run, not the machine. The default is a
share of physical memory divided by the processes running at once (tuning runs K trials), so
K trials together stay under that share. ``None`` asks for the default, ``0`` for no limit.

Enforcement, per platform (measured figures in docs/RELIABILITY.md):

- Linux: ``RLIMIT_DATA`` (since Linux 4.7 it counts every private writable mapping, so large
  ``malloc``/``mmap`` calls fail with ENOMEM and Python raises MemoryError), plus a cgroup v2
  ``memory.max`` for the child when the cgroup tree is writable by this user (probed; most
  desktops delegate ``user@UID.service`` to the user), which also catches memory a C library
  takes without asking through ``malloc``. RLIMIT_DATA is chosen over RLIMIT_AS because
  address space counts shared libraries and reservations: numpy + scikit-learn map ~1 GB of
  address space before a model allocates anything.
- macOS: ``RLIMIT_AS`` is set but the kernel does not enforce it for ``mmap``; the limit is
  advisory there.
- Windows: no rlimits; no limit is enforced (a Job object would be the mechanism).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DEFAULT_SHARE = 0.5  # of physical memory, for all model processes at once
MINIMUM_DEFAULT_MB = 512  # below this, models that import numpy + scikit-learn cannot start
OFF_WORDS = ("off", "none", "0")


class MemoryLimitError(ValueError):
    """A memory limit that is not a number of megabytes (or off)."""


def physical_memory_mb() -> int | None:
    """This machine's physical memory in MB, or None where it cannot be read."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    except (AttributeError, ValueError, OSError):
        pass
    if sys.platform == "win32":
        import ctypes

        class _Status(ctypes.Structure):
            _fields_ = [("length", ctypes.c_ulong), ("load", ctypes.c_ulong),
                        ("total_phys", ctypes.c_ulonglong), ("rest", ctypes.c_ulonglong * 6)]

        status = _Status()
        status.length = ctypes.sizeof(_Status)
        if ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):  # type: ignore
            return status.total_phys // 2**20
    return None


def default_memory_limit_mb(at_once: int = 1) -> int | None:
    """The limit each of ``at_once`` model processes gets when none is given (None: unknown
    machine memory, no limit)."""
    total = physical_memory_mb()
    if not total:
        return None
    return max(MINIMUM_DEFAULT_MB, int(total * DEFAULT_SHARE) // max(1, at_once))


def resolve_memory_limit(limit_mb: int | None, at_once: int = 1) -> int | None:
    """The limit to apply: ``None`` -> the default share, ``0`` -> None (no limit)."""
    if limit_mb is None:
        return default_memory_limit_mb(at_once)
    if limit_mb < 0:
        raise MemoryLimitError(f"a memory limit is a number of MB (0: none), not {limit_mb}")
    return limit_mb or None


def parse_memory_limit(text: str) -> int:
    """``--memory-mb`` as given: megabytes, or 0/"off"/"none" for no limit."""
    word = text.strip().lower()
    if word in OFF_WORDS:
        return 0
    try:
        value = int(word)
    except ValueError:
        raise MemoryLimitError(f"expected megabytes or 'off', not {text!r}") from None
    if value < 0:
        raise MemoryLimitError(f"expected megabytes or 'off', not {text!r}")
    return value


def enforced_by_rlimit() -> str | None:
    """The rlimit this platform sets (None where there are none)."""
    if sys.platform.startswith("linux"):
        return "RLIMIT_DATA"
    if os.name == "posix":
        return "RLIMIT_AS"
    return None


def apply_rlimit(limit_mb: int | None) -> int | None:
    """In the child, before model code: cap this process (kept under an existing hard cap).
    Returns the soft limit it replaced, for :func:`restore_rlimit` (None: nothing changed)."""
    name = enforced_by_rlimit()
    if not limit_mb or name is None:
        return None
    import resource

    which = getattr(resource, name)
    limit = int(limit_mb) * 2**20
    soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    try:
        resource.setrlimit(which, (limit, hard))
    except (ValueError, OSError):  # a limit below what is mapped already: keep going unlimited
        return None
    return soft


def restore_rlimit(previous_soft: int | None) -> None:
    """Undo :func:`apply_rlimit` in a process that goes on (``rafiki test-model`` called
    in-process: the soft limit may rise again up to the unchanged hard one)."""
    name = enforced_by_rlimit()
    if previous_soft is None or name is None:
        return
    import resource

    which = getattr(resource, name)
    resource.setrlimit(which, (previous_soft, resource.getrlimit(which)[1]))


# -- cgroup v2 -----------------------------------------------------------------------------

CGROUP_ROOT = Path("/sys/fs/cgroup")


class MemoryCgroup:
    """A cgroup v2 of its own for one child, with ``memory.max``, made by the parent.

    The child joins it first thing (writing its pid to ``cgroup.procs``), so every process it
    starts is in it too: :meth:`kill_all` ends them, :meth:`oom_killed` says whether the
    kernel's OOM killer acted on the limit. Made beside this process's own cgroup, because a
    cgroup that holds processes cannot enable controllers for children (cgroup v2's "no
    internal processes" rule)."""

    def __init__(self, path: Path):
        self.path = path

    @classmethod
    def create(cls, limit_mb: int, name: str) -> MemoryCgroup | None:
        """A new cgroup under the parent of this process's cgroup, or None where cgroup v2 is
        absent or not writable (then the rlimit alone holds)."""
        parent = _own_cgroup_parent()
        if parent is None:
            return None
        try:
            controllers = (parent / "cgroup.subtree_control").read_text().split()
            if "memory" not in controllers or not os.access(parent, os.W_OK):
                return None
            path = parent / name
            path.mkdir()
        except OSError:
            return None
        group = cls(path)
        try:
            (path / "memory.max").write_text(str(int(limit_mb) * 2**20))
            swap = path / "memory.swap.max"
            if swap.exists():
                swap.write_text("0")  # over the limit is out of memory, not slow swapping
        except OSError:
            group.remove()
            return None
        return group

    @staticmethod
    def join(path: str) -> bool:
        """In the child: move this process into the cgroup at ``path`` (False if refused)."""
        try:
            Path(path, "cgroup.procs").write_text(str(os.getpid()))
            return True
        except OSError:
            return False

    def oom_killed(self) -> bool:
        """Whether the kernel killed a process of this cgroup for going over memory.max."""
        try:
            for line in (self.path / "memory.events").read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill" and int(value) > 0:
                    return True
        except (OSError, ValueError):
            pass
        return False

    def kill_all(self) -> None:
        """Kill every process still in the cgroup (escaped grandchildren included)."""
        kill_file = self.path / "cgroup.kill"
        try:
            if kill_file.exists():
                kill_file.write_text("1")
                return
            import signal

            for pid in (self.path / "cgroup.procs").read_text().split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, PermissionError, ValueError):
                    pass
        except OSError:
            pass

    def remove(self) -> None:
        """Remove the (empty) cgroup; retried briefly while killed processes exit."""
        import time

        for _attempt in range(20):
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.05)


def _own_cgroup_parent() -> Path | None:
    if not sys.platform.startswith("linux") or not (CGROUP_ROOT / "cgroup.controllers").exists():
        return None  # no cgroup v2 unified hierarchy (v1 or hybrid without it)
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("0::"):
            own = CGROUP_ROOT / line[3:].lstrip("/")
            return own.parent if own != CGROUP_ROOT else None
    return None
