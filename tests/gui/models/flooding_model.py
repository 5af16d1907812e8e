"""A model that floods the logger: POINTS metric points in about SECONDS seconds."""

import os
import time

from rafiki.model import BaseModel, IntegerKnob, logger

POINTS = int(os.environ.get("RAFIKI_FLOOD_POINTS", "50000"))
SECONDS = float(os.environ.get("RAFIKI_FLOOD_SECONDS", "1.0"))
CHUNK = 1000


class FloodingModel(BaseModel):
    @staticmethod
    def get_knob_config():
        return {"unused": IntegerKnob(1, 2)}

    def train(self, dataset_uri):
        logger.define_plot("Flood", ["value"], x_axis="step")
        start = time.monotonic()
        for step in range(POINTS):
            logger.log(step=step, value=float(step % 100))
            if step % CHUNK == CHUNK - 1:  # pace the flood over SECONDS
                ahead = start + SECONDS * (step + 1) / POINTS - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
        logger.log(f"logged {POINTS} points")

    def evaluate(self, dataset_uri):
        return 0.5

    def predict(self, queries):
        return [[0.1] * 10 for _ in queries]

    def dump_parameters(self):
        return {}

    def load_parameters(self, params):
        pass

    def destroy(self):
        pass
