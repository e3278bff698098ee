"""The coordination window: how close in time two actions on one object must be to count as co-action.

``estimate_window`` follows CooRnet's ``estimate_coord_interval`` (Giglietto, Righetti, Rossi & Marino
2020, "It takes a village to manipulate the media", Information, Communication & Society 23(6)):
among objects acted on more than once, keep the ``q`` share whose second action came quickest after the
first; for each, take the time from its first action to the action that reaches a share ``p`` of its
actions; the window is the ``p``-quantile of those times (at least one second).
"""

from __future__ import annotations

import duckdb

from unmask.coordination.sql import Executor, as_executor

# Tested together by default: a tight burst (10 s) and the classic minute. Each window's tests are corrected
# for the others (see docs/coordination.md). 300 s was a default too, until it flagged a whole network of
# news bots (automation that reposts one feed within minutes) on the 1M planted benchmark: precision 0.908
# with it, 0.995 without (docs/benchmarks.md). Slower relays: --window 10,60,300.
DEFAULT_WINDOWS = (10.0, 60.0)


def estimate_window(
    ex: Executor | duckdb.DuckDBPyConnection, actions: str, *, q: float = 0.1, p: float = 0.5
) -> int:
    """The window in seconds estimated from the relation ``actions`` (columns object, t_ms)."""
    if not (0 < q <= 1 and 0 < p <= 1):
        raise ValueError("q and p must be in (0, 1]")
    ex = as_executor(ex)
    q, p = float(q), float(p)
    seconds = ex.scalar(
        f"""
        WITH ranked AS (
            SELECT object, t_ms,
                   row_number() OVER (PARTITION BY object ORDER BY t_ms) AS rank,
                   count(*) OVER (PARTITION BY object) AS n,
                   (t_ms - min(t_ms) OVER (PARTITION BY object)) / 1000.0 AS from_first
            FROM {actions}
        ),
        second AS (
            SELECT object, from_first FROM ranked WHERE n > 1 AND rank = 2
        ),
        quickest AS (
            SELECT object FROM second
            WHERE from_first <= (SELECT {ex.dialect.quantile("from_first", q)} FROM second)
        ),
        reach AS (
            SELECT r.object, min(r.from_first) AS seconds
            FROM ranked r SEMI JOIN quickest USING (object)
            WHERE r.rank::DOUBLE / r.n > {p!r}
            GROUP BY r.object
        )
        SELECT {ex.dialect.quantile("seconds", p)} FROM reach
        """
    )
    return max(1, round(seconds or 0))


def time_resolution(ex: Executor | duckdb.DuckDBPyConnection, actions: str) -> int:
    """The coarsest of 1 h, 1 min and 1 s that every time of ``actions`` (column t_ms) is a multiple of.

    Some exports keep only the minute (the FiveThirtyEight IRA tweets): there, two posts 50 s apart may
    carry the same time or times a minute apart, and a window under the resolution would hide the second.
    """
    [(hours, minutes)] = as_executor(ex).rows(
        f"SELECT bool_and(t_ms % 3600000 = 0), bool_and(t_ms % 60000 = 0) FROM {actions}"
    )
    return 3600 if hours else 60 if minutes else 1
