"""Data to calibrate the coordination engine's account scores, and how well they are calibrated.

Same planted data and defaults as ``bench/coordination_planted.py``: for each scenario (plus the control,
the organic crowd without any group) and each seed, the script generates the posts, imports them into a
fresh case, runs ``Coordination`` with its defaults and writes one CSV row per flagged account: scenario,
seed, account_id, network_id, score (from ``accounts_``), network_score and network_size (from
``networks_``), planted (1 if the account is in the ground truth) and network_planted (1 if its network
holds any planted account). Prints one JSON line per run with precision and recall.

With ``--fit`` it reads the CSV back and prints JSON lines: the Brier score of the raw score against
``planted``; an isotonic regression fitted on every seed but ``--holdout`` and the Brier scores of raw and
calibrated scores on the held-out seed; reliability tables (10 equal-width bins) for both; and, with
``--plot``, a reliability diagram.

    python bench/coordination_calibration.py --posts 100000 --seeds 1,2,3 [--scenario default ...] \
        [--fit --plot calibration.png] [--fit-only]
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from coordination_planted import SCENARIOS, _planted_module
from unmask.case import Case
from unmask.coordination import Coordination
from unmask.ingest import import_files

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "data" / "coordination_calibration.csv"
BINS = 10
SCHEMA = pa.schema(
    [
        ("scenario", pa.string()),
        ("seed", pa.int64()),
        ("account_id", pa.string()),
        ("network_id", pa.int64()),
        ("score", pa.float64()),
        ("network_score", pa.float64()),
        ("network_size", pa.int64()),
        ("planted", pa.int8()),
        ("network_planted", pa.int8()),
    ]
)


def _label(accounts: pa.Table, networks: list[dict], truth: pa.Array) -> dict[str, pa.Array]:
    """Network score, size and ground-truth columns for the flagged accounts, aligned with ``accounts``."""
    net_ids = accounts.column("network_id").to_numpy()
    known = np.array([n["network_id"] for n in networks], np.int64)
    order = np.argsort(known)
    # Every flagged account's network is in networks_, so searchsorted finds an exact match.
    at = order[np.searchsorted(known, net_ids, sorter=order)] if len(known) else np.zeros(0, np.int64)
    planted = pc.is_in(accounts.column("account_id"), value_set=truth).to_numpy(zero_copy_only=False)
    planted = planted.astype(np.int8)
    if len(net_ids):
        hit = np.zeros(int(net_ids.max()) + 1, np.int8)
        np.maximum.at(hit, net_ids, planted)
        network_planted = hit[net_ids]
    else:
        network_planted = np.zeros(0, np.int8)
    return {
        "network_score": pa.array(np.array([n["score"] for n in networks], np.float64)[at]),
        "network_size": pa.array(np.array([n["size"] for n in networks], np.int64)[at]),
        "planted": pa.array(planted),
        "network_planted": pa.array(network_planted),
    }


def collect(
    scenario: str, posts: int, seed: int, groups: int, params: dict[str, Any], control: bool, workdir: Path
) -> tuple[pa.Table, dict]:
    """One run: the per-account rows and a summary with precision, recall and times."""
    planted = _planted_module()
    started = time.perf_counter()
    generated = planted.generate_all(posts, seed, groups, control=control, **params)
    planted.write(workdir, generated, csv=True)
    truth = generated.truth.column("account_id").combine_chunks()
    del generated
    gc.collect()
    generate_s = time.perf_counter() - started
    with Case.open(workdir / "case.duckdb") as case:
        import_files(case, "posts-csv", [workdir / "posts.csv"])
        found = Coordination().fit(case)
    accounts = found.accounts_
    n = accounts.num_rows
    rows = pa.table(
        {
            "scenario": pa.array([scenario] * n, pa.string()),
            "seed": pa.array(np.full(n, seed, np.int64)),
            "account_id": accounts.column("account_id"),
            "network_id": accounts.column("network_id"),
            "score": accounts.column("score"),
            **_label(accounts, found.networks_, truth),
        },
        schema=SCHEMA,
    )
    tp = int(pc.sum(rows.column("planted")).as_py() or 0)
    summary = {
        "scenario": scenario,
        "seed": seed,
        "posts": posts,
        "planted_accounts": len(truth),
        "flagged": n,
        "networks": len(found.networks_),
        "true_positives": tp,
        "precision": round(tp / n, 4) if n else None,
        "recall": round(tp / len(truth), 4) if len(truth) else None,
        "generate_s": round(generate_s, 1),
        "run_s": round(time.perf_counter() - started, 1),
    }
    return rows, summary


def reliability(pred: np.ndarray, y: np.ndarray) -> list[dict]:
    """Mean prediction, observed rate and count per equal-width bin of [0, 1] (empty bins left out)."""
    # A score of exactly 1.0 belongs in the top bin, not an eleventh.
    idx = np.minimum((pred * BINS).astype(np.int64), BINS - 1)
    count = np.bincount(idx, minlength=BINS)
    mean_pred = np.bincount(idx, weights=pred, minlength=BINS) / np.maximum(count, 1)
    rate = np.bincount(idx, weights=y, minlength=BINS) / np.maximum(count, 1)
    return [
        {
            "bin": f"[{b / BINS:.1f}, {(b + 1) / BINS:.1f}{']' if b == BINS - 1 else ')'}",
            "mean_predicted": round(float(mean_pred[b]), 4),
            "observed_rate": round(float(rate[b]), 4),
            "count": int(count[b]),
        }
        for b in np.flatnonzero(count)
    ]


def fit(csv_path: Path, holdout: int | None, plot: Path | None) -> None:
    """Brier scores and reliability tables of raw and isotonic-calibrated scores; optional diagram."""
    from sklearn.isotonic import IsotonicRegression

    table = pacsv.read_csv(csv_path, convert_options=pacsv.ConvertOptions(column_types=SCHEMA))
    score = table.column("score").to_numpy()
    y = table.column("planted").to_numpy().astype(np.int64)
    seed = table.column("seed").to_numpy()
    if not len(y):
        print(json.dumps({"fit": "all", "rows": 0, "skipped": "no flagged accounts"}))
        return
    seeds = sorted(set(seed.tolist()))
    holdout = seeds[-1] if holdout is None else holdout
    test = seed == holdout
    print(
        json.dumps(
            {
                "fit": "all",
                "rows": len(y),
                "planted_rate": round(float(y.mean()), 4),
                "brier_raw": _brier(y, score),
                # Scores are 1 - best q-value, so they only span the top of [0, 1]; show where.
                "score_p01_p10_p50": [round(float(v), 6) for v in np.quantile(score, [0.01, 0.1, 0.5])],
            }
        )
    )
    if not test.any() or test.all():
        print(json.dumps({"fit": "isotonic", "skipped": f"need seeds besides the holdout {holdout}"}))
        return
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(score[~test], y[~test])
    calibrated = iso.predict(score[test])
    raw_table = reliability(score[test], y[test])
    cal_table = reliability(calibrated, y[test])
    print(
        json.dumps(
            {
                "fit": "isotonic",
                "train_seeds": [s for s in seeds if s != holdout],
                "holdout": holdout,
                "train_rows": int((~test).sum()),
                "test_rows": int(test.sum()),
                "brier_raw_holdout": _brier(y[test], score[test]),
                "brier_calibrated_holdout": _brier(y[test], calibrated),
                "thresholds": [round(float(v), 4) for v in iso.X_thresholds_],
                "values": [round(float(v), 4) for v in iso.y_thresholds_],
            }
        )
    )
    print(json.dumps({"reliability": "raw_holdout", "bins": raw_table}))
    print(json.dumps({"reliability": "calibrated_holdout", "bins": cal_table}))
    if plot is not None:
        _plot(plot, raw_table, cal_table, holdout)


def _brier(y: np.ndarray, pred: np.ndarray) -> float:
    from sklearn.metrics import brier_score_loss

    # Significant digits rather than decimals: near-perfect scores give Brier scores around 1e-6.
    return float(f"{brier_score_loss(y, pred):.4g}")


def _plot(path: Path, raw: list[dict], calibrated: list[dict], holdout: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfect")
    for name, rows, marker in (("raw", raw, "o"), ("isotonic", calibrated, "s")):
        ax.plot(
            [r["mean_predicted"] for r in rows], [r["observed_rate"] for r in rows], marker=marker, label=name
        )
    ax.set(
        xlim=(0, 1),
        ylim=(0, 1),
        xlabel="mean predicted",
        ylabel="observed planted rate",
        title=f"Account score reliability (held-out seed {holdout})",
    )
    ax.legend(loc="upper left")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated seeds")
    parser.add_argument("--groups", type=int, default=40)
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS))
    parser.add_argument("--no-control", action="store_true")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="CSV written, and read by --fit")
    parser.add_argument("--fit", action="store_true", help="after collecting, fit and report calibration")
    parser.add_argument("--fit-only", action="store_true", help="fit on an existing --out, collect nothing")
    parser.add_argument("--holdout", type=int, help="seed held out for the isotonic fit (default: last)")
    parser.add_argument("--plot", type=Path, help="reliability diagram PNG (with --fit)")
    args = parser.parse_args()
    if not args.fit_only:
        seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
        runs = [(name, SCENARIOS[name], False) for name in args.scenario or list(SCENARIOS)]
        if not args.no_control:
            runs.append(("control", {}, True))
        tables = []
        for seed in seeds:
            for name, params, control in runs:
                with tempfile.TemporaryDirectory(prefix="unmask-bench-") as tmp:
                    rows, summary = collect(name, args.posts, seed, args.groups, params, control, Path(tmp))
                print(json.dumps(summary), flush=True)
                tables.append(rows)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        # Written only once every run is done, so that an interrupted grid leaves no partial CSV.
        pacsv.write_csv(pa.concat_tables(tables), args.out)
    if args.fit or args.fit_only:
        fit(args.out, args.holdout, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
