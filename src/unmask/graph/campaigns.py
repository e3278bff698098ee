"""Campaigns: the findings that the case graph joins into one story.

A campaign is a view over findings, not a finding: it adds no confidence of its own, and each part keeps
its own. Two findings belong to one campaign when a chain of at most :data:`MAX_HOPS` firm links joins a
subject of one to a subject of the other (and so on, transitively). Firm links are those that cost 1 to
cross in ``explain``: a record, a merge, a strong shared identifier, a significant coordination edge, a
network membership, a post's or a document's link to a site of the case, a ``persona link`` finding. The
rest never join a campaign: shared weak values, candidate merges, payers that serve many pages (agencies,
platforms), officers of many organisations, sites that a large share of the accounts link; nor does any
node with more than :data:`HUB_LINKS` links that no finding is about (a committee with thousands of
donors, an employer named by everyone), since a hub would join strangers.

The search is one multi-source Dijkstra from every finding's subjects at once (each node learns its
nearest finding), then a look at the links between the regions of two findings: a link (u, v) joins the
findings that own u and v when d(u) + 1 + d(v) <= MAX_HOPS. On a path between two findings, every change
of region is such a link, so this joins the same findings as comparing every pair would, in one pass over
the links (Mehlhorn, K. (1988). A faster approximation algorithm for the Steiner problem in graphs.
Information Processing Letters 27(3), 125–128, uses the same regions).

Each campaign names the chain that joined each pair of its findings and the weakest hop on those chains:
the hop whose strength is lowest (a record or a stated identity 1, a merge its score, a coordination edge
1 − q, a ``persona link`` finding its confidence).

Example::

    >>> from unmask.case import Case
    >>> with Case.open("demo.duckdb", read_only=True) as case:   # doctest: +SKIP
    ...     for c in campaigns(case):
    ...         print(c["id"], len(c["findings"]), c["weakest_hop"]["text"])
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from unmask.case import Case
from unmask.findings import KINDS, NETWORK_KINDS
from unmask.graph.edges import Edges, edges
from unmask.graph.paths import hop, hop_text, nodes

MAX_HOPS = 6
HUB_LINKS = 50
BEHIND_HOPS = 3
BEHIND_CAP = 25
_BEHIND_FROM = ("sites", "pages", "organisations", "people")  # the parts whose owners a card looks for
FIRM_COST = 1.0
FIRM_KINDS = ("record", "same-as", "shared-value")  # of attribution's links; candidates never
_NONE = -9999  # scipy's "no predecessor"

_ORGANISATIONS = ("Organization", "Company", "LegalEntity", "PublicBody")
_PART_ROLES = (
    ("networks", ("Network",)),
    ("accounts", ("Account",)),
    ("bylines", ("Byline",)),
    ("sites", ("Asset",)),
    ("people", ("Person",)),
    ("organisations", _ORGANISATIONS),
)


def campaigns(case: Case) -> list[dict[str, Any]]:
    """Every campaign of the case, the largest first: ``{id, findings, parts, disarm, joins, weakest_hop}``.

    ``findings`` are ``{finding_id, kind, confidence, tested, claim}``; ``parts`` the nodes of the
    findings and of the chains that join them, by role (networks, accounts, bylines, sites, pages, people,
    organisations, others); ``joins`` the chains, each ``{findings: [a, b], hops: [hop, ...]}`` with hops
    as ``explain`` gives them plus ``strength``; ``weakest_hop`` the weakest of those hops (None for a
    campaign of one finding).
    """
    found = case.query(
        "SELECT finding_id, kind, confidence, claim, subjects, disarm FROM findings ORDER BY finding_id"
    )
    if not found:
        return []
    subject_nodes = _subject_nodes(case, found)
    with edges(case, FIRM_KINDS, max_weight=FIRM_COST, extra=[n for s in subject_nodes for n in s]) as links:
        groups, joins = _join(found, subject_nodes, links)
        rows = links.rows([e for _, _, chain in joins for e in chain])
        cards = _cards(case, found, subject_nodes, groups, joins, rows)
        for card in cards:
            parts = card["parts"]
            start = [n["id"] for role in _BEHIND_FROM for n in parts.get(role, [])]
            shown = {n["id"] for listed in parts.values() for n in listed}
            card["behind"] = [n for n in _behind(case, links, start) if n["id"] not in shown]
    return cards


def _subject_nodes(case: Case, found: list[dict]) -> list[list[str]]:
    """Each finding's subjects as nodes of the graph: coordination keys accounts by id alone, so an id
    stands for that account on every platform of the case."""
    accounts: dict[str, list[str]] = {}
    if case.schema_version() >= 8:
        ids = sorted({s for f in found for s in f["subjects"]})
        for account_id, node_id in case.con.execute(
            "SELECT account_id, 'account:' || platform || ':' || account_id FROM accounts"
            " WHERE account_id IN (SELECT unnest(?))",
            [ids],
        ).fetchall():
            accounts.setdefault(account_id, []).append(node_id)
    nodes_of = [sorted({n for s in f["subjects"] for n in accounts.get(s, [s])}) for f in found]
    if accounts:  # a network's finding stands for the network too
        networks: dict[str, set[str]] = {}
        for account, network in case.con.execute(
            "SELECT from_id, to_id FROM graph_links WHERE kind = 'member-of'"
            " AND from_id IN (SELECT unnest(?))",
            [[n for listed in accounts.values() for n in listed]],
        ).fetchall():
            networks.setdefault(account, set()).add(network)
        for f, listed in zip(found, nodes_of, strict=True):
            if f["kind"] in NETWORK_KINDS:
                listed.extend(sorted({net for n in listed for net in networks.get(n, ())}))
    return nodes_of


def _join(
    found: list[dict], subject_nodes: list[list[str]], links: Edges
) -> tuple[list[int], list[tuple[int, int, list[int]]]]:
    """The campaign of each finding (an index of its first finding) and the chains that joined them:
    ``(finding a, finding b, [edge index, ...])``."""
    parent = list(range(len(found)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    joins: list[tuple[int, int, list[int]]] = []
    src, dst, n_nodes, n_edges = links.src, links.dst, links.n_nodes, links.src.size
    subj = links.codes([n for s in subject_nodes for n in s])
    owner = np.full(n_nodes, -1, dtype=np.int64)  # the finding a subject node belongs to
    at = 0
    for i, nodes_of in enumerate(subject_nodes):
        for code in subj[at : at + len(nodes_of)]:
            if owner[code] >= 0 and root(int(owner[code])) != root(i):
                joins.append((int(owner[code]), i, []))  # the same subject: joined without a hop
                parent[root(i)] = root(int(owner[code]))
            elif owner[code] < 0:
                owner[code] = i
        at += len(nodes_of)
    seeds = np.nonzero(owner >= 0)[0]
    if n_edges == 0 or seeds.size == 0:
        return [root(i) for i in range(len(found))], joins
    # Hubs that no finding is about are left out: they would join strangers.
    degree = links.degree
    keep = ~(((degree[src] > HUB_LINKS) & (owner[src] < 0)) | ((degree[dst] > HUB_LINKS) & (owner[dst] < 0)))
    keep &= src != dst
    k_src, k_dst = src[keep], dst[keep]
    dist, pred, nearest = dijkstra(
        _matrix(k_src, k_dst, n_nodes),
        directed=False,
        indices=seeds,
        min_only=True,
        limit=MAX_HOPS,
        return_predecessors=True,
    )
    reached = np.isfinite(dist)
    region = np.where(reached, owner[np.where(nearest >= 0, nearest, 0)], -1)
    across = reached[k_src] & reached[k_dst] & (region[k_src] != region[k_dst])
    across &= dist[k_src] + 1 + dist[k_dst] <= MAX_HOPS
    keys = np.minimum(src, dst) * n_nodes + np.maximum(src, dst)
    by_key = np.argsort(keys, kind="stable")
    nearest_first = np.argsort(dist[k_src[across]] + dist[k_dst[across]], kind="stable")
    for j in np.nonzero(across)[0][nearest_first]:
        a, b = int(region[k_src[j]]), int(region[k_dst[j]])
        if root(a) == root(b):
            continue
        parent[root(b)] = root(a)
        chain = [*_walk_back(pred, int(k_src[j]))[::-1], int(k_src[j]), int(k_dst[j])]
        chain += _walk_back(pred, int(k_dst[j]))
        joins.append((a, b, _edges_of(chain, keys, by_key, n_nodes)))
    return [root(i) for i in range(len(found))], joins


def _matrix(src: np.ndarray, dst: np.ndarray, n_nodes: int) -> Any:
    return coo_matrix((np.ones(src.size), (src, dst)), shape=(n_nodes, n_nodes)).tocsr()


def _behind(case: Case, links: Edges, start: list[str]) -> list[dict[str, Any]]:
    """The people and organisations within :data:`BEHIND_HOPS` firm links of ``start`` (a campaign's
    sites, pages, funders and organisations), nearest first, at most :data:`BEHIND_CAP`; hubs are not
    crossed."""
    seeds = links.codes(start)
    seeds = seeds[seeds >= 0]
    if seeds.size == 0 or links.src.size == 0:
        return []
    src, dst, n_nodes = links.src, links.dst, links.n_nodes
    crossable = links.degree <= HUB_LINKS
    crossable[seeds] = True
    keep = (src != dst) & crossable[src] & crossable[dst]
    dist = dijkstra(
        _matrix(src[keep], dst[keep], n_nodes),
        directed=False,
        indices=np.unique(seeds),
        min_only=True,
        limit=BEHIND_HOPS,
    )
    reached = np.nonzero(np.isfinite(dist) & (dist > 0))[0]
    hops = dict(zip(links.ids(reached), dist[reached].tolist(), strict=True))
    rows = case.con.execute(
        "SELECT entity_id, name, schema, coalesce(canonical_id, entity_id) FROM entities"
        " WHERE entity_id IN (SELECT unnest(?)) AND schema IN (SELECT unnest(?))",
        [list(hops), ["Person", *_ORGANISATIONS]],
    ).fetchall()
    found = sorted(
        (
            {"id": r[0], "name": r[1], "schema": r[2], "hops": int(hops[r[0]]), "canonical": r[3]}
            for r in rows
        ),
        key=lambda n: (n["hops"], n["schema"] != "Person", n["name"] or "", n["id"]),
    )
    seen: set[str] = set()  # merged records: the nearest stands for them all
    found = [n for n in found if not (n["canonical"] in seen or seen.add(n["canonical"]))]
    for n in found:
        del n["canonical"]
    return found[:BEHIND_CAP]


def _walk_back(pred: np.ndarray, node: int) -> list[int]:
    """The nodes from ``node``'s predecessor back to the finding's subject it was reached from."""
    chain = []
    while pred[node] != _NONE:
        node = int(pred[node])
        chain.append(node)
    return chain


def _edges_of(chain: list[int], keys: np.ndarray, order: np.ndarray, n_nodes: int) -> list[int]:
    """An edge for each step of ``chain``: any firm link between the two nodes (``keys``, the edges'
    unordered node pairs as integers, sorted by ``order``)."""
    steps = np.array(chain[:-1], dtype=np.int64), np.array(chain[1:], dtype=np.int64)
    wanted = np.minimum(*steps) * n_nodes + np.maximum(*steps)
    return [int(e) for e in order[np.searchsorted(keys[order], wanted)]]


def _cards(
    case: Case,
    found: list[dict],
    subject_nodes: list[list[str]],
    groups: list[int],
    joins: list[tuple[int, int, list[int]]],
    rows: dict[int, tuple],
) -> list[dict[str, Any]]:
    named = nodes(case, [n for s in subject_nodes for n in s] + [n for r in rows.values() for n in r[:2]])
    members: dict[int, list[int]] = {}
    for i, g in enumerate(groups):
        members.setdefault(g, []).append(i)
    cards = []
    for g, indices in members.items():
        chains = [(a, b, chain) for a, b, chain in joins if groups[a] == g]
        card_joins = []
        for a, b, chain in chains:
            at = subject_nodes[a][0] if not chain else None
            hops = []
            for e in chain:
                row = rows[e]
                if at is None:  # the chain starts at whichever end is a subject of a
                    at = row[0] if row[0] in subject_nodes[a] else row[1]
                walked = hop(row, at, named)
                walked["strength"] = _strength(row)
                hops.append(walked)
                at = walked["to"]["id"]
            card_joins.append({"findings": [found[a]["finding_id"], found[b]["finding_id"]], "hops": hops})
        part_ids = {n for i in indices for n in subject_nodes[i]}
        part_ids |= {h[end]["id"] for j in card_joins for h in j["hops"] for end in ("from", "to")}
        weakest = min((h for j in card_joins for h in j["hops"]), key=lambda h: h["strength"], default=None)
        listed = sorted(
            (
                {
                    "finding_id": found[i]["finding_id"],
                    "kind": found[i]["kind"],
                    "confidence": found[i]["confidence"],
                    "tested": KINDS[found[i]["kind"]].tested if found[i]["kind"] in KINDS else True,
                    "claim": found[i]["claim"],
                }
                for i in indices
            ),
            key=lambda f: (-f["confidence"], f["finding_id"]),
        )
        cards.append(
            {
                "id": "campaign:"
                + hashlib.sha256(json.dumps(sorted(f["finding_id"] for f in listed)).encode()).hexdigest()[
                    :12
                ],
                "findings": listed,
                "parts": _parts([named[n] for n in sorted(part_ids)]),
                "disarm": sorted({t for i in indices for t in (found[i]["disarm"] or [])}),
                "joins": card_joins,
                "weakest_hop": None if weakest is None else {**weakest, "text": hop_text(weakest)},
            }
        )
    cards.sort(key=lambda c: (-len(c["findings"]), -c["findings"][0]["confidence"], c["id"]))
    return cards


def _strength(row: tuple) -> float:
    """How firmly a hop holds: a record or a stated identity 1; a merge its score (1 when a reviewer
    accepted it); a coordination edge 1 − q; a ``persona link`` finding its confidence."""
    kind, detail = row[3], json.loads(row[7]) if row[7] else {}
    if kind in ("same-as", "candidate") and "score" in detail:
        return 1.0 if detail.get("decision") == "accepted" else float(detail["score"] or 0.0)
    if kind == "acted-together":
        return 1.0 - float(detail.get("q") or 0.0)
    if kind == "same-writer":
        return float(detail.get("confidence") or 0.0)
    if kind == "member-of":
        return float(detail.get("score") or 1.0)
    return 1.0


def _parts(named: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The nodes by role; pages (an ad library's pages) apart from other organisations."""
    parts: dict[str, list[dict[str, Any]]] = {role: [] for role, _ in _PART_ROLES}
    parts["pages"], parts["others"] = [], []
    for node in named:
        if node["id"].startswith("facebook-page-") or node["schema"] == "Page":
            parts["pages"].append(node)
            continue
        role = next((r for r, schemata in _PART_ROLES if node["schema"] in schemata), "others")
        parts[role].append(node)
    return {role: listed for role, listed in parts.items() if listed}


def summary(cards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per campaign for a table: its size, kinds, parts and weakest hop."""
    return [
        {
            "campaign": c["id"],
            "findings": len(c["findings"]),
            "kinds": ", ".join(sorted({f["kind"] for f in c["findings"]})),
            **{role: len(listed) for role, listed in c["parts"].items()},
            "weakest_hop": c["weakest_hop"]["text"] if c["weakest_hop"] else "",
        }
        for c in cards
    ]
