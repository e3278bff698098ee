"""The links ``explain`` and campaigns walk, as arrays: read the ids and costs of every link at once, walk
them as integers, and read a link's relation and evidence only for the hops an answer shows.

Reading every link's relation, detail and evidence for a search costs more than the search (at 1M posts,
1.0 s against 0.2 s for ids and costs alone), and a graph built through Python dictionaries more again.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from unmask.case import Case

# The columns of a link, in the order :func:`unmask.graph.paths.hop` reads them, from ``links`` (l, with its
# source s) and from ``graph_links``.
LINK_COLUMNS = "l.from_id, l.to_id, l.relation, l.kind, l.weight, s.path, l.record_no, l.detail, NULL"
GRAPH_LINK_COLUMNS = "from_id, to_id, relation, kind, weight, source, NULL, detail, evidence"


def edge_table(case: Case, kinds: tuple[str, ...], max_weight: float | None = None) -> pa.Table:
    """The links of attribution of ``kinds`` and every link of the case graph, at most ``max_weight`` to
    cross if given: ``from_id``, ``to_id``, ``weight``, and where to read the rest (``origin`` 0 for
    ``links``, 1 for ``graph_links``; ``rowid``), in a fixed order so that equal answers come out alike."""
    cap = f" AND weight <= {float(max_weight)}" if max_weight is not None else ""
    kind_list = ", ".join("'" + k.replace("'", "''") + "'" for k in kinds)
    graph = (
        f" UNION ALL SELECT from_id, to_id, weight, 1 AS origin, rowid FROM graph_links WHERE true{cap}"
        if case.schema_version() >= 8
        else ""
    )
    return case.con.sql(
        f"SELECT from_id, to_id, weight, 0 AS origin, rowid FROM links WHERE kind IN ({kind_list}){cap}"
        + graph
        + " ORDER BY origin, rowid"
    ).to_arrow_table()


def encode(edges: pa.Table, extra: list[str]) -> tuple[pa.Array, np.ndarray, np.ndarray, np.ndarray]:
    """Node ids as integers, in one dictionary: ``(ids, from codes, to codes, codes of extra)``."""
    ids = (
        pa.chunked_array(
            [
                edges["from_id"].combine_chunks().cast(pa.string()),
                edges["to_id"].combine_chunks().cast(pa.string()),
                pa.array(extra, pa.string()),
            ]
        )
        .combine_chunks()
        .dictionary_encode()
    )
    codes = ids.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    n = edges.num_rows
    return ids.dictionary, codes[:n], codes[n : 2 * n], codes[2 * n :]


def edge_rows(case: Case, edges: pa.Table, wanted: list[int]) -> dict[int, tuple]:
    """The rows (:data:`LINK_COLUMNS`) of the edges ``wanted`` (indices into ``edges``), by index."""
    wanted = sorted(set(wanted))
    origin = edges["origin"].to_numpy()[wanted]
    rowid = edges["rowid"].to_numpy()[wanted]
    result: dict[int, tuple] = {}
    for which, sql in (
        (
            0,
            f"SELECT l.rowid, {LINK_COLUMNS} FROM links l LEFT JOIN sources s USING (source_id)"
            " WHERE l.rowid",
        ),
        (1, f"SELECT rowid, {GRAPH_LINK_COLUMNS} FROM graph_links WHERE rowid"),
    ):
        ids = [int(r) for o, r in zip(origin, rowid, strict=True) if o == which]
        if ids:
            by_rowid = {
                r[0]: r[1:] for r in case.con.execute(f"{sql} IN (SELECT unnest(?))", [ids]).fetchall()
            }
            result.update(
                {e: by_rowid[int(r)] for e, o, r in zip(wanted, origin, rowid, strict=True) if o == which}
            )
    return result
