"""The coordination engine on small hand-made cases whose expected edges are written out."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from math import comb, log
from pathlib import Path

import networkx as nx
import numpy as np
import pyarrow.parquet as pq
import pytest

from unmask.case import Case
from unmask.coordination import Coordination, network_findings, write_outputs
from unmask.coordination.actions import parse_kinds
from unmask.coordination.nearduplicates import lsh_bands, plausible_pairs, similar_docs
from unmask.coordination.null import THETAS, benjamini_hochberg, chernoff_p_sql, chernoff_p_values
from unmask.coordination.window import estimate_window, time_resolution
from unmask.errors import OptionError, OutputError
from unmask.ingest import import_files
from unmask.outfiles import xml_safe

T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
HEADER = "post_id,account_id,created_at,text,shared_post_id,reply_to_post_id,urls,hashtags\n"


def at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def load(case: Case, tmp_path: Path, rows: list[tuple], name: str = "p.csv") -> None:
    lines = [HEADER] + [",".join(f'"{v}"' for v in row) + "\n" for row in rows]
    path = tmp_path / name
    path.write_text("".join(lines), encoding="utf-8")
    import_files(case, "posts-csv", [path])


def raw_edges(case: Case, kinds: str, window: float, **kw) -> set[tuple]:
    found = Coordination(kinds=parse_kinds(kinds), window=window, null=False, min_network_size=2, **kw).fit(
        case
    )
    return {(r["account_a"], r["account_b"], r["kind"], r["weight"]) for r in found.edges_.to_pylist()}


# -- a hand-checked example --------------------------------------------------------------------------------

HAND = [
    # post, account, time, text, shared, reply, urls, hashtags
    ("o1", "zed", at(0), "original one", "", "", "", ""),
    ("o2", "zed", at(500), "original two", "", "", "", ""),
    ("r1", "ann", at(10), "RT", "o1", "", "", ""),
    ("r2", "bob", at(12), "RT", "o1", "", "", ""),
    ("r3", "cat", at(75), "RT", "o1", "", "", ""),  # 63 s after bob, 65 after ann
    ("r4", "ann", at(510), "RT", "o2", "", "", ""),
    ("r5", "bob", at(510), "RT", "o2", "", "", ""),  # the same second
    ("l1", "ann", at(1000), "see", "", "", "https://WWW.Site.example/a?utm_source=x", ""),
    ("l2", "cat", at(1030), "see", "", "", "http://site.example/a/", ""),  # same link key
    ("l3", "dan", at(1031), "retweeted links never count", "o1", "", "https://site.example/a", ""),
    ("t1", "bob", at(2000), "Vote @Someone now", "", "", "", ""),
    ("t2", "dan", at(2060), "vote   now", "", "", "", ""),  # exactly 60 s: inside the window
    ("t3", "ann", at(2061), "VOTE NOW", "", "", "", ""),  # 61 s after bob: outside; 1 s after dan
    ("h1", "ann", at(3000), "x", "", "", "", "one two"),
    ("h2", "bob", at(3005), "y", "", "", "", "one two"),
    ("h3", "cat", at(3010), "z", "", "", "", "two one"),
    ("p1", "ann", at(4000), "agree", "", "o1", "", ""),
    ("p2", "cat", at(4020), "agree!", "", "o1", "", ""),
    ("p3", "dan", at(4100), "no", "", "o1", "", ""),  # 80 s after cat: outside
    ("m1", "dan", at(5000), "hey @Zed look", "", "", "", ""),
    ("m2", "bob", at(5030), "@zed hi", "", "", "", ""),  # mentions are case-insensitive
]


def test_hand_checked_edges(case: Case, tmp_path: Path) -> None:
    load(case, tmp_path, HAND)
    assert raw_edges(case, "share", 60) == {("ann", "bob", "share", 2)}
    assert raw_edges(case, "share", 65) == {
        ("ann", "bob", "share", 2),
        ("ann", "cat", "share", 1),
        ("bob", "cat", "share", 1),
    }
    assert raw_edges(case, "link", 60) == {("ann", "cat", "link", 1)}
    # "see" twice (l1, l2), and "vote now" three times (t1, t2, t3)
    assert raw_edges(case, "text", 60) == {
        ("ann", "cat", "text", 1),
        ("bob", "dan", "text", 1),
        ("ann", "dan", "text", 1),
    }
    assert raw_edges(case, "hashtag", 10) == {
        ("ann", "bob", "hashtag", 2),
        ("ann", "cat", "hashtag", 2),
        ("bob", "cat", "hashtag", 2),
    }
    assert raw_edges(case, "hashtag_set", 10) == {("ann", "bob", "hashtag_set", 1)}  # order matters
    assert raw_edges(case, "reply", 60) == {("ann", "cat", "reply", 1)}
    assert raw_edges(case, "mention", 60) == {("bob", "dan", "mention", 1)}


def test_window_zero_is_the_same_second(case: Case, tmp_path: Path) -> None:
    load(case, tmp_path, HAND)
    assert raw_edges(case, "share", 0) == {("ann", "bob", "share", 1)}


def test_input_order_and_time_zones_do_not_matter(case: Case, tmp_path: Path) -> None:
    shuffled = list(reversed(HAND))
    # The same instants written in another zone.
    shuffled = [
        (
            p,
            a,
            (
                datetime.fromisoformat(t.replace("Z", "+00:00")).astimezone(
                    __import__("zoneinfo").ZoneInfo("Asia/Kolkata")
                )
            ).isoformat(),
            *rest,
        )
        for p, a, t, *rest in shuffled
    ]
    load(case, tmp_path, shuffled)
    assert raw_edges(case, "share", 60) == {("ann", "bob", "share", 2)}
    assert raw_edges(case, "text", 60) == {
        ("ann", "cat", "text", 1),
        ("bob", "dan", "text", 1),
        ("ann", "dan", "text", 1),
    }


def test_empty_and_single_account_cases(case: Case, tmp_path: Path) -> None:
    found = Coordination(window=60).fit(case)
    assert found.networks_ == [] and found.accounts_.num_rows == 0
    load(
        case,
        tmp_path,
        [("p1", "solo", at(0), "hi #x", "", "", "", "x"), ("p2", "solo", at(1), "hi #x", "", "", "", "x")],
    )
    found = Coordination(window=60).fit(case)
    assert found.edges_.num_rows == 0 and found.networks_ == []


def test_column_kind(case: Case, tmp_path: Path) -> None:
    load(case, tmp_path, HAND)
    # Any posts column: a list column is unnested, as the hashtag kind does.
    assert raw_edges(case, "column:hashtags", 10) == {
        ("ann", "bob", "column:hashtags", 2),
        ("ann", "cat", "column:hashtags", 2),
        ("bob", "cat", "column:hashtags", 2),
    }
    # Raw column values are not link keys: http://site.example/a/ is another value than https://site.example/a
    assert raw_edges(case, "column:urls", 60) == set()
    with pytest.raises(OptionError, match="no column 'nope'"):
        Coordination(kinds=("column:nope",), window=60).fit(case)


def test_bad_options() -> None:
    with pytest.raises(OptionError, match="unknown kind"):
        parse_kinds("share,likes")
    with pytest.raises(OptionError, match="seconds"):
        Coordination(window="soon").fit(None)  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="near-text-threshold"):
        Coordination(near_text_threshold=1.5).fit(None)  # type: ignore[arg-type]


def test_near_text_finds_edited_copies(case: Case, tmp_path: Path) -> None:
    base = "the council hides the real cost of the new bridge from every family in town"
    load(
        case,
        tmp_path,
        [
            ("a", "ann", at(0), base, "", "", "", ""),
            ("b", "bob", at(20), base.replace("real", "true"), "", "", "", ""),
            (
                "c",
                "cat",
                at(40),
                "completely different words about lunch menus and weather today",
                "",
                "",
                "",
                "",
            ),
        ],
    )
    edges = raw_edges(case, "near_text", 60, near_text_threshold=0.8)
    assert edges == {("ann", "bob", "near_text", 1)}


def test_near_text_link_boilerplate_is_not_words(case: Case, tmp_path: Path) -> None:
    # With the scheme and host as words, {https, t, co, abc1} and {https, t, co, xyz9} have Jaccard 0.6.
    rows = [
        ("a", "ann", at(0), "https://t.co/abc1", "", "", "", ""),
        ("b", "bob", at(5), "https://t.co/xyz9", "", "", "", ""),
        ("c", "cat", at(9), "vote now https://site.example/a", "", "", "", ""),
        ("d", "dan", at(12), "vote now http://www.site.example/a", "", "", "", ""),
    ]
    load(case, tmp_path, rows)
    assert raw_edges(case, "near_text", 60) == {("cat", "dan", "near_text", 1)}


def test_near_text_bounds_oversized_buckets(case: Case, tmp_path: Path) -> None:
    base = "one two three four five six seven eight nine ten"
    rows = [(f"p{i}", f"acct{i}", at(i), f"{base} extra{i}", "", "", "", "") for i in range(6)]
    load(case, tmp_path, rows)
    with case.scratch("unmask_work"):
        from unmask.coordination.detector import _POSTS, _posts_view

        _posts_view(case)
        docs, similar, _ = similar_docs(case.con, _POSTS, threshold=0.6, min_tokens=1)
        assert (docs, similar) == (6, 15)
        # Buckets larger than max_bucket are linked as a star and a chain, not paired: still all similar.
        docs, similar, counts = similar_docs(case.con, _POSTS, threshold=0.6, min_tokens=1, max_bucket=1)
        assert similar >= 5 and counts.buckets > 0 and counts.candidates >= 5


# -- the null model ---------------------------------------------------------------------------------------


def test_chernoff_bound_is_valid_and_useful() -> None:
    # Ten occasions, each joined by chance with p = 0.01; five of them shared: T = 5 ln 100.
    p = np.full(10, 0.01)
    g = np.array([[np.log(1 - p + p ** (1 - th)).sum() for th in THETAS]])
    bound = chernoff_p_values(np.array([5 * log(100)]), g)[0]
    exact = sum(comb(10, k) * 0.01**k * 0.99 ** (10 - k) for k in range(5, 11))
    assert exact <= bound < 1e-4
    # Nothing shared: no evidence.
    assert chernoff_p_values(np.array([0.0]), g)[0] == 1.0


def test_chernoff_p_in_sql_is_the_numpy_one(case: Case) -> None:
    rng = np.random.default_rng(5)
    t = rng.uniform(0, 40, 200)
    g = rng.uniform(0, 5, (200, len(THETAS)))
    case.con.execute(
        "CREATE TEMP TABLE s (t DOUBLE, " + ", ".join(f"g{i} DOUBLE" for i in range(len(THETAS))) + ")"
    )
    marks = ", ".join("?" * (1 + len(THETAS)))
    case.con.executemany(f"INSERT INTO s VALUES ({marks})", np.column_stack([t, g]).tolist())
    in_sql = np.array([r[0] for r in case.con.execute(f"SELECT {chernoff_p_sql()} FROM s").fetchall()])
    assert np.allclose(in_sql, chernoff_p_values(t, g), rtol=1e-12, atol=0)


def test_benjamini_hochberg() -> None:
    q = benjamini_hochberg([0.01, 0.04, 0.03, 0.5])
    assert list(q.round(4)) == [0.04, 0.0533, 0.0533, 0.5]
    assert list(benjamini_hochberg([0.01], m=10)) == [0.1]


def planted_case(case: Case, tmp_path: Path) -> set[str]:
    """An organic crowd with a viral post, plus four accounts that reshare obscure posts within seconds."""
    rows = []
    crowd = [f"user{i:03d}" for i in range(120)]
    group = ["gang_a", "gang_b", "gang_c", "gang_d"]
    n = 0
    for day in range(10):
        base = day * 86400
        # A viral post each day, shared by most of the crowd within minutes.
        rows.append((f"v{day}", "celebrity", at(base), f"viral {day}", "", "", "", ""))
        for i, user in enumerate(crowd):
            if (i + day) % 3:
                n += 1
                rows.append((f"c{n}", user, at(base + 5 + (i * 7) % 300), "RT", f"v{day}", "", "", ""))
        # The group reshares an obscure post within seconds, and also joins the viral crowd.
        rows.append((f"s{day}", "nobody", at(base + 40000), f"obscure {day}", "", "", "", ""))
        for j, member in enumerate(group):
            rows.append((f"g{day}{j}", member, at(base + 40002 + j), "RT", f"s{day}", "", "", ""))
            rows.append((f"gv{day}{j}", member, at(base + 100 + j * 11), "RT", f"v{day}", "", "", ""))
    load(case, tmp_path, rows)
    return set(group)


def test_null_model_separates_the_group_from_the_crowd(case: Case, tmp_path: Path) -> None:
    group = planted_case(case, tmp_path)
    found = Coordination(kinds=("share",), window=60).fit(case)
    assert set(found.accounts_.column("account_id").to_pylist()) == group
    [net] = found.networks_
    assert net["size"] == 4 and net["kinds"] == ["share"]
    # Without the null, the viral crowd is one big "network".
    raw = Coordination(kinds=("share",), window=60, null=False, min_weight=2).fit(case)
    assert raw.accounts_.num_rows > 50


def test_deterministic(case: Case, tmp_path: Path) -> None:
    planted_case(case, tmp_path)
    a = Coordination(kinds=("share", "near_text"), window=60).fit(case)
    b = Coordination(kinds=("share", "near_text"), window=60).fit(case)
    assert a.accounts_.equals(b.accounts_) and a.networks_ == b.networks_


def test_window_estimate(case: Case) -> None:
    case.con.execute(
        "CREATE TEMP TABLE acts AS SELECT 'o' || (i // 5) AS object, "
        "(i // 5) * 100000 + (i % 5) * 1000 AS t_ms FROM range(500) t(i)"
    )
    # Each object: shares at 0..4 s; the third share (3/5 > p = 0.5) comes 2 s after the first.
    assert estimate_window(case.con, "acts") == 2


def test_time_resolution_floors_the_automatic_window(case: Case) -> None:
    case.con.execute("CREATE TEMP TABLE minutes AS SELECT i * 60000 AS t_ms FROM range(10) t(i)")
    case.con.execute("CREATE TEMP TABLE seconds AS SELECT i * 61000 AS t_ms FROM range(10) t(i)")
    assert time_resolution(case.con, "minutes") == 60
    assert time_resolution(case.con, "seconds") == 1


def test_minute_resolution_data_get_a_one_minute_window(case: Case, tmp_path: Path) -> None:
    # Shares 0 or 60 s apart, as a minute-resolution export writes shares 1-59 s apart.
    rows = [(f"o{i}", "zed", at(i * 3600), "x", "", "", "", "") for i in range(20)]
    for i in range(20):
        for j, who in enumerate(("ann", "bob", "cat")):
            rows.append((f"r{i}{who}", who, at(i * 3600 + 60 * (j // 2)), "RT", f"o{i}", "", "", ""))
    load(case, tmp_path, rows)
    found = Coordination(kinds=("share",), window="auto", null=False, min_network_size=2).fit(case)
    assert found.time_resolution_ == 60
    assert found.window_estimate_ < 60 <= found.window_
    # The default windows too: 10 s becomes 60 s, tested once.
    assert Coordination(kinds=("share",)).fit(case).windows_ == (60.0,)
    assert {(r["account_a"], r["account_b"]) for r in found.edges_.to_pylist()} == {
        ("ann", "bob"),
        ("ann", "cat"),
        ("bob", "cat"),
    }


def test_plausible_pairs_drop_only_hopeless_candidates() -> None:
    rng = np.random.default_rng(3)
    sig = rng.integers(0, 2**32, size=(4, 64), dtype=np.uint32)
    sig[1, :40] = sig[0, :40]  # estimate 0.62
    sig[2, :10] = sig[0, :10]  # estimate 0.16
    sizes = np.array([10, 10, 10, 30])
    a, b = np.array([0, 0, 0]), np.array([1, 2, 3])
    # Pair (0, 3) cannot reach 0.6: 10 words against 30.
    assert plausible_pairs(sig, sizes, a, b, 0.6).tolist() == [True, False, False]


def test_lsh_bands_follow_the_threshold() -> None:
    assert lsh_bands(0.8, 64) == (12, 5) and lsh_bands(0.6, 64) == (16, 4)
    assert lsh_bands(0.7, 64) == (16, 4)  # the floor: 0.988 at exactly 0.7
    for t in (0.75, 0.8, 0.9, 0.95):
        bands, rows = lsh_bands(t, 64)
        assert bands * rows <= 64 and 1 - (1 - t**rows) ** bands >= 0.99


# -- outputs ----------------------------------------------------------------------------------------------


def test_outputs_and_findings(case: Case, tmp_path: Path) -> None:
    group = planted_case(case, tmp_path)
    found = Coordination(kinds=("share",), window=60).fit(case)
    paths = write_outputs(found, tmp_path / "out")
    accounts = (tmp_path / "out" / "accounts.csv").read_text().splitlines()
    assert accounts[0] == '"account_id","network_id","score"' and len(accounts) == 5
    edges = pq.read_table(paths["edges.parquet"])
    for col in (
        "account_a",
        "account_b",
        "kind",
        "weight",
        "p_value",
        "q_value",
        "first_time",
        "last_time",
        "median_gap_s",
    ):
        assert col in edges.column_names
    assert all(
        a < b
        for a, b in zip(
            edges.column("account_a").to_pylist(), edges.column("account_b").to_pylist(), strict=True
        )
    )
    nets = json.loads(paths["networks.json"].read_text())
    for key in (
        "network_id",
        "size",
        "accounts",
        "kinds",
        "density",
        "median_gap_s",
        "first_time",
        "last_time",
        "top_objects",
        "score",
    ):
        assert key in nets[0]
    assert "<gexf" in paths["network.gexf"].read_text() and "<graphml" in paths["network.graphml"].read_text()
    [finding] = network_findings(found)
    assert set(finding.subjects) == group and finding.evidence
    assert all(e.source_id == 1 and e.record_no for e in finding.evidence)
    assert "T0049.005" in finding.disarm


@pytest.mark.data
def test_coortweet_russian_retweets_run(case: Case, shared_data: Path) -> None:
    import_files(case, "coortweet", [shared_data / "coordination/coortweet/russian_coord_tweets.csv.gz"])
    found = Coordination(kinds=("share",), window=10).fit(case)
    assert found.window_ == 10 and found.runs_[0].actions == 35_085


def test_cli_coordination(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from unmask.cli import app

    path = tmp_path / "c.duckdb"
    with Case.open(path) as case:
        load(case, tmp_path, HAND)
    runner = CliRunner(env={"COLUMNS": "250"})
    args = ["coordination", "--case", str(path), "--out", str(tmp_path / "out"), "--kinds", "share,text"]
    result = runner.invoke(app, [*args, "--window", "60", "--no-null", "--min-network-size", "2", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    # As in test_hand_checked_edges: share ann-bob; text ann-cat, bob-dan, ann-dan.
    assert summary["window_s"] == 60 and summary["edges"] == 4
    assert {k["kind"]: k["edges"] for k in summary["kinds"]} == {"share": 1, "text": 3}
    assert (tmp_path / "out" / "accounts.csv").is_file() and (tmp_path / "out" / "network.gexf").is_file()
    auto = runner.invoke(app, [*args, "--window", "auto", "--near-text-threshold", "0.9"])
    assert auto.exit_code == 0, auto.output
    assert "estimated from the data" in auto.output and "resolution of 1 s" in auto.output
    default = runner.invoke(app, args)
    assert default.exit_code == 0 and default.output.startswith("windows 10, 60 s;"), default.output
    bad = runner.invoke(app, [*args, "--near-text-threshold", "2"])
    assert bad.exit_code == 2 and "near-text-threshold" in bad.output


def test_outputs_survive_ids_xml_and_spreadsheets_cannot_carry(case: Case, tmp_path: Path) -> None:
    # "a" and "a\x1b" differ only in a control character; "a\\x1b" is what a careless escape makes of it.
    ids = ["a", "a\x1b", "a\x01\x7f", "a\\x1b", "a\ufffe", "</node>", 'q"uote', "=cmd|' /C calc'!A0"]
    path = tmp_path / "hostile.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER.strip().split(","))
        for k in range(3):
            writer.writerow([f"o{k}", "zed", at(k * 3600), "x", "", "", "", ""])
            for i, account in enumerate(ids):
                writer.writerow([f"r{k}-{i}", account, at(k * 3600 + 10 + i), "RT", f"o{k}", "", "", ""])
    import_files(case, "posts-csv", [path])
    found = Coordination(kinds=("share",), window=60, null=False, min_network_size=2).fit(case)
    assert sorted(found.accounts_.column("account_id").to_pylist()) == sorted(ids)
    paths = write_outputs(found, tmp_path / "out")
    assert not [p for p in (tmp_path / "out").iterdir() if ".partial-" in p.name]
    with paths["accounts.csv"].open(encoding="utf-8", newline="") as fh:
        accounts = [r["account_id"] for r in csv.DictReader(fh)]
    assert "'=cmd|' /C calc'!A0" in accounts and "=cmd|' /C calc'!A0" not in accounts
    parquet = pq.read_table(paths["edges.parquet"])  # Parquet keeps values exact
    assert set(parquet.column("account_a").to_pylist() + parquet.column("account_b").to_pylist()) == set(ids)
    with paths["edges.csv"].open(encoding="utf-8", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == len(ids) * (len(ids) - 1) // 2
    [network] = json.loads(paths["networks.json"].read_text(encoding="utf-8"))
    assert sorted(network["accounts"]) == sorted(ids)
    graphml = nx.read_graphml(paths["network.graphml"])
    assert graphml.number_of_nodes() == len(ids)
    assert sorted(graphml.nodes[n]["name"] for n in graphml) == sorted(xml_safe(i) for i in ids)
    gexf = nx.read_gexf(paths["network.gexf"])
    assert sorted(gexf.nodes[n]["label"] for n in gexf) == sorted(xml_safe(i) for i in ids)
    assert gexf.number_of_edges() == len(ids) * (len(ids) - 1) // 2
    ET.parse(paths["network.gexf"])


def test_write_outputs_path_errors(case: Case, tmp_path: Path) -> None:
    load(case, tmp_path, HAND)
    found = Coordination(kinds=("share",), window=60, null=False, min_network_size=2).fit(case)
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        write_outputs(found, tmp_path / "file")
    with pytest.raises(OutputError, match="does not exist"):
        write_outputs(found, tmp_path / "missing" / "out")
    assert not (tmp_path / "missing").exists()
