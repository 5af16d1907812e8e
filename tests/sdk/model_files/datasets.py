"""Tiny IMAGE_FILES and CORPUS zips in Rafiki's formats, written by the tests themselves."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from PIL import Image


def write_image_zip(path: Path, classes: list[int], size: int = 4) -> Path:
    """An IMAGE_FILES zip: one small grayscale PNG per entry of ``classes``, and images.csv."""
    with zipfile.ZipFile(path, "w") as archive:
        rows = ["path,class"]
        for i, label in enumerate(classes):
            image = Image.new("L", (size, size), color=(label * 40) % 256)
            buffer = io.BytesIO()
            image.save(buffer, format="PNG")
            archive.writestr(f"images/{i}.png", buffer.getvalue())
            rows.append(f"images/{i}.png,{label}")
        archive.writestr("images.csv", "\n".join(rows) + "\n")
    return path


def write_corpus_zip(path: Path, sentences: list[list[tuple[str, int]]]) -> Path:
    """A CORPUS zip: corpus.tsv of token and tag columns, each sentence ended by a `\\n` row."""
    lines = ["token\ttag"]
    for sentence in sentences:
        lines += [f"{token}\t{tag}" for token, tag in sentence]
        lines.append("\\n\t")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("corpus.tsv", "\n".join(lines) + "\n")
    return path
