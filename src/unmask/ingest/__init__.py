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


def check_timezone(con: duckdb.DuckDBPyConnection, tz: str) -> None:
    try:
        con.execute("SELECT timezone(?, TIMESTAMP '2000-01-01')", [tz]).fetchall()
    except duckdb.Error:
        raise OptionError(f"--timezone {tz!r}: not a known time zone (try UTC or Europe/Berlin)") from None


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

    Re-importing a file already in the case (same sha256) changes nothing and is reported as skipped. A
    path may be a folder where the format reads folders (``articles``). ``as_of`` (ISO date) is the date
    records describe where they do not say (``whois``).
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
    timezone = timezone or "UTC"
    check_timezone(case.con, timezone)
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
    previous = con.execute("SELECT source_id, format FROM sources WHERE sha256 = ?", [sha]).fetchall()
    if previous:
        on_bytes(path.stat().st_size)
        source_id, fmt = previous[0]
        return ImportResult(
            given,
            reader_cls.name,
            sha,
            source_id,
            kind=reader_cls.loads,
            skipped=True,
            notes=[f"already imported as source {source_id} ({fmt}): nothing changed"],
        )
    options: dict = {"timezone": timezone, "timezone_stated": stated, "mapping": mapping or {}}
    if as_of is not None:
        options["as_of"] = as_of
    [(source_id,)] = con.execute(
        "INSERT INTO sources (path, sha256, format, options) VALUES (?, ?, ?, ?) RETURNING source_id",
        [given, sha, reader_cls.name, json.dumps(options)],
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
