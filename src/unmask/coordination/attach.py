"""Accounts that act with a network as a whole, though with no one member often enough to show it.

Not every account of an operation joins every action. A member that joins a third of the group's actions
meets each other member on about a ninth of them: too few for any pair to be significant among millions of
pairs, while against the group taken together it is present on a third. So, once the networks are found
from significant pairs, every account outside them that co-acted with a network's members is tested against
the network as **one account**: the members' actions are pooled under one id, and the pair (account,
network) goes through the same null model as any pair (:mod:`unmask.coordination.null`: occasions,
timing against habits, the Chernoff bound, every window). The network's own side has several members on
most occasions, so its timing factor is 1 there, and the other side's is bounded by the network's mean
actions per occasion: the test errs on the side of the account.

Each kind is one family of (account, network) hypotheses, corrected by Benjamini–Hochberg over every pair
(account, network) that co-acted within each window, as the pairs are. The networks themselves were chosen
from the same data, but from the members' pairs only, none of which involves the account tested.

This is the idea of testing an account against a group rather than a partner, as in the "coordinated link
sharing" components of Giglietto et al. (2020), with the null of :mod:`unmask.coordination.null` in place
of a threshold.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from unmask.coordination import null, pairs
from unmask.coordination.sql import Executor


def network_coactions_sql(coactions: str, members: str, base: int) -> str:
    """The co-actions between a member of a network and an account in no network, the member replaced by
    the network's id ``base + network`` (larger than every account's, so it is always side b)."""
    outside = "NOT EXISTS (SELECT 1 FROM {m} x WHERE x.aid = c.account_{side})"
    sides = []
    for member, other in (("a", "b"), ("b", "a")):
        sides.append(
            f"SELECT c.oid, c.account_{other} AS account_a, {base} + m.network AS account_b, "
            f"c.t_ms_{other} AS t_ms_a, c.t_ms_{member} AS t_ms_b, c.source_id_{other} AS source_id_a, "
            f"c.record_no_{other} AS record_no_a, c.source_id_{member} AS source_id_b, "
            f"c.record_no_{member} AS record_no_b "
            f"FROM {coactions} c JOIN {members} m ON m.aid = c.account_{member} "
            f"WHERE {outside.format(m=members, side=other)}"
        )
    return " UNION ALL ".join(sides)


def pooled_actions_sql(actions: str, members: str, base: int) -> str:
    """The kind's actions with every member's id replaced by its network's."""
    return (
        f"SELECT coalesce({base} + m.network, a.account) AS account, a.oid, a.t_ms, a.source_id, a.record_no "
        f"FROM {actions} a LEFT JOIN {members} m ON m.aid = a.account"
    )


def test_kind(
    ex: Executor,
    actions: str,
    coactions: str,
    members: str,
    base: int,
    *,
    windows: Sequence[float],
    episode_s: float,
    stratum_s: float,
    timing: bool,
    work: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Test each (account, network) pair of one kind: arrays of the account, the network, p, q and the
    window that gave p, for the pairs that shared two occasions or more."""
    ex.create_table(f"{work}.net_coact", network_coactions_sql(coactions, members, base))
    ex.create_table(f"{work}.net_act", pooled_actions_sql(actions, members, base))
    edges = f"{work}.net_edges"
    ex.create_empty(edges, pairs.EDGE_COLUMNS)
    met = pairs.aggregate_edges(ex, f"{work}.net_coact", "network", episode_s, edges, single=False, work=work)
    ex.delete_where(edges, "episodes < 2")
    per_window = pairs.window_pairs(ex, f"{work}.net_coact", tuple(windows), met)
    null.create_surprise(
        ex,
        f"{work}.net_act",
        f"{work}.net_coact",
        edges,
        f"{work}.net_surprise",
        episode_s,
        stratum_s,
        work,
        windows=windows,
        timing=timing,
    )
    rows = ex.rows(
        f"SELECT account_a, account_b - {base}, p_null, p_windows, window_s "
        f"FROM ({null.tested_edges_sql(edges, f'{work}.net_surprise', windows, timing)}) "
        "WHERE p_null IS NOT NULL ORDER BY account_a, account_b"
    )
    ex.drop(*(f"{work}.{table}" for table in ("net_coact", "net_act", "net_edges", "net_surprise")))
    if not rows:
        empty = np.zeros(0)
        return empty.astype(np.int64), empty.astype(np.int64), empty, empty, empty
    account, network, p, by_window, window_s = (list(c) for c in zip(*rows, strict=True))
    q = null.window_q_values(np.array(by_window, dtype=float).reshape(len(rows), len(windows)), per_window)
    return np.array(account), np.array(network), np.array(p, dtype=float), q, np.array(window_s, dtype=float)
