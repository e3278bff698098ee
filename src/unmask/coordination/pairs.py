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


# A burst: the actions on one object within one bucket (as wide as the widest window). Its co-actions are
# every pair of them and of the next bucket's, up to 1.5 n² for n actions: above this many, the burst is set
# aside (see coaction_sql), which bounds one burst's pairs at 1.5 million. The crowd of a viral post reaches
# it (at 10M generated posts, 68 minutes of 31 posts; uncapped, the run's pairs approach a billion and its
# spill filled 45 GB of disk before DuckDB finished); a crowd that dense is what the null model calls
# unsurprising anyway (docs/coordination.md, "Bursts are bounded").
MAX_BURST_ACTIONS = 1000


def coaction_sql(
    actions: str,
    window_s: float,
    *,
    max_burst: int | None = MAX_BURST_ACTIONS,
    set_aside: str | None = None,
    dialect: Dialect = DUCKDB,
) -> str:
    """Every co-action in ``actions`` (columns account, oid, t_ms, source_id, record_no).

    Left out, on every engine alike: the objects of ``set_aside`` (a relation with a column oid) and bursts
    of more than ``max_burst`` actions (:data:`MAX_BURST_ACTIONS`; None: none). Their actions stay in
    ``actions``, so that the null model still counts them as the crowd they are (each account's occasions,
    each day's total, each account's habit); only the pairs they would give are not enumerated, which can only
    take evidence away from a pair, never add it.

    Where the dialect salts (``dialect.salt_rows``, Spark), a burst of more than that many actions is split:
    its first side into ``ceil(n / salt_rows)`` parts by record number, its second side copied once per part,
    so that no task joins more than ``salt_rows`` actions with the whole burst, and every pair still meets
    exactly once.
    """
    w = _bucket_ms(window_s)
    kept = f"(SELECT a.* FROM {actions} a ANTI JOIN {set_aside} x USING (oid))" if set_aside else actions
    bucketed = f"SELECT account, oid, t_ms, source_id, record_no, t_ms // {w} AS bucket FROM {kept}"
    salt = dialect.salt_rows
    ctes = f"b AS ({bucketed})"
    x = y = y_next = "b"
    salted = ""
    if max_burst is not None or salt is not None:
        parts = ""
        if salt is not None:
            parts = f", CAST((s.n + {int(salt) - 1}) // {int(salt)} AS INTEGER) AS parts"
        cap = f" WHERE s.n <= {int(max_burst)}" if max_burst is not None else ""
        ctes = (
            f"b0 AS ({bucketed}), "
            "bursts AS (SELECT oid, bucket, count(*) AS n FROM b0 GROUP BY oid, bucket), "
            f"b AS (SELECT b0.*{parts} FROM b0 JOIN bursts s USING (oid, bucket){cap})"
        )
    if salt is not None:
        ctes += (
            ", bx AS (SELECT b.*, b.record_no % b.parts AS salt FROM b), "
            f"bys AS (SELECT b.*, {dialect.replicate('b.parts')} AS salt FROM b), "
            f"byn AS (SELECT b.*, {dialect.replicate('p.parts')} AS salt FROM b "
            "JOIN (SELECT DISTINCT oid, bucket, parts FROM b) p "
            "ON p.oid = b.oid AND p.bucket = b.bucket - 1)"
        )
        x, y, y_next = "bx", "bys", "byn"
        salted = " AND x.salt = y.salt"
    same = (
        f"SELECT x.oid, {side_columns('x', 'y')} FROM {x} x JOIN {y} y "
        f"ON x.oid = y.oid AND x.bucket = y.bucket{salted} "
        f"WHERE x.account < y.account AND abs(x.t_ms - y.t_ms) <= {w}"
    )
    # y in the next bucket: x's account may sort on either side of y's.
    nxt = (
        "SELECT x.oid, {cols} FROM {x} x JOIN {y} y ON x.oid = y.oid AND y.bucket = x.bucket + 1{on} "
        "WHERE x.account {op} y.account AND y.t_ms - x.t_ms <= {w}"
    )
    union = " UNION ALL ".join(
        [
            same,
            nxt.format(cols=side_columns("x", "y"), x=x, y=y_next, on=salted, op="<", w=w),
            nxt.format(cols=side_columns("y", "x"), x=x, y=y_next, on=salted, op=">", w=w),
        ]
    )
    return f"WITH {ctes} {union}"


def _bucket_ms(window_s: float) -> int:
    """The width of the self-join's time buckets (and so of a burst), in milliseconds."""
    return max(round(window_s * 1000), 1)


def bursts_sql(actions: str, window_s: float, max_burst: int) -> str:
    """The bursts that :func:`coaction_sql` sets aside: object, bucket start (ms) and actions, largest
    first."""
    w = _bucket_ms(window_s)
    return (
        f"SELECT min(object) AS object, t_ms // {w} * {w} AS start_ms, count(*) AS actions FROM {actions} "
        f"GROUP BY oid, t_ms // {w} HAVING count(*) > {int(max_burst)} ORDER BY actions DESC, object"
    )


def create_coactions(
    ex: Executor,
    actions: str,
    window_s: float,
    table: str,
    *,
    max_burst: int | None = MAX_BURST_ACTIONS,
    set_aside: str | None = None,
) -> int:
    sql = coaction_sql(actions, window_s, max_burst=max_burst, set_aside=set_aside, dialect=ex.dialect)
    ex.create_table(table, sql)
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
