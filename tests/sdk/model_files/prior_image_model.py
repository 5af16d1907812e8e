"""A valid IMAGE_CLASSIFICATION model that reads only images.csv: it predicts class priors.

Fast on any IMAGE_FILES zip because it never decodes an image; used by the lifecycle tests.
"""

import csv
import io
import zipfile

from rafiki.constants import ModelDependency, TaskType
from rafiki.model import (
    BaseModel,
    CategoricalKnob,
    FixedKnob,
    FloatKnob,
    IntegerKnob,
    logger,
    test_model_class,
)


def read_classes(dataset_uri):
    with zipfile.ZipFile(dataset_uri) as archive:
        text = archive.read("images.csv").decode("utf-8")
    return [int(row["class"]) for row in csv.DictReader(io.StringIO(text))]


class PriorImageModel(BaseModel):
    @staticmethod
    def get_knob_config():
        return {
            "smoothing": FloatKnob(1e-3, 10.0, is_exp=True),
            "epochs": IntegerKnob(1, 3),
            "normalise": CategoricalKnob([True, False]),
            "kind": FixedKnob("prior"),
        }

    def __init__(self, **knobs):
        super().__init__(**knobs)
        self._knobs = knobs
        self._probs = None

    def train(self, dataset_uri):
        classes = read_classes(dataset_uri)
        k = max(classes) + 1
        logger.define_loss_plot()
        for epoch in range(self._knobs["epochs"]):
            logger.log_loss(loss=1.0 / (epoch + 1), epoch=epoch)
        counts = [classes.count(c) + self._knobs["smoothing"] for c in range(k)]
        total = sum(counts)
        self._probs = [c / total for c in counts]
        logger.log(f"trained on {len(classes)} images of {k} classes")

    def evaluate(self, dataset_uri):
        classes = read_classes(dataset_uri)
        best = max(range(len(self._probs)), key=self._probs.__getitem__)
        return sum(1 for c in classes if c == best) / len(classes)

    def predict(self, queries):
        return [list(self._probs) for _ in queries]

    def dump_parameters(self):
        return {"probs": self._probs}

    def load_parameters(self, params):
        self._probs = params["probs"]

    def destroy(self):
        self._probs = None


if __name__ == "__main__":
    import sys

    test_model_class(
        model_file_path=__file__,
        model_class="PriorImageModel",
        task=TaskType.IMAGE_CLASSIFICATION,
        dependencies={ModelDependency.SCIKIT_LEARN: "1.3.0"},
        train_dataset_uri=sys.argv[1],
        test_dataset_uri=sys.argv[2],
        queries=[[[0, 255], [255, 0]]],
    )
