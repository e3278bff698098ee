"""The staging contract of public-record readers, and the step that turns staged rows into statements.

A record reader (``meta-ads``, ``google-ads``, ``companies-house``, ``fec``, ``whois``, ``html``) maps each
record of its file into FollowTheMoney entities with the ``followthemoney`` library, so that FtM's property
types clean every value (dates to ISO, countries to codes, e-mails checked), and stages them as one row a
record: the record's statements and its infrastructure observations as JSON, or an ``error``.
:func:`finalise_records` then moves the rows into ``statements``, ``infrastructure`` and ``quarantine`` in
SQL. Every statement keeps its source and record number, so every hop of an evidence path can be shown.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import ClassVar

import duckdb
import pyarrow as pa
from followthemoney import model
from followthemoney.proxy import EntityProxy

from unmask.errors import FormatError
from unmask.ingest.base import Reader
from unmask.ingest.stage import REASON_KIND, STAGE_TABLE, Loaded, Stage
from unmask.ingest.textfile import Record, cap_raw, csv_records, sniff_delimiter

RECORD_STAGE_SCHEMA = pa.schema(
    [
        ("record_no", pa.int64()),
        ("line_no", pa.int64()),
        ("raw", pa.string()),
        ("error", pa.string()),
        ("error_field", pa.string()),
        ("statements", pa.string()),  # JSON: [[entity_id, schema, prop, value], ...]
        ("observations", pa.string()),  # JSON: [[entity_id, kind, value, as_of, context], ...]
    ]
)

# What FtM accepts as an entity id in a reference (no underscores); other natural ids are hashed.
_SAFE_ID = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,62}[A-Za-z0-9])?$")


def make_id(prefix: str, *parts: str | None) -> str:
    """A stable entity id: ``prefix-<natural id>`` for one plain id, else ``prefix-<sha1 of the parts>``.

    The same key in any file gives the same id, so a page or company seen in two records is one entity
    with the statements of both.
    """
    clean = [str(p).strip() for p in parts if p is not None and str(p).strip()]
    if len(clean) == 1 and _SAFE_ID.match(clean[0]):
        return f"{prefix}-{clean[0]}"
    digest = hashlib.sha1("\x1f".join(clean).encode("utf-8")).hexdigest()[:20]
    return f"{prefix}-{digest}"


def name_key(name: str) -> str:
    """A name folded for use in an id: case and white space do not make a second entity."""
    return " ".join(name.casefold().split())


def new_entity(schema: str, entity_id: str) -> EntityProxy:
    proxy = model.make_entity(schema)
    proxy.id = entity_id
    return proxy


def site_entity(domain: str) -> EntityProxy:
    """A website: FtM has no schema for one, so it is an ``Asset`` named by its domain (lower case)."""
    domain = domain.lower().removeprefix("www.")
    site = new_entity("Asset", make_id("site", domain))
    site.add("name", domain)
    site.add("description", "website")
    site.add("sourceUrl", f"https://{domain}/")
    return site


class BadField(Exception):
    """A record whose fields are there but wrong: the column (as the file names it) and the reason."""

    def __init__(self, column: str, reason: str):
        super().__init__(reason)
        self.column = column
        self.reason = reason


class RecordReader(Reader):
    """Base of the public-record readers: each record becomes FtM statements (and observations)."""

    loads = "records"
    stage_schema = RECORD_STAGE_SCHEMA
    reads_folders: ClassVar[bool] = False

    def __init__(self, *, mapping: dict[str, str] | None = None, as_of: str | None = None):
        super().__init__(mapping=mapping, as_of=as_of)
        self.column_names: dict[str, str] = {}  # our (lower-case) column → the name the file gives it
        self.columns_given: list[str] = []  # the header as the file writes it

    def column(self, key: str) -> str:
        """The column as the file names it, for quarantine reasons."""
        return self.column_names.get(key, key)

    def open_table(self, path: Path, head: bytes, stage: Stage) -> tuple[Iterator[Record], list[str], int]:
        """The data records of a delimited file, its columns in lower case (``column_names`` keeps them as
        written) and its header's line; an empty file is refused."""
        records = csv_records(
            path, delimiter=sniff_delimiter(path, head), on_bytes=stage.on_bytes, notes=self.notes
        )
        header = next(records, None)
        if header is None or not header.fields:
            raise FormatError(path, "empty file: no header line", line=1)
        given = [c.strip() for c in header.fields]
        columns = [c.lower() for c in given]
        self.column_names = dict(zip(columns, given, strict=True))
        self.columns_given = given
        return records, columns, header.line_no

    def stage_table(
        self,
        records: Iterable[Record],
        columns: list[str],
        read_record: Callable[[dict[str, str]], list[EntityProxy]],
        stage: Stage,
    ) -> None:
        """Stage delimited records whose fields ``read_record`` maps, by column, into entities; a
        :class:`BadField` it raises quarantines the record with its column and reason."""

        def read(fields: list[str]) -> dict:
            values = {c: f.strip() for c, f in zip(columns, fields, strict=False)}
            row: dict = {}
            try:
                entities = read_record(values)
            except BadField as bad:
                return {"error": bad.reason, "error_field": bad.column}
            self.put(row, entities)
            return row

        self.stage_records(records, stage, read)

    def new_row(self, record_no: int, line_no: int | None, raw: str | None, error: str | None = None) -> dict:
        return super().new_row(record_no, line_no, cap_raw(raw) if raw else raw, error)

    @staticmethod
    def put(row: dict, entities: list[EntityProxy], observations: list[tuple] | None = None) -> None:
        """Put the record's entities (and observations) into its staged row; no entity is an error."""
        statements = [
            [e.id, e.schema.name, prop.name, value] for e in entities for prop, value in e.itervalues()
        ]
        if not statements and not observations:
            row.setdefault("error", "no entity could be read from the record")
            return
        row["statements"] = json.dumps(statements, ensure_ascii=False)
        if observations:
            row["observations"] = json.dumps([list(o) for o in observations], ensure_ascii=False)

    def finalise(self, con: duckdb.DuckDBPyConnection, source_id: int, timezone: str) -> Loaded:
        return finalise_records(con, source_id)


def finalise_records(con: duckdb.DuckDBPyConnection, source_id: int) -> Loaded:
    """Move the staged records into ``statements``/``infrastructure`` or ``quarantine``; return the counts."""
    sid = int(source_id)
    con.execute(
        f"""
        INSERT INTO statements
        SELECT DISTINCT s[1], s[2], s[3], s[4], {sid}, record_no FROM (
            SELECT record_no, unnest(json_transform(statements, '["VARCHAR[]"]')) AS s
            FROM {STAGE_TABLE} WHERE error IS NULL AND statements IS NOT NULL
        ) WHERE s[4] IS NOT NULL AND s[4] <> ''
        """
    )
    con.execute(
        f"""
        INSERT INTO infrastructure
        SELECT DISTINCT o[1], o[2], o[3], try_cast(o[4] AS DATE), o[5], {sid}, record_no FROM (
            SELECT record_no, unnest(json_transform(observations, '["VARCHAR[]"]')) AS o
            FROM {STAGE_TABLE} WHERE error IS NULL AND observations IS NOT NULL
        ) WHERE o[3] IS NOT NULL AND o[3] <> ''
        """
    )
    con.execute(
        f"INSERT INTO quarantine SELECT {sid}, record_no, line_no, error_field, error, raw"
        f" FROM {STAGE_TABLE} WHERE error IS NOT NULL"
    )
    ((loaded, quarantined),) = con.execute(
        f"SELECT count(*) FILTER (WHERE error IS NULL), count(*) FILTER (WHERE error IS NOT NULL)"
        f" FROM {STAGE_TABLE}"
    ).fetchall()
    reasons = dict(
        con.execute(
            f"SELECT regexp_replace(error, '{REASON_KIND}', '') AS r, count(*) FROM {STAGE_TABLE}"
            " WHERE error IS NOT NULL GROUP BY r ORDER BY count(*) DESC, r"
        ).fetchall()
    )
    [(entities,)] = con.execute(
        "SELECT count(DISTINCT entity_id) FROM statements WHERE source_id = ?", [sid]
    ).fetchall()
    return Loaded(
        loaded, quarantined, 0, reasons, accounts_added=0, notes=(f"{entities:,} FollowTheMoney entities",)
    )
