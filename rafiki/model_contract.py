"""The SDK contract's checks on what a model returns: knob config, score, parameters.

Rafiki checked little (``isinstance(score, float)``, a pickle round trip) and reported it as a
bare ``Exception``. Each check here raises :class:`ModelContractError` with a message that says
what was returned and what was expected, so the lifecycle can name the stage and the cause.
"""

from __future__ import annotations

import hashlib
import math
import numbers
import os
import pickle
import re
import tempfile
from pathlib import Path
from typing import Any

from .model.base_model import InvalidModelClassException
from .model.knob import BaseKnob, deserialize_knob_config, serialize_knob_config


class ModelContractError(InvalidModelClassException):
    """The model did something the SDK contract forbids (a wrong return value, a bad config)."""


def deprecated_utils() -> object:
    """Rafiki's ``self.utils`` shim: each old helper raises, naming where it moved."""

    def moved(old: str, new: str):
        def raise_moved(*args: Any, **kwargs: Any) -> None:
            raise AttributeError(f"`self.utils.{old}(...)` has been moved to `{new}(...)`")

        return staticmethod(raise_moved)

    moves = {
        "log": "logger.log", "log_metrics": "logger.log", "define_plot": "logger.define_plot",
        "define_loss_plot": "logger.define_loss_plot", "log_loss_metric": "logger.log_loss",
        "load_dataset_of_image_files": "dataset_utils.load_dataset_of_image_files",
        "load_dataset_of_corpus": "dataset_utils.load_dataset_of_corpus",
        "resize_as_images": "dataset_utils.resize_as_images",
        "download_dataset_from_uri": "dataset_utils.download_dataset_from_uri",
    }
    shim = type("DeprecatedModelUtils", (), {old: moved(old, new) for old, new in moves.items()})
    return shim()


def check_knob_config(knob_config: Any) -> dict[str, BaseKnob]:
    """``knob_config`` if it is a dict[str, BaseKnob] that survives its JSON round trip."""
    if not isinstance(knob_config, dict):
        raise ModelContractError(
            "Static method `get_knob_config()` should return a dict[str, BaseKnob], "
            f"got {type(knob_config).__name__}"
        )
    bad = [
        f"{name!r}: {type(knob).__name__}"
        for name, knob in knob_config.items()
        if not isinstance(name, str) or not isinstance(knob, BaseKnob)
    ]
    if bad:
        raise ModelContractError(
            "Static method `get_knob_config()` should return a dict[str, BaseKnob]; "
            f"not a knob: {', '.join(bad)}"
        )
    round_trip = deserialize_knob_config(serialize_knob_config(knob_config))
    if round_trip != knob_config:
        changed = [name for name in knob_config if round_trip.get(name) != knob_config[name]]
        raise ModelContractError(f"Knobs {changed} do not survive serialization to JSON")
    return knob_config


def check_score(score: Any) -> float:
    """``score`` as a float if it is a finite real number in [0, 1] (numpy scalars too)."""
    if getattr(score, "shape", None) == () and hasattr(score, "item"):  # a 0-d numpy array
        score = score.item()
    if not isinstance(score, numbers.Real) or isinstance(score, bool):
        raise ModelContractError(
            f"`evaluate()` should return a float in [0, 1], got {score!r} "
            f"({type(score).__name__})"
        )
    value = float(score)
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise ModelContractError(
            f"`evaluate()` should return a finite accuracy in [0, 1], got {value!r}"
        )
    return value


_MODEL_MODULE_NAME = re.compile(rb"rafiki_model_[A-Za-z0-9_]+")


def pickle_parameters(parameters: Any) -> bytes:
    """The pickled ``parameters``, or a contract error saying which entry does not pickle."""
    if not isinstance(parameters, dict):
        raise ModelContractError(
            "`dump_parameters()` should return a dict[str, any], "
            f"got {type(parameters).__name__}"
        )
    try:
        blob = pickle.dumps(parameters, protocol=pickle.DEFAULT_PROTOCOL)
    except Exception as exc:
        culprits = []
        for key, value in parameters.items():
            try:
                pickle.dumps(value)
            except Exception:
                culprits.append(repr(key))
        which = f" (entries {', '.join(culprits)})" if culprits else ""
        raise ModelContractError(
            f"`parameters` should be serializable by `pickle`{which}: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    if _MODEL_MODULE_NAME.search(blob):
        raise ModelContractError(
            "`parameters` contain objects of classes defined in the model file itself, which "
            "cannot be unpickled in a new process; store plain data (numbers, lists, dicts, "
            "bytes, numpy arrays) instead"
        )
    return blob


def write_atomically(path: str, data: bytes) -> str:
    """Write ``data`` to ``path`` through a temp file and a rename; returns its sha256."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return hashlib.sha256(data).hexdigest()
