"""The window summarises an untrusted dataset zip in a child process: whatever the zip holds,
the window's own peak memory (its real peak RSS) grows by less than ~200 MB."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.sdk.test_dataset_budget import gray_png
from tests.sdk.test_dataset_zips import make_image_zip

WINDOW_SIDE = """
import json, resource, sys
from rafiki_gui.dataset_loader import read_dataset_view_isolated
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
view = read_dataset_view_isolated(sys.argv[1])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"size": view.summary.size, "shape": view.summary.image_shape,
                  "preview": None if view.images is None else list(view.images.shape),
                  "grew_mb": (peak - before) / 1024}))
"""


@pytest.mark.slow
def test_summarising_a_large_dataset_does_not_grow_the_window(tmp_path):
    # 4 x 6000x6000 grayscale PNGs: a 30 KB zip that decodes to 137 MB (about 280 MB to load)
    path = make_image_zip(tmp_path / "large.zip", [gray_png(6000, 6000)] * 4, [0, 1, 2, 3])
    env = {**os.environ, "RAFIKI_DATASET_CACHE_MB": "0"}
    done = subprocess.run([sys.executable, "-c", WINDOW_SIDE, str(path)], env=env, check=True,
                          capture_output=True, text=True, timeout=300)
    result = json.loads(done.stdout)
    assert result["size"] == 4 and result["shape"] == [6000, 6000]
    assert result["preview"] == [4, 256, 256]  # thumbnails come back, scaled down
    assert result["grew_mb"] < 200


def test_an_unreadable_zip_comes_back_as_a_message_naming_it(tmp_path):
    from rafiki_gui.dataset_loader import read_dataset_view_isolated
    path = tmp_path / "no.zip"
    path.write_bytes(b"not a zip")
    try:
        read_dataset_view_isolated(str(path))
    except ValueError as exc:
        assert str(exc).startswith(f"{path}: is not a zip archive")
    else:
        raise AssertionError("no error")
