"""Tests for the synthetic benchmark generator ``bench/planted.py``.

The generator is the judge of unmask's detectors, so these tests deliberately do not import
``unmask``; the module is loaded from its file path.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path
from types import ModuleType
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

N_POSTS = 20_000
SEED = 7
N_GROUPS = 10  # >= 7 so that every kind occurs


def _load() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "bench" / "planted.py"
    spec = importlib.util.spec_from_file_location("bench_planted", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


planted = _load()


@pytest.fixture(scope="module")
def run() -> Any:
    return planted.generate_all(N_POSTS, SEED, N_GROUPS)


@pytest.fixture(scope="module")
def control() -> Any:
    return planted.generate_all(N_POSTS, SEED, N_GROUPS, control=True)


def _rows(table: pa.Table) -> list[dict[str, Any]]:
    return table.to_pylist()


def _organic_key(row: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> tuple[Any, ...]:
    """Content of a post independent of post-id numbering."""

    def ref(pid: str | None) -> tuple[Any, ...] | None:
        if pid is None:
            return None
        r = by_id[pid]
        return (r["account_id"], r["created_at"], r["text"])

    return (
        row["account_id"],
        row["created_at"],
        row["text"],
        row["urls"],
        row["hashtags"],
        row["mentions"],
        ref(row["shared_post_id"]),
        ref(row["reply_to_post_id"]),
    )


# --------------------------------------------------------------------------- determinism


def test_deterministic_for_a_seed(run: Any) -> None:
    posts, truth, meta = planted.generate(N_POSTS, SEED, N_GROUPS)
    assert posts.equals(run.posts)
    assert truth.equals(run.truth)
    strip = {k: v for k, v in meta.items() if k != "seconds"}
    assert strip == {k: v for k, v in run.meta.items() if k != "seconds"}


def test_other_seed_differs(run: Any) -> None:
    posts, truth, _ = planted.generate(N_POSTS, SEED + 1, N_GROUPS)
    assert not posts.equals(run.posts)
    assert set(truth["account_id"].to_pylist()) != set(run.truth["account_id"].to_pylist())


# --------------------------------------------------------------------------- schema


def test_posts_schema_and_ids(run: Any) -> None:
    posts = run.posts
    assert posts.schema.equals(planted.POSTS_SCHEMA)
    assert posts.column_names == [
        "post_id",
        "account_id",
        "created_at",
        "text",
        "shared_post_id",
        "reply_to_post_id",
        "urls",
        "hashtags",
        "mentions",
    ]
    for name in ("post_id", "account_id", "created_at", "text", "urls", "hashtags", "mentions"):
        assert posts[name].null_count == 0, name
    ids = posts["post_id"].to_pylist()
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"p_\d{7,}", i) for i in ids)
    assert ids == sorted(ids)  # zero-padded, increasing with time
    assert all(re.fullmatch(r"acct_\d{6,}", a) for a in set(posts["account_id"].to_pylist()))
    ts = posts["created_at"].cast(pa.int64()).to_numpy()
    assert (ts[1:] >= ts[:-1]).all()
    start = planted._parse_start("2024-03-01T00:00:00Z")
    assert ts.min() >= start and ts.max() < start + 30 * 86400
    # organic crowd has roughly n_posts posts plus the planted ones
    assert abs(run.meta["counts"]["organic_posts"] - N_POSTS) < 0.05 * N_POSTS


def test_references_and_entities(run: Any) -> None:
    rows = _rows(run.posts)
    by_id = {r["post_id"]: r for r in rows}
    n_rt = n_reply = 0
    for r in rows:
        assert "#" not in r["hashtags"] and "@" not in r["mentions"]
        assert r["shared_post_id"] is None or r["reply_to_post_id"] is None
        for tag in r["hashtags"].split():
            assert "#" + tag in r["text"]
        for url in r["urls"].split():
            assert url.startswith(("http://", "https://")) and url in r["text"]
        if r["shared_post_id"] is not None:
            n_rt += 1
            orig = by_id[r["shared_post_id"]]
            assert orig["shared_post_id"] is None
            assert orig["created_at"] < r["created_at"]
            assert r["text"] == f"RT @{orig['account_id']}: {orig['text']}"
            assert r["urls"] == orig["urls"] and r["hashtags"] == orig["hashtags"]
            assert r["mentions"].split()[0] == orig["account_id"]
        if r["reply_to_post_id"] is not None:
            n_reply += 1
            target = by_id[r["reply_to_post_id"]]
            assert target["created_at"] < r["created_at"]
            assert r["text"].startswith(f"@{target['account_id']} ")
            assert target["account_id"] in r["mentions"].split()
    assert n_rt > 0.3 * len(rows) and n_reply > 0.1 * len(rows)


def test_organic_realism(control: Any) -> None:
    posts = control.posts
    per_account = Counter(posts["account_id"].to_pylist())
    counts = sorted(per_account.values())
    assert counts[len(counts) // 2] <= 10 < counts[-1] // 10  # heavy tail
    shares = Counter(x for x in posts["shared_post_id"].to_pylist() if x is not None)
    assert shares.most_common(1)[0][1] >= 100  # a viral cascade
    texts = Counter(
        t
        for t, s in zip(posts["text"].to_pylist(), posts["shared_post_id"].to_pylist(), strict=True)
        if s is None
    )
    assert texts.most_common(1)[0][1] >= 20  # organic identical texts (headlines, stock phrases)
    assert any("utm_" in u for u in posts["urls"].to_pylist())


# --------------------------------------------------------------------------- ground truth


def test_truth_consistency(run: Any) -> None:
    truth, posts, pp, meta = run.truth, run.posts, run.planted_posts, run.meta
    assert truth.schema.equals(planted.TRUTH_SCHEMA)
    assert pp.schema.equals(planted.PLANTED_POSTS_SCHEMA)
    t_rows = _rows(truth)
    members: dict[str, set[str]] = defaultdict(set)
    for r in t_rows:
        members[r["group_id"]].add(r["account_id"])
        assert r["kind"] in planted.KINDS and r["target_popularity"] in planted.POPULARITIES
        assert 4 <= r["size"] <= 60 and 1 <= r["jitter_s"] <= 300 and 0.5 <= r["participation"] <= 1
    assert len({r["account_id"] for r in t_rows}) == len(t_rows)  # groups are disjoint
    for r in t_rows:
        assert r["size"] == len(members[r["group_id"]])
    assert {r["kind"] for r in t_rows} == set(planted.KINDS)
    assert len(members) == N_GROUPS == meta["counts"]["groups"] == len(meta["groups"])
    assert meta["counts"]["planted_accounts"] == len(t_rows)
    assert meta["counts"]["planted_posts"] == pp.num_rows > 0
    assert meta["counts"]["posts"] == posts.num_rows
    assert sum(meta["counts"]["groups_by_kind"].values()) == N_GROUPS
    # planted accounts also post organically and come from the whole id space
    planted_ids = set(pp["post_id"].to_pylist())
    organic_authors = {
        a
        for a, p in zip(posts["account_id"].to_pylist(), posts["post_id"].to_pylist(), strict=True)
        if p not in planted_ids
    }
    in_truth = {r["account_id"] for r in t_rows}
    assert len(in_truth & organic_authors) == len(in_truth)
    nums = sorted(int(a.split("_")[1]) for a in in_truth)
    assert nums[-1] - nums[0] > 0.5 * meta["counts"]["account_space"]
    # every planted post is by a member of its group
    gid_of = {r["account_id"]: r["group_id"] for r in t_rows}
    for r in _rows(pp):
        assert gid_of[r["account_id"]] == r["group_id"]


def test_planted_actions_match_their_kind(run: Any) -> None:
    groups = {g["group_id"]: g for g in run.meta["groups"]}
    by_id = {r["post_id"]: r for r in _rows(run.posts)}
    actions: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for r in _rows(run.planted_posts):
        actions[(r["group_id"], r["action"])].append(by_id[r["post_id"]])
    jaccard: list[float] = []
    for (gid, _), posts in actions.items():
        g = groups[gid]
        ts = [p["created_at"].timestamp() for p in posts]
        assert max(ts) - min(ts) <= g["jitter_s"]
        if len(posts) < 2:
            continue
        kind = g["kind"]
        common_mentions = set.intersection(*(set(p["mentions"].split()) for p in posts))
        if kind == "co_share":
            assert len({p["shared_post_id"] for p in posts}) == 1 and posts[0]["shared_post_id"]
        elif kind == "co_reply":
            assert len({p["reply_to_post_id"] for p in posts}) == 1 and posts[0]["reply_to_post_id"]
        elif kind == "co_text":
            assert len({p["text"] for p in posts}) == 1
        elif kind == "co_hashtag":
            assert len({p["hashtags"] for p in posts}) == 1 and posts[0]["hashtags"]
        elif kind == "co_mention":
            assert common_mentions
        elif kind == "co_link":
            canon = {re.sub(r"^https?://(www\.)?", "", p["urls"]).split("?")[0].rstrip("/") for p in posts}
            assert len(canon) == 1 and posts[0]["urls"]
        elif kind == "near_text":
            sets = [set(p["text"].split()) for p in posts]
            jaccard += [len(a & b) / len(a | b) for a, b in itertools.combinations(sets, 2)]
    assert jaccard
    jaccard.sort()
    median = jaccard[len(jaccard) // 2]
    assert 0.55 <= median <= 0.9


def test_groups_cover_every_popularity() -> None:
    _, truth, meta = planted.generate(N_POSTS, 3, 21, group_size=(4, 8), n_actions=(5, 8))
    combos = {(g["kind"], g["target_popularity"]) for g in meta["groups"]}
    assert len(combos) == 21  # every kind x popularity
    assert truth.num_rows == sum(g["size"] for g in meta["groups"])


# --------------------------------------------------------------------------- control


def test_control_has_no_planted_accounts(run: Any, control: Any) -> None:
    assert control.truth.num_rows == 0
    assert control.truth.schema.equals(planted.TRUTH_SCHEMA)
    assert control.planted_posts.num_rows == 0
    counts = control.meta["counts"]
    assert counts["planted_accounts"] == counts["planted_posts"] == counts["groups"] == 0
    assert counts["groups_by_kind"] == {}
    assert counts["posts"] == counts["organic_posts"] == control.posts.num_rows
    # the control run is exactly the organic part of the same-seed planted run: none of the
    # coordinated posts is in it
    planted_ids = set(run.planted_posts["post_id"].to_pylist())
    run_rows = _rows(run.posts)
    run_by_id = {r["post_id"]: r for r in run_rows}
    ctl_rows = _rows(control.posts)
    ctl_by_id = {r["post_id"]: r for r in ctl_rows}
    organic = Counter(_organic_key(r, run_by_id) for r in run_rows if r["post_id"] not in planted_ids)
    coordinated = Counter(_organic_key(r, run_by_id) for r in run_rows if r["post_id"] in planted_ids)
    ctl = Counter(_organic_key(r, ctl_by_id) for r in ctl_rows)
    assert ctl == organic
    assert not (set(coordinated) & set(ctl))


# --------------------------------------------------------------------------- output / CLI


def test_write_parquet_and_csv(run: Any, tmp_path: Path) -> None:
    planted.write(tmp_path, run, csv=True)
    # Parquet has no second-resolution timestamps: created_at comes back as ms, same instants
    assert pq.read_table(tmp_path / "posts.parquet").cast(planted.POSTS_SCHEMA).equals(run.posts)
    assert pq.read_table(tmp_path / "truth.parquet").equals(run.truth)
    assert pq.read_table(tmp_path / "planted_posts.parquet").num_rows == run.planted_posts.num_rows
    opts = pacsv.ConvertOptions(column_types={c: pa.string() for c in run.posts.column_names})
    csv = pacsv.read_csv(tmp_path / "posts.csv", convert_options=opts)
    assert csv.column_names == run.posts.column_names
    assert csv.num_rows == run.posts.num_rows
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", s) for s in csv["created_at"].to_pylist())
    assert csv["post_id"].equals(run.posts["post_id"])
    assert pacsv.read_csv(tmp_path / "truth.csv").num_rows == run.truth.num_rows
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta["params"]["seed"] == SEED and meta["counts"]["posts"] == run.posts.num_rows


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli"
    assert planted.main(["--posts", "5000", "--seed", "2", "--groups", "3", "--out", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["groups"] == 3 and summary["posts"] == pq.read_table(out / "posts.parquet").num_rows
    assert summary["planted_accounts"] == pq.read_table(out / "truth.parquet").num_rows > 0
    assert not (out / "posts.csv").exists()
    assert planted.main(["--posts", "5000", "--seed", "2", "--out", str(out), "--control", "--csv"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["planted_accounts"] == 0 and summary["groups"] == 0
    assert (out / "posts.csv").exists()


def test_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError):
        planted.generate(N_POSTS, 1, 2, kinds=("co_nothing",))
    with pytest.raises(ValueError):
        planted.generate(N_POSTS, 1, 2, participation=(0.0, 1.0))
    with pytest.raises(ValueError):
        planted.generate(100, 1, 2)
    assert pc.sum(pc.equal(planted.generate(N_POSTS, 1, 2, kinds=("co-text",))[1]["kind"], "co_text")).as_py()
