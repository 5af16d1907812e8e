"""One model whose knob `behaviour` picks how it misbehaves, for the runner's tests."""

import ctypes
import os
import subprocess
import sys
import time

from rafiki.config import APP_MODE
from rafiki.model import BaseModel, CategoricalKnob, IntegerKnob, logger

BEHAVIOURS = ["ok", "hang", "segfault", "exit", "memory", "flood_stdout", "flood_metrics",
              "raise_train", "grandchild", "orphan_grandchild", "predict_raises_on_negative"]


class Misbehaving(BaseModel):
    @staticmethod
    def get_knob_config():
        top = 5 if APP_MODE == "DEV" else 50
        return {"behaviour": CategoricalKnob(BEHAVIOURS), "points": IntegerKnob(1, top)}

    def __init__(self, **knobs):
        super().__init__(**knobs)
        self.behaviour = knobs["behaviour"]
        self.points = knobs["points"]
        self.weight = 0.0

    def train(self, dataset_uri):
        logger.define_loss_plot()
        logger.log("training with " + self.behaviour)
        behaviour = self.behaviour
        if behaviour == "hang":
            while True:
                time.sleep(0.05)
        if behaviour == "segfault":
            ctypes.string_at(0)
        if behaviour == "exit":
            os._exit(3)
        if behaviour == "memory":
            self.hoard = bytearray(8 * 1024**3)
        if behaviour == "flood_stdout":
            for i in range(100_000):
                print(f"line {i}")
            os.write(1, b"raw C-level write to fd 1\n")
            os.write(2, b'{"v": 1, "events": [{"kind": "result"}]}\n')
        if behaviour == "flood_metrics":
            for i in range(200_000):
                logger.log(loss=1.0 / (i + 1), epoch=i)
        if behaviour == "orphan_grandchild":  # left running while the model completes
            child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
            print(f"grandchild {child.pid}", flush=True)
        if behaviour == "raise_train":
            raise RuntimeError("the model broke while training")
        if behaviour == "grandchild":
            child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
            print(f"grandchild {child.pid}", flush=True)
            while True:
                time.sleep(0.05)
        for epoch in range(self.points):
            logger.log_loss(1.0 / (epoch + 1), epoch)
        self.weight = 0.5

    def evaluate(self, dataset_uri):
        return 0.75

    def predict(self, queries):
        if self.behaviour == "predict_raises_on_negative" and queries and queries[0] == [[-1]]:
            raise ValueError("negative pixels are not allowed")
        return [[self.weight, 1 - self.weight] for _ in queries]

    def dump_parameters(self):
        return {"weight": self.weight}

    def load_parameters(self, params):
        self.weight = params["weight"]

    def destroy(self):
        pass
