"""Reading text exports record by record, keeping the line where each record starts and its raw text.

Files are read as bytes and decoded line by line, so that one line of broken UTF-8 quarantines one record
instead of stopping the import, and so that memory stays bounded by the largest record, not the file.
"""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from unmask.errors import FormatError

# A single field above this is an adversarial or broken file (an unclosed quote swallowing the rest):
# the record is quarantined instead of growing without bound.
MAX_FIELD_CHARS = 8 * 1024 * 1024
csv.field_size_limit(MAX_FIELD_CHARS)


def open_bytes(path: Path) -> BinaryIO:
    """The file's bytes, decompressed when it is gzipped (``.gz``), as exports are often shipped."""
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def check_text(path: Path, sample_bytes: int = 65536) -> bytes:
    """Refuse a file that is not text; return its first bytes (BOM stripped) for sniffing."""
    try:
        with open_bytes(path) as fh:
            head = fh.read(sample_bytes)
    except (OSError, EOFError) as exc:
        raise FormatError(path, f"cannot read the file: {getattr(exc, 'strerror', None) or exc}") from None
    nul = head.find(b"\x00")
    if nul >= 0:
        line = head[:nul].count(b"\n") + 1
        raise FormatError(path, f"not a text file (a NUL byte at offset {nul})", line=line)
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    return head


class LineFeed:
    """An iterator of decoded lines that remembers what the consumer has taken since the last ``take``."""

    def __init__(self, path: Path, on_bytes: Callable[[int], None]):
        self._fh = open_bytes(path)
        self._on_bytes = on_bytes
        self._buffer: list[str] = []
        self.lines_read = 0
        self.bad_utf8_line: int | None = None  # first line of the current record with invalid UTF-8

    def __iter__(self) -> LineFeed:
        return self

    def __next__(self) -> str:
        data = self._fh.readline()
        if not data:
            raise StopIteration
        self.lines_read += 1
        self._on_bytes(len(data))
        if self.lines_read == 1 and data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("utf-8", errors="replace")
            if self.bad_utf8_line is None:
                self.bad_utf8_line = self.lines_read
        self._buffer.append(text)
        return text

    def take(self) -> str:
        raw = "".join(self._buffer)
        self._buffer = []
        self.bad_utf8_line = None
        return raw

    def close(self) -> None:
        self._fh.close()


@dataclass
class Record:
    """One record of a text file: where it starts, its raw text, its fields, and what is wrong with it."""

    record_no: int
    line_no: int
    raw: str
    fields: list[str] | None
    error: str | None = None


def sniff_delimiter(path: Path, head: bytes, candidates: str = ",\t;|") -> str:
    """The delimiter of a delimited file, from its header line."""
    first = head.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    counts = {d: first.count(d) for d in candidates}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        raise FormatError(
            path,
            "the header line has one column only: not a delimited file, or an unexpected delimiter",
            line=1,
        )
    return best


def csv_records(
    path: Path, *, delimiter: str, on_bytes: Callable[[int], None], expected_fields: int | None = None
) -> Iterator[Record]:
    """Yield the header (record_no 0) and then each data record of a delimited file.

    A record whose field count differs from ``expected_fields`` (the header's, if not given) carries an
    error; the last record of a file that ends inside it says so.
    """
    feed = LineFeed(path, on_bytes)
    reader = csv.reader(feed, delimiter=delimiter, strict=False)
    record_no = -1
    pending: Record | None = None
    try:
        while True:
            start = feed.lines_read + 1
            try:
                fields: list[str] | None = next(reader)
                error = None
            except StopIteration:
                break
            except csv.Error as exc:
                fields, error = None, f"unreadable record: {exc}"
            bad_line = feed.bad_utf8_line
            raw = feed.take()
            if fields == [] and error is None:
                continue  # a blank line is no record
            if bad_line is not None and error is None:
                error = f"invalid UTF-8: on line {bad_line}"
            record_no += 1
            if record_no == 0:
                if fields is None:
                    raise FormatError(path, error or "unreadable header", line=start)
                if expected_fields is None:
                    expected_fields = len(fields)
            elif error is None and fields is not None and len(fields) != expected_fields:
                error = f"wrong field count: expected {expected_fields}, found {len(fields)}"
            if pending is not None:
                yield pending
            pending = Record(record_no, start, raw, fields, error)
        if pending is not None:
            if pending.record_no > 0 and _cut_off(pending, expected_fields):
                cause = pending.error or "an open quoted field"
                pending.error = "truncated record: the file ends inside it (" + cause + ")"
            yield pending
    finally:
        feed.close()


def _cut_off(rec: Record, expected_fields: int | None) -> bool:
    """Whether the last record of a file looks cut off: open quotes, no line end, or too few fields."""
    if rec.error is None:
        # The right field count, but the file ends inside a quoted field (the csv reader closes it).
        return rec.raw.count('"') % 2 == 1 and not rec.raw.endswith(("\n", "\r"))
    too_few = rec.fields is not None and expected_fields is not None and len(rec.fields) < expected_fields
    return too_few or rec.raw.count('"') % 2 == 1 or not rec.raw.endswith(("\n", "\r"))


def jsonl_records(path: Path, *, on_bytes: Callable[[int], None]) -> Iterator[tuple[Record, object]]:
    """Yield each non-blank line of a JSON Lines file with its parsed value (None where it is invalid)."""
    feed = LineFeed(path, on_bytes)
    record_no = 0
    try:
        for line in feed:
            bad_line = feed.bad_utf8_line
            raw = feed.take()
            if not raw.strip():
                continue
            record_no += 1
            value: object = None
            error = None
            if bad_line is not None:
                error = f"invalid UTF-8: on line {bad_line}"
            else:
                try:
                    value = json.loads(line.rstrip("\r\n"))
                except json.JSONDecodeError as exc:
                    error = f"invalid JSON: {exc.msg.removesuffix(' at')} at column {exc.colno}"
                    if not raw.endswith("\n"):
                        error = "truncated record: the file ends inside it (" + error + ")"
            yield Record(record_no, feed.lines_read, raw, None, error), value
    finally:
        feed.close()
