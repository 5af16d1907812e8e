"""Where the workbench keeps its files: the store and parameters (data) and dataset caches.

``RAFIKI_HOME`` overrides the data folder (tests and CI point it at a temp folder); the cache
then lives inside it too, unless ``RAFIKI_CACHE_DIR`` names another place. A runner child is
always given ``RAFIKI_CACHE_DIR`` by its parent, so the interpreter that runs a model needs no
``platformdirs``: it is imported only when neither variable answers the question.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "rafiki-workbench"
CACHE_DIR_VARIABLE = "RAFIKI_CACHE_DIR"


def data_dir(create: bool = True) -> Path:
    """The folder of the experiment store and its parameters files (created on demand, unless
    ``create`` is False: where it is, to name it in a message when it cannot be made)."""
    home = os.environ.get("RAFIKI_HOME")
    if home:
        path = Path(home)
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    """The folder of disposable caches, such as decoded datasets (created on demand)."""
    explicit = os.environ.get(CACHE_DIR_VARIABLE)
    if explicit:
        path = Path(explicit)
    elif os.environ.get("RAFIKI_HOME"):
        path = Path(os.environ["RAFIKI_HOME"]) / "cache"
    else:
        import platformdirs

        path = Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def local_path_of(uri: str) -> Path | None:
    """The local file behind a dataset URI (a path or file://), or None for a remote one."""
    if uri.startswith("file://"):
        return Path(uri[len("file://"):])
    if "://" in uri:
        return None
    return Path(uri)
