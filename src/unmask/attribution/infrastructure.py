"""Shared infrastructure: sites and registrants that share tracking ids, registrant contacts or name servers.

Groups are the connected parts of the graph of entities joined through a shared value (the
``shared-value`` links of :mod:`unmask.attribution.graph`). Each value carries a weight: an analytics,
advertising or pixel id, a site-verification token, or a registrant's e-mail or phone identifies one
operator (0.9); a name-server set, an IP or a social account is shared by hosting and templates as well
(0.5). A value on more than :data:`~unmask.attribution.graph.MAX_SHARING` entities makes no link at all.
Confidence is ``1 - prod(1 - weight)`` over the distinct values a group shares, at most 0.99: a heuristic,
not calibrated on labelled cases.

**Services** (:func:`service_values`): a WHOIS contact value shared by many unrelated registrants is a
registrar's, a reseller's or a brand-protection firm's, not an operator's. A registrant e-mail or phone, an
administrative or technical contact's e-mail or phone, or the contact itself (the organisation or person
named) is a service when the domains carrying it have at least :data:`MIN_SERVICE_REGISTRANTS` unrelated
registrants. Registrants are related when they are one name: a person's full name, or an organisation's
first name word ("Google LLC" and "Google Ireland Holdings" are one registrant, "Alpha Media" and "Beta
Media" two); a registrant is the organisation the record names, else the person. Domains without a named
registrant count for nothing. A service makes no link and so no finding; the run reports it.

References: the shared-Google-Analytics method goes back to Lawrence Alexander's 2015 work on
pro-Kremlin site networks (Bellingcat); name-server and registrant pivots are standard in domain
investigations.
"""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

import duckdb
import igraph as ig

from unmask.attribution.graph import STRONG_VALUES
from unmask.findings import Evidence, Finding
from unmask.ingest.record_stage import name_key
from unmask.names import parse_org

METHOD_VERSION = "2"
STRONG_WEIGHT = 0.9
WEAK_WEIGHT = 0.5
# A WHOIS contact value on the domains of this many unrelated registrants is a service's.
MIN_SERVICE_REGISTRANTS = 5


class Service(NamedTuple):
    """A WHOIS contact value that is a service's: ``kind`` is ``registrant-email``, ``registrant-phone``,
    ``email``, ``phone`` (an administrative or technical contact's) or ``contact`` (the contact itself,
    ``value`` its name and ``entity_id`` its id)."""

    kind: str
    value: str
    registrants: int  # unrelated registrants of the domains carrying it
    entity_id: str | None = None


# (site, registrant's schema, registrant's name): the organisation a record names, else its registrant.
_REGISTRANTS = """
    WITH own AS (
        SELECT a.value AS site, o.value AS owner FROM statements a
        JOIN statements o ON o.entity_id = a.entity_id AND o.prop = 'owner'
        JOIN statements r ON r.entity_id = a.entity_id AND r.prop = 'role' AND r.value = 'domain registrant'
        WHERE a.schema = 'Ownership' AND a.prop = 'asset'
    ),
    org AS (
        SELECT m.value AS member, any_value(o.value) AS org FROM statements m
        JOIN statements o ON o.entity_id = m.entity_id AND o.prop = 'organization'
        JOIN statements r ON r.entity_id = m.entity_id AND r.prop = 'role'
             AND r.value = 'registrant organisation in WHOIS'
        WHERE m.schema = 'Membership' AND m.prop = 'member' GROUP BY m.value
    )
    SELECT DISTINCT own.site, n.schema, n.value
    FROM own LEFT JOIN org ON org.member = own.owner
    JOIN statements n ON n.entity_id = coalesce(org.org, own.owner) AND n.prop = 'name'
"""
# (kind, value, contact entity or NULL, site) of every WHOIS contact value: a contact is the person or
# organisation a record names as a domain's contact or registrant, and the organisation named with a person.
_CARRIED = """
    WITH named AS (
        SELECT s.value AS contact, t.value AS site FROM statements s
        JOIN statements t ON t.entity_id = s.entity_id AND t.prop = 'object'
        JOIN statements r ON r.entity_id = s.entity_id AND r.prop = 'role'
             AND r.value LIKE '% contact of the domain'
        WHERE s.schema = 'UnknownLink' AND s.prop = 'subject'
        UNION
        SELECT o.value, a.value FROM statements a
        JOIN statements o ON o.entity_id = a.entity_id AND o.prop = 'owner'
        JOIN statements r ON r.entity_id = a.entity_id AND r.prop = 'role' AND r.value = 'domain registrant'
        WHERE a.schema = 'Ownership' AND a.prop = 'asset'
    ),
    contact AS (
        SELECT contact, site FROM named
        UNION
        SELECT o.value, n.site FROM named n
        JOIN statements m ON m.value = n.contact AND m.schema = 'Membership' AND m.prop = 'member'
        JOIN statements o ON o.entity_id = m.entity_id AND o.prop = 'organization'
        JOIN statements r ON r.entity_id = m.entity_id AND r.prop = 'role'
             AND r.value LIKE '% organisation in WHOIS'
    )
    SELECT kind, value, NULL, entity_id FROM infrastructure
    WHERE kind IN ('registrant-email', 'registrant-phone')
    UNION
    SELECT s.prop, lower(s.value), NULL, c.site FROM contact c
    JOIN statements s ON s.entity_id = c.contact AND s.prop IN ('email', 'phone')
    UNION
    SELECT 'contact', coalesce(e.name, c.contact), c.contact, c.site FROM contact c
    LEFT JOIN entities e ON e.entity_id = c.contact
"""


def _registrant_key(schema: str, name: str) -> str:
    """One key a registrant: a person's full name, an organisation's first name word."""
    if schema != "Person":
        core = parse_org(name).core
        if core:
            return core[0]
    return name_key(name)


def service_values(con: duckdb.DuckDBPyConnection) -> list[Service]:
    """The WHOIS contact values that are services (module docstring), most registrants first."""
    registrants: dict[str, set[str]] = defaultdict(set)
    for site, schema, name in con.execute(_REGISTRANTS).fetchall():
        registrants[site].add(_registrant_key(schema, name))
    if not registrants:
        return []
    carried: dict[tuple[str, str, str | None], set[str]] = defaultdict(set)
    for kind, value, entity_id, site in con.execute(_CARRIED).fetchall():
        carried[kind, value, entity_id] |= registrants.get(site, set())
    services = [
        Service(kind, value, len(keys), entity_id)
        for (kind, value, entity_id), keys in carried.items()
        if len(keys) >= MIN_SERVICE_REGISTRANTS
    ]
    return sorted(services, key=lambda s: (-s.registrants, s.kind, s.value))


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
