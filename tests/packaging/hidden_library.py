"""Run a command on this machine as if a system library were not installed.

In a private mount namespace (``unshare --mount``; as root, or as a user where unprivileged
user namespaces are allowed) the folder holding the library is covered by a folder of links to
everything in it but that library, so the dynamic loader finds it nowhere — as on a machine
that lacks the package — while every other library stays where it was. Nothing outside the
command's own namespace sees a change."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest


def system_copy(soname: str, user: Path) -> Path:
    """The file the loader resolves ``soname`` to for ``user`` (a library or executable that
    links against it), read from ldd."""
    done = subprocess.run(["ldd", str(user)], capture_output=True, text=True, timeout=60)
    for line in done.stdout.splitlines():
        name, _, rest = line.strip().partition(" => ")
        if name == soname and rest.startswith("/"):
            return Path(rest.split(" (", 1)[0])
    pytest.skip(f"{user} does not load {soname} from the system here")


def unshare_prefix() -> list[str]:
    """The unshare command that gives a private mount namespace, or a skip saying why not."""
    unshare = shutil.which("unshare")
    if unshare is None or not shutil.which("mount"):
        pytest.skip("unshare/mount (util-linux) are not installed")
    prefix = [unshare, "--mount", "--propagation", "private"]
    if os.geteuid() != 0:
        prefix[1:1] = ["--user", "--map-root-user"]
    done = subprocess.run(prefix + ["true"], capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        pytest.skip(f"no private mount namespace here: {done.stderr.strip()}")
    return prefix


def without_library(soname: str, user: Path, command: list[str], folder: Path) -> list[str]:
    """``command`` wrapped so that it runs where ``soname`` (as ``user`` loads it) is absent."""
    library = system_copy(soname, user).resolve()
    lib_dir = library.parent
    original, links = folder / "original", folder / "links"
    original.mkdir(parents=True)
    links.mkdir()
    hidden = [p.name for p in lib_dir.iterdir() if p.name.startswith(soname)
              or p.resolve() == library]
    for entry in lib_dir.iterdir():
        if entry.name not in hidden:  # links into the original, reached through its own mount
            (links / entry.name).symlink_to(original / entry.name)
    script = (f"mount --bind {shlex.quote(str(lib_dir))} {shlex.quote(str(original))} && "
              f"mount --bind {shlex.quote(str(links))} {shlex.quote(str(lib_dir))} && "
              'exec "$@"')
    return unshare_prefix() + ["sh", "-c", script, "sh", *command]
