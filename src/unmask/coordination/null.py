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
* The evidence is **surprisal-weighted**: ``T = Σ_{U shared} −ln p_U`` over the occasions of u on which v
  co-acted (within the window). Joining a viral crowd adds nothing; meeting on an obscure post adds a lot.
  Under the null, occasions are joined independently, and the Chernoff bound
  ``P(T ≥ t) ≤ min_θ exp(Σ_U ln(1 − p_U + p_U^{1−θ}) − θ t)`` (θ in a fixed grid) is a valid p-value.
  It is computed from u's occasions and from v's, and the larger is kept.
* Edges that co-acted on a single occasion are never significant and get p = 1; every edge counts in the
  Benjamini–Hochberg false discovery rate correction (Benjamini & Hochberg 1995). ``expected`` reports the
  expected number of shared occasions, ``Σ p_U``, for reading.

Sharing an occasion does not require acting within the window, so the null over-states chance co-action:
the test errs on the side of the accounts. It involves no random draw: it is deterministic and gives the
same figures on any engine.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# θ above 1 matters where chance is high (p_U near 1/2, a sparse kind the group dominates): there, meeting on
# every occasion has probability Π p_U, which θ < 1 bounds only by Π p_U (2 − p_U), orders of magnitude above.
THETAS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 1.5, 2.0, 3.0, 5.0, 8.0)
_P_FLOOR = 1e-12


def surprise_statements(
    actions: str,
    coactions: str,
    edges: str,
    out: str,
    episode_s: float,
    stratum_s: float,
    work: str = "unmask_work",
    min_occasions: int = 2,
    windows: Sequence[float] = (),
) -> list[str]:
    """SQL that creates ``out``: per tested edge and side, for each window ``w_j`` of ``windows`` the
    surprisal ``t{j}`` and the number ``n{j}`` of the occasions shared within ``w_j`` (none given: one window,
    every co-action of ``coactions``), the expected shared occasions, ``g_θ`` for each θ in :data:`THETAS`
    (see module docstring).

    The g_θ do not depend on the window, only the shared occasions do: several windows cost one more
    minimum (the pair's tightest gap on each shared occasion) and a sum per window.

    Separate statements, each materialising a table, so that every step can spill to disk.
    """
    e = max(round(episode_s * 1000), 1)
    d = max(round(stratum_s * 1000), e)
    gs = ", ".join(f"sum({_log_mgf_sql('o.p', th)}) AS g{i}" for i, th in enumerate(THETAS))
    limits = [round(w * 1000) for w in windows] or [None]
    within = [f"sh.gap_ms <= {w}" if w is not None else "sh.gap_ms IS NOT NULL" for w in limits]
    per_window = ", ".join(
        f"sum(CASE WHEN {c} THEN -ln(o.p) ELSE 0 END) AS t{j}, count(*) FILTER (WHERE {c}) AS n{j}"
        for j, c in enumerate(within)
    )
    window_columns = ", ".join(f"t{j} DOUBLE, n{j} BIGINT" for j in range(len(limits)))
    statements = [
        f"""CREATE OR REPLACE TABLE {work}.occasions AS
            SELECT account, oid, ep, ep * {e} // {d} AS day,
                   count(*) OVER (PARTITION BY oid, ep) - 1 AS others
            FROM (SELECT DISTINCT account, oid, t_ms // {e} AS ep FROM {actions})""",
        f"""CREATE OR REPLACE TABLE {work}.per_day AS
            SELECT account, day, count(*) AS k FROM {work}.occasions GROUP BY ALL""",
        f"""CREATE OR REPLACE TABLE {work}.day_totals AS
            SELECT day, sum(k) AS m FROM {work}.per_day GROUP BY day""",
        f"""CREATE OR REPLACE TABLE {work}.tested AS
            SELECT account_a, account_b FROM {edges} WHERE episodes >= {int(min_occasions)}""",
        f"CREATE OR REPLACE TABLE {out} (side VARCHAR, account_a INTEGER, account_b INTEGER, "
        f"{window_columns}, expected DOUBLE, {', '.join(f'g{i} DOUBLE' for i in range(len(THETAS)))})",
    ]
    for me, other in (("a", "b"), ("b", "a")):
        statements += [
            f"""CREATE OR REPLACE TABLE {work}.shared AS
                SELECT account_a, account_b, oid, t_ms_{me} // {e} AS ep, min(abs(t_ms_b - t_ms_a)) AS gap_ms
                FROM {coactions} SEMI JOIN {work}.tested USING (account_a, account_b)
                GROUP BY ALL""",
            f"""INSERT INTO {out}
                SELECT '{me}', o.account_a, o.account_b, {per_window}, sum(o.p), {gs}
                FROM (
                    SELECT t.account_a, t.account_b, s.oid, s.ep,
                           greatest(least(1.0, kv.k * s.others / m.m), {_P_FLOOR}) AS p
                    FROM {work}.tested t
                    JOIN {work}.per_day kv ON kv.account = t.account_{other}
                    JOIN {work}.occasions s ON s.account = t.account_{me} AND s.day = kv.day
                    JOIN {work}.day_totals m ON m.day = s.day
                ) o
                LEFT JOIN {work}.shared sh USING (account_a, account_b, oid, ep)
                GROUP BY o.account_a, o.account_b""",
        ]
    statements += [
        f"DROP TABLE {work}.{t}" for t in ("occasions", "per_day", "day_totals", "tested", "shared")
    ]
    return statements


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
