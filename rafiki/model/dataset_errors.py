"""Errors a dataset file can cause, each naming the file, the member and the row.

They subclass ``ValueError`` so callers that guard against bad input generally catch them; the
names Rafiki's SDK exported (``InvalidDatasetFormatException`` ...) are kept for model files that
catch them.
"""

from __future__ import annotations


class DatasetError(ValueError):
    """A dataset that cannot be used; ``str()`` says which file, where in it and why."""

    def __init__(self, dataset: str, cause: str, member: str | None = None,
                 line: int | None = None) -> None:
        self.dataset = str(dataset)
        self.member = member
        self.line = line
        self.cause = cause
        where = self.dataset
        if member:
            where += f": {member}"
            if line is not None:
                where += f" line {line}"
        super().__init__(f"{where}: {cause}")


class InvalidDatasetFormatException(DatasetError):
    """The file is not a dataset of the expected type (bad zip, missing or malformed member)."""


class InvalidDatasetProtocolException(DatasetError):
    """The dataset URI has a scheme other than a local path, ``file://`` or ``http(s)://``."""


class InvalidDatasetTypeException(DatasetError):
    """The dataset is of another type than the one asked for."""


class DatasetDownloadError(DatasetError):
    """The dataset URI could not be fetched (unreachable host, HTTP error, timeout)."""
