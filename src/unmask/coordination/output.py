"""What a coordination run writes: files for analysts and Gephi, and findings into the case.

``DIR/accounts.csv`` (account_id, network_id, score), ``DIR/edges.parquet`` and ``DIR/edges.csv``,
``DIR/networks.json``, ``DIR/network.gexf`` and ``DIR/network.graphml``. Values come from hostile input:
CSV cells that a spreadsheet would run as formulas get a leading ``'``, the XML writers escape markup and
replace characters XML cannot carry (:func:`~unmask.outfiles.xml_safe`), and nothing is ever evaluated.
Each file is written under a temporary name and moved into place only when complete.

Findings: a run that tested its edges against the null model writes ``coordinated-network`` findings; one
that did not (``--no-null``, or a case with no crowd to test against) writes ``co-action-network`` findings,
whose confidence is 0 and whose words claim nothing about chance.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING, Any

import igraph as ig
import pyarrow as pa
import pyarrow.parquet as pq

from unmask.coordination import calibration
from unmask.findings import Evidence, Finding
from unmask.outfiles import atomic, out_folder, write_csv, write_text, xml_safe

if TYPE_CHECKING:
    from unmask.coordination.detector import Coordination

EDGE_COLUMNS = (
    "account_a",
    "account_b",
    "kind",
    "weight",
    "coactions",
    "episodes",
    "expected",
    "p_value",
    "q_value",
    "first_time",
    "last_time",
    "median_gap_s",
    "window_s",
    "test",
    "network_id",
)
LIMITATIONS = (
    "Acting together is not proof of a common operator: shared schedulers, fan communities and news "
    "aggregators can act in step. The null model assumes that, given how much each account acts each day, "
    "how popular each object is that day and where in a crowd each account usually acts, whom it co-acts "
    "with is chance; a community whose members follow one another closely (fans who are first on one "
    "source's posts only) can exceed it without coordination. Read the evidence rows before attributing "
    "the network to anyone."
)


def write_outputs(found: Coordination, out_dir: Path) -> dict[str, Path]:
    """Write every output file of a fitted run into ``out_dir``; return their paths. An ``out_dir`` that
    cannot be written raises :class:`~unmask.errors.OutputError` before anything is written."""
    out_folder(out_dir)
    paths = {
        name: out_dir / name
        for name in (
            "accounts.csv",
            "edges.parquet",
            "edges.csv",
            "networks.json",
            "network.gexf",
            "network.graphml",
        )
    }
    write_csv(found.accounts_, paths["accounts.csv"])
    edges = found.edges_
    with atomic(paths["edges.parquet"]) as tmp:
        pq.write_table(edges, tmp)
    flat = edges.select(list(EDGE_COLUMNS)).append_column(
        "evidence",
        pa.array(
            [json.dumps(e, default=str, ensure_ascii=False) for e in edges.column("evidence").to_pylist()],
            pa.string(),
        ),
    )
    write_csv(flat, paths["edges.csv"])
    write_text(paths["networks.json"], json.dumps(found.networks_, indent=2, ensure_ascii=False, default=str))
    graph = _graph(found)
    with atomic(paths["network.graphml"]) as tmp:
        graph.write_graphml(str(tmp))
    with atomic(paths["network.gexf"]) as tmp:
        _write_gexf(graph, tmp)
    return paths


def _graph(found: Coordination) -> ig.Graph:
    """Flagged accounts and the significant edges among them, one graph edge per pair and kind; text
    attributes are XML-safe (igraph refuses control characters in GraphML)."""
    accounts = found.accounts_.to_pylist()
    index = {a["account_id"]: i for i, a in enumerate(accounts)}
    graph = ig.Graph(n=len(accounts), directed=False)
    graph.vs["name"] = [xml_safe(a["account_id"]) for a in accounts]
    graph.vs["network_id"] = [a["network_id"] for a in accounts]
    graph.vs["score"] = [a["score"] for a in accounts]
    rows = [
        r
        for r in found.edges_.select(
            ["account_a", "account_b", "kind", "weight", "q_value", "median_gap_s"]
        ).to_pylist()
        if r["account_a"] in index and r["account_b"] in index
    ]
    graph.add_edges([(index[r["account_a"]], index[r["account_b"]]) for r in rows])
    graph.es["kind"] = [xml_safe(r["kind"]) for r in rows]
    graph.es["weight"] = [float(r["weight"]) for r in rows]
    graph.es["q_value"] = [float(r["q_value"]) if r["q_value"] is not None else -1.0 for r in rows]
    graph.es["median_gap_s"] = [float(r["median_gap_s"] or 0) for r in rows]
    return graph


def _write_gexf(graph: ig.Graph, path: Path) -> None:
    """GEXF 1.3 for Gephi (igraph writes GraphML, not GEXF)."""
    gexf = ET.Element("gexf", {"xmlns": "http://gexf.net/1.3", "version": "1.3"})
    g = ET.SubElement(gexf, "graph", {"defaultedgetype": "undirected", "mode": "static"})
    node_attrs = ET.SubElement(g, "attributes", {"class": "node"})
    ET.SubElement(node_attrs, "attribute", {"id": "0", "title": "network_id", "type": "integer"})
    ET.SubElement(node_attrs, "attribute", {"id": "1", "title": "score", "type": "double"})
    edge_attrs = ET.SubElement(g, "attributes", {"class": "edge"})
    for i, (title, kind) in enumerate(
        (("kind", "string"), ("q_value", "double"), ("median_gap_s", "double"))
    ):
        ET.SubElement(edge_attrs, "attribute", {"id": str(i), "title": title, "type": kind})
    nodes = ET.SubElement(g, "nodes")
    for v in graph.vs:
        node = ET.SubElement(nodes, "node", {"id": str(v.index), "label": str(v["name"])})
        values = ET.SubElement(node, "attvalues")
        ET.SubElement(values, "attvalue", {"for": "0", "value": str(v["network_id"])})
        ET.SubElement(values, "attvalue", {"for": "1", "value": repr(float(v["score"]))})
    edges = ET.SubElement(g, "edges")
    for e in graph.es:
        edge = ET.SubElement(
            edges,
            "edge",
            {
                "id": str(e.index),
                "source": str(e.source),
                "target": str(e.target),
                "weight": repr(e["weight"]),
            },
        )
        values = ET.SubElement(edge, "attvalues")
        for i, key in enumerate(("kind", "q_value", "median_gap_s")):
            ET.SubElement(values, "attvalue", {"for": str(i), "value": str(e[key])})
    ET.ElementTree(gexf).write(path, encoding="utf-8", xml_declaration=True)


UNTESTED_LIMITATIONS = (
    "Not tested against chance ({why}): these accounts acted on the same objects within the window, which "
    "popular objects, shared schedulers, fan communities and news aggregators also make organic accounts do. "
    "The networks are ranked by how often their accounts co-acted, not by any probability. "
    "Read the evidence rows before attributing the network to anyone."
)


def tested(found: Coordination) -> bool:
    """Whether the run tested its edges against the null model (see :attr:`Coordination.tested_`)."""
    return bool(found.tested_)


def untested_reason(found: Coordination) -> str:
    """Why a run made no test, in words: no baseline (the detector's reason), or --no-null."""
    return found.no_baseline_ or "--no-null: the null model was switched off"


def network_findings(found: Coordination, *, max_evidence: int = 50) -> list[Finding]:
    """One finding per network, with its evidence rows: ``coordinated-network`` when the run tested its
    edges against chance, ``co-action-network`` (confidence 0, untested) when it did not."""
    findings = []
    edges_by_net: dict[int, list[dict[str, Any]]] = {}
    for row in found.edges_.to_pylist():
        if row["network_id"] >= 0:
            edges_by_net.setdefault(row["network_id"], []).append(row)
    parameters = {**found.get_params(), "window_s": found.window_, "kinds": list(found.kinds)}
    for net in found.networks_:
        rows = sorted(
            edges_by_net.get(net["network_id"], []),
            key=lambda r: (r["q_value"] if r["q_value"] is not None else 0.0, -r["weight"]),
        )
        common = {
            "subjects": list(net["accounts"]),
            "method": "coordination",
            "method_version": found.version_,
            "calibrated": False,
            "parameters": parameters,
            "evidence": _evidence(rows, max_evidence),
        }
        if tested(found):
            findings.append(
                Finding(
                    kind="coordinated-network",
                    claim=_tested_claim(net),
                    confidence=float(net["score"]),
                    limitations=f"{LIMITATIONS} {calibration.note()}",
                    **{**common, "calibrated": True},
                )
            )
        else:
            findings.append(
                Finding(
                    kind="co-action-network",
                    claim=_untested_claim(net, rows, found.window_),
                    confidence=0.0,
                    limitations=UNTESTED_LIMITATIONS.format(why=untested_reason(found)),
                    **common,
                )
            )
    return findings


def _evidence(rows: list[dict[str, Any]], max_evidence: int) -> list[Evidence]:
    """Both posts of the edges' co-actions, strongest edges first, at most ``max_evidence`` co-actions."""
    evidence: list[Evidence] = []
    for r in rows:
        for ev in r["evidence"] or []:
            if len(evidence) >= max_evidence:
                break
            for side in ("a", "b"):
                evidence.append(
                    Evidence(
                        source_id=ev[f"source_id_{side}"],
                        record_no=ev[f"record_no_{side}"],
                        table_name="posts",
                        values={
                            "account": r[f"account_{side}"],
                            "post_id": ev[f"post_id_{side}"],
                            "kind": r["kind"],
                            "object": ev["object"],
                            "gap_s": ev["gap_s"],
                        },
                    )
                )
    return evidence


def _tested_claim(net: dict[str, Any]) -> str:
    joined = net.get("joined", 0)
    through = (
        f" ({joined} of the accounts through their co-actions with the network as a whole)" if joined else ""
    )
    return (
        f"{net['size']} accounts acted together ({', '.join(net['kinds'])}) more often than chance allows: "
        f"{net['edges']} pairs co-acted significantly{through}, with a median gap of "
        f"{net['median_gap_s']:.0f} s, from {net['first_time'][:10]} to {net['last_time'][:10]}."
    )


def _untested_claim(net: dict[str, Any], rows: list[dict[str, Any]], window_s: float) -> str:
    """What the accounts did, in counts only: no word of chance or significance, since nothing was tested.

    The objects are those of the stored evidence, which is capped per edge: where an edge has more objects
    than evidence rows, the count is a lower bound and says so.
    """
    objects = {ev["object"] for r in rows for ev in r["evidence"] or []}
    capped = any(r["weight"] > len(r["evidence"] or []) for r in rows)
    episodes = net.get("episodes") or max((r["episodes"] or 0 for r in rows), default=0)
    each = "" if "episodes" in net else " (the most of any pair)"
    return (
        f"{net['size']} accounts co-acted ({', '.join(net['kinds'])}) on {'at least ' if capped else ''}"
        f"{len(objects):,} objects within {window_s:g} s on {episodes:,} episodes{each}, "
        f"{net['edges']} pairs of accounts, from {net['first_time'][:10]} to {net['last_time'][:10]}; "
        "not tested against chance."
    )
