"""A model that crashes the interpreter during training (a native segfault)."""

import ctypes

from rafiki.model import BaseModel, IntegerKnob, logger


class SegfaultModel(BaseModel):
    @staticmethod
    def get_knob_config():
        return {"unused": IntegerKnob(1, 2)}

    def train(self, dataset_uri):
        logger.log("about to crash")
        ctypes.string_at(0)

    def evaluate(self, dataset_uri):
        return 0.0

    def predict(self, queries):
        return []

    def dump_parameters(self):
        return {}

    def load_parameters(self, params):
        pass

    def destroy(self):
        pass
