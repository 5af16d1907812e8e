"""Turning a dataset URI into a local file: a path, ``file://`` or ``http(s)://``.

Downloads go to ``rafiki.paths.cache_dir()/downloads`` (never the working folder), are written
to a ``.part`` file and renamed when complete, show a progress bar on stderr, and time out
instead of hanging. A copy downloaded before is revalidated with its ETag/Last-Modified and
reused when the server says it has not changed (or, with a warning, when it is unreachable).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TextIO
from urllib.parse import unquote, urlparse

from .. import paths
from .dataset_errors import (
    DatasetDownloadError,
    InvalidDatasetFormatException,
    InvalidDatasetProtocolException,
)

TIMEOUT_SECONDS = 30.0
_BLOCK = 256 * 1024


def local_path_of(dataset_uri: str) -> str | None:
    """The file a local path or ``file://`` URI names; None for an http(s) URI."""
    parsed = urlparse(dataset_uri)
    scheme = parsed.scheme.lower()
    if scheme in ("http", "https"):
        return None
    if scheme == "file":
        if parsed.netloc not in ("", "localhost"):
            raise InvalidDatasetProtocolException(
                dataset_uri, f"file:// URI names another host ({parsed.netloc!r})")
        return urllib.request.url2pathname(unquote(parsed.path))
    if scheme == "" or len(scheme) == 1:  # a plain path, or a Windows drive letter
        return os.path.expanduser(dataset_uri)
    raise InvalidDatasetProtocolException(
        dataset_uri, f"unsupported URI scheme {scheme!r}; use a local path, file:// or http(s)://")


def download_dataset_from_uri(dataset_uri: str, progress: TextIO | None = None,
                              timeout: float = TIMEOUT_SECONDS) -> str:
    """Local path of the dataset at ``dataset_uri``, downloading it first if it is remote."""
    local = local_path_of(dataset_uri)
    if local is not None:
        if not os.path.exists(local):
            raise InvalidDatasetFormatException(dataset_uri, "no such file")
        if os.path.isdir(local):
            raise InvalidDatasetFormatException(dataset_uri, "is a folder, not a dataset zip")
        return local
    return _download(dataset_uri, sys.stderr if progress is None else progress, timeout)


def _download_target(dataset_uri: str) -> Path:
    folder = paths.cache_dir() / "downloads"
    folder.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9._-]", "_", os.path.basename(urlparse(dataset_uri).path))[-80:]
    digest = hashlib.sha256(dataset_uri.encode()).hexdigest()[:16]
    return folder / f"{digest}-{name or 'dataset.zip'}"


def _download(dataset_uri: str, progress: TextIO, timeout: float) -> str:
    target = _download_target(dataset_uri)
    validators_path = target.with_name(target.name + ".json")
    request = urllib.request.Request(dataset_uri, headers={"User-Agent": "rafiki-workbench"})
    if target.exists() and validators_path.exists():
        try:
            validators = json.loads(validators_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            validators = {}
        if validators.get("etag"):
            request.add_header("If-None-Match", validators["etag"])
        if validators.get("last_modified"):
            request.add_header("If-Modified-Since", validators["last_modified"])
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            _save(response, target, dataset_uri, progress)
            validators = {"etag": response.headers.get("ETag"),
                          "last_modified": response.headers.get("Last-Modified")}
            validators_path.write_text(json.dumps(validators), encoding="utf-8")
    except urllib.error.HTTPError as exc:
        if exc.code == 304 and target.exists():
            return str(target)
        raise DatasetDownloadError(
            dataset_uri, f"cannot download: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        if target.exists():
            print(f"rafiki: {dataset_uri} is unreachable ({reason}); using the copy downloaded "
                  f"before, {target}", file=sys.stderr)
            return str(target)
        raise DatasetDownloadError(dataset_uri, f"cannot download: {reason}") from None
    return str(target)


def _save(response, target: Path, dataset_uri: str, progress: TextIO) -> None:
    """Stream the body to ``target`` via a .part file, drawing a progress bar."""
    total = int(response.headers.get("Content-Length") or 0)
    part = target.with_name(f"{target.name}.{os.getpid()}.part")
    done, last_draw = 0, 0.0
    try:
        with open(part, "wb") as file:
            while True:
                block = response.read(_BLOCK)
                if not block:
                    break
                file.write(block)
                done += len(block)
                now = time.monotonic()
                if now - last_draw > 0.1:
                    _draw(progress, dataset_uri, done, total)
                    last_draw = now
        if total and done != total:
            raise DatasetDownloadError(
                dataset_uri, f"download ended after {done:,} of {total:,} bytes")
        _draw(progress, dataset_uri, done, total)
        progress.write("\n")
        progress.flush()
        os.replace(part, target)
    finally:
        if part.exists():
            part.unlink()


def _draw(progress: TextIO, dataset_uri: str, done: int, total: int) -> None:
    name = os.path.basename(urlparse(dataset_uri).path) or dataset_uri
    if total:
        filled = int(30 * done / total)
        bar = "#" * filled + "-" * (30 - filled)
        text = f"\rDownloading {name} [{bar}] {done / 2**20:.1f}/{total / 2**20:.1f} MiB"
    else:
        text = f"\rDownloading {name} {done / 2**20:.1f} MiB"
    progress.write(text)
    progress.flush()
