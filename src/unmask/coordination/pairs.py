"""Windowed co-action: pairs of accounts that act on the same object within the window, and their edges.

The self-join is bucketed: time is cut into buckets as wide as the window, and each action meets only the
actions of its own and the next bucket. Two equality joins (object and bucket) replace a range join, so a
viral object shared by thousands within minutes costs the pairs that really fall within the window, not
the square of its shares; and equality joins run the same on DuckDB and on Spark.

Accounts are the run's dense integer ids, numbered in the order of their names (see
:mod:`unmask.coordination.detector`): joins and aggregations on integers are several times faster than on
strings. A co-action is ``(oid, account_a, account_b, t_ms_a, t_ms_b, source_id_a, record_no_a, source_id_b,
record_no_b)`` with ``account_a < account_b``: two different accounts, at most ``window`` seconds apart
(inclusive), on one object (``oid``, a 64-bit hash of the object; the object itself stays in the actions
table). ``(source_id, record_no)`` identifies the post. An edge aggregates a pair's co-actions of one kind:
its weight is the number of distinct objects (as in Giglietto et al. 2020; the coordination-network-toolkit
counts messages instead). Evidence — the co-actions themselves, the tightest first — is gathered only for
the edges that are kept.
"""

from __future__ import annotations

from unmask.coordination.sql import DUCKDB, Dialect, Executor

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


def create_coactions(ex: Executor, actions: str, window_s: float, table: str) -> int:
    ex.create_table(table, coaction_sql(actions, window_s))
    return ex.scalar(f"SELECT count(*) FROM {table}")


def window_pairs(ex: Executor, coactions: str, windows: tuple[float, ...], pairs: int) -> list[int]:
    """How many pairs co-acted within each window (``pairs``, all of them, for a single window): the m of
    each window's correction."""
    if len(windows) == 1:
        return [pairs]
    within = ", ".join(f"count(*) FILTER (WHERE gap <= {round(w * 1000)})" for w in windows)
    return list(
        ex.rows(
            f"SELECT {within} FROM (SELECT min(abs(t_ms_b - t_ms_a)) AS gap FROM {coactions} "
            "GROUP BY account_a, account_b)"
        )[0]
    )


EDGE_COLUMNS = (
    "account_a INTEGER, account_b INTEGER, kind VARCHAR, weight BIGINT, coactions BIGINT, episodes BIGINT, "
    "first_ms BIGINT, last_ms BIGINT"
)
EDGE_NAMES = ", ".join(c.split()[0] for c in EDGE_COLUMNS.split(", "))


def aggregate_edges(
    ex: Executor,
    coactions: str,
    kind: str,
    episode_s: float,
    out: str,
    *,
    single: bool,
    work: str = "unmask_work",
) -> int:
    """Insert into ``out`` (columns :data:`EDGE_COLUMNS` first) one edge per account pair — weight (distinct
    objects), co-actions, episodes, first and last time — and return how many pairs co-acted at all.

    ``episodes`` counts occasions — an object in one bin of ``episode_s`` seconds — on which the pair
    co-acted: a burst in which two accounts post many times on one object is one, a campaign repeated on
    twenty days is twenty (see :mod:`unmask.coordination.null`). Without ``single``, only pairs of weight or
    episodes ≥ 2 are inserted: the only ones a null model can find significant.

    Most pairs co-act on one object only (a viral post's crowd is millions of pairs of one share), so one
    cheap aggregation over all pairs settles them — a pair whose smallest and largest object and episode
    agree has weight 1 and one episode — and only the others are counted exactly. Counting distinct objects
    per pair over every co-action costs three times as much, and each extra copy of millions of edges
    seconds: edges are written once.
    """
    e = max(round(episode_s * 1000), 1)
    ep = f"least(t_ms_a, t_ms_b) // {e}"
    repeated = f"min(oid) <> max(oid) OR min({ep}) <> max({ep})"
    exact = f"""
        SELECT account_a, account_b, '{kind}', count(*), sum(n), sum(episodes), min(first_ms), max(last_ms)
        FROM (
            SELECT account_a, account_b, oid, count(*) AS n, count(DISTINCT {ep}) AS episodes,
                   min(least(t_ms_a, t_ms_b)) AS first_ms, max(greatest(t_ms_a, t_ms_b)) AS last_ms
            FROM {coactions} SEMI JOIN {work}.repeated USING (account_a, account_b)
            GROUP BY account_a, account_b, oid
        )
        GROUP BY account_a, account_b
    """
    if single:
        # Repeated pairs get a placeholder (weight NULL), replaced by their exact row below.
        ex.insert(
            out,
            f"""SELECT account_a, account_b, '{kind}', CASE WHEN {repeated} THEN NULL ELSE 1 END, count(*), 1,
                       min(least(t_ms_a, t_ms_b)), max(greatest(t_ms_a, t_ms_b))
                FROM {coactions} GROUP BY account_a, account_b""",
            EDGE_NAMES,
        )
        pairs = ex.scalar(f"SELECT count(*) FROM {out} WHERE kind = '{kind}'")
        ex.create_table(
            f"{work}.repeated",
            f"SELECT account_a, account_b FROM {out} WHERE kind = '{kind}' AND weight IS NULL",
        )
        ex.delete_where(out, f"kind = '{kind}' AND weight IS NULL")
    else:
        ex.create_table(
            f"{work}.pairs",
            f"SELECT account_a, account_b, {repeated} AS repeated FROM {coactions} "
            "GROUP BY account_a, account_b",
        )
        pairs = ex.scalar(f"SELECT count(*) FROM {work}.pairs")
        ex.create_table(f"{work}.repeated", f"SELECT account_a, account_b FROM {work}.pairs WHERE repeated")
        ex.drop(f"{work}.pairs")
    ex.insert(out, exact, EDGE_NAMES)
    ex.drop(f"{work}.repeated")
    return pairs


# The fields of an evidence co-action, in the order of the evidence table's STRUCT.
_EVIDENCE = {
    "object": "o.object",
    **{f: f"s.{f}" for f in ("gap_s", "post_id_a", "post_id_b", "source_id_a", "record_no_a")},
    **{f: f"s.{f}" for f in ("source_id_b", "record_no_b")},
}


def evidence_sql(
    coactions: str, actions: str, posts: str, kept: str, kind: str, per_edge: int, dialect: Dialect = DUCKDB
) -> str:
    """Median gap and up to ``per_edge`` co-actions (tightest first) for the edges of ``kept`` (a, b).

    An object's name is the smallest of its actions' objects: one object per oid for every kind but
    near_text, whose oid is a cluster of texts, and the same on every engine."""
    if per_edge <= 0:
        return f"""
            SELECT account_a, account_b, '{kind}' AS kind, median(abs(t_ms_b - t_ms_a) / 1000.0), NULL
            FROM {coactions} SEMI JOIN {kept} USING (account_a, account_b)
            GROUP BY account_a, account_b
        """
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
            SELECT oid, min(object) AS object FROM {actions} SEMI JOIN shown USING (oid) GROUP BY oid
        ),
        gaps AS (SELECT account_a, account_b, median(gap_s) AS median_gap_s FROM c GROUP BY ALL)
        SELECT g.account_a, g.account_b, '{kind}' AS kind, g.median_gap_s,
               {dialect.ordered_list(dialect.struct(_EVIDENCE), "s.nth", "s.nth IS NOT NULL")} AS evidence
        FROM gaps g LEFT JOIN shown s USING (account_a, account_b) LEFT JOIN objects o USING (oid)
        GROUP BY g.account_a, g.account_b, g.median_gap_s
    """
