"""Test-wide setup: offscreen Qt, a private RAFIKI_HOME and config folder, and the real datasets
in tests/data."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["RAFIKI_HOME"] = tempfile.mkdtemp(prefix="rafiki-test-home-")
# Qt keeps its own file dialog's state (folders visited, sidebar and column widths, hidden
# columns) in $XDG_CONFIG_HOME/QtProject.conf and restores it in the next dialog: the tests
# neither read a user's or an earlier run's state nor write into the user's config.
ORIGINAL_XDG_CONFIG_HOME = os.environ.get("XDG_CONFIG_HOME")
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="rafiki-test-config-")

# When the workbench asks pip whether a model's pin can be installed, pip finds no package
# index in the tests (a refused local port, as on a machine without network): the answer is
# "could not be verified" and nothing is fetched. Tests of definite answers give pip a local
# index of their own; a test that installs for real restores the machine's pip settings.
ORIGINAL_PIP_ENVIRONMENT = {k: v for k, v in os.environ.items() if k.startswith("PIP_")}
for _name in ORIGINAL_PIP_ENVIRONMENT:
    del os.environ[_name]
os.environ.update(PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL="http://127.0.0.1:9/simple",
                  PIP_DISABLE_PIP_VERSION_CHECK="1")

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


def machine_pip_environment() -> dict[str, str]:
    """The environment with the machine's own pip settings, for a test that installs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(ORIGINAL_PIP_ENVIRONMENT)
    env.pop("XDG_CONFIG_HOME", None)  # pip reads the machine's pip.conf from there too
    if ORIGINAL_XDG_CONFIG_HOME is not None:
        env["XDG_CONFIG_HOME"] = ORIGINAL_XDG_CONFIG_HOME
    return env


@pytest.fixture
def rafiki_home(tmp_path, monkeypatch) -> Path:
    """A fresh, empty RAFIKI_HOME for one test."""
    home = tmp_path / "rafiki-home"
    monkeypatch.setenv("RAFIKI_HOME", str(home))
    return home
