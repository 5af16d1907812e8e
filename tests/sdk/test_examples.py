"""The bundled example models and sample datasets: they are what a new user runs first.

Each example goes through Rafiki's ``test_model_class`` on the bundled samples and on the real
digits and UD English treebank of tests/data with accuracy floors;
its ``__main__`` block runs as a script; the sample datasets are checked against their formats
and against the script that makes them.
"""

from __future__ import annotations

import io
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from rafiki.constants import TaskType
from rafiki.dataset_summary import load_label_names, summarize_dataset
from rafiki.model import (
    CategoricalKnob,
    FixedKnob,
    FloatKnob,
    IntegerKnob,
    InvalidModelParamsException,
    load_model_class,
    logger,
    test_model_class,
)
from rafiki.model.knob import default_knobs, knob_problems

from ..conftest import EXAMPLES, PROJECT_ROOT, SAMPLE_DATASETS

IMAGE_MODEL = EXAMPLES / "image_classifier.py"
POS_MODEL = EXAMPLES / "pos_tagger.py"
MAKE_SAMPLES = PROJECT_ROOT / "scripts" / "make_sample_datasets.py"
SAMPLE_FILES = ["image_train.zip", "image_test.zip", "image_meta.csv",
                "pos_train.zip", "pos_test.zip", "pos_meta.tsv"]


def sample(name: str) -> str:
    return str(SAMPLE_DATASETS / name)


def model_class(path: Path, name: str) -> type:
    return load_model_class(path.read_bytes(), name, file_path=str(path))


def image_queries(count: int = 3) -> list:
    from rafiki.model import dataset_utils

    test = dataset_utils.load_dataset_of_image_files(sample("image_test.zip"))
    return [test[i][0].tolist() for i in range(count)]


POS_QUERIES = [["Anna", "said", ",", '"', "The", "dog", "is", "happy", ".", '"'],
               ["O'Brien", "did", "n't", "book", "a", "cheap", "car", "in", "Paris", "."],
               []]


def checked(path: Path, class_name: str, task: str, train: str, test: str, queries: list,
            knobs: dict | None = None, seed: int | None = None):
    """test_model_class on the example, with its logger records and console output kept;
    returns (reloaded model, its accuracy on ``test``, records, console text)."""
    records: list[dict] = []
    out = io.StringIO()
    with logger.sinks_replaced([records.append]):
        model = test_model_class(model_file_path=str(path), model_class=class_name, task=task,
                                 dependencies={}, train_dataset_uri=train,
                                 test_dataset_uri=test, queries=queries, knobs=knobs,
                                 seed=seed, out=out)
        accuracy = model.evaluate(test)
    assert "The model definition is valid!" in out.getvalue()
    return model, accuracy, records, out.getvalue()


def plots_and_metrics(records: list[dict]) -> tuple[dict[str, dict], list[dict]]:
    plots = {r["title"]: r for r in records if r["kind"] == "plot"}
    return plots, [r["values"] for r in records if r["kind"] == "metrics"]


def assert_epoch_plots(records: list[dict], epochs: int) -> None:
    plots, metrics = plots_and_metrics(records)
    assert plots["Loss Over Epochs"]["metrics"] == ["loss"]
    assert plots["Loss Over Epochs"]["x_axis"] == "epoch"
    assert plots["Accuracy Over Epochs"]["metrics"] == ["train_accuracy", "val_accuracy"]
    losses = [m for m in metrics if "loss" in m]
    accuracies = [m for m in metrics if "val_accuracy" in m]
    assert [m["epoch"] for m in losses] == list(range(epochs))
    assert [m["epoch"] for m in accuracies] == list(range(epochs))
    assert all(0 <= m["train_accuracy"] <= 1 and 0 <= m["val_accuracy"] <= 1
               for m in accuracies)
    assert losses[-1]["loss"] < losses[0]["loss"]
    assert any(r["kind"] == "message" and "Test accuracy" in r["msg"] for r in records)


# -- the image classifier ------------------------------------------------------------------

def test_image_classifier_passes_test_model_class_on_the_bundled_sample():
    queries = image_queries()
    model, accuracy, records, console = checked(
        IMAGE_MODEL, "ImageClassifier", TaskType.IMAGE_CLASSIFICATION,
        sample("image_train.zip"), sample("image_test.zip"), queries, seed=1)
    assert accuracy > 0.8
    assert f"Score: {accuracy}" in console  # the reloaded model scores as the trained one did
    epochs = next(r["values"]["epoch"] for r in reversed(records)
                  if r["kind"] == "metrics" and "loss" in r["values"]) + 1
    assert_epoch_plots(records, epochs)
    predictions = model.predict(queries)
    assert len(predictions) == 3
    for probs in predictions:
        assert len(probs) == 10 and all(isinstance(p, float) and p >= 0 for p in probs)
        assert sum(probs) == pytest.approx(1.0, abs=1e-5)


def test_image_classifier_has_every_knob_kind_and_narrower_dev_ranges(monkeypatch):
    cls = model_class(IMAGE_MODEL, "ImageClassifier")
    dev = cls.get_knob_config()
    monkeypatch.setitem(cls.get_knob_config.__globals__, "APP_MODE", "PROD")
    full = cls.get_knob_config()
    assert set(dev) == set(full)
    kinds = {type(knob) for knob in full.values()}
    assert kinds == {IntegerKnob, FloatKnob, CategoricalKnob, FixedKnob}
    assert full["hidden_units"].is_exp and full["learning_rate"].is_exp
    assert full["normalize"].value_type is bool and full["batch_size"].value_type is int
    narrower = [name for name, knob in dev.items() if isinstance(knob, (IntegerKnob, FloatKnob))
                and (knob.value_min, knob.value_max) != (full[name].value_min,
                                                          full[name].value_max)]
    assert narrower
    for name in narrower:  # DEV ranges sit inside the full ones
        assert knob_problems({name: full[name]}, {name: dev[name].value_min}) == []
        assert knob_problems({name: full[name]}, {name: dev[name].value_max}) == []


def test_image_classifier_parameters_survive_pickle_and_fit_other_query_sizes():
    cls = model_class(IMAGE_MODEL, "ImageClassifier")
    knobs = default_knobs(cls.get_knob_config())
    trained = cls(**knobs)
    with logger.sinks_replaced([]):
        trained.train(sample("image_train.zip"))
    queries = image_queries(4)
    small = np.asarray(queries[0], dtype=np.uint8)[::2, ::2].tolist()  # 8x8: resized to fit
    params = pickle.loads(pickle.dumps(trained.dump_parameters()))
    reloaded = cls(**knobs)
    reloaded.load_parameters(params)
    np.testing.assert_allclose(reloaded.predict(queries), trained.predict(queries))
    assert len(reloaded.predict([small])[0]) == 10
    assert reloaded.predict([]) == []
    with pytest.raises(InvalidModelParamsException, match="w1"):
        cls(**knobs).load_parameters({k: v for k, v in params.items() if k != "w1"})


@pytest.mark.parametrize("seed", [None, 3])
def test_image_classifier_on_real_digits(shared_dataset, seed):
    """Default knobs (seed None) and the advisor's DEV-range proposals both beat the floor."""
    cls = model_class(IMAGE_MODEL, "ImageClassifier")
    knobs = default_knobs(cls.get_knob_config()) if seed is None else None
    train, test = str(shared_dataset("digits_train.zip")), str(shared_dataset("digits_test.zip"))
    model, accuracy, records, _ = checked(
        IMAGE_MODEL, "ImageClassifier", TaskType.IMAGE_CLASSIFICATION, train, test,
        [[[0] * 8 for _ in range(8)]], knobs=knobs, seed=seed)
    assert accuracy > 0.85
    assert any(r["kind"] == "message" and "8x8" in r["msg"] for r in records)


# -- the POS tagger ----------------------------------------------------------------------------

def test_pos_tagger_passes_test_model_class_on_the_bundled_sample():
    cls = model_class(POS_MODEL, "PosTagger")
    knobs = default_knobs(cls.get_knob_config())
    model, accuracy, records, _ = checked(
        POS_MODEL, "PosTagger", TaskType.POS_TAGGING, sample("pos_train.zip"),
        sample("pos_test.zip"), POS_QUERIES, knobs=knobs)
    assert accuracy > 0.9
    assert_epoch_plots(records, knobs["epochs"])
    predictions = model.predict(POS_QUERIES)
    assert [len(p) for p in predictions] == [len(q) for q in POS_QUERIES]
    assert all(isinstance(tag, int) and 0 <= tag < 17 for p in predictions for tag in p)
    names = load_label_names(sample("pos_meta.tsv"))
    assert [names[t] for t in predictions[0]] == [
        "PROPN", "VERB", "PUNCT", "PUNCT", "DET", "NOUN", "AUX", "ADJ", "PUNCT", "PUNCT"]


def test_pos_tagger_has_several_knob_kinds_and_its_parameters_survive_pickle(monkeypatch):
    cls = model_class(POS_MODEL, "PosTagger")
    dev = cls.get_knob_config()
    monkeypatch.setitem(cls.get_knob_config.__globals__, "APP_MODE", "PROD")
    full = cls.get_knob_config()
    assert {type(k) for k in full.values()} == {IntegerKnob, FloatKnob, CategoricalKnob,
                                                  FixedKnob}
    assert dev != full
    knobs = default_knobs(dev)
    trained = cls(**knobs)
    with logger.sinks_replaced([]):
        trained.train(sample("pos_train.zip"))
    reloaded = cls(**knobs)
    reloaded.load_parameters(pickle.loads(pickle.dumps(trained.dump_parameters())))
    assert reloaded.predict(POS_QUERIES) == trained.predict(POS_QUERIES)
    broken = dict(trained.dump_parameters(), weights=np.zeros((2, 2)))
    with pytest.raises(InvalidModelParamsException, match="do not fit"):
        cls(**knobs).load_parameters(broken)


def test_pos_tagger_on_the_real_treebank(shared_dataset):
    train = str(shared_dataset("pos_ud_ewt_train.zip"))
    test = str(shared_dataset("pos_ud_ewt_test.zip"))
    _, accuracy, records, _ = checked(POS_MODEL, "PosTagger", TaskType.POS_TAGGING, train,
                                      test, POS_QUERIES, seed=5)
    assert accuracy > 0.80
    assert any(r["kind"] == "message" and "17 tags" in r["msg"] for r in records)


# -- the examples as scripts -------------------------------------------------------------------

@pytest.mark.parametrize("path", [IMAGE_MODEL, POS_MODEL], ids=lambda p: p.name)
def test_example_main_block_runs_from_any_folder(path, tmp_path):
    done = subprocess.run([sys.executable, str(path)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Score:" in done.stdout and "The model definition is valid!" in done.stdout


# -- the sample datasets -----------------------------------------------------------------------

def test_sample_datasets_are_small_and_in_rafikis_formats():
    assert sum((SAMPLE_DATASETS / name).stat().st_size for name in SAMPLE_FILES) < 1_000_000
    images = summarize_dataset(sample("image_train.zip"))
    assert (images.dataset_type, images.size, images.classes, images.problems) == (
        "IMAGE_FILES", 600, list(range(10)), [])
    assert summarize_dataset(sample("image_test.zip")).size == 200
    corpus = summarize_dataset(sample("pos_train.zip"))
    assert (corpus.dataset_type, corpus.tags, corpus.tag_num_classes, corpus.problems) == (
        "CORPUS", ["tag"], [17], [])
    with zipfile.ZipFile(sample("image_train.zip")) as archive:
        assert archive.read("images.csv").decode().splitlines()[0] == "path,class"
    with zipfile.ZipFile(sample("pos_train.zip")) as archive:
        rows = archive.read("corpus.tsv").decode("utf-8").splitlines()
    assert rows[0] == "token\ttag"
    assert rows.count("\\n\t") == 400 and rows[-1] == "\\n\t"
    assert sum(row.split("\t")[0] in ('"', "'", "'s", "n't") for row in rows) > 20
    assert load_label_names(sample("image_meta.csv")) == {d: str(d) for d in range(10)}
    upos = load_label_names(sample("pos_meta.tsv"))
    assert (upos[0], upos[11], upos[16]) == ("ADJ", "PROPN", "X")


def test_sample_datasets_script_is_deterministic_and_made_the_bundled_files(tmp_path):
    for out in ("a", "b"):
        subprocess.run([sys.executable, str(MAKE_SAMPLES), str(tmp_path / out)], check=True,
                       capture_output=True, timeout=120)
    for name in SAMPLE_FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    # the bundled files are the script's output: corpus and labels exactly, pixels up to
    # what another FreeType/zlib could change
    for name in ("pos_train.zip", "pos_test.zip"):
        with zipfile.ZipFile(tmp_path / "a" / name) as made, zipfile.ZipFile(sample(name)) as ours:
            assert made.read("corpus.tsv") == ours.read("corpus.tsv")
    for name in ("image_meta.csv", "pos_meta.tsv"):
        assert (tmp_path / "a" / name).read_bytes() == (SAMPLE_DATASETS / name).read_bytes()
    from rafiki.model.dataset import ImageFilesDataset

    for name in ("image_train.zip", "image_test.zip"):
        made, ours = ImageFilesDataset(str(tmp_path / "a" / name)), ImageFilesDataset(sample(name))
        np.testing.assert_array_equal(made.image_classes, ours.image_classes)
        difference = np.abs(made.images.astype(int) - ours.images.astype(int)).mean()
        assert difference < 1.0


def test_image_classifier_rolls_back_an_epoch_that_diverges():
    cls = model_class(IMAGE_MODEL, "ImageClassifier")
    knobs = dict(default_knobs(cls.get_knob_config()), learning_rate=50.0)  # far off the range
    records: list[dict] = []
    model = cls(**knobs)
    with logger.sinks_replaced([records.append]), np.errstate(all="ignore"):
        model.train(sample("image_train.zip"))
    assert any(r["kind"] == "message" and "diverged" in r["msg"] for r in records)
    probs = np.asarray(model.predict(image_queries(2)))
    assert np.isfinite(probs).all() and np.allclose(probs.sum(axis=1), 1, atol=1e-5)
