"""The timing part of the null model: acting within the window of another account, against each account's
own habit of where in an occasion's order it acts (see unmask.coordination.null)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest

from test_coordination import at, load
from unmask.case import Case
from unmask.coordination import Coordination
from unmask.coordination.detector import TIMED_KINDS
from unmask.coordination.null import _create_timing
from unmask.coordination.sql import DuckDBExecutor

DAYS = 12
CROWD = [f"user{i:03d}" for i in range(150)]


def viral_days(rng: np.random.Generator, rows: list[tuple]) -> None:
    """Each day a viral post that most of the crowd shares at random moments over six hours, and an obscure
    post or two that a few share: the crowd's ordinary life."""
    for day in range(DAYS):
        base = day * 86400
        rows.append((f"v{day}", "celebrity", at(base), f"viral {day}", "", "", "", ""))
        for i, user in enumerate(CROWD):
            if rng.random() < 0.7:
                rows.append(
                    (
                        f"c{day}_{i}",
                        user,
                        at(base + 60 + rng.uniform(0, 6 * 3600)),
                        "RT",
                        f"v{day}",
                        "",
                        "",
                        "",
                    )
                )
        for k in range(3):
            rows.append(
                (f"o{day}_{k}", "blogger", at(base + 50000 + k), f"obscure {day} {k}", "", "", "", "")
            )
            for i in rng.choice(len(CROWD), 3, replace=False):
                t = base + 50000 + rng.uniform(0, 20000)
                rows.append((f"oc{day}_{k}_{i}", CROWD[i], at(t), "RT", f"o{day}_{k}", "", "", ""))


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(7)


def test_a_group_that_meets_inside_viral_crowds_is_found_only_with_timing(
    case: Case, tmp_path: Path, rng: np.random.Generator
) -> None:
    rows: list[tuple] = []
    viral_days(rng, rows)
    group = ["gang_a", "gang_b", "gang_c", "gang_d"]
    for day in range(DAYS):
        # Together, at a different moment of each day's burst: only their timing sets them apart.
        moment = day * 86400 + 60 + rng.uniform(0, 6 * 3600)
        for j, member in enumerate(group):
            rows.append((f"g{day}{j}", member, at(moment + 3 * j), "RT", f"v{day}", "", "", ""))
    load(case, tmp_path, rows)
    with_timing = Coordination(kinds=("share",), window=60).fit(case)
    assert set(with_timing.accounts_.column("account_id").to_pylist()) == set(group)
    without = Coordination(kinds=("share",), window=60, timing=False).fit(case)
    assert without.accounts_.num_rows == 0


def test_accounts_that_are_always_first_are_not_flagged_for_meeting_there(
    case: Case, tmp_path: Path, rng: np.random.Generator
) -> None:
    """Fans with notifications on share every viral post within seconds: they meet at the head of every
    crowd, which their own habit explains."""
    rows: list[tuple] = []
    viral_days(rng, rows)
    fans = ["fan_a", "fan_b", "fan_c", "fan_d"]
    for day in range(DAYS):
        for j, fan in enumerate(fans):
            rows.append(
                (f"f{day}{j}", fan, at(day * 86400 + 2 + rng.uniform(0, 20)), "RT", f"v{day}", "", "", "")
            )
    load(case, tmp_path, rows)
    found = Coordination(kinds=("share",), window=60).fit(case)
    assert not set(found.accounts_.column("account_id").to_pylist()) & set(fans)


@pytest.mark.parametrize("step_ms", [0, 5_000])
def test_several_objects_of_one_moment_are_one_coincidence(step_ms: int) -> None:
    """Five hashtags of one post, or five posts of a burst within the window (a bot posting a feed's new
    headlines), are one moment, not five independent coincidences: only one of them (the widest span) keeps
    its timing; the others span the whole order, so their timing factor is 1."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA w")
    con.execute(
        "CREATE TABLE acts AS SELECT * FROM (VALUES "
        + ", ".join(f"(1, {oid}, {1000 + step_ms * oid}, 1, {7 + oid * (step_ms > 0)})" for oid in range(5))
        + ", "
        + ", ".join(
            f"({a}, {oid}, {1000 + 90_000 * a * (oid + 1)}, 1, {a})" for a in range(2, 6) for oid in range(5)
        )
        + ") t(account, oid, t_ms, source_id, record_no)"
    )
    con.execute(
        "CREATE TABLE w.occasions AS SELECT DISTINCT account, oid, t_ms // 86400000 AS ep, 0 AS day, "
        "4 AS others FROM acts"
    )
    _create_timing(DuckDBExecutor(con), "acts", "w", 86_400_000, [60_000])
    spans = con.execute("SELECT lo0, hi0 FROM w.occasions WHERE account = 1 ORDER BY oid").fetchall()
    assert sum(1 for lo, hi in spans if (lo, hi) != (0.0, 1.0)) == 1
    assert len(spans) == 5


def test_timing_is_counted_for_posts_accounts_and_links_by_default() -> None:
    default = Coordination()
    assert [k for k in ("share", "reply", "mention", "link") if default._timed(k)] == list(TIMED_KINDS)
    assert not any(default._timed(k) for k in ("text", "near_text", "hashtag", "hashtag_set", "column:x"))
    assert Coordination(timing=True)._timed("near_text") and not Coordination(timing=False)._timed("share")
    assert Coordination(timing=("hashtag",))._timed("hashtag")
