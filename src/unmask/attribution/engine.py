"""Running attribution on a case: resolve entities, rebuild links, write findings; and reviewing merges.

Imports never resolve or link: :func:`run` does, and records a digest of what it read (the sources and the
reviewer's decisions), so that :func:`ensure` runs it again only when the case has changed since, and
:func:`refresh` (called by ``findings``, ``explain``, ``report`` and the exports, which otherwise only read)
does so where the case can be written.

Example::

    >>> from unmask.case import Case
    >>> with Case.open("case.duckdb") as case:                  # doctest: +SKIP
    ...     result = run(case)
    ...     result.findings
    {'shared-funder': 2, 'synchronised-launch': 1, 'shared-infrastructure': 1}
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from unmask import __version__
from unmask.attribution.funders import payer_classes, shared_funder_findings, synchronised_launch_findings
from unmask.attribution.graph import load_records, write_entities, write_links
from unmask.attribution.infrastructure import shared_infrastructure_findings
from unmask.attribution.resolve import Resolver, clusters
from unmask.case import Case
from unmask.errors import OptionError
from unmask.findings import delete_findings, insert_findings
from unmask.sources import source_fingerprints

METHOD_PREFIX = "attribution."
ENGINE = "attribution"  # its name in the runs table
STALE_READ_ONLY = (
    "attribution results are stale (records changed since the last run); to refresh them, run "
    "`unmask attribution run` on a writable copy"
)


@dataclass
class RunResult:
    entities: int = 0
    merged: int = 0  # automatic and accepted merges
    candidates: int = 0  # pairs waiting for review
    links: int = 0
    findings: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


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


def run(
    case: Case, resolver: Resolver | None = None, *, on_stage: Callable[[str], None] = lambda stage: None
) -> RunResult:
    """Resolve, link and find; replace the attribution findings of any earlier run, and record the run in
    ``runs``, all in one transaction.

    ``on_stage`` is told the name of each step as it starts (a progress display: resolving names can take
    a minute on large records).
    """
    started = time.perf_counter()
    resolver = resolver or Resolver()
    result = RunResult()
    with case.transaction() as con:
        on_stage("attribution: reading records")
        records = load_records(con)
        on_stage("attribution: resolving names")
        pairs = resolver.fit(records).pairs_
        decided = {
            (a, b): d
            for a, b, d in con.execute(
                "SELECT left_id, right_id, decision FROM resolutions"
                " WHERE decision IN ('accepted', 'rejected')"
            ).fetchall()
        }
        con.execute("DELETE FROM resolutions WHERE decision IN ('auto', 'candidate')")
        fresh = [p for p in pairs if (p.left_id, p.right_id) not in decided]
        if fresh:
            con.executemany(
                "INSERT INTO resolutions (left_id, right_id, schema, score, rule, decision)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [[p.left_id, p.right_id, p.schema, p.score, p.rule, p.decision] for p in fresh],
            )
        merged = con.execute(
            "SELECT left_id, right_id FROM resolutions WHERE decision IN ('auto', 'accepted')"
        ).fetchall()
        result.merged = len(merged)
        result.candidates = sum(1 for p in fresh if p.decision == "candidate")
        on_stage(f"attribution: writing entities ({len(merged):,} merges)")
        canonical = clusters(merged)
        result.entities = write_entities(con, canonical, payer_classes(con))
        on_stage(f"attribution: linking {result.entities:,} entities")
        result.links = write_links(con)
        on_stage(f"attribution: findings over {result.links:,} links")
        delete_findings(con, method_prefix=METHOD_PREFIX)
        found = [
            *shared_funder_findings(con),
            *synchronised_launch_findings(con),
            *shared_infrastructure_findings(con),
        ]
        for f in found:
            result.findings[f.kind] = result.findings.get(f.kind, 0) + 1
        result.seconds = time.perf_counter() - started
        run_id = _record_run(case, result, len(found))
        insert_findings(con, found, run_id=run_id)
    return result


def _record_run(case: Case, result: RunResult, findings: int) -> int:
    """The run's row in ``runs``, with the digest that :func:`is_stale` compares later."""
    counts = {"entities": result.entities, "links": result.links, "findings": findings}
    [(run_id,)] = case.con.execute(
        "INSERT INTO runs (engine, input_digest, unmask_version, counts, seconds, scope)"
        " VALUES (?, ?, ?, ?, ?, 'case') RETURNING run_id",
        [ENGINE, data_state(case), __version__, json.dumps(counts), result.seconds],
    ).fetchall()
    return int(run_id)


def is_stale(case: Case) -> bool:
    """Whether attribution's results do not match the case: it never ran on the public records the case
    holds, or sources or decisions changed since it last ran (a source removed too)."""
    if case.schema_version() < 3:
        return False
    last = last_state(case)
    if last is None:
        return bool(case.scalar("SELECT count(*) > 0 FROM statements"))
    return last != data_state(case)


def ensure(case: Case, *, on_stage: Callable[[str], None] = lambda stage: None) -> RunResult | None:
    """Run attribution if the case changed since the last run (or never ran on the records it holds); None if
    it is up to date."""
    if not is_stale(case):
        return None
    return run(case, on_stage=on_stage)


def refresh(path: str | Path, *, on_stage: Callable[[str], None] = lambda stage: None) -> bool:
    """Bring the attribution results of the case at ``path`` up to date before a command reads them.

    The case is opened for writing only when its results are stale. A case that cannot be written (an
    evidence copy) keeps its stored results: False then, and the caller says they are stale
    (:data:`STALE_READ_ONLY`). True when the results match the case.
    """
    with Case.open(path, read_only=True) as case:
        if not is_stale(case):
            return True
    if not Case.writable(path):
        return False
    with Case.open(path) as case:
        ensure(case, on_stage=on_stage)
    return True


def candidates(case: Case, *, limit: int = 50) -> list[dict]:
    """Pairs waiting for review, best first, with what each side is."""
    return case.query(
        """
        SELECT r.left_id, l.name AS left_name, l.schema AS left_schema, r.right_id, rr.name AS right_name,
               rr.schema AS right_schema, r.score, r.rule
        FROM resolutions r LEFT JOIN entities l ON l.entity_id = r.left_id
        LEFT JOIN entities rr ON rr.entity_id = r.right_id
        WHERE r.decision = 'candidate' ORDER BY r.score DESC, r.left_id, r.right_id LIMIT ?
        """,
        [limit],
    )


def decide(case: Case, left_id: str, right_id: str, *, accept: bool, by: str) -> None:
    """Record a reviewer's decision on a pair; the next run keeps it (and merges or splits accordingly)."""
    left_id, right_id = sorted((left_id, right_id))
    with case.transaction() as con:
        known = con.execute(
            "SELECT count(*) FROM entities WHERE entity_id IN (?, ?)", [left_id, right_id]
        ).fetchall()[0][0]
        if known < 2:
            raise OptionError(f"unknown entity id: {left_id} or {right_id} (run `unmask attribution run`)")
        decision = "accepted" if accept else "rejected"
        updated = con.execute(
            "UPDATE resolutions SET decision = ?, decided_by = ?, decided_at = current_timestamp"
            " WHERE left_id = ? AND right_id = ? RETURNING left_id",
            [decision, by, left_id, right_id],
        ).fetchall()
        if not updated:
            schema = con.execute("SELECT schema FROM entities WHERE entity_id = ?", [left_id]).fetchall()[0][
                0
            ]
            con.execute(
                "INSERT INTO resolutions VALUES"
                " (?, ?, ?, 1.0, 'decided by a reviewer', ?, ?, current_timestamp)",
                [left_id, right_id, schema, decision, by],
            )
