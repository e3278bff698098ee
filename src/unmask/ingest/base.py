"""What a post reader is: a class that stages each record of one file (see :mod:`unmask.ingest.stage`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import ClassVar

from unmask.ingest.stage import Stage
from unmask.ingest.textfile import Record


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

    def new_row(self, record_no: int, line_no: int | None, raw: str | None, error: str | None = None) -> dict:
        """The staged row of one record before its fields are read: provenance, raw text, any error."""
        row: dict = {"record_no": record_no, "line_no": line_no, "raw": raw, "platform": self.platform}
        if error:
            row["error"] = error
        return row

    def stage_records(
        self, records: Iterable[Record], stage: Stage, read_fields: Callable[[list[str]], dict]
    ) -> None:
        """Stage delimited records: broken ones with their error, the others with what ``read_fields`` reads.

        ``read_fields`` returns staging columns; it may set ``error``/``error_field`` for a record whose
        fields are there but wrong.
        """
        for rec in records:
            row = self.new_row(rec.record_no, rec.line_no, rec.raw, rec.error)
            if rec.fields is not None and not rec.error:
                row.update(read_fields(rec.fields))
            stage.append(row)


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
