"""Streaming JSON documents record by record, with the line where each record starts.

Used by the readers of JSON exports (``telegram``, ``x-api-v2``).

An export can be hundreds of megabytes of pretty-printed JSON, and the line where each message starts is
wanted for the quarantine. :class:`JsonStream` reads it in one pass without ever holding the whole document:
the text is decoded a megabyte at a time into a buffer, the structure around the messages (the outer
object, ``chats``, ``list``, each chat's ``name``/``type``/``id``) is walked token by token, and each message
is decoded on its own with ``json.JSONDecoder.raw_decode`` at its offset in the buffer. The buffer is cut
behind the current position as it advances, counting the newlines it drops, so a line number is a running
count, and memory is bounded by the buffer and the largest single message, not by the file. The message's
exact text is its ``raw``.

A message that is not valid JSON is quarantined on its own: the exporter writes one message per block
indented by a fixed number of spaces and closes it with a ``}`` at the same indentation, so the reader
skips to that line and goes on. A file that ends inside a message (an interrupted export) keeps every
message before the cut, quarantines the cut one and says so in the import notes; so does a gzipped file
(``.json.gz``) whose compressed stream stops early. Invalid UTF-8 is replaced and quarantines the message it
falls in.

Bounds: one value (a message, a number, a member of the structure) of more than :data:`MAX_VALUE_CHARS`
is refused, and so is a response whose records and members a reader must hold together (the tweets of an
API response until its ``includes`` are read) past the same bound (:meth:`JsonStream.check_held`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from unmask.errors import FormatError
from unmask.ingest.base import Reader
from unmask.ingest.textfile import cap_raw, cut_note, ends_early, jsonl_records, open_bytes, truncated

T = TypeVar("T")

CHUNK_BYTES = 1 << 20
# One JSON value (a message, a response's includes) above this is a broken or adversarial file.
MAX_VALUE_CHARS = 64 * 1024 * 1024

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER_TAIL = re.compile(r"[0-9.eE+-]*")
# What a file cut inside a number or a literal ends with.
_PARTIAL_SCALAR = re.compile(r"t(r(ue?)?)?|f(a(l(se?)?)?)?|n(u(ll?)?)?|-?\d*(\.\d*)?([eE][-+]?\d*)?")
_DECODER = json.JSONDecoder()
_BOM = b"\xef\xbb\xbf"


@dataclass
class JsonItem:
    """One element of a JSON array read as a record: its value, where it starts, its text, what is wrong."""

    value: object
    line_no: int
    raw: str
    error: str | None = None
    envelope: dict | None = None  # json_records: the other members of the response the item came in


class _Broken(Exception):
    def __init__(self, exc: ValueError | RecursionError, at_end: bool):
        super().__init__(str(exc))
        self.pos: int | None = exc.pos if isinstance(exc, json.JSONDecodeError) else None
        if isinstance(exc, json.JSONDecodeError):
            self.msg = exc.msg
        elif isinstance(exc, RecursionError):
            self.msg = "nested too deeply"
        else:  # Python's bound on integers: more than 4,300 digits
            self.msg = str(exc).split(":")[0]
        self.at_end = at_end


class JsonStream:
    """A JSON document read front to back in bounded memory, with the line of every position.

    Walk containers with :meth:`object_keys` / :meth:`array_items`, take values with :meth:`read_value`
    (the document's structure: invalid JSON is a :class:`FormatError`) or :meth:`read_item` (a record:
    invalid JSON is an error on the item, and reading goes on). A value the caller does not take is
    skipped. When the file ends before the document does, ``truncated`` is set and the walk stops quietly.
    Several top-level values one after the other (concatenated JSON) can be read in a loop on :meth:`peek`.
    """

    def __init__(self, path: Path, on_bytes: Callable[[int], None] = lambda n: None):
        self.path = path
        self._fh = open_bytes(path)
        self._on_bytes = on_bytes
        self._buf = ""
        self._pos = 0
        self._base = 0  # offset in the decoded file of _buf[0]
        self._bol = True  # _buf[0] starts a line
        self._line = 1  # the line of _buf[_line_pos]
        self._line_pos = 0
        self._pending = b""  # a UTF-8 sequence cut by the end of a chunk
        self._started = False
        self.eof = False
        self.truncated = False
        self.cut = False  # a gzip stream that stops before its end: the file was cut
        self.taken = 0  # characters of the values handed out (see check_held)
        self._bad: list[int] = []  # offsets of invalid UTF-8 (each replaced by U+FFFD)
        self._bad_i = 0
        self.bad_utf8_outside = 0  # invalid UTF-8 outside any item read with read_item

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> JsonStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the buffer -------------------------------------------------------------------------------

    def _fill(self, grow: bool = False) -> None:
        """Read the next chunk (at least as much as is buffered past the position, if ``grow``)."""
        if self.eof:
            return
        # Drop what is behind the position, but keep the current line's indentation (for _resync).
        cut = self._pos
        newline = self._buf.rfind("\n", max(0, cut - 256), cut)
        if newline >= 0:
            cut, bol = newline + 1, True
        elif self._bol and cut <= 256:
            cut, bol = 0, True
        else:
            bol = False
        if cut > 0:
            self._line_at(cut)
            self._buf = self._buf[cut:]
            self._base += cut
            self._pos -= cut
            self._line_pos -= cut
            self._bol = bol
        size = max(CHUNK_BYTES, len(self._buf) - self._pos) if grow else CHUNK_BYTES
        data = self._fh.read(size)
        self._on_bytes(len(data))
        if not self._started:
            self._started = True
            if data.startswith(_BOM):
                data = data[len(_BOM) :]
        if not data:
            self.eof = True
            self.cut = ends_early(self._fh)
        self._buf += self._decode(self._pending + data, final=self.eof)

    def _decode(self, data: bytes, final: bool) -> str:
        parts = []
        offset = self._base + len(self._buf)
        self._pending = b""
        while data:
            try:
                parts.append(data.decode("utf-8"))
                break
            except UnicodeDecodeError as exc:
                good = data[: exc.start].decode("utf-8")
                parts.append(good)
                offset += len(good)
                if not final and exc.reason == "unexpected end of data":
                    self._pending = data[exc.start :]  # completed by the next chunk
                    break
                self._bad.append(offset)
                parts.append("\ufffd")
                offset += 1
                data = data[exc.end :]
        return "".join(parts)

    def _line_at(self, i: int) -> int:
        """The line of buffer index ``i`` (a running count: cheap when positions move forward)."""
        if i >= self._line_pos:
            self._line += self._buf.count("\n", self._line_pos, i)
        else:
            self._line -= self._buf.count("\n", i, self._line_pos)
        self._line_pos = i
        return self._line

    def _skip_ws(self) -> None:
        while True:
            self._pos = _WS.match(self._buf, self._pos).end()
            if self._pos < len(self._buf) or self.eof:
                return
            self._fill()

    def _abs(self) -> int:
        return self._base + self._pos

    def _check_size(self) -> None:
        if len(self._buf) - self._pos > MAX_VALUE_CHARS:
            raise FormatError(
                self.path,
                f"a single JSON value of more than {MAX_VALUE_CHARS:,} characters starts "
                "here: a broken file, or not this format",
                line=self._line_at(self._pos),
            )

    def check_held(self, since: int, line: int, what: str) -> None:
        """Refuse ``what`` (begun on ``line``, when ``taken`` was ``since``) once the values a reader holds
        together for it pass :data:`MAX_VALUE_CHARS`: one object read whole is one value."""
        if self.taken - since > MAX_VALUE_CHARS:
            raise FormatError(
                self.path,
                f"{what} of more than {MAX_VALUE_CHARS:,} characters, which has to be read whole: "
                "a broken file, or not this format",
                line=line,
            )

    def _error(self, message: str) -> FormatError:
        return FormatError(self.path, f"invalid JSON: {message}", line=self._line_at(self._pos))

    def _decode_value(self) -> tuple[object, int]:
        """Decode the value at the position; return it and the index after it (the position is unmoved)."""
        while True:
            try:
                value, end = _DECODER.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as exc:
                # The value may just run past the buffer: the decoder then fails at its very end, or inside
                # a string it could not close.
                incomplete = exc.msg.startswith("Unterminated string") or exc.pos >= len(self._buf) - 8
                if incomplete and not self.eof:
                    self._check_size()
                    self._fill(grow=True)
                    continue
                raise _Broken(exc, at_end=self.eof and self._cut_short(exc)) from None
            except (ValueError, RecursionError) as exc:
                raise _Broken(exc, at_end=False) from None
            if not self.eof and (
                end >= len(self._buf) or _NUMBER_TAIL.match(self._buf, end).end() == len(self._buf)
            ):
                # A number at the end of the buffer may go on in the next chunk ("0" + ".5"): as far as
                # any value may.
                self._check_size()
                self._fill()
                continue
            return value, end

    def _cut_short(self, exc: json.JSONDecodeError) -> bool:
        """At the end of the file: does the value fail only because the file ends inside it?"""
        if exc.msg.startswith("Unterminated string"):
            return True
        rest = self._buf[exc.pos :].rstrip()
        if exc.msg.startswith("Invalid \\uXXXX escape"):
            return '"' not in rest
        return rest == "" or _PARTIAL_SCALAR.fullmatch(rest) is not None

    # -- walking the document ---------------------------------------------------------------------

    def peek(self) -> str:
        """The next character that is not white space; '' at the end of the file."""
        self._skip_ws()
        return self._buf[self._pos] if self._pos < len(self._buf) else ""

    def line(self) -> int:
        """The line of the next character that is not white space."""
        self._skip_ws()
        return self._line_at(self._pos)

    def _at_end(self) -> bool:
        if self.peek() == "":
            self.truncated = True
            return True
        return False

    def notes(self, what: str) -> list[str]:
        """What the import should say about the stream once read: a cut file, replaced bad UTF-8."""
        notes = []
        if self.cut:
            notes.append(cut_note(self.line(), what))
        elif self.truncated:
            notes.append(
                f"the file ends before its JSON does (line {self.line()}): it was cut; "
                f"every {what} before the cut was read"
            )
        if self.bad_utf8_outside:
            notes.append(
                f"{self.bad_utf8_outside} invalid UTF-8 sequences outside any {what} were replaced by U+FFFD"
            )
        return notes

    def object_keys(self) -> Iterator[str]:
        """Enter the object at the position; yield each member name with the position at its value."""
        for _ in self._members("{", "}", "an object", "a member"):
            if self.peek() != '"':
                raise self._error(f"expected a member name in double quotes, found {self.peek()!r}")
            key = self.read_value()
            if self.truncated or self._at_end():
                return
            if self.peek() != ":":
                raise self._error(f"expected ':' after the member name {key!r}, found {self.peek()!r}")
            self._pos += 1
            if self._at_end():
                return
            yield from self._visit(str(key))

    def array_items(self) -> Iterator[int]:
        """Enter the array at the position; yield the line of each element with the position at it."""
        for _ in self._members("[", "]", "an array", "an element"):
            yield from self._visit(self.line())

    def _members(self, open_: str, close: str, container: str, member: str) -> Iterator[None]:
        """Enter the container at the position; stop at each member's start, past its separator."""
        if self._at_end():
            return
        if self.peek() != open_:
            raise self._error(f"expected {container}, found {self.peek()!r}")
        self._pos += 1
        first = True
        while not self._at_end():
            c = self.peek()
            if c == close:
                self._pos += 1
                return
            if not first:
                if c != ",":
                    raise self._error(f"expected ',' or '{close}' after {member}, found {c!r}")
                self._pos += 1
                if self._at_end():
                    return
            yield
            if self.truncated:
                return
            first = False

    def _visit(self, item: T) -> Iterator[T]:
        """Hand ``item`` to the consumer; skip the value at the position if the consumer did not read it."""
        mark = self._abs()
        yield item
        if not self.truncated and self._abs() == mark:
            self.skip_value()

    def read_value(self) -> object:
        """The value at the position, as part of the document's structure (invalid JSON: FormatError)."""
        if self._at_end():
            return None
        try:
            value, end = self._decode_value()
        except _Broken as broken:
            if broken.at_end:
                self.truncated = True
                self._pos = len(self._buf)
                return None
            line = self._line_at(broken.pos) if broken.pos is not None else self._line_at(self._pos)
            raise FormatError(self.path, f"invalid JSON: {broken.msg}", line=line) from None
        self.taken += end - self._pos
        self._pos = end
        return value

    def skip_value(self, depth: int = 0) -> None:
        """Pass the value at the position, holding no more than one leaf of it at a time."""
        c = self.peek()
        if c == "{" and depth < 64:
            for _ in self.object_keys():
                self.skip_value(depth + 1)
        elif c == "[" and depth < 64:
            for _ in self.array_items():
                self.skip_value(depth + 1)
        else:
            self.read_value()

    def read_item(self) -> JsonItem:
        """The value at the position as a record: a broken one carries an error and reading goes on."""
        self._skip_ws()
        line = self._line_at(self._pos)
        start_abs = self._abs()
        try:
            value, end = self._decode_value()
        except _Broken as broken:
            where = self._line_at(broken.pos) if broken.pos is not None else line
            if broken.at_end:
                raw = self._buf[self._pos :]
                self._pos = len(self._buf)
                self.truncated = True
                self._utf8_error(start_abs, self._abs())
                reason = truncated(f"invalid JSON: {broken.msg} on line {where}", self.cut)
                return JsonItem(None, line, cap_raw(raw), reason)
            end = self._resync()
            if end is None:
                raise FormatError(
                    self.path,
                    f"invalid JSON: {broken.msg}; cannot find where this record "
                    "ends, so the rest of the file cannot be read",
                    line=where,
                ) from None
            raw = self._buf[self._pos : end]
            nul = raw.find("\x00")
            reason = (
                f"a NUL byte on line {self._line_at(self._pos + nul)}: binary data inside a text record"
                if nul >= 0
                else f"invalid JSON: {broken.msg} on line {where}"
            )
            self.taken += end - self._pos
            self._pos = end
            self._utf8_error(start_abs, self._abs())
            return JsonItem(None, line, cap_raw(raw), reason)
        raw = self._buf[self._pos : end]
        self.taken += end - self._pos
        self._pos = end
        error = self._utf8_error(start_abs, self._abs())
        return JsonItem(None if error else value, line, raw, error)

    def _resync(self) -> int | None:
        """The end of the broken pretty-printed value at the position: the closing bracket that sits at the
        indentation of its opening one, on a line of its own. None where the layout does not tell."""
        buf, start = self._buf, self._pos
        if buf[start : start + 1] not in ("{", "["):
            return None
        line_start = buf.rfind("\n", 0, start) + 1
        if line_start == 0 and not self._bol:
            return None
        indent = buf[line_start:start]
        if not indent or indent.strip(" \t"):
            return None
        closer = re.compile("\n" + re.escape(indent) + ("}" if buf[start] == "{" else "]"))
        searched = 0  # characters after the position already searched
        while True:
            found = closer.search(self._buf, self._pos + searched)
            if found:
                return found.end()
            if self.eof:
                return None
            searched = max(0, len(self._buf) - self._pos - len(indent) - 1)
            self._check_size()
            self._fill(grow=True)

    def _utf8_error(self, start: int, end: int) -> str | None:
        """Account for the invalid UTF-8 up to ``end``; the error of an item spanning ``start:end``."""
        bad = self._bad
        while self._bad_i < len(bad) and bad[self._bad_i] < start:
            self.bad_utf8_outside += 1
            self._bad_i += 1
        first = None
        while self._bad_i < len(bad) and bad[self._bad_i] < end:
            if first is None:
                first = bad[self._bad_i]
            self._bad_i += 1
        if self._bad_i > 4096:
            del bad[: self._bad_i]
            self._bad_i = 0
        if first is None:
            return None
        return f"invalid UTF-8 on line {self._line_at(first - self._base)}"

    def finish(self) -> bool:
        """Account for invalid UTF-8 left over; True if the file has more than white space after here."""
        more = self.peek() != ""
        self._utf8_error(self._abs(), self._abs())
        self.bad_utf8_outside += len(self._bad) - self._bad_i
        self._bad_i = len(self._bad)
        return more


class FieldTypeError(Exception):
    def __init__(self, field: str, message: str | None = None):
        super().__init__(message or f"field {field!r} has an unexpected type")
        self.field = field


def json_id(value: object, field: str) -> str | None:
    """An id as a string (numbers too); None where missing."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise FieldTypeError(field)
    return str(value).strip() or None


def json_str(value: object, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise FieldTypeError(field)
    return value


def item_row(
    reader: Reader, record_no: int, item: JsonItem, what: str, read: Callable[[dict, dict], None]
) -> dict:
    """The staged row of one JSON record: its error, or what ``read(value, row)`` fills in.

    ``what`` names the record in the error for a value that is not an object ("a tweet", "a message").
    """
    row = reader.new_row(record_no, item.line_no, cap_raw(item.raw), item.error)
    if item.error:
        return row
    if not isinstance(item.value, dict):
        row["error"] = f"not a JSON object ({what})"
        return row
    try:
        read(item.value, row)
    except FieldTypeError as exc:
        row["error"], row["error_field"] = str(exc), exc.field
    return row


JSON_LINES_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")


def json_records(
    path: Path, *, on_bytes: Callable[[int], None], member: str = "data", notes: list[str] | None = None
) -> Iterator[JsonItem]:
    """Each record of a JSON export: a JSON Lines line, an array element, an element of a response's
    ``member`` array (an API page such as ``{"data": [...], "paging": ...}``), or a bare object.

    Broken records carry their error and reading goes on; a file cut inside its JSON yields what came
    before the cut, and says so in ``notes`` (a cut between two records leaves no broken record behind).
    """
    if path.name.lower().endswith(JSON_LINES_SUFFIXES):
        for rec, value in jsonl_records(path, on_bytes=on_bytes, notes=notes):
            yield JsonItem(value, rec.line_no, rec.raw, rec.error)
        return
    with JsonStream(path, on_bytes) as stream:
        while not stream.truncated:
            c = stream.peek()
            if c == "":
                break
            if c == "[":
                for _ in stream.array_items():
                    yield stream.read_item()
            elif c == "{":
                line = stream.line()
                members: dict = {}
                items: list[JsonItem] = []
                since = stream.taken
                for key in stream.object_keys():
                    if key == member and stream.peek() == "[":
                        members[key] = None
                        for _ in stream.array_items():
                            items.append(stream.read_item())
                            stream.check_held(since, line, "a JSON object")
                    else:
                        members[key] = stream.read_value()
                        stream.check_held(since, line, "a JSON object")
                if member in members:
                    for item in items:
                        item.envelope = members
                        yield item
                else:
                    yield JsonItem(members, line, cap_raw(json.dumps(members, ensure_ascii=False)))
            else:
                raise FormatError(path, f"expected a JSON object or list, found {c!r}", line=stream.line())
        stream.finish()
        if notes is not None:
            notes.extend(stream.notes("record"))
