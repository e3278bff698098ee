"""Findings: the contract every engine writes to and every report reads from.

A :class:`Finding` is a claim in plain words with a confidence, the subjects it is about, the evidence rows
that support it (each pointing at its source file and record), the method that produced it, what the method
cannot tell, and the DISARM techniques it documents. Reports and exports render findings; they never
recompute them. Engines add finding kinds to :data:`KINDS`; nothing else changes.

Example::

    >>> f = Finding(kind="coordinated-network", claim="4 accounts shared the same 12 links within 30 s",
    ...             confidence=0.97, calibrated=True, subjects=["twitter:a", "twitter:b"],
    ...             method="coordination.co-link", method_version="1", parameters={"window_s": 30},
    ...             evidence=[Evidence(source_id=1, record_no=17, table_name="posts",
    ...                                values={"url": "https://example.org/x"})],
    ...             limitations="Timing alone cannot tell a shared operator from a shared scheduler.")
    >>> f.disarm
    ('T0049.005', 'T0049.003')
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from unmask import disarm
from unmask.case import Case


@dataclass(frozen=True)
class Kind:
    """A finding kind. ``tested`` is False for kinds whose findings no statistical test stands behind:
    their confidence is 0, rankings by confidence leave them out, and listings show them last, marked."""

    name: str
    description: str
    disarm: tuple[str, ...]
    tested: bool = True


# Kinds whose subjects are the accounts of one network.
NETWORK_KINDS = ("coordinated-network", "co-action-network")
KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "coordinated-network",
            "accounts that act together more often than an organic crowd would",
            ("T0049.005", "T0049.003"),
        ),
        Kind(
            "co-action-network",
            "accounts that acted on the same objects within a window, not tested against chance",
            ("T0049.005", "T0049.003"),
            tested=False,
        ),
        Kind(
            "group-persona",
            "a byline whose documents were written by more than one person",
            ("T0143.002", "T0097.100", "T0085.006"),
        ),
        Kind(
            "shared-writer",
            "bylines or accounts whose texts share a hidden writer",
            ("T0143.002", "T0144.002"),
        ),
        Kind("shared-funder", "pages or sites paid for by the same funder", ("T0153.005", "T0148.003")),
        Kind(
            "shared-infrastructure",
            "sites that share tracking ids, name servers or registrants",
            ("T0149.001", "T0152.004"),
        ),
        Kind(
            "synchronised-launch", "pages or accounts that start on the same day", ("T0150.001", "T0150.008")
        ),
    )
}
UNTESTED_KINDS = tuple(k.name for k in KINDS.values() if not k.tested)


@dataclass(frozen=True)
class Evidence:
    """One row behind a claim: where it came from and the values that matter for the claim.

    ``source_id`` and ``record_no`` point at the imported file and its record; both are None for a derived
    statistic (then ``note`` says how it was computed).
    """

    source_id: int | None = None
    record_no: int | None = None
    table_name: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    note: str | None = None


@dataclass
class Finding:
    """A claim with its confidence, subjects, evidence, method and DISARM techniques."""

    kind: str
    claim: str
    confidence: float
    subjects: list[str]
    method: str
    method_version: str
    calibrated: bool = False
    parameters: dict[str, Any] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)
    limitations: str = ""
    disarm: tuple[str, ...] = ()
    finding_id: str = ""
    run_id: int | None = None  # the engine run that wrote it (runs table), where the engine has runs

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown finding kind {self.kind!r}; known: {', '.join(KINDS)}")
        if not 0.0 <= float(self.confidence) <= 1.0:
            raise ValueError(f"confidence must be in [0, 1], got {self.confidence}")
        # A confidence would rank an untested claim among tested ones.
        if not KINDS[self.kind].tested and self.confidence != 0.0:
            raise ValueError(f"{self.kind} findings are untested: their confidence is 0")
        ids = self.disarm or KINDS[self.kind].disarm
        current: list[str] = []
        for technique_id in ids:
            mapped = disarm.current_ids(technique_id)
            if not mapped:
                raise ValueError(f"unknown DISARM technique id {technique_id!r}")
            current.extend(t for t in mapped if t not in current)
        self.disarm = tuple(current)
        self.subjects = sorted(set(self.subjects))
        if not self.finding_id:
            self.finding_id = self._stable_id()

    def _stable_id(self) -> str:
        """Same kind, method and subjects → same id, so re-running an engine replaces its findings."""
        key = json.dumps([self.kind, self.method, self.subjects], sort_keys=True)
        return self.kind + ":" + hashlib.sha256(key.encode()).hexdigest()[:16]

    @property
    def tested(self) -> bool:
        return KINDS[self.kind].tested


def write_findings(case: Case, findings: list[Finding], *, run_id: int | None = None) -> int:
    """Store ``findings`` (replacing any with the same id) and their evidence, in one transaction."""
    with case.transaction() as con:
        insert_findings(con, findings, run_id=run_id)
    return len(findings)


def insert_findings(
    con: duckdb.DuckDBPyConnection, findings: list[Finding], *, run_id: int | None = None
) -> None:
    """:func:`write_findings` inside the caller's transaction (an engine run that replaces its findings and
    records itself all at once). ``run_id`` names the run that wrote them."""
    for f in findings:
        f.run_id = run_id if run_id is not None else f.run_id
        con.execute("DELETE FROM evidence WHERE finding_id = ?", [f.finding_id])
        con.execute("DELETE FROM findings WHERE finding_id = ?", [f.finding_id])
        con.execute(
            "INSERT INTO findings (finding_id, kind, claim, confidence, calibrated, subjects, method,"
            " method_version, parameters, limitations, disarm, run_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                f.finding_id,
                f.kind,
                f.claim,
                float(f.confidence),
                f.calibrated,
                f.subjects,
                f.method,
                f.method_version,
                json.dumps(f.parameters, default=str),
                f.limitations,
                list(f.disarm),
                f.run_id,
            ],
        )
        if f.evidence:
            con.executemany(
                'INSERT INTO evidence (finding_id, seq, source_id, record_no, table_name, "values", note)'
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    [
                        f.finding_id,
                        i,
                        e.source_id,
                        e.record_no,
                        e.table_name,
                        json.dumps(e.values, default=str, ensure_ascii=False),
                        e.note,
                    ]
                    for i, e in enumerate(f.evidence)
                ],
            )


def delete_findings(
    con: duckdb.DuckDBPyConnection,
    *,
    method_prefix: str,
    within: Sequence[str] | None = None,
    ids: Sequence[str] | None = None,
) -> int:
    """Delete every finding whose method starts with ``method_prefix``, with its evidence (an engine's run
    replacing all of its earlier findings); return how many.

    A run over part of the case replaces only its part: with ``within``, only the findings all of whose
    subjects are among ``within`` go; with ``ids``, only the findings of those ids.
    """
    where = "starts_with(method, $prefix)"
    params: dict[str, Any] = {"prefix": method_prefix}
    if within is not None:
        where += " AND list_has_all($within::VARCHAR[], subjects)"
        params["within"] = list(within)
    if ids is not None:
        where += " AND finding_id IN (SELECT unnest($ids::VARCHAR[]))"
        params["ids"] = list(ids)
    [(n,)] = con.execute(f"SELECT count(*) FROM findings WHERE {where}", params).fetchall()
    con.execute(
        f"DELETE FROM evidence WHERE finding_id IN (SELECT finding_id FROM findings WHERE {where})", params
    )
    con.execute(f"DELETE FROM findings WHERE {where}", params)
    return n


def read_findings(case: Case, *, kind: str | None = None, min_confidence: float = 0.0) -> list[Finding]:
    """The case's findings with their evidence, most confident first, then the untested ones (which a
    ``min_confidence`` above 0 leaves out: no test stands behind them)."""
    # A write-protected case of an older schema is read as it is: its findings name no run.
    run_id = "" if case.schema_version() >= 5 else ", NULL::INTEGER AS run_id"
    rows = case.query(
        f"SELECT *{run_id} FROM findings WHERE (? IS NULL OR kind = ?) AND confidence >= ?"
        " AND (? <= 0 OR kind NOT IN (SELECT unnest(?)))"
        " ORDER BY kind IN (SELECT unnest(?)), confidence DESC, finding_id",
        [kind, kind, min_confidence, min_confidence, list(UNTESTED_KINDS), list(UNTESTED_KINDS)],
    )
    evidence: dict[str, list[Evidence]] = {}
    for e in case.query(
        "SELECT e.* FROM evidence e JOIN findings f USING (finding_id)"
        " WHERE (? IS NULL OR f.kind = ?) AND f.confidence >= ? ORDER BY e.finding_id, e.seq",
        [kind, kind, min_confidence],
    ):
        evidence.setdefault(e["finding_id"], []).append(
            Evidence(
                e["source_id"], e["record_no"], e["table_name"], json.loads(e["values"] or "{}"), e["note"]
            )
        )
    return [
        Finding(
            kind=r["kind"],
            claim=r["claim"],
            confidence=r["confidence"],
            subjects=list(r["subjects"]),
            method=r["method"],
            method_version=r["method_version"],
            calibrated=r["calibrated"],
            parameters=json.loads(r["parameters"] or "{}"),
            evidence=evidence.get(r["finding_id"], []),
            limitations=r["limitations"] or "",
            disarm=tuple(r["disarm"] or ()),
            finding_id=r["finding_id"],
            run_id=r["run_id"],
        )
        for r in rows
    ]


def finding_to_dict(f: Finding) -> dict[str, Any]:
    """A JSON-ready dict of a finding, with each DISARM technique's name."""
    names = disarm.techniques()
    return {
        "finding_id": f.finding_id,
        "kind": f.kind,
        "claim": f.claim,
        "confidence": f.confidence,
        "tested": f.tested,
        "calibrated": f.calibrated,
        "subjects": f.subjects,
        "method": {"name": f.method, "version": f.method_version, "parameters": f.parameters},
        "limitations": f.limitations,
        "disarm": [{"id": t, "name": names[t].name if t in names else None} for t in f.disarm],
        "evidence": [e.__dict__ for e in f.evidence],
        "run_id": f.run_id,
    }
