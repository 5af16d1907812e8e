"""Test-wide setup: offscreen Qt, a private RAFIKI_HOME, and the real datasets in tests/data."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["RAFIKI_HOME"] = tempfile.mkdtemp(prefix="rafiki-test-home-")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: Real datasets in Rafiki's formats, kept in the repository so a fresh clone runs every test.
SHARED_DATASETS = PROJECT_ROOT / "tests" / "data"
EXAMPLES = PROJECT_ROOT / "resources" / "examples"
SAMPLE_DATASETS = PROJECT_ROOT / "resources" / "datasets"


def _shared(name: str) -> Path:
    path = SHARED_DATASETS / name
    if not path.is_file():  # the data is part of the repository: its absence is a failure
        pytest.fail(f"real dataset {path} is missing from the repository "
                    "(see tests/data/README.md)")
    return path


@pytest.fixture
def shared_dataset():
    """Path of a real dataset file in tests/data; a missing file fails the test."""
    return _shared


@pytest.fixture
def rafiki_home(tmp_path, monkeypatch) -> Path:
    """A fresh, empty RAFIKI_HOME for one test."""
    home = tmp_path / "rafiki-home"
    monkeypatch.setenv("RAFIKI_HOME", str(home))
    return home
