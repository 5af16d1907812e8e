"""Loading an IMAGE_FILES zip (``images.csv`` of ``path,class`` + images) into arrays.

The archive is read in place (no extraction), images are decoded in batches on a few threads
(zlib and Pillow's decoders release the GIL), and every problem is reported with the dataset
file and the ``images.csv`` line that listed the image.
"""

from __future__ import annotations

import csv
import io
import os
import warnings
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from PIL import Image

from .dataset_budget import DecodedBudget
from .dataset_errors import InvalidDatasetFormatException
from .dataset_png import PngError, grayscale_scanlines, png_size, unfilter_batch
from .dataset_zip import DatasetZip, normalize_member_path, unsafe_member_reason

IMAGES_CSV = "images.csv"
MAX_IMAGE_PIXELS = 64 * 1024 * 1024
"""Largest image accepted (pixels, from its header, checked before decoding)."""
MAX_IMAGE_FILE_BYTES = 256 * 1024 * 1024
MAX_CSV_BYTES = 2 * 1024**3
ROW_BYTES = 200
"""Memory one images.csv line costs while loading (its (line, name, class) tuple, the name
string, the list slot and the csv reader's fields), counted against the budget before
parsing: 1M rows naming one PNG measured 353 MB peak, 64 MB of it pixels."""
PIXEL_COPIES = 2
"""Decoded pixels are held twice at the end of a load (the batches, then the stacked array)."""
GROUP_PIXELS = 4 * 1024 * 1024
"""Same-sized PNGs are unfiltered together up to this many pixels: the batch decode holds ~4
copies of a group for a moment (eight 8000x8000 PNGs in one group peaked at 5x their size)."""
TRANSIENT_COPIES = 4
"""Copies of one image's pixels decoding it holds for a moment (inflated scanlines, the
stacked block, its zlib wrapping, Pillow's image and its bytes), checked against the budget
before it is inflated."""
_BATCH = 2048
_IMAGE = "image {!r}"
_IMAGE_SO_FAR = "image {!r} (with those listed before it)"
_LARGEST_CLASS = int(np.iinfo(np.int64).max)
PARALLEL_MIN_IMAGES = 256
PARALLEL_MIN_FILE_BYTES = 64 * 1024
"""Decode on several threads only for at least this many images of at least this average
compressed size (see :func:`decoding_threads`)."""
_PILLOW_FORMATS = ["PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP", "PPM"]


@dataclass
class ImageArrays:
    """Decoded images (n, height, width) uint8 and their classes (n,) int64."""

    images: np.ndarray
    classes: np.ndarray


def normalize_image_size(image_size) -> tuple[int, int] | None:
    """Rafiki's ``image_size``: None, an int (square) or (width, height) as Pillow takes it."""
    if image_size is None:
        return None
    if isinstance(image_size, (int, np.integer)) and not isinstance(image_size, bool):
        size = (int(image_size), int(image_size))
    else:
        try:
            width, height = image_size
            size = (int(width), int(height))
        except (TypeError, ValueError):
            raise ValueError(f"image_size must be None, an int or (width, height), "
                             f"not {image_size!r}") from None
    if min(size) <= 0:
        raise ValueError(f"image_size must be positive, not {image_size!r}")
    return size


def read_image_list(archive: DatasetZip,
                    budget: DecodedBudget | None = None) -> list[tuple[int, str, int]]:
    """(line, member name, class) for each row of images.csv, every row checked; its size and
    its number of lines are counted against ``budget`` before it is inflated and parsed."""
    if not archive.has(IMAGES_CSV):
        raise InvalidDatasetFormatException(
            archive.path, f"no {IMAGES_CSV} at the root of the zip (an IMAGE_FILES dataset "
            f"lists its images as 'path,class' rows in {IMAGES_CSV})")
    budget = budget or DecodedBudget(archive.path)
    budget.take(archive.info(IMAGES_CSV).file_size, f"{IMAGES_CSV} (inflated)", IMAGES_CSV)
    data = archive.read(IMAGES_CSV, MAX_CSV_BYTES)
    # counted in C before any row is parsed: 200 MB of blank lines took 92 s to skip one by one
    lines = data.count(b"\n") + 1
    budget.take(lines * ROW_BYTES, f"its {lines:,} lines", IMAGES_CSV)
    try:
        data.decode("utf-8-sig")  # checked whole first, so the error can name the line
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InvalidDatasetFormatException(archive.path, "is not UTF-8 text",
                                            IMAGES_CSV, line) from None
    # a stream over the bytes: io.StringIO of the text held 4 bytes a character (1.4 GB for
    # 200 MB of NUL bytes)
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    try:
        return _parse_image_rows(archive, reader)
    except csv.Error as exc:
        raise InvalidDatasetFormatException(
            archive.path, f"is not readable CSV ({exc})", IMAGES_CSV,
            reader.line_num or 1) from None


def _parse_image_rows(archive: DatasetZip, reader) -> list[tuple[int, str, int]]:
    header = [h.strip() for h in next(reader, [])]
    if "path" not in header or "class" not in header:
        raise InvalidDatasetFormatException(
            archive.path, f"header must name the columns 'path' and 'class', found {header}",
            IMAGES_CSV, 1)
    path_col, class_col = header.index("path"), header.index("class")
    rows = []
    for fields in reader:
        line = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(header):
            raise InvalidDatasetFormatException(
                archive.path, f"expected {len(header)} comma-separated fields, found "
                f"{len(fields)}", IMAGES_CSV, line)
        path, label = fields[path_col].strip(), fields[class_col].strip()
        reason = unsafe_member_reason(path)
        if reason:
            raise InvalidDatasetFormatException(
                archive.path, f"image path {path!r} {reason}", IMAGES_CSV, line)
        name = normalize_member_path(path)
        if not archive.has(name):
            raise InvalidDatasetFormatException(
                archive.path, f"image {path!r} is not in the archive", IMAGES_CSV, line)
        try:
            value = int(label)
        except ValueError:
            raise InvalidDatasetFormatException(
                archive.path, f"class {label!r} is not an integer", IMAGES_CSV, line) from None
        if value < 0:
            raise InvalidDatasetFormatException(
                archive.path, f"class {value} is negative (classes are 0..k-1)", IMAGES_CSV, line)
        if value > _LARGEST_CLASS:
            raise InvalidDatasetFormatException(
                archive.path, f"class {label} is too large (at most {_LARGEST_CLASS:,})",
                IMAGES_CSV, line)
        rows.append((line, name, value))
    return rows


def _decode_with_pillow(archive: DatasetZip, data: bytes, line: int, name: str,
                        budget: DecodedBudget | None = None) -> np.ndarray:
    """Any format Pillow reads, converted to 8-bit grayscale, size checked before decoding
    (and counted against ``budget``, when given, as a moment's memory)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=_PILLOW_FORMATS)
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise InvalidDatasetFormatException(
                    archive.path, f"image {name!r} is {width}x{height} pixels, over the limit "
                    f"of {MAX_IMAGE_PIXELS:,} pixels (a decompression bomb?)", IMAGES_CSV, line)
            if budget is not None:  # RGBA decodes to 4 bytes a pixel before the conversion
                budget.check(5 * width * height, _IMAGE, IMAGES_CSV, line, name)
            image.load()
            if image.mode.startswith("I;16"):
                return (np.asarray(image, dtype=np.uint16) >> 8).astype(np.uint8)
            if image.mode != "L":
                image = image.convert("L")
            return np.asarray(image, dtype=np.uint8)
    except InvalidDatasetFormatException:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, EOFError) as exc:
        raise InvalidDatasetFormatException(
            archive.path, f"image {name!r} cannot be decoded ({exc})", IMAGES_CSV, line) from None


def _decode_batch(archive: DatasetZip, rows: list[tuple[int, str, int]],
                  size: tuple[int, int] | None,
                  budget: DecodedBudget) -> list[np.ndarray] | np.ndarray:
    """Decode one batch of rows: grayscale PNGs together (when kept at their size), anything
    else one by one; resized right away, so only one original is held at a time. Every
    image's header pixels are counted against the budget before it is inflated.

    Returns one (n, h, w) array when every image of the batch shared the fast path and size.
    """
    decoded: list[np.ndarray | None] = [None] * len(rows)
    same_size: dict[tuple[int, int], list[tuple[int, bytes]]] = defaultdict(list)
    flushed = False
    for index, (line, name, _) in enumerate(rows):
        data = archive.read(name, MAX_IMAGE_FILE_BYTES, line, IMAGES_CSV)
        header = png_size(data)
        if header is not None:
            pixels = header[0] * header[1]
            if pixels > MAX_IMAGE_PIXELS:
                raise InvalidDatasetFormatException(
                    archive.path, f"image {name!r}: image is {header[0]}x{header[1]} pixels, "
                    f"over the limit of {MAX_IMAGE_PIXELS:,} pixels (a decompression bomb?)",
                    IMAGES_CSV, line)
            budget.check(TRANSIENT_COPIES * pixels, _IMAGE, IMAGES_CSV, line, name)
            if size is None:
                budget.take(PIXEL_COPIES * pixels, _IMAGE_SO_FAR, IMAGES_CSV, line, name)
        try:
            fast = grayscale_scanlines(data, MAX_IMAGE_PIXELS)
        except PngError:
            fast = None
        except ValueError as exc:
            raise InvalidDatasetFormatException(
                archive.path, f"image {name!r}: {exc}", IMAGES_CSV, line) from None
        if fast is not None and size is None:
            group = same_size[fast[:2]]
            group.append((index, fast[2]))
            if len(group) * fast[0] * fast[1] >= GROUP_PIXELS:
                _unfilter_group(archive, rows, decoded, fast[0], fast[1], group)
                del same_size[fast[:2]]
                flushed = True
            continue
        image = None
        if fast is not None:
            try:
                image = unfilter_batch(fast[0], fast[1], [fast[2]])[0]
            except (OSError, ValueError):
                pass
        if image is None:
            image = _decode_with_pillow(archive, data, line, name, budget)
            if header is None and size is None:  # a format whose size only Pillow knew
                budget.take(PIXEL_COPIES * image.size, _IMAGE_SO_FAR, IMAGES_CSV, line, name)
        if size is not None:
            image = resize_image(image, size)
            budget.take(PIXEL_COPIES * image.size, _IMAGE_SO_FAR, IMAGES_CSV, line, name)
        decoded[index] = image
    if not flushed and len(same_size) == 1 and \
            len(next(iter(same_size.values()))) == len(rows):
        (width, height), items = next(iter(same_size.items()))
        try:
            return unfilter_batch(width, height, [lines for _, lines in items])
        except (OSError, ValueError):
            pass  # decoded one by one below, which names the broken image
    for (width, height), items in same_size.items():
        _unfilter_group(archive, rows, decoded, width, height, items)
    return decoded


def _unfilter_group(archive: DatasetZip, rows, decoded: list, width: int, height: int,
                    items: list[tuple[int, bytes]]) -> None:
    """Decode same-sized scanline blocks together into ``decoded``; when the batch decode
    fails, one by one, so the broken image is named."""
    try:
        block = unfilter_batch(width, height, [lines for _, lines in items])
    except (OSError, ValueError):
        for index, _ in items:
            line, name, _ = rows[index]
            data = archive.read(name, MAX_IMAGE_FILE_BYTES, line, IMAGES_CSV)
            decoded[index] = _decode_with_pillow(archive, data, line, name)
        return
    for position, (index, _) in enumerate(items):
        decoded[index] = block[position]


def _same_size_stack(archive: DatasetZip, rows, batches: list) -> np.ndarray:
    """All decoded images as one array, or an error naming the first of another size."""
    first = batches[0][0].shape
    if all(isinstance(b, np.ndarray) and b.shape[1:] == first for b in batches):
        return np.concatenate(batches)
    images = [image for batch in batches for image in batch]
    for (line, name, _), image in zip(rows, images, strict=True):
        if image.shape != first:
            raise InvalidDatasetFormatException(
                archive.path, f"image {name!r} is {image.shape[1]}x{image.shape[0]} but the "
                f"first is {first[1]}x{first[0]}; images of mixed sizes need image_size=",
                IMAGES_CSV, line)
    return np.stack(images)


def resize_image(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A 2D grayscale array resized to (width, height) with Pillow's bicubic filter."""
    if image.shape == (size[1], size[0]):
        return image
    resized = Image.fromarray(image).resize(size, Image.Resampling.BICUBIC)
    return np.asarray(resized, dtype=np.uint8)


def decoding_threads(count: int, average_file_bytes: float) -> int:
    """Threads worth using: only for large images, where zlib and Pillow's C decoders (which
    release the GIL) dominate; for small ones the per-image Python work holds the GIL and
    threads measured slower (0.74 s on one thread, 0.82 s on two, for 60,000 28x28 PNGs)."""
    if count < PARALLEL_MIN_IMAGES or average_file_bytes < PARALLEL_MIN_FILE_BYTES:
        return 1
    return max(1, min(4, os.cpu_count() or 1))


def load_image_files(dataset_path: str, image_size=None,
                     budget_bytes: int | None = None) -> ImageArrays:
    """Decode every image listed in the dataset's images.csv (resized when asked), within the
    decoded-size budget (``RAFIKI_DATASET_BUDGET_MB`` unless ``budget_bytes`` is given)."""
    size = normalize_image_size(image_size)
    with DatasetZip(dataset_path) as archive:
        budget = DecodedBudget(archive.path, budget_bytes)
        rows = read_image_list(archive, budget)
        packed = sum(archive.info(name).compress_size for _, name, _ in rows)
        threads = decoding_threads(len(rows), packed / max(1, len(rows)))
        step = _BATCH if threads == 1 else max(16, -(-len(rows) // (threads * 4)))
        batches = [rows[i:i + step] for i in range(0, len(rows), step)]
        if threads > 1:
            with ThreadPoolExecutor(threads, thread_name_prefix="rafiki-decode") as pool:
                decoded = list(pool.map(
                    lambda batch: _decode_batch(archive, batch, size, budget), batches))
        else:
            decoded = [_decode_batch(archive, batch, size, budget) for batch in batches]
        if not rows:
            stacked = np.zeros((0, size[1], size[0]) if size else (0, 0, 0), dtype=np.uint8)
        elif size is not None:
            stacked = np.stack([image for batch in decoded for image in batch])
        else:
            stacked = _same_size_stack(archive, rows, decoded)
    classes = np.fromiter((label for _, _, label in rows), dtype=np.int64, count=len(rows))
    return ImageArrays(stacked, classes)
