"""The coordination engine's defaults: several windows, a correction per kind, and cases without a crowd."""

from __future__ import annotations

from math import log
from pathlib import Path

import numpy as np
import pytest

from test_coordination import at, load
from unmask.case import Case
from unmask.coordination import Coordination, KindRun
from unmask.coordination.detector import DEFAULT_WINDOWS, MIN_BASELINE_ACCOUNTS
from unmask.coordination.null import THETAS, benjamini_hochberg, chernoff_p_values
from unmask.coordination.pairs import MAX_BURST_ACTIONS
from unmask.demo import _planted_accounts, generate_posts, write_posts_csv
from unmask.errors import OptionError
from unmask.ingest import import_files


def test_defaults_find_the_demo_network_and_nobody_else(case: Case, tmp_path: Path) -> None:
    # All kinds, default windows: before, the automatic window (76,094 s, capped at 600 s) and one correction
    # pooled over every kind's pairs found nothing in the demo.
    import_files(case, "posts-csv", [write_posts_csv(generate_posts(7), tmp_path / "posts.csv")])
    found = Coordination().fit(case)
    assert found.windows_ == DEFAULT_WINDOWS and found.window_ == 60
    assert found.tested_ and found.no_baseline_ is None
    assert set(found.accounts_.column("account_id").to_pylist()) == _planted_accounts(7)
    [network] = found.networks_
    assert network["size"] == 12 and network["kinds"] == ["share"]
    # Each edge says at which window it did best; the tightest bursts of the demo are within 40 s.
    assert set(found.edges_.column("window_s").to_pylist()) <= {10.0, 60.0}


def test_a_kind_with_many_pairs_does_not_dilute_another() -> None:
    found = Coordination(kinds=("share", "hashtag"), window=60)
    found.runs_ = [KindRun("share", pairs=100, window_pairs=[100]), KindRun("hashtag", pairs=10**6)]
    found.runs_[1].window_pairs = [10**6]
    p = np.array([[1e-4], [2e-4], [0.5], [1e-4]])
    kinds = np.array(["share", "share", "share", "hashtag"])
    q = found._q_values(kinds, p)
    # The share edges are corrected over share's 100 pairs only, as if hashtag were not there ...
    assert np.allclose(q[:3], benjamini_hochberg(p[:3, 0], m=100))
    # ... while pooled over 1,000,100 pairs they would all be lost.
    assert (benjamini_hochberg(p[:, 0], m=1_000_100)[:2] > 0.01).all() and (q[:2] <= 0.01).all()
    assert np.isclose(q[3], benjamini_hochberg(p[3:, 0], m=10**6)[0])


def test_windows_are_corrected_for_their_number() -> None:
    found = Coordination(kinds=("share",))
    found.runs_ = [KindRun("share", pairs=50, window_pairs=[10, 20, 50])]
    # One edge strong at 10 s only, one at 300 s only; p = 1 where a pair shared under two occasions.
    p = np.array([[1e-5, 1e-5, 1.0], [1.0, 1.0, 1e-5]])
    q = found._q_values(np.array(["share", "share"]), p)
    # Each window's family holds the pairs that co-acted within it (m = 10 at 10 s, 50 at 300 s), times 3.
    assert np.allclose(q, [3 * 1e-5 * 10, 3 * 1e-5 * 50])


def bursts(n_accounts: int, crowd: int = 0, days: int = 6) -> list[tuple]:
    """``n_accounts`` that reshare the same post within seconds once a day, and ``crowd`` others that each
    reshare something of their own."""
    rows = []
    for day in range(days):
        base = day * 86400 + 3600
        rows.append((f"o{day}", "author", at(base), f"news {day}", "", "", "", ""))
        for i in range(n_accounts):
            rows.append((f"r{day}-{i}", f"op{i}", at(base + 3 + i), "RT", f"o{day}", "", "", ""))
        for i in range(crowd):
            rows.append((f"c{day}-{i}", f"user{i}", at(base + 900 + 7 * i), "RT", f"x{day}-{i}", "", "", ""))
    return rows


def test_an_export_of_the_operation_alone_is_reported_untested(case: Case, tmp_path: Path) -> None:
    # Eight accounts (and the author of what they share), nobody else: no crowd to measure chance against.
    load(case, tmp_path, bursts(8))
    found = Coordination().fit(case)
    assert not found.tested_ and found.baseline_accounts_ == 9
    assert found.no_baseline_ is not None and "9 accounts" in found.no_baseline_
    assert str(MIN_BASELINE_ACCOUNTS) in found.no_baseline_
    [network] = found.networks_
    assert network["accounts"] == [f"op{i}" for i in range(8)]
    edges = found.edges_.to_pylist()
    assert edges and all(e["q_value"] is None and e["p_value"] is None for e in edges)
    episodes = [(e["episodes"], e["weight"]) for e in edges]
    assert episodes == sorted(episodes, reverse=True) and episodes[0][0] == 6


def test_untested_networks_are_ranked_by_episodes(case: Case, tmp_path: Path) -> None:
    rows = bursts(4, days=2)
    rows += [(f"s{d}", "author", at(d * 86400 + 7200), "x", "", "", "", "") for d in range(5)]
    rows += [
        (f"t{d}-{i}", f"b{i}", at(d * 86400 + 7201 + i), "RT", f"s{d}", "", "", "")
        for d in range(5)
        for i in range(3)
    ]
    load(case, tmp_path, rows)
    found = Coordination(kinds=("share",)).fit(case)
    assert not found.tested_
    # The smaller group co-acted on five occasions, the larger on two: the smaller comes first.
    assert [n["accounts"] for n in found.networks_] == [["b0", "b1", "b2"], ["op0", "op1", "op2", "op3"]]
    assert [n["network_id"] for n in found.networks_] == [0, 1]
    table = found.accounts_.to_pydict()
    ids = dict(zip(table["account_id"], table["network_id"], strict=True))
    assert ids["b0"] == 0 and ids["op0"] == 1


def test_a_crowd_is_a_baseline_and_no_null_is_not_no_baseline(case: Case, tmp_path: Path) -> None:
    load(case, tmp_path, bursts(8, crowd=MIN_BASELINE_ACCOUNTS))
    found = Coordination(kinds=("share",)).fit(case)
    assert found.tested_ and found.no_baseline_ is None
    raw = Coordination(kinds=("share",), null=False).fit(case)
    assert not raw.tested_ and raw.no_baseline_ is None


def test_window_forms() -> None:
    assert Coordination(window="60,10, 300")._given_windows() == (10.0, 60.0, 300.0)
    assert Coordination(window=[30, 30])._given_windows() == (30.0,)
    assert Coordination(window=45)._given_windows() == (45.0,)
    assert Coordination(window="auto")._given_windows() is None
    for bad in ("10,soon", [], [-1], "inf"):
        with pytest.raises(OptionError, match="--window"):
            Coordination(window=bad).check_params()


def test_chernoff_bound_is_tight_where_chance_is_high() -> None:
    # Twenty occasions each joined by chance with p = 0.45, all shared: exactly 0.45^20 = 1.2e-7. With θ < 1
    # only, the bound was 0.45^20 × 1.55^20 = 8e-4: a sparse kind the group dominates could not be tested.
    p = np.full(20, 0.45)
    g = np.array([[np.log(1 - p + p ** (1 - th)).sum() for th in THETAS]])
    bound = chernoff_p_values(np.array([20 * -log(0.45)]), g)[0]
    assert 0.45**20 <= bound < 2 * 0.45**20


def test_the_cli_default_windows_are_the_engine_s() -> None:
    from unmask import cli

    assert tuple(float(w) for w in cli.DEFAULT_WINDOWS.split(",")) == DEFAULT_WINDOWS
    assert cli.MAX_BURST_ACTIONS == MAX_BURST_ACTIONS


def test_a_case_where_no_pair_meets_twice_finds_nothing_without_failing(case: Case, tmp_path: Path) -> None:
    # Each pair co-acts once at most: nothing is tested, and the correction has nothing to correct.
    rows = [(f"o{i}", "source", at(i * 1000), f"original {i}", "", "", "", "") for i in range(60)]
    rows += [(f"r{i}", f"user{i:02d}", at(i * 1000 + 5), "RT", f"o{i}", "", "", "") for i in range(60)]
    rows += [
        (f"s{i}", f"user{(i + 1) % 60:02d}", at(i * 1000 + 9), "RT", f"o{i}", "", "", "") for i in range(60)
    ]
    load(case, tmp_path, rows)
    found = Coordination(kinds=("share",)).fit(case)
    assert found.tested_ and found.runs_[0].pairs > 0 and found.runs_[0].edges == 0
    assert found.networks_ == [] and found.account_scores_.num_rows == 0
