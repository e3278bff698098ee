"""Reading text exports record by record, keeping the line where each record starts and its raw text.

Files are read as bytes and decoded line by line, so that one line of broken UTF-8 quarantines one record
instead of stopping the import, and so that memory stays bounded by the largest record, not the file.

Every read is bounded: a line is read at most :data:`MAX_LINE_BYTES` at a time (a longer one is quarantined
and skipped without being held), a record of several lines at most :data:`MAX_RECORD_CHARS`, and a field of a
delimited record is checked against :data:`MAX_FIELD_CHARS` here, whatever the process-wide
``csv.field_size_limit`` says (other libraries change it). A gzipped file that stops before its end (an
interrupted download) is read up to the cut, and the record the cut falls in says so.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from unmask.errors import FormatError

# A single field above this is an adversarial or broken file (an unclosed quote swallowing the rest):
# the record is quarantined instead of growing without bound.
MAX_FIELD_CHARS = 8 * 1024 * 1024
# One line, and one record of several lines, may hold several fields of the largest size.
MAX_LINE_BYTES = 4 * MAX_FIELD_CHARS
MAX_RECORD_CHARS = 4 * MAX_FIELD_CHARS
# The raw text kept for one record (in the quarantine); longer records are cut here.
MAX_RAW_CHARS = 1024 * 1024
# What check_text reads to tell a text file from a binary one, and readers sniff.
SAMPLE_BYTES = 65536
ENDS_EARLY = "the compressed file ends early"
_CHUNK = 1 << 16
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class _Gunzip(io.RawIOBase):
    """A gzip file's content as a raw stream. A stream cut before its end marker ends at the cut instead of
    raising EOFError (which would lose the bytes of the line being read), and says so in ``cut``."""

    def __init__(self, path: Path):
        self._path = path
        self._fh = gzip.open(path, "rb")  # noqa: SIM115 (closed by close(), as a stream is)
        self.cut = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def, override]
        if self.cut:
            return 0
        try:
            data = self._fh.read1(len(buffer))
        except EOFError:
            self.cut = True
            return 0
        except (gzip.BadGzipFile, zlib.error) as exc:
            raise FormatError(self._path, f"cannot read the compressed file: {exc}") from None
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._fh.close()
        super().close()


def open_bytes(path: Path) -> BinaryIO:
    """The file's bytes, decompressed when it is gzipped (``.gz``), as exports are often shipped.

    A gzipped file cut short reads as far as it goes; :func:`ends_early` tells, once it is read.
    """
    if path.suffix.lower() == ".gz":
        return io.BufferedReader(_Gunzip(path), _CHUNK)  # type: ignore[return-value]
    return path.open("rb")


def ends_early(fh: BinaryIO) -> bool:
    """Whether a file opened by :func:`open_bytes` was a gzip stream that stopped before its end."""
    raw = getattr(fh, "raw", None)
    return isinstance(raw, _Gunzip) and raw.cut


def cap_raw(raw: str) -> str:
    """The raw text of a record as kept in the quarantine: at most :data:`MAX_RAW_CHARS`."""
    return raw if len(raw) <= MAX_RAW_CHARS else raw[:MAX_RAW_CHARS]


def truncated(cause: str, cut: bool) -> str:
    """The reason of the last record of a file that ends inside it (``cut``: a gzip stream cut short)."""
    where = f"{ENDS_EARLY}, inside it" if cut else "the file ends inside it"
    return f"truncated record: {where} ({cause})"


def cut_note(line: int, what: str = "record") -> str:
    """The import's note on a gzipped file cut short."""
    return (
        f"{ENDS_EARLY} (an interrupted download?): its content stops on line {line:,}; "
        f"every {what} before the cut was read"
    )


def check_text(path: Path, sample_bytes: int = SAMPLE_BYTES) -> bytes:
    """Refuse a file that is not text; return its first bytes (BOM stripped) for sniffing.

    A file is binary when its first line holds a NUL byte or more than 1 % of its first ``sample_bytes`` are
    NULs; a NUL inside one record of a text file only quarantines that record (see :class:`LineFeed`).
    """
    try:
        with open_bytes(path) as fh:
            head = fh.read(sample_bytes)
    except OSError as exc:
        raise FormatError(path, f"cannot read the file: {exc.strerror or exc}") from None
    if head.startswith(_UTF16_BOMS):
        raise _utf16(path)
    nul = head.find(b"\x00")
    if nul >= 0:
        first_line_end = head.find(b"\n")
        if _looks_utf16(head):
            raise _utf16(path)
        if first_line_end < 0 or nul < first_line_end or head.count(b"\x00") * 100 > len(head):
            line = head[:nul].count(b"\n") + 1
            raise FormatError(path, f"not a text file (a NUL byte at offset {nul})", line=line)
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    return head


def _looks_utf16(head: bytes) -> bool:
    """UTF-16 without a byte-order mark: text whose every other byte is NUL."""
    pairs = head[: len(head) // 2 * 2]
    if len(pairs) < 8:
        return False
    return max(pairs[0::2].count(0), pairs[1::2].count(0)) * 10 > len(pairs) // 2 * 9


def _utf16(path: Path) -> FormatError:
    """The refusal of a UTF-16 file, with the command that converts it (``in.csv`` → ``in-utf8.csv``)."""
    name = path.name.removesuffix(".gz")
    stem, dot, suffix = name.rpartition(".")
    out = f"{stem}-utf8{dot}{suffix}" if stem else f"{name}-utf8"
    iconv = "iconv -f UTF-16 -t UTF-8"
    command = f"gunzip -c {path.name} | {iconv}" if path.name != name else f"{iconv} {path.name}"
    return FormatError(
        path, f"a UTF-16 file: unmask reads UTF-8; convert it first, e.g. {command} > {out}", line=1
    )


class LongLine(Exception):
    """A line longer than :data:`MAX_LINE_BYTES`: skipped to its end; its first bytes are in the feed."""

    def __init__(self, limit: int):
        super().__init__(f"line longer than {limit:,} bytes (the rest of the line is skipped)")


class LongRecord(Exception):
    """A record of several lines longer than :data:`MAX_RECORD_CHARS` (an unclosed quote, most often)."""

    def __init__(self, limit: int):
        super().__init__(
            f"record longer than {limit:,} characters (a quoted field that does not end?): "
            "reading goes on at the next line"
        )


class LineFeed:
    """An iterator of decoded lines that remembers what the consumer has taken since the last ``take``.

    Lines are read at most :data:`MAX_LINE_BYTES` at a time: a longer line raises :class:`LongLine` once the
    feed has skipped to its end, keeping its first :data:`MAX_RAW_CHARS` for the record's raw text. Lines
    taken together (one record) longer than :data:`MAX_RECORD_CHARS` raise :class:`LongRecord`.
    """

    def __init__(self, path: Path, on_bytes: Callable[[int], None]):
        self._fh = open_bytes(path)
        self._on_bytes = on_bytes
        self._buffer: list[str] = []
        self._held = 0  # characters read since the last take (kept in _buffer up to MAX_RAW_CHARS)
        self.taken_chars = 0  # characters of the lines the last take returned (before any cut)
        self.lines_read = 0
        # Whether the last line read ends with a line break: only the last line of a file may not.
        self.line_ended = True
        self.flawed = False  # the current record has a NUL byte or invalid UTF-8 (which line: below)
        self.bad_utf8_line: int | None = None
        self.nul_line: int | None = None

    def __iter__(self) -> LineFeed:
        return self

    @property
    def cut(self) -> bool:
        """The file is a gzip stream that stopped before its end (known once it is read to the end)."""
        return ends_early(self._fh)

    def read_line(self) -> bytes:
        """The next line's bytes, b'' at the end; :class:`LongLine` (the line skipped) if it is too long."""
        data = self._fh.readline(MAX_LINE_BYTES)
        if not data:
            return data
        self.lines_read += 1
        self._on_bytes(len(data))
        if not data.endswith(b"\n"):
            self._unended(data)
        if self.lines_read == 1 and data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        return data

    def _unended(self, data: bytes) -> None:
        """A line without a line break: the file's last, or one longer than the limit (skipped: LongLine)."""
        self.line_ended = data.endswith(b"\r")
        if len(data) < MAX_LINE_BYTES:
            return
        prefix = data[:MAX_RAW_CHARS]
        while True:  # on to the line's end, holding no more than a chunk of it
            rest = self._fh.readline(_CHUNK)
            self._on_bytes(len(rest))
            if not rest or rest.endswith(b"\n"):
                self.line_ended = bool(rest)
                break
        self._keep(prefix.decode("utf-8", errors="replace"))
        raise LongLine(MAX_LINE_BYTES)

    def __next__(self) -> str:
        data = self.read_line()
        if not data:
            raise StopIteration
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("utf-8", errors="replace")
            if self.bad_utf8_line is None:
                self.bad_utf8_line, self.flawed = self.lines_read, True
        if b"\x00" in data and self.nul_line is None:
            self.nul_line, self.flawed = self.lines_read, True
        self._keep(text)
        if self._held > MAX_RECORD_CHARS:
            raise LongRecord(MAX_RECORD_CHARS)
        return text

    def _keep(self, text: str) -> None:
        if self._held < MAX_RAW_CHARS:
            self._buffer.append(text)
        self._held += len(text)

    def take(self) -> str:
        """The raw text of the lines read since the last ``take`` (its first :data:`MAX_RAW_CHARS` when
        longer); what was wrong with them is forgotten."""
        buffer = self._buffer
        raw = buffer[0] if len(buffer) == 1 else "".join(buffer)
        if len(raw) > MAX_RAW_CHARS:
            raw = raw[:MAX_RAW_CHARS]
        self.taken_chars = self._held
        self._buffer = []
        self._held = 0
        if self.flawed:
            self.flawed = False
            self.bad_utf8_line = self.nul_line = None
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


def _line_error(feed: LineFeed) -> str | None:
    """What the lines of the record just read hold that makes it unreadable: a NUL byte, invalid UTF-8."""
    if feed.nul_line is not None:
        return f"a NUL byte on line {feed.nul_line}: binary data inside a text record"
    if feed.bad_utf8_line is not None:
        return f"invalid UTF-8: on line {feed.bad_utf8_line}"
    return None


def csv_records(
    path: Path,
    *,
    delimiter: str,
    on_bytes: Callable[[int], None],
    expected_fields: int | None = None,
    notes: list[str] | None = None,
) -> Iterator[Record]:
    """Yield the header (record_no 0) and then each data record of a delimited file.

    A record whose field count differs from ``expected_fields`` (the header's, if not given) carries an
    error; so does one with a field longer than :data:`MAX_FIELD_CHARS`; the last record of a file that
    ends inside it says so, and a gzipped file cut short says so in ``notes``.
    """
    # The csv module's own limit is process-wide and others lower or raise it: it must not refuse a field
    # unmask accepts, and the bound on memory is the feed's (MAX_RECORD_CHARS).
    if csv.field_size_limit() <= MAX_FIELD_CHARS:
        csv.field_size_limit(MAX_FIELD_CHARS + 1)
    feed = LineFeed(path, on_bytes)
    reader = csv.reader(feed, delimiter=delimiter, strict=False)
    record_no = -1
    pending: Record | None = None
    bounded = False  # the pending record was cut by a bound, not by the end of the file
    try:
        while True:
            start = feed.lines_read + 1
            too_long = False
            try:
                fields: list[str] | None = next(reader)
                error = None
            except StopIteration:
                break
            except (LongLine, LongRecord) as exc:
                fields, error, too_long = None, str(exc), True
            except csv.Error as exc:
                fields, error = None, f"unreadable record: {exc}"
            if feed.flawed and error is None:
                error = _line_error(feed)
            raw = feed.take()
            if fields == [] and error is None:
                continue  # a blank line is no record
            record_no += 1
            if record_no == 0:
                if fields is None:
                    raise FormatError(path, error or "unreadable header", line=start)
                if expected_fields is None:
                    expected_fields = len(fields)
            elif (
                error is None
                and fields is not None
                and (len(fields) != expected_fields or feed.taken_chars > MAX_FIELD_CHARS)
            ):
                error = _field_error(fields, expected_fields)
            if pending is not None:
                yield pending
            pending, bounded = Record(record_no, start, raw, fields, error), too_long
        if pending is not None:
            if pending.record_no > 0 and not bounded and _cut_off(pending, expected_fields, feed):
                pending.error = truncated(pending.error or "an open quoted field", feed.cut)
            yield pending
        if feed.cut and notes is not None:
            notes.append(cut_note(feed.lines_read))
    finally:
        feed.close()


def _field_error(fields: list[str], expected_fields: int | None) -> str | None:
    """A wrong field count, or a field longer than the limit."""
    if expected_fields is not None and len(fields) != expected_fields:
        return f"wrong field count: expected {expected_fields}, found {len(fields)}"
    for n, field in enumerate(fields, start=1):
        if len(field) > MAX_FIELD_CHARS:
            return f"field {n} longer than {MAX_FIELD_CHARS:,} characters"
    return None


def _cut_off(rec: Record, expected_fields: int | None, feed: LineFeed) -> bool:
    """Whether the last record of a file looks cut off: open quotes, no line end, or too few fields.

    In a gzip stream cut short, the last record is cut unless the cut fell just after a line's end.
    """
    if rec.error is None:
        # The right field count, but the file ends inside a quoted field (the csv reader closes it).
        return not feed.line_ended and (feed.cut or rec.raw.count('"') % 2 == 1)
    too_few = rec.fields is not None and expected_fields is not None and len(rec.fields) < expected_fields
    return too_few or rec.raw.count('"') % 2 == 1 or not feed.line_ended


def jsonl_records(
    path: Path, *, on_bytes: Callable[[int], None], notes: list[str] | None = None
) -> Iterator[tuple[Record, object]]:
    """Yield each non-blank line of a JSON Lines file with its parsed value (None where it is invalid)."""
    feed = LineFeed(path, on_bytes)
    record_no = 0
    try:
        while True:
            try:
                line = next(feed)
                error = _line_error(feed) if feed.flawed else None
            except StopIteration:
                break
            except (LongLine, LongRecord) as exc:
                line, error = "", str(exc)
            raw = feed.take()
            if not raw.strip():
                continue
            record_no += 1
            value: object = None
            if error is None:
                try:
                    value = json.loads(line.rstrip("\r\n"))
                except json.JSONDecodeError as exc:
                    error = f"invalid JSON: {exc.msg.removesuffix(' at')} at column {exc.colno}"
                    if not feed.line_ended:
                        error = truncated(error, feed.cut)
                except (ValueError, RecursionError) as exc:
                    # Python's own bounds: integers of more than 4,300 digits, nesting past the stack.
                    error = f"invalid JSON: {str(exc).split(':')[0] or type(exc).__name__}"
            yield Record(record_no, feed.lines_read, raw, None, error), value
        if feed.cut and notes is not None:
            notes.append(cut_note(feed.lines_read))
    finally:
        feed.close()
