"""Size and speed of the investigation report of a platform-scale case (target: < 10 MB, interactive < 3 s).

Generates a planted post stream with ``bench/planted.py`` (1M organic posts and 50 planted coordinated
groups by default; ``--posts-dir`` reuses one, or keeps a new one there), imports it into a fresh case, runs
``Coordination`` with its defaults and stores one finding per network found (the detector need not find
exactly the planted groups: ``networks`` is what it found). Then it times ``write_report`` (HTML; Markdown
and JSON are written too, for their sizes), opens the HTML page in headless Chromium (Debian's, driven by
Playwright) three times in fresh pages and measures, for each, the time from the start of ``page.goto``
until the page's script sets ``window.unmaskReady`` (after cytoscape has drawn the network view), polled
every 20 ms. The caps the report states and the size of each part of the embedded data are printed too.

Prints a table to stderr and one JSON line to stdout.

    python bench/report_size.py [--posts 1000000] [--groups 50] [--posts-dir DIR] [--keep DIR]
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import planted  # bench/planted.py: this script's folder is on the path when it runs
from unmask.case import Case
from unmask.coordination import Coordination, network_findings
from unmask.findings import write_findings
from unmask.ingest import import_files
from unmask.report import write_report
from unmask.report.data import report_data

CHROMIUM = os.environ.get("UNMASK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
HTML_LIMIT_MB = 10.0
INTERACTIVE_LIMIT_S = 3.0
LOADS = 3
POLL_S = 0.02
TIMEOUT_S = 120.0
MB = 1_000_000


def posts_csv(posts: int, seed: int, groups: int, folder: Path) -> tuple[Path, dict[str, Any]]:
    """The planted stream's ``posts.csv`` in ``folder``: generated there unless it is already."""
    csv_path, meta_path = folder / "posts.csv", folder / "meta.json"
    if csv_path.is_file() and meta_path.is_file():
        meta = json.loads(meta_path.read_text())
        given = meta["params"]
        print(
            f"reusing {csv_path}: {given['n_posts']:,} posts, {given['n_groups']} groups, "
            f"seed {given['seed']} (--posts, --groups and --seed do not apply)",
            file=sys.stderr,
        )
        return csv_path, meta
    started = time.perf_counter()
    generated = planted.generate_all(posts, seed, groups)
    planted.write(folder, generated, csv=True)
    print(
        f"generated {generated.posts.num_rows:,} posts in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )
    return csv_path, generated.meta


def build_case(case_path: Path, csv_path: Path) -> dict[str, Any]:
    """Import the posts, find networks and store them as findings."""
    out: dict[str, Any] = {}
    with Case.open(case_path) as case:
        started = time.perf_counter()
        import_files(case, "posts-csv", [csv_path])
        out["import_seconds"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        found = Coordination().fit(case)
        out["detect_seconds"] = round(time.perf_counter() - started, 1)
        findings = network_findings(found)
        write_findings(case, findings)
        out["posts"] = case.scalar("SELECT count(*) FROM posts")
        out["networks"] = len(found.networks_)
        out["flagged_accounts"] = found.accounts_.num_rows
        out["largest_network"] = max((n["size"] for n in found.networks_), default=0)
        out["findings"] = case.scalar("SELECT count(*) FROM findings")
    return out


def reused_case(case_path: Path) -> dict[str, Any]:
    """What build_case says of a case it built, read back from the case."""
    with Case.open(case_path, read_only=True) as case:
        posts = case.scalar("SELECT count(*) FROM posts")
        nets = case.query(
            "SELECT count(*) AS n, max(len(subjects)) AS largest, sum(len(subjects)) AS flagged FROM findings"
            " WHERE kind = 'coordinated-network'"
        )[0]
    return {
        "posts": posts,
        "networks": nets["n"],
        "findings": nets["n"],
        "import_seconds": None,
        "detect_seconds": None,
        "flagged_accounts": nets["flagged"],
        "largest_network": nets["largest"],
    }


def write_reports(case_path: Path, folder: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with Case.open(case_path) as case:
        for fmt in ("html", "md", "json"):
            started = time.perf_counter()
            path = write_report(case, folder / f"report.{fmt}", format=fmt)
            out[f"{fmt}_seconds"] = round(time.perf_counter() - started, 2)
            out[f"{fmt}_mb"] = round(path.stat().st_size / MB, 3)
    return out


def embedded_data(page: Path) -> tuple[dict[str, Any], dict[str, float]]:
    """The page's embedded report data, and how many MB each part of the page takes."""
    text = page.read_text(encoding="utf-8")
    match = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', text, re.S)
    if match is None:
        raise SystemExit(f"{page}: no #report-data element")
    data = json.loads(match.group(1))
    scripts = sum(len(s.encode()) for s in re.findall(r"<script>(.*?)</script>", text, re.S))
    embedded = len(match.group(1).encode())
    parts = {
        "page_total": len(text.encode()),
        "embedded_json": embedded,
        "scripts": scripts,
        "markup": len(text.encode()) - embedded - scripts,
    }
    for key, value in data.items():
        parts[f"json.{key}"] = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())
    return data, {k: round(v / MB, 3) for k, v in parts.items()}


def browser_loads(page_path: Path, loads: int = LOADS) -> dict[str, Any]:
    """Seconds from ``goto`` until ``window.unmaskReady``, in ``loads`` fresh pages; the graph drawn."""
    from playwright.sync_api import sync_playwright

    seconds: list[float] = []
    timings: list[dict[str, float]] = []
    problems: list[str] = []
    nodes = edges = None
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            for _ in range(loads):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
                page.on(
                    "console",
                    lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None,
                )
                started = time.perf_counter()
                page.goto(page_path.as_uri(), timeout=TIMEOUT_S * 1000)
                # Polled: Playwright's wait_for_function evaluates strings, which the page's CSP forbids.
                while not page.evaluate("window.unmaskReady === true"):
                    if time.perf_counter() - started > TIMEOUT_S:
                        raise SystemExit(f"the report was not ready in {TIMEOUT_S:.0f} s: {problems}")
                    time.sleep(POLL_S)
                seconds.append(round(time.perf_counter() - started, 3))
                nav = page.evaluate(
                    "(() => { const t = performance.getEntriesByType('navigation')[0];"
                    " return {dom_interactive: t.domInteractive,"
                    " dom_content_loaded: t.domContentLoadedEventEnd, load: t.loadEventEnd}; })()"
                )
                timings.append({k: round(v / 1000, 3) for k, v in nav.items()})
                nodes = page.evaluate("window.unmaskGraph ? window.unmaskGraph.nodes().length : 0")
                edges = page.evaluate("window.unmaskGraph ? window.unmaskGraph.edges().length : 0")
                context.close()
        finally:
            browser.close()
    return {
        "interactive_seconds_median": statistics.median(seconds),
        "interactive_seconds_all": seconds,
        "navigation_timing_s": timings,
        "graph_nodes": nodes,
        "graph_edges": edges,
        "browser_problems": sorted(set(problems)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000, help="organic posts (default 1000000)")
    parser.add_argument("--groups", type=int, default=50, help="planted groups (default 50)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--posts-dir", type=Path, help="folder of a planted stream to reuse (generated there if absent)"
    )
    parser.add_argument("--keep", type=Path, help="keep the case and the reports in this folder")
    parser.add_argument(
        "--case", type=Path, help="a case kept by an earlier run (--keep): only the report is measured again"
    )
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no Chromium at {CHROMIUM}: apt-get install chromium (or set UNMASK_CHROMIUM)")

    with tempfile.TemporaryDirectory(prefix="unmask-report-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        if args.case:
            case_path, meta, built = args.case, None, reused_case(args.case)
        else:
            posts_dir = args.posts_dir or work / "posts"
            posts_dir.mkdir(parents=True, exist_ok=True)
            csv_path, meta = posts_csv(args.posts, args.seed, args.groups, posts_dir)
            case_path = work / "case.duckdb"
            case_path.unlink(missing_ok=True)
            built = build_case(case_path, csv_path)
        print(
            f"imported {built['posts']:,} posts in {built['import_seconds']} s; "
            f"{built['networks']} networks in {built['detect_seconds']} s",
            file=sys.stderr,
        )
        reports = write_reports(case_path, work)
        _, parts = embedded_data(work / "report.html")
        with Case.open(case_path, read_only=True) as case:
            data = report_data(case)
        loads = browser_loads(work / "report.html")

    row = {
        "bench": "report_size",
        "posts": built["posts"],
        "planted_groups": meta["counts"]["groups"] if meta else None,
        "planted_accounts": meta["counts"]["planted_accounts"] if meta else None,
        "networks": built["networks"],
        "findings": built["findings"],
        "html_mb": reports["html_mb"],
        "md_mb": reports["md_mb"],
        "json_mb": reports["json_mb"],
        "render_seconds": reports["html_seconds"],
        "interactive_seconds_median": loads["interactive_seconds_median"],
        "interactive_seconds_all": loads["interactive_seconds_all"],
        "graph_nodes": loads["graph_nodes"],
        "graph_edges": loads["graph_edges"],
        "caps": data["caps"],
        "targets": {
            "html_under_10_mb": reports["html_mb"] < HTML_LIMIT_MB,
            "interactive_under_3_s": loads["interactive_seconds_median"] < INTERACTIVE_LIMIT_S,
        },
        "md_seconds": reports["md_seconds"],
        "json_seconds": reports["json_seconds"],
        "import_seconds": built["import_seconds"],
        "detect_seconds": built["detect_seconds"],
        "flagged_accounts": built["flagged_accounts"],
        "largest_network": built["largest_network"],
        "findings_shown": len(data["findings"]),
        "timelines_shown": len(data["timelines"]),
        "page_mb": parts,
        "navigation_timing_s": loads["navigation_timing_s"],
        "browser_problems": loads["browser_problems"],
    }
    table = [
        ("posts / planted groups", f"{row['posts']:,} / {row['planted_groups']}"),
        ("networks found / findings", f"{row['networks']} / {row['findings']} (need not be the planted 50)"),
        ("import / detect", f"{row['import_seconds']} s / {row['detect_seconds']} s"),
        (
            "write_report html / md / json",
            f"{row['render_seconds']} / {row['md_seconds']} / {row['json_seconds']} s",
        ),
        ("html / md / json size", f"{row['html_mb']} / {row['md_mb']} / {row['json_mb']} MB"),
        (
            "interactive (median of 3)",
            f"{row['interactive_seconds_median']} s {row['interactive_seconds_all']}",
        ),
        ("graph drawn", f"{row['graph_nodes']} nodes, {row['graph_edges']} edges"),
        ("targets", ", ".join(f"{k}: {v}" for k, v in row["targets"].items())),
    ]
    table += [(f"  {k}", f"{v} MB") for k, v in parts.items()]
    table += [("cap", html.unescape(c)) for c in row["caps"]]
    table += [("browser problem", p) for p in row["browser_problems"]]
    width = max(len(k) for k, _ in table)
    for k, v in table:
        print(f"{k:<{width}}  {v}", file=sys.stderr)
    print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
