"""Where the bundled resources (icons, example models, sample datasets) are: the project's
``resources/`` when run from source, or the PyInstaller bundle's copy (``sys._MEIPASS``)."""

from __future__ import annotations

import sys
from pathlib import Path

EXAMPLE_MODEL = ("examples", "image_classifier.py")
#: names the bundled sample datasets may have, first found wins
SAMPLE_TRAIN_NAMES = ("image_train.zip", "images_train.zip", "digits_train.zip")
SAMPLE_TEST_NAMES = ("image_test.zip", "images_test.zip", "digits_test.zip")
SAMPLE_LABEL_NAMES = ("image_meta.csv", "images_meta.csv", "digits_meta.csv")
APP_ICON = ("icons", "rafiki.svg")


def resources_dir() -> Path:
    """The resources folder, frozen or from source."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def first_existing(folder: str, *candidates: str) -> Path | None:
    """The first of ``candidates`` present in a resources sub-folder (names may vary)."""
    for name in candidates:
        path = resource_path(folder, name)
        if path.exists():
            return path
    return None
