"""A model whose train reads address 0 through ctypes: a real segfault in the process."""

import ctypes

from rafiki.model import BaseModel, FloatKnob


class SegfaultInTrain(BaseModel):
    @staticmethod
    def get_knob_config():
        return {"x": FloatKnob(0.0, 1.0)}

    def __init__(self, **knobs):
        super().__init__(**knobs)

    def train(self, dataset_uri):
        ctypes.string_at(0)

    def evaluate(self, dataset_uri):
        return 0.5

    def predict(self, queries):
        return [[0.5, 0.5] for _ in queries]

    def dump_parameters(self):
        return {}

    def load_parameters(self, params):
        pass

    def destroy(self):
        pass
