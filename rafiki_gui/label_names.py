"""Class and tag indices as the names a user chose (session.label_names), everywhere alike.

A names file is optional and may cover only some indices, so every label falls back to its
index; with a name the index stays visible too when asked, so "3 (cat)" can be matched
against the raw predictions.
"""

from __future__ import annotations

from collections.abc import Mapping


def label_text(index: int | None, names: Mapping[int, str], with_index: bool = False) -> str:
    """The name of class/tag ``index`` ("?" for None), or the index when it has no name."""
    if index is None or index < 0:
        return "?"
    name = names.get(int(index))
    if not name:
        return str(index)
    return f"{index} ({name})" if with_index and name != str(index) else name


def label_texts(count: int, names: Mapping[int, str]) -> list[str]:
    """Names of classes/tags 0..count-1 (for axes and legends)."""
    return [label_text(index, names) for index in range(count)]
