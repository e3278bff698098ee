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

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from unmask.attribution.funders import payer_classes, shared_funder_findings, synchronised_launch_findings
from unmask.attribution.graph import load_records, write_entities, write_links
from unmask.attribution.infrastructure import Service, service_values, shared_infrastructure_findings
from unmask.attribution.payers import placeholder_ids
from unmask.attribution.resolve import MATCHABLE, NOT_RESOLVED_PREFIXES, Resolver, block_keys, clusters
from unmask.attribution.state import ENGINE, data_state, is_stale
from unmask.case import Case
from unmask.errors import OptionError
from unmask.findings import delete_findings, insert_findings
from unmask.names import compare_names
from unmask.runs import record_run

METHOD_PREFIX = "attribution."


@dataclass
class RunResult:
    entities: int = 0
    merged: int = 0  # automatic and accepted merges
    candidates: int = 0  # pairs waiting for review
    links: int = 0
    findings: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    # (key, entities) of the name blocks too large to compare (Resolver.skipped_blocks_), largest first
    skipped_blocks: list[tuple[str, int]] = field(default_factory=list)
    # merges refused because they would join a pair a reviewer rejected: (a, b, the rejected pair)
    refused: list[tuple[str, str, tuple[str, str]]] = field(default_factory=list)
    # (entity id, distinct names) of ids that are placeholders (payers.placeholder_ids): not resolved, no
    # link, no finding; most names first
    placeholder_ids: list[tuple[str, int]] = field(default_factory=list)
    # WHOIS contact values that are services (infrastructure.service_values): (kind, value, registrants,
    # entity_id), most registrants first; they make no link and no finding
    services: list[Service] = field(default_factory=list)


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
        result.placeholder_ids = placeholder_ids(con)
        placeholders = {entity_id for entity_id, _ in result.placeholder_ids}
        records = [r for r in records if r.entity_id not in placeholders]  # an id given to strangers
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
        con.execute(
            f"UPDATE resolutions SET conflict = list_filter(conflict, lambda c: c NOT LIKE '{_REFUSED}%')"
        )
        fresh = [p for p in pairs if (p.left_id, p.right_id) not in decided]
        _insert_pairs(con, fresh)
        # A reviewer's merges first, then the strongest: a merge that would join a rejected pair is refused.
        merges = con.execute(
            "SELECT left_id, right_id, CASE WHEN decision = 'accepted' THEN 2.0 ELSE score END"
            " FROM resolutions WHERE decision IN ('auto', 'accepted')"
        ).fetchall()
        rejected = [(a, b) for (a, b), d in decided.items() if d == "rejected"]
        canonical, result.refused = clusters(merges, rejected)
        _mark_refused(con, result.refused)
        result.merged = len(merges) - len(result.refused)
        result.candidates = sum(1 for p in fresh if p.decision == "candidate") + sum(
            1 for a, b, _ in result.refused if decided.get((a, b)) != "accepted"
        )
        result.skipped_blocks = resolver.skipped_blocks_
        on_stage(f"attribution: writing entities ({result.merged:,} merges)")
        result.entities = write_entities(con, canonical, payer_classes(con, placeholders=placeholders))
        on_stage(f"attribution: linking {result.entities:,} entities")
        result.services = service_values(con)
        result.links = write_links(con, result.services)
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


_REFUSED = "would join"
SKIPPED_KEPT = 1000  # the largest skipped name blocks the run's record keeps (explain reads them)
_PAIR_COLUMNS = (
    "left_id", "right_id", "schema", "score", "rule", "decision", "agree", "conflict", "grouping"
)  # fmt: skip


def _insert_pairs(con, pairs: list) -> None:
    """The resolver's pairs into ``resolutions``, as one Arrow table (there can be 100,000s)."""
    table = pa.table({c: [getattr(p, c) for p in pairs] for c in _PAIR_COLUMNS})
    con.register("_unmask_pairs", table)
    try:
        columns = ", ".join(_PAIR_COLUMNS)
        con.execute(f"INSERT INTO resolutions ({columns}) SELECT {columns} FROM _unmask_pairs")
    finally:
        con.unregister("_unmask_pairs")


def _mark_refused(con, refused: list[tuple[str, str, tuple[str, str]]]) -> None:
    """Refused automatic merges become candidates; each refused merge names the rejection it would cross."""
    for a, b, (x, y) in refused:
        con.execute(
            "UPDATE resolutions SET"
            " decision = CASE WHEN decision = 'auto' THEN 'candidate' ELSE decision END,"
            " conflict = list_append(coalesce(conflict, []), ?) WHERE left_id = ? AND right_id = ?",
            [f"{_REFUSED} {x} and {y}, which a reviewer rejected as one", a, b],
        )


def _record_run(case: Case, result: RunResult, findings: int) -> int:
    """The run's row in ``runs``, with the digest that :func:`is_stale` compares later."""
    counts = {
        "entities": result.entities,
        "links": result.links,
        "findings": findings,
        "skipped_blocks": result.skipped_blocks[:SKIPPED_KEPT],
    }
    return record_run(case.con, ENGINE, digest=data_state(case), counts=counts, seconds=result.seconds)


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
    (:data:`~unmask.attribution.state.STALE_READ_ONLY`). True when the results match the case.
    """
    with Case.open(path, read_only=True) as case:
        if not is_stale(case):
            return True
    if not Case.writable(path):
        return False
    with Case.open(path) as case:
        ensure(case, on_stage=on_stage)
    return True


def candidates(case: Case, *, limit: int = 50, group: str | None = None) -> list[dict]:
    """Pairs waiting for review, best first (of one ``group`` if given), with what each side is and what
    agrees and conflicts."""
    where = "r.decision = 'candidate'" + (" AND r.grouping = ?" if group is not None else "")
    return case.query(
        f"""
        SELECT r.left_id, l.name AS left_name, l.schema AS left_schema, r.right_id, rr.name AS right_name,
               rr.schema AS right_schema, r.score, r.rule,
               array_to_string(coalesce(r.agree, []), '; ') AS agree,
               array_to_string(coalesce(r.conflict, []), '; ') AS conflict, r.grouping AS "group"
        FROM resolutions r LEFT JOIN entities l ON l.entity_id = r.left_id
        LEFT JOIN entities rr ON rr.entity_id = r.right_id
        WHERE {where} ORDER BY r.score DESC, r.left_id, r.right_id LIMIT ?
        """,
        [*([group] if group is not None else []), limit],
    )


def candidate_groups(case: Case, *, limit: int = 50) -> list[dict]:
    """Candidates grouped by name (and schema), largest groups first: one decision can settle a group."""
    return case.query(
        """
        SELECT grouping AS "group", count(*) AS pairs, max(score) AS best_score,
               count(*) FILTER (WHERE len(coalesce(agree, [])) > 0) AS with_agreement,
               count(*) FILTER (WHERE len(coalesce(conflict, [])) > 0) AS with_conflict,
               arg_max(rule, score) AS best_rule
        FROM resolutions WHERE decision = 'candidate'
        GROUP BY grouping ORDER BY pairs DESC, best_score DESC, "group" LIMIT ?
        """,
        [limit],
    )


def refused_merges(case: Case) -> list[dict]:
    """Merges that would have joined a pair a reviewer rejected, with the rejection each would cross."""
    return case.query(
        f"""
        SELECT left_id, right_id, decision, score, rule,
               array_to_string(list_filter(conflict, lambda c: c LIKE '{_REFUSED}%'), '; ') AS conflict
        FROM resolutions WHERE len(list_filter(coalesce(conflict, []), lambda c: c LIKE '{_REFUSED}%')) > 0
        ORDER BY left_id, right_id
        """
    )


def decide_group(case: Case, group: str, *, accept: bool, by: str) -> int:
    """Accept or reject every candidate of ``group`` at once; how many pairs were decided."""
    with case.transaction() as con:
        decided = con.execute(
            "UPDATE resolutions SET decision = ?, decided_by = ?, decided_at = current_timestamp"
            " WHERE decision = 'candidate' AND grouping = ? RETURNING left_id",
            ["accepted" if accept else "rejected", by, group],
        ).fetchall()
    if not decided:
        raise OptionError(f"no candidates in the group {group!r} (see `unmask attribution review`)")
    return len(decided)


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
                "INSERT INTO resolutions (left_id, right_id, schema, score, rule, decision, decided_by,"
                " decided_at) VALUES (?, ?, ?, 1.0, 'decided by a reviewer', ?, ?, current_timestamp)",
                [left_id, right_id, schema, decision, by],
            )


def last_skipped_blocks(case: Case) -> list[tuple[str, int]]:
    """The name blocks the last run left out for their size, as its record in ``runs`` kept them."""
    rows = case.con.execute(
        f"SELECT counts FROM runs WHERE engine = '{ENGINE}' ORDER BY run_id DESC LIMIT 1"
    ).fetchall()
    blocks = json.loads(rows[0][0]).get("skipped_blocks", []) if rows and rows[0][0] else []
    return [(key, int(n)) for key, n in blocks]


def why_apart(case: Case, a: str, b: str) -> str | None:
    """Why two people or organisations are not one entity, in words: the stored pair's decision with what
    agreed and conflicted, or why they never became a pair. None when they are one, or either is not a
    person or organisation."""
    rows = case.con.execute(
        "SELECT entity_id, canonical_id, schema FROM entities WHERE entity_id IN (?, ?)", [a, b]
    ).fetchall()
    if len(rows) < 2 or rows[0][1] == rows[1][1]:
        return None
    if any(r[2] not in MATCHABLE or r[0].startswith(NOT_RESOLVED_PREFIXES) for r in rows):
        return None
    left, right = sorted((a, b))
    stored = case.query(
        "SELECT decision, score, rule, agree, conflict, decided_by FROM resolutions"
        " WHERE left_id = ? AND right_id = ?",
        [left, right],
    )
    if stored:
        p = stored[0]
        said = {
            "candidate": "a candidate merge nobody has reviewed",
            "rejected": f"a reviewer ({p['decided_by']}) rejected the merge",
            "accepted": "a reviewer accepted the merge, but it would join a pair rejected elsewhere",
            "auto": "merged automatically, but the merge would join a pair a reviewer rejected",
        }[p["decision"]]
        details = [f"score {p['score']:.2f}: {p['rule']}"]
        details += [f"conflicts: {'; '.join(p['conflict'])}"] if p["conflict"] else []
        return f"{said} ({'; '.join(details)})"
    everyone = load_records(case.con)
    records = {r.entity_id: r for r in everyone if r.entity_id in (left, right)}
    pair = Resolver().fit_rarity(everyone).compare(records[left], records[right])
    shared = block_keys(records[left]) & block_keys(records[right])
    skipped = dict(last_skipped_blocks(case))
    would = f"would be {pair.decision}: {pair.rule}" if pair else "would not be a pair either"
    if not shared:
        return f"never compared: their names share no surname spelling or name word ({would})"
    if all(k in skipped for k in shared):
        keys = ", ".join(f"{k} ({skipped[k]:,} entities)" for k in sorted(shared))
        return f"never compared: the only keys they share were left out as too common: {keys} ({would})"
    if pair is None:
        best = max(
            (
                compare_names(x, y, records[left].schema)
                for x in records[left].names
                for y in records[right].names
            ),
            key=lambda m: m.score,
        )
        return (
            f"compared: not even a candidate (names: {best.rule}, {best.score:.2f}; different years of birth"
            " also keep people apart)"
        )
    return f"not compared in the last run ({would})"
