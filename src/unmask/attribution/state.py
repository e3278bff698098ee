"""Whether attribution's stored results match the case, without loading the engine.

Commands that only read (``explain``, ``campaigns``, the report, the exports) ask this first: importing the
engine (followthemoney, scipy) costs more than most answers.
"""

from __future__ import annotations

import hashlib
import json

from unmask.case import Case
from unmask.sources import source_fingerprints

ENGINE = "attribution"  # its name in the runs table
STALE_READ_ONLY = (
    "attribution results are stale (records changed since the last run); to refresh them, run "
    "`unmask attribution run` on a writable copy"
)


def data_state(case: Case) -> str:
    """A digest of everything attribution reads: the sources and the reviewer's decisions."""
    sources = source_fingerprints(case.con)
    decisions = case.con.execute(
        "SELECT left_id, right_id, decision FROM resolutions WHERE decision IN ('accepted', 'rejected')"
        " ORDER BY left_id, right_id"
    ).fetchall()
    return hashlib.sha256(json.dumps([sources, decisions]).encode()).hexdigest()


def last_state(case: Case) -> str | None:
    """The digest the last run recorded; None if attribution never ran on the case."""
    if case.schema_version() < 5:  # a write-protected case of an older unmask, read as it is
        sql = "SELECT data_state FROM attribution_runs ORDER BY run_at DESC LIMIT 1"
    else:
        sql = f"SELECT input_digest FROM runs WHERE engine = '{ENGINE}' ORDER BY run_id DESC LIMIT 1"
    rows = case.con.execute(sql).fetchall()
    return rows[0][0] if rows else None


def is_stale(case: Case) -> bool:
    """Whether attribution's results do not match the case: it never ran on the public records the case
    holds, or sources or decisions changed since it last ran (a source removed too)."""
    if case.schema_version() < 3:
        return False
    last = last_state(case)
    if last is None:
        return bool(case.scalar("SELECT count(*) > 0 FROM statements"))
    return last != data_state(case)
