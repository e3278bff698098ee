"""The evidence graph of a case: entities, and links that each rest on one record or one resolution.

:func:`write_entities` gives every FtM entity its schema, display name and canonical id (after merges);
:func:`write_links` derives the links, in SQL:

- **record links** from FtM's interval schemata, read from the record that states both ends: a ``Payment``
  (payer → beneficiary: "paid for the ads of", "donated to"), a ``Directorship`` ("director of"), an
  ``Employment`` ("employed by … as LOBBYIST"), ``Membership``, ``Representation``, ``Ownership``
  (a domain's registrant → the site), ``UnknownLink``;
- **same-as links** from resolution: automatic and accepted merges, and candidates (which paths use
  only when asked);
- **shared-value links** from an entity to an identifier node (``ga-ua:UA-1234-1``, ``email:x@y.org``)
  where two or more entities show the value.

Payers that are placeholders get no links; platform-wide and agency payers cost more to cross, so that a
shortest path goes through them only when nothing better exists.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pyarrow as pa
from followthemoney import model

from unmask.attribution.resolve import IDENTIFIER_PROPS, MATCHABLE, EntityRecord
from unmask.names import strip_disclaimer

# FtM interval schemata read as links: (schema, from property, to property).
EDGE_SCHEMATA = (
    ("Payment", "payer", "beneficiary"),
    ("Directorship", "director", "organization"),
    ("Employment", "employee", "employer"),
    ("Membership", "member", "organization"),
    ("Representation", "agent", "client"),
    ("Ownership", "owner", "asset"),
    ("UnknownLink", "subject", "object"),
    ("Associate", "person", "associate"),
    ("Family", "person", "relative"),
)
# Infrastructure kinds that identify one operator, and those that many unrelated sites share.
STRONG_VALUES = frozenset(
    [
        "ga-ua",
        "ga-account",
        "ga4",
        "gtm",
        "adsense",
        "fb-pixel",
        "google-site-verification",
        "facebook-domain-verification",
        "yandex-verification",
        "msvalidate.01",
        "p:domain_verify",
        "registrant-email",
        "registrant-phone",
        "email",
        "phone",
    ]
)
WEAK_VALUES = frozenset(["nameserver-set", "ip", "social"])
# A value on more entities than this is shared hosting or a template, not one operator.
MAX_SHARING = 50
# An officer of more organisations than this serves clients (a professional treasurer): crossing costs more.
MAX_OFFICES = 10
COST = {"record": 1.0, "same-as": 1.0, "candidate": 4.0, "strong": 1.0, "weak": 3.0, "generic-payer": 6.0}


def _schema(schemata: list[str]) -> str:
    """The most specific schema the records give an entity (a LegalEntity seen as a Company: Company)."""
    best = schemata[0]
    for s in schemata[1:]:
        try:
            best = model.common_schema(best, s).name
        except Exception:  # records disagree (Person and Company): keep the first record's
            continue
    return best


def load_records(con: duckdb.DuckDBPyConnection) -> list[EntityRecord]:
    """What resolution reads of each matchable entity, straight from the statements: names, identifiers,
    birth dates, contacts, addresses, countries, occupations, employers' names (from ``Employment``) and,
    for treasurers, their committees' addresses (from ``Directorship``) and the candidate whose own committee
    it is (the committee's "candidate's committee" link)."""
    rows = con.execute(
        f"""
        WITH own AS (
            SELECT entity_id, list(DISTINCT schema ORDER BY schema) AS schemata,
                   list(DISTINCT value) FILTER (WHERE prop = 'name') AS names,
                   list(DISTINCT value) FILTER (WHERE prop IN {IDENTIFIER_PROPS}) AS ids,
                   list(DISTINCT value) FILTER (WHERE prop = 'birthDate') AS births,
                   list(DISTINCT value) FILTER (WHERE prop IN ('email', 'phone')) AS contacts,
                   list(DISTINCT value) FILTER (WHERE prop = 'address') AS addresses,
                   list(DISTINCT value) FILTER (WHERE prop = 'country') AS countries,
                   list(DISTINCT value) FILTER (WHERE prop = 'position') AS occupations
            FROM statements WHERE schema IN {MATCHABLE}
            GROUP BY entity_id
        ),
        roles AS (  -- (person, organisation, schema, role) of each Employment and Directorship
            SELECT p.value AS person, o.value AS org, p.schema,
                   first(r.value) FILTER (WHERE r.value IS NOT NULL) AS role
            FROM statements p
            JOIN statements o ON o.entity_id = p.entity_id
                 AND ((p.schema = 'Employment' AND p.prop = 'employee' AND o.prop = 'employer')
                   OR (p.schema = 'Directorship' AND p.prop = 'director' AND o.prop = 'organization'))
            LEFT JOIN statements r ON r.entity_id = p.entity_id AND r.prop = 'role'
            GROUP BY ALL
        ),
        employers AS (
            SELECT r.person AS entity_id, list(DISTINCT s.value) AS employers FROM roles r
            JOIN statements s ON s.entity_id = r.org AND s.prop = 'name'
            WHERE r.schema = 'Employment' GROUP BY r.person
        ),
        work AS (
            SELECT r.person AS entity_id, list(DISTINCT s.value) AS work_addresses FROM roles r
            JOIN statements s ON s.entity_id = r.org AND s.prop = 'address'
            WHERE r.schema = 'Directorship' AND lower(r.role) = 'treasurer' GROUP BY r.person
        ),
        related AS (  -- the candidate whose own committee this person is treasurer of
            SELECT r.person AS entity_id, list(DISTINCT c.value) AS related FROM roles r
            JOIN statements o ON o.prop = 'object' AND o.value = r.org AND o.schema = 'UnknownLink'
            JOIN statements c ON c.entity_id = o.entity_id AND c.prop = 'subject'
            JOIN statements k ON k.entity_id = o.entity_id AND k.prop = 'role'
                 AND k.value = 'candidate''s committee'
            WHERE r.schema = 'Directorship' AND lower(r.role) = 'treasurer' GROUP BY r.person
        )
        SELECT own.*, employers.employers, work.work_addresses, related.related
        FROM own LEFT JOIN employers USING (entity_id) LEFT JOIN work USING (entity_id)
        LEFT JOIN related USING (entity_id)
        ORDER BY entity_id
        """
    ).fetchall()
    return [
        EntityRecord(
            eid, schema, _matched_names(schema, names or []), ids or [], births or [], contacts or [],
            addresses or [], countries or [], occupations or [], employers or [], work or [], related or [],
        )
        for (eid, schemata, names, ids, births, contacts, addresses, countries, occupations, employers, work,
             related) in rows
        for schema in (_schema(schemata),)
    ]  # fmt: skip


def _matched_names(schema: str, names: list[str]) -> list[str]:
    """The names resolution compares: an organisation's without an ad library's "Paid for by" (the
    statements keep the text as written)."""
    if schema == "Person":
        return names
    return list(dict.fromkeys(stripped for n in names if (stripped := strip_disclaimer(n))))


def write_entities(
    con: duckdb.DuckDBPyConnection, canonical: dict[str, str], payer_classes: dict[str, str]
) -> int:
    rows = con.execute(
        """
        SELECT entity_id, list(DISTINCT schema ORDER BY schema),
               arg_min(value, source_id * 1e12 + record_no) FILTER (WHERE prop = 'name')
        FROM statements GROUP BY entity_id
        """
    ).fetchall()
    con.execute("DELETE FROM entities")
    table = pa.table(
        {
            "entity_id": [r[0] for r in rows],
            "schema": [_schema(r[1]) for r in rows],
            "name": [r[2] for r in rows],
            "canonical_id": [canonical.get(r[0], r[0]) for r in rows],
            "payer_class": [payer_classes.get(r[0]) for r in rows],
        }
    )
    con.register("_unmask_entities", table)
    try:
        con.execute("INSERT INTO entities SELECT * FROM _unmask_entities")
    finally:
        con.unregister("_unmask_entities")
    return len(rows)


def write_links(con: duckdb.DuckDBPyConnection, services: Iterable[tuple] = ()) -> int:
    """Rebuild ``links`` from statements, resolutions and infrastructure; return how many there are.

    Entities whose id is a placeholder (payer class ``placeholder-id``) and the WHOIS contacts in
    ``services`` (:class:`unmask.attribution.infrastructure.Service`: ``kind, value, registrants,
    entity_id``) make no link of any kind; the services' contact values join nothing."""
    services = list(services)
    unlinked = pa.table({"entity_id": pa.array([s[3] for s in services if s[3] is not None], pa.string())})
    values = pa.table(
        {
            "kind": pa.array([s[0] for s in services], pa.string()),
            "value": pa.array([s[1] for s in services], pa.string()),
        }
    )
    con.register("_unmask_service_contacts", unlinked)
    con.register("_unmask_service_values", values)
    try:
        return _write_links(con)
    finally:
        con.unregister("_unmask_service_contacts")
        con.unregister("_unmask_service_values")


# Entities that make no link: placeholder ids and service contacts (registered by write_links).
_UNLINKED = (
    "(SELECT entity_id FROM entities WHERE payer_class = 'placeholder-id'"
    " UNION ALL SELECT entity_id FROM _unmask_service_contacts)"
)


def _write_links(con: duckdb.DuckDBPyConnection) -> int:
    edges = ", ".join(f"('{s}', '{a}', '{b}')" for s, a, b in EDGE_SCHEMATA)
    con.execute("DELETE FROM links")
    con.execute(
        f"""
        INSERT INTO links
        WITH edge_props(schema, src, dst) AS (VALUES {edges}),
        qualifier AS (
            SELECT entity_id,
                   first(value ORDER BY value) FILTER (WHERE prop = 'role') AS role,
                   first(value ORDER BY value) FILTER (WHERE prop = 'purpose') AS purpose
            FROM statements WHERE prop IN ('role', 'purpose') GROUP BY entity_id
        ),
        pairs AS (
            SELECT s.value AS from_id, t.value AS to_id, s.schema, s.entity_id AS via,
                   s.source_id, s.record_no, q.role, q.purpose
            FROM statements s
            JOIN edge_props e ON s.schema = e.schema AND s.prop = e.src
            JOIN statements t ON t.entity_id = s.entity_id AND t.prop = e.dst
                 AND t.source_id = s.source_id AND t.record_no = s.record_no
            LEFT JOIN qualifier q ON q.entity_id = s.entity_id
        ),
        worded AS (
            SELECT *, CASE schema
                WHEN 'Payment' THEN CASE
                    WHEN purpose ILIKE '%ads%' THEN 'paid for the ads of'
                    WHEN purpose ILIKE 'contribution%' THEN 'donated to'
                    ELSE 'paid' END
                WHEN 'Directorship' THEN lower(coalesce(role, 'officer')) || ' of'
                WHEN 'Employment' THEN 'employed by' || coalesce(' as ' || lower(role), '')
                WHEN 'Membership' THEN 'member of' || coalesce(' (' || role || ')', '')
                WHEN 'Representation' THEN 'represents' || coalesce(' (' || role || ')', '')
                WHEN 'Ownership' THEN CASE WHEN role ILIKE '%registrant%' THEN 'registrant of'
                                           ELSE 'owner of' END
                ELSE coalesce(role, 'linked to') END AS relation
            FROM pairs
        ),
        -- Officers of many organisations (a professional treasurer of dozens of committees, once their
        -- records are merged): the role joins their clients, not one operation.
        serves AS (
            SELECT coalesce(e.canonical_id, w.from_id) AS person, count(DISTINCT w.to_id) AS organisations
            FROM worded w LEFT JOIN entities e ON e.entity_id = w.from_id
            WHERE w.schema = 'Directorship' GROUP BY ALL HAVING organisations > {MAX_OFFICES}
        )
        SELECT w.from_id, w.to_id,
               any_value(w.relation) || coalesce(' (one of ' || any_value(h.organisations)
                   || ' organisations this officer serves)', ''),
               'record',
               CASE WHEN any_value(p.payer_class) IN ('platform-wide', 'agency')
                         OR any_value(h.organisations) IS NOT NULL
                    THEN {COST["generic-payer"]} ELSE {COST["record"]} END,
               arg_min(w.source_id, w.source_id * 1e12 + w.record_no),
               arg_min(w.record_no, w.source_id * 1e12 + w.record_no),
               json_object('records', count(*), 'via', arg_min(w.via, w.source_id * 1e12 + w.record_no),
                           'payer_class', any_value(p.payer_class), 'serves', any_value(h.organisations))
        FROM worded w LEFT JOIN entities p ON p.entity_id = w.from_id
        LEFT JOIN entities pe ON pe.entity_id = w.from_id
        LEFT JOIN serves h ON w.schema = 'Directorship' AND h.person = coalesce(pe.canonical_id, w.from_id)
        WHERE coalesce(p.payer_class, '') <> 'placeholder' AND w.from_id <> w.to_id
          AND w.from_id NOT IN {_UNLINKED} AND w.to_id NOT IN {_UNLINKED}
        GROUP BY w.from_id, w.to_id, w.relation
        """
    )
    con.execute(
        f"""
        INSERT INTO links
        SELECT left_id, right_id,
               CASE WHEN decision = 'candidate' THEN 'possibly the same as' ELSE 'same as' END,
               CASE WHEN decision = 'candidate' THEN 'candidate' ELSE 'same-as' END,
               CASE WHEN decision = 'candidate' THEN {COST["candidate"]} ELSE {COST["same-as"]} END,
               NULL, NULL,
               json_object('score', score, 'rule', rule, 'decision', decision, 'decided_by', decided_by)
        FROM resolutions WHERE decision IN ('auto', 'accepted', 'candidate')
          AND left_id NOT IN {_UNLINKED} AND right_id NOT IN {_UNLINKED}
        """
    )
    strong = ", ".join(f"'{k}'" for k in sorted(STRONG_VALUES))
    weak = ", ".join(f"'{k}'" for k in sorted(WEAK_VALUES))
    con.execute(
        f"""
        INSERT INTO links
        WITH seen AS (
            SELECT entity_id, kind, value, source_id, record_no, as_of FROM infrastructure
            WHERE kind IN ({strong}, {weak})
            UNION ALL
            SELECT entity_id, prop, lower(value), source_id, record_no, NULL FROM statements
            WHERE prop IN ('email', 'phone') AND schema IN {MATCHABLE}
        ),
        shared AS (
            SELECT kind, value FROM seen
            WHERE entity_id NOT IN {_UNLINKED} AND NOT EXISTS (
                SELECT 1 FROM _unmask_service_values v WHERE v.kind = seen.kind AND v.value = seen.value
            )
            GROUP BY kind, value
            HAVING count(DISTINCT entity_id) BETWEEN 2 AND {MAX_SHARING}
        )
        SELECT s.entity_id, s.kind || ':' || s.value, 'uses ' || s.kind || ' ' || s.value, 'shared-value',
               CASE WHEN s.kind IN ({strong}) THEN {COST["strong"]} ELSE {COST["weak"]} END,
               arg_min(s.source_id, s.source_id * 1e12 + s.record_no),
               arg_min(s.record_no, s.source_id * 1e12 + s.record_no),
               json_object('kind', s.kind, 'value', s.value, 'records', count(*), 'as_of', min(s.as_of))
        FROM seen s JOIN shared USING (kind, value)
        WHERE s.entity_id NOT IN {_UNLINKED}
        GROUP BY s.entity_id, s.kind, s.value
        """
    )
    return con.execute("SELECT count(*) FROM links").fetchall()[0][0]
