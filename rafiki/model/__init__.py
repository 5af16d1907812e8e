"""Rafiki's model SDK: what a model file imports (``from rafiki.model import ...``)."""

from ..dependencies import parse_model_install_command
from .base_model import BaseModel, InvalidModelClassException, InvalidModelParamsException
from .dataset import (
    CorpusDataset,
    DatasetError,
    ImageFilesDataset,
    ModelDatasetUtils,
    dataset_utils,
)
from .dev import test_model_class
from .knob import (
    BaseKnob,
    CategoricalKnob,
    FixedKnob,
    FloatKnob,
    IntegerKnob,
    deserialize_knob_config,
    serialize_knob_config,
)
from .loader import load_model_class
from .log import ModelLogger, logger

__all__ = [
    "BaseKnob",
    "BaseModel",
    "CategoricalKnob",
    "CorpusDataset",
    "DatasetError",
    "FixedKnob",
    "FloatKnob",
    "ImageFilesDataset",
    "IntegerKnob",
    "InvalidModelClassException",
    "InvalidModelParamsException",
    "ModelDatasetUtils",
    "ModelLogger",
    "dataset_utils",
    "deserialize_knob_config",
    "load_model_class",
    "logger",
    "parse_model_install_command",
    "serialize_knob_config",
    "test_model_class",
]
