"""The class every Rafiki model extends, and the exceptions of the model SDK."""

from __future__ import annotations

import abc
from typing import Any


class InvalidModelClassException(Exception):
    """A model class broke the SDK contract; the message says at which stage and why."""


class InvalidModelParamsException(Exception):
    """Parameters given to ``load_parameters`` do not fit the model."""


class BaseModel(abc.ABC):
    """Rafiki's base model class, with Rafiki's documented contract.

    In ``__init__``, call ``super().__init__(**knobs)`` first; knobs are chosen by the advisor
    from the static ``get_knob_config()``. ``train`` and ``evaluate`` take a dataset URI in the
    task's format, ``evaluate`` returns an accuracy in [0, 1], ``predict`` returns one
    JSON-serialisable prediction per query, ``dump_parameters`` returns a picklable dict that
    ``load_parameters`` restores into a fresh instance, and ``destroy`` frees resources.
    """

    def __init__(self, **knobs: Any):  # noqa: B027 - Rafiki's models call super().__init__
        pass

    @staticmethod
    def get_knob_config() -> dict:
        """The model's knobs: a dict of knob name to :class:`rafiki.model.BaseKnob`."""
        raise NotImplementedError()

    @abc.abstractmethod
    def train(self, dataset_uri: str) -> None:
        """Train this instance on the dataset at ``dataset_uri`` with its knob values."""
        raise NotImplementedError()

    @abc.abstractmethod
    def evaluate(self, dataset_uri: str) -> float:
        """Accuracy from 0 to 1 of the trained instance on the dataset at ``dataset_uri``."""
        raise NotImplementedError()

    @abc.abstractmethod
    def predict(self, queries: list) -> list:
        """One JSON-serialisable prediction per query, in the task's format."""
        raise NotImplementedError()

    @abc.abstractmethod
    def dump_parameters(self) -> dict:
        """A picklable dict that fully defines the trained state."""
        raise NotImplementedError()

    @abc.abstractmethod
    def load_parameters(self, params: dict) -> None:
        """Restore the trained state from a dict made by ``dump_parameters``."""
        raise NotImplementedError()

    @abc.abstractmethod
    def destroy(self) -> None:
        """Free sessions and connections; no method is called afterwards."""
