"""Can Qt's platform plugin load here? Asked before Qt tries, because Qt cannot say it well.

On Linux, Qt loads its platform plugin (``xcb`` for X11 and XWayland) when the QApplication is
made. When a system library the plugin links against is absent, Qt prints "could not load the
Qt platform plugin xcb" and aborts the process: no Python exception, and no name of the
library unless it is libxcb-cursor or ``QT_DEBUG_PLUGINS=1`` is set. PySide6's wheels bring Qt
but not the X11/xcb libraries, and minimal installs lack some (``libxcb-cursor0`` since Qt 6.5;
``libxcb-icccm4`` and ``libxcb-keysyms1`` on a bare Debian 12). ``ldd`` on the plugin names
every library the loader would fail on, without loading anything into this process (~20 ms).

This module imports nothing from Qt or from this package, so it also runs by path
(``python rafiki_gui/platform_libraries.py offscreen``) where PySide6 cannot even be imported:
CI uses it to install what Qt's offscreen platform needs before running the tests.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

EXIT_QT_LIBRARIES_MISSING = 3
"""``rafiki-gui``'s exit code when Qt's platform plugin could not load (documented in --help)."""

LDD_TIMEOUT_S = 20

# soname -> (Debian/Ubuntu package, Fedora package), for the libraries PySide6's Qt links against
# that a Linux system may lack (found with ldd/readelf on the PySide6 6.11 wheel's xcb and
# offscreen plugins and QtWidgets module; packages with dpkg -S on Debian 12). Left out: glibc,
# libstdc++, zlib and zstd, which Python or the package manager itself needs.
PACKAGES: dict[str, tuple[str, str]] = {
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-glx.so.0": ("libxcb-glx0", "libxcb"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
}


@dataclass(frozen=True)
class MissingLibrary:
    """A library the dynamic loader could not load, and its words for why."""

    soname: str
    reason: str  # "not found", or the loader's error such as "file too short"

    @property
    def packages(self) -> tuple[str, str] | None:
        """(Debian/Ubuntu package, Fedora package), when known."""
        return PACKAGES.get(self.soname)


def platforms_qt_would_try(environ: Mapping[str, str]) -> list[str]:
    """The platform plugins Qt tries, in order, for this environment (Linux).

    ``QT_QPA_PLATFORM`` is a ``;``-separated list of ``name[:options]``; unset, Qt 6 uses
    wayland in a Wayland session (``XDG_SESSION_TYPE=wayland``) and xcb otherwise."""
    chosen = environ.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        return [entry.split(":", 1)[0].strip() for entry in chosen.split(";") if entry.strip()]
    if environ.get("XDG_SESSION_TYPE", "").lower() == "wayland" and environ.get(
            "WAYLAND_DISPLAY"):
        return ["wayland", "xcb"]
    return ["xcb"]


def platform_to_check(environ: Mapping[str, str], system: str = sys.platform) -> str | None:
    """"xcb" when Qt would abort if the xcb plugin cannot load, else None (nothing to check).

    Only xcb is checked: it is Linux's default and the one whose libraries go missing. When Qt
    would try another platform first (a Wayland session) it may never need xcb, and without
    DISPLAY xcb fails for a reason Qt itself reports ("could not connect to display")."""
    if not system.startswith("linux") or not environ.get("DISPLAY"):
        return None
    if environ.get("QT_QPA_PLATFORM_PLUGIN_PATH"):
        return None  # plugins from elsewhere: not the ones this module can find
    tried = platforms_qt_would_try(environ)
    return "xcb" if tried and all(name == "xcb" for name in tried) else None


def pyside_folder() -> Path | None:
    """PySide6's package folder, found without importing it (or None)."""
    try:
        spec = importlib.util.find_spec("PySide6")
    except (ImportError, ValueError):
        return None
    for location in (spec.submodule_search_locations or []) if spec else []:
        if Path(location, "Qt").is_dir():
            return Path(location)
    return None


def plugin_path(platform: str, pyside: Path | None = None) -> Path | None:
    """The shared library of Qt's ``platform`` plugin in PySide6's wheel (or None)."""
    pyside = pyside or pyside_folder()
    if pyside is None:
        return None
    path = pyside / "Qt" / "plugins" / "platforms" / f"libq{platform}.so"
    return path if path.is_file() else None


def libraries_to_load(platform: str, pyside: Path | None = None) -> list[Path]:
    """What the window needs loadable on ``platform``: its plugin and PySide6's QtWidgets
    module (which pulls in QtGui and QtCore)."""
    pyside = pyside or pyside_folder()
    if pyside is None:
        return []
    plugin = plugin_path(platform, pyside)
    widgets = sorted(pyside.glob("QtWidgets.*so"))
    return ([plugin] if plugin else []) + widgets[:1]


def parse_ldd(output: str) -> list[MissingLibrary]:
    """The libraries ldd's output says cannot be loaded, in its order, each once.

    ldd says ``libfoo.so.1 => not found`` for an absent library; for one it found but could not
    load (a broken file first on LD_LIBRARY_PATH) the loader stops with ``PATH: error while
    loading shared libraries: LIB: REASON``."""
    missing: dict[str, MissingLibrary] = {}
    marker = "error while loading shared libraries: "
    for line in output.splitlines():
        line = line.strip()
        if line.endswith("=> not found"):
            soname = line.split("=>", 1)[0].strip()
            missing.setdefault(soname, MissingLibrary(soname, "not found"))
        elif marker in line:
            library, _, reason = line.split(marker, 1)[1].partition(": ")
            soname = Path(library.strip()).name
            missing.setdefault(soname, MissingLibrary(soname, reason.strip() or "cannot load"))
    return list(missing.values())


def missing_libraries(libraries: Iterable[Path], environ: Mapping[str, str] | None = None,
                      qt_lib: Path | None = None) -> list[MissingLibrary] | None:
    """The libraries that keep ``libraries`` from loading; None when ldd cannot tell.

    ``qt_lib`` (PySide6's own Qt libraries) goes last on the library path: the process that
    loads the plugin has those loaded already, wherever a packaged app put them."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return None
    env = dict(os.environ if environ is None else environ)
    if qt_lib is not None:
        env["LD_LIBRARY_PATH"] = os.pathsep.join(
            part for part in (env.get("LD_LIBRARY_PATH", ""), str(qt_lib)) if part)
    missing: dict[str, MissingLibrary] = {}
    told = False
    for library in libraries:
        try:
            done = subprocess.run([ldd, str(library)], capture_output=True, text=True, env=env,
                                  timeout=LDD_TIMEOUT_S)
        except (OSError, subprocess.SubprocessError):
            continue
        output = done.stdout + "\n" + done.stderr
        if "not a dynamic executable" in output:
            continue
        told = True
        for item in parse_ldd(output):
            missing.setdefault(item.soname, item)
    return list(missing.values()) if told else None


def install_commands(missing: Sequence[MissingLibrary]) -> list[str]:
    """The Debian/Ubuntu and Fedora commands that install the known ``missing`` libraries."""
    debian: list[str] = []
    fedora: list[str] = []
    for item in missing:
        if item.packages:
            deb, fed = item.packages
            debian += [deb] if deb not in debian else []
            fedora += [fed] if fed not in fedora else []
    if not debian:
        return []
    return [f"sudo apt-get install {' '.join(debian)}    # Debian, Ubuntu",
            f"sudo dnf install {' '.join(fedora)}    # Fedora"]


def report(platform: str, missing: Sequence[MissingLibrary]) -> str:
    """What a user reads instead of Qt's abort: the libraries, why, and how to install them."""
    lines = [f"Qt's {platform} platform plugin cannot load: these system libraries are missing "
             "or broken:"]
    for item in missing:
        hint = "" if item.packages else " (install the package of your system that provides it)"
        lines.append(f"  {item.soname}: {item.reason}{hint}")
    commands = install_commands(missing)
    if commands:
        lines.append("Install (or reinstall) them, then start again:")
        lines += [f"  {command}" for command in commands]
    lines.append("(README.md, 'Linux: the libraries Qt needs', lists them all. Without a display, "
                 "QT_QPA_PLATFORM=offscreen runs the window unseen, e.g. with --screenshot.)")
    return "\n".join(lines)


def problem_before_qt(environ: Mapping[str, str] | None = None,
                      system: str = sys.platform) -> str | None:
    """The report to show instead of starting Qt, or None when Qt can go ahead (or when this
    cannot be told, in which case Qt speaks for itself)."""
    environ = os.environ if environ is None else environ
    platform = platform_to_check(environ, system)
    if platform is None:
        return None
    pyside = pyside_folder()
    libraries = libraries_to_load(platform, pyside)
    if pyside is None or not libraries:
        return None
    missing = missing_libraries(libraries, environ, pyside / "Qt" / "lib")
    return report(platform, missing) if missing else None


def main(argv: list[str] | None = None) -> int:
    """``python rafiki_gui/platform_libraries.py PLATFORM``: report what Qt's PLATFORM plugin
    cannot load (exit 3) or nothing (exit 0); ``--debian-packages`` prints only the packages."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("platform", nargs="?", default="xcb", help="xcb (default), offscreen…")
    parser.add_argument("--debian-packages", action="store_true",
                        help="print the Debian/Ubuntu packages of the missing libraries")
    args = parser.parse_args(argv)
    pyside = pyside_folder()
    libraries = libraries_to_load(args.platform, pyside)
    if pyside is None or not libraries:
        print(f"PySide6 or its {args.platform} plugin is not installed", file=sys.stderr)
        return 1
    missing = missing_libraries(libraries, qt_lib=pyside / "Qt" / "lib")
    if missing is None:
        print("ldd cannot tell which libraries are missing", file=sys.stderr)
        return 1
    if args.debian_packages:
        print(" ".join(dict.fromkeys(item.packages[0] for item in missing if item.packages)))
        return 0
    if missing:
        print(report(args.platform, missing), file=sys.stderr)
        return EXIT_QT_LIBRARIES_MISSING
    print(f"Qt's {args.platform} platform plugin finds every library it needs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
