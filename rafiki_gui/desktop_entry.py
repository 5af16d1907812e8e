"""``rafiki-gui --install-desktop`` / ``--uninstall-desktop``: the app in the desktop's menu.

A user who unpacked the downloaded archive (or installed from source) has no installer to add
"Rafiki Workbench" to the application menu, so the app does it for the current user only: the
.desktop entry under ``$XDG_DATA_HOME/applications`` and the icon under
``$XDG_DATA_HOME/icons/hicolor/scalable/apps`` (``~/.local/share`` when XDG_DATA_HOME is unset,
as the XDG Base Directory spec says). Nothing outside the user's data folder is written, so no
root is needed and uninstalling removes exactly what was installed.

Imports nothing from Qt: it must work where Qt's platform libraries are missing.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from .resources import APP_ICON, resource_path

APP_ID = "rafiki-gui"  # the name of the entry, the icon and the executable
TEMPLATE = ("rafiki-gui.desktop",)  # in resources/: the entry with a placeholder Exec line
# characters the Desktop Entry spec requires escaped inside a quoted Exec argument
_EXEC_ESCAPED = ('\\', '"', '`', '$')
_EXEC_RESERVED = set(' \t\n"\'\\><~|&;$*?#()`')


def data_home(environ: Mapping[str, str] | None = None) -> Path:
    """$XDG_DATA_HOME, or ~/.local/share when it is unset or not absolute (per the spec)."""
    environ = os.environ if environ is None else environ
    value = environ.get("XDG_DATA_HOME", "")
    if value and os.path.isabs(value):
        return Path(value)
    return Path(environ.get("HOME") or Path.home()) / ".local" / "share"


def entry_path(data: Path) -> Path:
    return data / "applications" / f"{APP_ID}.desktop"


def icon_path(data: Path) -> Path:
    return data / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"


def launch_command() -> list[str]:
    """How the menu starts this same app: the packaged executable itself, or from source the
    ``rafiki-gui`` script installed beside this Python (else ``python -m rafiki_gui``)."""
    if getattr(sys, "frozen", False):
        return [os.path.abspath(sys.executable)]
    script = Path(sys.executable).parent / APP_ID
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script.absolute())]
    return [os.path.abspath(sys.executable), "-m", "rafiki_gui"]


def exec_argument(argument: str) -> str:
    """One argument of an Exec line, quoted as the Desktop Entry spec wants when it must be."""
    if argument and not _EXEC_RESERVED.intersection(argument):
        return argument
    for char in _EXEC_ESCAPED:
        argument = argument.replace(char, "\\" + char)
    return f'"{argument}"'


def entry_text(template: str, command: Sequence[str]) -> str:
    """The template entry with its Exec and TryExec lines pointing at ``command``
    (the Exec line keeps its field codes, e.g. %f for a model file opened with the app)."""
    lines = []
    for line in template.splitlines():
        if line.startswith("Exec="):
            field_codes = [word for word in line[len("Exec="):].split() if word.startswith("%")]
            line = "Exec=" + " ".join([exec_argument(a) for a in command] + field_codes)
        elif line.startswith("TryExec="):
            line = "TryExec=" + command[0]
        lines.append(line)
    # the entry points at this copy of the app by its full path, so a menu entry never starts
    # some other rafiki-gui that happens to be on the PATH
    return "\n".join(lines) + "\n"


def install(environ: Mapping[str, str] | None = None,
            command: Sequence[str] | None = None) -> list[Path]:
    """Write the entry and the icon for the current user; returns the files written."""
    data = data_home(environ)
    template = resource_path(*TEMPLATE).read_text(encoding="utf-8")
    entry, icon = entry_path(data), icon_path(data)
    icon.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(resource_path(*APP_ICON), icon)
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.write_text(entry_text(template, command or launch_command()), encoding="utf-8")
    return [entry, icon]


def uninstall(environ: Mapping[str, str] | None = None) -> list[Path]:
    """Remove the entry and the icon install() writes; returns those that were there."""
    data = data_home(environ)
    removed = []
    for path in (entry_path(data), icon_path(data)):
        if path.is_file():
            path.unlink()
            removed.append(path)
    return removed


def main(action: str) -> int:
    """The command line's --install-desktop / --uninstall-desktop: do it, say what was done;
    0 when done, 1 when it could not be (not a freedesktop system, a file not writable)."""
    if sys.platform in ("win32", "darwin"):
        print("--install-desktop and --uninstall-desktop are for Linux desktops; on "
              f"{'Windows' if sys.platform == 'win32' else 'macOS'} see docs/PACKAGING.md",
              file=sys.stderr)
        return 1
    try:
        if action == "install":
            for path in install():
                print(f"installed {path}")
            print("'Rafiki Workbench' is in the application menu (log in again if the menu "
                  "does not show it yet)")
        else:
            removed = uninstall()
            for path in removed:
                print(f"removed {path}")
            if not removed:
                print(f"nothing to remove: no {APP_ID} entry under {data_home()}")
    except OSError as exc:
        print(f"could not {action} the desktop entry: {exc}", file=sys.stderr)
        return 1
    return 0
