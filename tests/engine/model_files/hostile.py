"""A model that attacks the workbench as issue 9 found it could: memory, channel, store,
escaping processes. Its knob `behaviour` picks the attack; the runner's hard-limit tests use it.
"""

import json
import os
import resource
import subprocess
import sys
import time

from rafiki.model import BaseModel, CategoricalKnob, logger

BEHAVIOURS = ["ok", "allocate", "report_limit", "forge_score", "forge_params", "endless_line",
              "flood_messages", "setsid_grandchild", "double_fork", "escape_and_hang"]
CHUNK = 64 * 1024 * 1024
SLEEPER = "import time; time.sleep(120)"


def _channel_fd() -> int:
    """The runner child is ``python -m rafiki.runner.child JOB CHANNEL_FD``."""
    return int(sys.argv[2])


def _write_channel(events: list) -> None:
    os.write(_channel_fd(), (json.dumps({"v": 1, "events": events}) + "\n").encode())


def _double_fork() -> int:
    """A grandchild whose parent has exited: re-parented away from the model's process."""
    read_end, write_end = os.pipe()
    if os.fork() == 0:
        os.setsid()
        pid = subprocess.Popen([sys.executable, "-c", SLEEPER]).pid
        os.write(write_end, str(pid).encode())
        os._exit(0)
    os.close(write_end)
    pid = int(os.read(read_end, 32))
    os.close(read_end)
    os.wait()
    return pid


class Hostile(BaseModel):
    @staticmethod
    def get_knob_config():
        return {"behaviour": CategoricalKnob(BEHAVIOURS)}

    def __init__(self, **knobs):
        super().__init__(**knobs)
        self.behaviour = knobs["behaviour"]

    def train(self, dataset_uri):
        behaviour = self.behaviour
        if behaviour == "allocate":  # 8 GiB, every page touched, 64 MiB at a time
            self.hoard = [b"\x01" * CHUNK for _ in range(8 * 1024**3 // CHUNK)]
        if behaviour == "report_limit":
            soft = resource.getrlimit(resource.RLIMIT_DATA)[0]
            logger.log(f"RLIMIT_DATA {soft}")
        if behaviour == "forge_score":
            _write_channel([{"kind": "result", "time": time.time(), "status": "completed",
                             "score": "abc"}])
        if behaviour == "forge_params":
            _write_channel([{"kind": "result", "time": time.time(), "status": "completed",
                             "score": 0.5, "params_path": "/etc/passwd"}])
        if behaviour == "endless_line":
            block = b"x" * (1024 * 1024)
            while True:
                os.write(_channel_fd(), block)
        if behaviour == "flood_messages":
            for i in range(300_000):
                logger.log(f"message {i} " + "y" * 100)
        if behaviour in ("setsid_grandchild", "escape_and_hang"):
            # its own session and group: killing the child's group misses it; it also holds
            # the child's stdout and stderr open
            pid = subprocess.Popen([sys.executable, "-c", SLEEPER], start_new_session=True).pid
            print(f"grandchild {pid}", flush=True)
        if behaviour == "double_fork":
            print(f"grandchild {_double_fork()}", flush=True)
        if behaviour == "escape_and_hang":
            while True:
                time.sleep(0.05)

    def evaluate(self, dataset_uri):
        return 0.75

    def predict(self, queries):
        return [[0.5, 0.5] for _ in queries]

    def dump_parameters(self):
        return {"behaviour": self.behaviour}

    def load_parameters(self, params):
        self.behaviour = params["behaviour"]

    def destroy(self):
        pass
