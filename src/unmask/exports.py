"""Exports of a case's records and its case graph: FollowTheMoney JSON lines for Aleph, GEXF and GraphML for
Gephi.

**FtM.** Record entities are written merged, as nomenklatura writes resolved entities: every entity of a
merged cluster (automatic or accepted merges) becomes one entity with the cluster's canonical id, the most
specific schema its records give, and all their values; references to any member are rewritten to the
canonical id. Each entity carries its provenance in ``publisher``/``sourceUrl`` where the records gave one,
and the ``statements`` table keeps every value's file and record for whoever needs more. Infrastructure
identifiers of a site (tracking ids, name servers) are its ``keywords``: FtM has no property for them.

The case graph (:mod:`unmask.graph.build`) adds its nodes that take part in a link, and every link:

- an account is a ``UserAccount`` (``username`` its handle or id, ``service`` its platform, ``name`` its
  display name, ``sourceUrl`` its profile page where the platform's address form is known);
- a byline is a ``UserAccount`` too, with ``service`` "byline": a byline is the name a column is signed
  with, a persona that several writers may share or one writer may vary, not a proven person; ``Person``
  would state what the case does not know, and would let a cross-reference merge it with a real person of
  the same name (FtM never compares a ``UserAccount`` with a ``Person``);
- a coordination network is a ``Note``: a statistical finding about accounts, not an organisation;
- each link is an ``UnknownLink``, FtM's interval for a relation it has no schema for: ``subject`` and
  ``object`` its ends, ``role`` the relation as ``unmask explain`` prints it, ``summary`` what it rests on,
  ``recordId`` its evidence rows ("FILE, record N", at most 5) and the run or finding behind it
  (``run:ID``, ``finding:ID``), ``startDate``/``endDate`` the first and last post where known.

Ids of the case graph's entities are ``unmask-…`` hashes of their node ids (a network's with its run's id),
so an export of the same case gives the same ids, and none can equal a record entity's.

**GEXF / GraphML.** Nodes are record entities, identifier values and the case graph's accounts, bylines and
networks (attributes ``label``: the name; ``schema``: ``Account``, ``Byline``, ``Network``, the FtM schema
or ``Identifier (KIND)``; ``platform`` for accounts); a network stays one node, its members linked to it by
``member of``. Node ids are those ``unmask explain`` takes (``account:PLATFORM:ID``, ``byline:NAME``,
``network:ID``, entity ids, ``KIND:VALUE``): record entities' ids never have those prefixes. Edges are the
``links`` and the ``graph_links``, each with ``label`` (the relation), ``kind``, ``weight`` (what crossing it
costs ``explain``), ``popular`` (a site many accounts of the case link), ``source`` and ``record`` (the file
and record it rests on, or its first evidence row; ``resolution`` and -1 for a merge), ``run`` (``run:ID`` or
``finding:ID`` when an engine's result is the link) and ``evidence`` (how many rows it rests on: posts,
documents, shared objects; else the rows listed, at most 5). Only nodes that take part in a link are written.
Ids and values that hold characters XML cannot carry are escaped (:func:`~unmask.outfiles.xml_safe`); the
rule keeps two ids that differ only in such a character two nodes.

Every export is written under a temporary name and moved into place when complete; a target that cannot be
written raises :class:`~unmask.errors.OutputError` before the case is read. Each reads the case with a few
set-based queries, whatever its size.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import quote

import networkx as nx
from followthemoney import model
from followthemoney.proxy import EntityProxy

from unmask.case import Case
from unmask.graph.build import COST
from unmask.ingest.record_stage import make_id
from unmask.outfiles import atomic, out_file, xml_safe
from unmask.terminal import plural

# Where a platform's profile pages live; an account whose key is not a plain handle gets no address.
_PROFILE_URLS = {
    "twitter": ("handle", "https://x.com/{}"),
    "x": ("handle", "https://x.com/{}"),
    "telegram": ("handle", "https://t.me/{}"),
    "instagram": ("handle", "https://www.instagram.com/{}/"),
    "facebook": ("account_id", "https://www.facebook.com/{}"),
}
_PLAIN_HANDLE = re.compile(r"[A-Za-z0-9_.]{1,100}")


def ftm_entities(case: Case) -> list[dict]:
    """The case's entities as FtM dicts, merged by resolution, references rewritten to canonical ids; then
    the case graph's accounts, bylines, networks and links (:func:`graph_entities`)."""
    canonical = dict(case.con.execute("SELECT entity_id, canonical_id FROM entities").fetchall())
    schemata = dict(case.con.execute("SELECT entity_id, schema FROM entities").fetchall())
    values: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    schema_of: dict[str, str] = {}
    for entity_id, prop, value in case.con.execute(
        "SELECT entity_id, prop, value FROM statements ORDER BY entity_id, prop, value"
    ).fetchall():
        target = canonical.get(entity_id, entity_id)
        values[target][prop].add(value)
        this = schemata.get(entity_id)
        if this:
            if target not in schema_of:
                schema_of[target] = this
            else:
                # A reviewer may merge a person and a company: the first schema stays.
                with contextlib.suppress(Exception):
                    schema_of[target] = model.common_schema(schema_of[target], this).name
    keywords: dict[str, set[str]] = defaultdict(set)
    for entity_id, kind, value in case.con.execute(
        "SELECT entity_id, kind, value FROM infrastructure"
    ).fetchall():
        keywords[canonical.get(entity_id, entity_id)].add(f"{kind}:{value}")
    out = []
    for entity_id in sorted(values):
        proxy = model.make_entity(schema_of.get(entity_id) or "LegalEntity")
        proxy.id = entity_id
        for prop_name, vals in sorted(values[entity_id].items()):
            prop = proxy.schema.get(prop_name)
            if prop is None:
                continue
            for v in sorted(vals):
                proxy.unsafe_add(prop, canonical.get(v, v) if prop.type.name == "entity" else v, cleaned=True)
        if keywords.get(entity_id) and proxy.schema.get("keywords") is not None:
            for k in sorted(keywords[entity_id]):
                proxy.unsafe_add(proxy.schema.get("keywords"), k, cleaned=True)
        out.append(proxy.to_dict())
    emitted = {e["id"]: e["id"] for e in out}
    return out + graph_entities(case, {k: v for k, v in canonical.items() if v in emitted} | emitted)


def graph_entities(case: Case, entity_ids: dict[str, str]) -> list[dict]:
    """The case graph's nodes that take part in a link, and its links, as FtM dicts (see the module's
    docstring for the mapping). ``entity_ids`` maps a record entity's id to the id it is exported under; a
    link to an entity not exported is left out."""
    if case.schema_version() < 8:
        return []
    out: list[dict] = []
    for row in case.con.execute(
        """
        SELECT g.node_id, g.schema, g.name, g.detail, a.display_name, s.path, a.record_no
        FROM graph_nodes g
        LEFT JOIN accounts a ON g.schema = 'Account'
             AND a.platform = json_extract_string(g.detail, '$.platform')
             AND a.account_id = json_extract_string(g.detail, '$.account_id')
        LEFT JOIN sources s ON s.source_id = a.source_id
        WHERE g.node_id IN (SELECT from_id FROM graph_links UNION SELECT to_id FROM graph_links)
        ORDER BY g.node_id, a.record_no
        """
    ).fetchall():
        if row[0] not in entity_ids:  # an account seen twice is one entity
            proxy = _node_entity(*row)
            entity_ids[row[0]] = proxy.id
            out.append(proxy.to_dict())
    written: set[str] = set()
    for row in case.con.execute(
        "SELECT from_id, to_id, relation, kind, weight, source, evidence, detail FROM graph_links"
        " ORDER BY kind, from_id, to_id, relation"
    ).fetchall():
        link = _link_entity(row, entity_ids)
        if link is not None and link.id not in written:
            written.add(link.id)
            out.append(link.to_dict())
    return out


def _node_entity(
    node_id: str, schema: str, name: str | None, detail: str | None, display_name: str | None,
    path: str | None, record_no: int | None,
) -> EntityProxy:  # fmt: skip
    info = json.loads(detail) if detail else {}
    if schema == "Network":
        note = model.make_entity("Note")
        note.id = make_id("unmask-network", node_id, str(info.get("run_id")))
        note.add("name", name)
        note.add(
            "description",
            f"{name}: accounts that acted together in coordination run {info.get('run_id')} (mean member"
            f" score {float(info.get('score') or 0):.2f}); a statistical finding, not an organisation",
        )
        return note
    account = model.make_entity("UserAccount")
    account.id = make_id(f"unmask-{schema.lower()}", node_id)
    if schema == "Byline":
        account.add("username", name)
        account.add("name", name)
        account.add("service", "byline")
        account.add(
            "summary",
            f"a byline, signing {plural(int(info.get('documents') or 0), 'document')} of the case: a persona,"
            " not a proven person",
        )
        return account
    platform, account_id, handle = info.get("platform"), info.get("account_id"), info.get("handle")
    account.add("username", handle or account_id)
    account.add("name", display_name)
    account.add("service", platform)
    account.add("sourceUrl", _profile_url(platform, account_id, handle))
    first_seen = f"; first seen in {path}, record {record_no}" if path is not None else ""
    account.add("summary", f"account {account_id} on {platform}{first_seen}")
    return account


def _profile_url(platform: str | None, account_id: str | None, handle: str | None) -> str | None:
    """The account's profile page, where the platform's address form is known."""
    key, template = _PROFILE_URLS.get(platform or "", (None, None))
    value = {"handle": handle, "account_id": account_id}.get(key or "")
    if template is None or not value or not _PLAIN_HANDLE.fullmatch(value):
        return None
    return template.format(quote(value, safe=""))


def _link_entity(row: tuple, entity_ids: dict[str, str]) -> EntityProxy | None:
    """A row of ``graph_links`` as an ``UnknownLink``; None when an end is not exported."""
    from_id, to_id, relation, kind, weight, source, evidence, detail = row
    subject, object_ = entity_ids.get(from_id), entity_ids.get(to_id)
    if subject is None or object_ is None or subject == object_:
        return None
    info = json.loads(detail) if detail else {}
    rows = json.loads(evidence) if evidence else []
    link = model.make_entity("UnknownLink")
    link.id = make_id("unmask-link", kind, from_id, to_id)
    link.add("subject", subject)
    link.add("object", object_)
    link.add("role", relation)
    link.add("recordId", [f"{r.get('source')}, record {r.get('row')}" for r in rows] + [source])
    link.add("startDate", str(info["first"])[:10] if info.get("first") else None)
    link.add("endDate", str(info["last"])[:10] if info.get("last") else None)
    link.add("summary", _link_summary(kind, source, info, len(rows), weight))
    return link


def _link_summary(kind: str, source: str | None, info: dict, listed: int, weight: float) -> str:
    """What a link of the case graph rests on, in words."""
    counted = [plural(int(info[k]), word) for k, word in _COUNTED if info.get(k) is not None]
    rests = ", ".join([*([source] if source else []), *counted]) or plural(listed, "row")
    popular = _popular(kind, weight)
    cost = f"; costs {weight:g} to cross (a site many accounts of the case link)" if popular else ""
    return f"unmask case graph, {kind}: rests on {rests}{cost}"


_COUNTED = (("posts", "post"), ("documents", "document"), ("objects", "shared object"))


def _popular(kind: str, weight: float) -> bool:
    return kind == "posted-links-to" and weight > COST["link"]


def export_ftm(case: Case, out: Path) -> int:
    """Write the case's entities as FtM JSON lines into ``out``; return how many."""
    out_file(out)
    entities = ftm_entities(case)
    with atomic(out) as tmp, tmp.open("w", encoding="utf-8") as fh:
        for e in entities:
            fh.write(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n")
    return len(entities)


def _graph_tables(case: Case) -> tuple[str, str]:
    """``graph_nodes`` and ``graph_links``, or empty stand-ins on a case older than the case graph."""
    if case.schema_version() >= 8:
        return "graph_nodes", "graph_links"
    return (
        "(SELECT NULL::VARCHAR AS node_id, NULL::VARCHAR AS schema, NULL::VARCHAR AS name,"
        " NULL::JSON AS detail WHERE false)",
        "(SELECT NULL::VARCHAR AS from_id, NULL::VARCHAR AS to_id, NULL::VARCHAR AS relation,"
        " NULL::VARCHAR AS kind, NULL::DOUBLE AS weight, NULL::VARCHAR AS source, NULL::JSON AS evidence,"
        " NULL::JSON AS detail WHERE false)",
    )


def link_graph(case: Case) -> nx.MultiDiGraph:
    """The records' links and the case graph's as one graph (attributes: the module's docstring)."""
    graph_nodes, graph_links = _graph_tables(case)
    graph = nx.MultiDiGraph()
    for node_id, name, schema, platform in case.con.execute(
        f"""
        WITH ends AS (
            SELECT from_id AS id FROM links UNION SELECT to_id FROM links
            UNION SELECT from_id FROM {graph_links} UNION SELECT to_id FROM {graph_links}
        ),
        g AS (
            SELECT node_id, any_value(name) AS name, any_value(schema) AS schema,
                   any_value(json_extract_string(detail, '$.platform')) AS platform
            FROM {graph_nodes} GROUP BY node_id
        )
        SELECT e.id, coalesce(g.name, n.name), coalesce(g.schema, n.schema), g.platform
        FROM ends e LEFT JOIN g ON g.node_id = e.id LEFT JOIN entities n ON n.entity_id = e.id
        ORDER BY e.id
        """
    ).fetchall():
        attrs = {"label": name or node_id, "schema": schema or f"Identifier ({node_id.partition(':')[0]})"}
        graph.add_node(node_id, **attrs, **({"platform": platform} if platform else {}))
    for from_id, to_id, relation, kind, weight, source, record, run, evidence in case.con.execute(
        f"""
        SELECT l.from_id, l.to_id, l.relation, l.kind, l.weight, coalesce(s.path, 'resolution'),
               coalesce(l.record_no, -1), '', CASE WHEN l.record_no IS NULL THEN 0 ELSE 1 END
        FROM links l LEFT JOIN sources s USING (source_id)
        UNION ALL
        SELECT from_id, to_id, relation, kind, weight,
               coalesce(json_extract_string(evidence, '$[0].source'), source, ''),
               coalesce(CAST(json_extract(evidence, '$[0].row') AS BIGINT), -1), coalesce(source, ''),
               coalesce(CAST(json_extract(detail, '$.posts') AS BIGINT),
                        CAST(json_extract(detail, '$.documents') AS BIGINT),
                        CAST(json_extract(detail, '$.objects') AS BIGINT),
                        json_array_length(evidence), 0)
        FROM {graph_links}
        ORDER BY 1, 2, 3
        """
    ).fetchall():
        graph.add_edge(
            from_id,
            to_id,
            label=relation,
            kind=kind,
            weight=float(weight),
            popular=_popular(kind, weight),
            source=source,
            record=int(record),
            run=run,
            evidence=int(evidence),
        )
    return graph


def export_graph(case: Case, out: Path, format: str = "gexf") -> tuple[int, int]:
    """Write the link graph as GEXF or GraphML; return (nodes, edges)."""
    writers = {"gexf": nx.write_gexf, "graphml": nx.write_graphml}
    if format not in writers:
        raise ValueError(f"unknown graph format {format!r}")
    out_file(out)
    graph = xml_safe_graph(link_graph(case))
    with atomic(out) as tmp:
        writers[format](graph, tmp)
    return graph.number_of_nodes(), graph.number_of_edges()


def xml_safe_graph(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of ``graph`` whose node ids and text attributes are :func:`xml_safe` (injective: no two
    nodes merge)."""
    safe = nx.MultiDiGraph()
    safe.add_nodes_from((xml_safe(n), _safe_attrs(a)) for n, a in graph.nodes(data=True))
    safe.add_edges_from(
        (xml_safe(u), xml_safe(v), k, _safe_attrs(a)) for u, v, k, a in graph.edges(keys=True, data=True)
    )
    return safe


def _safe_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    return {k: xml_safe(v) if isinstance(v, str) else v for k, v in attrs.items()}
