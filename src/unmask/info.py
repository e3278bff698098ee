"""What a case holds: sources, row and quarantine counts by reason, time range, most active accounts,
documents and bylines, public-record entities."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from unmask.case import Case
from unmask.ingest.stage import REASON_KIND
from unmask.sources import list_sources


def case_info(case: Case, *, top: int = 10) -> dict[str, Any]:
    """A summary of the case as plain data (what ``unmask info`` prints)."""
    notes = dict(case.con.execute("SELECT source_id, notes FROM sources").fetchall())
    sources = [{**s, "shown_path": shown_path(s), "notes": notes[s["source_id"]]} for s in list_sources(case)]
    reasons = case.query(
        f"SELECT regexp_replace(reason, '{REASON_KIND}', '') AS reason, count(*) AS records"
        " FROM quarantine GROUP BY 1 ORDER BY records DESC, reason"
    )
    totals = case.query(
        "SELECT (SELECT count(*) FROM posts) AS posts, (SELECT count(*) FROM accounts) AS accounts,"
        " (SELECT count(*) FROM quarantine) AS quarantined, (SELECT count(*) FROM findings) AS findings,"
        " (SELECT min(created_at) FROM posts) AS first_post, (SELECT max(created_at) FROM posts) AS last_post"
    )[0]
    platforms = case.query(
        "SELECT platform, count(*) AS posts, count(DISTINCT account_id) AS accounts FROM posts"
        " GROUP BY platform ORDER BY posts DESC"
    )
    active = case.query(
        "SELECT p.platform, p.account_id, any_value(a.handle) AS handle, count(*) AS posts,"
        " min(p.created_at) AS first_post, max(p.created_at) AS last_post"
        " FROM posts p LEFT JOIN accounts a USING (platform, account_id)"
        " GROUP BY p.platform, p.account_id ORDER BY posts DESC, p.account_id LIMIT ?",
        [top],
    )
    documents = {"documents": 0, "bylines": 0, "first_document": None, "last_document": None}
    if case.schema_version() >= 2:  # a case from before documents, opened read-only, has none
        documents = case.query(
            "SELECT count(*) AS documents, count(DISTINCT byline) AS bylines,"
            " min(published_at) AS first_document, max(published_at) AS last_document FROM documents"
        )[0]
    records = {"entities": 0, "statements": 0, "infrastructure": 0}
    if case.schema_version() >= 3:
        records = case.query(
            "SELECT count(DISTINCT entity_id) AS entities, count(*) AS statements,"
            " (SELECT count(*) FROM infrastructure) AS infrastructure FROM statements"
        )[0]
    return {
        "case": case.path,
        "schema_version": case.schema_version(),
        **totals,
        **documents,
        **records,
        "platforms": platforms,
        "sources": sources,
        "quarantine_reasons": reasons,
        "most_active_accounts": active,
    }


def quarantine_rows(case: Case, *, source_id: int | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Quarantined records with their file, record number, line and reason."""
    return case.query(
        "SELECT q.source_id, s.path, q.record_no, q.line_no, q.field, q.reason, left(q.raw, 200) AS raw"
        " FROM quarantine q JOIN sources s USING (source_id)"
        " WHERE ? IS NULL OR q.source_id = ? ORDER BY q.source_id, q.record_no LIMIT ?",
        [source_id, source_id, limit],
    )


def shown_path(source: dict[str, Any]) -> str:
    """Where to point the user for a source's file: the path as typed at import when it leads to the file
    from the working folder, else the absolute path it was imported from (which says where it was, even if
    it is gone)."""
    if Path(source["path"]).exists():
        return source["path"]
    return source["abs_path"] or source["path"]
