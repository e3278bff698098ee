"""Bursts: a storm on one object is bounded (set aside from the pairs, still counted by the null model), and
salting a large burst changes no co-action."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from test_coordination import at, load
from unmask.case import Case
from unmask.coordination import Coordination
from unmask.coordination.pairs import bursts_sql, coaction_sql
from unmask.coordination.sql import Dialect


class Salted(Dialect):
    """DuckDB's SQL with the salting Spark uses, at a tiny threshold."""

    salt_rows = 7


def actions_table(seed: int = 3) -> pa.Table:
    """A burst of 60 actions on one object across three buckets, and a sprinkle of small objects."""
    rng = np.random.default_rng(seed)
    n_burst, n_rest = 60, 200
    oid = np.r_[np.full(n_burst, 42), rng.integers(0, 30, n_rest)]
    t_ms = np.r_[rng.integers(0, 150_000, n_burst), rng.integers(0, 3_600_000, n_rest)]
    n = n_burst + n_rest
    return pa.table(
        {
            "account": rng.integers(0, 80, n).astype(np.int32),
            "oid": oid.astype(np.int64),
            "object": [f"o{o}" for o in oid],
            "t_ms": t_ms.astype(np.int64),
            "source_id": np.ones(n, np.int32),
            "record_no": np.arange(1, n + 1, dtype=np.int64),
        }
    )


def coactions(con: duckdb.DuckDBPyConnection, **kw) -> list[tuple]:
    return sorted(con.execute(coaction_sql("acts", 60, **kw)).fetchall())


def test_salting_a_burst_gives_every_coaction_once() -> None:
    """Split into parts of at most 7 actions (the first side) and copied once per part (the second), the
    burst's co-actions are exactly those of the plain join: none lost, none twice."""
    con = duckdb.connect()
    con.register("acts", actions_table())
    plain = coactions(con, max_burst=None)
    assert len(plain) > 500
    assert coactions(con, max_burst=None, dialect=Salted()) == plain
    assert coactions(con, dialect=Salted()) == coactions(con) == plain  # the default cap is far above


def test_a_burst_above_the_cap_is_left_out_of_the_pairs_only() -> None:
    """A cap of 30 actions per object and minute sets the burst's crowded minutes aside: no co-action of
    theirs is enumerated, the others are untouched, and bursts_sql names them."""
    con = duckdb.connect()
    con.register("acts", actions_table())
    plain = coactions(con, max_burst=None)
    capped = coactions(con, max_burst=15)
    crowded = con.execute(bursts_sql("acts", 60, 15)).fetchall()
    assert crowded and all(o == "o42" and n > 15 for o, _, n in crowded)
    starts = {t for _, t, _ in crowded}
    assert set(capped) < set(plain)
    lost = set(plain) - set(capped)
    # Every co-action lost has a side in a crowded minute of the burst.
    assert all(
        r[0] == 42 and (r[3] // 60_000 * 60_000 in starts or r[4] // 60_000 * 60_000 in starts) for r in lost
    )
    assert coactions(con, max_burst=15, dialect=Salted()) == capped


def storm(case: Case, tmp_path: Path, members: int = 40) -> None:
    """A crowd of 60 accounts sharing 20 posts at random, and one post shared by ``members`` accounts
    within half a minute."""
    rng = np.random.default_rng(1)
    rows = [(f"o{i}", f"author{i}", at(i), "hello", "", "", "", "") for i in range(20)]
    for j in range(600):
        rows.append(
            (
                f"c{j}",
                f"crowd{rng.integers(60)}",
                at(100 + int(rng.integers(86_400))),
                "",
                f"o{rng.integers(20)}",
                "",
                "",
                "",
            )
        )
    rows.append(("viral", "star", at(50_000), "look", "", "", "", ""))
    rows += [(f"v{j}", f"fan{j}", at(50_010 + j * 0.5), "", "viral", "", "", "") for j in range(members)]
    load(case, tmp_path, rows)


@pytest.mark.parametrize("cap", [20, None])
def test_the_engine_reports_the_bursts_it_set_aside(case: Case, tmp_path: Path, cap: int | None) -> None:
    """The run counts a storm's actions (the null's crowd) and reports it as set aside; its pairs are not
    enumerated. Without a cap they are."""
    storm(case, tmp_path)
    found = Coordination(kinds=("share",), max_burst_actions=cap).fit(case)
    run = found.runs_[0]
    assert run.actions == 640
    if cap is None:
        assert run.bursts_set_aside == 0 and run.coactions >= 40 * 39 // 2
    else:
        assert run.bursts_set_aside == 1
        assert run.burst_examples[0]["object"] == "viral" and run.burst_examples[0]["actions"] == 40
        assert run.coactions < 40 * 39 // 2
