"""The staging contract every post reader writes to, and the one place that turns staged rows into posts.

A reader's only job is to put each record of its file into the staging table, one row a record, with the
fields it could read and, where the record is broken, an ``error``. Everything after that — parsing
timestamps, checking ids, extracting hashtags/mentions/URLs from text, canonicalising URLs, removing
duplicates, splitting loaded rows from quarantined ones — is set-based SQL in :func:`finalise`, the same for
every format. A reader that has no entity fields leaves ``urls``/``hashtags``/``mentions`` NULL and they are
extracted from the text; an empty list means "the export says there are none".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

STAGE_TABLE = "_unmask_stage"

STAGE_SCHEMA = pa.schema(
    [
        ("record_no", pa.int64()),  # 1-based record number in the file, unique (data records, not headers)
        ("line_no", pa.int64()),  # line where the record starts, where the file has lines
        ("raw", pa.string()),  # the record as read, kept for quarantine
        ("error", pa.string()),  # set by the reader when the record is broken
        ("error_field", pa.string()),
        ("platform", pa.string()),
        ("post_id", pa.string()),
        ("account_id", pa.string()),
        ("handle", pa.string()),
        ("display_name", pa.string()),
        ("profile", pa.string()),  # JSON text of other account fields
        ("created_raw", pa.string()),  # a timestamp as written, parsed by finalise()
        ("created_ts", pa.timestamp("us", tz="UTC")),  # or one the reader already has as a time
        ("text", pa.string()),
        ("shared_post_id", pa.string()),
        ("shares_text", pa.bool_()),  # a share whose export gives no id: its text stands for the object
        ("reply_to_post_id", pa.string()),
        ("quoted_post_id", pa.string()),
        ("urls", pa.list_(pa.string())),
        ("hashtags", pa.list_(pa.string())),
        ("mentions", pa.list_(pa.string())),
        ("lang", pa.string()),
        ("extra", pa.string()),  # JSON text of other post fields worth keeping
    ]
)

_SQL_TYPES = {
    pa.int64(): "BIGINT",
    pa.string(): "VARCHAR",
    pa.timestamp("us", tz="UTC"): "TIMESTAMPTZ",
    pa.list_(pa.string()): "VARCHAR[]",
    pa.bool_(): "BOOLEAN",
}


@dataclass
class Stage:
    """The staging table of one import, inside the import's transaction.

    Readers call :meth:`append` with plain dicts (keys from ``schema``, ``STAGE_SCHEMA`` for posts; missing
    keys are NULL), or :meth:`insert_select` with SQL that yields staging columns by name, for formats DuckDB
    reads itself.
    """

    con: duckdb.DuckDBPyConnection
    on_bytes: Callable[[int], None] = lambda n: None
    batch_size: int = 20_000
    schema: pa.Schema = STAGE_SCHEMA  # the reader's staging columns (documents have their own)
    _rows: list[dict] = field(default_factory=list)
    records: int = 0

    def create(self) -> None:
        columns = ", ".join(f"{f.name} {_SQL_TYPES[f.type]}" for f in self.schema)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {STAGE_TABLE} ({columns})")

    def append(self, row: dict) -> None:
        self._rows.append(row)
        self.records += 1
        if len(self._rows) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self._rows:
            return
        batch = pa.Table.from_pylist(self._rows, schema=self.schema)
        self._rows = []
        self.con.register("_unmask_batch", batch)
        try:
            self.con.execute(f"INSERT INTO {STAGE_TABLE} BY NAME SELECT * FROM _unmask_batch")
        finally:
            self.con.unregister("_unmask_batch")

    def insert_select(self, sql: str, params: Sequence | None = None) -> None:
        """Stage the rows of ``sql``, whose columns are named as in ``STAGE_SCHEMA``."""
        self.flush()
        self.con.execute(f"INSERT INTO {STAGE_TABLE} BY NAME {sql}", list(params or []))
        self.records = self.con.execute(f"SELECT count(*) FROM {STAGE_TABLE}").fetchall()[0][0]

    def drop(self) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {STAGE_TABLE}")


@dataclass(frozen=True)
class Loaded:
    """What :func:`finalise` did with the staged records."""

    loaded: int
    quarantined: int
    naive_timestamps: int
    reasons: dict[str, int]
    accounts_added: int
    notes: tuple[str, ...] = ()  # what the step noticed, for the import's notes


# Timestamps without a zone are read in the import's zone; these are tried, in order, after ISO 8601.
# Two-digit years come first: "%y" fails on a four-digit year, while "%Y" would read "17" as the year 17.
NAIVE_FORMATS = (
    "%m/%d/%y %H:%M",
    "%m/%d/%y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%d.%m.%Y %H:%M:%S",
)
ZONED_FORMATS = ("%a %b %d %H:%M:%S %z %Y",)  # the Twitter v1.1 "created_at" layout
_HAS_ZONE = r"(Z|[+-]\d\d(:?\d\d)?|\s(UTC|GMT))$"
# Reasons quote the offending value after a colon, quote or parenthesis; counts group by what precedes it.
REASON_KIND = r"(:| \"| \().*$"
_EPOCH = r"^-?\d{9,13}(\.\d+)?$"
_ISO_DATE = r"^\d{4}-\d{1,2}-\d{1,2}"
# A date alone: its "-05" is a day, not a zone offset. It is midnight in the import's zone.
_DATE_ONLY = r"^\d{4}-\d{1,2}-\d{1,2}$"
_UTC_WORD = r"\s(UTC|GMT)$"


def _sql_list(values: Sequence[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def timestamp_sql(raw: str, parsed: str | None = None) -> str:
    """SQL for the UTC time of the column ``raw`` (a timestamp as written), NULL where it cannot be read.

    ``parsed`` names a column holding a time the reader already has, which wins. Epoch seconds or
    milliseconds, ISO 8601 with a zone and ``ZONED_FORMATS`` are read as written; anything else is read in
    the zone bound to the query parameter ``$tz``, trying ISO 8601 and then ``NAIVE_FORMATS``.
    """
    r = f"trim({raw})"
    given = f"WHEN {parsed} IS NOT NULL THEN {parsed}" if parsed else ""
    return f"""
        CASE
            {given}
            WHEN {raw} IS NULL OR {r} = '' THEN NULL
            WHEN regexp_matches({r}, '{_EPOCH}') THEN
                CASE WHEN abs({r}::DOUBLE) >= 1e11
                     THEN to_timestamp({r}::DOUBLE / 1000)
                     ELSE to_timestamp({r}::DOUBLE) END
            WHEN regexp_matches({r}, '{_HAS_ZONE}') AND NOT regexp_matches({r}, '{_DATE_ONLY}') THEN coalesce(
                CASE WHEN regexp_matches({r}, '{_ISO_DATE}')
                     THEN try_cast(regexp_replace({r}, '{_UTC_WORD}', '+00:00') AS TIMESTAMPTZ)
                END,
                try_strptime({r}, {_sql_list(ZONED_FORMATS)})::TIMESTAMPTZ)
            ELSE timezone($tz, coalesce(
                -- DuckDB's cast reads "10/1/17" as the year 10, so only ISO dates go through it.
                CASE WHEN regexp_matches({r}, '{_ISO_DATE}')
                     THEN try_cast({r} AS TIMESTAMP) END,
                try_strptime({r}, {_sql_list(NAIVE_FORMATS)})))
        END"""


def naive_sql(raw: str, parsed: str | None = None) -> str:
    """SQL: whether :func:`timestamp_sql` read the column ``raw`` in the import's zone (none was written)."""
    given = f"{parsed} IS NULL AND " if parsed else ""
    r = f"trim({raw})"
    return (
        f"{given}{raw} IS NOT NULL AND NOT regexp_matches({r}, '{_EPOCH}')"
        f" AND (NOT regexp_matches({r}, '{_HAS_ZONE}') OR regexp_matches({r}, '{_DATE_ONLY}'))"
    )


def finalise(con: duckdb.DuckDBPyConnection, source_id: int, timezone: str) -> Loaded:
    """Move the staged records into ``posts``/``accounts`` or ``quarantine``; return the counts."""
    created = timestamp_sql("created_raw", "created_ts")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _unmask_norm AS
        WITH parsed AS (
            -- raw stays in the stage table: only quarantined records need it, and it is most of the bytes.
            SELECT * EXCLUDE (raw),
                   nullif(trim(post_id), '') AS pid,
                   nullif(trim(account_id), '') AS aid,
                   {created} AS ts,
                   {naive_sql("created_raw", "created_ts")} AS naive
            FROM {STAGE_TABLE}
        ),
        checked AS (
            SELECT *,
                CASE
                    WHEN error IS NOT NULL THEN error
                    WHEN pid IS NULL THEN 'missing post id'
                    WHEN aid IS NULL THEN 'missing account id'
                    WHEN ts IS NULL AND coalesce(trim(created_raw), '') = '' THEN 'missing timestamp'
                    WHEN ts IS NULL THEN 'unparseable timestamp ' || to_json(left(created_raw, 80))::VARCHAR
                    WHEN ts < TIMESTAMPTZ '1990-01-01' OR ts > now() + INTERVAL 2 DAY
                        THEN 'timestamp out of range ' || to_json(left(created_raw, 80))::VARCHAR
                END AS reason,
                CASE
                    WHEN error IS NOT NULL THEN error_field
                    WHEN pid IS NULL THEN 'post_id'
                    WHEN aid IS NULL THEN 'account_id'
                    WHEN ts IS NULL OR ts < TIMESTAMPTZ '1990-01-01' OR ts > now() + INTERVAL 2 DAY
                        THEN 'created_at'
                END AS field
            FROM parsed
        ),
        firsts AS (
            -- The first record of a post id in this file wins; later ones are quarantined as duplicates.
            SELECT *, min(record_no) FILTER (WHERE reason IS NULL)
                          OVER (PARTITION BY coalesce(platform, ''), pid) AS first_record
            FROM checked
        )
        SELECT f.* EXCLUDE (reason, field),
            CASE
                WHEN f.reason IS NOT NULL THEN f.reason
                WHEN p.post_id IS NOT NULL THEN
                    'duplicate post id: already in the case from source ' || p.source_id
                    || ' record ' || p.record_no
                WHEN f.record_no <> f.first_record THEN
                    'duplicate post id: first at record ' || f.first_record || ' of this file'
            END AS reason,
            CASE WHEN f.reason IS NOT NULL THEN f.field
                 WHEN p.post_id IS NOT NULL OR f.record_no <> f.first_record THEN 'post_id' END AS field
        FROM firsts f
        LEFT JOIN posts p ON p.platform = coalesce(f.platform, '') AND p.post_id = f.pid
        """,
        {"tz": timezone},
    )
    con.execute(
        f"""
        INSERT INTO posts
        SELECT coalesce(platform, ''), pid, aid, ts,
               text,
               coalesce(nullif(trim(shared_post_id), ''),
                        CASE WHEN shares_text THEN unmask_text_object(text) END),
               nullif(trim(reply_to_post_id), ''),
               nullif(trim(quoted_post_id), ''),
               list_transform(u, lambda x: unmask_canonical_url(x)),
               u,
               coalesce(unmask_distinct_ordered(list_transform(
                   list_filter(hashtags, lambda h: trim(h) <> ''), lambda h: lower(ltrim(trim(h), '#＃')))),
                   unmask_distinct_ordered(unmask_text_hashtags(text))),
               coalesce(unmask_distinct_ordered(list_transform(
                   list_filter(mentions, lambda m: trim(m) <> ''), lambda m: lower(ltrim(trim(m), '@')))),
                   unmask_distinct_ordered(unmask_text_mentions(text))),
               nullif(trim(lang), ''),
               extra::JSON,
               {int(source_id)}, record_no
        FROM (
            SELECT *, coalesce(list_filter(list_transform(urls, lambda x: trim(x)), lambda x: x <> ''),
                               unmask_text_urls(text)) AS u
            FROM _unmask_norm WHERE reason IS NULL
        )
        """
    )
    con.execute(
        f"""
        INSERT INTO quarantine
        SELECT {int(source_id)}, n.record_no, n.line_no, n.field, n.reason,
               -- Readers of binary formats (parquet) keep no raw text: the record's fields stand for it.
               coalesce(s.raw, to_json(struct_pack(n.post_id, n.account_id, n.handle, n.created_raw,
                                                   n.created_ts, n.text, n.shared_post_id, n.reply_to_post_id,
                                                   n.quoted_post_id, n.urls, n.hashtags, n.mentions,
                                                   n.lang))::VARCHAR)
        FROM _unmask_norm n JOIN {STAGE_TABLE} s USING (record_no)
        WHERE n.reason IS NOT NULL
        """
    )
    before = con.execute("SELECT count(*) FROM accounts").fetchall()[0][0]
    con.execute(
        f"""
        INSERT INTO accounts
        SELECT n.platform, n.account_id, n.handle, n.display_name, n.profile, {int(source_id)}, n.record_no
        FROM (
            SELECT coalesce(platform, '') AS platform, aid AS account_id,
                   arg_min(nullif(trim(handle), ''), record_no) AS handle,
                   arg_min(nullif(trim(display_name), ''), record_no) AS display_name,
                   arg_min(profile, record_no)::JSON AS profile,
                   min(record_no) AS record_no
            FROM _unmask_norm WHERE reason IS NULL
            GROUP BY ALL
        ) n
        ANTI JOIN accounts a ON a.platform = n.platform AND a.account_id = n.account_id
        """
    )
    accounts_added = con.execute("SELECT count(*) FROM accounts").fetchall()[0][0] - before
    ((loaded, quarantined, naive),) = con.execute(
        "SELECT count(*) FILTER (WHERE reason IS NULL), count(*) FILTER (WHERE reason IS NOT NULL),"
        " count(*) FILTER (WHERE reason IS NULL AND naive) FROM _unmask_norm"
    ).fetchall()
    reasons = dict(
        con.execute(
            f"SELECT regexp_replace(reason, '{REASON_KIND}', '') AS r, count(*) FROM _unmask_norm"
            " WHERE reason IS NOT NULL GROUP BY r ORDER BY count(*) DESC, r"
        ).fetchall()
    )
    con.execute("DROP TABLE _unmask_norm")
    return Loaded(loaded, quarantined, naive, reasons, accounts_added)
