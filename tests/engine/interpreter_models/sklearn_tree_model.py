"""A scikit-learn decision tree over flattened pixels, written as a Rafiki model file would be.

It imports only what a bare interpreter holding numpy, Pillow and scikit-learn has, and its
``predict`` hands the queries straight to the estimator (which rejects an empty batch).
"""

import numpy as np
from sklearn.tree import DecisionTreeClassifier

from rafiki.constants import ModelDependency, TaskType
from rafiki.model import BaseModel, IntegerKnob, dataset_utils, logger, test_model_class


def _load(dataset_uri):
    dataset = dataset_utils.load_dataset_of_image_files(dataset_uri)
    images, classes = zip(*[(image, image_class) for (image, image_class) in dataset],
                          strict=True)
    return np.array(images, dtype=float).reshape(len(images), -1), np.array(classes)


class SklearnTreeModel(BaseModel):
    @staticmethod
    def get_knob_config():
        return {"max_depth": IntegerKnob(2, 8)}

    def __init__(self, **knobs):
        super().__init__(**knobs)
        self._tree = DecisionTreeClassifier(max_depth=knobs["max_depth"], random_state=0)

    def train(self, dataset_uri):
        features, classes = _load(dataset_uri)
        self._tree.fit(features, classes)
        logger.log(f"fitted a tree of depth {self._tree.get_depth()}")

    def evaluate(self, dataset_uri):
        features, classes = _load(dataset_uri)
        return float(self._tree.score(features, classes))

    def predict(self, queries):
        features = np.array(queries, dtype=float).reshape(len(queries), -1)
        return self._tree.predict_proba(features).tolist()

    def dump_parameters(self):
        return {"tree": self._tree}

    def load_parameters(self, params):
        self._tree = params["tree"]

    def destroy(self):
        pass


if __name__ == "__main__":
    import sys

    test_model_class(
        model_file_path=__file__,
        model_class="SklearnTreeModel",
        task=TaskType.IMAGE_CLASSIFICATION,
        dependencies={ModelDependency.SCIKIT_LEARN: "1.3.0"},
        train_dataset_uri=sys.argv[1],
        test_dataset_uri=sys.argv[2],
        queries=[[[0, 0], [0, 0]]],
    )
