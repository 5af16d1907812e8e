"""Test-wide setup: offscreen Qt, a private RAFIKI_HOME, and the shared real datasets."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["RAFIKI_HOME"] = tempfile.mkdtemp(prefix="rafiki-test-home-")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATASETS = PROJECT_ROOT.parent / "shared" / "datasets"
EXAMPLES = PROJECT_ROOT / "resources" / "examples"
SAMPLE_DATASETS = PROJECT_ROOT / "resources" / "datasets"


def _shared(name: str) -> Path:
    path = SHARED_DATASETS / name
    if not path.exists():
        pytest.skip(f"real dataset {path} is absent (CI has it beside the checkout)")
    return path


@pytest.fixture
def shared_dataset():
    """Path of a file in ../shared/datasets, skipping the test where it is absent."""
    return _shared


@pytest.fixture
def rafiki_home(tmp_path, monkeypatch) -> Path:
    """A fresh, empty RAFIKI_HOME for one test."""
    home = tmp_path / "rafiki-home"
    monkeypatch.setenv("RAFIKI_HOME", str(home))
    return home
