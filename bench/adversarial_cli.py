"""The coordination engine as a user runs it, on the blind adversarial scenarios of ``adversarial.py``.

For each scenario: generate it (seed 0, scale 1), ``unmask import posts-csv``, then
``unmask coordination`` with every default (all kinds, the default windows, the null model), each command in
its own process under ``/usr/bin/time``. Precision and recall are of the planted accounts among the
accounts flagged in any network; untested runs (no baseline) are reported as such, with their networks.

    python bench/adversarial_cli.py [SCENARIO ...] [--work DIR] [--spark]

With ``--spark``, each scenario's posts are also written with ``unmask export posts --format parquet`` and
run with ``unmask coordination --engine spark --master local[2]``, every other option at its default, and the
two engines' outputs are compared as ``coordination_spark.py`` compares them (edges, p- and q-values,
networks, flagged accounts, per-kind counts). Its peak memory is the Python process's only (the JVM is a
child that GNU time does not follow).

Prints one JSON line a scenario.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCENARIOS = (
    "short-templated",
    "identical-texts",
    "one-word",
    "numbered-template",
    "operation-only",
    "one-object-everyone",
    "one-heavy-account",
)
UNMASK = Path(sys.executable).parent / "unmask"


def _timed(args: list[str]) -> tuple[subprocess.CompletedProcess, float, int]:
    """Run a command; return it, its wall seconds and its peak resident memory in KB."""
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", *args], capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    peak = int(done.stderr.strip().splitlines()[-1])
    return done, seconds, peak


def on_spark(folder: Path, case: Path, duckdb_summary: dict) -> dict:
    """The same scenario on Spark (local[2]) from the case's exported posts, compared with the DuckDB run."""
    from coordination_spark import compare  # needs pyarrow and the engine's outputs only

    posts = folder / "posts.parquet"
    exported, export_s, _ = _timed(
        [str(UNMASK), "export", "posts", "--case", str(case), "--format", "parquet", "--out", str(posts)]
    )
    if exported.returncode != 0:
        return {"error": exported.stderr.strip()[-500:]}
    out = folder / "out-spark"
    found, seconds, peak = _timed(
        [
            *(str(UNMASK), "coordination", "--engine", "spark", "--master", "local[2]"),
            *("--posts", str(posts), "--out", str(out), "--json"),
        ]
    )
    if found.returncode != 0:
        return {"error": found.stderr.strip()[-500:], "seconds": round(seconds, 1)}
    summary = json.loads(found.stdout)
    both = compare(
        {"out": str(folder / "out"), "summary": duckdb_summary}, {"out": str(out), "summary": summary}
    )
    edges = both["edges"]
    return {
        "identical": both["identical"],
        "edges": edges["duckdb_rows"],
        "max_relative_p_q": max(edges["max_relative"]["p_value"], edges["max_relative"]["q_value"]),
        "one_engine_only": edges["duckdb_only"]["count"] + edges["spark_only"]["count"],
        "q_within_1e-9_of_alpha": edges["duckdb_only"]["q_within_1e-9_of_alpha"]
        + edges["spark_only"]["q_within_1e-9_of_alpha"],
        "summary_differences": both["summaries"]["differences"],
        "export_s": round(export_s, 1),
        "coordination_s": round(seconds, 1),
        "python_peak_mb": round(peak / 1024),
    }


def run(scenario: str, work: Path, spark: bool = False) -> dict:
    folder = work / scenario
    shutil.rmtree(folder, ignore_errors=True)
    subprocess.run(
        [sys.executable, str(HERE / "adversarial.py"), scenario, "--out", str(folder)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    planted = set(truth["planted_accounts"])
    case = folder / "case.duckdb"
    imported, import_s, import_kb = _timed(
        [str(UNMASK), "import", "posts-csv", str(folder / "posts.csv"), "--case", str(case)]
    )
    if imported.returncode != 0:
        return {"scenario": scenario, "error": imported.stderr.strip()[-500:]}
    found, seconds, peak = _timed(
        [str(UNMASK), "coordination", "--case", str(case), "--out", str(folder / "out"), "--json"]
    )
    if found.returncode != 0:
        return {"scenario": scenario, "error": found.stderr.strip()[-500:], "seconds": round(seconds, 1)}
    summary = json.loads(found.stdout)
    with (folder / "out" / "accounts.csv").open(newline="", encoding="utf-8") as fh:
        flagged = {row["account_id"] for row in csv.DictReader(fh)}
    hit = len(flagged & planted)
    result = {
        "scenario": scenario,
        "rows": truth.get("rows"),
        "planted": len(planted),
        "flagged": len(flagged),
        "precision": round(hit / len(flagged), 3) if flagged else None,
        "recall": round(hit / len(planted), 3) if planted else None,
        "tested": summary["tested"],
        "no_baseline": summary.get("no_baseline"),
        "networks": summary["networks"],
        "windows_s": summary.get("windows_s"),
        "import_s": round(import_s, 1),
        "import_peak_mb": round(import_kb / 1024),
        "coordination_s": round(seconds, 1),
        "coordination_peak_mb": round(peak / 1024),
    }
    if spark:
        result["spark"] = on_spark(folder, case, summary)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", default=list(SCENARIOS))
    parser.add_argument("--work", type=Path, default=None, help="Folder for the data (default: temporary).")
    parser.add_argument("--spark", action="store_true", help="Also run on Spark (local[2]) and compare.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="unmask-adv-") as tmp:
        work = args.work or Path(tmp)
        for scenario in args.scenarios:
            print(json.dumps(run(scenario, work, args.spark)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
