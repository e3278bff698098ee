"""The investigation report: one self-contained page (or Markdown, or JSON) of a case's findings.

Example::

    >>> from unmask.case import Case
    >>> with Case.open("case.duckdb") as case:                   # doctest: +SKIP
    ...     write_report(case, Path("report.html"))
    PosixPath('report.html')
"""

from __future__ import annotations

from pathlib import Path

from unmask.case import Case
from unmask.errors import OptionError
from unmask.outfiles import out_file, write_text
from unmask.report.data import Limits, report_data
from unmask.report.render import render_html, render_json, render_markdown

FORMATS = {"html": render_html, "json": render_json, "md": render_markdown}


def write_report(case: Case, out: Path, format: str = "html", limits: Limits | None = None) -> Path:
    """Render the case's findings as ``format`` (html, json, md) into ``out``, written whole or not at all.
    A target that cannot be written raises :class:`~unmask.errors.OutputError` before the case is read."""
    if format not in FORMATS:
        raise OptionError(f"--format {format!r}: one of {', '.join(FORMATS)}")
    out_file(out)
    text = FORMATS[format](report_data(case, limits))
    return write_text(out, text)


__all__ = ["Limits", "report_data", "write_report"]
