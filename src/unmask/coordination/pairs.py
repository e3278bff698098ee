"""Windowed co-action: pairs of accounts that act on the same object within the window, and their edges.

The self-join is bucketed: time is cut into buckets as wide as the window, and each action meets only the
actions of its own and the next bucket. Two equality joins (object and bucket) replace a range join, so a
viral object shared by thousands within minutes costs the pairs that really fall within the window, not
the square of its shares; and equality joins run the same on DuckDB and on Spark.

A co-action is ``(oid, account_a, account_b, t_ms_a, t_ms_b, source_id_a, record_no_a, source_id_b,
record_no_b)`` with ``account_a < account_b``: two different accounts, at most ``window`` seconds apart
(inclusive), on one object (``oid``, a 64-bit hash of the object; the object itself stays in the actions
table). ``(source_id, record_no)`` identifies the post. An edge aggregates a pair's co-actions of one kind:
its weight is the number of distinct objects (as in Giglietto et al. 2020; the coordination-network-toolkit
counts messages instead). Evidence — the co-actions themselves, the tightest first — is gathered only for
the edges that are kept.
"""

from __future__ import annotations

import duckdb

SIDE = ("account", "t_ms", "source_id", "record_no")


def side_columns(first: str, second: str) -> str:
    """The columns of a co-action's two sides, ``first`` as _a and ``second`` as _b."""
    return ", ".join(f"{first}.{c} AS {c}_a, {second}.{c} AS {c}_b" for c in SIDE)


def coaction_sql(actions: str, window_s: float) -> str:
    """Every co-action in ``actions`` (columns account, oid, t_ms, source_id, record_no)."""
    w = round(window_s * 1000)
    bucketed = (
        f"(SELECT account, oid, t_ms, source_id, record_no, t_ms // {max(w, 1)} AS bucket FROM {actions})"
    )
    same = (
        f"SELECT x.oid, {side_columns('x', 'y')} FROM {bucketed} x JOIN {bucketed} y "
        f"ON x.oid = y.oid AND x.bucket = y.bucket "
        f"WHERE x.account < y.account AND abs(x.t_ms - y.t_ms) <= {w}"
    )
    # y in the next bucket: x's account may sort on either side of y's.
    nxt = (
        "SELECT x.oid, {cols} FROM {b} x JOIN {b} y ON x.oid = y.oid AND y.bucket = x.bucket + 1 "
        "WHERE x.account {op} y.account AND y.t_ms - x.t_ms <= {w}"
    )
    return " UNION ALL ".join(
        [
            same,
            nxt.format(cols=side_columns("x", "y"), b=bucketed, op="<", w=w),
            nxt.format(cols=side_columns("y", "x"), b=bucketed, op=">", w=w),
        ]
    )


def create_coactions(con: duckdb.DuckDBPyConnection, actions: str, window_s: float, table: str) -> int:
    con.execute(f"CREATE OR REPLACE TABLE {table} AS {coaction_sql(actions, window_s)}")
    return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def edges_sql(coactions: str, kind: str, episode_s: float) -> str:
    """One edge per account pair: weight (distinct objects), co-actions, episodes, first and last time.

    ``episodes`` counts occasions — an object in one bin of ``episode_s`` seconds — on which the pair
    co-acted: a burst in which two accounts post many times on one object is one, a campaign repeated on
    twenty days is twenty (see :mod:`unmask.coordination.null`).
    Plain aggregations rather than COUNT(DISTINCT): they spill to disk when memory runs short.
    """
    e = max(round(episode_s * 1000), 1)
    return f"""
        WITH per_object AS (
            SELECT account_a, account_b, oid, count(*) AS n,
                   min(least(t_ms_a, t_ms_b)) AS first_ms, max(greatest(t_ms_a, t_ms_b)) AS last_ms
            FROM {coactions}
            GROUP BY account_a, account_b, oid
        ),
        per_episode AS (
            SELECT account_a, account_b, count(*) AS episodes FROM (
                SELECT DISTINCT account_a, account_b, oid, least(t_ms_a, t_ms_b) // {e} AS episode
                FROM {coactions}
            ) GROUP BY account_a, account_b
        )
        SELECT o.account_a, o.account_b, '{kind}' AS kind, count(*) AS weight, sum(o.n) AS coactions,
               any_value(p.episodes) AS episodes, min(o.first_ms) AS first_ms, max(o.last_ms) AS last_ms
        FROM per_object o JOIN per_episode p USING (account_a, account_b)
        GROUP BY o.account_a, o.account_b
    """


def evidence_sql(coactions: str, actions: str, posts: str, kept: str, kind: str, per_edge: int) -> str:
    """Median gap and up to ``per_edge`` co-actions (tightest first) for the edges of ``kept`` (a, b)."""
    return f"""
        WITH c AS (
            SELECT c.*, abs(c.t_ms_b - c.t_ms_a) / 1000.0 AS gap_s,
                   row_number() OVER (PARTITION BY c.account_a, c.account_b
                                      ORDER BY abs(c.t_ms_b - c.t_ms_a), c.oid, c.source_id_a, c.record_no_a,
                                               c.source_id_b, c.record_no_b) AS nth
            FROM {coactions} c SEMI JOIN {kept} k USING (account_a, account_b)
        ),
        shown AS (
            SELECT c.*, pa.post_id AS post_id_a, pb.post_id AS post_id_b
            FROM c JOIN {posts} pa ON pa.source_id = c.source_id_a AND pa.record_no = c.record_no_a
                   JOIN {posts} pb ON pb.source_id = c.source_id_b AND pb.record_no = c.record_no_b
            WHERE c.nth <= {int(per_edge)}
        ),
        objects AS (
            SELECT oid, any_value(object) AS object FROM {actions} SEMI JOIN shown USING (oid) GROUP BY oid
        ),
        gaps AS (SELECT account_a, account_b, median(gap_s) AS median_gap_s FROM c GROUP BY ALL)
        SELECT g.account_a, g.account_b, '{kind}' AS kind, g.median_gap_s,
               list(struct_pack(object := o.object, gap_s := s.gap_s,
                                post_id_a := s.post_id_a, post_id_b := s.post_id_b,
                                source_id_a := s.source_id_a, record_no_a := s.record_no_a,
                                source_id_b := s.source_id_b, record_no_b := s.record_no_b)
                    ORDER BY s.nth) FILTER (WHERE s.nth IS NOT NULL) AS evidence
        FROM gaps g LEFT JOIN shown s USING (account_a, account_b) LEFT JOIN objects o USING (oid)
        GROUP BY g.account_a, g.account_b, g.median_gap_s
    """
