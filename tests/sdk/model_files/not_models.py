"""Classes that are not usable Rafiki models."""

from rafiki.model import BaseModel, IntegerKnob


class NotAModel:
    @staticmethod
    def get_knob_config():
        return {"epochs": IntegerKnob(1, 2)}


class HalfAModel(BaseModel):
    @staticmethod
    def get_knob_config():
        return {"epochs": IntegerKnob(1, 2)}

    def train(self, dataset_uri):
        pass

    def evaluate(self, dataset_uri):
        return 0.5
