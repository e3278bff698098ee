"""Exports of a case's records and links: FollowTheMoney JSON lines for Aleph, GEXF and GraphML for Gephi.

**FtM.** Entities are written merged, as nomenklatura writes resolved entities: every entity of a merged
cluster (automatic or accepted merges) becomes one entity with the cluster's canonical id, the most
specific schema its records give, and all their values; references to any member are rewritten to the
canonical id. Each entity carries its provenance in ``publisher``/``sourceUrl`` where the records gave one,
and the ``statements`` table keeps every value's file and record for whoever needs more. Infrastructure
identifiers of a site (tracking ids, name servers) are its ``keywords``: FtM has no property for them.

**GEXF / GraphML.** Nodes are entities and identifier values, edges the ``links`` (relation, kind, weight,
source file and record), so Gephi shows the same evidence graph ``unmask explain`` walks. Ids and values
that hold characters XML cannot carry are escaped (:func:`~unmask.outfiles.xml_safe`); the rule keeps two ids
that differ only in such a character two nodes.

Every export is written under a temporary name and moved into place when complete; a target that cannot be
written raises :class:`~unmask.errors.OutputError` before the case is read.
"""

from __future__ import annotations

import contextlib
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import networkx as nx
from followthemoney import model

from unmask.case import Case
from unmask.outfiles import atomic, out_file, xml_safe


def ftm_entities(case: Case) -> list[dict]:
    """The case's entities as FtM dicts, merged by resolution, references rewritten to canonical ids."""
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
    return out


def export_ftm(case: Case, out: Path) -> int:
    """Write the case's entities as FtM JSON lines into ``out``; return how many."""
    out_file(out)
    entities = ftm_entities(case)
    with atomic(out) as tmp, tmp.open("w", encoding="utf-8") as fh:
        for e in entities:
            fh.write(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n")
    return len(entities)


def link_graph(case: Case) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    for entity_id, name, schema in case.con.execute(
        "SELECT entity_id, name, schema FROM entities WHERE entity_id IN"
        " (SELECT from_id FROM links UNION SELECT to_id FROM links)"
    ).fetchall():
        graph.add_node(entity_id, label=name or entity_id, schema=schema)
    for from_id, to_id, relation, kind, weight, path, record_no in case.con.execute(
        "SELECT l.from_id, l.to_id, l.relation, l.kind, l.weight, s.path, l.record_no"
        " FROM links l LEFT JOIN sources s USING (source_id) ORDER BY l.from_id, l.to_id, l.relation"
    ).fetchall():
        for node in (from_id, to_id):
            if node not in graph:
                kind_, _, value = node.partition(":")
                graph.add_node(node, label=value or node, schema=f"Identifier ({kind_})")
        graph.add_edge(
            from_id,
            to_id,
            label=relation,
            kind=kind,
            weight=float(weight),
            source=path or "resolution",
            record=int(record_no) if record_no is not None else -1,
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
