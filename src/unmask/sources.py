"""The files a case was built from: list them, and remove one with everything that rests on it.

Removing a source is how a file imported wrongly (as the wrong format, in the wrong time zone, with the
wrong ``--map``) is imported again: the case refuses a file it already holds unless it is asked for exactly
as before (:func:`unmask.ingest.import_files`).

Example::

    >>> from unmask.case import Case
    >>> with Case.open("case.duckdb") as case:                  # doctest: +SKIP
    ...     [s["source_id"] for s in list_sources(case)]
    ...     remove_source(case, 2, by="analyst")["findings"]
    [1, 2]
    3
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb

from unmask.case import Case
from unmask.errors import OptionError

# Tables that keep source_id but are not rows of a source: the sources themselves, the record of removals,
# and evidence, which goes with its finding (a finding is removed whole, not left on part of its evidence).
_NOT_SOURCE_ROWS = ("sources", "source_removals", "evidence")


def list_sources(case: Case) -> list[dict]:
    """Every source of the case, oldest first, with where its file is now.

    ``path`` is as typed at import (relative to the folder the import ran in), ``abs_path`` the same as an
    absolute path (None for sources imported before schema 4); ``found_at`` is whichever of the two exists
    now (None if neither does) and ``exists`` says whether one does.
    """
    abs_path = "abs_path" if case.schema_version() >= 4 else "NULL::VARCHAR AS abs_path"
    rows = case.query(
        f"SELECT source_id, path, {abs_path}, sha256, format, options, rows_loaded, rows_quarantined,"
        " imported_at FROM sources ORDER BY source_id"
    )
    for row in rows:
        row["options"] = json.loads(row["options"]) if row["options"] else {}
        row["found_at"] = next((p for p in (row["abs_path"], row["path"]) if p and Path(p).exists()), None)
        row["exists"] = row["found_at"] is not None
    return rows


def source_fingerprints(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str]]:
    """Every source as (source_id, sha256), in order: what the digests of engine runs are made from."""
    return con.execute("SELECT source_id, sha256 FROM sources ORDER BY source_id").fetchall()


def sources_digest(con: duckdb.DuckDBPyConnection) -> str:
    """A digest of the sources a run read: their ids and the sha256 of their files."""
    return hashlib.sha256(json.dumps(source_fingerprints(con)).encode()).hexdigest()


def remove_source(case: Case, source_id: int, *, by: str) -> dict:
    """Remove source ``source_id`` and everything that rests on it, in one transaction; return the counts.

    Gone are: its rows in every table that keeps ``source_id`` (posts, accounts, documents, quarantine,
    statements, infrastructure, links, and any table a later schema adds), and every finding with evidence
    from it, whole, with all its evidence. The removal is recorded in ``source_removals`` (who, when, the
    file's path, sha256 and format, the counts). Its id is never given to another source.

    An account first seen in this source (``accounts.source_id``) that also posts in another source is
    kept, now first seen at its earliest post there; its handle, display name and profile came from the
    removed file alone, so they are cleared rather than credited to a record that may not say them.

    Posts and documents of other sources that were quarantined as duplicates of this source's rows stay
    quarantined (counted in ``duplicates_elsewhere``): to load them, remove and import those files again.
    Attribution's entities and links are derived: the next ``attribution run`` (or anything that calls
    ``attribution.engine.ensure``) rebuilds them, because the digest of the sources has changed.
    """
    if not by or not by.strip():
        raise OptionError("say who removes the source (--by NAME)")
    with case.transaction() as con:
        found = con.execute(
            "SELECT path, abs_path, sha256, format, options, imported_at FROM sources WHERE source_id = ?",
            [source_id],
        ).fetchall()
        if not found:
            raise OptionError(f"no source {source_id} in {case.path} (see `unmask sources`)")
        path, abs_path, sha256, fmt, options, imported_at = found[0]
        findings, evidence = _remove_findings(con, source_id)
        stored_runs = _remove_stored_runs(con, source_id)
        accounts_kept = _keep_accounts_seen_elsewhere(con, source_id)
        rows = {"evidence": evidence, "coordination runs' stored edges": stored_runs}
        for table in _tables_with_source_id(con):
            delete = f'DELETE FROM "{table}" WHERE source_id = ?'
            [(rows[table],)] = con.execute(delete, [source_id]).fetchall()
        duplicates = _duplicates_elsewhere(con, source_id)
        con.execute("DELETE FROM sources WHERE source_id = ?", [source_id])
        con.execute(
            "INSERT INTO source_removals (source_id, path, abs_path, sha256, format, options, imported_at,"
            " rows_removed, findings_removed, removed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [source_id, path, abs_path, sha256, fmt, options, imported_at, json.dumps(rows), findings, by],
        )
    return {
        "source_id": source_id,
        "path": path,
        "sha256": sha256,
        "format": fmt,
        "rows": rows,
        "findings": findings,
        "accounts_kept": accounts_kept,
        "duplicates_elsewhere": duplicates,
    }


def _remove_stored_runs(con: duckdb.DuckDBPyConnection, source_id: int) -> int:
    """Drop the stored edges, evidence and members of every coordination run with evidence in the source.

    A run's edges are one result: keeping the part that does not touch the source would show a network
    the run never found. Its findings go too (their evidence rests on the source). Returns the runs.
    """
    runs = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT run_id FROM coordination_evidence WHERE source_id_a = ? OR source_id_b = ?",
            [source_id, source_id],
        ).fetchall()
    ]
    for table in ("coordination_edges", "coordination_evidence", "coordination_members"):
        con.execute(f"DELETE FROM {table} WHERE run_id IN (SELECT unnest(?))", [runs])
    return len(runs)


def _tables_with_source_id(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The case's tables that keep rows of sources, read from the catalogue so later tables are covered."""
    return [
        r[0]
        for r in con.execute(
            """
            SELECT c.table_name FROM information_schema.columns c
            JOIN information_schema.tables t USING (table_catalog, table_schema, table_name)
            WHERE c.table_catalog = current_database() AND c.table_schema = 'main'
              AND t.table_type = 'BASE TABLE' AND c.column_name = 'source_id'
              AND c.table_name NOT IN (SELECT unnest(?))
            ORDER BY c.table_name
            """,
            [list(_NOT_SOURCE_ROWS)],
        ).fetchall()
    ]


def _remove_findings(con: duckdb.DuckDBPyConnection, source_id: int) -> tuple[int, int]:
    """Delete the findings with evidence from the source, and all their evidence: (findings, evidence)."""
    ids = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT finding_id FROM evidence WHERE source_id = ?", [source_id]
        ).fetchall()
    ]
    if not ids:
        return 0, 0
    [(evidence,)] = con.execute(
        "DELETE FROM evidence WHERE finding_id IN (SELECT unnest(?))", [ids]
    ).fetchall()
    [(findings,)] = con.execute(
        "DELETE FROM findings WHERE finding_id IN (SELECT unnest(?))", [ids]
    ).fetchall()
    return findings, evidence


def _keep_accounts_seen_elsewhere(con: duckdb.DuckDBPyConnection, source_id: int) -> int:
    """Point accounts first seen in the source at their first post in another one; how many were."""
    return con.execute(
        """
        UPDATE accounts SET source_id = f.first.s, record_no = f.first.r,
                            handle = NULL, display_name = NULL, profile = NULL
        FROM (
            SELECT platform, account_id, min({'s': source_id, 'r': record_no}) AS first
            FROM posts WHERE source_id <> $id GROUP BY ALL
        ) f
        WHERE accounts.source_id = $id AND accounts.platform = f.platform
          AND accounts.account_id = f.account_id
        """,
        {"id": source_id},
    ).fetchall()[0][0]


def _duplicates_elsewhere(con: duckdb.DuckDBPyConnection, source_id: int) -> int:
    """Records of other sources quarantined because this source already had their id."""
    return con.execute(
        "SELECT count(*) FROM quarantine WHERE source_id <> ?"
        " AND regexp_matches(reason, '^duplicate .* already in the case from source ' || ? || ' record ')",
        [source_id, source_id],
    ).fetchall()[0][0]
