"""ANSI colours for console output, only where a person reads a terminal.

Colour codes are noise in a file, a pipe or a CI log, so they are used only when the stream
is a terminal, and never when ``NO_COLOR`` is set to a non-empty value (no-color.org).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Palette:
    """The codes to print around coloured text: all empty when colour is off."""

    blue: str = ""
    yellow: str = ""
    red: str = ""
    end: str = ""


ANSI = Palette(blue="\033[94m", yellow="\033[93m", red="\033[91m", end="\033[0m")
PLAIN = Palette()


def wants_color(stream: Any) -> bool:
    """Whether ``stream`` is a terminal and the user has not asked for no colour."""
    if os.environ.get("NO_COLOR"):
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
        return False


def palette_for(stream: Any) -> Palette:
    """:data:`ANSI` for a terminal that wants colour, else :data:`PLAIN`."""
    return ANSI if wants_color(stream) else PLAIN
