"""A model whose training never ends (and ignores the interrupt), to be stopped with Stop."""

import time

from rafiki.model import BaseModel, IntegerKnob, logger


class HangingModel(BaseModel):
    @staticmethod
    def get_knob_config():
        return {"unused": IntegerKnob(1, 2)}

    def train(self, dataset_uri):
        logger.log("about to hang")
        while True:
            try:
                time.sleep(0.1)
            except KeyboardInterrupt:
                pass

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
