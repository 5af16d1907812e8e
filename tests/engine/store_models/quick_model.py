"""A fast IMAGE_CLASSIFICATION model for tuning and CLI tests: its score peaks at x = 0.3,
it fails in train when x > 0.8, and it sleeps ``delay`` seconds in train (to be stopped).
With QUICK_MODEL_SLOW_HALF=low (or high) in its environment, trials with x below (or above)
0.5 also sleep 0.8 s: tests choose which of the trials at once ends first."""

import os
import time

from rafiki.model import BaseModel, FloatKnob, logger


class QuickModel(BaseModel):
    @staticmethod
    def get_knob_config():
        return {"x": FloatKnob(0.0, 1.0), "delay": FloatKnob(0.0, 60.0)}

    def __init__(self, **knobs):
        super().__init__(**knobs)
        self._knobs = knobs
        self._trained = False

    def train(self, dataset_uri):
        if self._knobs["x"] > 0.8:
            raise ValueError(f"x is too large: {self._knobs['x']}")
        logger.define_loss_plot()
        for epoch in range(5):
            logger.log_loss(loss=1.0 / (epoch + 1), epoch=epoch)
        logger.log("trained")
        print("hello from train", flush=True)
        time.sleep(self._knobs["delay"])
        slow_half = os.environ.get("QUICK_MODEL_SLOW_HALF")
        if slow_half and (self._knobs["x"] < 0.5) == (slow_half == "low"):
            time.sleep(0.8)
        self._trained = True

    def evaluate(self, dataset_uri):
        return max(0.0, 1.0 - (self._knobs["x"] - 0.3) ** 2)

    def predict(self, queries):
        return [[0.5, 0.5] for _ in queries]

    def dump_parameters(self):
        return {"x": self._knobs["x"]}

    def load_parameters(self, params):
        self._trained = True

    def destroy(self):
        pass
