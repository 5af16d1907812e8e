"""Rafiki's model SDK and the engine that runs, stores and tunes models (no Qt here)."""

__version__ = "0.1.0"
