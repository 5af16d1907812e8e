"""A second valid model with other knobs, to switch model files between runs."""

from rafiki.model import BaseModel, FixedKnob, IntegerKnob, logger


class OtherModel(BaseModel):
    @staticmethod
    def get_knob_config():
        return {"depth": IntegerKnob(1, 4), "seed": FixedKnob(3)}

    def __init__(self, **knobs):
        super().__init__(**knobs)
        self._depth = knobs["depth"]

    def train(self, dataset_uri):
        logger.define_plot("Depth", ["depth_metric"], x_axis="step")
        for step in range(5):
            logger.log(step=step, depth_metric=float(self._depth * step))

    def evaluate(self, dataset_uri):
        return 0.5

    def predict(self, queries):
        return [[0.1] * 10 for _ in queries]

    def dump_parameters(self):
        return {"depth": self._depth}

    def load_parameters(self, params):
        self._depth = params["depth"]

    def destroy(self):
        pass
