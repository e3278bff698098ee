"""What a post reader is: a class that stages each record of one file (see :mod:`unmask.ingest.stage`)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from unmask.ingest.stage import Stage


class PostReader:
    """Base of the readers of post exports.

    Parameters
    ----------
    mapping:
        ``{our_column: their_column}`` renames, for exports whose columns are named otherwise (``--map``).

    A reader appends what it assumed to ``notes`` (shown by the import and kept in ``sources.notes``).
    """

    name: ClassVar[str]
    platform: ClassVar[str]
    summary: ClassVar[str]

    def __init__(self, *, mapping: dict[str, str] | None = None):
        self.mapping = dict(mapping or {})
        self.notes: list[str] = []

    def stage(self, path: Path, stage: Stage) -> None:
        raise NotImplementedError


def split_list(value: str | None) -> list[str] | None:
    """A space-separated list field ('' means none; None means the export has no such field)."""
    if value is None:
        return None
    return value.split()


def blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None
