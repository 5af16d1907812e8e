"""A model that narrows its knob range in DEV mode, as Rafiki's example models do."""

from rafiki.config import APP_MODE
from rafiki.model import BaseModel, IntegerKnob


class AppModeModel(BaseModel):
    @staticmethod
    def get_knob_config():
        return {"epochs": IntegerKnob(1, 3 if APP_MODE == "DEV" else 100)}

    def train(self, dataset_uri):
        pass

    def evaluate(self, dataset_uri):
        return 0.5

    def predict(self, queries):
        return [[1.0] for _ in queries]

    def dump_parameters(self):
        return {}

    def load_parameters(self, params):
        pass

    def destroy(self):
        pass
