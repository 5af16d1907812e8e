"""Trained-model files: export a run's knobs and parameters, import them back, refuse damage."""

from __future__ import annotations

import hashlib
import pickle
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
