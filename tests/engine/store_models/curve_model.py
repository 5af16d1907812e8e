"""A model with a learning curve for pruning tests: ``val_accuracy`` rises towards ``x`` over
10 epochs (logged with ``epoch``), ``delay`` seconds apart; its score is ``x``."""

import time

from rafiki.model import BaseModel, FloatKnob, IntegerKnob, logger


class CurveModel(BaseModel):
    @staticmethod
    def get_knob_config():
        return {"x": FloatKnob(0.0, 1.0), "delay": FloatKnob(0.0, 5.0),
                "epochs": IntegerKnob(1, 10)}

    def __init__(self, **knobs):
        super().__init__(**knobs)
        self._knobs = knobs

    def train(self, dataset_uri):
        logger.define_plot("Accuracy", ["val_accuracy"], x_axis="epoch")
        for epoch in range(self._knobs["epochs"]):
            logger.log(val_accuracy=self._knobs["x"] * (1 - 0.5 ** (epoch + 1)), epoch=epoch)
            time.sleep(self._knobs["delay"])

    def evaluate(self, dataset_uri):
        return self._knobs["x"]

    def predict(self, queries):
        return [[0.5, 0.5] for _ in queries]

    def dump_parameters(self):
        return {"x": self._knobs["x"]}

    def load_parameters(self, params):
        pass

    def destroy(self):
        pass
