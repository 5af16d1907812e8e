"""A private network namespace whose only interface is loopback, for the cluster tests' Ray.

Why: Ray 2.60 turns ``--node-ip-address 127.0.0.1`` into the machine's own address for a
multi-node cluster (``resolve_ip_for_localhost``), so nodes started on 127.0.0.1 listen on the
machine's address. In a namespace with only loopback, the only address Ray can find is
127.0.0.1 (its outward probe fails and it falls back to loopback, checked on Ray 2.60) and
nothing can be bound anywhere else, whatever Ray decides.

The calling thread enters the namespace (``unshare(CLONE_NEWNET)`` moves only the calling
thread), so every process and thread it starts from then on lives there: the nodes, the Ray
driver, the ``rafiki tune`` processes of the tests. Leaving puts the thread back; the
namespace goes away with the last process in it. Needs CAP_SYS_ADMIN (root, as in CI). A
user without it runs pytest itself in a namespace of its own, ``unshare -rn python -m pytest
tests/cluster``: a process that already has only loopback is used as it is.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import socket
import struct
from pathlib import Path

from rafiki.runner.descendants import descendants as runner_descendants

CLONE_NEWNET = 0x40000000
_SIOCGIFFLAGS = 0x8913
_SIOCSIFFLAGS = 0x8914
_IFF_UP = 0x1
_LISTEN = "0A"  # the TCP state column of /proc/net/tcp
LOOPBACK_ADDRESSES = {"127.0.0.1", "::1", "::ffff:127.0.0.1"}
HOW_TO_RUN = ("run them as root (as CI does), or inside a user and network namespace of "
              "their own: unshare -rn python -m pytest tests/cluster")


class NoPrivateNetwork(Exception):
    """This process can make no loopback-only namespace (the reason says what to do)."""


def _interfaces() -> list[str]:
    """The calling thread's network interfaces (thread-self: namespaces are per thread)."""
    lines = Path("/proc/thread-self/net/dev").read_text().splitlines()[2:]
    return [line.split(":", 1)[0].strip() for line in lines]


def _libc_call(name: str, *args: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if getattr(libc, name)(*args) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{name}: {os.strerror(code)}")


def _loopback_up() -> None:
    """Bring ``lo`` up in the calling thread's namespace (a new one starts with it down)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(probe, _SIOCGIFFLAGS, request))[1]
        if not flags & _IFF_UP:
            fcntl.ioctl(probe, _SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | _IFF_UP))


class LoopbackNetwork:
    """``enter()`` puts the calling thread in a loopback-only namespace; ``leave()`` returns it.

    ``namespace`` is the namespace's identity (``net:[inode]``), to check that a process is in
    it."""

    def __init__(self) -> None:
        self._home: int | None = None
        self.namespace = ""

    def enter(self) -> None:
        if _interfaces() != ["lo"]:
            if not hasattr(ctypes.CDLL(None), "unshare"):
                raise NoPrivateNetwork(f"no unshare() in this C library; {HOW_TO_RUN}")
            home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
            try:
                _libc_call("unshare", CLONE_NEWNET)
            except OSError as exc:
                os.close(home)
                reason = ("no permission to make a network namespace"
                          if exc.errno in (errno.EPERM, errno.EACCES) else str(exc))
                raise NoPrivateNetwork(f"{reason}; {HOW_TO_RUN}") from exc
            self._home = home
        _loopback_up()
        self.namespace = os.readlink("/proc/thread-self/ns/net")

    def leave(self) -> None:
        if self._home is not None:
            _libc_call("setns", self._home, CLONE_NEWNET)
            os.close(self._home)
            self._home = None


def listening_sockets() -> dict[int, str]:
    """Every TCP socket listening in the calling thread's namespace: inode -> ``address:port``
    (from /proc/thread-self/net/tcp and tcp6: no psutil, no ``ss``)."""
    found: dict[int, str] = {}
    for table, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        path = Path(f"/proc/thread-self/net/{table}")
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] != _LISTEN:
                continue
            address, port = fields[1].split(":")
            found[int(fields[9])] = f"{_address(address, family)}:{int(port, 16)}"
    return found


def _address(hexadecimal: str, family: int) -> str:
    """The kernel writes addresses as 32-bit words in host order (little-endian here)."""
    raw = bytes.fromhex(hexadecimal)
    words = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
    return socket.inet_ntop(family, words)


def host_of(address_port: str) -> str:
    return address_port.rsplit(":", 1)[0]


def socket_owners(pids: list[int]) -> dict[int, int]:
    """Socket inode -> the pid (among ``pids``) that holds it open."""
    owners: dict[int, int] = {}
    for pid in pids:
        try:
            descriptors = os.listdir(f"/proc/{pid}/fd")
        except OSError:  # ended meanwhile
            continue
        for descriptor in descriptors:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{descriptor}")
            except OSError:
                continue
            if target.startswith("socket:["):
                owners[int(target[8:-1])] = pid
    return owners


def descendants(roots: list[int]) -> list[int]:
    """The processes in ``roots`` that still run and all their descendants (the runner's own
    /proc walk, so the tests find what the product would kill)."""
    found: list[int] = []
    for root in roots:
        if Path(f"/proc/{root}").exists() and root not in found:
            found.append(root)
            found.extend(pid for pid, _ in runner_descendants(root) if pid not in found)
    return found


def namespace_of(pid: int) -> str | None:
    """The process's network namespace (``net:[inode]``), None when it has ended."""
    try:
        return os.readlink(f"/proc/{pid}/ns/net")
    except OSError:
        return None
