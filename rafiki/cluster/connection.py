"""This process's connection to a Ray cluster, and what the cluster holds.

The connection is a driver child process (:mod:`rafiki.cluster.driver`): Ray ends a driver
whose machine's raylet dies, and the window must outlive its cluster, so the window is never
the driver itself. One driver serves the process, so the window's Connect check and the
tuning that follows share it; connecting to another address ends the first one. Imports
nothing of Ray (only checks that it is installed: the driver needs it).
"""

from __future__ import annotations

import atexit
import importlib.util
import math
import threading
from dataclasses import dataclass, field

from .driver_process import DriverError, DriverGone, DriverProcess

if importlib.util.find_spec("ray") is None:  # the callers' "Ray is not installed" message
    raise ImportError("No module named 'ray'", name="ray")

_lock = threading.Lock()
_driver: DriverProcess | None = None
_connected_to: str | None = None
CONNECT_SECONDS = 300.0  # Ray's start-up on a loaded machine; past it, no cluster
DESCRIBE_SECONDS = 120.0


class ClusterConnectionError(Exception):
    """The cluster at an address cannot be reached (or Ray refuses to connect)."""


@dataclass
class NodeInfo:
    """One node of the cluster as Ray reports it."""

    node_id: str
    host: str
    address: str
    alive: bool
    cpus: float
    memory_bytes: float
    resources: dict[str, float] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.host} ({self.address}, node {self.node_id[:8]})"


@dataclass
class ClusterInfo:
    """The cluster's nodes; ``summary`` is what the window's Connect check shows."""

    address: str
    nodes: list[NodeInfo]

    @property
    def alive(self) -> list[NodeInfo]:
        return [node for node in self.nodes if node.alive]

    def summary(self) -> str:
        alive = self.alive
        cpus = sum(node.cpus for node in alive)
        memory = sum(node.memory_bytes for node in alive) / 1024 ** 3
        return (f"{len(alive)} node{'s' if len(alive) != 1 else ''}, {cpus:g} CPUs, "
                f"{memory:.1f} GB memory")

    def capacity(self, trial_cpus: float, trial_memory_mb: int | None = None) -> int:
        """How many trials of that size the alive nodes hold at once (at least 1)."""
        total = 0
        for node in self.alive:
            fits = math.floor(node.cpus / trial_cpus) if trial_cpus > 0 else 1_000
            if trial_memory_mb:
                fits = min(fits, math.floor(node.memory_bytes / (trial_memory_mb * 1024 ** 2)))
            total += max(0, fits)
        return max(1, total)


def connect(address: str, node_ip_address: str | None = None) -> None:
    """Connect this process to the cluster at ``address`` (``auto``, ``HOST:PORT`` or
    ``ray://HOST:10001``) through a driver child; already connected there, nothing happens."""
    global _driver, _connected_to
    address = address.strip() or "auto"
    with _lock:
        if _driver is not None and _driver.alive() and _connected_to == address:
            return
        if _driver is not None:
            _driver.stop()
        _driver, _connected_to = DriverProcess(), None
        try:
            _driver.call("connect", address, node_ip_address, timeout=CONNECT_SECONDS)
        except (DriverError, DriverGone) as exc:  # ConnectionError, RuntimeError...: "cannot"
            _driver.stop()
            _driver = None
            raise ClusterConnectionError(
                f"cannot connect to the Ray cluster at {address}: {exc}") from exc
        _connected_to = address


@atexit.register
def _stop_the_driver_at_exit() -> None:
    """The driver ends by itself when this process's end of its pipe closes; stopping it here
    ends it by its process id, at once, and lets it leave the cluster cleanly."""
    disconnect()


def connected_address() -> str | None:
    return _connected_to if _driver is not None and _driver.alive() else None


def driver() -> DriverProcess:
    """The connected driver (raises when there is none: connect first)."""
    current = _driver
    if current is None or _connected_to is None:
        raise ClusterConnectionError("not connected to a Ray cluster")
    return current


def driver_process_id() -> int | None:
    """The driver child's process id (tests check where it listens), None when there is
    none."""
    return _driver.pid if _driver is not None and _driver.alive() else None


def disconnect() -> None:
    """End the driver child (tests; the window when the address changes)."""
    global _driver, _connected_to
    with _lock:
        if _driver is not None:
            _driver.stop()
        _driver, _connected_to = None, None


def describe_cluster() -> ClusterInfo:
    """The connected cluster's nodes, alive and dead (raises when it cannot be asked)."""
    try:
        entries = driver().call("describe", timeout=DESCRIBE_SECONDS)
    except (DriverError, DriverGone) as exc:
        raise ClusterConnectionError(f"cannot ask the Ray cluster at {_connected_to}: "
                                     f"{exc}") from exc
    nodes = [
        NodeInfo(node_id=entry["node_id"], host=entry["host"], address=entry["address"],
                 alive=entry["alive"], cpus=float(entry["resources"].get("CPU", 0.0)),
                 memory_bytes=float(entry["resources"].get("memory", 0.0)),
                 resources=entry["resources"])
        for entry in entries
    ]
    return ClusterInfo(address=_connected_to or "?", nodes=nodes)


def check_cluster(address: str, node_ip_address: str | None = None) -> ClusterInfo:
    """Connect and describe: the window's Connect button and ``rafiki tune --ray``'s first
    line."""
    connect(address, node_ip_address)
    return describe_cluster()


def cluster_answers(timeout: float = 10.0) -> bool:
    """Whether the cluster still answers within ``timeout`` (False when the driver is gone)."""
    current = _driver
    if current is None:
        return False
    try:
        return bool(current.call("answers", timeout, timeout=timeout + 5.0))
    except (DriverError, DriverGone):
        return False
