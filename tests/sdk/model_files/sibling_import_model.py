"""A valid model that imports a module from its own folder."""

import sibling_helpers

from rafiki.model import BaseModel, FixedKnob


class SiblingImportModel(BaseModel):
    @staticmethod
    def get_knob_config():
        return {"size": FixedKnob(2)}

    def __init__(self, **knobs):
        super().__init__(**knobs)

    def train(self, dataset_uri):
        pass

    def evaluate(self, dataset_uri):
        return sibling_helpers.SCORE

    def predict(self, queries):
        return [[0.5, 0.5] for _ in queries]

    def dump_parameters(self):
        return {}

    def load_parameters(self, params):
        pass

    def destroy(self):
        pass
