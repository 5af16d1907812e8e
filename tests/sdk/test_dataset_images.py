"""IMAGE_FILES datasets: decoding matches Pillow, Rafiki's API shapes, and every bad input."""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile

import numpy as np
import pytest
from PIL import Image

from rafiki.model import DatasetError, ImageFilesDataset, dataset_utils

from .test_dataset_zips import bomb_png, make_image_zip, png_bytes, sample_images


@pytest.fixture(autouse=True)
def private_temp_and_cwd(tmp_path, monkeypatch, rafiki_home):
    """Every test runs in an empty working folder with an empty temp folder, both checked to be
    still empty afterwards: loading reads archives in place and never extracts them."""
    work, temp = tmp_path / "cwd", tmp_path / "temp"
    work.mkdir()
    temp.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    yield
    assert list(work.iterdir()) == [] and list(temp.iterdir()) == []


def pillow_decode(data: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(data))
    if image.mode.startswith("I;16"):
        return (np.asarray(image, dtype=np.uint16) >> 8).astype(np.uint8)
    return np.asarray(image.convert("L"))


def test_grayscale_pngs_decode_exactly_as_pillow_does_across_every_filter(tmp_path):
    images = sample_images(300, height=7, width=9)
    path = make_image_zip(tmp_path / "gray.zip", images, [i % 3 for i in range(300)])
    dataset = ImageFilesDataset(str(path))
    assert dataset.images.shape == (300, 7, 9)
    np.testing.assert_array_equal(dataset.images, images)


def test_decoding_on_several_threads_gives_the_same_images(tmp_path, monkeypatch):
    import rafiki.model.dataset_images as images_module
    images = sample_images(400, height=9, width=7, seed=3)
    path = make_image_zip(tmp_path / "threads.zip", images, [i % 5 for i in range(400)])
    monkeypatch.setattr(images_module, "PARALLEL_MIN_IMAGES", 10)
    monkeypatch.setattr(images_module, "PARALLEL_MIN_FILE_BYTES", 0)
    monkeypatch.setattr(images_module.os, "cpu_count", lambda: 2)
    assert images_module.decoding_threads(400, 100) == 2
    loaded = images_module.load_image_files(str(path))
    np.testing.assert_array_equal(loaded.images, images)
    assert loaded.classes.tolist() == [i % 5 for i in range(400)]


def test_other_formats_are_converted_to_grayscale_like_pillow(tmp_path):
    base = sample_images(8, height=6, width=6)
    rgb = np.stack([base[0], base[1], base[2]], axis=-1)
    encoded = [
        png_bytes(rgb),                                   # RGB
        png_bytes(base[1], "P"),                          # palette
        png_bytes(base[2] > 128),                         # 1-bit
        png_bytes(base[3].astype(np.uint16) * 257, "I;16"),  # 16-bit grayscale
        png_bytes(base[4], "LA"),                         # grayscale + alpha
        png_bytes(base[5], fmt="JPEG"),                   # JPEG
        png_bytes(rgb, "RGBA"),
        png_bytes(base[7]),                               # plain 8-bit grayscale
    ]
    names = [f"img/{i}.{'jpg' if i == 5 else 'png'}" for i in range(8)]
    path = make_image_zip(tmp_path / "mixed.zip", encoded, range(8), names=names)
    dataset = ImageFilesDataset(str(path))
    for index, data in enumerate(encoded):
        image, label = dataset[index]
        assert image.dtype == np.uint8 and image.ndim == 2 and label == index
        np.testing.assert_array_equal(image, pillow_decode(data))


def test_rafiki_api_shapes_size_classes_indexing_and_iteration(tmp_path):
    images = sample_images(12, height=4, width=3)
    classes = [0, 1, 4, 1, 0, 4, 0, 1, 4, 0, 1, 4]  # classes 2 and 3 absent: still 5 classes
    path = make_image_zip(tmp_path / "api.zip", images, classes)
    dataset = dataset_utils.load_dataset_of_image_files(str(path))
    assert (dataset.size, len(dataset), dataset.classes) == (12, 12, 5)
    image, label = dataset[2]
    assert isinstance(label, int) and label == 4
    assert image.shape == (4, 3) and image.dtype == np.uint8
    image[0, 0] = 255 - image[0, 0]  # a model may scribble on its copy
    np.testing.assert_array_equal(dataset[2][0], images[2])
    np.testing.assert_array_equal(dataset[-1][0], images[-1])
    with pytest.raises(IndexError):
        dataset[12]
    pairs = list(dataset)
    assert [label for _, label in dataset[1:4]] == classes[1:4]
    assert [label for _, label in pairs] == classes
    np.testing.assert_array_equal(np.stack([image for image, _ in pairs]), images)


def test_paths_in_images_csv_are_normalised_and_csv_quoting_is_understood(tmp_path):
    images = sample_images(2)
    names = ["images/a, b.png", "images/c.png"]
    csv_text = 'path,class\n"./images/a, b.png",1\r\nimages//c.png,0\r\n\r\n'
    path = make_image_zip(tmp_path / "quoted.zip", images, None, names=names, csv_text=csv_text)
    dataset = ImageFilesDataset(str(path))
    assert dataset.image_classes.tolist() == [1, 0]


@pytest.mark.parametrize("image_size, shape", [(4, (4, 4)), ((6, 3), (3, 6)), ([2, 5], (5, 2))])
def test_image_size_resizes_every_image_even_of_mixed_sizes(tmp_path, image_size, shape):
    images = [sample_images(1, 8, 8)[0], sample_images(1, 5, 9)[0]]
    path = make_image_zip(tmp_path / "sizes.zip", images, [0, 1])
    dataset = dataset_utils.load_dataset_of_image_files(str(path), image_size=image_size)
    assert dataset.images.shape == (2, *shape)
    expected = Image.fromarray(images[1]).resize((shape[1], shape[0]), Image.Resampling.BICUBIC)
    np.testing.assert_array_equal(dataset[1][0], np.asarray(expected))


def test_resize_as_images_takes_lists_or_arrays():
    images = [[[0, 255], [255, 0]], np.full((3, 3), 7, dtype=np.uint8)]
    resized = dataset_utils.resize_as_images(images, (4, 2))
    assert resized.shape == (2, 2, 4) and resized.dtype == np.uint8
    assert (resized[1] == 7).all()
    assert dataset_utils.resize_as_image(images[1], 5).shape == (5, 5)
    with pytest.raises(ValueError, match="image_size"):
        dataset_utils.resize_as_images(images, (0, 3))


def test_an_empty_images_csv_is_an_empty_dataset(tmp_path):
    path = make_image_zip(tmp_path / "none.zip", [], [])
    dataset = ImageFilesDataset(str(path))
    assert (dataset.size, dataset.classes, list(dataset)) == (0, 0, [])


BAD_ROWS = {
    "non-integer class": ("path,class\nimages/0.png,0\nimages/1.png,cat\n", 3, "not an integer"),
    "fractional class": ("path,class\nimages/0.png,1.5\n", 2, "not an integer"),
    "negative class": ("path,class\nimages/0.png,0\nimages/1.png,-1\n", 3, "negative"),
    "absent image": ("path,class\nimages/0.png,0\nimages/9.png,1\n", 3, "not in the archive"),
    "escaping path": ("path,class\nimages/0.png,0\n../1.png,1\n", 3, "escapes the archive"),
    "absolute path": ("path,class\n/images/0.png,0\n", 2, "absolute path"),
    "missing field": ("path,class\nimages/0.png\n", 2, "expected 2 comma-separated"),
    "bad header": ("file,label\nimages/0.png,0\n", 1, "'path' and 'class'"),
}


@pytest.mark.timeout(30)
@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_bad_rows_name_the_file_and_the_images_csv_line(tmp_path, case):
    csv_text, line, words = BAD_ROWS[case]
    path = make_image_zip(tmp_path / "bad.zip", sample_images(2), None, csv_text=csv_text)
    with pytest.raises(DatasetError) as caught:
        dataset_utils.load_dataset_of_image_files(str(path))
    assert isinstance(caught.value, ValueError)
    message = str(caught.value)
    assert str(path) in message and f"images.csv line {line}" in message and words in message


CORRUPT = {
    "garbage bytes": b"this is not an image at all",
    "truncated png": png_bytes(sample_images(1)[0])[:40],
    "bad crc": png_bytes(sample_images(1)[0]).replace(b"IDAT", b"IDAT\x00", 1)[:-3] + b"xyz",
    "empty file": b"",
}


@pytest.mark.timeout(30)
@pytest.mark.parametrize("case", list(CORRUPT))
def test_a_corrupt_image_names_the_file_image_and_line(tmp_path, case):
    images = list(sample_images(3)) + [CORRUPT[case]] + list(sample_images(2))
    path = make_image_zip(tmp_path / "corrupt.zip", images, [0] * 6)
    with pytest.raises(DatasetError) as caught:
        ImageFilesDataset(str(path))
    message = str(caught.value)
    assert str(path) in message and "images.csv line 5" in message
    assert "'images/3.png' cannot be decoded" in message


@pytest.mark.timeout(30)
def test_a_decompression_bomb_is_refused_from_its_header(tmp_path):
    images = list(sample_images(2)) + [bomb_png()]
    path = make_image_zip(tmp_path / "bomb.zip", images, [0, 1, 0])
    with pytest.raises(DatasetError) as caught:
        ImageFilesDataset(str(path))
    message = str(caught.value)
    assert "images.csv line 4" in message and "100000x100000" in message
    assert "decompression bomb" in message


@pytest.mark.timeout(30)
def test_a_bomb_in_another_format_is_refused_too(tmp_path):
    bmp = bytearray(png_bytes(sample_images(1)[0], fmt="BMP"))
    bmp[18:26] = (50_000).to_bytes(4, "little") + (50_000).to_bytes(4, "little")
    path = make_image_zip(tmp_path / "bmp.zip", [bytes(bmp)], [0], names=["a.bmp"])
    with pytest.raises(DatasetError, match="decompression bomb"):
        ImageFilesDataset(str(path))


@pytest.mark.parametrize("image_size", [None, 4])
def test_a_dataset_decoding_to_too_many_pixels_in_all_stops_at_that_row(tmp_path, image_size):
    import zipfile

    import rafiki.model.dataset_images as images_module
    path = make_image_zip(tmp_path / "many.zip", sample_images(40, 4, 4), [0] * 40)
    with zipfile.ZipFile(path) as archive:
        csv_size = archive.getinfo("images.csv").file_size
    listing = csv_size + 42 * images_module.ROW_BYTES  # 42 lines: header, 40 rows, the end
    # room for 10 images of 4x4 kept, and the 11th's moment of decoding
    budget = listing + 10 * images_module.PIXEL_COPIES * 16 + images_module.TRANSIENT_COPIES * 8
    with pytest.raises(DatasetError) as caught:
        images_module.load_image_files(str(path), image_size, budget_bytes=budget)
    message = str(caught.value)
    assert "images.csv line 12" in message and "RAFIKI_DATASET_BUDGET_MB" in message
    assert len(images_module.load_image_files(str(path), image_size,
                                              budget_bytes=budget + 40 * 32).classes) == 40


def test_mixed_sizes_without_image_size_name_the_first_odd_row(tmp_path):
    images = [sample_images(1, 4, 4)[0]] * 3 + [sample_images(1, 5, 4)[0]]
    path = make_image_zip(tmp_path / "mixed.zip", images, [0, 1, 0, 1])
    with pytest.raises(DatasetError) as caught:
        ImageFilesDataset(str(path))
    message = str(caught.value)
    assert "images.csv line 5" in message and "4x5" in message and "image_size" in message


def test_missing_images_csv_and_non_zip(tmp_path):
    from .test_dataset_zips import make_zip
    path = make_zip(tmp_path / "noindex.zip", {"images/0.png": png_bytes(sample_images(1)[0])})
    with pytest.raises(DatasetError, match="no images.csv"):
        ImageFilesDataset(str(path))
    text = tmp_path / "text.zip"
    text.write_text("path,class\n")
    with pytest.raises(DatasetError, match="not a zip"):
        dataset_utils.load_dataset_of_image_files(str(text))


@pytest.mark.parametrize("name, count", [("digits_train.zip", 1437), ("digits_test.zip", 360)])
def test_real_digits_decode_exactly_as_pillow(shared_dataset, name, count):
    path = shared_dataset(name)
    dataset = dataset_utils.load_dataset_of_image_files(str(path))
    assert (dataset.size, dataset.classes, dataset.images.shape[1:]) == (count, 10, (8, 8))
    with zipfile.ZipFile(path) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("images.csv").decode())))
        for index, row in enumerate(rows):
            image, label = dataset[index]
            assert label == int(row["class"])
            np.testing.assert_array_equal(image, pillow_decode(archive.read(row["path"])))
