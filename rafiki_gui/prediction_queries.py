"""Builders of prediction queries, run on the prediction worker's thread (they read datasets and
image files, which can take a while) and returning the queries with what is needed to show
their answers. Plain functions over Rafiki's dataset API and Pillow: no widgets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .prediction_worker import PreparedQueries

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
_TOKEN = re.compile(r"n't|\w+(?=n't)|\w+(?:[-'.]\w+)*|[^\w\s]")


def parse_indices(text: str, size: int | None = None) -> list[int]:
    """Sample numbers from text such as ``"0-9, 42"`` (ValueError saying what is wrong)."""
    indices: list[int] = []
    for part in filter(None, (p.strip() for p in text.replace(";", ",").split(","))):
        match = re.fullmatch(r"(\d+)\s*(?:-\s*(\d+))?", part)
        if not match:
            raise ValueError(f"{part!r} is not a sample number or a range like 3-9")
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) else first
        if last < first:
            raise ValueError(f"the range {part!r} runs backwards")
        indices.extend(range(first, last + 1))
    if not indices:
        raise ValueError("no sample numbers given (e.g. 0-9, 42)")
    if size is not None and max(indices) >= size:
        raise ValueError(f"sample {max(indices)} is out of range: the test set has {size} "
                         f"(0-{size - 1})")
    return indices


def choose_indices(size: int, selection: str | int | Sequence[int] | None,
                   seed: int | None = None) -> np.ndarray:
    """Which samples: None = all, an int = that many at random, else the given numbers."""
    if selection is None:
        return np.arange(size)
    if isinstance(selection, int):
        rng = np.random.default_rng(seed)
        return np.sort(rng.choice(size, size=min(selection, size), replace=False))
    indices = np.asarray(parse_indices(selection, size) if isinstance(selection, str)
                         else list(selection), dtype=np.int64)
    if len(indices) and (indices.min() < 0 or indices.max() >= size):
        raise ValueError(f"sample numbers must be 0-{size - 1}")
    return indices


def image_test_queries(test_path: str, selection=None, seed: int | None = None
                       ) -> PreparedQueries:
    """Test-set images as queries, with their true classes."""
    from rafiki.model.dataset import dataset_utils

    dataset = dataset_utils.load_dataset_of_image_files(test_path)
    indices = choose_indices(dataset.size, selection, seed)
    images = np.asarray(dataset.images[indices])
    return PreparedQueries(images.tolist(), {
        "kind": "image", "images": images, "true": dataset.image_classes[indices],
        "indices": indices, "whole": selection is None, "sources": None,
        "what": f"{len(indices):,} test images" + (" (the whole test set)"
                                                   if selection is None else ""),
    })


def image_file_queries(paths: Sequence[str], size: tuple[int, int] | None) -> PreparedQueries:
    """Image files as queries: grayscale (as IMAGE_CLASSIFICATION asks) and resized to the
    dataset's (height, width) when known. A file that cannot be read raises naming it."""
    from PIL import Image, UnidentifiedImageError

    images = []
    for path in paths:
        try:
            with Image.open(path) as opened:
                gray = opened.convert("L")
                if size is not None:
                    gray = gray.resize((size[1], size[0]), Image.Resampling.LANCZOS)
                images.append(np.asarray(gray, dtype=np.uint8))
        except (OSError, UnidentifiedImageError) as exc:
            raise ValueError(f"{path}: cannot be read as an image ({exc})") from None
    shapes = {image.shape for image in images}
    stacked = np.stack(images) if len(shapes) == 1 else images
    return PreparedQueries([image.tolist() for image in images], {
        "kind": "image", "images": stacked, "true": None, "indices": None, "whole": False,
        "sources": [Path(p).name for p in paths],
        "what": f"{len(images)} image file" + ("s" if len(images) != 1 else ""),
    })


def dataset_image_shape(*paths: str) -> tuple[int, int] | None:
    """(height, width) of the first of these IMAGE_FILES datasets that can be read."""
    from rafiki.model.dataset import dataset_utils

    for path in paths:
        if not path:
            continue
        try:
            dataset = dataset_utils.load_dataset_of_image_files(path)
        except Exception:  # not an image dataset: try the next one
            continue
        if dataset.size:
            return tuple(dataset.images.shape[1:3])
    return None


def tagging_test_queries(test_path: str, selection=None, seed: int | None = None
                         ) -> PreparedQueries:
    """Test-set sentences as queries, with their gold tags (the first tag column)."""
    from rafiki.model.dataset import dataset_utils

    dataset = dataset_utils.load_dataset_of_corpus(test_path)
    indices = choose_indices(dataset.size, selection, seed)
    sentences = [dataset[int(i)] for i in indices]
    tokens = [[item[0] for item in sentence] for sentence in sentences]
    gold = [[item[1] for item in sentence] for sentence in sentences]
    return PreparedQueries(tokens, {
        "kind": "tagging", "gold": gold, "indices": indices, "whole": selection is None,
        "what": f"{len(tokens):,} test sentences" + (" (the whole test set)"
                                                     if selection is None else ""),
    })


def tokenize(text: str) -> list[str]:
    """A typed sentence as tokens the way UD English splits them (words, "n't", punctuation)."""
    return _TOKEN.findall(text)


def typed_sentence_queries(text: str) -> PreparedQueries:
    tokens = tokenize(text)
    if not tokens:
        raise ValueError("type a sentence first")
    return PreparedQueries([tokens], {"kind": "tagging", "gold": None, "indices": None,
                                      "whole": False, "what": "the typed sentence"})
