"""This process's connection to a Ray cluster, and what the cluster holds.

Ray allows one connection per process, so the window's Connect check and the tuning that
follows share it; connecting to another address ends the first one. Imports Ray: only the
user's choice of a cluster reaches this module.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from dataclasses import dataclass, field

import ray

_lock = threading.Lock()
_connected_to: str | None = None

# When the cluster's head goes away, a Ray driver waits this long and then ends its own process
# (Ray's default is 60 s). The workbench must outlive its cluster: it notices the loss itself
# (ClusterLostError, within seconds) and ends the tuning with every finished trial kept.
_RECONNECT_VARIABLE = "RAY_gcs_rpc_server_reconnect_timeout_s"
_RECONNECT_SECONDS = str(7 * 24 * 3600)


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
    ``ray://HOST:10001``); already connected there, or by the program's own ``ray.init``,
    nothing happens."""
    global _connected_to
    address = address.strip() or "auto"
    with _lock:
        if ray.is_initialized() and _connected_to in (None, address):
            return  # connected there already, or by the program itself (ray.init): use it
        if ray.is_initialized():
            ray.shutdown()
        os.environ.setdefault(_RECONNECT_VARIABLE, _RECONNECT_SECONDS)
        options: dict = {"address": address, "logging_level": logging.WARNING,
                         "log_to_driver": False, "configure_logging": False}
        if node_ip_address and not address.startswith("ray://"):
            options["_node_ip_address"] = node_ip_address
        try:
            ray.init(**options)
        except Exception as exc:  # ConnectionError, RuntimeError, ValueError: all "cannot"
            raise ClusterConnectionError(
                f"cannot connect to the Ray cluster at {address}: {exc}") from exc
        _connected_to = address


def connected_address() -> str | None:
    return _connected_to if ray.is_initialized() else None


def disconnect() -> None:
    """End this process's connection (tests; the window when the address changes)."""
    global _connected_to
    with _lock:
        if ray.is_initialized():
            ray.shutdown()
        _connected_to = None


def describe_cluster() -> ClusterInfo:
    """The connected cluster's nodes, alive and dead (raises when it cannot be asked)."""
    nodes = [
        NodeInfo(
            node_id=entry.get("NodeID", ""), host=entry.get("NodeManagerHostname", "?"),
            address=entry.get("NodeManagerAddress", "?"), alive=bool(entry.get("Alive")),
            cpus=float((entry.get("Resources") or {}).get("CPU", 0.0)),
            memory_bytes=float((entry.get("Resources") or {}).get("memory", 0.0)),
            resources=dict(entry.get("Resources") or {}),
        )
        for entry in ray.nodes()
    ]
    return ClusterInfo(address=_connected_to or "?", nodes=nodes)


def check_cluster(address: str, node_ip_address: str | None = None) -> ClusterInfo:
    """Connect and describe: the window's Connect button and ``rafiki tune --ray``'s first
    line."""
    connect(address, node_ip_address)
    return describe_cluster()


def cluster_answers(timeout: float = 10.0) -> bool:
    """Whether the cluster still answers within ``timeout`` (asked on a side thread: a call to
    a head that is gone can block for as long as Ray's reconnect timeout)."""
    answer: dict[str, bool] = {}

    def ask() -> None:
        try:
            ray.nodes()
            answer["ok"] = True
        except Exception:
            answer["ok"] = False

    asker = threading.Thread(target=ask, daemon=True, name="rafiki-ray-liveness")
    asker.start()
    asker.join(timeout)
    return answer.get("ok", False)
