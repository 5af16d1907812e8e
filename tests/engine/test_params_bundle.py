"""Trained-model files: export a run's knobs and parameters, import them back, refuse damage."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import stat
import tracemalloc
import zipfile

import pytest

from rafiki.params_bundle import BundleError, export_bundle, import_bundle


@pytest.fixture
def params(tmp_path):
    path = tmp_path / "params.pkl"
    path.write_bytes(pickle.dumps({"weights": [1.0, 2.0]}))
    return str(path), hashlib.sha256(path.read_bytes()).hexdigest()


def _export(tmp_path, params, **changes):
    arguments = dict(model_file_path="/models/image_classifier.py", model_class="Clf",
                     task="IMAGE_CLASSIFICATION", knobs={"epochs": 3, "normalize": True},
                     params_path=params[0], params_sha256=params[1])
    arguments.update(changes)
    return export_bundle(str(tmp_path / "clf.rafiki-model"), **arguments)


def test_round_trip_keeps_knobs_types_and_parameters(tmp_path, params):
    bundle = import_bundle(str(_export(tmp_path, params)), str(tmp_path / "imported"))
    assert bundle.model_class == "Clf" and bundle.task == "IMAGE_CLASSIFICATION"
    assert bundle.knobs == {"epochs": 3, "normalize": True}
    assert bundle.knobs["normalize"] is True
    assert bundle.model_file_name == "image_classifier.py"
    assert bundle.params_sha256 == params[1]
    assert pickle.loads(open(bundle.params_path, "rb").read()) == {"weights": [1.0, 2.0]}


def test_export_refuses_parameters_changed_since_the_run(tmp_path, params):
    with pytest.raises(BundleError, match="sha256 differs"):
        _export(tmp_path, params, params_sha256="0" * 64)


def test_import_refuses_altered_parameters(tmp_path, params):
    good = _export(tmp_path, params)
    altered = tmp_path / "altered.rafiki-model"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(altered, "w") as target:
        target.writestr("manifest.json", source.read("manifest.json"))
        target.writestr("parameters.pkl", pickle.dumps({"weights": "evil"}))
    with pytest.raises(BundleError, match="damaged or was altered"):
        import_bundle(str(altered), str(tmp_path / "imported"))
    assert not (tmp_path / "imported").exists() or not any((tmp_path / "imported").iterdir())


def test_import_refuses_a_file_that_is_not_a_bundle(tmp_path):
    other = tmp_path / "notes.rafiki-model"
    other.write_text("hello")
    with pytest.raises(BundleError, match="notes.rafiki-model: not a trained-model file"):
        import_bundle(str(other), str(tmp_path / "imported"))


# -- whose file it is: the HMAC of the user's key --------------------------------------------

def test_a_file_saved_here_is_signed_with_a_0600_key_of_the_data_folder(tmp_path, params,
                                                                        rafiki_home):
    bundle = import_bundle(str(_export(tmp_path, params)), str(tmp_path / "imported"))
    assert bundle.signed
    key = rafiki_home / "signing.key"
    assert len(key.read_bytes()) == 32
    if os.name == "posix":
        assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_another_users_file_is_not_signed(tmp_path, params, rafiki_home, monkeypatch):
    saved = _export(tmp_path, params)
    monkeypatch.setenv("RAFIKI_HOME", str(tmp_path / "another-user"))
    bundle = import_bundle(str(saved), str(tmp_path / "imported"))
    assert not bundle.signed and bundle.knobs == {"epochs": 3, "normalize": True}


def _rewritten(saved, target, change_manifest=None, parameters=None):
    with zipfile.ZipFile(saved) as source, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        manifest = json.loads(source.read("manifest.json"))
        if change_manifest:
            change_manifest(manifest)
        out.writestr("manifest.json", json.dumps(manifest))
        out.writestr("parameters.pkl", parameters or source.read("parameters.pkl"))
    return target


def test_a_tampered_file_loses_its_signature(tmp_path, params, rafiki_home):
    saved = _export(tmp_path, params)
    evil = pickle.dumps({"weights": "evil"})
    for name, change, parameters in [
        ("knobs", lambda m: m["knobs"].update(epochs=300), None),
        ("parameters", lambda m: m.update(params_sha256=hashlib.sha256(evil).hexdigest()),
         evil),
    ]:
        altered = _rewritten(saved, tmp_path / f"{name}.rafiki-model", change, parameters)
        bundle = import_bundle(str(altered), str(tmp_path / "imported"))
        assert not bundle.signed, name


# -- limits, checked before reading ------------------------------------------------------------

def _zeros_bundle(tmp_path, megabytes: int, signed: bool) -> str:
    """A bundle of ``megabytes`` of zero bytes as parameters (a bomb: ~1000x compression)."""
    blob = tmp_path / "zeros.pkl"
    with open(blob, "wb") as out:
        for _ in range(megabytes):
            out.write(bytes(2**20))
    digest = hashlib.sha256(blob.read_bytes()).hexdigest()
    saved = _export(tmp_path, (str(blob), digest))
    if not signed:
        saved = _rewritten(saved, tmp_path / "unsigned.rafiki-model",
                           lambda m: m.pop("signature"))
    blob.unlink()
    return str(saved)


def test_a_bomb_from_elsewhere_is_refused_before_anything_is_written(tmp_path, rafiki_home):
    bomb = _zeros_bundle(tmp_path, 20, signed=False)
    assert os.path.getsize(bomb) < 100_000
    with pytest.raises(BundleError, match=r"expand \d+ times .* over the 100 times"):
        import_bundle(bomb, str(tmp_path / "imported"))
    assert not (tmp_path / "imported").exists() or not any((tmp_path / "imported").iterdir())


def test_parameters_over_the_limit_are_refused_naming_it(tmp_path, rafiki_home, monkeypatch):
    saved = _zeros_bundle(tmp_path, 3, signed=True)
    monkeypatch.setenv("RAFIKI_MODEL_FILE_LIMIT_MB", "2")
    with pytest.raises(BundleError, match=r"declare 3 MB, over the 2 MB limit \(set "
                                          r"RAFIKI_MODEL_FILE_LIMIT_MB"):
        import_bundle(saved, str(tmp_path / "imported"))


def test_parameters_are_streamed_not_held_in_memory(tmp_path, rafiki_home):
    saved = _zeros_bundle(tmp_path, 32, signed=True)  # its own file: the ratio is allowed
    tracemalloc.start()
    try:
        bundle = import_bundle(saved, str(tmp_path / "imported"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert bundle.signed and os.path.getsize(bundle.params_path) == 32 * 2**20
    assert peak < 8 * 2**20, f"peak {peak / 2**20:.1f} MB for 32 MB of parameters"


def test_a_huge_manifest_is_refused_unread(tmp_path, rafiki_home):
    huge = tmp_path / "huge.rafiki-model"
    with zipfile.ZipFile(huge, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("manifest.json", " " * (2 * 2**20))
        out.writestr("parameters.pkl", b"")
    with pytest.raises(BundleError, match="over the 1048576 a manifest may have"):
        import_bundle(str(huge), str(tmp_path / "imported"))
