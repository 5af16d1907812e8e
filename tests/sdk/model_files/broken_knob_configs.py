"""Model classes whose `get_knob_config` breaks the contract, one way each."""

from rafiki.model import BaseModel, FloatKnob, IntegerKnob


class _Works(BaseModel):
    def __init__(self, **knobs):
        super().__init__(**knobs)

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


class KnobConfigNotDict(_Works):
    @staticmethod
    def get_knob_config():
        return [IntegerKnob(1, 2)]


class KnobConfigNonKnob(_Works):
    @staticmethod
    def get_knob_config():
        return {"epochs": IntegerKnob(1, 2), "rate": 0.1}


class KnobConfigRaises(_Works):
    @staticmethod
    def get_knob_config():
        return {"rate": FloatKnob(1.0, 0.1)}  # min > max: the knob itself raises


class KnobConfigTakesSelf(_Works):
    def get_knob_config(self):
        return {"epochs": IntegerKnob(1, 2)}


class KnobConfigNotStatic(_Works):
    def get_knob_config():  # Rafiki's old style: works on the class, with a warning
        return {"epochs": IntegerKnob(1, 2)}


class KnobConfigInherited(_Works):
    pass  # BaseModel's get_knob_config raises NotImplementedError
