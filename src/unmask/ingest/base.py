"""What a reader is: a class that stages each record of one file (see :mod:`unmask.ingest.stage`).

Post readers stage into ``STAGE_SCHEMA`` and are finalised into posts and accounts; the ``articles`` reader
stages into ``DOCUMENT_STAGE_SCHEMA`` and is finalised into documents (:mod:`unmask.ingest.document_stage`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import ClassVar

import duckdb
import pyarrow as pa

from unmask.errors import FormatError
from unmask.ingest.stage import STAGE_SCHEMA, Loaded, Stage, finalise
from unmask.ingest.textfile import SAMPLE_BYTES, Record, open_bytes

# What a few formats' files show in their first bytes, for the guess a refused file is given (first wins).
_TELLTALES: tuple[tuple[str, tuple[bytes, ...]], ...] = (
    ("telegram", (b'"messages"', b'"chats"')),
    ("x-api-v2", (b'"author_id"', b'"edit_history_tweet_ids"')),
    ("companies-house", (b'"company_number"', b'"officer_role"', b'"appointed_to"')),
    ("meta-ads", (b'"page_id"', b'"ad_snapshot_url"')),
    ("articles", (b'"byline"', b"byline,")),
    ("posts-csv", (b'"post_id"', b"post_id,")),
    ("whois", (b"domain name:", b'"objectclassname"')),
    ("html", (b"<html", b"<!doctype html")),
)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise FormatError(path, f"cannot read the file: {exc.strerror or exc}") from None
    return digest.hexdigest()


def folder_files(folder: Path, keep: Callable[[Path], bool] = lambda p: True) -> dict[str, Path]:
    """The files of a folder and its subfolders that ``keep`` accepts, by path relative to it (``a/b.html``).

    Hidden files and folders (a leading dot: ``.git``) are left out; symbolic links to folders are not
    followed, and a file that resolves outside the folder is left out.
    """
    root = folder.resolve()
    found = {}
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            path = Path(dirpath) / name
            if name.startswith(".") or not keep(path):
                continue
            resolved = path.resolve()
            if resolved.is_file() and resolved.is_relative_to(root):
                found[path.relative_to(folder).as_posix()] = path
    return dict(sorted(found.items()))


def files_in(path: Path, keep: Callable[[Path], bool] = lambda p: True) -> dict[str, Path]:
    """A file by its name, or the files of a folder (:func:`folder_files`) by their path in it."""
    return folder_files(path, keep) if path.is_dir() else {path.name: path}


def guess_format(path: Path, exclude: str) -> str | None:
    """The format (other than ``exclude``) whose telltale keys or columns the file's first bytes show."""
    if path.is_dir():
        return None
    try:
        with open_bytes(path) as fh:
            head = fh.read(SAMPLE_BYTES).lower()
    except (OSError, FormatError):
        return None
    for name, telltales in _TELLTALES:
        if name != exclude and any(t in head for t in telltales):
            return name
    return None


def folder_sha256(files: dict[str, Path], start: str = "") -> str:
    """The sha256 of a folder's files: each relative path with its file's sha256, in order."""
    digest = hashlib.sha256(start.encode())
    for rel, file in sorted(files.items()):
        digest.update(f"{rel}\0{file_sha256(file)}\n".encode())
    return digest.hexdigest()


class Reader:
    """Base of every format reader.

    Parameters
    ----------
    mapping:
        ``{our_column: their_column}`` renames, for exports whose columns are named otherwise (``--map``).
    as_of:
        The date the records describe, for records that do not say (a WHOIS response saved without its
        date: ``--as-of``); readers that have no use for it ignore it.

    A reader appends what it assumed to ``notes`` (shown by the import and kept in ``sources.notes``).
    ``loads`` names what its records become (``posts``, ``documents``); ``stage_schema`` is its staging
    contract and :meth:`finalise` the set-based step that moves staged rows into the case.
    """

    name: ClassVar[str]
    summary: ClassVar[str]
    loads: ClassVar[str]
    stage_schema: ClassVar[pa.Schema]
    reads_folders: ClassVar[bool] = False  # a folder may be given instead of a file

    def __init__(self, *, mapping: dict[str, str] | None = None, as_of: str | None = None):
        self.mapping = dict(mapping or {})
        self.as_of = as_of
        self.notes: list[str] = []

    @classmethod
    def fingerprint(cls, path: Path) -> str:
        """The sha256 that identifies the input: a file's bytes (a reader of folders says what else)."""
        return file_sha256(path)

    def stage(self, path: Path, stage: Stage) -> None:
        raise NotImplementedError

    def finalise(self, con: duckdb.DuckDBPyConnection, source_id: int, timezone: str) -> Loaded:
        raise NotImplementedError

    def refuse_shapeless(self, path: Path, records: int, shaped: int, shape: str) -> None:
        """Refuse a file with records none of which has the format's ``shape`` ("a JSON object with 'text'").

        Such a file is another format: quarantining every record would hide that, and would make the file
        "already imported" when it is then imported as what it is. The import's transaction rolls back.
        """
        if records == 0 or shaped:
            return
        guess = guess_format(path, exclude=self.name)
        hint = f"e.g. unmask import {guess} {path.name}" if guess else "unmask import --help lists them"
        which = "its one record is not" if records == 1 else f"none of its {records:,} records is"
        raise FormatError(
            path, f"no record has the shape of {self.name}: {which} {shape} (is it another format? {hint})"
        )

    def new_row(self, record_no: int, line_no: int | None, raw: str | None, error: str | None = None) -> dict:
        """The staged row of one record before its fields are read: provenance, raw text, any error."""
        row: dict = {"record_no": record_no, "line_no": line_no, "raw": raw}
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


class PostReader(Reader):
    """Base of the readers of post exports: records become ``posts`` and ``accounts`` of ``platform``."""

    platform: ClassVar[str]
    loads = "posts"
    stage_schema = STAGE_SCHEMA

    def finalise(self, con: duckdb.DuckDBPyConnection, source_id: int, timezone: str) -> Loaded:
        return finalise(con, source_id, timezone)

    def new_row(self, record_no: int, line_no: int | None, raw: str | None, error: str | None = None) -> dict:
        row = super().new_row(record_no, line_no, raw, error)
        row["platform"] = self.platform
        return row


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
