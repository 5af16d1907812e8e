"""scripts/build_app.py without PyInstaller: the archive's name and contents (links kept as
links, unpacked with the system's own tools), and the size-by-component table."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import zipfile

import pytest

from ..conftest import PROJECT_ROOT


def _build_app():
    spec = importlib.util.spec_from_file_location("build_app",
                                                  PROJECT_ROOT / "scripts" / "build_app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_app = _build_app()


def _small_app(tmp_path):
    folder = tmp_path / "dist" / "rafiki-gui"
    (folder / "_internal" / "PySide6" / "Qt" / "lib").mkdir(parents=True)
    (folder / "rafiki-gui").write_bytes(b"#!exe" * 100)
    (folder / "rafiki-gui").chmod(0o755)
    qt = folder / "_internal" / "PySide6" / "Qt" / "lib" / "libQt6Core.so.6"
    qt.write_bytes(b"Q" * 4000)
    (folder / "_internal" / "libicudata.so.73").write_bytes(b"I" * 3000)
    (folder / "_internal" / "libxcb-icccm.so.4").write_bytes(b"X" * 200)
    (folder / "_internal" / "numpy.libs").mkdir()
    (folder / "_internal" / "numpy.libs" / "libscipy_openblas.so").write_bytes(b"B" * 2000)
    os.symlink("PySide6/Qt/lib/libQt6Core.so.6", folder / "_internal" / "libQt6Core.so.6")
    return folder


def test_archive_names_say_version_system_and_machine(tmp_path):
    version = build_app.version()
    assert build_app.archive_path(tmp_path, "linux", "x86_64").name == \
        f"rafiki-gui-{version}-linux-x86_64.tar.xz"
    assert build_app.archive_path(tmp_path, "win32", "AMD64").name == \
        f"rafiki-gui-{version}-windows-x86_64.zip"
    assert build_app.archive_path(tmp_path, "darwin", "arm64").name == \
        f"rafiki-gui-{version}-macos-arm64.zip"


@pytest.mark.skipif(shutil.which("tar") is None, reason="no tar here")
@pytest.mark.parametrize("xz_tool", [True, False], ids=["xz-tool", "python-lzma"])
def test_the_tar_xz_unpacks_with_tar_into_the_app_folder_with_links_kept(tmp_path, xz_tool,
                                                                       monkeypatch):
    """Packed by the xz tool when installed, else by Python's lzma (xz off the PATH)."""
    if xz_tool and shutil.which("xz") is None:
        pytest.skip("no xz tool here")
    tar = shutil.which("tar")
    folder = _small_app(tmp_path)
    target = tmp_path / "app.tar.xz"
    if not xz_tool:
        monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    build_app.write_archive(folder, target)
    monkeypatch.undo()
    out = tmp_path / "out"
    out.mkdir()
    subprocess.run([tar, "-xJf", str(target), "-C", str(out)], check=True, timeout=60)
    link = out / "rafiki-gui" / "_internal" / "libQt6Core.so.6"
    assert link.is_symlink() and link.read_bytes() == b"Q" * 4000
    assert os.access(out / "rafiki-gui" / "rafiki-gui", os.X_OK)
    assert not list(tmp_path.glob("*.partial"))


def test_the_zip_keeps_links_as_links(tmp_path):
    folder = _small_app(tmp_path)
    target = tmp_path / "app.zip"
    build_app.write_archive(folder, target)
    with zipfile.ZipFile(target) as archive:
        info = archive.getinfo("rafiki-gui/_internal/libQt6Core.so.6")
        assert (info.external_attr >> 16) & 0o170000 == 0o120000  # S_IFLNK, as zip -y stores
        assert archive.read(info) == b"PySide6/Qt/lib/libQt6Core.so.6"
        assert archive.read("rafiki-gui/_internal/PySide6/Qt/lib/libQt6Core.so.6") == \
            b"Q" * 4000


def test_sizes_by_component_count_each_file_once(tmp_path):
    folder = _small_app(tmp_path)
    parts = dict(build_app.component_sizes(folder))
    assert parts["Qt: libraries (Core, Gui, Widgets, OpenGL, ...)"] == 4000  # link not counted
    assert parts["Qt: ICU data (linked by QtCore)"] == 3000
    assert parts["numpy: OpenBLAS and Fortran runtime"] == 2000
    assert parts["system libraries (X11/xcb, fontconfig, glib, ssl, ...)"] == 200
    assert parts["executable (with the compiled Python modules)"] == 500
    assert sum(parts.values()) == 9700

