"""Importing exports into a case: the format registry and :func:`import_files`.

Example::

    >>> from unmask.case import Case
    >>> with Case.open(":memory:") as case:                       # doctest: +SKIP
    ...     [result] = import_files(case, "posts-csv", ["posts.csv"])
    ...     result.loaded, result.quarantined
    (120, 2)
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from unmask.case import Case
from unmask.errors import FormatError, OptionError
from unmask.ingest.articles import ArticlesReader
from unmask.ingest.base import Reader
from unmask.ingest.companies_house import CompaniesHouseReader
from unmask.ingest.coortweet import CoorTweetReader
from unmask.ingest.fec import FecReader
from unmask.ingest.fivethirtyeight import FiveThirtyEightReader
from unmask.ingest.google_ads import GoogleAdsReader
from unmask.ingest.html_pages import HtmlPagesReader
from unmask.ingest.meta_ads import MetaAdsReader
from unmask.ingest.posts_csv import PostsCsvReader
from unmask.ingest.stage import Stage
from unmask.ingest.telegram import TelegramReader
from unmask.ingest.twitter_io import TwitterIOReader
from unmask.ingest.whois_records import WhoisReader
from unmask.ingest.x_api_v2 import XApiV2Reader

READERS: dict[str, type[Reader]] = {
    r.name: r
    for r in (
        PostsCsvReader,
        TwitterIOReader,
        FiveThirtyEightReader,
        XApiV2Reader,
        TelegramReader,
        CoorTweetReader,
        ArticlesReader,
        MetaAdsReader,
        CompaniesHouseReader,
        FecReader,
        GoogleAdsReader,
        HtmlPagesReader,
        WhoisReader,
    )
}


@dataclass
class ImportResult:
    """What importing one file (or folder) did."""

    path: str
    format: str
    sha256: str
    source_id: int
    kind: str = "posts"  # what the loaded records are: posts, or documents
    skipped: bool = False  # the same bytes were imported before: nothing changed
    loaded: int = 0
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    accounts_added: int = 0
    naive_timestamps: int = 0
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def parse_mapping(pairs: Sequence[str]) -> dict[str, str]:
    """``["post_id=tweet_id", ...]`` → ``{"post_id": "tweet_id"}``."""
    mapping = {}
    for pair in pairs:
        ours, sep, theirs = pair.partition("=")
        if not sep or not ours.strip() or not theirs.strip():
            raise OptionError(f"--map {pair!r}: expected NEW=OLD, e.g. --map post_id=tweet_id")
        mapping[ours.strip()] = theirs.strip()
    return mapping


# A UTC offset as people write it: +03:00, -0530, +3, UTC+3, GMT-05:30.
_OFFSET = re.compile(r"(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)


def check_timezone(con: duckdb.DuckDBPyConnection, tz: str) -> str:
    """The name DuckDB reads ``tz`` by: a zone name (Europe/Berlin, UTC) as given, or a UTC offset.

    An offset becomes ICU's fixed zone ``GMT+03:00``, whose sign means what it says (POSIX's
    ``Etc/GMT-3`` is the same zone with the sign turned round) and which has half and quarter hours
    (``GMT+05:30``), so the SQL that reads times written without a zone takes either kind of name.
    """
    offset = _OFFSET.fullmatch(tz.strip())
    name = tz
    if offset:
        sign, hours, minutes = offset[1], int(offset[2]), int(offset[3] or 0)
        if hours > 14 or minutes > 59 or (hours == 14 and minutes):
            raise OptionError(f"--timezone {tz!r}: UTC offsets run from -14:00 to +14:00")
        name = "UTC" if hours == minutes == 0 else f"GMT{sign}{hours:02d}:{minutes:02d}"
    try:
        con.execute("SELECT timezone(?, TIMESTAMP '2000-01-01')", [name]).fetchall()
    except duckdb.Error:
        raise OptionError(
            f"--timezone {tz!r}: not a known time zone or UTC offset (try UTC, Europe/Berlin or +03:00)"
        ) from None
    return name


def describe_options(options: dict) -> list[str]:
    """The options an import was given, as the command line writes them (none: an empty list)."""
    parts = [f"--timezone {options['timezone']}"] if options.get("timezone_stated") else []
    if options.get("mapping"):
        parts.append("--map " + " ".join(f"{k}={v}" for k, v in sorted(options["mapping"].items())))
    if options.get("as_of"):
        parts.append(f"--as-of {options['as_of']}")
    return parts


def _differs(previous: dict, wanted: dict) -> bool:
    """Whether ``wanted`` asks for another reading of a file imported with ``previous``.

    An option not given asks for nothing: importing a file again without --timezone (as ``persona
    --docs`` does) reuses the source, whatever zone it was read in. One given must match.
    """
    zone = (previous.get("timezone"), bool(previous.get("timezone_stated")))
    if wanted["timezone_stated"] and zone != (wanted["timezone"], True):
        return True
    if wanted["mapping"] and wanted["mapping"] != (previous.get("mapping") or {}):
        return True
    return bool(wanted.get("as_of")) and wanted["as_of"] != previous.get("as_of")


def import_files(
    case: Case,
    format: str,
    paths: Sequence[str | Path],
    *,
    timezone: str | None = None,
    mapping: dict[str, str] | None = None,
    as_of: str | None = None,
    on_bytes: Callable[[int], None] = lambda n: None,
) -> list[ImportResult]:
    """Import ``paths`` as ``format`` in one transaction: all of them, or nothing if any cannot be read.

    Timestamps written without a zone are read in ``timezone``; ``None`` reads them as UTC and records that
    the zone was not stated (``sources.options``), so that analyses of the time of day can refuse them.

    Re-importing a file already in the case (same sha256) with the same format and options changes nothing
    and is reported as skipped; as another format or with other options it is an :class:`OptionError`
    naming the source to remove first (:func:`unmask.sources.remove_source`). A path may be a folder where
    the format reads folders (``articles``). ``as_of`` (ISO date) is the date records describe where they
    do not say (``whois``). ``timezone`` is a zone name or a UTC offset (``+03:00``).
    """
    try:
        reader_cls = READERS[format]
    except KeyError:
        raise OptionError(f"unknown format {format!r}; known: {', '.join(READERS)}") from None
    if as_of is not None:
        try:
            as_of = date.fromisoformat(as_of).isoformat()
        except ValueError:
            raise OptionError(f"--as-of {as_of!r}: not a date (YYYY-MM-DD)") from None
    stated = timezone is not None
    timezone = check_timezone(case.con, timezone or "UTC")
    # Queries read no file they were not given (unmask.case.connect); formats DuckDB parses need theirs.
    case.allow_reading(paths)
    results = []
    with case.transaction() as con:
        for given in paths:
            results.append(
                _import_one(
                    con, reader_cls, Path(given), str(given), timezone, stated, mapping, as_of, on_bytes
                )
            )
    return results


def _import_one(
    con: duckdb.DuckDBPyConnection,
    reader_cls: type[Reader],
    path: Path,
    given: str,
    timezone: str,
    stated: bool,
    mapping: dict[str, str] | None,
    as_of: str | None,
    on_bytes: Callable[[int], None],
) -> ImportResult:
    started = time.perf_counter()
    if path.is_dir():
        if not reader_cls.reads_folders:
            raise FormatError(given, f"a folder: {reader_cls.name} reads files")
    elif not path.is_file():
        raise FormatError(given, "no such file")
    sha = reader_cls.fingerprint(path)
    options: dict = {"timezone": timezone, "timezone_stated": stated, "mapping": mapping or {}}
    if as_of is not None:
        options["as_of"] = as_of
    previous = con.execute(
        "SELECT source_id, format, options FROM sources WHERE sha256 = ?", [sha]
    ).fetchall()
    if previous:
        return _already_imported(reader_cls, path, given, sha, options, *previous[0], on_bytes)
    [(source_id,)] = con.execute(
        "INSERT INTO sources (path, abs_path, sha256, format, options) VALUES (?, ?, ?, ?, ?)"
        " RETURNING source_id",
        [given, os.path.abspath(path), sha, reader_cls.name, json.dumps(options)],
    ).fetchall()
    reader = reader_cls(mapping=mapping, as_of=as_of)
    stage = Stage(con, on_bytes=on_bytes, schema=reader.stage_schema)
    stage.create()
    reader.stage(path, stage)
    stage.flush()
    done = reader.finalise(con, source_id, timezone)
    stage.drop()
    notes = [*reader.notes, *done.notes]
    if done.naive_timestamps:
        notes.append(f"{done.naive_timestamps} timestamps had no time zone: read as {timezone} (--timezone)")
    # The count of zone-less timestamps tells time-of-day analyses whether a source's hours can be trusted.
    options["naive_timestamps"] = done.naive_timestamps
    con.execute(
        "UPDATE sources SET rows_loaded = ?, rows_quarantined = ?, notes = ?, options = ?"
        " WHERE source_id = ?",
        [done.loaded, done.quarantined, notes, json.dumps(options), source_id],
    )
    return ImportResult(
        given,
        reader_cls.name,
        sha,
        source_id,
        kind=reader_cls.loads,
        loaded=done.loaded,
        quarantined=done.quarantined,
        reasons=done.reasons,
        accounts_added=done.accounts_added,
        naive_timestamps=done.naive_timestamps,
        notes=notes,
        seconds=time.perf_counter() - started,
    )


def _already_imported(
    reader_cls: type[Reader],
    path: Path,
    given: str,
    sha: str,
    wanted: dict,
    source_id: int,
    fmt: str,
    stored: str | None,
    on_bytes: Callable[[int], None],
) -> ImportResult:
    """A file the case has: skipped if asked for as it was imported, refused if asked for otherwise."""
    previous = json.loads(stored) if stored else {}
    was = ", ".join([fmt, *describe_options(previous)])
    if fmt != reader_cls.name or _differs(previous, wanted):
        options = describe_options(wanted)
        asked = f" with {', '.join(options)}" if options else ""
        raise OptionError(
            f"{given}: already imported as source {source_id} ({was}): to import it as {reader_cls.name}"
            f"{asked}, first remove it with `unmask sources remove {source_id}`"
        )
    on_bytes(path.stat().st_size)
    return ImportResult(
        given,
        reader_cls.name,
        sha,
        source_id,
        kind=reader_cls.loads,
        skipped=True,
        notes=[f"already imported as source {source_id} ({was}): nothing changed"],
    )
