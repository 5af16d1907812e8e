"""What a trial needs on a node that shares no filesystem with the head, cached by sha256.

The head lists the files (the model file and its siblings, each dataset zip) with their
digests and hands their bytes to Ray's object store once per tuning; a node looks each digest
up in its own cache folder first and fetches the bytes only when it is absent, so 200 trials
fetch each zip once per node. Files are written to a temporary name and renamed, so two trials
starting together on one node never see half a file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# The model's folder is shipped whole (its sibling modules and data files, as the local run
# sees them on sys.path); a folder that big is almost certainly not the model's own.
MAX_BUNDLE_BYTES = 200 * 1024 * 1024
_SKIPPED_NAMES = {"__pycache__", ".git", ".hg", ".svn", ".venv", "venv", "node_modules",
                  ".mypy_cache", ".pytest_cache", ".ruff_cache"}
NODE_CACHE_VARIABLE = "RAFIKI_NODE_CACHE"


class ShippingError(Exception):
    """A file the trial needs cannot be shipped (too big, unreadable, not a local file)."""


@dataclass(frozen=True)
class ShippedFile:
    """One file by content: where it goes relative to its bundle, its digest and size."""

    relative_path: str
    sha256: str
    size: int


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def model_bundle(model_file: str, leave_out: set[Path] | None = None) -> list[tuple[Path,
                                                                                      str]]:
    """The model file and its siblings as (absolute path, path relative to the model's folder).

    Hidden files, caches and virtualenvs are left out, and so are ``leave_out`` (the dataset
    zips, shipped on their own). Raises :class:`ShippingError` past ``MAX_BUNDLE_BYTES``."""
    model = Path(model_file).resolve()
    folder = model.parent
    skipped = {path.resolve() for path in (leave_out or set())}
    found: list[tuple[Path, str]] = []
    total = 0
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_NAMES and not d.startswith("."))
        for name in sorted(files):
            path = Path(root) / name
            if name.startswith(".") or name.endswith((".pyc", ".pkl")) or path in skipped:
                continue
            if not path.is_file():
                continue
            total += path.stat().st_size
            if total > MAX_BUNDLE_BYTES:
                raise ShippingError(
                    f"{folder}: the model's folder holds more than "
                    f"{MAX_BUNDLE_BYTES // (1024 * 1024)} MB; every file beside the model file "
                    "is shipped to the cluster's nodes, so keep the model file in a folder of "
                    "its own (with its sibling modules)")
            found.append((path, path.relative_to(folder).as_posix()))
    if not any(path == model for path, _ in found):
        found.append((model, model.name))
    return found


def bundle_key(files: list[ShippedFile]) -> str:
    """One digest for a whole bundle: its files' names and digests."""
    digest = hashlib.sha256()
    for item in sorted(files, key=lambda f: f.relative_path):
        digest.update(f"{item.relative_path}\0{item.sha256}\n".encode())
    return digest.hexdigest()


def node_cache_root() -> Path:
    """The node's cache of shipped files: ``RAFIKI_NODE_CACHE``, else the workbench's cache."""
    explicit = os.environ.get(NODE_CACHE_VARIABLE)
    if explicit:
        root = Path(explicit)
    else:
        from ..paths import cache_dir

        root = cache_dir() / "cluster-files"
    root.mkdir(parents=True, exist_ok=True)
    return root


def materialize(root: Path, bundle: str, files: list[ShippedFile],
                fetch: Callable[[str], bytes]) -> tuple[Path, int]:
    """The folder ``root/bundle`` holding ``files``, fetching the bytes of those not cached.

    Returns the folder and how many bytes had to be fetched (0 when all were cached). Each
    file's content is kept once under ``root/blobs/SHA256`` and linked into bundles."""
    target = root / "bundles" / bundle
    blobs = root / "blobs"
    blobs.mkdir(parents=True, exist_ok=True)
    fetched = 0
    for item in files:
        blob = blobs / item.sha256
        if not blob.exists():
            data = fetch(item.sha256)
            if hashlib.sha256(data).hexdigest() != item.sha256:
                raise ShippingError(f"{item.relative_path}: the bytes received do not match "
                                    f"its sha256 {item.sha256}")
            _write_atomically(blob, data)
            fetched += len(data)
        destination = target / item.relative_path
        if not destination.exists():
            destination.parent.mkdir(parents=True, exist_ok=True)
            _link_atomically(blob, destination)
    return target, fetched


def _write_atomically(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _link_atomically(blob: Path, destination: Path) -> None:
    temporary = destination.with_name(f".part-{os.getpid()}-{destination.name}")
    temporary.unlink(missing_ok=True)
    try:
        os.link(blob, temporary)
    except OSError:  # a filesystem without hard links
        import shutil

        shutil.copyfile(blob, temporary)
    os.replace(temporary, destination)
