"""The coordination engine on Apache Spark against DuckDB, on the same generated posts (1M, 3M, 10M).

Generates posts with ``bench/planted.py`` (seed 1, default groups), imports them with ``unmask import
posts-csv`` in parts of at most a million rows, exports them with ``unmask export posts``, then runs
``unmask coordination`` on DuckDB (the case) and on Spark (the Parquet posts), one after the other, each in
its own process through the CLI with its defaults. Every step's wall time and peak memory are measured from
outside: /proc is sampled every 0.5 s over the step's process tree (the Python process, the JVM, PySpark's
workers) and GNU time reports the Python process's own peak. The two engines' outputs are then compared
(edges, p- and q-values, networks, flagged accounts, the per-kind counts), and the data's shape is measured
with DuckDB's SQL over the exported posts (largest object per kind, most actions on one object in a minute).

    python bench/coordination_spark.py --posts 1000000 --kinds all [--work /work/bench9] [--skip-duckdb]
        [--skip-spark] [--viral 100000] [--master 'local[2]']

Writes WORK/results-N-KINDS.json (with --viral V: WORK/results-N-KINDS-viralV.json), prints a one-line JSON
summary and a markdown table row. Files of each data set are under WORK/N/ (WORK/N-viralV/ with --viral).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from planted import _csv_ready

HERE = Path(__file__).resolve().parent
SEED = 1
PART_ROWS = 1_000_000  # rows of one imported CSV file: the import of 1M rows peaks near 2 GB
ALPHA = 0.01  # the CLI's default false discovery rate, against which one-engine-only pairs are checked
REL_TOL = 1e-9
SAMPLE_S = 0.5
PSS_EVERY = 10  # samples
PAGE = os.sysconf("SC_PAGE_SIZE")
MIN_FREE_GIB = 6  # the disk is shared with other sessions: a run whose spill would fill it is stopped
# The kept edges' columns that must agree exactly, and those compared with a relative tolerance.
EDGE_KEY = ("account_a", "account_b", "kind")
EDGE_EXACT = ("weight", "coactions", "episodes", "first_time", "last_time", "network_id")
EDGE_EXACT_MORE = ("window_s", "test", "median_gap_s", "evidence")
EDGE_RELATIVE = ("p_value", "q_value", "expected")
KIND_COUNTS = ("actions", "coactions", "pairs", "edges", "significant")
KIND_COUNTS_MORE = ("window_pairs", "joined", "capped_objects", "bursts_set_aside", "burst_examples")
ALL_KINDS = ("share", "link", "text", "hashtag", "hashtag_set", "reply", "mention", "near_text")
VIRAL_START = "2024-03-15 12:00:00"  # mid-window of the generator's default 30 days from 2024-03-01


# --------------------------------------------------------------------------- measuring a process tree


def _proc_table() -> dict[int, tuple[int, str]]:
    """Every process's parent and command name, from /proc (processes that end meanwhile are skipped)."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = Path(entry.path, "stat").read_text()
            # comm may hold spaces and parentheses: it ends at the last ')'
            comm = stat[stat.index("(") + 1 : stat.rindex(")")]
            ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
            table[int(entry.name)] = (ppid, comm)
    return table


def _rss(pid: int) -> int:
    with contextlib.suppress(OSError, IndexError, ValueError):
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    return 0


def _pss(pid: int) -> int:
    """Proportional set size: shared pages counted once across the tree (forked workers share many)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    return 0


@dataclass
class TreeSampler:
    """Peak memory of a process tree, sampled from /proc: the main (Python) process, the JVMs (``java``),
    the other descendants (PySpark's Python workers), and the whole tree (RSS summed, and PSS summed)."""

    root: int
    guard: tuple[Path, ...] = ()
    peaks: dict[str, int] = field(default_factory=dict)
    samples: int = 0
    stopped: str | None = None
    jvms: set[int] = field(default_factory=set)
    spark_scratch: set[Path] = field(default_factory=set)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def stop(self) -> dict[str, float]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        return {f"{k}_peak_mib": round(v / 2**20, 1) for k, v in sorted(self.peaks.items())}

    def _loop(self) -> None:
        while True:
            self.sample()
            if self._stop.wait(SAMPLE_S):
                return

    def sample(self) -> None:
        table = _proc_table()
        children: dict[int, list[int]] = {}
        for pid, (ppid, _) in table.items():
            children.setdefault(ppid, []).append(pid)
        # the root is GNU time; its child is the measured Python process
        main = min(children.get(self.root, []), default=None)
        if main is None:
            return
        tree, todo = [], [main]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo.extend(children.get(pid, []))
        now = {"python": 0, "jvm": 0, "workers": 0, "tree_rss": 0}
        # PSS walks every page table (70 ms for a 4 GB JVM): one sample in PSS_EVERY reads it
        pss = self.samples % PSS_EVERY == 0
        if pss:
            now["tree_pss"] = 0
        for pid in tree:
            rss = _rss(pid)
            group = "python" if pid == main else "jvm" if table[pid][1] == "java" else "workers"
            now[group] += rss
            now["tree_rss"] += rss
            if pss:
                now["tree_pss"] += _pss(pid)
            if group == "jvm" and pid not in self.jvms:
                self.jvms.add(pid)
                self.spark_scratch.update(_spark_scratch(pid))
        self.samples += 1
        for key, value in now.items():
            self.peaks[key] = max(self.peaks.get(key, 0), value)
        self._guard_disk(main)

    def _guard_disk(self, main: int) -> None:
        """Stop the run before its spill fills the disk that other sessions share."""
        if self.stopped or not self.guard:
            return
        free = min(shutil.disk_usage(path).free for path in self.guard)
        if free < MIN_FREE_GIB * 2**30:
            self.stopped = f"stopped by the bench: {free / 2**30:.1f} GiB left on the disk (spill)"
            with contextlib.suppress(ProcessLookupError):
                os.kill(main, signal.SIGTERM)

    def clean_up(self) -> None:
        """After a stopped run: end its JVMs (children of the stopped process) and remove Spark's scratch."""
        for pid in self.jvms:
            with contextlib.suppress(OSError):
                if Path(f"/proc/{pid}/comm").read_text().strip() == "java":
                    os.kill(pid, signal.SIGTERM)
        for folder in self.spark_scratch:
            shutil.rmtree(folder, ignore_errors=True)


def _spark_scratch(pid: int) -> set[Path]:
    """The CLI's temporary Spark folders named on a JVM's command line (/tmp/unmask-spark-...)."""
    with contextlib.suppress(OSError):
        line = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        return {Path(m) for m in re.findall(r"/tmp/unmask-spark-[A-Za-z0-9_]+", line)}
    return set()


def _loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def run_measured(cmd: list[str], out: Path, log: Path, spill: Path | None = None) -> dict[str, Any]:
    """Run CMD under GNU time with its output in OUT and its error output in LOG, sampling its process tree.
    Returns wall seconds, exit code, the peaks and the machine's load before and after (others share it).
    The run is stopped when the disk of OUT or /tmp has less than MIN_FREE_GIB left; SPILL (a folder the
    stopped process leaves behind) is then removed."""
    load_before = _loadavg()
    started = time.perf_counter()
    with out.open("w") as stdout, log.open("w") as stderr:
        proc = subprocess.Popen(["/usr/bin/time", "-f", "%M", *cmd], stdout=stdout, stderr=stderr)
        sampler = TreeSampler(proc.pid, guard=(out.parent, Path("/tmp")))
        sampler.start()
        code = proc.wait()
        peaks = sampler.stop()
    if sampler.stopped:
        sampler.clean_up()
        if spill is not None:
            shutil.rmtree(spill, ignore_errors=True)
    seconds = time.perf_counter() - started
    tail = log.read_text(errors="replace").splitlines()
    gnu_peak = round(int(tail[-1]) / 1024, 1) if tail and tail[-1].strip().isdigit() else None
    # GNU time exits with the command's status (and prints it before %M when it is not 0)
    return {
        "command": cmd,
        "returncode": code,
        "seconds": round(seconds, 1),
        "gnu_time_max_rss_mib": gnu_peak,
        **peaks,
        "samples": sampler.samples,
        "stopped": sampler.stopped,
        "loadavg_before": load_before,
        "loadavg_after": _loadavg(),
        "log": str(log),
    }


def _unmask(*args: str) -> list[str]:
    return [sys.executable, "-m", "unmask", *args]


def _check(step: str, result: dict[str, Any]) -> None:
    if result["returncode"] != 0:
        tail = "\n".join(Path(result["log"]).read_text(errors="replace").splitlines()[-20:])
        raise SystemExit(f"{step} failed ({result['returncode']}), log {result['log']}:\n{tail}")


# --------------------------------------------------------------------------- data


def generate(n: int, gen: Path) -> dict[str, Any]:
    """The planted generator's posts into GEN (kept: the generator is deterministic for a seed)."""
    if (gen / "meta.json").exists() and (gen / "posts.parquet").exists():
        return {"reused": True, "dir": str(gen)}
    gen.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        str(HERE / "planted.py"),
        "--posts",
        str(n),
        "--seed",
        str(SEED),
        "--out",
        str(gen),
    ]
    result = run_measured(cmd, gen.parent / "generate.out", gen.parent / "generate.log")
    _check("generate", result)
    return {"reused": False, "dir": str(gen), **result}


def viral_posts(n: int, seed: int = SEED) -> pa.Table:
    """One original post and N retweets of it by N new accounts within an hour, half of them in the first
    few minutes: one object with N sharers. Columns and spellings of the generator's CSV."""
    rng = np.random.default_rng([seed, n])
    early = rng.random(n) < 0.5
    delay = np.where(early, rng.exponential(90.0, n), rng.exponential(900.0, n))
    late = delay >= 3600
    delay[late] = rng.uniform(0, 3600, int(late.sum()))  # the tail of the slow half, spread over the hour
    start = np.datetime64(VIRAL_START, "s")
    times = np.sort(start + np.maximum(1, delay.astype(np.int64)).astype("timedelta64[s]"))
    text = "Everyone needs to see this before it is taken down #WakeUpNow https://viral.example/story"
    ids = [f"v_{i:07d}" for i in range(n + 1)]
    accounts = ["viral_origin"] + [f"viral_{i:07d}" for i in range(1, n + 1)]
    stamps = [str(t) + "Z" for t in np.concatenate([[start], times])]
    return pa.table(
        {
            "post_id": ids,
            "account_id": accounts,
            "created_at": stamps,
            "text": [text] + [f"RT @viral_origin: {text}"] * n,
            "shared_post_id": [None] + [ids[0]] * n,
            "reply_to_post_id": pa.nulls(n + 1, pa.string()),
            "urls": ["https://viral.example/story"] * (n + 1),
            "hashtags": ["WakeUpNow"] * (n + 1),
            "mentions": [""] + ["viral_origin"] * n,
        }
    )


def write_parts(gen: Path, out: Path, viral: int) -> list[Path]:
    """The generated posts as CSV files of at most PART_ROWS rows (and the viral posts as one more)."""
    out.mkdir(parents=True, exist_ok=True)
    parts = []
    source = pq.ParquetFile(gen / "posts.parquet")
    for i, batch in enumerate(source.iter_batches(batch_size=PART_ROWS)):
        path = out / f"posts-{i:02d}.csv"
        pacsv.write_csv(_csv_ready(pa.Table.from_batches([batch])), path)
        parts.append(path)
    if viral:
        path = out / "posts-viral.csv"
        pacsv.write_csv(viral_posts(viral), path)
        parts.append(path)
    return parts


def prepare(n: int, work: Path, viral: int) -> tuple[Path, dict[str, Any]]:
    """Generate, import in parts and export the posts of one data set; reuse it when it is complete."""
    home = work / (f"{n}-viral{viral}" if viral else str(n))
    marker = home / "prepare.json"
    if marker.exists():
        return home, {**json.loads(marker.read_text()), "reused": True}
    home.mkdir(parents=True, exist_ok=True)
    generated = generate(n, work / str(n) / "gen")
    case = home / "case.duckdb"
    for stale in (case, home / "case.duckdb.wal", home / "posts.parquet"):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    parts = write_parts(work / str(n) / "gen", home / "csv", viral)
    written = round(time.perf_counter() - started, 1)
    imports = []
    for part in parts:
        result = run_measured(
            _unmask("import", "posts-csv", str(part), "--case", str(case), "--json"),
            home / f"import-{part.stem}.json",
            home / f"import-{part.stem}.log",
        )
        _check(f"import {part}", result)
        (report,) = json.loads(Path(home / f"import-{part.stem}.json").read_text())
        imports.append(
            {"file": part.name, "loaded": report["loaded"], "quarantined": report["quarantined"], **result}
        )
    posts = home / "posts.parquet"
    exported = run_measured(
        _unmask("export", "posts", "--case", str(case), "--format", "parquet", "--out", str(posts)),
        home / "export.out",
        home / "export.log",
    )
    _check("export", exported)
    with duckdb.connect() as con:
        rows, accounts = con.execute(
            "SELECT count(*), count(DISTINCT account_id) FROM read_parquet(?)", [str(posts)]
        ).fetchone()
    record = {
        "dir": str(home),
        "case": str(case),
        "posts_parquet": str(posts),
        "rows": rows,
        "accounts": accounts,
        "generate": generated,
        "csv_parts": len(parts),
        "csv_seconds": written,
        "import": imports,
        "import_seconds": round(sum(i["seconds"] for i in imports), 1),
        "import_max_rss_mib": max(i["gnu_time_max_rss_mib"] or 0 for i in imports),
        "quarantined": sum(i["quarantined"] for i in imports),
        "export": exported,
        "viral": {"retweets": viral, "start": VIRAL_START + "Z", "object": "v_0000000"} if viral else None,
    }
    marker.write_text(json.dumps(record, indent=1) + "\n")
    return home, {**record, "reused": False}


# --------------------------------------------------------------------------- the data's shape

# My own projection of posts to (object, account, time) per kind, written without reading the engine: share
# and reply by the post they point at; link, hashtag and mention by each distinct value of the post's list;
# hashtag_set by the post's sorted set of two or more hashtags; text by the lower-cased text with white space
# collapsed. Shares (retweets) count for share only: with that rule every kind's number of actions equals the
# `actions` that `unmask coordination --json` reports (checked on 29,406 generated posts with 5,001 viral
# ones). near_text (clusters of texts) is not computed.
_OWN = "FROM p WHERE shared_post_id IS NULL"
SHAPE_OBJECTS = {
    "share": "SELECT shared_post_id AS obj, account_id, created_at FROM p WHERE shared_post_id IS NOT NULL",
    "reply": "SELECT reply_to_post_id AS obj, account_id, created_at FROM p"
    " WHERE reply_to_post_id IS NOT NULL",
    "link": f"SELECT unnest(list_distinct(urls)) AS obj, account_id, created_at {_OWN}",
    "hashtag": f"SELECT unnest(list_distinct(hashtags)) AS obj, account_id, created_at {_OWN}",
    "mention": f"SELECT unnest(list_distinct(mentions)) AS obj, account_id, created_at {_OWN}",
    "hashtag_set": "SELECT array_to_string(list_sort(list_distinct(hashtags)), ' ') AS obj, account_id,"
    f" created_at {_OWN} AND len(list_distinct(hashtags)) >= 2",
    "text": "SELECT lower(trim(regexp_replace(text, '\\s+', ' ', 'g'))) AS obj, account_id, created_at"
    f" {_OWN} AND text IS NOT NULL",
}


def _short(value: Any) -> Any:
    return value[:120] + "…" if isinstance(value, str) and len(value) > 120 else value


def shape_of_kind(con: duckdb.DuckDBPyConnection, kind: str) -> dict[str, Any]:
    con.execute(f"CREATE OR REPLACE TEMP TABLE a AS {SHAPE_OBJECTS[kind]}")
    per_object = "SELECT obj, count(*) AS actions, count(DISTINCT account_id) AS accounts FROM a GROUP BY obj"
    by_actions = con.execute(f"{per_object} ORDER BY actions DESC, accounts DESC, obj LIMIT 1").fetchone()
    by_accounts = con.execute(f"{per_object} ORDER BY accounts DESC, actions DESC, obj LIMIT 1").fetchone()
    # Sliding minute: for each action, the actions on its object in the 60 s from it on.
    minute = con.execute(
        """WITH t AS (SELECT obj, epoch(created_at)::BIGINT AS s FROM a),
        w AS (SELECT obj, s, count(*) OVER (PARTITION BY obj ORDER BY s
                                            RANGE BETWEEN CURRENT ROW AND 59 FOLLOWING) AS n FROM t)
        SELECT obj, to_timestamp(s), n FROM w ORDER BY n DESC, obj, s LIMIT 1"""
    ).fetchone()
    stats = con.execute("SELECT count(*), count(DISTINCT obj) FROM a").fetchone()
    con.execute("DROP TABLE a")
    if by_actions is None:
        return {"actions": 0}
    return {
        "actions": stats[0],
        "objects": stats[1],
        "most_actions": {
            "object": _short(by_actions[0]),
            "actions": by_actions[1],
            "accounts": by_actions[2],
        },
        "most_accounts": {
            "object": _short(by_accounts[0]),
            "actions": by_accounts[1],
            "accounts": by_accounts[2],
        },
        "most_in_one_minute": {"object": _short(minute[0]), "from": str(minute[1]), "actions": minute[2]},
    }


def data_shape(home: Path, kinds: list[str]) -> dict[str, Any]:
    """The shape of the exported posts for KINDS, computed once per data set and kept in shape.json."""
    path = home / "shape.json"
    shape = json.loads(path.read_text()) if path.exists() else {}
    missing = [k for k in kinds if k in SHAPE_OBJECTS and k not in shape]
    if missing:
        con = duckdb.connect()
        scratch = home / "shape.tmp"
        con.execute(f"SET temp_directory = '{scratch}'; SET memory_limit = '6GB'; SET threads = 2")
        con.execute(f"CREATE VIEW p AS SELECT * FROM read_parquet('{home / 'posts.parquet'}')")
        for kind in missing:
            started = time.perf_counter()
            shape[kind] = {**shape_of_kind(con, kind), "seconds": round(time.perf_counter() - started, 1)}
        con.close()
        shutil.rmtree(scratch, ignore_errors=True)
        path.write_text(json.dumps(shape, indent=1) + "\n")
    return {k: shape[k] for k in kinds if k in shape}


# --------------------------------------------------------------------------- the engines


def run_engine(engine: str, home: Path, kinds: str, master: str, skip: bool) -> dict[str, Any] | None:
    """One engine through the CLI, in its own process; with SKIP, the record of its last run if any."""
    tag = f"{engine}-{kinds.replace(',', '+')}"
    record = home / f"run-{tag}.json"
    if skip:
        return {**json.loads(record.read_text()), "reused": True} if record.exists() else None
    out = home / f"out-{tag}"
    shutil.rmtree(out, ignore_errors=True)
    if engine == "duckdb":
        args = _unmask("coordination", "--case", str(home / "case.duckdb"), "--out", str(out))
    else:
        args = _unmask(
            "coordination", "--engine", "spark", "--posts", str(home / "posts.parquet"), "--out", str(out)
        )
        args += ["--master", master]
    summary_path = home / f"{tag}.json"
    spill = home / "case.duckdb.tmp"  # DuckDB's default temp_directory: the database's path + .tmp
    result = run_measured([*args, "--kinds", kinds, "--json"], summary_path, home / f"{tag}.log", spill)
    result.update(engine=engine, out=str(out), summary_path=str(summary_path))
    if result["returncode"] == 0:
        result["summary"] = json.loads(summary_path.read_text())
    else:
        result["log_tail"] = Path(result["log"]).read_text(errors="replace").splitlines()[-30:]
    record.write_text(json.dumps(result, indent=1) + "\n")
    return result


# --------------------------------------------------------------------------- comparing the outputs


def _relative(a: str, b: str) -> str:
    return f"abs({a} - {b}) / greatest(abs({a}), abs({b}), 1e-300)"


def compare_edges(duck: Path, spark: Path) -> dict[str, Any]:
    con = duckdb.connect()
    con.execute(f"CREATE VIEW d AS SELECT * FROM read_parquet('{duck}')")
    con.execute(f"CREATE VIEW s AS SELECT * FROM read_parquet('{spark}')")
    key = ", ".join(EDGE_KEY)
    for view in ("d", "s"):
        rows, keys = con.execute(f"SELECT count(*), count(DISTINCT ({key})) FROM {view}").fetchone()
        if rows != keys:
            raise SystemExit(f"edges.parquet of {view}: {rows} rows but {keys} distinct ({key})")
    result: dict[str, Any] = {
        "duckdb_rows": con.execute("SELECT count(*) FROM d").fetchone()[0],
        "spark_rows": con.execute("SELECT count(*) FROM s").fetchone()[0],
        "duckdb_schema": [f"{r[0]} {r[1]}" for r in con.execute("DESCRIBE d").fetchall()],
        "spark_schema": [f"{r[0]} {r[1]}" for r in con.execute("DESCRIBE s").fetchall()],
    }
    result["schema_identical"] = result["duckdb_schema"] == result["spark_schema"]
    con.execute(f"CREATE TEMP TABLE j AS {_joined()} FROM d JOIN s USING ({key})")
    result["common"] = con.execute("SELECT count(*) FROM j").fetchone()[0]
    differing = {}
    for col in EDGE_EXACT + EDGE_EXACT_MORE:
        n = con.execute(f"SELECT count(*) FROM j WHERE d_{col} IS DISTINCT FROM s_{col}").fetchone()[0]
        examples = con.execute(
            f"SELECT {key}, d_{col}::VARCHAR, s_{col}::VARCHAR FROM j WHERE d_{col} IS DISTINCT FROM s_{col}"
            f" ORDER BY {key} LIMIT 3"
        ).fetchall()
        differing[col] = {"rows": n, "examples": [[_short(v) for v in e] for e in examples]}
    result["differing"] = differing
    result["key_columns_identical"] = all(differing[c]["rows"] == 0 for c in EDGE_EXACT)
    result["max_relative"] = {
        col: con.execute(f"SELECT coalesce(max({_relative('d_' + col, 's_' + col)}), 0) FROM j").fetchone()[0]
        for col in EDGE_RELATIVE
    }
    only = {}
    for mine, other, name in (("d", "s", "duckdb_only"), ("s", "d", "spark_only")):
        rows = con.execute(
            f"SELECT {key}, q_value, p_value, test FROM {mine} ANTI JOIN {other} USING ({key}) ORDER BY {key}"
        ).fetchall()
        near = [abs(r[3] - ALPHA) <= REL_TOL * ALPHA for r in rows]
        only[name] = {
            "count": len(rows),
            "q_within_1e-9_of_alpha": sum(near),
            "pairs": [
                {"pair": list(r[:3]), "q_value": r[3], "p_value": r[4], "test": r[5], "q_near_alpha": ok}
                for r, ok in list(zip(rows, near, strict=True))[:50]
            ],
        }
    result.update(only)
    result["identical"] = (
        result["duckdb_only"]["count"] == 0
        and result["spark_only"]["count"] == 0
        and result["key_columns_identical"]
        and all(v <= REL_TOL for k, v in result["max_relative"].items() if k != "expected")
    )
    con.close()
    return result


def _joined() -> str:
    """Both engines' columns side by side, d_ and s_ prefixed (the key once)."""
    cols = EDGE_EXACT + EDGE_EXACT_MORE + EDGE_RELATIVE
    return "SELECT " + ", ".join(
        [*EDGE_KEY, *(f"d.{c} AS d_{c}" for c in cols), *(f"s.{c} AS s_{c}" for c in cols)]
    )


def compare_networks(duck: Path, spark: Path) -> dict[str, Any]:
    d = {frozenset(n["accounts"]) for n in json.loads(duck.read_text())}
    s = {frozenset(n["accounts"]) for n in json.loads(spark.read_text())}
    return {
        "duckdb": len(d),
        "spark": len(s),
        "identical": d == s,
        "duckdb_only_sizes": sorted(len(x) for x in d - s),
        "spark_only_sizes": sorted(len(x) for x in s - d),
        "records_identical": json.loads(duck.read_text()) == json.loads(spark.read_text()),
    }


def compare_accounts(duck: Path, spark: Path) -> dict[str, Any]:
    def rows(path: Path) -> set[tuple[str, ...]]:
        with path.open(newline="") as f:
            return {tuple(r) for r in csv.reader(f)}

    d, s = rows(duck), rows(spark)
    return {
        "bytes_identical": duck.read_bytes() == spark.read_bytes(),
        "rows_identical": d == s,
        "duckdb_rows": len(d) - 1,
        "spark_rows": len(s) - 1,
        "duckdb_only": sorted(d - s)[:10],
        "spark_only": sorted(s - d)[:10],
    }


def compare_summaries(duck: dict[str, Any], spark: dict[str, Any]) -> dict[str, Any]:
    d = {k["kind"]: k for k in duck["kinds"]}
    s = {k["kind"]: k for k in spark["kinds"]}
    differences = []
    for kind in sorted(set(d) | set(s)):
        for col in KIND_COUNTS + KIND_COUNTS_MORE:
            a, b = d.get(kind, {}).get(col), s.get(kind, {}).get(col)
            if a != b:
                differences.append({"kind": kind, "count": col, "duckdb": a, "spark": b})
    for col in ("networks", "accounts", "edges", "tested", "windows_s"):
        if duck.get(col) != spark.get(col):
            differences.append({"kind": None, "count": col, "duckdb": duck.get(col), "spark": spark.get(col)})
    main_equal = not any(x["count"] in KIND_COUNTS for x in differences)
    return {"counts_equal": main_equal, "differences": differences}


def compare(duck: dict[str, Any], spark: dict[str, Any]) -> dict[str, Any]:
    d, s = Path(duck["out"]), Path(spark["out"])
    result = {
        "edges": compare_edges(d / "edges.parquet", s / "edges.parquet"),
        "networks": compare_networks(d / "networks.json", s / "networks.json"),
        "accounts_csv": compare_accounts(d / "accounts.csv", s / "accounts.csv"),
        "summaries": compare_summaries(duck["summary"], spark["summary"]),
    }
    result["identical"] = (
        result["edges"]["identical"]
        and result["networks"]["identical"]
        and result["accounts_csv"]["rows_identical"]
        and result["summaries"]["counts_equal"]
    )
    return result


# --------------------------------------------------------------------------- report


def table_row(res: dict[str, Any]) -> str:
    duck, spark = res.get("duckdb") or {}, res.get("spark") or {}

    def cell(run: dict[str, Any], *keys: str) -> str:
        if not run:
            return "—"
        if run.get("returncode"):
            return f"failed after {run['seconds']:,.0f} s"
        return " / ".join(f"{run.get(k) or 0:,.0f}" for k in keys)

    ratio = f"{res['ratio_spark_duckdb']:.1f}×" if res.get("ratio_spark_duckdb") else "—"
    same = res["compare"]["identical"] if res.get("compare") else None
    label = "yes" if same else "no" if same is False else "—"
    viral = f" (viral: 1 post, {res['viral']:,} retweets)" if res.get("viral") else ""
    return (
        f"| {res['rows']:,}{viral} | {res['kinds']} | {cell(duck, 'seconds', 'gnu_time_max_rss_mib')} | "
        f"{cell(spark, 'seconds', 'python_peak_mib', 'jvm_peak_mib')} | {ratio} | {label} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, required=True, help="organic posts of the generator")
    parser.add_argument("--kinds", default="all", help="as unmask coordination --kinds (default all)")
    parser.add_argument("--work", type=Path, default=Path("/work/bench9"))
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--viral", type=int, default=0, help="add one post retweeted by N new accounts")
    parser.add_argument("--skip-duckdb", action="store_true", help="reuse the last DuckDB run, if any")
    parser.add_argument("--skip-spark", action="store_true", help="reuse the last Spark run, if any")
    args = parser.parse_args(argv)
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    code = _code_version()
    home, prepared = prepare(args.posts, work, args.viral)
    kinds = list(ALL_KINDS) if args.kinds == "all" else args.kinds.split(",")
    shape = data_shape(home, kinds)
    duck = run_engine("duckdb", home, args.kinds, args.master, args.skip_duckdb)
    spark = run_engine("spark", home, args.kinds, args.master, args.skip_spark)
    both = duck and spark and duck["returncode"] == 0 and spark["returncode"] == 0
    _check_shape(shape, duck)
    res: dict[str, Any] = {
        "bench": "coordination_spark",
        "started": started,
        "finished": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "posts_requested": args.posts,
        "rows": prepared["rows"],
        "accounts": prepared["accounts"],
        "kinds": args.kinds,
        "master": args.master,
        "viral": args.viral,
        "machine": {"cpus": os.cpu_count(), "mem_total_gib": _mem_total_gib()},
        "code": code,
        "code_at_end": _code_version(),
        "prepare": prepared,
        "data_shape": shape,
        "duckdb": duck,
        "spark": spark,
        "ratio_spark_duckdb": round(spark["seconds"] / duck["seconds"], 2) if both else None,
        "compare": compare(duck, spark) if both else None,
    }
    suffix = f"-viral{args.viral}" if args.viral else ""
    path = work / f"results-{args.posts}-{args.kinds.replace(',', '+')}{suffix}.json"
    path.write_text(json.dumps(res, indent=1, default=str) + "\n")
    print(json.dumps(_summary(res, path)))
    print(table_row(res))
    return 0


def _check_shape(shape: dict[str, Any], duck: dict[str, Any] | None) -> None:
    """Note beside each kind's shape whether its actions are the engine's (a check of my own projection)."""
    if not duck or "summary" not in duck:
        return
    engine = {k["kind"]: k["actions"] for k in duck["summary"]["kinds"]}
    for kind, figures in shape.items():
        figures["engine_actions"] = engine.get(kind)
        figures["actions_match_engine"] = engine.get(kind) == figures["actions"]


def _summary(res: dict[str, Any], path: Path) -> dict[str, Any]:
    def brief(run: dict[str, Any] | None, *keys: str) -> dict[str, Any] | None:
        return {k: run.get(k) for k in ("returncode", "seconds", *keys)} if run else None

    cmp = res["compare"]
    return {
        "bench": "coordination_spark",
        "posts": res["rows"],
        "accounts": res["accounts"],
        "kinds": res["kinds"],
        "viral": res["viral"],
        "duckdb": brief(res["duckdb"], "gnu_time_max_rss_mib", "tree_rss_peak_mib"),
        "spark": brief(
            res["spark"], "python_peak_mib", "jvm_peak_mib", "workers_peak_mib", "tree_rss_peak_mib"
        ),
        "ratio_spark_duckdb": res["ratio_spark_duckdb"],
        "identical": cmp["identical"] if cmp else None,
        "max_relative_p_q": [cmp["edges"]["max_relative"][k] for k in ("p_value", "q_value")]
        if cmp
        else None,
        "results": str(path),
    }


def _code_version() -> dict[str, Any]:
    """The checkout measured: its commit and the files changed since (others edit it while this runs)."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(HERE.parent), *args], capture_output=True, text=True)
        return done.stdout.strip()

    changed = git("--no-optional-locks", "status", "--porcelain").splitlines()
    return {"commit": git("rev-parse", "HEAD"), "changed": changed}


def _mem_total_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 2**20, 1)
    return 0.0


if __name__ == "__main__":
    sys.exit(main())
