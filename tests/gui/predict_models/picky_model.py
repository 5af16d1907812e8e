"""An image model that trains and predicts small batches, but raises on more than ten queries
(a run's Predict takes the first ten test samples, which it answers) and answers two queries
with something that is not probabilities: the predictions panel must show what is wrong and
stay usable."""

from rafiki.model import BaseModel, IntegerKnob

MAX_QUERIES = 10


class PickyModel(BaseModel):
    @staticmethod
    def get_knob_config():
        return {"classes": IntegerKnob(2, 10)}

    def __init__(self, **knobs):
        super().__init__(**knobs)
        self._classes = knobs["classes"]

    def train(self, dataset_uri):
        pass

    def evaluate(self, dataset_uri):
        return 0.5

    def predict(self, queries):
        if len(queries) > MAX_QUERIES:
            raise ValueError(f"this model cannot predict {len(queries)} queries at once")
        if len(queries) == 2:
            return ["not probabilities", "either"]
        share = 1.0 / self._classes
        return [[share] * self._classes for _ in queries]

    def dump_parameters(self):
        return {"classes": self._classes}

    def load_parameters(self, params):
        self._classes = params["classes"]

    def destroy(self):
        pass
