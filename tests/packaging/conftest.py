"""Fixtures of the packaging tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from .frozen_app import BINARY, check_binary


@pytest.fixture
def binary() -> Path:
    """The built executable (skipped when not built; failed when RAFIKI_FROZEN_APP names a
    binary that is not there)."""
    check_binary()
    return BINARY


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "frozen: runs the built binary (the `binary` fixture); "
                            "CI runs these with `-m frozen` after building it")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that uses the built binary is marked `frozen`, so CI can select them."""
    for item in items:
        if "binary" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.frozen)
