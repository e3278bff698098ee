"""What a report shows, gathered from the case as plain data: findings, DISARM, graph, timelines, dossiers.

The report computes no analysis: it reads the findings the engines wrote, their evidence, the rows the
evidence points at, and the runs and edges the engines stored, and aggregates them for display (posts per
hour of a network's accounts, a byline's documents by weekday and hour, a page's first ad). Everything it
embeds is capped (:class:`Limits`), and ``caps`` says what was left out, so that a report of a
platform-scale case stays small. Untested findings (``co-action-network``) have their own list, outside
the ranking.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import igraph as ig

from unmask import __version__, disarm
from unmask.case import Case
from unmask.findings import NETWORK_KINDS, Finding, finding_to_dict, read_findings

KIND_TITLES = {
    "coordinated-network": "Coordinated networks",
    "co-action-network": "Untested co-action",
    "group-persona": "Group personas",
    "shared-writer": "Shared writers",
    "shared-funder": "Shared funders",
    "shared-infrastructure": "Shared infrastructure",
    "synchronised-launch": "Synchronised launches",
}


MAX_BARS = 240  # a network's timeline: hourly bars over ten days at most, else daily


@dataclass(frozen=True)
class Limits:
    """How much a report embeds at most (the rest is in the case, and the report says so)."""

    findings: int = 300
    evidence_per_finding: int = 40
    graph_nodes: int = 800  # cytoscape draws 800 nodes in well under a second; 1,500 took 2.4 s
    graph_edges: int = 2000
    timelines: int = 30
    dossiers: int = 20
    campaigns: int = 50


def report_data(case: Case, limits: Limits | None = None) -> dict[str, Any]:
    limits = limits or Limits()
    caps: list[str] = []
    found = read_findings(case)
    if len(found) > limits.findings:
        caps.append(
            f"{len(found) - limits.findings:,} findings of lower confidence are not shown "
            f"(of {len(found):,}; `unmask findings` lists them all)"
        )
    found = found[: limits.findings]
    paths = dict(case.con.execute("SELECT source_id, path FROM sources").fetchall())
    shown = [_finding(f, paths, limits) for f in found]
    truncated = sum(1 for d in shown if d["evidence_total"] > len(d["evidence"]))
    if truncated:
        caps.append(f"{truncated} findings show their first {limits.evidence_per_finding} evidence rows only")
    # Untested findings stand outside the ranking, the network view and the DISARM table: nothing was tested.
    findings = [d for d in shown if d["tested"]]
    untested = [d for d in shown if not d["tested"]]
    for d in untested:
        d["edges"] = _stored_edges(case, d, limits.evidence_per_finding)
    campaigns = _campaigns(case, {f["finding_id"] for f in findings}, limits, caps)
    graph = _graph(case, findings, campaigns, limits, caps)
    return {
        "meta": {
            "case": case.path,
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "unmask_version": __version__,
        },
        "summary": _summary(case, findings, untested),
        "findings": findings,
        "untested": untested,
        "disarm": _disarm(findings),
        "graph": graph,
        "campaigns": campaigns,
        "timelines": _timelines(case, findings + untested, limits, caps),
        "dossiers": _dossiers(case, findings, limits, caps),
        "methods": _methods(shown),
        "runs": _runs(case),
        "caps": caps,
        "limits": asdict(limits),
    }


def _finding(f: Finding, paths: dict[int, str], limits: Limits) -> dict[str, Any]:
    """A finding as the report shows it: evidence capped, each row with its source file's path."""
    d = finding_to_dict(f)
    d["evidence_total"] = len(d["evidence"])
    d["evidence"] = [
        {**e, "source": paths.get(e["source_id"]) if e["source_id"] is not None else None}
        for e in d["evidence"][: limits.evidence_per_finding]
    ]
    d["title"] = KIND_TITLES.get(f.kind, f.kind)
    return d


def _stored_edges(case: Case, finding: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    """The edges among an untested network's accounts that its run stored, most episodes first."""
    if finding["run_id"] is None:
        return []
    return case.query(
        "SELECT account_a, account_b, kind, weight, episodes, median_gap_s, first_time, last_time"
        " FROM coordination_edges WHERE run_id = ? AND account_a IN (SELECT unnest(?))"
        " AND account_b IN (SELECT unnest(?))"
        " ORDER BY episodes DESC, weight DESC, account_a, account_b, kind LIMIT ?",
        [finding["run_id"], finding["subjects"], finding["subjects"], limit],
    )


def _runs(case: Case) -> list[dict[str, Any]]:
    """The last run of each engine (of each method, for persona, whose runs have one each): when, with what,
    what it produced."""
    if case.schema_version() < 5:
        return []
    rows = case.query(
        """
        SELECT * FROM (
            SELECT run_id, coalesce(CASE WHEN engine = 'persona' THEN json_extract_string(scope, '$.method')
                                    END, engine) AS engine,
                   started_at, window_s, seed, parameters, counts, unmask_version FROM runs
        ) QUALIFY row_number() OVER (PARTITION BY engine ORDER BY run_id DESC) = 1 ORDER BY engine
        """
    )
    for r in rows:
        r["started_at"] = r["started_at"].isoformat(timespec="seconds")
        counts = json.loads(r.pop("counts") or "{}")
        r["counts"] = ", ".join(f"{k} {v}" for k, v in counts.items() if isinstance(v, int | float | bool))
    return rows


def _summary(case: Case, findings: list[dict], untested: list[dict]) -> dict[str, Any]:
    counts = case.query(
        "SELECT (SELECT count(*) FROM posts) AS posts, (SELECT count(*) FROM accounts) AS accounts,"
        " (SELECT count(*) FROM documents) AS documents, (SELECT count(*) FROM sources) AS sources,"
        " (SELECT count(*) FROM quarantine) AS quarantined,"
        " (SELECT count(DISTINCT entity_id) FROM statements) AS entities"
    )[0]
    by_kind: dict[str, int] = defaultdict(int)
    for f in findings:
        by_kind[f["kind"]] += 1
    return {
        **counts,
        "findings": len(findings),
        "untested": len(untested),
        "findings_by_kind": dict(sorted(by_kind.items())),
    }


def _disarm(findings: list[dict]) -> list[dict]:
    """Each DISARM technique observed, with its name, tactic and the findings behind it."""
    table = disarm.techniques()
    seen: dict[str, list[str]] = defaultdict(list)
    for f in findings:
        for t in f["disarm"]:
            seen[t["id"]].append(f["finding_id"])
    out = []
    for tid, ids in sorted(seen.items()):
        t = table.get(tid)
        out.append(
            {
                "id": tid,
                "name": t.name if t else None,
                "tactic": f"{t.tactic_id} {t.tactic}" if t else None,
                "summary": t.summary if t else None,
                "findings": ids,
            }
        )
    return out


def _labels(case: Case, ids: set[str]) -> dict[str, tuple[str, str]]:
    """Display name and type of graph nodes: entities by name, accounts by handle, others as given."""
    out: dict[str, tuple[str, str]] = {}
    if not ids:
        return out
    for eid, name, schema in case.con.execute(
        "SELECT entity_id, name, schema FROM entities WHERE entity_id IN (SELECT unnest(?))", [sorted(ids)]
    ).fetchall():
        out[eid] = (name or eid, schema)
    for aid, handle in case.con.execute(
        "SELECT account_id, any_value(handle) FROM accounts WHERE account_id IN (SELECT unnest(?))"
        " GROUP BY account_id",
        [sorted(ids - set(out))],
    ).fetchall():
        out[aid] = (handle or aid, "account")
    return out


def _campaigns(case: Case, shown: set[str], limits: Limits, caps: list[str]) -> list[dict[str, Any]]:
    """The campaigns (:mod:`unmask.graph.campaigns`) whose findings the report shows, largest first."""
    from unmask.graph.campaigns import campaigns
    from unmask.graph.paths import hop_text

    cards = [c for c in campaigns(case) if all(f["finding_id"] in shown for f in c["findings"])]
    for card in cards:
        for join in card["joins"]:
            for hop in join["hops"]:
                hop["text"] = hop_text(hop)
    if len(cards) > limits.campaigns:
        caps.append(
            f"{len(cards) - limits.campaigns:,} campaigns of one finding each are not shown as cards "
            "(`unmask campaigns` lists them all)"
        )
    return cards[: limits.campaigns]


def _graph(
    case: Case, findings: list[dict], campaigns: list[dict], limits: Limits, caps: list[str]
) -> dict[str, Any]:
    """Findings as hubs joined to their subjects; the evidence's objects for networks; the attribution
    links among the subjects; the hops of the case graph that join the findings of a campaign (accounts to
    sites, bylines to sites, sites to their registrants), each with its evidence rows. A network's hub
    stands for its accounts: the browser draws it closed, with its members' links to the rest drawn from
    the hub, and opens it on a click. Positions are laid out here (Fruchterman–Reingold) so that the
    browser only draws."""
    nodes: dict[str, dict[str, Any]] = {}
    edges: list[dict[str, Any]] = []

    def node(node_id: str, kind: str, label: str | None = None, finding: str | None = None) -> None:
        if node_id not in nodes:
            if len(nodes) >= limits.graph_nodes:
                return
            text = label or node_id
            nodes[node_id] = {
                "id": node_id,
                "kind": kind,
                "label": text if len(text) <= 48 else text[:47] + "…",
                "findings": [],
            }
        if finding and finding not in nodes[node_id]["findings"]:
            nodes[node_id]["findings"].append(finding)

    def edge(a: str, b: str, label: str, kind: str, evidence: list | None = None) -> None:
        if a in nodes and b in nodes and len(edges) < limits.graph_edges:
            edges.append({"source": a, "target": b, "label": label, "kind": kind, "evidence": evidence or []})

    subjects = {s for f in findings for s in f["subjects"]}
    labels = _labels(case, subjects)
    for f in findings:
        hub = "finding:" + f["finding_id"]
        node(hub, "finding", f"{f['title']} ({f['confidence']:.2f})", f["finding_id"])
        for s in f["subjects"]:
            label, kind = labels.get(s, (s, "subject"))
            node(s, kind, label, f["finding_id"])
            edge(hub, s, f["kind"], "finding")
        for e in f["evidence"]:
            v = e["values"] or {}
            if f["kind"] == "coordinated-network" and "account" in v and "object" in v:
                obj = f"object:{v['object']}"
                node(obj, "object", str(v["object"]), f["finding_id"])
                edge(v["account"], obj, str(v.get("kind", "")), "co-action")
            elif "from" in v and "to" in v:  # a link of an evidence chain (a funder's officer and her job)
                for end, name in ((v["from"], v.get("from_name")), (v["to"], v.get("to_name"))):
                    node(str(end), labels.get(str(end), (name, "entity"))[1], name, f["finding_id"])
                edge(str(v["from"]), str(v["to"]), str(v.get("relation", "")), "chain")
    for card in campaigns:
        for join in card["joins"]:
            for hop in join["hops"]:
                ends = []
                for end in (hop["from"], hop["to"]):
                    # Coordination names an account by its id: the report's node for it is that id.
                    raw = end["id"].split(":", 2)[2] if end["schema"] == "Account" else end["id"]
                    end_id = raw if raw in nodes else end["id"]
                    node(end_id, "account" if end["schema"] == "Account" else end["schema"], end["name"])
                    ends.append(end_id)
                rows = hop.get("evidence") or (
                    [{"source": hop["source"], "row": hop["row"]}] if hop["row"] is not None else []
                )
                edge(ends[0], ends[1], hop["relation"], "graph", rows)
        for n in card["behind"]:
            if n["hops"] == 1:  # its record links it to a node drawn already (below)
                node(n["id"], n["schema"], n["name"])
    for a, b, relation, kind, source, row in case.con.execute(
        "SELECT l.from_id, l.to_id, l.relation, l.kind, s.path, l.record_no FROM links l"
        " LEFT JOIN sources s USING (source_id)"
        " WHERE l.from_id IN (SELECT unnest(?)) AND l.to_id IN (SELECT unnest(?))",
        [sorted(nodes), sorted(nodes)],
    ).fetchall():
        edge(a, b, relation, kind, [{"source": source, "row": row}] if row is not None else [])
    _close_networks(findings, nodes, edges)
    if len(nodes) >= limits.graph_nodes or len(edges) >= limits.graph_edges:
        caps.append(
            f"the network view holds at most {limits.graph_nodes:,} nodes and {limits.graph_edges:,} "
            "edges: the findings' other subjects are in their evidence tables"
        )
    order = list(nodes)
    index = {n: i for i, n in enumerate(order)}
    g = ig.Graph(n=len(order), edges=[(index[e["source"]], index[e["target"]]) for e in edges])
    # Fixed starting positions: the same case gives the same picture every time.
    start = [
        [math.cos(i * 2.399963), math.sin(i * 2.399963) * (1 + i / max(len(order), 1))]
        for i in range(len(order))
    ]
    layout = g.layout_fruchterman_reingold(niter=300, seed=start) if order else []
    for i, n in enumerate(order):
        x, y = layout[i] if order else (0.0, 0.0)
        nodes[n]["x"], nodes[n]["y"] = round(x * 40, 1), round(y * 40, 1)
    return {"nodes": list(nodes.values()), "edges": edges}


def _close_networks(findings: list[dict], nodes: dict[str, dict], edges: list[dict]) -> None:
    """Mark what a network's hub hides when closed (``network``: its accounts and objects that no other
    finding names) and draw their links to the rest from the hub (``proxy`` edges, shown while closed)."""
    for f in findings:
        if f["kind"] not in NETWORK_KINDS:
            continue
        hub = "finding:" + f["finding_id"]
        inside = {n for n, v in nodes.items() if v["findings"] == [f["finding_id"]] and n != hub}
        for n in inside:
            nodes[n]["network"] = hub
        outside = {
            (e["target"] if e["source"] in inside else e["source"], e["label"])
            for e in edges
            if (e["source"] in inside) != (e["target"] in inside) and hub not in (e["source"], e["target"])
        }
        for other, label in sorted(outside):
            edges.append({"source": hub, "target": other, "label": f"members: {label}", "kind": "proxy",
                          "evidence": [], "network": hub})  # fmt: skip


def _timelines(case: Case, findings: list[dict], limits: Limits, caps: list[str]) -> list[dict]:
    """Posts per hour of each network's accounts; first ads of the pages of funder and launch findings."""
    out = []
    for f in findings:
        if len(out) >= limits.timelines:
            caps.append(f"timelines are drawn for the first {limits.timelines} findings only")
            break
        if f["kind"] in NETWORK_KINDS:
            [(first, last)] = case.con.execute(
                "SELECT min(created_at), max(created_at) FROM posts WHERE account_id IN (SELECT unnest(?))",
                [f["subjects"]],
            ).fetchall()
            if first is None:
                continue
            unit = "hour" if (last - first).total_seconds() <= MAX_BARS * 3600 else "day"
            rows = case.con.execute(
                f"SELECT date_trunc('{unit}', created_at) AS t, count(*) FROM posts"
                " WHERE account_id IN (SELECT unnest(?)) GROUP BY t ORDER BY t",
                [f["subjects"]],
            ).fetchall()
            out.append(_bars(f, f"posts per {unit} by the network's accounts", rows[-MAX_BARS:]))
        elif f["kind"] in ("shared-funder", "synchronised-launch"):
            rows = case.con.execute(
                """
                SELECT min(d.value) AS first_ad, t.value AS page FROM statements t
                JOIN statements d ON d.entity_id = t.entity_id AND d.prop = 'startDate'
                WHERE t.prop = 'beneficiary' AND t.value IN (SELECT unnest(?))
                GROUP BY t.value ORDER BY first_ad
                """,
                [f["subjects"]],
            ).fetchall()
            if rows:
                names = _labels(case, {p for _, p in rows})
                out.append(
                    {
                        "finding_id": f["finding_id"],
                        "title": "first ad of each page",
                        "kind": "events",
                        "events": [{"date": d[:10], "label": names.get(p, (p, ""))[0]} for d, p in rows],
                    }
                )
    return out


def _bars(f: dict, title: str, rows: list[tuple]) -> dict:
    return {
        "finding_id": f["finding_id"],
        "title": title,
        "kind": "bars",
        "bars": [{"t": t.isoformat() if hasattr(t, "isoformat") else str(t), "n": int(n)} for t, n in rows],
    }


def _dossiers(case: Case, findings: list[dict], limits: Limits, caps: list[str]) -> list[dict]:
    """For each group persona: its documents by writer cluster and its rhythm (weekday x hour, UTC)."""
    out = []
    for f in findings:
        if f["kind"] not in ("group-persona", "shared-writer"):
            continue
        if len(out) >= limits.dossiers:
            caps.append(f"persona dossiers are shown for the first {limits.dossiers} findings only")
            break
        bylines = [s.removeprefix("byline:") for s in f["subjects"] if s.startswith("byline:")]
        grid = [[0] * 24 for _ in range(7)]
        for dow, hour, n in case.con.execute(
            "SELECT isodow(published_at AT TIME ZONE 'UTC') - 1, hour(published_at AT TIME ZONE 'UTC'),"
            " count(*) FROM documents WHERE byline IN (SELECT unnest(?)) AND published_at IS NOT NULL"
            " GROUP BY ALL",
            [bylines],
        ).fetchall():
            grid[int(dow)][int(hour)] = int(n)
        clusters: dict[str, list[dict]] = defaultdict(list)
        for e in f["evidence"]:
            v = e["values"]
            if "cluster" in v:
                doc = {k: v.get(k) for k in ("doc_id", "title", "outlet", "x", "y", "cluster")}
                clusters[str(v["cluster"])].append(doc | {"source": e["source"], "row": e["record_no"]})
        docs = [d for group in clusters.values() for d in group if d.get("x") is not None]
        out.append(
            {
                "finding_id": f["finding_id"],
                "bylines": bylines,
                "map": _scatter(docs),
                "claim": f["claim"],
                "clusters": dict(sorted(clusters.items())),
                "rhythm": grid,
                "rhythm_max": max(max(r) for r in grid),
            }
        )
    return out


def _scatter(docs: list[dict], width: int = 360, height: int = 260, pad: int = 14) -> list[dict]:
    """Documents placed in a drawing by the 2-D positions the persona engine gave them."""
    if not docs:
        return []
    xs, ys = [d["x"] for d in docs], [d["y"] for d in docs]
    span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    return [
        {
            "cx": round(pad + (d["x"] - min(xs)) / span_x * (width - 2 * pad), 1),
            "cy": round(pad + (d["y"] - min(ys)) / span_y * (height - 2 * pad), 1),
            "cluster": int(d.get("cluster") or 0),
            "label": d.get("title") or d.get("doc_id"),
        }
        for d in docs
    ]


def _methods(findings: list[dict]) -> list[dict]:
    """Each method used, once: its name, version, parameters of its first finding, and its limitations."""
    seen: dict[str, dict] = {}
    for f in findings:
        m = f["method"]
        if m["name"] not in seen:
            seen[m["name"]] = {
                "name": m["name"],
                "version": m["version"],
                "parameters": json.dumps(m["parameters"], ensure_ascii=False, default=str, sort_keys=True),
                "limitations": f["limitations"],
                "calibrated": f["calibrated"],
            }
    return list(seen.values())
