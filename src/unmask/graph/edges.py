"""The links ``explain`` and campaigns walk, as integer arrays: every link's ends and cost read at once, the
node ids numbered in SQL, and a link's relation and evidence read only for the hops an answer shows.

Reading every link's relation, detail and evidence for a search costs more than the search (at 1M posts,
1.0 s against 0.2 s for ids and costs alone), and so does numbering node ids in Python. Nothing here goes
through Arrow, which loads pandas on first use (0.2 s of an ``explain`` that should answer in one).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from unmask.case import Case

# The columns of a link, in the order :func:`unmask.graph.paths.hop` reads them, from ``links`` (l, with its
# source s) and from ``graph_links``.
LINK_COLUMNS = "l.from_id, l.to_id, l.relation, l.kind, l.weight, s.path, l.record_no, l.detail, NULL"
GRAPH_LINK_COLUMNS = "from_id, to_id, relation, kind, weight, source, NULL, detail, evidence"
_NUMBERS = itertools.count()


@dataclass
class Edges:
    """Links as arrays: ``src``, ``dst`` (node codes), ``weight``, and where to read each again (``origin``
    0 for ``links``, 1 for ``graph_links``; ``rowid``); ``n_nodes`` codes in all. Valid inside
    :func:`edges`, whose temporary table maps codes and ids."""

    case: Case
    table: str
    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray
    origin: np.ndarray
    rowid: np.ndarray
    n_nodes: int

    @cached_property
    def degree(self) -> np.ndarray:
        """How many links each node has."""
        return np.bincount(self.src, minlength=self.n_nodes) + np.bincount(self.dst, minlength=self.n_nodes)

    def codes(self, ids: Sequence[str]) -> np.ndarray:
        """The code of each id (-1 for an id no link names and that was not given as ``extra``)."""
        found = dict(
            self.case.con.execute(
                f"SELECT id, code FROM {self.table} WHERE id IN (SELECT unnest(?))", [list(ids)]
            ).fetchall()
        )
        return np.array([found.get(i, -1) for i in ids], dtype=np.int64)

    def ids(self, codes: Sequence[int]) -> list[str]:
        """The node id of each code."""
        found = dict(
            self.case.con.execute(
                f"SELECT code, id FROM {self.table} WHERE code IN (SELECT unnest(?))",
                [[int(c) for c in codes]],
            ).fetchall()
        )
        return [found[int(c)] for c in codes]

    def rows(self, wanted: Sequence[int]) -> dict[int, tuple]:
        """The rows (:data:`LINK_COLUMNS`) of the edges ``wanted`` (indices into the arrays), by index."""
        wanted = sorted({int(e) for e in wanted})
        result: dict[int, tuple] = {}
        for which, sql in (
            (
                0,
                f"SELECT l.rowid, {LINK_COLUMNS} FROM links l LEFT JOIN sources s USING (source_id)"
                " WHERE l.rowid",
            ),
            (1, f"SELECT rowid, {GRAPH_LINK_COLUMNS} FROM graph_links WHERE rowid"),
        ):
            mine = [e for e in wanted if self.origin[e] == which]
            if mine:
                ids = [int(self.rowid[e]) for e in mine]
                by_rowid = {
                    r[0]: r[1:]
                    for r in self.case.con.execute(f"{sql} IN (SELECT unnest(?))", [ids]).fetchall()
                }
                result.update({e: by_rowid[int(self.rowid[e])] for e in mine})
        return result


@contextmanager
def edges(
    case: Case, kinds: tuple[str, ...], max_weight: float | None = None, extra: Sequence[str] = ()
) -> Iterator[Edges]:
    """The links of attribution of ``kinds`` and every link of the case graph, at most ``max_weight`` to
    cross if given, with node codes for their ends and for ``extra`` ids, in a fixed order so that equal
    answers come out alike. The links and the codes live in temporary tables (allowed on a write-protected
    case) dropped on leaving."""
    cap = f" AND weight <= {float(max_weight)}" if max_weight is not None else ""
    graph = (
        f" UNION ALL SELECT from_id, to_id, weight, 1, rowid FROM graph_links WHERE true{cap}"
        if case.schema_version() >= 8
        else ""
    )
    links = (
        "SELECT from_id, to_id, weight, 0 AS origin, rowid AS rid FROM links"
        f" WHERE kind IN (SELECT unnest($kinds)){cap}" + graph
    )
    table = f"_unmask_codes_{next(_NUMBERS)}"
    read = f"{table}_links"  # the links read once, then numbered and joined
    con = case.con
    try:
        con.execute(f"CREATE TEMP TABLE {read} AS {links}", {"kinds": list(kinds)})
        con.execute(
            f"""
            CREATE TEMP TABLE {table} AS
            SELECT id, (row_number() OVER (ORDER BY id) - 1)::BIGINT AS code FROM (
                SELECT from_id AS id FROM {read} UNION SELECT to_id FROM {read} UNION SELECT unnest($extra)
            )
            """,
            {"extra": list(extra)},
        )
        arrays = con.execute(
            f"""
            SELECT a.code AS src, b.code AS dst, e.weight, e.origin, e.rid FROM {read} e
            JOIN {table} a ON a.id = e.from_id JOIN {table} b ON b.id = e.to_id ORDER BY e.origin, e.rid
            """
        ).fetchnumpy()
        con.execute(f"DROP TABLE {read}")  # the arrays hold what the search needs
        n_nodes = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
        yield Edges(
            case,
            table,
            np.asarray(arrays["src"], dtype=np.int64),
            np.asarray(arrays["dst"], dtype=np.int64),
            np.asarray(arrays["weight"], dtype=np.float64),
            np.asarray(arrays["origin"], dtype=np.int64),
            np.asarray(arrays["rid"], dtype=np.int64),
            int(n_nodes),
        )
    finally:
        con.execute(f"DROP TABLE IF EXISTS {read}")
        con.execute(f"DROP TABLE IF EXISTS {table}")
