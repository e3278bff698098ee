"""Evidence paths: the shortest chains of records that connect two entities.

The graph is the case's ``links`` (records, merges, shared identifiers), read in either direction, each link
costing its weight (a record or a merge 1, a shared weak value 3, a candidate merge 4 and only when asked, a
link through an agency or platform-wide payer, or an officer of more than 10 organisations, 6).
:func:`explain` returns up to ``max_paths`` loop-free paths in order of cost (Yen's k-shortest paths, as
igraph implements them: J. Y. Yen, "Finding the k shortest loopless paths in a network", Management Science
17(11), 1971). Each hop names the record it rests on: the source file and record number, or the merge's rule
and score."""

from __future__ import annotations

import json
import sys
from types import ModuleType
from typing import Any

import numpy as np

from unmask.case import Case
from unmask.errors import UnmaskError
from unmask.graph.edges import edges


class AmbiguousName(UnmaskError):
    """A name that fits several entities: the candidates are listed so the user can give an id."""

    def __init__(self, query: str, matches: list[dict]):
        self.query = query
        self.matches = matches
        listed = "; ".join(f"{m['id']} ({m['schema']}: {m['name']})" for m in matches[:20])
        more = f" and {len(matches) - 20} more" if len(matches) > 20 else ""
        super().__init__(f"{query!r} names {len(matches)} entities; give one of these ids: {listed}{more}")


class UnknownEntity(UnmaskError):
    pass


GRAPH_PREFIXES = ("account:", "byline:", "network:")
# The schemata attribution resolves (its resolve.MATCHABLE, which loads followthemoney to import): only
# between two of them can ``explain`` say why they are apart.
RESOLVED = ("Person", "Company", "Organization", "LegalEntity")


def _graph(case: Case) -> bool:
    """Whether the case has the case graph's tables (schema 8)."""
    return case.schema_version() >= 8


def _node(case: Case, node_id: str) -> dict[str, Any]:
    return nodes(case, [node_id])[node_id]


def nodes(case: Case, node_ids: list[str]) -> dict[str, dict[str, Any]]:
    """``{id: {id, name, schema}}`` for nodes of the case graph, entities and identifiers (batched)."""
    found: dict[str, dict[str, Any]] = {}
    wanted = sorted(set(node_ids))
    graph_ids = [n for n in wanted if n.startswith(GRAPH_PREFIXES)]
    if graph_ids and _graph(case):
        rows = case.con.execute(
            "SELECT node_id, name, schema FROM graph_nodes WHERE node_id IN (SELECT unnest(?))", [graph_ids]
        ).fetchall()
        found.update({r[0]: {"id": r[0], "name": r[1], "schema": r[2]} for r in rows})
    rest = [n for n in wanted if n not in found]
    if rest:
        rows = case.con.execute(
            "SELECT entity_id, name, schema FROM entities WHERE entity_id IN (SELECT unnest(?))", [rest]
        ).fetchall()
        found.update({r[0]: {"id": r[0], "name": r[1], "schema": r[2]} for r in rows})
    for node_id in wanted:
        if node_id not in found:
            kind, _, value = node_id.partition(":")
            found[node_id] = {"id": node_id, "name": value, "schema": f"Identifier ({kind})"}
    return found


def find_node(case: Case, query: str, platform: str | None = None) -> dict[str, Any]:
    """The node ``query`` names: an account (``@handle``, or its id, ``--platform`` when ambiguous), a byline,
    ``network:ID``, a domain, an entity or identifier id, or an entity's name (:func:`find_entity`)."""
    if _graph(case):
        query = query.strip()
        if query.startswith(GRAPH_PREFIXES):
            rows = case.con.execute("SELECT node_id FROM graph_nodes WHERE node_id = ?", [query]).fetchall()
            if rows:
                return _node(case, query)
        where, value = (
            ("lower(json_extract_string(detail, '$.handle')) = lower(?)", query[1:])
            if query.startswith("@")
            else ("json_extract_string(detail, '$.account_id') = ?", query)
        )
        platform_sql = " AND json_extract_string(detail, '$.platform') = ?" if platform else ""
        rows = case.con.execute(
            "SELECT node_id, name, schema FROM graph_nodes"
            f" WHERE schema = 'Account' AND {where}{platform_sql} ORDER BY node_id",
            [value, *([platform] if platform else [])],
        ).fetchall()
        if not rows:
            rows = case.con.execute(
                "SELECT node_id, name, schema FROM graph_nodes"
                " WHERE schema = 'Byline' AND lower(name) = lower(?)",
                [query],
            ).fetchall()
        if len(rows) > 1:
            raise AmbiguousName(query, [{"id": r[0], "name": r[1], "schema": r[2]} for r in rows])
        if rows:
            return {"id": rows[0][0], "name": rows[0][1], "schema": rows[0][2]}
    return find_entity(case, query)


def find_entity(case: Case, query: str) -> dict[str, Any]:
    """The entity ``query`` names: an entity or identifier id, else a name (case-insensitive).

    A name that several entities carry, after merges are counted as one, raises :class:`AmbiguousName`.
    """
    exact = case.con.execute("SELECT count(*) FROM entities WHERE entity_id = ?", [query]).fetchall()[0][0]
    if exact or case.con.execute("SELECT count(*) FROM links WHERE to_id = ?", [query]).fetchall()[0][0]:
        return _node(case, query)
    rows = case.con.execute(
        """
        SELECT DISTINCT e.entity_id, e.name, e.schema, e.canonical_id FROM statements s
        JOIN entities e ON e.entity_id = s.entity_id
        WHERE s.prop = 'name' AND lower(s.value) = lower(trim(?))
        ORDER BY e.entity_id
        """,
        [query],
    ).fetchall()
    if not rows:
        from unmask.attribution.graph import EDGE_SCHEMATA  # only here: it loads followthemoney

        # Links (payments, directorships) carry no names of their own to be found by.
        rows = case.con.execute(
            "SELECT entity_id, name, schema, canonical_id FROM entities"
            " WHERE name ILIKE '%' || trim(?) || '%' AND schema NOT IN (SELECT unnest(?)) ORDER BY entity_id",
            [query, [schema for schema, _, _ in EDGE_SCHEMATA]],
        ).fetchall()
    if not rows:
        raise UnknownEntity(f"no entity is named or has the id {query!r} (`unmask attribution run` first?)")
    if len({r[3] for r in rows}) > 1:
        raise AmbiguousName(query, [{"id": r[0], "name": r[1], "schema": r[2]} for r in rows])
    return {"id": rows[0][0], "name": rows[0][1], "schema": rows[0][2]}


def explain(
    case: Case,
    a: str,
    b: str,
    *,
    candidates: bool = False,
    max_paths: int = 3,
    max_hops: int = 10,
    platform: str | None = None,
) -> dict[str, Any]:
    """``{"from": node, "to": node, "paths": [[hop, ...], ...]}``, ``"paths": []`` when none exists.

    A hop is ``{"from": node, "to": node, "relation", "source", "row"}`` in the order walked; ``reverse``
    says the record states it the other way ("B paid for the ads of A"), and merges carry ``rule`` and
    ``score``. Where the two are people or organisations that were not merged, ``apart`` says why
    (:func:`~unmask.attribution.engine.why_apart`).
    """
    start, end = find_node(case, a, platform), find_node(case, b, platform)
    result: dict[str, Any] = {"from": start, "to": end, "paths": []}
    if start["schema"] in RESOLVED and end["schema"] in RESOLVED:
        from unmask.attribution.engine import why_apart  # only here: it loads followthemoney and scipy

        if (why := why_apart(case, start["id"], end["id"])) is not None:
            result["apart"] = why
    if start["id"] == end["id"]:
        return result
    kinds = (
        ("record", "same-as", "shared-value", "candidate")
        if candidates
        else ("record", "same-as", "shared-value")
    )
    with edges(case, kinds, extra=[start["id"], end["id"]]) as links:
        first, last = (int(c) for c in links.codes([start["id"], end["id"]]))
        linked = np.zeros(links.n_nodes, dtype=bool)
        linked[links.src], linked[links.dst] = True, True
        if not (linked[first] and linked[last]):
            return result
        graph = _igraph().Graph(n=links.n_nodes, edges=np.column_stack((links.src, links.dst)).tolist())
        if last not in set(graph.subcomponent(first)):
            return result
        found = graph.get_k_shortest_paths(
            first, last, k=max_paths, weights=links.weight.tolist(), output="epath"
        )
        paths = [p for p in found if p and len(p) <= max_hops]
        rows = links.rows([e for p in paths for e in p])
    named = nodes(case, [n for row in rows.values() for n in row[:2]])
    for epath in paths:
        hops, at = [], start["id"]
        for e in epath:
            hops.append(hop(rows[e], at, named))
            at = hops[-1]["to"]["id"]
        result["paths"].append(hops)
    return result


def _igraph() -> ModuleType:
    """igraph, loaded without its matplotlib drawing when matplotlib is not loaded yet.

    igraph imports matplotlib.pyplot and its cairo drawing as it loads (0.5 s of an ``explain`` that should
    answer in about one); it takes a matplotlib that cannot be imported as "no plotting", which unmask never
    asks of it. matplotlib itself stays importable afterwards.
    """
    if "igraph" in sys.modules or "matplotlib" in sys.modules:
        import igraph

        return igraph
    sys.modules["matplotlib"] = None  # type: ignore[assignment]  # makes `import matplotlib` fail
    try:
        import igraph
    finally:
        del sys.modules["matplotlib"]
    return igraph


def hop(row: tuple, at: str, named: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A link (a row of :data:`LINK_COLUMNS`) walked from ``at``, with the record or run it rests on.

    ``reverse`` says the record states it the other way ("B paid for the ads of A"); merges carry ``rule``,
    ``score`` and ``decision``; a link of the case graph carries its ``evidence`` rows.
    """
    from_id, to_id, relation, kind, _, path, record_no, detail, evidence = row
    reverse = from_id != at
    here, there = (to_id, from_id) if reverse else (from_id, to_id)
    result: dict[str, Any] = {
        "from": named[here],
        "to": named[there],
        "relation": relation,
        "reverse": reverse,
        "source": path if path is not None else ("resolution" if kind in ("same-as", "candidate") else None),
        "row": record_no,
    }
    if evidence is not None:  # a link of the case graph: its rows, or the run or finding behind it
        listed = json.loads(evidence)
        result["evidence"] = listed
        if path is None and listed:
            result["source"], result["row"] = listed[0]["source"], listed[0]["row"]
    info = json.loads(detail) if detail else {}
    if kind in ("same-as", "candidate") and "rule" in info:
        result.update(
            {"rule": info.get("rule"), "score": info.get("score"), "decision": info.get("decision")}
        )
    return result


def hop_text(hop: dict[str, Any]) -> str:
    """One hop in words: "A —paid for the ads of→ B  [file.json, record 3]"."""
    left, right = hop["from"], hop["to"]
    relation = hop["relation"]
    arrow = f"<-{relation}-" if hop["reverse"] else f"-{relation}->"
    if "rule" in hop:
        where = f"[{hop.get('decision')} merge, score {hop['score']}: {hop['rule']}]"
    else:
        where = f"[{hop['source']}, record {hop['row']}]"
    left_text = f"{left['name'] or left['id']} ({left['schema']})"
    right_text = f"{right['name'] or right['id']} ({right['schema']})"
    return f"{left_text} {arrow} {right_text}  {where}"
