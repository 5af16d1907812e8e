"""Where the built binary is, for the tests that run it.

``dist/rafiki-gui/`` by default (``python scripts/build_app.py``), or the executable named by
RAFIKI_FROZEN_APP: CI builds into a cached folder outside the checkout and names it there.
Without a binary these tests are skipped, except when RAFIKI_FROZEN_APP names one that is not
there: then they fail, so CI cannot pass by skipping them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ..conftest import PROJECT_ROOT

FROZEN_APP_VARIABLE = "RAFIKI_FROZEN_APP"
_DEFAULT = PROJECT_ROOT / "dist" / "rafiki-gui" / ("rafiki-gui.exe" if os.name == "nt"
                                                  else "rafiki-gui")
BINARY = Path(os.environ.get(FROZEN_APP_VARIABLE) or _DEFAULT)


def check_binary() -> None:
    if BINARY.exists():
        return
    if os.environ.get(FROZEN_APP_VARIABLE):
        pytest.fail(f"{FROZEN_APP_VARIABLE} names {BINARY}, which does not exist",
                    pytrace=False)
    pytest.skip(f"{BINARY} is not built (python scripts/build_app.py)")

