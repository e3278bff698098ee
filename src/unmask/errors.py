"""Errors a user can cause. Each is shown as one message, without a traceback; bugs stay tracebacks."""

from __future__ import annotations

from pathlib import Path


class UnmaskError(Exception):
    """Base class for every error caused by input or options rather than by a bug."""


class FormatError(UnmaskError):
    """A file that cannot be read as its format at all: names the file, the line and the field."""

    def __init__(self, path: str | Path, message: str, *, line: int | None = None, field: str | None = None):
        self.path = str(path)
        self.line = line
        self.field = field
        self.detail = message
        where = self.path
        if line is not None:
            where += f", line {line}"
        if field is not None:
            where += f", field {field!r}"
        super().__init__(f"{where}: {message}")


class CaseError(UnmaskError):
    """The case file cannot be opened or is of an unknown schema version."""


class OptionError(UnmaskError):
    """An option value that makes no sense (an unknown format, a bad --map, an unknown time zone)."""


class OutputError(UnmaskError):
    """An output path that cannot be written: a folder where a file is expected, a missing parent, no
    permission, a disk that fails while writing."""
