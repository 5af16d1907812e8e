"""Before Qt loads its platform plugin, `rafiki-gui` checks the plugin's system libraries with
ldd and names what is missing with the install command, instead of Qt's abort.

A library is hidden for real: a broken copy of it first on LD_LIBRARY_PATH, which the dynamic
loader takes (and fails on) before the system's own copy."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from rafiki_gui.platform_libraries import (
    EXIT_QT_LIBRARIES_MISSING,
    PACKAGES,
    MissingLibrary,
    install_commands,
    libraries_to_load,
    missing_libraries,
    parse_ldd,
    platform_to_check,
    plugin_path,
    pyside_folder,
    report,
)

from ..conftest import PROJECT_ROOT

HIDDEN = "libxcb-cursor.so.0"  # Qt's xcb plugin needs it since Qt 6.5


@pytest.fixture
def hiding_dir(tmp_path):
    """A folder whose broken libxcb-cursor.so.0 shadows the system's on LD_LIBRARY_PATH."""
    folder = tmp_path / "hide"
    folder.mkdir()
    (folder / HIDDEN).write_bytes(b"not a shared library\n")
    return folder


def x11_environment(**extra: str) -> dict[str, str]:
    """This environment as an X11 session would have it: DISPLAY set, no platform chosen."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE",
                        "QT_QPA_PLATFORM_PLUGIN_PATH")}
    env["DISPLAY"] = ":99"  # no server there: the check must answer before Qt connects
    env.update(extra)
    return env


def test_the_check_runs_only_when_qt_would_load_xcb_alone():
    x11 = {"DISPLAY": ":0"}
    assert platform_to_check(x11, "linux") == "xcb"
    assert platform_to_check({**x11, "QT_QPA_PLATFORM": "xcb"}, "linux") == "xcb"
    assert platform_to_check({**x11, "QT_QPA_PLATFORM": "xcb:nograb"}, "linux") == "xcb"
    assert platform_to_check({**x11, "QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert platform_to_check({**x11, "QT_QPA_PLATFORM": "xcb;offscreen"}, "linux") is None
    assert platform_to_check({**x11, "XDG_SESSION_TYPE": "wayland",
                              "WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert platform_to_check({}, "linux") is None  # no display: Qt says so itself
    assert platform_to_check(x11, "darwin") is None
    assert platform_to_check(x11, "win32") is None


def test_ldd_output_of_absent_and_broken_libraries_is_read():
    output = (
        "\tlibGL.so.1 => /lib/x86_64-linux-gnu/libGL.so.1 (0x00007f23254bd000)\n"
        "\tlibxcb-icccm.so.4 => not found\n"
        "\tlibxcb-keysyms.so.1 => not found\n"
        "\tlibxcb-icccm.so.4 => not found\n"
        "/x/libqxcb.so: error while loading shared libraries: /tmp/h/libxcb-cursor.so.0: "
        "file too short\n")
    assert parse_ldd(output) == [MissingLibrary("libxcb-icccm.so.4", "not found"),
                                 MissingLibrary("libxcb-keysyms.so.1", "not found"),
                                 MissingLibrary("libxcb-cursor.so.0", "file too short")]


def test_a_library_without_a_known_package_is_still_named():
    text = report("xcb", [MissingLibrary("libxcb-icccm.so.4", "not found"),
                          MissingLibrary("libfuture.so.9", "not found")])
    assert "libfuture.so.9: not found (install the package of your system that provides it)" \
        in text
    assert "sudo apt-get install libxcb-icccm4    # Debian, Ubuntu" in text
    assert "sudo dnf install xcb-util-wm    # Fedora" in text
    assert install_commands([MissingLibrary("libfuture.so.9", "not found")]) == []


def test_a_hidden_library_of_the_real_xcb_plugin_is_named_with_its_install_line(hiding_dir):
    plugin = plugin_path("xcb")
    assert plugin is not None, "PySide6's wheel ships the xcb plugin"
    env = dict(os.environ, LD_LIBRARY_PATH=str(hiding_dir))
    missing = missing_libraries([plugin], env, pyside_folder() / "Qt" / "lib")
    assert MissingLibrary(HIDDEN, "file too short") in missing
    text = report("xcb", missing)
    assert f"{HIDDEN}: file too short" in text
    assert "sudo apt-get install libxcb-cursor0" in text
    assert "sudo dnf install xcb-util-cursor" in text


def test_with_every_library_present_the_check_passes():
    """The offscreen plugin's libraries are present wherever these tests run (CI installs
    them): the same check finds nothing missing, so the window starts."""
    libraries = libraries_to_load("offscreen")
    assert len(libraries) == 2  # the plugin and PySide6's QtWidgets module
    assert missing_libraries(libraries, qt_lib=pyside_folder() / "Qt" / "lib") == []


def test_rafiki_gui_names_the_hidden_library_and_exits_instead_of_aborting(hiding_dir,
                                                                          tmp_path):
    env = x11_environment(LD_LIBRARY_PATH=str(hiding_dir), RAFIKI_HOME=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "rafiki_gui"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == EXIT_QT_LIBRARIES_MISSING, done.stdout + done.stderr
    assert "Qt's xcb platform plugin cannot load" in done.stderr
    assert f"{HIDDEN}: file too short" in done.stderr
    assert "sudo apt-get install libxcb-cursor0" in done.stderr
    assert "could not load the Qt platform plugin" not in done.stderr.lower()


def test_the_readme_install_lines_name_every_package_the_check_knows():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8").replace("\\\n", " ")
    apt = re.search(r"^sudo apt-get install (.+?)(?:\s+#.*)?$", readme, re.MULTILINE)
    dnf = re.search(r"^sudo dnf install (.+?)(?:\s+#.*)?$", readme, re.MULTILINE)
    assert apt and dnf, "README names the apt-get and dnf lines"
    apt_packages, dnf_packages = set(apt.group(1).split()), set(dnf.group(1).split())
    assert {deb for deb, _ in PACKAGES.values()} <= apt_packages
    assert {fed for _, fed in PACKAGES.values()} <= dnf_packages
