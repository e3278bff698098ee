"""unmask against the coordination-network-toolkit (CNT 1.5.2) on the same generated posts.

For every ``--posts`` size the script takes the planted data set of ``bench/planted.py`` (seed 1, 40 groups;
reused from ``/work/data/planted_N`` when present, generated into the work folder otherwise), writes the
same posts in CNT's CSV layout (message_id, user_id, username, repost_id, reply_id, message, timestamp in
epoch seconds, space-delimited urls) and runs, each step as its own timed subprocess:

* import: ``compute_networks DB preprocess --format csv`` against ``unmask import posts-csv``;
* one network per kind at the same window (``--window``, 60 s), CNT with ``--min_edge_weight 1`` and
  ``--n_cpus 2`` against unmask's Python API (``Coordination(kinds=(kind,), null=False, min_weight=1,
  min_network_size=2, evidence_per_edge=0)``, one subprocess per kind):
  share ~ co_retweet, link ~ co_link, text ~ co_tweet, near_text ~ co_similar_tweet (Jaccard threshold
  ``--threshold``, 0.8, CNT's default minimum document size), plus unmask's ``column:urls`` (canonical URL
  strings of non-share posts) and ``column:urls_original`` (the URL strings as written) to compare links
  like with like;
* end to end: unmask import + ``unmask coordination --window W --json`` (every kind, null model, communities)
  against CNT preprocess + its four networks.

Times are wall seconds of each subprocess. unmask's compute time for a kind is the pair computation the
detector records (``seconds_["kinds"][kind]``: actions, windowed co-actions and edge aggregation); the
subprocess also builds Leiden communities over every edge (null model off keeps them all), which is
reported separately (``unmask_fit_s``, ``unmask_wall_s``): on millions of share edges that takes minutes and
gigabytes (4M edges at 200k posts: over 3 minutes, 6.6 GB), so ``--pairs-only share`` skips evidence and
communities for the kinds named (recorded in the JSON). CNT's compute time is its ``compute`` command
(text normalisation, tokenising and index building included). Peak memory is GNU time's ``%M`` for the
step (the largest single process of its tree) and a sampled peak (every 0.25 s) of the summed RSS of the
whole process tree (CNT's pool workers and manager included; shared pages counted once per process).

Edge sets are compared as unordered account pairs {a, b} with a != b: CNT's directed rows (user_1, user_2)
are read from its SQLite tables with self-loops dropped (its networks are symmetric, which is checked).
Weights are not compared: CNT counts messages, unmask distinct objects. Every difference is attributed to a
cause by recomputing the candidate cause in DuckDB on the posts both tools read:

* link: CNT splits an empty urls field into one URL ``''`` shared by every post without a link (pairs that
  co-posted ``''`` within the window), and compares URL strings exactly, whereas unmask canonicalises URLs at
  import (scheme, host case, ``www.``, tracking parameters: ``column:urls``) and matches links on a key (host
  and path; trailing slash and share markers aside: ``link``);
* text: CNT matches texts that normalise to ``''`` (only @mentions, or empty); unmask skips them;
* near_text: for a sample of the differing pairs, the Jaccard similarity of their best-matching post pair
  (non-shares within the window) under CNT's tokenizer (run in CNT's own environment) and under unmask's
  word sets tells tokenisation differences from MinHash/LSH misses.
* share and text (expected identical): a few example pairs of any difference, with the posts involved.

Prints one JSON line per size (also written to ``--json-out``, one line per size)::

    python bench/coordination_vs_cnt.py --posts 200000 [--posts 1000000] [--window 60] \\
        [--workdir /tmp/cntbench] [--json-out FILE] [--pairs-only share]

Needs CNT's ``compute_networks`` (``--cnt-bin``, default /work/cntvenv/bin), the ``sqlite3`` shell and GNU
time; a machine at rest, as both tools' times are wall clock.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DATA = Path("/work/data")
CNT_BIN = Path("/work/cntvenv/bin/compute_networks")
TIME = "/usr/bin/time"  # GNU time
PAGE = os.sysconf("SC_PAGE_SIZE")
MIB = 1024 * 1024

# unmask kind -> CNT network command and its table.
COMPARED = {
    "share": "co_retweet",
    "link": "co_link",
    "text": "co_tweet",
    "near_text": "co_similar_tweet",
}
URL_KINDS = ("column:urls", "column:urls_original")
UNMASK_KINDS = (*COMPARED, *URL_KINDS)


# -- running and measuring subprocesses ---------------------------------------------------------------


@dataclass
class Step:
    seconds: float
    peak_rss_mib: float  # GNU time's %M: the largest single process of the step's tree
    tree_rss_mib: float  # sampled peak of the summed RSS of the step's process tree
    stdout: str

    def figures(self) -> dict[str, float]:
        return {
            "s": round(self.seconds, 2),
            "peak_rss_mib": round(self.peak_rss_mib, 1),
            "tree_rss_mib": round(self.tree_rss_mib, 1),
        }


def _tree_rss(root: int) -> int:
    """Bytes resident in ``root`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        with contextlib.suppress(OSError):
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        stack.extend(children.get(pid, []))
    return total


def run(cmd: list[str], logs: Path, name: str, *, cwd: Path = ROOT) -> Step:
    """Run ``cmd`` to completion, timing it and measuring its memory; stdout/stderr go to ``logs``.

    The command runs under GNU time, whose ``%M`` is the child's own peak: a child forked straight from
    this process would inherit this process's high-water mark in ``ru_maxrss``.
    """
    logs.mkdir(parents=True, exist_ok=True)
    out_path, err_path, rss_path = (logs / f"{name}.{ext}" for ext in ("out", "err", "maxrss"))
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [TIME, "-f", "%M", "-o", str(rss_path), *cmd], stdout=out, stderr=err, cwd=cwd
        )
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.wait(0.25):
                peak = max(peak, _tree_rss(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        returncode = proc.wait()
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
    if returncode != 0:
        tail = err_path.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{name} failed ({returncode}): {' '.join(cmd)}\n{tail}")
    peak_kib = int(rss_path.read_text().split()[-1])  # KiB
    return Step(seconds, peak_kib / 1024, max(peak, peak_kib * 1024) / MIB, out_path.read_text())


# -- the unmask side, one kind per subprocess ----------------------------------------------------------


def unmask_kind_worker(
    case_path: Path, kind: str, window: float, threshold: float, edges_out: Path, pairs_only: bool
) -> None:
    """(In a subprocess) fit one kind without the null model, write its edges, print its figures.

    ``pairs_only`` stops after the edges: no evidence and no Leiden communities, which on millions of
    edges take minutes and gigabytes. It hooks two private steps of the detector (``_evidence``,
    ``_networks``); the pair computation it times is the detector's own.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from unmask.case import Case
    from unmask.coordination import Coordination
    from unmask.coordination.detector import _EDGES, ACCOUNTS

    class PairsOnly(Coordination):
        def _evidence(self, con: duckdb.DuckDBPyConnection) -> None:
            pass

        def _networks(self, con: duckdb.DuckDBPyConnection) -> None:
            kept = (
                f"SELECT na.account AS account_a, nb.account AS account_b, e.kind, e.weight FROM {_EDGES} e "
                f"JOIN {ACCOUNTS} na ON na.aid = e.account_a JOIN {ACCOUNTS} nb ON nb.aid = e.account_b "
                "WHERE e.significant"
            )
            self.edges_ = con.sql(kept).to_arrow_table()
            self.networks_ = []
            self.accounts_ = pa.table({"account_id": pa.array([], pa.string())})

    started = time.perf_counter()
    with Case.open(case_path) as case:
        found = (PairsOnly if pairs_only else Coordination)(
            kinds=(kind,),
            window=window,
            null=False,
            min_weight=1,
            min_network_size=2,
            evidence_per_edge=0,
            near_text_threshold=threshold,
        ).fit(case)
    wall = time.perf_counter() - started
    pq.write_table(found.edges_.select(["account_a", "account_b", "weight"]), edges_out)
    [kind_run] = found.runs_
    print(
        json.dumps(
            {
                "kind": kind,
                "actions": kind_run.actions,
                "coactions": kind_run.coactions,
                "edges": kind_run.edges,
                "pairs_s": found.seconds_["kinds"][kind],
                "communities_s": found.seconds_["significance_and_networks"],
                "fit_s": found.seconds_["total"],
                "in_process_s": round(wall, 3),
                "networks": len(found.networks_),
                "pairs_only": pairs_only,
            }
        )
    )


# -- data ----------------------------------------------------------------------------------------------


def posts_csv(n: int, workdir: Path, logs: Path) -> Path:
    """The planted data set of ``n`` posts: the pre-generated copy if there is one, else a fresh one."""
    for folder in (DATA / f"planted_{n}", workdir / f"planted_{n}"):
        if (folder / "posts.csv").is_file():
            return folder / "posts.csv"
    folder = workdir / f"planted_{n}"
    cmd = [sys.executable, str(ROOT / "bench/planted.py"), "--posts", str(n), "--seed", "1"]
    run([*cmd, "--groups", "40", "--out", str(folder), "--csv"], logs, "generate")
    return folder / "posts.csv"


def load_posts(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """``posts`` (post_id, account, t epoch seconds, text, shared, reply, urls) exactly as in the CSV."""
    con.execute(
        f"""
        CREATE OR REPLACE TABLE posts AS
        SELECT post_id, account_id AS account, epoch(created_at::TIMESTAMPTZ)::BIGINT AS t, text,
               shared_post_id AS shared, reply_to_post_id AS reply, urls
        FROM read_csv('{path}', header = true, all_varchar = true, quote = '"', escape = '"')
        """
    )
    return con.execute("SELECT count(*) FROM posts").fetchall()[0][0]


def write_cnt_csv(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """The posts in CNT's CSV layout; NULLs become empty fields, as CNT expects."""
    con.execute(
        f"""
        COPY (SELECT post_id AS message_id, account AS user_id, account AS username, shared AS repost_id,
                     reply AS reply_id, text AS message, t AS timestamp, urls
              FROM posts ORDER BY t, post_id)
        TO '{path}' (HEADER, DELIMITER ',', QUOTE '"', ESCAPE '"')
        """
    )


# -- edge sets -----------------------------------------------------------------------------------------


def cnt_pairs(con: duckdb.DuckDBPyConnection, db: Path, network: str, table: str, folder: Path) -> dict:
    """Load CNT's network ``network`` as unordered pairs into ``table``; return its row counts."""
    sql_table = f"{network}_network"
    with sqlite3.connect(db) as lite:
        [(rows, loops, lower, upper)] = lite.execute(
            "SELECT count(*), count(*) FILTER (WHERE user_1 = user_2), "
            "count(*) FILTER (WHERE user_1 < user_2), count(*) FILTER (WHERE user_1 > user_2) "
            f"FROM {sql_table}"
        ).fetchall()
    csv_path = folder / f"cnt_{network}.csv"
    with csv_path.open("wb") as out:
        query = f"SELECT user_1, user_2 FROM {sql_table} WHERE user_1 < user_2"
        subprocess.run(["sqlite3", "-csv", str(db), query], stdout=out, check=True)
    con.execute(f"CREATE OR REPLACE TABLE {table} (a VARCHAR, b VARCHAR)")
    if csv_path.stat().st_size:
        con.execute(
            f"INSERT INTO {table} SELECT a, b FROM read_csv('{csv_path}', header = false, "
            "columns = {'a': 'VARCHAR', 'b': 'VARCHAR'})"
        )
    csv_path.unlink()
    return {"directed_rows": rows, "self_loops": loops, "symmetric": lower == upper, "pairs": lower}


def unmask_pairs(con: duckdb.DuckDBPyConnection, edges: Path, table: str) -> int:
    con.execute(
        f"CREATE OR REPLACE TABLE {table} AS SELECT DISTINCT least(account_a, account_b) AS a, "
        f"greatest(account_a, account_b) AS b FROM read_parquet('{edges}') WHERE account_a <> account_b"
    )
    return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return con.execute(f"SELECT count(*) FROM ({sql})").fetchall()[0][0]


def window_pairs(con: duckdb.DuckDBPyConnection, actions: str, window: int, table: str) -> int:
    """``table``: unordered pairs (a < b) of accounts acting on one object within ``window`` seconds.

    ``actions`` has columns account, object, t. Bucketed by the window so that one object shared by
    everyone (CNT's empty URL) costs the pairs within the window, not the square of its posts.
    """
    w = max(int(window), 1)
    bucketed = f"(SELECT account, object, t, t // {w} AS bucket FROM {actions})"
    joins = " UNION ALL ".join(
        f"SELECT least(x.account, y.account) AS a, greatest(x.account, y.account) AS b "
        f"FROM {bucketed} x JOIN {bucketed} y ON x.object = y.object AND y.bucket = x.bucket + {offset} "
        f"WHERE x.account <> y.account AND abs(x.t - y.t) <= {int(window)}"
        for offset in (0, 1)
    )
    con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT DISTINCT a, b FROM ({joins})")
    return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def compare(con: duckdb.DuckDBPyConnection, cnt: str, ours: str) -> dict[str, Any]:
    """Pairs in both, in CNT's set only and in unmask's only."""
    both = count(con, f"SELECT a, b FROM {cnt} INTERSECT SELECT a, b FROM {ours}")
    cnt_only = count(con, f"SELECT a, b FROM {cnt} EXCEPT SELECT a, b FROM {ours}")
    ours_only = count(con, f"SELECT a, b FROM {ours} EXCEPT SELECT a, b FROM {cnt}")
    return {
        "identical": cnt_only == 0 and ours_only == 0,
        "cnt": both + cnt_only,
        "unmask": both + ours_only,
        "both": both,
        "cnt_only": cnt_only,
        "unmask_only": ours_only,
    }


def difference(con: duckdb.DuckDBPyConnection, name: str, left: str, right: str) -> str:
    """Create table ``name`` = pairs of ``left`` that are not in ``right``; return its name."""
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT a, b FROM {left} EXCEPT SELECT a, b FROM {right}")
    return name


def reasons(con: duckdb.DuckDBPyConnection, diff: str, causes: list[tuple[str, str]]) -> dict[str, int]:
    """Attribute each pair of ``diff`` to the first cause (description, pairs table) that holds it."""
    out: dict[str, int] = {}
    remaining = f"(SELECT a, b FROM {diff})"
    for name, table in causes:
        n = count(con, f"SELECT a, b FROM {remaining} INTERSECT SELECT a, b FROM {table}")
        if n:
            out[name] = n
        remaining = f"(SELECT a, b FROM {remaining} EXCEPT SELECT a, b FROM {table})"
    rest = count(con, remaining)
    if rest:
        out["unexplained"] = rest
    return out


def _short(row: dict, limit: int = 160) -> dict:
    return {k: v[:limit] + "…" if isinstance(v, str) and len(v) > limit else v for k, v in row.items()}


def examples(
    con: duckdb.DuckDBPyConnection,
    pairs: str,
    window: int,
    columns: str,
    *,
    where: str = "x.shared IS NULL AND y.shared IS NULL",
    prefer: str = "true",
    n: int = 3,
) -> list[dict]:
    """Up to ``n`` pairs of ``pairs`` (a stable pseudo-random choice), each with one post pair of a and b
    within the window that satisfies ``where``: the closest among those satisfying ``prefer`` first."""
    cur = con.execute(
        f"""
        WITH picked AS (SELECT a, b FROM {pairs} ORDER BY hash(a || ' ' || b) LIMIT {int(n)}),
        candidates AS (
            SELECT k.a, k.b, x.post_id AS post_a, y.post_id AS post_b, y.t - x.t AS gap_s, {columns},
                   row_number() OVER (PARTITION BY k.a, k.b
                                      ORDER BY ({prefer}) DESC, abs(y.t - x.t), x.post_id, y.post_id) AS nth
            FROM picked k JOIN posts x ON x.account = k.a JOIN posts y ON y.account = k.b
            WHERE abs(x.t - y.t) <= {int(window)} AND ({where})
        )
        SELECT * EXCLUDE (nth) FROM candidates WHERE nth = 1 ORDER BY a, b
        """
    )
    names = [d[0] for d in cur.description]
    return [_short(dict(zip(names, row, strict=True))) for row in cur.fetchall()]


# -- explaining the differences, kind by kind --------------------------------------------------------------

# CNT's message_preprocessor (lower case, @mentions removed, white space collapsed), in SQL.
CNT_TEXT = (
    "trim(regexp_replace(regexp_replace(lower(coalesce({t}, '')), '@\\S*', '', 'g'), '\\s+', ' ', 'g'))"
)
# CNT's URLs of a post: the urls field split on single spaces, '' when the field is empty.
CNT_URLS = "string_split(coalesce({u}, ''), ' ')"
# A loose link key, only to pick example posts: host without www. and path, no scheme, query or slash.
LOOSE_KEY = (
    "list_transform(string_split(coalesce({u}, ''), ' '), "
    "lambda s: rtrim(regexp_extract(lower(s), '^(?:[a-z]+://)?(?:www\\.)?([^?#]*)', 1), '/'))"
)


def explain_share(con: duckdb.DuckDBPyConnection, window: int, n: int) -> dict[str, Any]:
    out = compare(con, "cnt_share", "um_share")
    for side, (left, right) in (
        ("cnt_only", ("cnt_share", "um_share")),
        ("unmask_only", ("um_share", "cnt_share")),
    ):
        if out[side]:
            diff = difference(con, f"d_share_{side}", left, right)
            out[f"{side}_examples"] = examples(
                con,
                diff,
                window,
                "x.shared AS shared_a, y.shared AS shared_b",
                where="true",
                prefer="x.shared = y.shared",
                n=n,
            )
    return out


def add_link_keys(con: duckdb.DuckDBPyConnection, case: Path) -> None:
    """Add unmask's canonical URLs (``curls``) and link keys (``keys``) of each post to ``posts``.

    Read from the case (read only) with unmask's own SQL macros, only to pick and show examples.
    """
    con.execute(resources.files("unmask.schema").joinpath("macros.sql").read_text(encoding="utf-8"))
    con.execute(f"ATTACH '{case}' AS unmask_case (READ_ONLY)")
    con.execute(
        """
        CREATE OR REPLACE TABLE posts AS
        SELECT p.*, c.urls AS curls, list_transform(c.urls, lambda u: unmask_link_key(u)) AS keys
        FROM posts p LEFT JOIN unmask_case.posts c USING (post_id)
        """
    )
    con.execute("DETACH unmask_case")


# How to pick and show example post pairs for links matched as raw strings, canonical URLs or link keys.
LINK_MATCH = {
    "raw": "len(list_intersect(string_split(x.urls, ' '), string_split(y.urls, ' '))) > 0",
    "canonical": "len(list_intersect(x.curls, y.curls)) > 0",
    "key": "len(list_intersect(x.keys, y.keys)) > 0",
}
LINK_COLUMNS = "x.urls AS urls_a, y.urls AS urls_b, list_intersect(x.keys, y.keys) AS shared_link_keys"
WITH_URLS = "x.shared IS NULL AND y.shared IS NULL AND x.urls IS NOT NULL AND y.urls IS NOT NULL"


def explain_link(con: duckdb.DuckDBPyConnection, window: int, n: int) -> dict[str, Any]:
    """CNT's co_link against unmask's link, column:urls and column:urls_original, with the causes."""
    cnt_urls = CNT_URLS.format(u="urls")
    own = f"(SELECT account, unnest({cnt_urls}) AS object, t FROM posts WHERE shared IS NULL)"
    empty = window_pairs(con, f"(SELECT * FROM {own} WHERE object = '')", window, "x_empty_url")
    raw = window_pairs(con, f"(SELECT * FROM {own} WHERE object <> '')", window, "x_raw_url")
    con.execute(
        "CREATE OR REPLACE TABLE x_cnt_link AS SELECT * FROM x_empty_url UNION SELECT * FROM x_raw_url"
    )

    def link_examples(pairs: str, match: str) -> list[dict]:
        return examples(con, pairs, window, LINK_COLUMNS, where=WITH_URLS, prefer=LINK_MATCH[match], n=n)

    link = compare(con, "cnt_link", "um_link")
    cnt_only = difference(con, "d_link_cnt_only", "cnt_link", "um_link")
    ours_only = difference(con, "d_link_um_only", "um_link", "cnt_link")
    link["cnt_only_reasons"] = reasons(
        con, cnt_only, [("only co-posted the empty URL '' (posts without a link)", "x_empty_url")]
    )
    canonical = "same canonical URL (scheme, host case, www., tracking parameters), different strings"
    key = "same link key (scheme, trailing slash, share markers), different canonical URLs"
    link["unmask_only_reasons"] = reasons(con, ours_only, [(canonical, "um_column_urls"), (key, "um_link")])
    link["cnt_only_examples"] = examples(
        con,
        cnt_only,
        window,
        "x.urls AS urls_a, y.urls AS urls_b",
        prefer="x.urls IS NULL AND y.urls IS NULL",
        n=n,
    )
    con.execute(
        "CREATE OR REPLACE TABLE d_link_canon AS SELECT a, b FROM d_link_um_only "
        "INTERSECT SELECT a, b FROM um_column_urls"
    )
    link["unmask_only_examples"] = {
        canonical: link_examples("d_link_canon", "canonical"),
        key: link_examples(difference(con, "d_link_key", ours_only, "um_column_urls"), "key"),
    }
    out: dict[str, Any] = {
        "link": link,
        # CNT's network recomputed in DuckDB from the CSV it read: the empty URL plus exact URL strings.
        "cnt_reproduced_from_csv": compare(con, "cnt_link", "x_cnt_link")["identical"],
        "empty_url_pairs": empty,
        "raw_url_pairs": raw,
        "cnt_pairs_only_via_empty_url": count(
            con, "SELECT a, b FROM cnt_link EXCEPT SELECT a, b FROM x_raw_url"
        ),
    }
    # CNT without the empty-URL artefact (pairs that co-posted one real URL string) against each unmask kind.
    con.execute(
        "CREATE OR REPLACE TABLE cnt_link_real AS "
        "SELECT a, b FROM cnt_link INTERSECT SELECT a, b FROM x_raw_url"
    )
    for kind, match in (("column:urls_original", "raw"), ("column:urls", "canonical"), ("link", "key")):
        table = "um_" + kind.replace(":", "_")
        report = compare(con, "cnt_link_real", table)
        sides = {"cnt_only": ("cnt_link_real", table, "raw"), "unmask_only": (table, "cnt_link_real", match)}
        for side, (left, right, how) in sides.items():
            if report[side]:
                report[f"{side}_examples"] = link_examples(difference(con, "d_real", left, right), how)
        out[f"{kind} vs cnt_link without ''"] = report
    return out


def explain_text(con: duckdb.DuckDBPyConnection, window: int, n: int) -> dict[str, Any]:
    """CNT's co_tweet against unmask's text: CNT also matches texts that normalise to ''."""
    norm = CNT_TEXT.format(t="text")
    own = f"(SELECT account, {norm} AS object, t FROM posts WHERE shared IS NULL)"
    empty = window_pairs(con, f"(SELECT * FROM {own} WHERE object = '')", window, "x_empty_text")
    window_pairs(con, own, window, "x_cnt_text")
    out = compare(con, "cnt_text", "um_text")
    out["cnt_reproduced_from_csv"] = compare(con, "cnt_text", "x_cnt_text")["identical"]
    out["empty_text_pairs"] = empty
    texts = "x.text AS text_a, y.text AS text_b"
    same = f"{CNT_TEXT.format(t='x.text')} = {CNT_TEXT.format(t='y.text')}"
    if out["cnt_only"]:
        diff = difference(con, "d_text_cnt_only", "cnt_text", "um_text")
        out["cnt_only_reasons"] = reasons(
            con,
            diff,
            [("only co-posted texts that normalise to '' (only @mentions, or empty)", "x_empty_text")],
        )
        out["cnt_only_examples"] = examples(con, diff, window, texts, prefer=same, n=n)
    if out["unmask_only"]:
        diff = difference(con, "d_text_um_only", "um_text", "cnt_text")
        out["unmask_only_examples"] = examples(con, diff, window, texts, prefer=same, n=n)
    return out


def cnt_tokens(cnt_python: Path, texts: list[str]) -> list[str]:
    """CNT's own tokenizer (run in CNT's environment) on ``texts``: space-joined sorted token sets."""
    code = (
        "import json, sys\n"
        "from coordination_network_toolkit.similarity import tokenize\n"
        "json.dump([tokenize(t) for t in json.load(sys.stdin)], sys.stdout)\n"
    )
    done = subprocess.run(
        [str(cnt_python), "-c", code], input=json.dumps(texts), capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def jaccard(x: set[str], y: set[str]) -> float:
    return len(x & y) / len(x | y) if x and y else 0.0


def explain_near_text(
    con: duckdb.DuckDBPyConnection, window: int, threshold: float, cnt_python: Path, sample: int, n: int
) -> dict[str, Any]:
    """Recall of CNT's co_similar_tweet edges by near_text; a sample of the differences diagnosed."""
    from unmask.coordination.actions import NORMALISED_TEXT

    out: dict[str, Any] = compare(con, "cnt_near_text", "um_near_text")
    out["recall_of_cnt"] = round(out["both"] / out["cnt"], 4) if out["cnt"] else None
    out["extra_unmask_edges"] = out["unmask_only"]
    diagnosis: dict[str, Any] = {}
    for side, (left, right) in (
        ("cnt_only", ("cnt_near_text", "um_near_text")),
        ("unmask_only", ("um_near_text", "cnt_near_text")),
    ):
        if not out[side]:
            continue
        diff = difference(con, f"d_near_{side}", left, right)
        words = f"list_distinct(regexp_extract_all({NORMALISED_TEXT}, '[\\p{{L}}\\p{{N}}_]+'))"
        rows = con.execute(
            f"""
            WITH picked AS (SELECT a, b FROM {diff} ORDER BY hash(a || ' ' || b) LIMIT {int(sample)}),
            post_pairs AS (
                SELECT k.a, k.b, x.post_id AS post_a, y.post_id AS post_b
                FROM picked k JOIN posts x ON x.account = k.a JOIN posts y ON y.account = k.b
                WHERE abs(x.t - y.t) <= {int(window)} AND x.shared IS NULL AND y.shared IS NULL
            ),
            w AS (
                SELECT post_id, text, {words} AS words FROM posts
                SEMI JOIN (SELECT post_a AS post_id FROM post_pairs UNION SELECT post_b FROM post_pairs)
                USING (post_id)
            )
            SELECT p.a, p.b, p.post_a, p.post_b, wa.text, wb.text, wa.words, wb.words
            FROM post_pairs p JOIN w wa ON wa.post_id = p.post_a JOIN w wb ON wb.post_id = p.post_b
            """
        ).fetchall()
        unique = sorted({r[4] or "" for r in rows} | {r[5] or "" for r in rows})
        tokens = dict(zip(unique, (set(t.split()) for t in cnt_tokens(cnt_python, unique)), strict=True))
        best: dict[tuple[str, str], dict[str, Any]] = {}
        for a, b, post_a, post_b, text_a, text_b, words_a, words_b in rows:
            ca, cb = tokens[text_a or ""], tokens[text_b or ""]
            ua, ub = set(words_a or []), set(words_b or [])
            j_cnt, j_um = jaccard(ca, cb), jaccard(ua, ub)
            # The post pair that matched on the side that has the edge.
            score = j_cnt if side == "cnt_only" else j_um
            if (a, b) not in best or score > best[(a, b)]["score"]:
                best[(a, b)] = {
                    "score": score,
                    "a": a,
                    "b": b,
                    "post_a": post_a,
                    "post_b": post_b,
                    "cnt_jaccard": round(j_cnt, 3),
                    "unmask_jaccard": round(j_um, 3),
                    "text_a": text_a,
                    "text_b": text_b,
                    "cnt_tokens_not_shared": sorted(ca ^ cb),
                    "unmask_words_not_shared": sorted(ua ^ ub),
                    # Tokens only CNT has (punctuation, emoji, dotted names): they weigh in its Jaccard.
                    "cnt_tokens_not_words": sorted((ca | cb) - (ua | ub)),
                }
        causes: dict[str, list[dict]] = {}
        for pair in best.values():
            if side == "cnt_only":
                cause = (
                    "tokenisation: unmask's word sets (letters/digits only) fall below the threshold"
                    if pair["unmask_jaccard"] < threshold
                    else "candidate generation: word sets reach the threshold but MinHash/LSH missed the pair"
                )
            else:
                cause = (
                    "tokenisation: CNT's tokens (punctuation, emoji, URL pieces) fall below the threshold"
                    if pair["cnt_jaccard"] < threshold
                    else "unexplained: CNT's tokens reach the threshold too"
                )
            causes.setdefault(cause, []).append(pair)
        diagnosis[side] = {
            "sampled_pairs": len(best),
            "causes": {cause: len(pairs) for cause, pairs in causes.items()},
            "examples": {
                cause: [_short({k: v for k, v in p.items() if k != "score"}) for p in pairs[:n]]
                for cause, pairs in causes.items()
            },
        }
    out["diagnosis_of_a_sample"] = diagnosis
    return out


# -- one size ------------------------------------------------------------------------------------------


def ratio(slow: float, fast: float) -> float | None:
    return round(slow / fast, 2) if fast > 0 else None


def bench(n: int, args: argparse.Namespace) -> dict[str, Any]:
    folder = args.workdir / str(n)
    logs = folder / "logs"
    for stale in ("cnt.db", "cnt.db-wal", "cnt.db-shm", "case.duckdb", "case.duckdb.wal", "coordination"):
        path = folder / stale
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    source = posts_csv(n, args.workdir, logs)
    window = int(args.window)
    cnt_db, case, cnt_csv = folder / "cnt.db", folder / "case.duckdb", folder / "cnt.csv"
    result: dict[str, Any] = {
        "bench": "coordination_vs_cnt",
        "posts_requested": n,
        "data": str(source),
        "window_s": window,
        "near_text_threshold": args.threshold,
        "pairs_only_kinds": list(parse_kinds(args.pairs_only)),
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "timing_note": (
            "unmask compute = seconds_['kinds'][kind] (actions + windowed co-actions + edge aggregation) "
            "of Coordination(kinds=(kind,), null=False) in its own subprocess; unmask_fit_s adds the "
            "Leiden communities over every kept edge (skipped for the --pairs-only kinds), unmask_wall_s "
            "the interpreter start and case open. "
            f"CNT compute = wall of its 'compute' command (n_cpus={args.n_cpus}). peak_rss_mib: largest "
            "process of the step (GNU time %M); tree_rss_mib: sampled peak of the summed RSS of the "
            "step's process tree."
        ),
    }

    con = duckdb.connect()
    con.execute(f"SET threads = {os.cpu_count() or 2}")
    result["posts"] = load_posts(con, source)
    started = time.perf_counter()
    write_cnt_csv(con, cnt_csv)
    result["cnt_csv_write_s"] = round(time.perf_counter() - started, 2)
    con.close()

    # Imports.
    cnt, unmask_cli = str(args.cnt_bin), str(BIN / "unmask")
    cnt_import = run(
        [cnt, str(cnt_db), "preprocess", "--format", "csv", str(cnt_csv)], logs, "cnt_preprocess"
    )
    um_import = run(
        [unmask_cli, "import", "posts-csv", str(source), "--case", str(case), "--json"],
        logs,
        "unmask_import",
    )
    result["import"] = {
        "cnt": cnt_import.figures(),
        "unmask": um_import.figures(),
        "speedup": ratio(cnt_import.seconds, um_import.seconds),
        "unmask_summary": json.loads(um_import.stdout),
    }

    # unmask, one kind per subprocess.
    kinds: dict[str, dict[str, Any]] = {}
    for kind in UNMASK_KINDS:
        edges = folder / f"unmask_{kind.replace(':', '_')}.parquet"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker-kind", kind, "--case", str(case)]
        cmd += ["--window", str(window), "--threshold", str(args.threshold), "--edges-out", str(edges)]
        cmd += ["--pairs-only", args.pairs_only]
        step = run(cmd, logs, f"unmask_{kind.replace(':', '_')}")
        figures = json.loads(step.stdout.strip().splitlines()[-1])
        kinds[kind] = {
            "unmask_edges": figures["edges"],
            "unmask_actions": figures["actions"],
            "unmask_coactions": figures["coactions"],
            "unmask_pairs_s": figures["pairs_s"],
            "unmask_fit_s": figures["fit_s"],
            "unmask_communities_s": figures["communities_s"],
            "unmask_pairs_only": figures["pairs_only"],
            "unmask_wall_s": round(step.seconds, 2),
            "unmask_peak_rss_mib": round(step.peak_rss_mib, 1),
            "unmask_tree_rss_mib": round(step.tree_rss_mib, 1),
        }

    # CNT, one network per command.
    cnt_total = cnt_import.seconds
    for kind, network in COMPARED.items():
        cmd = [cnt, str(cnt_db), "compute", network, "--time_window", str(window), "--min_edge_weight", "1"]
        cmd += ["--n_cpus", str(args.n_cpus)]
        if kind == "near_text":
            cmd += ["--similarity_threshold", str(args.threshold)]
        step = run(cmd, logs, f"cnt_{network}")
        cnt_total += step.seconds
        kinds[kind].update(
            {
                "cnt_network": network,
                "cnt_s": round(step.seconds, 2),
                "cnt_peak_rss_mib": round(step.peak_rss_mib, 1),
                "cnt_tree_rss_mib": round(step.tree_rss_mib, 1),
                "speedup": ratio(step.seconds, kinds[kind]["unmask_pairs_s"]),
                "speedup_vs_unmask_wall": ratio(step.seconds, kinds[kind]["unmask_wall_s"]),
            }
        )

    # End to end: unmask import + every kind with the null model and communities, against CNT's five steps.
    cmd = [unmask_cli, "coordination", "--case", str(case), "--out", str(folder / "coordination")]
    same = ["--window", str(window), "--near-text-threshold", str(args.threshold)]
    e2e = run([*cmd, *same, "--json"], logs, "unmask_coordination")
    summary = json.loads(e2e.stdout)
    unmask_total = um_import.seconds + e2e.seconds
    result["end_to_end"] = {
        "unmask_s": round(unmask_total, 2),
        "unmask_steps": (
            "import posts-csv + coordination (all kinds at the same window and near_text threshold as CNT, "
            "null model, communities, outputs)"
        ),
        "unmask_coordination": e2e.figures(),
        "unmask_kinds": [k["kind"] for k in summary["kinds"]],
        "unmask_seconds": summary["seconds"],
        "unmask_networks": summary["networks"],
        "unmask_significant_edges": summary["edges"],
        "cnt_s": round(cnt_total, 2),
        "cnt_steps": "preprocess + co_retweet + co_link + co_tweet + co_similar_tweet",
        "speedup": ratio(cnt_total, unmask_total),
    }

    # Edge sets.
    con = duckdb.connect()
    con.execute(f"SET threads = {os.cpu_count() or 2}")
    load_posts(con, source)
    add_link_keys(con, case)
    for kind, network in COMPARED.items():
        kinds[kind]["cnt_table"] = cnt_pairs(con, cnt_db, network, f"cnt_{kind}", folder)
    for kind in UNMASK_KINDS:
        name = kind.replace(":", "_")
        unmask_pairs(con, folder / f"unmask_{name}.parquet", f"um_{name}")
    kinds["share"]["edges"] = explain_share(con, window, args.examples)
    kinds["link"]["edges"] = explain_link(con, window, args.examples)
    kinds["text"]["edges"] = explain_text(con, window, args.examples)
    kinds["near_text"]["edges"] = explain_near_text(
        con, window, args.threshold, args.cnt_bin.parent / "python", args.sample, args.examples
    )
    con.close()
    result["kinds"] = kinds
    result["targets"] = {
        "share_link_text_speedup_ge_10": all(
            (kinds[k]["speedup"] or 0) >= 10 for k in ("share", "link", "text")
        ),
        "near_text_speedup_ge_5": (kinds["near_text"]["speedup"] or 0) >= 5,
        "near_text_recall_ge_0.95": (kinds["near_text"]["edges"]["recall_of_cnt"] or 0) >= 0.95,
    }
    result["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return result


def parse_kinds(spec: str) -> tuple[str, ...]:
    kinds = tuple(k.strip() for k in spec.split(",") if k.strip())
    return UNMASK_KINDS if kinds == ("all",) else kinds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--posts", type=int, action="append", help="posts to generate (repeatable; default 200000)"
    )
    parser.add_argument("--window", type=float, default=60.0, help="co-action window in seconds (default 60)")
    parser.add_argument(
        "--threshold", type=float, default=0.8, help="near-duplicate Jaccard threshold (default 0.8)"
    )
    parser.add_argument(
        "--workdir", type=Path, default=Path("/tmp/cntbench"), help="folder for cases and databases"
    )
    parser.add_argument("--json-out", type=Path, help="also write the JSON lines to this file")
    parser.add_argument("--cnt-bin", type=Path, default=CNT_BIN, help="CNT's compute_networks")
    parser.add_argument("--n-cpus", type=int, default=2, help="CNT's --n_cpus (default 2)")
    parser.add_argument("--examples", type=int, default=3, help="examples per kind of difference (default 3)")
    parser.add_argument(
        "--sample", type=int, default=200, help="near_text differences diagnosed (default 200)"
    )
    parser.add_argument(
        "--pairs-only",
        default="",
        help="unmask kinds (comma-separated, or all) fitted without evidence and communities: "
        "null=False keeps every edge, and Leiden over millions of share edges takes minutes and GBs",
    )
    # Internal: one unmask kind in a subprocess of its own.
    parser.add_argument("--worker-kind", help=argparse.SUPPRESS)
    parser.add_argument("--case", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--edges-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker_kind:
        pairs_only = args.worker_kind in parse_kinds(args.pairs_only)
        unmask_kind_worker(
            args.case, args.worker_kind, args.window, args.threshold, args.edges_out, pairs_only
        )
        return 0
    if not args.cnt_bin.is_file():
        print(
            f"no CNT at {args.cnt_bin}: install coordination-network-toolkit 1.5.2 and pass --cnt-bin",
            file=sys.stderr,
        )
        return 2
    if shutil.which("sqlite3") is None or not Path(TIME).is_file():
        print(
            "needs the sqlite3 shell (to read CNT's networks) and GNU time at /usr/bin/time", file=sys.stderr
        )
        return 2
    lines = []
    for n in args.posts or [200000]:
        line = json.dumps(bench(n, args), default=str)
        print(line, flush=True)
        lines.append(line)
        if args.json_out:
            args.json_out.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
