"""Dataset loading against the naive way, and cached reloads in a new process.

Makes its own inputs in a temp folder: an IMAGE_FILES zip of 60,000 28x28 digit-like PNGs and
a CORPUS zip of 1,000,000 tokens (with quote tokens). Baselines, measured in the same run:
images: extract the zip to a temp folder and open each file with Pillow (as Rafiki did);
corpus: extract and read corpus.tsv with a csv.DictReader loop like Rafiki's. Prints seconds
and ratios (workbench / baseline). Run: python bench/bench_datasets.py [--images N] [--tokens N]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent


def make_image_zip(path: Path, count: int) -> None:
    """Digit-like images: a few thick random strokes on black, antialiased by downscaling."""
    rng = np.random.default_rng(0)
    rows = ["path,class"]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for index in range(count):
            canvas = Image.new("L", (56, 56))
            draw = ImageDraw.Draw(canvas)
            points = [tuple(int(v) for v in rng.integers(10, 46, 2)) for _ in range(4)]
            draw.line(points, fill=255, width=5)
            buffer = io.BytesIO()
            canvas.resize((28, 28), Image.Resampling.BILINEAR).save(buffer, format="PNG")
            name = f"images/{index}.png"
            archive.writestr(name, buffer.getvalue())
            rows.append(f"{name},{index % 10}")
        archive.writestr("images.csv", "\n".join(rows) + "\n")


def make_corpus_zip(path: Path, tokens: int) -> None:
    rng = np.random.default_rng(1)
    words = ["the", "cat", '"', "sat", "on", "mat", "O'Neil", "''", ",", ".", "running", "2024"]
    lines = ["token\ttag"]
    written = 0
    while written < tokens:
        length = int(rng.integers(5, 40))
        for word, tag in zip(rng.choice(words, length), rng.integers(0, 17, length),
                             strict=True):
            lines.append(f"{word}\t{tag}")
        lines.append("\\n\t")
        written += length
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("corpus.tsv", "\n".join(lines) + "\n")


def naive_images(path: Path) -> int:
    """Rafiki's way: extract everything, then open each listed file with Pillow."""
    total = 0
    with tempfile.TemporaryDirectory() as folder:
        with zipfile.ZipFile(path) as archive:
            archive.extractall(folder)
        with open(os.path.join(folder, "images.csv")) as file:
            rows = [(row["path"], int(row["class"])) for row in csv.DictReader(file)]
        for image_path, label in rows:
            with open(os.path.join(folder, image_path), "rb") as file:
                image = np.asarray(Image.open(io.BytesIO(file.read())))
            total += image.shape[0] + label
    return total


def naive_corpus(path: Path) -> int:
    """Rafiki's way: extract, then a csv.DictReader loop (with quoting off, so quote tokens
    parse; Rafiki's default quoting misread them)."""
    sentences, sentence = [], []
    with tempfile.TemporaryDirectory() as folder:
        with zipfile.ZipFile(path) as archive:
            archive.extractall(folder)
        with open(os.path.join(folder, "corpus.tsv")) as file:
            for row in csv.DictReader(file, dialect="excel-tab", quoting=csv.QUOTE_NONE):
                token = row.pop("token")
                if token == "\\n":
                    sentences.append(sentence)
                    sentence = []
                    continue
                sentence.append([token, int(row["tag"])])
    return len(sentences)


CHILD = """
import json, sys, time
start = time.perf_counter()
from rafiki.model import dataset_utils
imported = time.perf_counter()
if sys.argv[1] == "images":
    dataset = dataset_utils.load_dataset_of_image_files(sys.argv[2])
    count = sum(1 for image, label in dataset)
else:
    dataset = dataset_utils.load_dataset_of_corpus(sys.argv[2])
    count = sum(len(sentence) for sentence in dataset)
done = time.perf_counter()
print(json.dumps({"import": imported - start, "load_and_iterate": done - imported,
                  "count": count}))
"""


def in_new_process(kind: str, path: Path, env: dict) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, kind, str(path)], env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout)


def timed(function, *args) -> tuple[float, object]:
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=60_000)
    parser.add_argument("--tokens", type=int, default=1_000_000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rafiki-bench-datasets-") as folder:
        folder = Path(folder)
        env = {**os.environ, "RAFIKI_HOME": str(folder / "home"),
               "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        env.pop("RAFIKI_CACHE_DIR", None)
        env.pop("RAFIKI_DATASET_CACHE_MB", None)
        images, corpus = folder / "images.zip", folder / "corpus.zip"
        print(f"making {options.images:,} PNGs and {options.tokens:,} tokens ...", flush=True)
        make_image_zip(images, options.images)
        make_corpus_zip(corpus, options.tokens)
        print(f"images.zip {images.stat().st_size / 2**20:.1f} MiB, "
              f"corpus.zip {corpus.stat().st_size / 2**20:.1f} MiB")
        for kind, path, naive in [("images", images, naive_images),
                                  ("corpus", corpus, naive_corpus)]:
            baseline, _ = timed(naive, path)
            first = in_new_process(kind, path, env)   # cold: decodes and fills the cache
            cached = min((in_new_process(kind, path, env) for _ in range(3)),
                         key=lambda r: r["load_and_iterate"])
            load = first["load_and_iterate"]
            print(f"{kind}: naive {baseline:.2f} s | workbench first load+iterate {load:.2f} s "
                  f"(ratio {load / baseline:.3f}) | cached reload+iterate in a new process "
                  f"{cached['load_and_iterate'] * 1000:.0f} ms (ratio "
                  f"{cached['load_and_iterate'] / baseline:.4f}; import rafiki.model "
                  f"{cached['import'] * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
