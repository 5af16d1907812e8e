"""A trained model as one file: its knobs and parameters, to keep or hand to a colleague.

The bundle is a zip holding ``manifest.json`` (model class, task, knobs, the model file's name
and the parameters' sha256) and ``parameters.pkl``. Importing checks the digest, but a bundle
from elsewhere is still a pickle someone else wrote: callers must warn before using it, since
unpickling runs code.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

BUNDLE_SUFFIX = ".rafiki-model"
FORMAT_VERSION = 1


class BundleError(ValueError):
    """The file is not a bundle this workbench can read; the message names file and cause."""


@dataclass(frozen=True)
class Bundle:
    """What an imported bundle holds; ``params_path`` is its extracted parameters file."""

    model_class: str
    task: str
    knobs: dict
    model_file_name: str
    params_path: str
    params_sha256: str


def export_bundle(path: str, *, model_file_path: str, model_class: str, task: str,
                  knobs: dict, params_path: str, params_sha256: str) -> Path:
    """Write the bundle at ``path`` (atomically); the parameters must match their digest."""
    data = Path(params_path).read_bytes()
    if hashlib.sha256(data).hexdigest() != params_sha256:
        raise BundleError(f"{params_path}: the parameters changed since the run wrote them "
                          "(sha256 differs); not exported")
    manifest = {"format": FORMAT_VERSION, "model_class": model_class, "task": task,
                "knobs": knobs, "model_file_name": Path(model_file_path).name,
                "params_sha256": params_sha256}
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
        archive.writestr("parameters.pkl", data)
    partial.replace(target)
    return target


def import_bundle(path: str, folder: str) -> Bundle:
    """Read a bundle, check its parameters' digest and extract them into ``folder``."""
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = json.loads(archive.read("manifest.json"))
            data = archive.read("parameters.pkl")
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise BundleError(f"{path}: not a trained-model file ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        raise BundleError(f"{path}: unknown trained-model file format "
                          f"{manifest.get('format') if isinstance(manifest, dict) else '?'}")
    digest = hashlib.sha256(data).hexdigest()
    if digest != manifest.get("params_sha256"):
        raise BundleError(f"{path}: the parameters do not match the digest in its manifest; "
                          "the file is damaged or was altered")
    missing = [k for k in ("model_class", "task", "knobs", "model_file_name") if k not in manifest]
    if missing or not isinstance(manifest["knobs"], dict):
        raise BundleError(f"{path}: its manifest lacks {', '.join(missing) or 'knobs'}")
    target = Path(folder) / f"{digest}.pkl"
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        partial = target.with_name(target.name + ".partial")
        partial.write_bytes(data)
        partial.replace(target)
    return Bundle(model_class=manifest["model_class"], task=manifest["task"],
                  knobs=manifest["knobs"], model_file_name=manifest["model_file_name"],
                  params_path=str(target), params_sha256=digest)
