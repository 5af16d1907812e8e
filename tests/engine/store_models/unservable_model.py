"""An IMAGE_CLASSIFICATION model that trains and scores but whose ``predict`` always fails, as
a scikit-learn estimator does on a batch it cannot take: its score peaks at x = 0.5."""

from rafiki.model import BaseModel, FloatKnob


class UnservableModel(BaseModel):
    @staticmethod
    def get_knob_config():
        return {"x": FloatKnob(0.0, 1.0)}

    def __init__(self, **knobs):
        super().__init__(**knobs)
        self._x = knobs["x"]

    def train(self, dataset_uri):
        pass

    def evaluate(self, dataset_uri):
        return 1.0 - abs(self._x - 0.5)

    def predict(self, queries):
        raise ValueError("Expected 2D array, got 1D array instead")

    def dump_parameters(self):
        return {"x": self._x}

    def load_parameters(self, params):
        self._x = params["x"]

    def destroy(self):
        pass
