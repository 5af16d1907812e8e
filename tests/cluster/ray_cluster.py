"""A real Ray cluster of `ray start --block` processes on 127.0.0.1, for the cluster tests.

Each node is one `ray start ... --block` process: terminating it ends that node's raylet and
workers (and, for the head, the GCS), so a test kills a node, or the whole cluster, by the
process id it started and nothing else. Start-up is slow (12-16 s a node on a loaded 2-core
machine), so the tests share one cluster.

Every node is started from a thread inside a private network namespace whose only interface
is loopback (:mod:`.loopback_network`; the tests' fixture enters it), and so are the Ray
driver and the ``rafiki tune`` processes of the tests. ``--node-ip-address 127.0.0.1`` alone
does not keep Ray there: Ray 2.60 resolves it to the machine's own address for a multi-node
cluster (``resolve_ip_for_localhost``), and the option it offers against that
(``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0``) refuses worker nodes. In the namespace Ray finds no
address but 127.0.0.1, and could bind no other. A test proves it from /proc: every process
the tests started is in that namespace, and every socket listening there is on 127.0.0.1.
Ray's token authentication is turned off for the nodes and the driver (``RAY_AUTH_MODE``): a
token file left in the user's home by another Ray would otherwise decide whether nodes can
join.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

RAY = str(Path(sys.executable).with_name("ray"))
STARTED_LINE = "Ray runtime started"
TEST_ENVIRONMENT = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled",
                    "RAY_raylet_start_wait_time_s": "120"}  # a loaded machine: 60 s failed
START_TIMEOUT = 180.0
START_ATTEMPTS = 3
RAY_GAVE_UP = "timed out during startup"  # Ray's own message when a raylet registers late


class NodeStartTimedOut(RuntimeError):
    """Ray ended a `ray start` whose raylet did not register in time (a loaded machine)."""


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Node:
    name: str
    process: subprocess.Popen
    log: Path
    cache: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 30.0) -> None:
        """Terminate this node's `ray start --block` (it ends the node's processes)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class LocalRayCluster:
    """A head and worker nodes on 127.0.0.1 under a private temporary folder."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="rr-", dir="/tmp")))
    port: int = field(default_factory=free_port)
    nodes: list[Node] = field(default_factory=list)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start_head(self, cpus: int, resources: dict[str, float]) -> Node:
        return self._start("head", ["--head", "--port", str(self.port), "--temp-dir",
                                    str(self.root / "ray"), "--include-dashboard", "false"],
                           cpus, resources)

    def add_worker(self, name: str, cpus: int, resources: dict[str, float]) -> Node:
        return self._start(name, ["--address", self.address], cpus, resources)

    def _start(self, name: str, role: list[str], cpus: int,
               resources: dict[str, float]) -> Node:
        """Start one node; again (up to START_ATTEMPTS times) when Ray gives up on its own
        raylet: Ray 2.60 waits a fixed 30 s for a raylet to register, which a loaded 2-core
        machine can exceed."""
        for attempt in range(1, START_ATTEMPTS + 1):
            try:
                return self._start_once(name, role, cpus, resources)
            except NodeStartTimedOut:
                if attempt == START_ATTEMPTS:
                    self.stop()
                    raise
                if "--port" in role:  # a head: a new port, the old one may linger a while
                    self.port = free_port()
                    role[role.index("--port") + 1] = str(self.port)
        raise AssertionError("unreachable")

    def _start_once(self, name: str, role: list[str], cpus: int,
                    resources: dict[str, float]) -> Node:
        log = self.root / f"{name}.log"
        cache = self.root / f"{name}-cache"
        env = {**os.environ, **TEST_ENVIRONMENT, "RAFIKI_NODE_CACHE": str(cache)}
        command = [RAY, "start", *role, "--node-ip-address", "127.0.0.1", "--num-cpus",
                   str(cpus), "--resources", json.dumps(resources), "--object-store-memory",
                   str(100 * 1024 * 1024), "--disable-usage-stats", "--block"]
        with open(log, "w") as out:  # its own process group: a failed start is ended whole
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        node = Node(name, process, log, cache)
        deadline = time.monotonic() + START_TIMEOUT
        while STARTED_LINE not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                printed = log.read_text(errors="replace")[-3000:]
                node.stop()
                _kill_group(process.pid)  # what the failed `ray start` left behind
                if RAY_GAVE_UP in printed:
                    raise NodeStartTimedOut(printed)
                self.stop()
                raise RuntimeError(f"ray node {name} did not start within {START_TIMEOUT:g} s "
                                   f"(exit code {process.poll()}):\n{printed}")
            time.sleep(0.3)
        self.nodes.append(node)
        return node

    def stop(self) -> None:
        """Workers first, then the head; each by the process id this object started; then
        the cluster's folder (Ray's session logs and the nodes' caches)."""
        for node in reversed(self.nodes):
            node.stop()
        shutil.rmtree(self.root, ignore_errors=True)
