"""`rafiki-gui --install-desktop` / `--uninstall-desktop`: the menu entry and icon of the
current user, in a temporary XDG_DATA_HOME, from source and from the packaged app."""

from __future__ import annotations

import configparser
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from rafiki_gui.desktop_entry import data_home, entry_text, exec_argument

from ..conftest import PROJECT_ROOT

ENTRY = Path("applications", "rafiki-gui.desktop")
ICON = Path("icons", "hicolor", "scalable", "apps", "rafiki-gui.svg")


def _desktop(command: list[str], option: str, data: Path, tmp_path: Path):
    env = dict(os.environ, XDG_DATA_HOME=str(data), RAFIKI_HOME=str(tmp_path / "home"))
    env.pop("DISPLAY", None)  # needs no display, nor Qt's platform libraries
    return subprocess.run(command + [option], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)


def _entry(data: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive in .desktop files
    parser.read(data / ENTRY, encoding="utf-8")
    return parser["Desktop Entry"]


def _install_then_uninstall(command: list[str], tmp_path: Path) -> configparser.SectionProxy:
    data = tmp_path / "data home"  # a space, as in many home folders
    (data / "applications").mkdir(parents=True)
    neighbour = data / "applications" / "someone-else.desktop"
    neighbour.write_text("[Desktop Entry]\nName=Other\n", encoding="utf-8")
    done = _desktop(command, "--install-desktop", data, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"installed {data / ENTRY}" in done.stdout
    entry = _entry(data)
    assert (data / ICON).read_bytes() == (PROJECT_ROOT / "resources" / "icons"
                                          / "rafiki.svg").read_bytes()
    assert entry["Name"] == "Rafiki Workbench" and entry["Icon"] == "rafiki-gui"
    assert entry["Type"] == "Application"

    done = _desktop(command, "--uninstall-desktop", data, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not (data / ENTRY).exists() and not (data / ICON).exists()
    assert neighbour.exists(), "only the workbench's own files are removed"
    again = _desktop(command, "--uninstall-desktop", data, tmp_path)
    assert again.returncode == 0 and "nothing to remove" in again.stdout
    return entry


@pytest.mark.slow  # six launches of the app: ~20 s on a loaded machine
def test_from_source_the_entry_starts_this_python_s_workbench(tmp_path):
    entry = _install_then_uninstall([sys.executable, "-m", "rafiki_gui"], tmp_path)
    exec_words = shlex.split(entry["Exec"])
    assert exec_words[-1] == "%f"  # a model file opened with the app
    script = Path(sys.executable).parent / "rafiki-gui"
    assert exec_words[:-1] in ([str(script.absolute())],
                               [os.path.abspath(sys.executable), "-m", "rafiki_gui"])
    assert Path(entry["TryExec"]).is_file()


@pytest.mark.slow
def test_the_packaged_app_s_entry_starts_that_binary(tmp_path, binary):
    entry = _install_then_uninstall([str(binary)], tmp_path)
    assert shlex.split(entry["Exec"]) == [str(binary.absolute()), "%f"]
    assert entry["TryExec"] == str(binary.absolute())


def test_exec_arguments_are_quoted_as_the_desktop_entry_spec_says():
    assert exec_argument("/opt/rafiki-gui/rafiki-gui") == "/opt/rafiki-gui/rafiki-gui"
    assert exec_argument("/home/a b/rafiki-gui") == '"/home/a b/rafiki-gui"'
    assert exec_argument('/x/$y"z') == '"/x/\\$y\\"z"'
    text = entry_text("[Desktop Entry]\nExec=rafiki-gui %f\nTryExec=rafiki-gui\n",
                      ["/home/a b/rafiki-gui"])
    assert 'Exec="/home/a b/rafiki-gui" %f\n' in text
    assert "TryExec=/home/a b/rafiki-gui\n" in text


def test_a_relative_or_unset_xdg_data_home_means_local_share():
    assert data_home({"XDG_DATA_HOME": "/x/share", "HOME": "/h"}) == Path("/x/share")
    assert data_home({"XDG_DATA_HOME": "rel", "HOME": "/h"}) == Path("/h/.local/share")
    assert data_home({"HOME": "/h"}) == Path("/h/.local/share")
