"""How often two accounts would co-act by chance, and how surprising what they did is.

Organic crowds are the main source of false positives: a viral post is shared by thousands within minutes,
a popular hashtag by everyone, a trending topic bursts for an hour, so raw co-action counts mostly measure
popularity, activity and bursts. The null here is a **popularity-aware, time-stratified configuration
model** (the bipartite configuration null of Neal 2014, "The backbone of bipartite projections", with the
popularity-aware weighting of Pacheco et al. 2021, stratified in time like the nulls of Weber & Neumann
2021):

* The unit of co-action is an **occasion**: an object on one day (``episode_s``). A burst in which two
  accounts post ten times on one hashtag is one occasion; a campaign repeated on twenty days is twenty.
  ``d_U`` is how many accounts acted on occasion U.
* On day d (``stratum_s``), account v took part in ``k_v(d)`` occasions, out of ``M(d) = Σ_U d_U``
  account-occasions of the day. If v picked its occasions at random, in proportion to their size, it would
  join a given occasion U of u with probability ``p_U = min(1, k_v(d) (d_U − 1) / M(d))``: certain for a
  viral post's day, tiny for an obscure post's.
* The evidence is **surprisal-weighted**: ``T = Σ_{U shared} −ln p_U`` (``p_U`` times the timing factor
  below, for each window) over the occasions of u on which v
  co-acted (within the window). Joining a viral crowd adds nothing; meeting on an obscure post adds a lot.
  Under the null, occasions are joined independently, and the Chernoff bound
  ``P(T ≥ t) ≤ min_θ exp(Σ_U ln(1 − p_U + p_U^{1−θ}) − θ t)`` (θ in a fixed grid) is a valid p-value.
  It is computed from u's occasions and from v's, and the larger is kept.
* **Timing, against the account's own habit** (``timing=True``; the detector turns it on for the kinds of
  ``detector.TIMED_KINDS``). Joining an occasion is not
  yet acting within the window of another account: on a viral post shared over hours, two accounts meet
  within a minute only if their positions in the crowd's order agree. Each account's habit is where in an
  occasion's order (0 = first, 1 = last account) it usually acts: a histogram of its positions over all its
  occasions of the kind (``BINS`` bins, with ``_KAPPA`` pseudo-occasions spread evenly). Under the null, v
  joins U as above and, independently, takes a position drawn from its own habit; acting within window w of
  u then has probability ``p_U · h_v([lo, hi])``, where ``[lo, hi]`` is the span of U's order within w of
  u's action, times v's mean actions per occasion (at least 1). An account that always answers a source
  within seconds (a fan with notifications on, a news bot) has its habit at 0, so meeting another early
  account there adds nothing; a group that acts together at a different moment of each burst is surprising.
  Where u acted several times on U its span is not one position, and the timing factor is 1 (the occasion
  alone). One moment of u — a post with several objects of the kind, or a burst of posts within the widest
  window — is one timing coincidence: only its occasion with the widest span keeps the factor. The habits
  include the occasions being tested, which favours the accounts.
* Edges that co-acted on a single occasion are never significant and get p = 1; every edge counts in the
  Benjamini–Hochberg false discovery rate correction (Benjamini & Hochberg 1995). ``expected`` reports the
  expected number of occasions shared within the widest window, ``Σ p_U`` (times the timing factor), for
  reading.

Without timing, sharing an occasion does not require acting within the window, so that null over-states
chance co-action. With it, the null assumes that an account's position in an occasion does not depend on the
others' beyond its habit: accounts that follow one another (a reply guy behind his favourite poster) meet
more often than that, which is why the habit is the account's whole history, not its day. The test involves
no random draw: it is deterministic and gives the same figures on any engine.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from unmask.coordination.sql import Dialect, Executor, literal

# θ above 1 matters where chance is high (p_U near 1/2, a sparse kind the group dominates): there, meeting on
# every occasion has probability Π p_U, which θ < 1 bounds only by Π p_U (2 − p_U), orders of magnitude above.
THETAS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 1.5, 2.0, 3.0, 5.0, 8.0)
_P_FLOOR = 1e-12


def create_surprise(
    ex: Executor,
    actions: str,
    coactions: str,
    edges: str,
    out: str,
    episode_s: float,
    stratum_s: float,
    work: str = "unmask_work",
    min_occasions: int = 2,
    windows: Sequence[float] = (),
    timing: bool = True,
) -> list[str]:
    """Create ``out``: per tested edge and side, for each window ``w_j`` of ``windows`` the
    surprisal ``t{j}`` and the number ``n{j}`` of the occasions shared within ``w_j`` (none given: one window,
    every co-action of ``coactions``), the expected shared occasions, ``g_θ`` for each θ in :data:`THETAS`
    (see module docstring).

    Without timing the g_θ do not depend on the window, only the shared occasions do: several windows cost
    one more minimum (the pair's tightest gap on each shared occasion) and a sum per window. With timing each
    window has its own g_θ (columns ``g{j}_{i}``, see :func:`g_prefix`).

    Separate statements, each materialising a table, so that every step can spill to disk.
    """
    dialect = ex.dialect
    e = max(round(episode_s * 1000), 1)
    d = max(round(stratum_s * 1000), e)
    limits = [round(w * 1000) for w in windows] or [None]
    within = [f"sh.gap_ms <= {w}" if w is not None else "sh.gap_ms IS NOT NULL" for w in limits]
    prefixes = [g_prefix(j, timing) for j in range(len(limits) if timing else 1)]
    p_of = [f"o.p * o.f{j}" for j in range(len(limits))] if timing else ["o.p"]
    gs = ", ".join(
        f"sum(CASE WHEN {p} > 0 THEN {_log_mgf_sql(f'greatest({p}, {_P_FLOOR})', th)} ELSE 0 END) AS {g}{i}"
        for p, g in zip(p_of, prefixes, strict=True)
        for i, th in enumerate(THETAS)
    )
    per_window = ", ".join(
        f"sum(CASE WHEN {c} THEN -ln(greatest({p_of[j if timing else 0]}, {_P_FLOOR})) ELSE 0 END) AS t{j}, "
        f"count(*) FILTER (WHERE {c}) AS n{j}"
        for j, c in enumerate(within)
    )
    window_columns = ", ".join(f"t{j} DOUBLE, n{j} BIGINT" for j in range(len(limits)))
    g_columns = ", ".join(f"{g}{i} DOUBLE" for g in prefixes for i in range(len(THETAS)))
    ex.create_table(
        f"{work}.occasions",
        f"""SELECT account, oid, ep, ep * {e} // {d} AS day,
                   count(*) OVER (PARTITION BY oid, ep) - 1 AS others
            FROM (SELECT DISTINCT account, oid, t_ms // {e} AS ep FROM {actions})""",
    )
    if timing:
        _create_timing(ex, actions, work, e, limits)
    ex.create_table(
        f"{work}.per_day", f"SELECT account, day, count(*) AS k FROM {work}.occasions GROUP BY ALL"
    )
    ex.create_table(f"{work}.day_totals", f"SELECT day, sum(k) AS m FROM {work}.per_day GROUP BY day")
    ex.create_table(
        f"{work}.tested", f"SELECT account_a, account_b FROM {edges} WHERE episodes >= {int(min_occasions)}"
    )
    sides = "side VARCHAR, account_a INTEGER, account_b INTEGER"
    ex.create_empty(out, f"{sides}, {window_columns}, expected DOUBLE, {g_columns}")
    f_columns = "".join(f", {_timing_sql(j, dialect)} AS f{j}" for j in range(len(limits))) if timing else ""
    habits = f"JOIN {work}.habits h ON h.account = t.account_{{other}}" if timing else ""
    for me, other in (("a", "b"), ("b", "a")):
        ex.create_table(
            f"{work}.shared",
            f"""SELECT account_a, account_b, oid, t_ms_{me} // {e} AS ep, min(abs(t_ms_b - t_ms_a)) AS gap_ms
                FROM {coactions} SEMI JOIN {work}.tested USING (account_a, account_b)
                GROUP BY ALL""",
        )
        ex.insert(
            out,
            f"""SELECT '{me}', o.account_a, o.account_b, {per_window}, sum({p_of[-1]}), {gs}
                FROM (
                    SELECT t.account_a, t.account_b, s.oid, s.ep,
                           greatest(least(1.0, kv.k * s.others / m.m), {_P_FLOOR}) AS p{f_columns}
                    FROM {work}.tested t
                    JOIN {work}.per_day kv ON kv.account = t.account_{other}
                    JOIN {work}.occasions s ON s.account = t.account_{me} AND s.day = kv.day
                    JOIN {work}.day_totals m ON m.day = s.day
                    {habits.format(other=other)}
                ) o
                LEFT JOIN {work}.shared sh USING (account_a, account_b, oid, ep)
                GROUP BY o.account_a, o.account_b""",
        )
    ex.drop(*(f"{work}.{t}" for t in ("occasions", "per_day", "day_totals", "tested", "shared", "habits")))


BINS = 20  # of an account's habit: where in an occasion's order it usually acts
_KAPPA = 1.0  # pseudo-occasions spread evenly over the bins: an account seen twice has no habit yet


def _create_timing(ex: Executor, actions: str, work: str, e: int, limits: list[int | None]) -> None:
    """Add to ``{work}.occasions`` the account's actions on it (``acts``) and, for each window j,
    ``lo{j}``/``hi{j}``: the span of the occasion's order (0 = its first account, 1 = its last) within
    window j of the account; and creates ``{work}.habits``: per account, the cumulative histogram of its
    positions over all its occasions (``cum``, BINS + 1 values) and its mean actions per occasion (``r``).
    See the module docstring: the timing part of the null."""
    frames = ", ".join(
        f"count(*) OVER (PARTITION BY oid, ep ORDER BY t0 RANGE BETWEEN UNBOUNDED PRECEDING AND {w + 1} "
        f"PRECEDING) / n AS lo{j}, count(*) OVER (PARTITION BY oid, ep ORDER BY t0 RANGE BETWEEN UNBOUNDED "
        f"PRECEDING AND {w} FOLLOWING) / n AS hi{j}"
        if w is not None
        else f"0.0 AS lo{j}, 1.0 AS hi{j}"
        for j, w in enumerate(limits)
    )
    kept = ", ".join(
        f"CASE WHEN x.nth = 1 THEN x.lo{j} ELSE 0.0 END AS lo{j}, "
        f"CASE WHEN x.nth = 1 THEN x.hi{j} ELSE 1.0 END AS hi{j}"
        for j in range(len(limits))
    )
    last = len(limits) - 1
    dialect = ex.dialect
    ex.create_table(
        f"{work}.positions",
        f"""SELECT account, oid, ep, acts, t0,
                   (rank() OVER (PARTITION BY oid, ep ORDER BY t0) - 1
                    + count(*) OVER (PARTITION BY oid, ep, t0) / 2.0) / n AS q, {frames}
            FROM (SELECT *, count(*) OVER (PARTITION BY oid, ep) AS n
                  FROM (SELECT account, oid, t_ms // {e} AS ep, min(t_ms) AS t0, count(*) AS acts
                        FROM {actions} GROUP BY ALL))""",
    )
    cum = dialect.ordered_list(f"(s + {_KAPPA} * (k + 1) / {BINS}) / (n + {_KAPPA})", "k")
    ex.create_table(
        f"{work}.habits",
        f"""WITH b AS (SELECT account, least(floor(q * {BINS}), {BINS - 1})::INTEGER AS bin, count(*) AS c
                       FROM {work}.positions GROUP BY ALL),
                 tot AS (SELECT p.account, count(*) AS n, avg(acts) AS r FROM {work}.positions p
                         GROUP BY p.account),
                 dense AS (SELECT t.account, t.n, t.r, g.k, coalesce(b.c, 0) AS c
                           FROM tot t CROSS JOIN {dialect.integers(BINS, "g", "k")}
                           LEFT JOIN b ON b.account = t.account AND b.bin = g.k)
            SELECT account, r, {dialect.list_prepend("0.0", cum)} AS cum
            FROM (SELECT *, sum(c) OVER (PARTITION BY account ORDER BY k) AS s FROM dense)
            GROUP BY account, r""",
    )
    # One moment of an account — a post with several objects of the kind (three hashtags), or a burst of
    # posts within the widest window (a bot posting a feed's new headlines at once) — is one timing
    # coincidence, not one per object: only the object whose span is widest keeps its timing, the
    # others get the whole order (factor 1).
    ex.create_table(
        f"{work}.occasions",
        f"""SELECT o.*, x.acts, {kept} FROM {work}.occasions o
            JOIN (SELECT *, row_number() OVER (PARTITION BY account, moment
                                                ORDER BY hi{last} - lo{last} DESC, oid) AS nth
                  FROM (SELECT *, sum(fresh) OVER (PARTITION BY account ORDER BY t0, oid, ep
                                                   ROWS UNBOUNDED PRECEDING) AS moment
                        FROM (SELECT *, CASE WHEN t0 - lag(t0) OVER (PARTITION BY account
                                                                     ORDER BY t0, oid, ep)
                                                  <= {limits[-1] or 0} THEN 0 ELSE 1 END AS fresh
                              FROM {work}.positions))) x USING (account, oid, ep)""",
    )
    ex.drop(f"{work}.positions")


def _cdf_sql(cum: str, x: str, dialect: Dialect) -> str:
    """The habit's cumulative share of positions below ``x``: linear within a bin."""
    k = f"least(floor({x} * {BINS}), {BINS - 1})::INTEGER"
    at, after = dialect.list_get(cum, f"{k} + 1"), dialect.list_get(cum, f"{k} + 2")
    return f"({at} + ({x} * {BINS} - {k}) * ({after} - {at}))"


def _timing_sql(j: int, dialect: Dialect) -> str:
    """P(the other account acts within window j of this one | it acts on the occasion), from its habit; 1
    where this account acted several times on the occasion (then its span is not one position)."""
    inside = f"{_cdf_sql('h.cum', f's.hi{j}', dialect)} - {_cdf_sql('h.cum', f's.lo{j}', dialect)}"
    return f"CASE WHEN s.acts > 1 THEN 1.0 ELSE least(1.0, greatest(h.r, 1.0) * ({inside})) END"


def _log_mgf_sql(p: str, theta: float) -> str:
    """ln E[exp(θ X (−ln p))] = ln(1 − p + p^(1−θ)) for X ~ Bernoulli(p), in a form that cannot overflow:
    for θ > 1, p^(1−θ) is huge for a rare occasion, so its logarithm is taken out first."""
    if theta <= 1:
        return f"ln(1 - {p} + pow({p}, {1 - theta}))"
    return f"({1 - theta} * ln({p}) + ln(1 + (1 - {p}) * pow({p}, {theta - 1})))"


def chernoff_p_sql(t: str = "t", g: str = "g") -> str:
    """The SQL expression of :func:`chernoff_p_values` over columns ``t`` and ``g0``, ``g1``, …: the p-values
    stay in the database (millions of tested pairs would otherwise come out into Python memory)."""
    terms = ", ".join(f"{g}{i} - {th} * {t}" for i, th in enumerate(THETAS))
    return f"exp(least(0.0, {terms}))"


def chernoff_p_values(t: np.ndarray, g: np.ndarray) -> np.ndarray:
    """min over θ of exp(g_θ − θ t), capped at 1: ``g`` has one column per θ in :data:`THETAS`."""
    thetas = np.asarray(THETAS)
    log_bound = np.asarray(g, dtype=float) - thetas[None, :] * np.asarray(t, dtype=float)[:, None]
    return np.exp(np.minimum(log_bound.min(axis=1), 0.0)) if len(log_bound) else np.ones(0)


def g_prefix(window: int, timing: bool) -> str:
    """The prefix of the g_θ columns of window ``window``: its own with timing; without, every window shares
    the first set (the occasions' chance does not depend on the window)."""
    return f"g{window}_" if timing else "g0_"


def tested_edges_sql(edges: str, surprise: str, windows: Sequence[float], timing: bool) -> str:
    """The edges with their p-value: each window's Chernoff p (1 where the pair shared fewer than two
    occasions within it; the larger of the two sides), the smallest over the windows times their number
    (Bonferroni: valid whatever the dependence between windows), and the window that gave it."""
    per_window = ", ".join(
        f"max(CASE WHEN n{j} >= 2 THEN {chernoff_p_sql(f't{j}', g_prefix(j, timing))} ELSE 1.0 END) AS p{j}"
        for j in range(len(windows))
    )
    ps = [f"p{j}" for j in range(len(windows))]
    best = f"least({', '.join(ps)})" if len(ps) > 1 else ps[0]
    which = " ".join(f"WHEN p{j} = {best} THEN {w!r}" for j, w in enumerate(windows))
    return (
        f"SELECT e.*, x.expected, least(1.0, {len(ps)} * {best}) AS p_null, "
        f"CASE {which} END AS window_s, [{', '.join(ps)}] AS p_windows "
        f"FROM {edges} e LEFT JOIN (SELECT account_a, account_b, max(expected) AS expected, {per_window} "
        f"FROM {surprise} GROUP BY ALL) x USING (account_a, account_b)"
    )


# Ranks of one family are cut into blocks of this many for the running minimum: a block is one Spark task.
BH_BLOCK_ROWS = 1 << 20


def create_q_values(
    ex: Executor,
    tested: str,
    window_pairs: dict[str, Sequence[int]],
    windows: int,
    out: str,
    *,
    block_rows: int = BH_BLOCK_ROWS,
) -> None:
    """Create ``out`` (kind, account_a, account_b, p_value, q_value): the q-values of
    :func:`window_q_values` in SQL, for every kind at once, of the pairs of the query ``tested`` (kind,
    account_a, account_b, p_null, p_windows), given each kind's pairs within each window (the m of each
    family). ``out``'s schema holds the work tables.

    Benjamini–Hochberg (1995) as a global sort: each family's p-values ranked in order
    (:meth:`~unmask.coordination.sql.Executor.create_numbered`, which Spark runs range by range),
    ``p·m/rank``, and the running minimum from the largest rank down, in blocks of ``block_rows``
    consecutive ranks: the minimum within each block, and the smallest of the blocks after it (a table of
    one row a block). The same operations as numpy's, on the same doubles, so the same q-values; ties in p
    get the same q whatever their order. No family has to fit one task.
    """
    work = out.rsplit(".", 1)[0] + "." if "." in out else ""
    ranked, rated = f"{work}bh_ranked", f"{work}bh_rated"
    families = []
    for j in range(windows):
        m = " ".join(f"WHEN {literal(k)} THEN {max(int(ms[j]), 1)}" for k, ms in window_pairs.items())
        p = ex.dialect.list_get("p_windows", str(j + 1))
        ex.create_numbered(
            ranked,
            f"SELECT kind, account_a, account_b, p, m FROM (SELECT kind, account_a, account_b, {p} AS p, "
            f"CASE kind {m} END AS m FROM ({tested}) t) f WHERE p < 1.0",
            ("kind", "p", "account_a", "account_b"),
            "n",
        )
        ex.create_table(
            rated,
            "SELECT x.kind, x.account_a, x.account_b, x.n, x.p * x.m / (x.n - f.n0 + 1) AS r, "
            f"CAST(floor(x.n / {int(block_rows)}) AS BIGINT) AS blk "
            f"FROM {ranked} x JOIN (SELECT kind, min(n) AS n0 FROM {ranked} GROUP BY kind) f USING (kind)",
        )
        within = (
            "SELECT kind, account_a, account_b, blk, min(r) OVER (PARTITION BY kind, blk ORDER BY n DESC "
            f"ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS s FROM {rated}"
        )
        after = (
            "SELECT kind, blk, min(b) OVER (PARTITION BY kind ORDER BY blk DESC ROWS BETWEEN UNBOUNDED "
            "PRECEDING AND 1 PRECEDING) AS c "
            f"FROM (SELECT kind, blk, min(r) AS b FROM {rated} GROUP BY kind, blk) y"
        )
        ex.create_table(
            f"{work}bh_q{j}",
            f"SELECT w.kind, w.account_a, w.account_b, least(1.0, {windows} * least(1.0, "
            "CASE WHEN a.c < w.s THEN a.c ELSE w.s END)) AS q "
            f"FROM ({within}) w JOIN ({after}) a USING (kind, blk)",
        )
        families.append(f"SELECT * FROM {work}bh_q{j}")
    ex.create_table(
        out,
        "SELECT t.kind, t.account_a, t.account_b, t.p_null AS p_value, coalesce(min(f.q), 1.0) AS q_value "
        f"FROM ({tested}) t LEFT JOIN ({' UNION ALL '.join(families)}) f "
        "USING (kind, account_a, account_b) GROUP BY t.kind, t.account_a, t.account_b, t.p_null",
    )
    ex.drop(ranked, rated, *(f"{work}bh_q{j}" for j in range(windows)))


def window_q_values(p: np.ndarray, window_pairs: Sequence[int]) -> np.ndarray:
    """q-values of one kind's edges whose p-values at each window are the columns of ``p``: one family per
    window, Benjamini–Hochberg over its ``window_pairs[j]`` pairs (every pair that co-acted within it, tested
    or not) at alpha / W, so an edge's q is the smallest over its windows of W × its family's BH q."""
    q = np.ones(len(p))
    factor = p.shape[1]
    for j, m in enumerate(window_pairs):
        tested = np.flatnonzero(p[:, j] < 1.0)
        if len(tested):
            family = np.minimum(1.0, factor * benjamini_hochberg(p[tested, j], m=m))
            q[tested] = np.minimum(q[tested], family)
    return q


def benjamini_hochberg(p: np.ndarray, m: int | None = None) -> np.ndarray:
    """q-values (BH-adjusted p-values) for ``p``, as if ``m`` ≥ len(p) hypotheses were tested."""
    p = np.asarray(p, dtype=float)
    n = len(p)
    m = max(m or n, n)
    if n == 0:
        return p
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, n + 1)
    q_sorted = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(n)
    q[order] = np.minimum(q_sorted, 1.0)
    return q
