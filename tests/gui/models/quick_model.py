"""A fast, valid image model for GUI tests: logs a plot, messages and output, scores 0.75."""

import sys

from rafiki.model import BaseModel, CategoricalKnob, FloatKnob, IntegerKnob, logger


class QuickModel(BaseModel):
    @staticmethod
    def get_knob_config():
        return {
            "epochs": IntegerKnob(1, 10),
            "learning_rate": FloatKnob(1e-4, 1e-1, is_exp=True),
            "shape": CategoricalKnob(["wide", "deep"]),
        }

    def __init__(self, **knobs):
        super().__init__(**knobs)
        self._knobs = knobs

    def train(self, dataset_uri):
        logger.define_loss_plot()
        logger.define_plot("Accuracy", ["train_acc"])
        for epoch in range(self._knobs["epochs"]):
            logger.log_loss(loss=1.0 / (epoch + 1), epoch=epoch)
            logger.log(train_acc=0.5 + epoch / 40)
        logger.log("quick model trained")
        print("hello from the quick model's stdout")
        print("a warning on stderr", file=sys.stderr)

    def evaluate(self, dataset_uri):
        return 0.75

    def predict(self, queries):
        return [[0.1] * 10 for _ in queries]

    def dump_parameters(self):
        return {"epochs": self._knobs["epochs"]}

    def load_parameters(self, params):
        self._knobs = dict(self._knobs, **params)

    def destroy(self):
        pass
