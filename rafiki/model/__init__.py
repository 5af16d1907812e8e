"""Rafiki's model SDK: what a model file imports (``from rafiki.model import ...``).

Names load on first use (PEP 562): ``rafiki.model.knob`` alone is what the window's knob form
needs, and importing the whole SDK at launch (numpy, PIL, urllib and importlib.metadata for
the dataset utilities and dependency checks) took ~0.5 s of a 0.6 s window start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "parse_model_install_command": "..dependencies",
    "BaseModel": ".base_model",
    "InvalidModelClassException": ".base_model",
    "InvalidModelParamsException": ".base_model",
    "CorpusDataset": ".dataset",
    "DatasetError": ".dataset",
    "ImageFilesDataset": ".dataset",
    "ModelDatasetUtils": ".dataset",
    "dataset_utils": ".dataset",
    "test_model_class": ".dev",
    "BaseKnob": ".knob",
    "CategoricalKnob": ".knob",
    "FixedKnob": ".knob",
    "FloatKnob": ".knob",
    "IntegerKnob": ".knob",
    "deserialize_knob_config": ".knob",
    "serialize_knob_config": ".knob",
    "load_model_class": ".loader",
    "ModelLogger": ".log",
    "logger": ".log",
}

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


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(where, __name__), name)
    globals()[name] = value  # once loaded, a plain module attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


if TYPE_CHECKING:  # for type checkers and IDEs: the names as plain imports
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
