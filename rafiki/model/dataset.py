"""Rafiki's dataset SDK: ``dataset_utils`` and the datasets a model's ``train``/``evaluate`` load.

Names, signatures and return shapes are Rafiki's (``ModelDatasetUtils``, ``ImageFilesDataset``,
``CorpusDataset``); underneath, archives are read in place, images decoded in batches, corpora
parsed in bulk, and the decoded result cached across processes (see ``dataset_cache``), so a
tuning session does not decode the same dataset in every trial. Bad input raises a
:class:`DatasetError` (a ``ValueError``) naming the file and the row.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

import numpy as np
import PIL

from .dataset_cache import DatasetCache
from .dataset_corpus import load_corpus
from .dataset_download import download_dataset_from_uri as _download
from .dataset_errors import (
    DatasetDownloadError,
    DatasetError,
    InvalidDatasetFormatException,
    InvalidDatasetProtocolException,
    InvalidDatasetTypeException,
)
from .dataset_images import load_image_files, normalize_image_size, resize_image

__all__ = [
    "CorpusDataset",
    "DatasetDownloadError",
    "DatasetError",
    "ImageFilesDataset",
    "InvalidDatasetFormatException",
    "InvalidDatasetProtocolException",
    "InvalidDatasetTypeException",
    "ModelDataset",
    "ModelDatasetUtils",
    "dataset_utils",
]

_cache = DatasetCache()


class ModelDataset:
    """A loaded dataset: ``size`` samples, ``len()``, indexing and iteration."""

    def __init__(self, dataset_path: str) -> None:
        self.path = str(dataset_path)
        self.size = 0

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator:
        for index in range(self.size):
            yield self[index]

    def _slice(self, index: slice) -> list:
        return [self[i] for i in range(*index.indices(self.size))]

    def _index(self, index) -> int:
        index = int(index)
        if index < 0:
            index += self.size
        if not 0 <= index < self.size:
            raise IndexError(f"sample {index} is out of range (the dataset has {self.size})")
        return index


class ImageFilesDataset(ModelDataset):
    """A dataset of type ``IMAGE_FILES``.

    ``classes`` is the number of image classes (largest class index + 1). Each sample is
    ``(image, class)``: ``image`` a 2D uint8 numpy array (height, width) of grayscale values
    0..255, ``class`` an int from 0 to classes - 1. ``images`` (n, height, width) and
    ``image_classes`` (n,) give the whole dataset as read-only arrays.
    """

    def __init__(self, dataset_path: str, image_size=None) -> None:
        super().__init__(dataset_path)
        self.image_size = image_size
        size = normalize_image_size(image_size)
        params = {"image_size": size, "pillow": PIL.__version__}
        key = _cache_key(self.path, "images", params)
        cached = _cache.load(key) if key else None
        if cached is not None:
            _, arrays = cached
            images, labels = arrays["images"], arrays["classes"]
        else:
            loaded = load_image_files(self.path, size)
            images, labels = loaded.images, loaded.classes
            if key:
                _cache.store(key, {}, {"images": images, "classes": labels})
            images.flags.writeable = False
            labels.flags.writeable = False
        self.images: np.ndarray = images
        self.image_classes: np.ndarray = labels
        self.size = len(labels)
        self.classes = int(labels.max()) + 1 if self.size else 0

    def __getitem__(self, index) -> tuple[np.ndarray, int]:
        if isinstance(index, slice):
            return self._slice(index)
        index = self._index(index)
        return np.array(self.images[index]), int(self.image_classes[index])

    def __iter__(self) -> Iterator[tuple[np.ndarray, int]]:
        images, labels = self.images, self.image_classes.tolist()
        for index in range(self.size):
            yield np.array(images[index]), labels[index]


class CorpusDataset(ModelDataset):
    """A dataset of type ``CORPUS``: sentences of tagged tokens.

    ``tags`` are the tag columns asked for; ``tag_num_classes[i]`` is the number of classes of
    ``tags[i]`` (largest value + 1). Each sample is a sentence ``[[token, tag_1, ..., tag_k],
    ...]``: tokens are strings, tags ints. ``max_token_len`` is the longest token's length in
    characters, ``max_sent_len`` the most tokens in one sentence.
    """

    def __init__(self, dataset_path: str, tags: Sequence[str] = ("tag",),
                 split_by: str = "\\n") -> None:
        super().__init__(dataset_path)
        if isinstance(tags, str):
            tags = [tags]
        self.tags = list(tags)
        self.split_by = split_by
        key = _cache_key(self.path, "corpus", {"tags": self.tags, "split_by": split_by})
        cached = _cache.load(key) if key else None
        if cached is not None:
            meta, arrays = cached
            self._token_bytes: np.ndarray | None = arrays["tokens"]
            self._token_text: str | None = None
        else:
            parsed = load_corpus(self.path, self.tags, split_by)
            self._token_bytes, self._token_text = None, parsed.token_text
            arrays = {"tags": parsed.tags, "starts": parsed.sentence_starts,
                      "ends": parsed.sentence_ends}
            meta = {"max_token_len": parsed.max_token_len,
                    "tag_num_classes": [int(v) + 1 for v in parsed.tags.max(axis=0)]
                    if len(parsed.tags) else [0] * len(self.tags)}
            if key:
                token_bytes = np.frombuffer(parsed.token_text.encode("utf-8"), np.uint8)
                _cache.store(key, meta, {**arrays, "tokens": token_bytes})
        self._tags = arrays["tags"]
        if isinstance(self._tags, np.ndarray) and self._tags.flags.writeable:
            self._tags.flags.writeable = False
        self._starts, self._ends = arrays["starts"], arrays["ends"]
        self._tokens: list[str] | None = None
        self.size = len(self._starts)
        self.tag_num_classes: list[int] = list(meta["tag_num_classes"])
        self.max_token_len: int = int(meta["max_token_len"])
        self.max_sent_len: int = int((self._ends - self._starts).max()) if self.size else 0
        self.token_count: int = len(self._tags)

    @property
    def token_tags(self) -> np.ndarray:
        """Every token's tags as one read-only (tokens, len(tags)) int64 array."""
        return self._tags

    def _all_tokens(self) -> list[str]:
        """Every token as a string, split from the joined text on first use."""
        if self._tokens is None:
            if self._token_text is None:
                self._token_text = bytes(self._token_bytes).decode("utf-8")
            self._tokens = self._token_text.split("\n") if self.token_count else []
            self._token_text = None
        return self._tokens

    def __getitem__(self, index) -> list[list]:
        if isinstance(index, slice):
            return self._slice(index)
        index = self._index(index)
        start, end = int(self._starts[index]), int(self._ends[index])
        columns = [column.tolist() for column in self._tags[start:end].T]
        return _sentence(self._all_tokens()[start:end], columns)

    def __iter__(self) -> Iterator[list[list]]:
        # tag columns as flat lists of ints: a (tokens, k) nested list would be a million
        # GC-tracked lists, and the collector walking them cost more than the parse
        tokens = self._all_tokens()
        columns = [column.tolist() for column in self._tags.T]
        for start, end in zip(self._starts.tolist(), self._ends.tolist(), strict=True):
            yield _sentence(tokens[start:end], [column[start:end] for column in columns])


def _sentence(tokens: list[str], columns: list[list[int]]) -> list[list]:
    if len(columns) == 1:
        return [[token, tag] for token, tag in zip(tokens, columns[0], strict=True)]
    return [[token, *tags] for token, *tags in zip(tokens, *columns, strict=True)]


def _cache_key(dataset_path: str, kind: str, params: dict) -> str | None:
    """The cache entry for this file and parameters; None when the cache is off."""
    if not _cache.enabled:
        return None
    try:
        return _cache.key(dataset_path, kind, params)
    except FileNotFoundError:
        raise InvalidDatasetFormatException(dataset_path, "no such file") from None
    except IsADirectoryError:
        raise InvalidDatasetFormatException(dataset_path, "is a folder, not a zip file") from None
    except OSError:
        return None


class ModelDatasetUtils:
    """Loading datasets from a model's ``train``/``evaluate`` (use the global ``dataset_utils``)."""

    def __init__(self) -> None:
        self._dataset_uri_to_path: dict[str, str] = {}

    def load_dataset_of_corpus(self, dataset_uri: str, tags: Sequence[str] = ("tag",),
                               split_by: str = "\\n") -> CorpusDataset:
        """Load a dataset of type ``CORPUS`` as a :class:`CorpusDataset`.

        :param dataset_uri: URI (local path, file:// or http(s)://) of the dataset zip
        :param tags: the tag columns to read, in order
        :param split_by: the token that ends a sentence (the two characters backslash-n)
        """
        return CorpusDataset(self.download_dataset_from_uri(dataset_uri), tags, split_by)

    def load_dataset_of_image_files(self, dataset_uri: str, image_size=None) -> ImageFilesDataset:
        """Load a dataset of type ``IMAGE_FILES`` as an :class:`ImageFilesDataset`.

        :param dataset_uri: URI (local path, file:// or http(s)://) of the dataset zip
        :param image_size: None to keep the images' size (they must all be the same), an int
            for square images, or (width, height) to resize every image to
        """
        return ImageFilesDataset(self.download_dataset_from_uri(dataset_uri), image_size)

    def resize_as_images(self, images, image_size) -> np.ndarray:
        """Resize N grayscale images (N 2D arrays or lists) to ``image_size`` ((width, height)
        or an int), returned as an (N, height, width) uint8 array."""
        size = normalize_image_size(image_size)
        if size is None:
            return np.asarray(images, dtype=np.uint8)
        resized = [resize_image(np.asarray(image, dtype=np.uint8), size) for image in images]
        if not resized:
            return np.zeros((0, size[1], size[0]), dtype=np.uint8)
        return np.stack(resized)

    def resize_as_image(self, image, image_size) -> np.ndarray:
        """Resize one grayscale image (2D array or list); Rafiki's older, singular form."""
        return self.resize_as_images([image], image_size)[0]

    def download_dataset_from_uri(self, dataset_uri: str) -> str:
        """Make sure the dataset at the URI is a local file, downloading it if remote (with a
        progress bar on stderr, into the workbench's cache folder), and return its path."""
        dataset_uri = os.fspath(dataset_uri)
        if dataset_uri not in self._dataset_uri_to_path:
            self._dataset_uri_to_path[dataset_uri] = _download(dataset_uri)
        return self._dataset_uri_to_path[dataset_uri]


dataset_utils = ModelDatasetUtils()
