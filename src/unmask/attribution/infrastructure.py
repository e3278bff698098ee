"""Shared infrastructure: sites and registrants that share tracking ids, registrant contacts or name servers.

Groups are the connected parts of the graph of entities joined through a shared value (the
``shared-value`` links of :mod:`unmask.attribution.graph`). Each value carries a weight: an analytics,
advertising or pixel id, a site-verification token, or a registrant's e-mail or phone identifies one
operator (0.9); a name-server set, an IP or a social account is shared by hosting and templates as well
(0.5). A value on more than :data:`~unmask.attribution.graph.MAX_SHARING` entities makes no link at all.
Confidence is ``1 - prod(1 - weight)`` over the distinct values a group shares, at most 0.99: a heuristic,
not calibrated on labelled cases.

References: the shared-Google-Analytics method goes back to Lawrence Alexander's 2015 work on
pro-Kremlin site networks (Bellingcat); name-server and registrant pivots are standard in domain
investigations.
"""

from __future__ import annotations

from collections import defaultdict

import duckdb
import igraph as ig

from unmask.attribution.graph import STRONG_VALUES
from unmask.findings import Evidence, Finding

METHOD_VERSION = "1"
STRONG_WEIGHT = 0.9
WEAK_WEIGHT = 0.5


def shared_infrastructure_findings(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    rows = con.execute(
        """
        SELECT l.from_id, l.to_id, l.detail->>'kind', l.detail->>'value', l.source_id, l.record_no,
               e.name, e.schema
        FROM links l LEFT JOIN entities e ON e.entity_id = l.from_id
        WHERE l.kind = 'shared-value' ORDER BY l.to_id, l.from_id
        """
    ).fetchall()
    if not rows:
        return []
    nodes = sorted({r[0] for r in rows} | {r[1] for r in rows})
    index = {n: i for i, n in enumerate(nodes)}
    graph = ig.Graph(n=len(nodes), edges=[(index[r[0]], index[r[1]]) for r in rows])
    by_value: dict[str, list[tuple]] = defaultdict(list)
    for r in rows:
        by_value[r[1]].append(r)
    findings = []
    for component in graph.connected_components():
        members = {nodes[i] for i in component}
        values = sorted(v for v in members if v in by_value)
        entities = sorted(members - set(values))
        if len(entities) < 2:
            continue
        miss = 1.0
        said = []
        evidence = []
        for v in values:
            kind, value = by_value[v][0][2], by_value[v][0][3]
            weight = STRONG_WEIGHT if kind in STRONG_VALUES else WEAK_WEIGHT
            miss *= 1 - weight
            holders = sorted({r[6] or r[0] for r in by_value[v]})
            said.append(f"{kind} {value} ({', '.join(holders)})")
            evidence.extend(
                Evidence(
                    r[4],
                    r[5],
                    "infrastructure",
                    {"entity": r[0], "name": r[6], "kind": kind, "value": value, "weight": weight},
                )
                for r in by_value[v]
            )
        names = dict(
            con.execute(
                "SELECT entity_id, name FROM entities WHERE entity_id IN (SELECT unnest(?))", [entities]
            ).fetchall()
        )
        shown = ", ".join(repr(names.get(e) or e) for e in entities[:10])
        findings.append(
            Finding(
                kind="shared-infrastructure",
                claim=f"{len(entities)} sites or registrants share infrastructure: {shown}. Shared: "
                + "; ".join(said[:12])
                + (f"; and {len(said) - 12} more" if len(said) > 12 else "")
                + ".",
                confidence=round(min(0.99, 1 - miss), 4),
                subjects=entities,
                method="attribution.shared-infrastructure",
                method_version=METHOD_VERSION,
                calibrated=False,
                parameters={
                    "strong_weight": STRONG_WEIGHT,
                    "weak_weight": WEAK_WEIGHT,
                    "values": len(values),
                },
                evidence=evidence[:200],
                limitations=(
                    "Tracking ids can be copied from another site's source, and hosting, templates and "
                    "agencies share name servers and IPs. A shared id says the same account was used, not "
                    "who holds it. The confidence is a heuristic, not calibrated on labelled cases."
                ),
            )
        )
    return findings
