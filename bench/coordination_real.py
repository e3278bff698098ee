"""Coordination on real data: the IRA tweets against Linvill–Warren categories, and CooRTweet's example data.

Two parts (``--part ira|coortweet|all``), each on a fresh case in a temporary folder:

* ``ira``: imports the IRA parquet (1.3M tweets of 1,325 accounts, format ``fivethirtyeight-ira``) and runs
  ``Coordination()`` with its defaults. Every account is state-run, so there is no precision to measure;
  what is measured is whether the networks follow Linvill and Warren's account categories (RightTroll,
  LeftTroll, NewsFeed, HashtagGamer, ...): the adjusted Rand index between network and category over the
  flagged accounts that have a category, the purity of each network and of each category, and where the
  HashtagGamer accounts end up. The categories come from ``ira/authors.csv``, whose ``author_id`` column
  (lower-cased) is the case's ``account_id``; its ``author`` column is the bare handle, which differs for
  handles that two accounts used (``author_id`` then appends the numeric id).
* ``coortweet``: imports ``russian_coord_tweets.csv.gz`` (35,125 retweets, format ``coortweet``) and runs
  (a) unmask's defaults and (b) CooRTweet's published defaults translated into unmask's parameters, and
  compares the flagged accounts. A SQL re-implementation of CooRTweet's two steps on the raw file
  (:func:`coortweet_reference`) says which accounts CooRTweet itself would return.

Prints one JSON line at the end (progress goes to stderr); where the data are absent, a line with a
``skipped`` reason, and exit status 0. A run of the engine that fails (say, out of memory) is reported in
that line as ``error``, with what was measured before it, and the exit status is 1.

    python bench/coordination_real.py [--part ira|coortweet|all] [--data DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from peak import peak_rss_mib, reset_peak
from unmask.case import Case
from unmask.coordination import Coordination
from unmask.ingest import import_files

DATA = Path(__file__).resolve().parents[2] / "shared/data/coordination"
HASHTAG_GAMER = "HashtagGamer"

# CooRTweet's defaults (R/detect_groups.R, R/generate_coordinated_network.R at nicolarighetti/CooRTweet):
# detect_groups(time_window = 10, min_participation = 2, remove_loops = TRUE), then
# generate_coordinated_network(edge_weight = 0.5, subgraph = 0). min_participation is an account filter
# (an account needs >= 2 shares, and >= 2 shares in co-shares); edge_weight only *marks* edges whose weight
# (co-shared content pairs) exceeds that quantile of the weights, and subgraph = 0 returns the whole graph.
# So the defaults keep every co-share edge: in unmask terms null=False, min_weight=1. unmask has no account
# filter, and reports networks of 3 accounts or more (min_network_size) where CooRTweet returns the graph.
# The package's vignette runs this very data set with time_window = 600, min_participation = 2 and
# edge_weight = 0.99 ("the threshold value corresponds to a minimum edge weight of 3"): variant (c) takes
# the window and, as min_weight, the smallest weight above the reference's 0.99 quantile.
COORTWEET_DEFAULTS = {"time_window": 10, "min_participation": 2, "edge_weight": 0.5}
COORTWEET_VIGNETTE = {"time_window": 600, "min_participation": 2, "edge_weight": 0.99}
COORTWEET_AS_UNMASK = {"kinds": ("share",), "window": 10, "null": False, "min_weight": 1}
COORTWEET_ASSUMPTION = (
    "(b) = CooRTweet defaults detect_groups(time_window=10, min_participation=2) + "
    "generate_coordinated_network(edge_weight=0.5, subgraph=0), which returns the whole co-share graph "
    "(edge_weight only marks edges above the median weight) -> unmask kinds=share, window=10, null=False, "
    "min_weight=1. (c) = the vignette's run on this data set (time_window=600, min_participation=2, "
    "edge_weight=0.99, weighted subgraph) -> window=600, null=False, min_weight = floor(0.99 quantile) + 1. "
    "Not translated: min_participation (an account filter) and CooRTweet's weight (content pairs, not "
    "distinct objects); unmask reports networks of >= 3 accounts only. The reference columns are a SQL "
    "re-implementation of CooRTweet on the raw file (all rows, including the 40 duplicate content ids)."
)


# -- pure helpers ---------------------------------------------------------------------------------


def adjusted_rand_index(labels_a: Iterable[Any], labels_b: Iterable[Any]) -> float | None:
    """Hubert and Arabie's adjusted Rand index of two labelings of the same items (None if no items).

    Computed from the contingency table; matches ``sklearn.metrics.adjusted_rand_score`` (1.0 where both
    labelings are trivial in the same way).
    """
    a, b = list(labels_a), list(labels_b)
    if len(a) != len(b):
        raise ValueError("the two labelings must cover the same items")
    n = len(a)
    if n == 0:
        return None
    _, ia = np.unique(np.array(a, dtype=object).astype(str), return_inverse=True)
    _, ib = np.unique(np.array(b, dtype=object).astype(str), return_inverse=True)
    table = np.zeros((ia.max() + 1, ib.max() + 1), dtype=np.int64)
    np.add.at(table, (ia, ib), 1)

    def pairs(x: np.ndarray) -> float:
        x = x.astype(np.float64)
        return float((x * (x - 1) / 2).sum())

    index = pairs(table)
    rows, cols = pairs(table.sum(axis=1)), pairs(table.sum(axis=0))
    total = n * (n - 1) / 2
    expected = rows * cols / total if total else 0.0
    maximum = (rows + cols) / 2
    if maximum == expected:
        return 1.0
    return (index - expected) / (maximum - expected)


def majority(counts: Counter) -> tuple[str, int]:
    """The most common label and its count; ties go to the label that sorts first."""
    label, count = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return label, count


def purity(membership: dict[str, int], category: dict[str, str]) -> dict[str, Any]:
    """Per network (majority category, its share) and per category (flagged, share in own-majority networks).

    ``membership`` maps flagged accounts to networks; ``category`` maps accounts to categories. Accounts
    without a category are left out of both.
    """
    by_net: dict[int, Counter] = {}
    for account, net in membership.items():
        if account in category:
            by_net.setdefault(net, Counter())[category[account]] += 1
    majority_of = {net: majority(counts) for net, counts in by_net.items()}
    networks = {
        net: {
            "majority": majority_of[net][0],
            "majority_share": round(majority_of[net][1] / sum(counts.values()), 4),
            "categories": dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        }
        for net, counts in sorted(by_net.items())
    }
    flagged: Counter = Counter()
    at_home: Counter = Counter()
    for account, net in membership.items():
        if account in category:
            flagged[category[account]] += 1
            at_home[category[account]] += majority_of[net][0] == category[account]
    categories = {
        c: {
            "flagged": flagged[c],
            "in_own_majority_network": at_home[c],
            "share": round(at_home[c] / flagged[c], 4),
        }
        for c in sorted(flagged)
    }
    total = sum(flagged.values())
    overall = sum(majority_of[net][1] for net in by_net) / total if total else None
    return {
        "overall": round(overall, 4) if overall is not None else None,
        "networks": networks,
        "categories": categories,
    }


def jaccard(a: set, b: set) -> float | None:
    return round(len(a & b) / len(a | b), 4) if a or b else None


def coortweet_reference(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    time_window: float = 10,
    min_participation: int = 2,
    edge_weight: float = 0.5,
) -> dict[str, Any]:
    """CooRTweet's ``detect_groups`` then ``generate_coordinated_network``, in SQL on the raw shares file.

    Follows the R code: accounts with fewer than ``min_participation`` shares are dropped; pairs of shares
    of one object at most ``time_window`` seconds apart are kept, loops removed (same account or content);
    a pair is kept if one of its contents belongs to an account with ``min_participation`` contents among
    the pairs; an edge's weight is its number of pairs; the threshold is the ``edge_weight`` quantile of
    the weights (R's type 7), and the weighted subgraph keeps the edges above it.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _ct_x AS
        WITH raw AS (
            SELECT row_number() OVER () AS id, object_id AS o, account_id AS a, content_id AS c,
                   CAST(timestamp_share AS DOUBLE) AS t
            FROM read_csv(?, all_varchar = true)
        )
        SELECT * FROM raw
        WHERE a IN (SELECT a FROM raw GROUP BY a HAVING count(*) >= {int(min_participation)})
        """,
        [str(path)],
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _ct_r AS
        SELECT x.a AS a1, y.a AS a2, x.c AS c1, y.c AS c2
        FROM _ct_x x JOIN _ct_x y ON x.o = y.o AND x.id < y.id
        WHERE abs(x.t - y.t) <= {float(time_window)} AND x.a <> y.a AND x.c <> y.c
              AND x.o <> x.c AND x.o <> y.c
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _ct_e AS
        WITH contents AS (SELECT c1 AS c FROM _ct_r UNION SELECT c2 FROM _ct_r),
        active AS (
            SELECT x.a FROM _ct_x x SEMI JOIN contents USING (c)
            GROUP BY x.a HAVING count(*) >= {int(min_participation)}
        ),
        kept_contents AS (SELECT c FROM _ct_x x SEMI JOIN contents USING (c) SEMI JOIN active USING (a))
        SELECT least(a1, a2) AS a, greatest(a1, a2) AS b, count(*) AS weight
        FROM _ct_r
        WHERE c1 IN (SELECT c FROM kept_contents) OR c2 IN (SELECT c FROM kept_contents)
        GROUP BY ALL
        """
    )
    edges = con.execute("SELECT a, b, weight FROM _ct_e").fetchall()
    for table in ("_ct_x", "_ct_r", "_ct_e"):
        con.execute(f"DROP TABLE {table}")
    weights = np.array([w for _, _, w in edges], dtype=np.float64)
    threshold = float(np.quantile(weights, edge_weight)) if len(weights) else None
    graph = {x for a, b, _ in edges for x in (a, b)}
    heavy = {x for a, b, w in edges if threshold is not None and w > threshold for x in (a, b)}
    return {
        "graph_edges": len(edges),
        "graph_accounts": graph,
        "weight_threshold": threshold,
        "subgraph_edges": int((weights > threshold).sum()) if threshold is not None else 0,
        "subgraph_accounts": heavy,
    }


# -- measuring ------------------------------------------------------------------------------------


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _import(case: Case, fmt: str, path: Path) -> dict[str, Any]:
    _log(f"importing {path.name} ({fmt})")
    reset_peak()
    started = time.perf_counter()
    [result] = import_files(case, fmt, [path])
    return {
        "file": path.name,
        "format": fmt,
        "loaded": result.loaded,
        "quarantined": result.quarantined,
        "accounts": case.scalar("SELECT count(DISTINCT account_id) FROM posts"),
        "import_s": round(time.perf_counter() - started, 2),
        "import_peak_rss_mib": peak_rss_mib(),
    }


def _fit(case: Case, **params: Any) -> tuple[Coordination | None, dict[str, Any]]:
    """Fit and time; an engine failure is a result (None, and the error in the timing), not a crash."""
    _log(f"Coordination({', '.join(f'{k}={v!r}' for k, v in params.items())})")
    reset_peak()
    started = time.perf_counter()
    try:
        found = Coordination(**params).fit(case)
    except Exception as exc:
        _log(f"failed: {exc!r}")
        return None, {
            "detect_s": round(time.perf_counter() - started, 2),
            "detect_peak_rss_mib": peak_rss_mib(),
            "error": f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
        }
    return found, {
        "detect_s": round(time.perf_counter() - started, 2),
        "detect_peak_rss_mib": peak_rss_mib(),
        "seconds": found.seconds_,
        "window_s": found.window_,
        "window_estimate_s": getattr(found, "window_estimate_", None),
    }


def _runs(found: Coordination) -> list[dict[str, Any]]:
    """Each kind's run (every KindRun field but the examples of objects set aside)."""
    return [
        {
            k: round(v, 3) if isinstance(v, float) else v
            for k, v in asdict(r).items()
            if k != "capped_examples"
        }
        for r in found.runs_
    ]


def _membership(found: Coordination) -> dict[str, int]:
    t = found.accounts_
    return dict(zip(t.column("account_id").to_pylist(), t.column("network_id").to_pylist(), strict=True))


def _edge_kinds(found: Coordination) -> dict[int, dict[str, int]]:
    """Internal edges per network and kind."""
    counts = (
        found.edges_.select(["network_id", "kind"])
        .group_by(["network_id", "kind"])
        .aggregate([([], "count_all")])
    )
    out: dict[int, dict[str, int]] = {}
    for net, kind, n in zip(
        *(counts.column(c).to_pylist() for c in ("network_id", "kind", "count_all")), strict=True
    ):
        if net >= 0:
            out.setdefault(net, {})[kind] = n
    return {net: dict(sorted(kinds.items())) for net, kinds in out.items()}


# -- the IRA part ---------------------------------------------------------------------------------


def _categories(
    con: duckdb.DuckDBPyConnection, authors: Path
) -> tuple[dict[str, str], list[str], dict[str, Any]]:
    """Category per account_id (lower-cased ``author_id``), the case's accounts, and how the ids matched."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _lw AS SELECT author_id, author, account_category "
        "FROM read_csv(?, all_varchar = true)",
        [str(authors)],
    )
    [(rows, keys)] = con.execute("SELECT count(*), count(DISTINCT lower(author_id)) FROM _lw").fetchall()
    if rows != keys:
        raise SystemExit(f"{authors}: lower(author_id) is not unique ({rows} rows, {keys} keys)")
    category = dict(con.execute("SELECT lower(author_id), account_category FROM _lw").fetchall())
    accounts = [a for (a,) in con.execute("SELECT DISTINCT account_id FROM posts").fetchall()]
    handles = {h for (h,) in con.execute("SELECT DISTINCT lower(author) FROM _lw").fetchall()}
    by_handle_missing = sorted(a for a in accounts if a not in handles)
    con.execute("DROP TABLE _lw")
    return (
        category,
        accounts,
        {
            "key": "lower(authors.author_id) = case account_id (the importer lower-cases author_id)",
            "case_accounts": len(accounts),
            "with_category": sum(a in category for a in accounts),
            "without_category": sum(a not in category for a in accounts),
            "without_category_examples": sorted(a for a in accounts if a not in category)[:10],
            "not_matched_by_author_handle": len(by_handle_missing),
            "not_matched_by_author_handle_examples": by_handle_missing[:10],
            "authors_rows": rows,
        },
    )


def run_ira(parquet: Path, authors: Path) -> dict[str, Any]:
    missing = [str(p) for p in (parquet, authors) if not p.is_file()]
    if missing:
        return {"skipped": f"no data at {', '.join(missing)}"}
    with (
        tempfile.TemporaryDirectory(prefix="unmask-bench-") as tmp,
        Case.open(Path(tmp) / "ira.duckdb") as case,
    ):
        out: dict[str, Any] = _import(case, "fivethirtyeight-ira", parquet)
        found, timing = _fit(case)
        out.update(timing)
        category, accounts, ids = _categories(case.con, authors)
    out["ids"] = ids
    in_case = Counter(category[a] for a in accounts if a in category)
    if found is None:
        out["per_category"] = {c: {"accounts": n} for c, n in sorted(in_case.items())}
        return out
    out["runs"] = _runs(found)
    membership = _membership(found)
    sizes = sorted((n["size"] for n in found.networks_), reverse=True)
    out["networks"] = len(found.networks_)
    out["network_sizes"] = sizes
    out["flagged"] = len(membership)
    out["flagged_share"] = round(len(membership) / out["accounts"], 4) if out["accounts"] else None
    scored = [a for a in sorted(membership) if a in category]
    ari = adjusted_rand_index([membership[a] for a in scored], [category[a] for a in scored])
    out["ari"] = {
        "population": "flagged accounts that have a Linvill–Warren category; network id vs account_category",
        "accounts": len(scored),
        "networks": len({membership[a] for a in scored}),
        "categories": len({category[a] for a in scored}),
        "value": round(ari, 4) if ari is not None else None,
    }
    pure = purity(membership, category)
    out["purity_overall"] = pure["overall"]
    out["per_category"] = {
        c: {"accounts": in_case[c], **pure["categories"].get(c, {"flagged": 0})} for c in sorted(in_case)
    }
    edge_kinds = _edge_kinds(found)
    out["per_network"] = [
        {
            "network_id": n["network_id"],
            "size": n["size"],
            **pure["networks"].get(n["network_id"], {}),
            "kinds": n["kinds"],
            "edge_kinds": edge_kinds.get(n["network_id"], {}),
            "density": n["density"],
            "median_gap_s": n["median_gap_s"],
        }
        for n in found.networks_
    ]
    gamers = {a for a, c in category.items() if c == HASHTAG_GAMER}
    gamer_nets = sorted({net for a, net in membership.items() if a in gamers})
    kinds_total: Counter = Counter()
    for net in gamer_nets:
        kinds_total.update(edge_kinds.get(net, {}))
    out["hashtag_gamer"] = {
        "accounts_in_case": in_case.get(HASHTAG_GAMER, 0),
        "flagged": sum(a in gamers for a in membership),
        "networks": len(gamer_nets),
        "network_ids": gamer_nets,
        "majority_networks": [net for net, v in pure["networks"].items() if v["majority"] == HASHTAG_GAMER],
        "kinds_of_those_networks": sorted(
            {k for n in found.networks_ if n["network_id"] in gamer_nets for k in n["kinds"]}
        ),
        "internal_edges_by_kind": dict(sorted(kinds_total.items())),
    }
    return out


# -- the CooRTweet part ---------------------------------------------------------------------------


def _summary(found: Coordination, timing: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    edges = found.edges_
    in_edges = set(edges.column("account_a").to_pylist()) | set(edges.column("account_b").to_pylist())
    return {
        "params": {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()},
        "networks": len(found.networks_),
        "network_sizes": sorted((n["size"] for n in found.networks_), reverse=True),
        "flagged": found.accounts_.num_rows,
        "kept_edges": edges.num_rows,
        "accounts_in_kept_edges": len(in_edges),
        **timing,
        "runs": [r for r in _runs(found) if r["actions"]],
    }


def _against(flagged: set[str], reference: dict[str, Any]) -> dict[str, Any]:
    graph, heavy = reference["graph_accounts"], reference["subgraph_accounts"]
    return {
        "in_graph": len(flagged & graph),
        "jaccard_graph": jaccard(flagged, graph),
        "in_subgraph": len(flagged & heavy),
        "subgraph_recall": round(len(flagged & heavy) / len(heavy), 4) if heavy else None,
    }


def run_coortweet(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {"skipped": f"no data at {path}"}
    with (
        tempfile.TemporaryDirectory(prefix="unmask-bench-") as tmp,
        Case.open(Path(tmp) / "ct.duckdb") as case,
    ):
        out: dict[str, Any] = _import(case, "coortweet", path)
        _log("CooRTweet reference (SQL), defaults and vignette")
        references = {
            "defaults": coortweet_reference(case.con, path, **COORTWEET_DEFAULTS),
            "vignette": coortweet_reference(case.con, path, **COORTWEET_VIGNETTE),
        }
        threshold = references["vignette"]["weight_threshold"]
        variants = {
            "a_unmask_defaults": {},
            "b_coortweet_defaults": COORTWEET_AS_UNMASK,
            "c_coortweet_vignette": {
                "kinds": ("share",),
                "window": COORTWEET_VIGNETTE["time_window"],
                "null": False,
                "min_weight": int(np.floor(threshold)) + 1 if threshold is not None else 1,
            },
        }
        found = {name: _fit(case, **params) for name, params in variants.items()}
    flagged: dict[str, set[str]] = {}
    for name, (f, timing) in found.items():
        params = variants[name] or {"kinds": "all (defaults)", "window": "auto"}
        if f is None:
            out[name] = {"params": params, **timing}
            continue
        flagged[name] = set(_membership(f))
        out[name] = {
            **_summary(f, timing, params),
            "vs_reference": {ref: _against(flagged[name], r) for ref, r in references.items()},
        }
    out["assumption"] = COORTWEET_ASSUMPTION
    a = flagged.get("a_unmask_defaults")
    out["overlap_with_a"] = {
        name: {
            "jaccard": jaccard(a, other),
            "flagged": len(other),
            "also_flagged_by_a": len(a & other),
            "a_flagged_not_by_it": len(a - other),
        }
        for name, other in flagged.items()
        if a is not None and name != "a_unmask_defaults"
    }
    out["coortweet_reference"] = {
        name: {
            "params": params,
            "graph_edges": references[name]["graph_edges"],
            "graph_accounts": len(references[name]["graph_accounts"]),
            "weight_threshold": references[name]["weight_threshold"],
            "subgraph_edges": references[name]["subgraph_edges"],
            "subgraph_accounts": len(references[name]["subgraph_accounts"]),
        }
        for name, params in (("defaults", COORTWEET_DEFAULTS), ("vignette", COORTWEET_VIGNETTE))
    }
    return out


# -- main -----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("ira", "coortweet", "all"), default="all")
    parser.add_argument("--data", type=Path, default=DATA, help=f"the coordination data folder ({DATA})")
    parser.add_argument(
        "--ira", type=Path, help="the IRA parquet (default: DATA/ira/ira_tweets_half_a.parquet)"
    )
    parser.add_argument(
        "--authors", type=Path, help="Linvill–Warren categories (default: DATA/ira/authors.csv)"
    )
    parser.add_argument(
        "--coortweet",
        type=Path,
        help="CooRTweet shares (default: DATA/coortweet/russian_coord_tweets.csv.gz)",
    )
    args = parser.parse_args()
    result: dict[str, Any] = {"bench": "coordination_real", "part": args.part}
    if args.part in ("ira", "all"):
        result["ira"] = run_ira(
            args.ira or args.data / "ira/ira_tweets_half_a.parquet",
            args.authors or args.data / "ira/authors.csv",
        )
    if args.part in ("coortweet", "all"):
        result["coortweet"] = run_coortweet(
            args.coortweet or args.data / "coortweet/russian_coord_tweets.csv.gz"
        )
    parts = [v for k, v in result.items() if k in ("ira", "coortweet")]
    if all("skipped" in p for p in parts):
        result["skipped"] = "; ".join(p["skipped"] for p in parts)
    result["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result), flush=True)
    failed = any("error" in v for p in parts for v in [p, *p.values()] if isinstance(v, dict))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
