"""Dataset URIs: local paths, file://, and http(s) downloads into the cache folder."""

from __future__ import annotations

import functools
import http.server
import io
import socket
import threading
from pathlib import Path

import pytest

from rafiki.model import ModelDatasetUtils
from rafiki.model.dataset_download import download_dataset_from_uri
from rafiki.model.dataset_errors import (
    DatasetDownloadError,
    DatasetError,
    InvalidDatasetProtocolException,
)

from .test_dataset_zips import make_image_zip, sample_images


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def serve(folder: Path):
    """A real HTTP server on localhost serving ``folder``; returns (base URL, stop)."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(5)
    return f"http://127.0.0.1:{server.server_address[1]}", stop


@pytest.fixture
def http_folder(tmp_path):
    """A served temp folder; yields (folder, base URL)."""
    folder = tmp_path / "served"
    folder.mkdir()
    base, stop = serve(folder)
    yield folder, base
    stop()


@pytest.fixture
def empty_cwd(tmp_path, monkeypatch):
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    yield work
    assert list(work.iterdir()) == [], "a download must never land in the working folder"


def test_local_paths_and_file_uris(tmp_path):
    path = make_image_zip(tmp_path / "my data.zip", sample_images(2), [0, 1])
    assert download_dataset_from_uri(str(path)) == str(path)
    assert Path(download_dataset_from_uri(path.as_uri())) == path
    utils = ModelDatasetUtils()
    assert utils.load_dataset_of_image_files(path.as_uri()).size == 2


@pytest.mark.parametrize("uri, error, words", [
    ("ftp://example.com/x.zip", InvalidDatasetProtocolException, "unsupported URI scheme 'ftp'"),
    ("file://otherhost/x.zip", InvalidDatasetProtocolException, "another host"),
    ("/no/such/dataset.zip", DatasetError, "no such file"),
])
def test_bad_uris_are_clear_errors(uri, error, words):
    with pytest.raises(error, match=words) as caught:
        download_dataset_from_uri(uri)
    assert uri in str(caught.value)


def test_http_download_goes_to_the_cache_with_a_progress_bar(
        http_folder, rafiki_home, empty_cwd, capfd):
    folder, base = http_folder
    make_image_zip(folder / "digits.zip", sample_images(30), [i % 3 for i in range(30)])
    dataset = ModelDatasetUtils().load_dataset_of_image_files(f"{base}/digits.zip")
    assert dataset.size == 30 and dataset.classes == 3
    assert Path(dataset.path).parent == rafiki_home / "cache" / "downloads"
    assert Path(dataset.path).read_bytes() == (folder / "digits.zip").read_bytes()
    err = capfd.readouterr().err
    assert "Downloading digits.zip [" in err and "MiB" in err


def test_a_second_download_revalidates_and_reuses_the_copy(http_folder, rafiki_home, empty_cwd):
    folder, base = http_folder
    (folder / "d.zip").write_bytes(b"PK-first")
    progress = io.StringIO()
    first = download_dataset_from_uri(f"{base}/d.zip", progress=progress)
    mtime = Path(first).stat().st_mtime_ns
    second = download_dataset_from_uri(f"{base}/d.zip", progress=progress)
    assert second == first and Path(second).stat().st_mtime_ns == mtime  # 304: not rewritten


@pytest.mark.timeout(60)
def test_http_errors_and_unreachable_hosts_say_so(http_folder, rafiki_home):
    _, base = http_folder
    with pytest.raises(DatasetDownloadError, match="HTTP 404") as caught:
        download_dataset_from_uri(f"{base}/absent.zip", progress=io.StringIO())
    assert f"{base}/absent.zip" in str(caught.value)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    uri = f"http://127.0.0.1:{port}/x.zip"
    with pytest.raises(DatasetDownloadError, match="cannot download") as caught:
        download_dataset_from_uri(uri, progress=io.StringIO(), timeout=5)
    assert uri in str(caught.value) and isinstance(caught.value, ValueError)
    assert not list((rafiki_home / "cache" / "downloads").glob("*.part"))


def test_an_unreachable_server_falls_back_to_the_copy_downloaded_before(
        tmp_path, rafiki_home, capfd):
    folder = tmp_path / "served"
    folder.mkdir()
    (folder / "d.zip").write_bytes(b"PK-copy")
    base, stop = serve(folder)
    try:
        first = download_dataset_from_uri(f"{base}/d.zip", progress=io.StringIO())
    finally:
        stop()
    again = download_dataset_from_uri(f"{base}/d.zip", progress=io.StringIO(), timeout=5)
    assert again == first and Path(again).read_bytes() == b"PK-copy"
    assert "unreachable" in capfd.readouterr().err
