"""The staging contract of document readers, and the set-based step that turns staged rows into documents.

The counterpart of :mod:`unmask.ingest.stage` for documents (articles, columns, essays): a reader stages one
row a record with what it could read — HTML already reduced to text, since that needs trafilatura — and
:func:`finalise_documents` checks ids, bylines, text and publication times, removes duplicate ids (within
the file and against the case), and splits the rows into ``documents`` and ``quarantine`` in SQL. Times are
read exactly as post times are (:func:`unmask.ingest.stage.timestamp_sql`).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from unmask.ingest.stage import REASON_KIND, STAGE_TABLE, Loaded, naive_sql, timestamp_sql

DOCUMENT_STAGE_SCHEMA = pa.schema(
    [
        ("record_no", pa.int64()),  # 1-based record number in the file (or in the folder's metadata)
        ("line_no", pa.int64()),  # line where the record starts
        ("raw", pa.string()),  # the record as read, kept for quarantine
        ("error", pa.string()),  # set by the reader when the record is broken
        ("error_field", pa.string()),
        ("doc_id", pa.string()),
        ("byline", pa.string()),
        ("title", pa.string()),
        ("outlet", pa.string()),
        ("url", pa.string()),
        ("published_raw", pa.string()),  # as written, parsed by finalise_documents()
        ("language", pa.string()),
        ("text", pa.string()),  # the text, or what trafilatura made of the HTML
        ("html_reduced", pa.bool_()),  # the text was reduced from HTML
        ("file", pa.string()),  # folder imports: the document's file, relative to the folder
    ]
)

_NORM = "_unmask_docnorm"
# A publication time more than this far in the future is a broken field; there is no lower bound, since
# archives and public-domain reference texts are old.
_FUTURE = "now() + INTERVAL 2 DAY"


def finalise_documents(con: duckdb.DuckDBPyConnection, source_id: int, timezone: str) -> Loaded:
    """Move the staged records into ``documents`` or ``quarantine``; return the counts.

    A record is quarantined, in this order, for: the reader's error; no id; no byline; no text (or an empty
    text after HTML reduction); a ``published_at`` that is not a time or is in the future; an id already
    loaded earlier in the file or already in the case. The notes count documents whose normalised text
    repeats another document's (kept: a text published under two bylines is evidence, not noise).
    """
    published = timestamp_sql("published_raw")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {_NORM} AS
        WITH parsed AS (
            SELECT * EXCLUDE (raw),
                   nullif(trim(doc_id), '') AS did,
                   nullif(unmask_collapse_space(byline), '') AS byl,
                   {published} AS ts,
                   {naive_sql("published_raw")} AND trim(published_raw) <> '' AS naive,
                   unmask_text_sha256(text) AS text_sha
            FROM {STAGE_TABLE}
        ),
        checked AS (
            SELECT *,
                CASE
                    WHEN error IS NOT NULL THEN error
                    WHEN did IS NULL THEN 'missing document id'
                    WHEN byl IS NULL THEN 'missing byline'
                    WHEN coalesce(trim(text), '') = '' AND html_reduced THEN 'empty text after HTML reduction'
                    WHEN coalesce(trim(text), '') = '' THEN 'missing text'
                    WHEN ts IS NULL AND coalesce(trim(published_raw), '') <> ''
                        THEN 'unparseable timestamp ' || to_json(left(published_raw, 80))::VARCHAR
                    WHEN ts > {_FUTURE}
                        THEN 'timestamp out of range ' || to_json(left(published_raw, 80))::VARCHAR
                END AS reason,
                CASE
                    WHEN error IS NOT NULL THEN error_field
                    WHEN did IS NULL THEN 'id'
                    WHEN byl IS NULL THEN 'byline'
                    WHEN coalesce(trim(text), '') = '' AND html_reduced THEN 'html'
                    WHEN coalesce(trim(text), '') = '' THEN 'text'
                    WHEN (ts IS NULL AND coalesce(trim(published_raw), '') <> '') OR ts > {_FUTURE}
                        THEN 'published_at'
                END AS field
            FROM parsed
        ),
        firsts AS (
            -- The first record of an id in this file wins; later ones are quarantined as duplicates.
            SELECT *, min(record_no) FILTER (WHERE reason IS NULL) OVER (PARTITION BY did) AS first_record
            FROM checked
        )
        SELECT f.* EXCLUDE (reason, field),
            CASE
                WHEN f.reason IS NOT NULL THEN f.reason
                WHEN d.doc_id IS NOT NULL THEN
                    'duplicate document id: already in the case from source ' || d.source_id
                    || ' record ' || d.record_no
                WHEN f.record_no <> f.first_record THEN
                    'duplicate document id: first at record ' || f.first_record || ' of this file'
            END AS reason,
            CASE WHEN f.reason IS NOT NULL THEN f.field
                 WHEN d.doc_id IS NOT NULL OR f.record_no <> f.first_record THEN 'id' END AS field
        FROM firsts f
        LEFT JOIN documents d ON d.doc_id = f.did
        """,
        {"tz": timezone},
    )
    # Texts that repeat a document already in the case, or an earlier one of this file.
    [(repeats,)] = con.execute(
        f"""
        SELECT count(*) FILTER (WHERE text_sha IN (SELECT text_sha256 FROM documents) OR nth > 1) FROM (
            SELECT text_sha, row_number() OVER (PARTITION BY text_sha ORDER BY record_no) AS nth
            FROM {_NORM} WHERE reason IS NULL
        )
        """
    ).fetchall()
    con.execute(
        f"""
        INSERT INTO documents
        SELECT did, byl, nullif(trim(title), ''), nullif(trim(outlet), ''),
               nullif(trim(url), ''), unmask_canonical_url(nullif(trim(url), '')),
               ts, nullif(trim(published_raw), ''), CASE WHEN ts IS NOT NULL THEN naive END,
               nullif(trim(language), ''),
               text, coalesce(html_reduced, false), text_sha,
               file, {int(source_id)}, record_no
        FROM {_NORM} WHERE reason IS NULL
        """
    )
    con.execute(
        f"""
        INSERT INTO quarantine
        SELECT {int(source_id)}, n.record_no, n.line_no, n.field, n.reason, s.raw
        FROM {_NORM} n JOIN {STAGE_TABLE} s USING (record_no)
        WHERE n.reason IS NOT NULL
        """
    )
    ((loaded, quarantined, naive),) = con.execute(
        "SELECT count(*) FILTER (WHERE reason IS NULL), count(*) FILTER (WHERE reason IS NOT NULL),"
        f" count(*) FILTER (WHERE reason IS NULL AND naive) FROM {_NORM}"
    ).fetchall()
    reasons = dict(
        con.execute(
            f"SELECT regexp_replace(reason, '{REASON_KIND}', '') AS r, count(*) FROM {_NORM}"
            " WHERE reason IS NOT NULL GROUP BY r ORDER BY count(*) DESC, r"
        ).fetchall()
    )
    con.execute(f"DROP TABLE {_NORM}")
    notes = []
    if repeats:
        notes.append(
            f"{repeats} documents repeat the text of an earlier document (in the case or this file); "
            "they are loaded, with the same documents.text_sha256"
        )
    return Loaded(loaded, quarantined, naive, reasons, accounts_added=0, notes=tuple(notes))
