"""The pure helpers of ``bench/coordination_real.py``: adjusted Rand index, purity, CooRTweet reference."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import duckdb
import pytest


def _load() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "bench" / "coordination_real.py"
    sys.path.insert(0, str(path.parent))  # its sibling module peak.py
    spec = importlib.util.spec_from_file_location("coordination_real", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["coordination_real"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


real = _load()


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([0, 0, 1, 1], [0, 0, 1, 1], 1.0),
        ([0, 0, 1, 1], ["y", "y", "x", "x"], 1.0),  # label names do not matter
        ([0, 0, 1, 2], [0, 0, 1, 1], 0.5714285714285715),  # sklearn's documented example
        ([0, 0, 0, 0], [0, 1, 2, 3], 0.0),
        ([0, 0, 1, 1], [0, 1, 0, 1], -0.5),
        ([5, 5, 5], ["a", "a", "a"], 1.0),  # both trivial in the same way
    ],
)
def test_adjusted_rand_index(a: list, b: list, expected: float) -> None:
    assert real.adjusted_rand_index(a, b) == pytest.approx(expected)


def test_adjusted_rand_index_of_nothing_is_undefined() -> None:
    assert real.adjusted_rand_index([], []) is None
    with pytest.raises(ValueError):
        real.adjusted_rand_index([1], [1, 2])


def test_purity_per_network_and_category() -> None:
    membership = {"a": 0, "b": 0, "c": 0, "d": 1, "e": 1, "x": 1}
    category = {"a": "R", "b": "R", "c": "L", "d": "L", "e": "H"}  # x has no category
    pure = real.purity(membership, category)
    assert pure["networks"][0] == {"majority": "R", "majority_share": 0.6667, "categories": {"R": 2, "L": 1}}
    assert pure["networks"][1]["majority"] == "H"  # a tie goes to the label that sorts first
    assert pure["categories"]["L"] == {"flagged": 2, "in_own_majority_network": 0, "share": 0.0}
    assert pure["categories"]["R"]["share"] == 1.0
    assert pure["overall"] == pytest.approx(3 / 5, abs=1e-4)


def test_coortweet_reference_follows_the_r_code(tmp_path: Path) -> None:
    # u1 and u2 co-share o1 and o2 within 10 s (weight 2); u3 co-shares o1 with u1 once but within 10 s;
    # u4 shares o2 only 30 s later; u5 has one share in all (dropped by min_participation).
    rows = [
        ("o1", "u1", "c1", 100),
        ("o1", "u2", "c2", 105),
        ("o1", "u3", "c3", 108),
        ("o2", "u1", "c4", 200),
        ("o2", "u2", "c5", 201),
        ("o2", "u4", "c6", 231),
        ("o3", "u3", "c7", 300),
        ("o3", "u5", "c8", 300),
        ("o4", "u4", "c9", 400),
    ]
    path = tmp_path / "shares.csv"
    header = "object_id,account_id,content_id,timestamp_share\n"
    path.write_text(header + "".join(f"{o},{a},{c},{t}\n" for o, a, c, t in rows))
    ref = real.coortweet_reference(duckdb.connect(), path, time_window=10, min_participation=2)
    assert ref["graph_edges"] == 3  # u1-u2 (2), u1-u3 (1), u2-u3 (1)
    assert ref["graph_accounts"] == {"u1", "u2", "u3"}
    assert ref["weight_threshold"] == 1.0
    assert ref["subgraph_accounts"] == {"u1", "u2"}


def test_jaccard() -> None:
    assert real.jaccard({1, 2}, {2, 3}) == pytest.approx(1 / 3, abs=1e-4)
    assert real.jaccard(set(), set()) is None
