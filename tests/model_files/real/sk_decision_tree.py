"""An IMAGE_CLASSIFICATION model for Rafiki: a scikit-learn decision tree over flattened pixels.

Written as a Rafiki user writes one (only ``rafiki.model`` and ``rafiki.constants``), after
Rafiki's own SkDt example. Its ``predict`` hands the queries straight to the estimator, so an
empty batch fails there exactly as scikit-learn fails on it.

Run it alone: ``python tests/model_files/real/sk_decision_tree.py`` (the digits of tests/data).
"""

import base64
import os
import pickle

import numpy as np
from sklearn.tree import DecisionTreeClassifier

from rafiki.constants import ModelDependency, TaskType
from rafiki.model import (
    BaseModel,
    CategoricalKnob,
    IntegerKnob,
    InvalidModelParamsException,
    dataset_utils,
    logger,
    test_model_class,
)


class SkDecisionTree(BaseModel):
    '''
    Classifies images with a decision tree of scikit-learn over their flattened pixels
    '''

    @staticmethod
    def get_knob_config():
        return {
            # Trees of depth 4-5 scored 0.58-0.76 on the digits, 6-16 scored 0.76-0.89
            'max_depth': IntegerKnob(6, 16),
            'criterion': CategoricalKnob(['gini', 'entropy']),
            'min_samples_leaf': IntegerKnob(1, 8, is_exp=True),
        }

    def __init__(self, **knobs):
        super().__init__(**knobs)
        self._knobs = knobs
        self._clf = DecisionTreeClassifier(
            max_depth=knobs['max_depth'],
            criterion=knobs['criterion'],
            min_samples_leaf=knobs['min_samples_leaf'],
            random_state=0,
        )

    def train(self, dataset_uri):
        dataset = dataset_utils.load_dataset_of_image_files(dataset_uri)
        (images, classes) = zip(*dataset, strict=True)
        self._clf.fit(self._prepare_X(images), np.array(classes))
        logger.log(f'Trained a tree of depth {self._clf.get_depth()} with '
                   f'{self._clf.get_n_leaves()} leaves on {len(images)} images')

    def evaluate(self, dataset_uri):
        dataset = dataset_utils.load_dataset_of_image_files(dataset_uri)
        (images, classes) = zip(*dataset, strict=True)
        preds = self._clf.predict(self._prepare_X(images))
        return float(np.mean(preds == np.array(classes)))

    def predict(self, queries):
        # The estimator takes the queries as they come: 2D lists of grayscale ints
        X = np.array(queries).reshape(len(queries), -1)
        probs = self._clf.predict_proba(X)
        return probs.tolist()

    def destroy(self):
        pass

    def dump_parameters(self):
        clf_bytes = pickle.dumps(self._clf)
        return {'clf_base64': base64.b64encode(clf_bytes).decode('utf-8')}

    def load_parameters(self, params):
        clf_base64 = params.get('clf_base64')
        if clf_base64 is None:
            raise InvalidModelParamsException('Saved parameters have no classifier')
        self._clf = pickle.loads(base64.b64decode(clf_base64.encode('utf-8')))

    def _prepare_X(self, images):
        return np.array([np.asarray(image).flatten() for image in images])


if __name__ == '__main__':
    data_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'data')
    test_model_class(
        model_file_path=__file__,
        model_class='SkDecisionTree',
        task=TaskType.IMAGE_CLASSIFICATION,
        dependencies={ModelDependency.SCIKIT_LEARN: '1.4.2'},
        train_dataset_uri=os.path.join(data_dir, 'digits_train.zip'),
        test_dataset_uri=os.path.join(data_dir, 'digits_test.zip'),
        queries=[
            # a 6: the first image of digits_test.zip
            [[0, 0, 16, 208, 112, 0, 0, 0],
             [0, 0, 112, 224, 32, 0, 0, 0],
             [0, 0, 208, 80, 0, 0, 0, 0],
             [0, 0, 255, 48, 0, 0, 0, 0],
             [0, 48, 255, 160, 192, 192, 48, 0],
             [0, 48, 255, 176, 80, 144, 192, 0],
             [0, 16, 208, 176, 64, 208, 176, 0],
             [0, 0, 16, 192, 255, 176, 32, 0]],
        ]
    )
