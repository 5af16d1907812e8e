"""The decoded-dataset cache: a tuning session loads the same datasets in every trial process.

An entry holds the arrays a loader produced, keyed by the dataset file's identity (resolved
path, size, mtime_ns and a hash of a few of its chunks) and the load parameters, under
``rafiki.paths.cache_dir()/datasets``. Entries are written to a temporary folder and renamed
into place, so a crash never leaves a half-written entry; each array carries its CRC, so an
entry damaged later is noticed, deleted and rebuilt. Arrays are memory-mapped on reload (near
instant, and shared between concurrent trials through the page cache). The cache is bounded
(``RAFIKI_DATASET_CACHE_MB``, default 2048; 0 turns it off); least recently used entries go
first.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
import uuid
import zlib
from pathlib import Path

import numpy as np

from .. import paths

FORMAT_VERSION = 1
DEFAULT_LIMIT_MB = 2048
_CHUNK = 64 * 1024
_STALE_TEMP_SECONDS = 3600


def cache_limit_bytes() -> int:
    """The size bound from ``RAFIKI_DATASET_CACHE_MB`` (MiB), or the default."""
    raw = os.environ.get("RAFIKI_DATASET_CACHE_MB", "").strip()
    if raw:
        try:
            megabytes = float(raw)
            if megabytes >= 0:
                return int(megabytes * 1024 * 1024)
        except ValueError:
            pass
        print(f"rafiki: ignoring RAFIKI_DATASET_CACHE_MB={raw!r} (not a size in MiB)",
              file=sys.stderr)
    return DEFAULT_LIMIT_MB * 1024 * 1024


def file_identity(path: str | os.PathLike) -> dict:
    """What says a file is unchanged: where it is, its size, mtime and a few sampled chunks."""
    resolved = Path(path).resolve()
    stat = resolved.stat()
    digest = hashlib.blake2b(digest_size=16)
    with open(resolved, "rb") as file:
        for offset in sorted({0, max(0, stat.st_size // 2 - _CHUNK // 2),
                              max(0, stat.st_size - _CHUNK)}):
            file.seek(offset)
            digest.update(file.read(_CHUNK))
    return {"path": str(resolved), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
            "sample": digest.hexdigest()}


class DatasetCache:
    """Bounded store of decoded datasets; every failure degrades to "not cached"."""

    def __init__(self, root: str | os.PathLike | None = None,
                 limit_bytes: int | None = None) -> None:
        """``root`` and ``limit_bytes`` default to the current environment at each use."""
        self._root = Path(root) if root is not None else None
        self._limit_bytes = limit_bytes

    @property
    def root(self) -> Path:
        root = self._root if self._root is not None else paths.cache_dir() / "datasets"
        root.mkdir(parents=True, exist_ok=True)
        return root

    @property
    def limit_bytes(self) -> int:
        return cache_limit_bytes() if self._limit_bytes is None else self._limit_bytes

    @property
    def enabled(self) -> bool:
        return self.limit_bytes > 0

    def key(self, dataset_path: str | os.PathLike, kind: str, params: dict) -> str:
        """The entry name for this file, as it is now, loaded with these parameters."""
        described = {"format": FORMAT_VERSION, "kind": kind, "params": params,
                     "file": file_identity(dataset_path)}
        text = json.dumps(described, sort_keys=True, default=str)
        return f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:32]}"

    def load(self, key: str) -> tuple[dict, dict[str, np.ndarray]] | None:
        """(meta, arrays) of an intact entry, or None (a damaged entry is deleted)."""
        if not self.enabled:
            return None
        try:
            entry = self.root / key
        except OSError:  # the cache folder cannot be made (a read-only home): not cached
            return None
        if not entry.is_dir():
            return None
        try:
            manifest = json.loads((entry / "manifest.json").read_text(encoding="utf-8"))
            if manifest.get("format") != FORMAT_VERSION:
                raise ValueError("old format")
            arrays = {}
            for name, expected in manifest["arrays"].items():
                array = np.load(entry / f"{name}.npy", mmap_mode="r", allow_pickle=False)
                if (list(array.shape) != expected["shape"] or str(array.dtype) != expected["dtype"]
                        or _crc(array) != expected["crc32"]):
                    raise ValueError(f"array {name} does not match its manifest")
                arrays[name] = array
        except (OSError, ValueError, KeyError, TypeError, EOFError):
            shutil.rmtree(entry, ignore_errors=True)
            return None
        try:
            os.utime(entry)
        except OSError:
            pass
        return manifest["meta"], arrays

    def store(self, key: str, meta: dict, arrays: dict[str, np.ndarray]) -> bool:
        """Write an entry atomically, then evict the least recently used beyond the bound."""
        if not self.enabled:
            return False
        size = sum(a.nbytes for a in arrays.values())
        limit = self.limit_bytes
        if size > limit:
            return False
        try:
            root = self.root
        except OSError:  # the cache folder cannot be made (a read-only home): not cached
            return False
        temp = root / f".tmp-{key}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            temp.mkdir()
            manifest = {"format": FORMAT_VERSION, "meta": meta, "arrays": {}}
            for name, array in arrays.items():
                array = np.ascontiguousarray(array)
                with open(temp / f"{name}.npy", "wb") as file:
                    np.save(file, array, allow_pickle=False)
                manifest["arrays"][name] = {"shape": list(array.shape), "dtype": str(array.dtype),
                                            "crc32": _crc(array)}
            with open(temp / "manifest.json", "w", encoding="utf-8") as file:
                json.dump(manifest, file)
            try:
                os.rename(temp, root / key)
            except OSError:  # another process stored the same entry first
                shutil.rmtree(temp, ignore_errors=True)
        except OSError as exc:
            shutil.rmtree(temp, ignore_errors=True)
            print(f"rafiki: could not cache the decoded dataset in {root}: {exc}", file=sys.stderr)
            return False
        self.evict(limit, keep=key)
        return True

    def evict(self, limit: int, keep: str | None = None) -> None:
        """Delete least recently used entries until the total fits in ``limit`` bytes."""
        entries = []
        now = time.time()
        for entry in self.root.iterdir():
            try:
                used = entry.stat().st_mtime
                if entry.name.startswith(".tmp-"):
                    if now - used > _STALE_TEMP_SECONDS:
                        shutil.rmtree(entry, ignore_errors=True)
                    continue
                size = sum(f.stat().st_size for f in entry.iterdir())
            except OSError:
                continue
            entries.append((used, size, entry))
        total = sum(size for _, size, _ in entries)
        for _, size, entry in sorted(entries, key=lambda e: e[0]):
            if total <= limit:
                break
            if entry.name != keep:
                shutil.rmtree(entry, ignore_errors=True)
                total -= size


def _crc(array: np.ndarray) -> int:
    return zlib.crc32(np.ascontiguousarray(array).reshape(-1).view(np.uint8))
