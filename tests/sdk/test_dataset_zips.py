"""Builders of small dataset zips for the dataset tests, and tests of reading zips in place."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from rafiki.model.dataset_errors import DatasetError
from rafiki.model.dataset_zip import DatasetZip, normalize_member_path, unsafe_member_reason


def png_bytes(pixels: np.ndarray, mode: str | None = None, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image = Image.fromarray(pixels)
    if mode:
        image = image.convert(mode)
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b""))


def sample_images(count: int, height: int = 6, width: int = 5, seed: int = 0) -> np.ndarray:
    """Images with gradients, flat areas and noise, so the PNG encoder uses every filter."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:height, 0:width]
    images = []
    for index in range(count):
        kind = index % 4
        if kind == 0:
            image = rng.integers(0, 256, (height, width))
        elif kind == 1:
            image = (ys * 17 + xs * 29 + index) % 256
        elif kind == 2:
            image = np.full((height, width), index % 256)
        else:
            image = (ys * xs * 7 + rng.integers(0, 8, (height, width))) % 256
        images.append(image.astype(np.uint8))
    return np.stack(images)


def make_zip(path: Path, members: dict[str, bytes | str],
             compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def make_image_zip(path: Path, images, classes, names=None, csv_text=None, extra=None,
                   compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """An IMAGE_FILES zip: each image is an array (saved as PNG) or ready-made bytes."""
    names = names or [f"images/{i}.png" for i in range(len(images))]
    members = {}
    for name, image in zip(names, images, strict=True):
        members[name] = image if isinstance(image, bytes) else png_bytes(image)
    if csv_text is None:
        csv_text = "path,class\n" + "".join(
            f"{n},{c}\n" for n, c in zip(names, classes, strict=True))
    members["images.csv"] = csv_text
    members.update(extra or {})
    return make_zip(path, members, compression)


def make_corpus_zip(path: Path, text: str) -> Path:
    return make_zip(path, {"corpus.tsv": text})


def test_not_a_zip_empty_file_missing_file_and_folder_are_clear_errors(tmp_path):
    text = tmp_path / "notes.zip"
    text.write_text("just text")
    empty = tmp_path / "empty.zip"
    empty.write_bytes(b"")
    for path, words in [(text, "is not a zip"), (empty, "is not a zip"),
                        (tmp_path / "absent.zip", "no such file"), (tmp_path, "is a folder")]:
        with pytest.raises(DatasetError) as caught:
            DatasetZip(path)
        assert str(path) in str(caught.value) and words in str(caught.value)


@pytest.mark.parametrize("name", ["../x.png", "images/../../x.png", "/etc/x.png",
                                  "C:/x.png", "..\\x.png"])
def test_an_entry_escaping_the_archive_refuses_the_file(tmp_path, name):
    path = make_zip(tmp_path / "escape.zip", {"images.csv": "path,class\n", name: b"x"})
    with pytest.raises(DatasetError, match="refusing the file") as caught:
        DatasetZip(path)
    assert repr(name) in str(caught.value) and "escape.zip" in str(caught.value)


def test_member_names_are_checked_and_normalized():
    assert unsafe_member_reason("images/a..b.png") is None
    assert unsafe_member_reason("images/../a.png")
    assert normalize_member_path("./images//a.png") == "images/a.png"
    assert normalize_member_path("images\\a.png") == "images/a.png"


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED,
                                         zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_members_read_in_place_whatever_the_compression(tmp_path, compression):
    payload = bytes(range(256)) * 50
    path = make_zip(tmp_path / "any.zip", {"a.bin": payload, "b.txt": "hello"}, compression)
    with DatasetZip(path) as archive:
        assert archive.read("a.bin", 1 << 20) == payload
        assert archive.read("b.txt", 100) == b"hello"


def test_a_member_over_the_limit_is_refused_before_inflating(tmp_path):
    path = make_zip(tmp_path / "bomb.zip", {"big.bin": b"\0" * 1_000_000})
    with DatasetZip(path) as archive, pytest.raises(DatasetError, match="decompression bomb"):
        archive.read("big.bin", 1000)


def test_a_corrupt_member_is_named(tmp_path):
    path = make_zip(tmp_path / "bad.zip", {"a.bin": b"A" * 1000}, zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    data[data.index(b"AAAA")] = ord("B")
    path.write_bytes(bytes(data))
    with DatasetZip(path) as archive, pytest.raises(DatasetError, match="'a.bin' is corrupt"):
        archive.read("a.bin", 10_000)
