"""Networks: communities of the graph of significant co-action edges, found with Leiden.

Traag, Waltman & van Eck (2019), "From Louvain to Leiden: guaranteeing well-connected communities",
Scientific Reports 9, 5233; implementation: the ``leidenalg`` package on ``igraph``. Edges of every kind
between two accounts are summed into one graph edge weighted by the evidence against chance
(−log10 q, capped), so that a pair that co-acts significantly in several ways binds more strongly.
"""

from __future__ import annotations

from dataclasses import dataclass

import igraph as ig
import leidenalg as la
import numpy as np

# −log10 q above this adds nothing: it keeps one overwhelming edge from outweighing a whole group.
MAX_EDGE_EVIDENCE = 30.0


@dataclass(frozen=True)
class Partition:
    """Accounts (graph vertex names) and their network index; −1 for an account left out."""

    accounts: list[str]
    membership: np.ndarray


def leiden_partition(
    a: np.ndarray,
    b: np.ndarray,
    evidence: np.ndarray,
    *,
    seed: int = 0,
    resolution: float = 1.0,
    min_size: int = 3,
) -> Partition:
    """Leiden communities of the graph with edges (a[i], b[i]) of weight evidence[i].

    Communities smaller than ``min_size`` are dropped (membership −1); the rest are numbered from 0 by
    decreasing size, then by their smallest account, so that numbering does not depend on the engine.
    """
    if len(a) == 0:
        return Partition([], np.array([], dtype=np.int64))
    names, inverse = np.unique(np.concatenate([a, b]), return_inverse=True)
    src, dst = inverse[: len(a)], inverse[len(a) :]
    graph = ig.Graph(n=len(names), edges=list(zip(src.tolist(), dst.tolist(), strict=True)))
    graph.es["weight"] = np.minimum(evidence, MAX_EDGE_EVIDENCE).tolist()
    graph = graph.simplify(combine_edges="sum")
    partition = la.find_partition(
        graph,
        la.RBConfigurationVertexPartition,
        weights="weight",
        resolution_parameter=resolution,
        seed=seed,
        n_iterations=-1,
    )
    raw = np.asarray(partition.membership)
    sizes = np.bincount(raw)
    first = np.full(len(sizes), len(names))
    np.minimum.at(first, raw, np.arange(len(names)))
    keep = [c for c in np.lexsort((first, -sizes)) if sizes[c] >= min_size]
    relabel = np.full(len(sizes), -1)
    relabel[keep] = np.arange(len(keep))
    return Partition([str(n) for n in names], relabel[raw])
