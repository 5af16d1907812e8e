"""First launch on a machine without a system library Qt's xcb plugin needs: `rafiki-gui` and
the packaged app name the library and the install lines and exit with code 3, instead of Qt's
abort. The library is really absent for the app (hidden_library.py), not faked.

Hidden: libxcb.so.1, which the packaged app does not carry (PyInstaller leaves it to the
system, as it changes with the X server) and from source PySide6's wheel does not either."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from rafiki_gui.platform_libraries import EXIT_QT_LIBRARIES_MISSING, plugin_path

from .hidden_library import without_library

HIDDEN = "libxcb.so.1"


def _unserved_display() -> str:
    """A display number no X server here listens on (Qt fails at once to connect to it)."""
    number = next(n for n in range(917, 1017) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    return f":{number}"


def _x11_env(tmp_path) -> dict[str, str]:
    """An X11 session as far as Qt can tell, on a display nobody serves (the check must answer
    before Qt connects)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE",
                        "QT_QPA_PLATFORM_PLUGIN_PATH", "PYTHONPATH")}
    return dict(env, DISPLAY=_unserved_display(), RAFIKI_HOME=str(tmp_path / "home"))


def _assert_named_and_exited(done: subprocess.CompletedProcess) -> None:
    assert done.returncode == EXIT_QT_LIBRARIES_MISSING, done.stdout + done.stderr
    assert "Qt's xcb platform plugin cannot load" in done.stderr
    assert f"{HIDDEN}: not found" in done.stderr
    assert "sudo apt-get install libxcb1    # Debian, Ubuntu" in done.stderr
    assert "sudo dnf install libxcb    # Fedora" in done.stderr
    assert "could not load the qt platform plugin" not in done.stderr.lower()


def test_rafiki_gui_names_a_library_missing_from_the_system(tmp_path):
    command = without_library(HIDDEN, plugin_path("xcb"), [sys.executable, "-m", "rafiki_gui"],
                              tmp_path / "hide")
    done = subprocess.run(command, env=_x11_env(tmp_path), cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    _assert_named_and_exited(done)


def test_the_packaged_app_names_a_library_missing_from_the_system(tmp_path, binary):
    plugin = binary.parent / "_internal" / "PySide6" / "Qt" / "plugins" / "platforms"
    command = without_library(HIDDEN, plugin / "libqxcb.so", [str(binary)], tmp_path / "hide")
    done = subprocess.run(command, env=_x11_env(tmp_path), cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    _assert_named_and_exited(done)


def test_with_the_library_present_the_packaged_app_goes_on_to_qt(tmp_path, binary):
    """The control: the same launch without hiding gets past the check (and then Qt fails on
    the display nobody serves, which is not the check's business)."""
    done = subprocess.run([str(binary)], env=_x11_env(tmp_path), cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != EXIT_QT_LIBRARIES_MISSING, done.stdout + done.stderr
    assert "cannot load" not in done.stderr
