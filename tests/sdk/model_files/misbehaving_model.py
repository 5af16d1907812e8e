"""A model that breaks the SDK contract in the way its `fault` knob names (reads no dataset)."""

import numpy as np

from rafiki.model import BaseModel, CategoricalKnob

FAULTS = [
    "none",
    "init_raises",
    "train_raises",
    "train_interrupted",
    "evaluate_raises",
    "evaluate_string",
    "evaluate_nan",
    "evaluate_too_high",
    "evaluate_bool",
    "evaluate_numpy",
    "dump_raises",
    "dump_not_dict",
    "dump_unpicklable",
    "dump_own_class",
    "destroy_raises",
    "load_raises",
    "predict_raises",
    "predict_wrong_count",
    "predict_not_json",
    "predict_numpy_values",
    "predict_ndarray",
    "predict_wrong_shape",
    "predict_nan",
]


class Opaque:
    """A class of the model file itself: it pickles here but not in a new process."""


class MisbehavingModel(BaseModel):
    @staticmethod
    def get_knob_config():
        return {"fault": CategoricalKnob(FAULTS)}

    def __init__(self, **knobs):
        super().__init__(**knobs)
        self.fault = knobs["fault"]
        if self.fault == "init_raises":
            raise RuntimeError("init exploded")

    def train(self, dataset_uri):
        if self.fault == "train_raises":
            raise ZeroDivisionError("division by zero in train")
        if self.fault == "train_interrupted":
            raise KeyboardInterrupt()

    def evaluate(self, dataset_uri):
        results = {
            "evaluate_string": "0.5",
            "evaluate_nan": float("nan"),
            "evaluate_too_high": 1.5,
            "evaluate_bool": True,
            "evaluate_numpy": np.float32(0.25),
        }
        if self.fault == "evaluate_raises":
            raise ValueError("cannot evaluate")
        return results.get(self.fault, 0.5)

    def predict(self, queries):
        if self.fault == "predict_raises":
            raise KeyError("no such class")
        if self.fault == "predict_wrong_count":
            return [[0.5, 0.5]] * (len(queries) + 1)
        if self.fault == "predict_not_json":
            return [{0.5, 0.25} for _ in queries]
        if self.fault == "predict_numpy_values":
            return [[np.float32(0.5), np.float32(0.5)] for _ in queries]
        if self.fault == "predict_ndarray":
            return np.full((len(queries), 2), 0.5)
        if self.fault == "predict_wrong_shape":
            return [[0.9, 0.9] for _ in queries]
        if self.fault == "predict_nan":
            return [[float("nan"), 1.0] for _ in queries]
        return [[0.5, 0.5] for _ in queries]

    def dump_parameters(self):
        if self.fault == "dump_raises":
            raise OSError("disk full")
        if self.fault == "dump_not_dict":
            return [1, 2, 3]
        if self.fault == "dump_unpicklable":
            return {"weights": [1.0], "callback": lambda x: x}
        if self.fault == "dump_own_class":
            return {"state": Opaque()}
        return {"weights": np.arange(3)}

    def load_parameters(self, params):
        if self.fault == "load_raises":
            raise ValueError("bad params")
        self.weights = params["weights"]

    def destroy(self):
        if self.fault == "destroy_raises":
            raise RuntimeError("cannot free")
