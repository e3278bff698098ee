"""How often two accounts would co-act by chance, and how surprising what they did is.

Organic crowds are the main source of false positives: a viral post is shared by thousands within minutes,
a popular hashtag by everyone, a trending topic bursts for an hour, so raw co-action counts mostly measure
popularity, activity and bursts. The test here counts **episodes** — the hours (``episode_s``) in which a
pair co-acted at least once — against a **time-stratified configuration null** (the bipartite
configuration null of Neal 2014, "The backbone of bipartite projections", applied within time strata, in
the spirit of the popularity-aware weighting of Pacheco et al. 2021 and the time-aware nulls of Weber &
Neumann 2021):

* In hour h, account u took ``k_u(h)`` actions of the kind. On day d, ``P(d)`` ordered pairs of actions by
  different accounts were co-actions (same object, within the window): popular objects and bursts make it
  large — a post shared by a thousand accounts within minutes contributes a million pairs.
* If accounts drew their actions at random among the actions of their hour, two actions in the same hour
  would co-act with probability ``D(d) = P(d) / Σ_{h∈d} M(h)²`` (``M(h)``: all actions of hour h), so u and
  v would co-act in hour h with probability ``π_uv(h) = 1 − exp(−k_u(h) k_v(h) D(d))``, and the expected
  number of episodes is ``λ_uv = Σ_h π_uv(h)``.
* The observed number of episodes is compared with a Poisson(λ) count: the p-value is ``P(X ≥ episodes)``.
  Edges with a single episode are never significant and get p = 1; every edge counts in the
  Benjamini–Hochberg false discovery rate correction (Benjamini & Hochberg 1995).

One burst, however intense, is one episode: two accounts that both post ten times during a trending hour
are not thereby coordinated. A group that lands on the same objects within seconds on hour after hour is.
The model involves no random draw: it is deterministic and gives the same figures on any engine.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import poisson


def expected_sql(
    actions: str, coactions: str, edges: str, episode_s: float, stratum_s: float, min_episodes: int = 2
) -> str:
    """λ (expected episodes) for each edge of ``edges`` with at least ``min_episodes`` episodes."""
    e = max(int(round(episode_s * 1000)), 1)
    d = max(int(round(stratum_s * 1000)), e)
    return f"""
        WITH k AS (
            SELECT account, t_ms // {e} AS h, count(*) AS k FROM {actions} GROUP BY ALL
        ),
        m AS (SELECT h, h * {e} // {d} AS day, sum(k) AS m FROM k GROUP BY h),
        q AS (SELECT day, sum(m * m) AS q FROM m GROUP BY day),
        p AS (SELECT t_ms_a // {d} AS day, 2 * count(*) AS p FROM {coactions} GROUP BY day),
        density AS (
            SELECT m.h, coalesce(p.p, 0) / q.q AS d FROM m JOIN q USING (day) LEFT JOIN p USING (day)
        ),
        e AS (SELECT account_a, account_b FROM {edges} WHERE episodes >= {int(min_episodes)}),
        -- Materialised, so that the join starts from the edges: joining the activity table to itself
        -- on the hour first would pair every two accounts active in the same hour.
        eu AS MATERIALIZED (
            SELECT e.account_a, e.account_b, ku.h, ku.k * density.d AS x
            FROM e JOIN k ku ON ku.account = e.account_a JOIN density ON density.h = ku.h
        )
        SELECT eu.account_a, eu.account_b, sum(1 - exp(-eu.x * kv.k)) AS expected
        FROM eu JOIN k kv ON kv.account = eu.account_b AND kv.h = eu.h
        GROUP BY ALL
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
