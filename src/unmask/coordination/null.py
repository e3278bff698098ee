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
  join a given occasion U of u with probability ``k_v(d) (d_U − 1) / M(d)``: high for a viral post's hour,
  tiny for an obscure post's.
* Summed over u's occasions and symmetrised, the expected number of occasions the two share is
  ``λ_uv = ½ Σ_d (k_v(d) S_u(d) + k_u(d) S_v(d)) / M(d)``, with ``S_u(d) = Σ_{U∈u,d} (d_U − 1)``.
  Sharing an occasion does not require acting within the window, so λ is an upper bound for co-acting
  occasions: the test errs on the side of the accounts. So does taking, for each pair, the larger of this
  and the same sum without strata (co-actions that straddle midnight fall in two strata).
* The observed number of occasions on which the pair co-acted (within the window) is compared with a
  Poisson(λ) count: the p-value is ``P(X ≥ occasions)``. Edges with a single occasion are never significant
  and get p = 1; every edge counts in the Benjamini–Hochberg false discovery rate correction (Benjamini &
  Hochberg 1995).

The model involves no random draw: it is deterministic and gives the same figures on any engine.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import poisson


def expected_sql(actions: str, edges: str, episode_s: float, stratum_s: float, min_occasions: int = 2) -> str:
    """λ (expected shared occasions) for each edge of ``edges`` with at least ``min_occasions``."""
    e = max(int(round(episode_s * 1000)), 1)
    d = max(int(round(stratum_s * 1000)), e)
    return f"""
        WITH occasions AS (
            SELECT DISTINCT account, oid, t_ms // {e} AS h FROM {actions}
        ),
        sized AS (
            SELECT account, h * {e} // {d} AS day, count(*) OVER (PARTITION BY oid, h) - 1 AS others
            FROM occasions
        ),
        per_day AS (
            SELECT account, day, count(*) AS k, sum(others) AS s FROM sized GROUP BY ALL
        ),
        m AS (SELECT day, sum(k) AS m FROM per_day GROUP BY day),
        e AS (SELECT account_a, account_b FROM {edges} WHERE episodes >= {int(min_occasions)}),
        -- Materialised, so that the join starts from the edges: joining the activity table to itself
        -- on the day first would pair every two accounts active on the same day.
        eu AS MATERIALIZED (
            SELECT e.account_a, e.account_b, pu.day, pu.k AS ku, pu.s AS su, m.m
            FROM e JOIN per_day pu ON pu.account = e.account_a JOIN m ON m.day = pu.day
        ),
        stratified AS (
            SELECT eu.account_a, eu.account_b, 0.5 * sum((pv.k * eu.su + eu.ku * pv.s) / eu.m) AS expected
            FROM eu JOIN per_day pv ON pv.account = eu.account_b AND pv.day = eu.day
            GROUP BY ALL
        ),
        -- The same expectation without strata: a floor for pairs whose co-actions straddle two strata.
        totals AS (SELECT account, sum(k) AS k, sum(s) AS s FROM per_day GROUP BY account),
        overall AS (
            SELECT e.account_a, e.account_b,
                   0.5 * (tb.k * ta.s + ta.k * tb.s) / (SELECT sum(m) FROM m) AS expected
            FROM e JOIN totals ta ON ta.account = e.account_a JOIN totals tb ON tb.account = e.account_b
        )
        SELECT o.account_a, o.account_b, greatest(o.expected, coalesce(s.expected, 0)) AS expected
        FROM overall o LEFT JOIN stratified s USING (account_a, account_b)
    """


def poisson_p_values(weight: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """P(X ≥ weight) for X ~ Poisson(expected); 1 where nothing was expected to be tested."""
    weight = np.asarray(weight, dtype=float)
    expected = np.asarray(expected, dtype=float)
    p = poisson.sf(weight - 1, np.maximum(expected, 1e-300))
    return np.clip(np.where(np.isnan(expected), 1.0, p), 0.0, 1.0)


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
