"""A trained model as one file: its knobs and parameters, to keep or hand to a colleague.

The bundle is a zip holding ``manifest.json`` (model class, task, knobs, the model file's name,
the parameters' sha256 and, when this workbench saved it, an HMAC of all that made with the
user's secret key, :mod:`rafiki.user_key`) and ``parameters.pkl``. The sha256 catches damage;
the HMAC tells this user's own files from any other. A bundle without a valid HMAC (someone
else's, or altered since it was saved) is a pickle someone else wrote: callers must warn
before using it, since unpickling runs code, and unpickle it only in a child process (the
predict service does).

Reading is bounded before anything is spent (the manifest first): a 204 KB file of 200 MB of
zeros once cost the window 400 MB and left 200 MB on disk. The members' declared sizes are
checked against limits, the parameters are streamed to disk in chunks (never held whole in
memory), and a file not signed by this user may not expand more than ``MAX_RATIO`` times.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .user_key import sign, signed_by_this_user

BUNDLE_SUFFIX = ".rafiki-model"
FORMAT_VERSION = 1
MANIFEST_MEMBER = "manifest.json"
PARAMETERS_MEMBER = "parameters.pkl"
MANIFEST_LIMIT_BYTES = 1024 * 1024  # knobs and names: kilobytes; a megabyte is generous
LIMIT_VARIABLE = "RAFIKI_MODEL_FILE_LIMIT_MB"
DEFAULT_PARAMETERS_LIMIT_MB = 2048  # the largest parameters a trained-model file may hold
MAX_RATIO = 100  # pickled weights compress 1-3x; 1000x is a bomb (checked above RATIO_FLOOR)
RATIO_FLOOR_BYTES = 16 * 1024 * 1024
_CHUNK = 1 << 20


class BundleError(ValueError):
    """The file is not a bundle this workbench can read; the message names file and cause."""


@dataclass(frozen=True)
class Bundle:
    """What an imported bundle holds; ``params_path`` is its extracted parameters file;
    ``signed`` says this user's workbench saved it (no warning needed before using it)."""

    model_class: str
    task: str
    knobs: dict
    model_file_name: str
    params_path: str
    params_sha256: str
    signed: bool = False


def parameters_limit_bytes() -> int:
    """The parameters size a bundle may declare (``RAFIKI_MODEL_FILE_LIMIT_MB`` sets it)."""
    text = os.environ.get(LIMIT_VARIABLE, "")
    try:
        megabytes = float(text) if text else DEFAULT_PARAMETERS_LIMIT_MB
    except ValueError:
        megabytes = DEFAULT_PARAMETERS_LIMIT_MB
    return int(megabytes * 1024 * 1024)


def _signed_part(manifest: dict) -> bytes:
    """What the HMAC covers: the manifest without its signature, in one canonical form."""
    unsigned = {key: value for key, value in manifest.items() if key != "signature"}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":")).encode()


def _sha256_of_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        for chunk in iter(lambda: source.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def export_bundle(path: str, *, model_file_path: str, model_class: str, task: str,
                  knobs: dict, params_path: str, params_sha256: str) -> Path:
    """Write the bundle at ``path`` (atomically), signed with the user's key; the parameters
    must match their digest."""
    if _sha256_of_file(params_path) != params_sha256:
        raise BundleError(f"{params_path}: the parameters changed since the run wrote them "
                          "(sha256 differs); not exported")
    manifest = {"format": FORMAT_VERSION, "model_class": model_class, "task": task,
                "knobs": knobs, "model_file_name": Path(model_file_path).name,
                "params_sha256": params_sha256}
    manifest["signature"] = sign(_signed_part(manifest))
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST_MEMBER, json.dumps(manifest, indent=2))
        archive.write(params_path, PARAMETERS_MEMBER)  # streamed from the file
    partial.replace(target)
    return target


def import_bundle(path: str, folder: str) -> Bundle:
    """Read a bundle within its limits, check its parameters' digest and extract them into
    ``folder``; ``Bundle.signed`` tells whether this user's workbench saved it."""
    try:
        with zipfile.ZipFile(path) as archive:
            manifest_info = _member(archive, MANIFEST_MEMBER, path)
            if manifest_info.file_size > MANIFEST_LIMIT_BYTES:
                raise BundleError(f"{path}: its manifest declares {manifest_info.file_size} "
                                  f"bytes, over the {MANIFEST_LIMIT_BYTES} a manifest may "
                                  "have; not a trained-model file this workbench wrote")
            manifest = _checked_manifest(json.loads(archive.read(manifest_info)), path)
            signed = signed_by_this_user(_signed_part(manifest), manifest.get("signature"))
            params_info = _member(archive, PARAMETERS_MEMBER, path)
            _check_size(params_info, path, signed)
            target = Path(folder) / f"{manifest['params_sha256']}.pkl"
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                _check_room(target.parent, params_info.file_size, path)
                _extract_checked(archive, params_info, target, manifest["params_sha256"], path)
    except BundleError:
        raise
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, EOFError) as exc:
        raise BundleError(f"{path}: not a trained-model file ({exc})") from exc
    return Bundle(model_class=manifest["model_class"], task=manifest["task"],
                  knobs=manifest["knobs"], model_file_name=manifest["model_file_name"],
                  params_path=str(target), params_sha256=manifest["params_sha256"],
                  signed=signed)


def _member(archive: zipfile.ZipFile, name: str, path: str) -> zipfile.ZipInfo:
    try:
        return archive.getinfo(name)
    except KeyError:
        raise BundleError(f"{path}: not a trained-model file (it has no {name})") from None


def _checked_manifest(manifest: object, path: str) -> dict:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        raise BundleError(f"{path}: unknown trained-model file format "
                          f"{manifest.get('format') if isinstance(manifest, dict) else '?'}")
    missing = [k for k in ("model_class", "task", "knobs", "model_file_name", "params_sha256")
               if k not in manifest]
    if missing or not isinstance(manifest["knobs"], dict):
        raise BundleError(f"{path}: its manifest lacks {', '.join(missing) or 'knobs'}")
    digest = manifest["params_sha256"]
    if not isinstance(digest, str) or len(digest) != 64 \
            or any(c not in "0123456789abcdef" for c in digest):
        raise BundleError(f"{path}: its manifest's params_sha256 is not a sha256")
    return manifest


def _check_size(info: zipfile.ZipInfo, path: str, signed: bool) -> None:
    limit = parameters_limit_bytes()
    if info.file_size > limit:
        raise BundleError(
            f"{path}: its parameters declare {info.file_size / 2**20:.0f} MB, over the "
            f"{limit / 2**20:.0f} MB limit (set {LIMIT_VARIABLE} to allow more)")
    ratio = info.file_size / max(1, info.compress_size)
    if not signed and info.file_size > RATIO_FLOOR_BYTES and ratio > MAX_RATIO:
        raise BundleError(
            f"{path}: its parameters expand {ratio:.0f} times ({info.compress_size} bytes to "
            f"{info.file_size / 2**20:.0f} MB), over the {MAX_RATIO} times a trained model "
            "from elsewhere may; not opened")


def _check_room(folder: Path, size: int, path: str) -> None:
    free = shutil.disk_usage(folder).free
    if size > free:
        raise BundleError(f"{path}: its parameters need {size / 2**20:.0f} MB, and {folder} "
                          f"has {free / 2**20:.0f} MB free")


def _extract_checked(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path,
                     sha256: str, path: str) -> None:
    """Stream the member to ``target`` in chunks, hashing as it goes; nothing is left behind
    unless the digest matches the manifest's."""
    partial = target.with_name(target.name + ".partial")
    digest = hashlib.sha256()
    written = 0
    try:
        with archive.open(info) as source, open(partial, "wb") as out:
            for chunk in iter(lambda: source.read(_CHUNK), b""):
                written += len(chunk)
                if written > info.file_size:  # zipfile stops at the declared size; be sure
                    raise BundleError(f"{path}: its parameters are larger than declared")
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != sha256:
            raise BundleError(f"{path}: the parameters do not match the digest in its "
                              "manifest; the file is damaged or was altered")
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
