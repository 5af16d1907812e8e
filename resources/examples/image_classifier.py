"""An IMAGE_CLASSIFICATION model for Rafiki in plain numpy: a one-hidden-layer perceptron.

Written the way a Rafiki model developer writes one: knobs of every kind (narrower in DEV mode,
so a quick check lands on sensible values), datasets through ``dataset_utils``, progress through
the global ``logger`` (a loss plot and an accuracy plot per epoch, plus messages), parameters
dumped as plain numpy arrays, and Rafiki's ``test_model_class`` block at the bottom.

Run it alone: ``python resources/examples/image_classifier.py`` (trains on the bundled sample).
"""

import os

import numpy as np

from rafiki.config import APP_MODE
from rafiki.constants import TaskType
from rafiki.model import (
    BaseModel,
    CategoricalKnob,
    FixedKnob,
    FloatKnob,
    IntegerKnob,
    InvalidModelParamsException,
    dataset_utils,
    logger,
    test_model_class,
)

PARAM_ARRAYS = ('w1', 'b1', 'w2', 'b2', 'pixel_mean', 'pixel_std')


class ImageClassifier(BaseModel):
    '''
    Classifies grayscale images with a ReLU hidden layer and a softmax output, trained by
    minibatch SGD with momentum and weight decay on cross-entropy
    '''

    @staticmethod
    def get_knob_config():
        if APP_MODE == 'DEV':
            # Ranges that always train well in a second or two, for quick checks
            return {
                'epochs': IntegerKnob(12, 20),
                'hidden_units': IntegerKnob(32, 128, is_exp=True),
                'learning_rate': FloatKnob(0.04, 0.15, is_exp=True),
                'weight_decay': FloatKnob(0.0, 1e-3),
                'batch_size': CategoricalKnob([32, 64]),
                'normalize': CategoricalKnob([True, False]),
                'momentum': FixedKnob(0.9),
                'seed': FixedKnob(0),
            }

        return {
            'epochs': IntegerKnob(5, 60),
            'hidden_units': IntegerKnob(16, 512, is_exp=True),
            'learning_rate': FloatKnob(1e-3, 0.3, is_exp=True),
            'weight_decay': FloatKnob(0.0, 1e-2),
            'batch_size': CategoricalKnob([16, 32, 64, 128, 256]),
            'normalize': CategoricalKnob([True, False]),
            'momentum': FixedKnob(0.9),
            'seed': FixedKnob(0),
        }

    def __init__(self, **knobs):
        super().__init__(**knobs)
        self._knobs = knobs
        self._params = None

    def train(self, dataset_uri):
        knobs = self._knobs
        rng = np.random.default_rng(knobs['seed'])

        dataset = dataset_utils.load_dataset_of_image_files(dataset_uri)
        (images, classes) = zip(*[(image, image_class) for (image, image_class) in dataset],
                                strict=True)
        x = self._flatten(np.asarray(images))
        y = np.asarray(classes, dtype=np.int64)
        (height, width) = images[0].shape
        num_classes = dataset.classes
        logger.log(f'Loaded {len(y)} images of {width}x{height} in {num_classes} classes')

        # Hold out a tenth of the images to watch generalisation epoch by epoch
        order = rng.permutation(len(y))
        val_count = max(1, len(y) // 10)
        (val_idx, train_idx) = (order[:val_count], order[val_count:])

        if knobs['normalize']:
            pixel_mean = x[train_idx].mean(axis=0)
            pixel_std = x[train_idx].std(axis=0) + 0.1
        else:
            pixel_mean = np.zeros(x.shape[1], dtype=np.float32)
            pixel_std = np.ones(x.shape[1], dtype=np.float32)
        x = (x - pixel_mean) / pixel_std

        params = {
            'w1': rng.normal(0, np.sqrt(2 / x.shape[1]), (x.shape[1], knobs['hidden_units'])),
            'b1': np.zeros(knobs['hidden_units']),
            'w2': rng.normal(0, np.sqrt(1 / knobs['hidden_units']),
                             (knobs['hidden_units'], num_classes)),
            'b2': np.zeros(num_classes),
        }
        params = {name: value.astype(np.float32) for (name, value) in params.items()}
        velocity = {name: np.zeros_like(value) for (name, value) in params.items()}

        logger.define_loss_plot()
        logger.define_plot('Accuracy Over Epochs', ['train_accuracy', 'val_accuracy'],
                           x_axis='epoch')

        for epoch in range(knobs['epochs']):
            last_good = {name: value.copy() for (name, value) in params.items()}
            rng.shuffle(train_idx)
            losses = []
            correct = 0
            for start in range(0, len(train_idx), knobs['batch_size']):
                batch = train_idx[start:start + knobs['batch_size']]
                (loss, batch_correct) = self._sgd_step(params, velocity, x[batch], y[batch])
                losses.append(loss * len(batch))
                correct += batch_correct
            if not np.isfinite(losses).all():
                logger.log(f'WARNING: training diverged in epoch {epoch} (learning rate too '
                           f'high?); keeping the weights of the epoch before')
                params = last_good
                break
            val_accuracy = self._accuracy(params, x[val_idx], y[val_idx])
            logger.log_loss(loss=float(np.sum(losses) / len(train_idx)), epoch=epoch)
            logger.log(train_accuracy=correct / len(train_idx), val_accuracy=val_accuracy,
                       epoch=epoch)

        val_accuracy = self._accuracy(params, x[val_idx], y[val_idx])
        logger.log(f'Final validation accuracy: {val_accuracy:.4f}')
        self._params = dict(params, pixel_mean=pixel_mean.astype(np.float32),
                            pixel_std=pixel_std.astype(np.float32),
                            image_size=(width, height), num_classes=num_classes)

    def evaluate(self, dataset_uri):
        dataset = dataset_utils.load_dataset_of_image_files(
            dataset_uri, image_size=self._params['image_size'])
        (images, classes) = zip(*[(image, image_class) for (image, image_class) in dataset],
                                strict=True)
        probs = self._predict_probs(np.asarray(images))
        accuracy = float(np.mean(probs.argmax(axis=1) == np.asarray(classes)))
        logger.log(f'Test accuracy: {accuracy:.4f} on {len(classes)} images')
        return accuracy

    def predict(self, queries):
        if len(queries) == 0:
            return []
        images = dataset_utils.resize_as_images(queries, self._params['image_size'])
        probs = self._predict_probs(images)
        return probs.tolist()

    def destroy(self):
        pass

    def dump_parameters(self):
        params = {name: self._params[name] for name in PARAM_ARRAYS}
        params['image_size'] = list(self._params['image_size'])
        params['num_classes'] = self._params['num_classes']
        return params

    def load_parameters(self, params):
        missing = [name for name in PARAM_ARRAYS + ('image_size', 'num_classes')
                   if name not in params]
        if missing:
            raise InvalidModelParamsException(f"Parameters lack {', '.join(missing)}")
        self._params = {name: np.asarray(params[name], dtype=np.float32)
                        for name in PARAM_ARRAYS}
        self._params['image_size'] = tuple(params['image_size'])
        self._params['num_classes'] = int(params['num_classes'])

    def _predict_probs(self, images):
        x = (self._flatten(images) - self._params['pixel_mean']) / self._params['pixel_std']
        return self._forward(self._params, x)[1].astype(np.float64)

    @staticmethod
    def _flatten(images):
        images = np.asarray(images, dtype=np.float32)
        return images.reshape(len(images), -1) / 255

    def _accuracy(self, params, x, y):
        return float(np.mean(self._forward(params, x)[1].argmax(axis=1) == y))

    @staticmethod
    def _forward(params, x):
        hidden = np.maximum(x @ params['w1'] + params['b1'], 0)
        logits = hidden @ params['w2'] + params['b2']
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        return (hidden, probs)

    def _sgd_step(self, params, velocity, x, y):
        (hidden, probs) = self._forward(params, x)
        rows = np.arange(len(y))
        loss = float(-np.mean(np.log(probs[rows, y] + 1e-12)))
        correct = int(np.sum(probs.argmax(axis=1) == y))

        # Backpropagate the mean cross-entropy
        d_logits = probs
        d_logits[rows, y] -= 1
        d_logits /= len(y)
        d_hidden = (d_logits @ params['w2'].T) * (hidden > 0)
        grads = {
            'w1': x.T @ d_hidden,
            'b1': d_hidden.sum(axis=0),
            'w2': hidden.T @ d_logits,
            'b2': d_logits.sum(axis=0),
        }

        learning_rate = self._knobs['learning_rate']
        for name in ('w1', 'w2'):
            grads[name] += self._knobs['weight_decay'] * params[name]
        for (name, grad) in grads.items():
            velocity[name] = self._knobs['momentum'] * velocity[name] - learning_rate * grad
            params[name] += velocity[name]
        return (loss, correct)


if __name__ == '__main__':
    datasets_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'datasets')
    train_dataset_uri = os.path.join(datasets_dir, 'image_train.zip')
    test_dataset_uri = os.path.join(datasets_dir, 'image_test.zip')
    test_dataset = dataset_utils.load_dataset_of_image_files(test_dataset_uri)
    queries = [test_dataset[i][0].tolist() for i in range(3)]

    test_model_class(
        model_file_path=__file__,
        model_class='ImageClassifier',
        task=TaskType.IMAGE_CLASSIFICATION,
        dependencies={},
        train_dataset_uri=train_dataset_uri,
        test_dataset_uri=test_dataset_uri,
        queries=queries,
    )
