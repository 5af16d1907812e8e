"""Build the packaged desktop app: ``python scripts/build_app.py`` (Linux, macOS, Windows).

Runs PyInstaller on rafiki_gui.spec, which makes the onedir folder ``dist/rafiki-gui/`` (and
``dist/Rafiki Workbench.app`` on macOS), then prints the folder's size against the 150 MB
budget. ``--self-test`` then runs the built binary's own check (offscreen): the bundled example
model trained, evaluated and queried in a child process of the binary itself. ``--install-desktop``
(Linux) adds the app to the desktop menu of the current user.

Needs PyInstaller: ``pip install -e ".[package]"``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "rafiki_gui.spec"
NAME = "rafiki-gui"
SIZE_BUDGET_MB = 150


def app_folder(dist: Path) -> Path:
    return dist / NAME


def executable(dist: Path) -> Path:
    return app_folder(dist) / (NAME + (".exe" if os.name == "nt" else ""))


def folder_size(folder: Path) -> int:
    """Bytes of the files under ``folder``; symbolic links count as links, not as targets."""
    total = 0
    for path in folder.rglob("*"):
        try:
            info = path.lstat()
        except OSError:
            continue
        if not path.is_symlink() and path.is_file():
            total += info.st_size
    return total


def build(dist: Path, work: Path) -> float:
    """Run PyInstaller on the spec; returns the seconds it took."""
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        sys.exit('PyInstaller is not installed here; install it with: pip install -e ".[package]"')
    started = time.monotonic()
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
               "--distpath", str(dist), "--workpath", str(work), str(SPEC)]
    print("$ " + " ".join(command), flush=True)
    done = subprocess.run(command, cwd=ROOT)
    if done.returncode != 0:
        sys.exit(f"PyInstaller failed on {SPEC.name} (exit code {done.returncode}); "
                 "its messages are above")
    return time.monotonic() - started


def self_test(dist: Path) -> int:
    """The built binary's --self-test, offscreen, in a private data folder."""
    import tempfile

    binary = executable(dist)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.setdefault("RAFIKI_HOME", tempfile.mkdtemp(prefix="rafiki-selftest-"))
    print(f"$ {binary} --self-test", flush=True)
    return subprocess.run([str(binary), "--self-test"], env=env).returncode


def install_desktop(dist: Path) -> None:
    """Put the .desktop entry and icon where the current user's desktop menu finds them."""
    if not sys.platform.startswith("linux"):
        sys.exit("--install-desktop is for Linux desktops")
    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    icon = data / "icons" / "hicolor" / "scalable" / "apps" / f"{NAME}.svg"
    icon.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "resources" / "icons" / "rafiki.svg", icon)
    entry = (ROOT / "resources" / f"{NAME}.desktop").read_text(encoding="utf-8")
    entry = entry.replace(f"Exec={NAME} ", f'Exec="{executable(dist).resolve()}" ')
    entry = entry.replace(f"TryExec={NAME}", f"TryExec={executable(dist).resolve()}")
    target = data / "applications" / f"{NAME}.desktop"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(entry, encoding="utf-8")
    print(f"installed {target} and {icon}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder")
    parser.add_argument("--work", type=Path, default=ROOT / "build", help="PyInstaller's "
                        "work folder")
    parser.add_argument("--self-test", action="store_true", help="run the built binary's "
                        "--self-test offscreen")
    parser.add_argument("--install-desktop", action="store_true", help="(Linux) add the app "
                        "to the current user's desktop menu")
    args = parser.parse_args(argv)
    seconds = build(args.dist, args.work)
    size_mb = folder_size(app_folder(args.dist)) / 1e6
    verdict = "within" if size_mb <= SIZE_BUDGET_MB else "OVER"
    print(f"built {app_folder(args.dist)} in {seconds:.0f} s: {size_mb:.1f} MB "
          f"({verdict} the {SIZE_BUDGET_MB} MB budget)")
    code = self_test(args.dist) if args.self_test else 0
    if args.install_desktop and code == 0:
        install_desktop(args.dist)
    return code


if __name__ == "__main__":
    sys.exit(main())
