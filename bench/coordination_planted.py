"""Precision and recall of the coordination engine on planted groups, and false flags on organic data.

Data come from ``bench/planted.py`` (written before the detector was tuned, by a session that never saw it):
an organic crowd with viral cascades, trending hashtags, copied headlines and news bots, plus planted groups
of every kind. For each scenario the script generates the posts, imports them into a fresh case, runs
``Coordination`` with its defaults, and scores flagged accounts against the ground truth; the control run is
the same organic crowd without any group. Prints one JSON line per scenario and a summary line.

    python bench/coordination_planted.py --posts 1000000 [--scenario default --scenario viral ...]
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from peak import peak_rss_mib, reset_peak
from unmask.case import Case
from unmask.coordination import Coordination
from unmask.ingest import import_files

HERE = Path(__file__).resolve().parent
# Widely varied parameters (generator defaults: sizes 4-60, jitter 1-300 s, participation 0.5-1.0, every
# kind, fresh/popular/viral targets).
SCENARIOS: dict[str, dict[str, Any]] = {
    "default": {},
    "small_groups": {"group_size": (4, 8)},
    "large_jitter": {"jitter_s": (60, 300)},
    "low_participation": {"participation": (0.3, 0.6)},
    "few_actions": {"n_actions": (3, 8)},
    "fresh_targets": {"target_popularity": ("fresh",)},
    "viral_targets": {"target_popularity": ("viral",)},
}


def _planted_module():
    spec = importlib.util.spec_from_file_location("planted", HERE / "planted.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["planted"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def run(posts: int, seed: int, groups: int, params: dict[str, Any], control: bool, workdir: Path) -> dict:
    planted = _planted_module()
    generated = planted.generate_all(posts, seed, groups, control=control, **params)
    planted.write(workdir, generated, csv=True)
    csv_path = workdir / "posts.csv"
    n_posts = generated.posts.num_rows
    truth_accounts = set(generated.truth.column("account_id").to_pylist())
    del generated  # so that the peaks below are the import's and the detector's, not the generator's
    gc.collect()
    case_path = workdir / "case.duckdb"
    case_path.unlink(missing_ok=True)
    started = time.perf_counter()
    reset_peak()
    with Case.open(case_path) as case:
        import_files(case, "posts-csv", [csv_path])
        imported = time.perf_counter() - started
        import_peak = peak_rss_mib()
        reset_peak()
        found = Coordination().fit(case)
        detect_peak = peak_rss_mib()
        accounts = case.scalar("SELECT count(DISTINCT account_id) FROM posts")
    flagged = set(found.accounts_.column("account_id").to_pylist())
    tp = len(flagged & truth_accounts)
    return {
        "posts": n_posts,
        "accounts": accounts,
        "planted_accounts": len(truth_accounts),
        "flagged": len(flagged),
        "true_positives": tp,
        "precision": round(tp / len(flagged), 4) if flagged else None,
        "recall": round(tp / len(truth_accounts), 4) if truth_accounts else None,
        "flagged_share": round(len(flagged) / accounts, 6),
        "window_s": found.window_,
        "networks": len(found.networks_),
        "import_s": round(imported, 1),
        "detect_s": found.seconds_["total"],
        "kinds_s": found.seconds_["kinds"],
        "import_peak_rss_mib": import_peak,
        "detect_peak_rss_mib": detect_peak,
        "params": {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--groups", type=int, default=40)
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS))
    parser.add_argument("--no-control", action="store_true")
    args = parser.parse_args()
    results = []
    for name in args.scenario or list(SCENARIOS):
        with tempfile.TemporaryDirectory(prefix="unmask-bench-") as tmp:
            row = {
                "scenario": name,
                **run(args.posts, args.seed, args.groups, SCENARIOS[name], False, Path(tmp)),
            }
        print(json.dumps(row), flush=True)
        results.append(row)
    if not args.no_control:
        with tempfile.TemporaryDirectory(prefix="unmask-bench-") as tmp:
            row = {"scenario": "control", **run(args.posts, args.seed, args.groups, {}, True, Path(tmp))}
        print(json.dumps(row), flush=True)
        results.append(row)
    scored = [r for r in results if r["recall"] is not None]
    tp = sum(r["true_positives"] for r in scored)
    print(
        json.dumps(
            {
                "bench": "coordination_planted",
                "posts": args.posts,
                "seed": args.seed,
                "precision": round(tp / max(1, sum(r["flagged"] for r in scored)), 4),
                "recall": round(tp / max(1, sum(r["planted_accounts"] for r in scored)), 4),
                "control_flagged_share": next(
                    (r["flagged_share"] for r in results if r["scenario"] == "control"), None
                ),
                "detect_peak_rss_mib": max(r["detect_peak_rss_mib"] for r in results),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
