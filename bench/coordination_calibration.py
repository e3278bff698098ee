"""Calibration of the coordination engine's account and network scores on planted runs.

Same planted data and defaults as ``bench/coordination_planted.py``: for each scenario (plus the control,
the organic crowd without any group) and each seed, the script generates the posts, imports them into a
fresh case, runs ``Coordination`` with its defaults and writes one row per account of the case to a gzipped
CSV: scenario, seed, posts, account_id, best_q and ``score`` = 1 − best_q from ``account_scores_`` (every
account in a tested edge, flagged or not), ``scored`` (0 for the accounts in no tested edge, whose score is
0), ``planted`` (the ground truth), ``flagged``, ``network_id`` (-1 when not flagged), ``network_size`` and
``flagged_score`` (the detector's own account score, 1 − q of the best edge inside the network; empty when
not flagged). Prints one JSON line per run.

With ``--fit`` (after collecting) or ``--fit-only`` (on an existing ``--out``) it fits an isotonic
regression of ``planted`` on ``score`` over the scored accounts of every seed but ``--holdout`` (accounts in
no tested edge are left out of the fit and counted), and prints JSON lines, all on the held-out seed: Brier
scores of raw and calibrated scores (scored accounts; every account; flagged accounts; per scenario),
reliability tables, and the network check (per flagged network, the mean calibrated member score against
the share of its members that are planted). ``--plot`` draws the reliability diagram, ``--write-params``
writes the fitted map as the JSON that ships (``unmask/data/coordination_calibration.json``).

    python bench/coordination_calibration.py --posts 200000 --seeds 1,2,3 --holdout 3 --fit \
        --plot docs/img/coordination_calibration.png \
        --write-params src/unmask/data/coordination_calibration.json
    python bench/coordination_calibration.py --fit-only --holdout 3 [--plot ...] [--write-params ...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import itertools
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from coordination_planted import SCENARIOS, _planted_module
from unmask import __version__
from unmask.case import Case
from unmask.coordination import Coordination
from unmask.ingest import import_files

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "data" / "coordination_calibration.csv.gz"
CONTROL = "control"
FITTED_ON = {
    "scored": "every account in a tested edge (account_scores_); accounts in none (raw score 0) left out",
    "flagged": "the flagged accounts (accounts_), scored with 1 - best q of account_scores_",
}
BINS = 10
# Bands of the best q: flagged accounts all have q ≤ alpha (0.01), so bins of 1 − q lump them together.
Q_BANDS = (0.0, 1e-12, 1e-6, 1e-3, 1e-2, 0.05, 0.2, 1.0)
SCHEMA = pa.schema(
    [
        ("scenario", pa.string()),
        ("seed", pa.int64()),
        ("posts", pa.int64()),
        ("account_id", pa.string()),
        ("scored", pa.int8()),
        ("best_q", pa.float64()),
        ("score", pa.float64()),
        ("planted", pa.int8()),
        ("flagged", pa.int8()),
        ("network_id", pa.int64()),
        ("network_size", pa.int64()),
        ("flagged_score", pa.float64()),
    ]
)


# -- collecting ------------------------------------------------------------------------------------


def account_rows(
    scenario: str,
    seed: int,
    posts: int,
    all_accounts: pa.Array,
    scores: pa.Table,
    flagged: pa.Table,
    networks: list[dict],
    truth: pa.Array,
) -> pa.Table:
    """One row per account of the case (``all_accounts``): its best q from ``scores`` (the detector's
    ``account_scores_``; 1 where absent), planted or not, and its network from ``flagged`` (``accounts_``)."""
    ids = all_accounts.cast(pa.string())
    n = len(ids)
    at = pc.index_in(ids, value_set=scores.column("account_id").combine_chunks())
    scored = pc.is_valid(at).to_numpy(zero_copy_only=False)
    best_q = np.ones(n)
    best_q[scored] = scores.column("best_q").to_numpy()[at.drop_null().to_numpy()]
    in_net = pc.index_in(ids, value_set=flagged.column("account_id").combine_chunks())
    is_flagged = pc.is_valid(in_net).to_numpy(zero_copy_only=False)
    rows = in_net.drop_null().to_numpy()
    network_id = np.full(n, -1, np.int64)
    network_id[is_flagged] = flagged.column("network_id").to_numpy()[rows]
    flagged_score = np.full(n, np.nan)
    flagged_score[is_flagged] = flagged.column("score").to_numpy()[rows]
    size_of = {net["network_id"]: net["size"] for net in networks}
    network_size = np.array([size_of.get(int(x), 0) for x in network_id], np.int64)
    return pa.table(
        {
            "scenario": pa.array([scenario] * n, pa.string()),
            "seed": pa.array(np.full(n, seed, np.int64)),
            "posts": pa.array(np.full(n, posts, np.int64)),
            "account_id": ids,
            "scored": pa.array(scored.astype(np.int8)),
            "best_q": pa.array(best_q),
            "score": pa.array(1.0 - best_q),
            "planted": pa.array(
                pc.is_in(ids, value_set=truth).to_numpy(zero_copy_only=False).astype(np.int8)
            ),
            "flagged": pa.array(is_flagged.astype(np.int8)),
            "network_id": pa.array(network_id),
            "network_size": pa.array(network_size),
            "flagged_score": pa.array(flagged_score, from_pandas=True),
        },
        schema=SCHEMA,
    )


def collect(
    scenario: str, posts: int, seed: int, groups: int, params: dict[str, Any], control: bool, workdir: Path
) -> tuple[pa.Table, dict]:
    """One run: the per-account rows and a summary."""
    planted = _planted_module()
    started = time.perf_counter()
    generated = planted.generate_all(posts, seed, groups, control=control, **params)
    planted.write(workdir, generated, csv=True)
    truth = generated.truth.column("account_id").combine_chunks()
    del generated
    gc.collect()
    with Case.open(workdir / "case.duckdb") as case:
        import_files(case, "posts-csv", [workdir / "posts.csv"])
        found = Coordination().fit(case)
        all_accounts = case.con.sql("SELECT DISTINCT account_id FROM posts").to_arrow_table().column(0)
    rows = account_rows(
        scenario,
        seed,
        posts,
        all_accounts.combine_chunks(),
        found.account_scores_,
        found.accounts_,
        found.networks_,
        truth,
    )
    planted_ = rows.column("planted").to_numpy().astype(bool)
    scored = rows.column("scored").to_numpy().astype(bool)
    flagged = rows.column("flagged").to_numpy().astype(bool)
    tp = int((planted_ & flagged).sum())
    summary = {
        "scenario": scenario,
        "seed": seed,
        "posts": posts,
        "accounts": rows.num_rows,
        "scored": int(scored.sum()),
        "planted_accounts": int(planted_.sum()),
        "planted_unscored": int((planted_ & ~scored).sum()),
        "flagged": int(flagged.sum()),
        "networks": len(found.networks_),
        "true_positives": tp,
        "precision": round(tp / flagged.sum(), 4) if flagged.any() else None,
        "recall": round(tp / planted_.sum(), 4) if planted_.any() else None,
        "run_s": round(time.perf_counter() - started, 1),
    }
    return rows, summary


# -- fitting ---------------------------------------------------------------------------------------


def reliability(pred: np.ndarray, y: np.ndarray) -> list[dict]:
    """Mean prediction, observed rate and count per equal-width bin of [0, 1] (empty bins left out)."""
    # A score of exactly 1.0 belongs in the top bin, not an eleventh.
    idx = np.minimum((pred * BINS).astype(np.int64), BINS - 1)
    return _binned(
        idx,
        pred,
        y,
        [f"[{b / BINS:.1f}, {(b + 1) / BINS:.1f}{']' if b == BINS - 1 else ')'}" for b in range(BINS)],
    )


def q_bands(best_q: np.ndarray, pred: np.ndarray, y: np.ndarray) -> list[dict]:
    """Mean prediction, observed rate and count per band of the best q (see :data:`Q_BANDS`)."""
    idx = np.clip(np.searchsorted(Q_BANDS, best_q, side="left") - 1, 0, len(Q_BANDS) - 2)
    names = [f"q in ({lo:g}, {hi:g}]" if lo else f"q <= {hi:g}" for lo, hi in itertools.pairwise(Q_BANDS)]
    return _binned(idx, pred, y, names)


def _binned(idx: np.ndarray, pred: np.ndarray, y: np.ndarray, names: list[str]) -> list[dict]:
    k = len(names)
    count = np.bincount(idx, minlength=k)
    mean_pred = np.bincount(idx, weights=pred, minlength=k) / np.maximum(count, 1)
    rate = np.bincount(idx, weights=y, minlength=k) / np.maximum(count, 1)
    return [
        {
            "bin": names[b],
            "mean_predicted": round(float(mean_pred[b]), 4),
            "observed_rate": round(float(rate[b]), 4),
            "count": int(count[b]),
        }
        for b in np.flatnonzero(count)
    ]


def brier(y: np.ndarray, pred: np.ndarray) -> float | None:
    """Mean squared error of probabilities against 0/1 outcomes, to four significant digits."""
    if not len(y):
        return None
    # Significant digits rather than decimals: near-perfect scores give Brier scores around 1e-5.
    return float(f"{float(np.mean((pred - y) ** 2)):.4g}")


def network_check(table: pa.Table, calibrate: Callable[[np.ndarray], np.ndarray]) -> tuple[list[dict], dict]:
    """Per flagged network: size, share of planted members, mean and median calibrated member score, and
    the raw score ``networks_`` gives now (median of the members' ``accounts_`` scores); their errors."""
    flagged = table.filter(pc.equal(table.column("flagged"), 1))
    keys = np.char.add(
        np.asarray(flagged.column("scenario").to_pylist(), dtype=str),
        np.char.mod(":%d", flagged.column("network_id").to_numpy()),
    )
    cal = calibrate(flagged.column("score").to_numpy())
    raw = flagged.column("flagged_score").to_numpy()
    y = flagged.column("planted").to_numpy().astype(float)
    nets = [
        {
            "network": str(key),
            "size": int(mine.sum()),
            "planted_share": float(y[mine].mean()),
            "mean_calibrated": float(cal[mine].mean()),
            "median_calibrated": float(np.median(cal[mine])),
            "raw_score": float(np.median(raw[mine])),
        }
        for key in np.unique(keys)
        for mine in [keys == key]
    ]
    share = np.array([n["planted_share"] for n in nets])
    mean_cal = np.array([n["mean_calibrated"] for n in nets])
    summary = {
        "networks": len(nets),
        "all_planted": int((share == 1).sum()),
        "none_planted": int((share == 0).sum()),
        "mse_calibrated": brier(share, mean_cal),
        "mse_median_calibrated": brier(share, np.array([n["median_calibrated"] for n in nets])),
        "mse_raw": brier(share, np.array([n["raw_score"] for n in nets])),
        "reliability_calibrated": reliability(mean_cal, share),
    }
    return nets, summary


def fit_map(score: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Thresholds and values of the isotonic regression of ``y`` on ``score`` (increasing, in (0, 1)),
    each block's rate smoothed to (k + 1) / (n + 2)."""
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0, increasing=True).fit(score, y)
    thresholds, values = iso.X_thresholds_.astype(float), iso.y_thresholds_.astype(float)
    # A block of n accounts all planted (or none) maps to exactly 1 (or 0): a certainty that no finite
    # planted sample supports (held out, the top block holds the control's news bots). The blocks are the
    # training points that share a fitted value; each gets (k + 1) / (n + 2), kept monotone.
    levels, block = np.unique(iso.predict(score), return_inverse=True)
    rate = (np.bincount(block, weights=y) + 1) / (np.bincount(block) + 2)
    at = np.searchsorted(levels, values)
    assert np.array_equal(levels[at], values), "every threshold's value is a block's fitted value"
    return thresholds, np.maximum.accumulate(rate[at])


def _rate(values: np.ndarray) -> float | None:
    return round(float(values.mean()), 4) if len(values) else None


def _by_scenario(table: pa.Table, rows: np.ndarray, cal: np.ndarray) -> list[dict]:
    """Per scenario, among ``rows``: planted rate, mean raw and calibrated scores, Brier of both."""
    scenario = np.asarray(table.column("scenario").to_pylist(), dtype=str)
    score = table.column("score").to_numpy()
    y = table.column("planted").to_numpy().astype(float)
    flagged = table.column("flagged").to_numpy().astype(bool)
    out = []
    for name in sorted(set(scenario[rows].tolist())):
        mine = rows & (scenario == name)
        mine_f = mine & flagged
        out.append(
            {
                "scenario": name,
                "rows": int(mine.sum()),
                "planted_rate": _rate(y[mine]),
                "mean_raw": _rate(score[mine]),
                "mean_calibrated": _rate(cal[mine]),
                "brier_raw": brier(y[mine], score[mine]),
                "brier_calibrated": brier(y[mine], cal[mine]),
                "flagged": int(mine_f.sum()),
                "flagged_planted_rate": _rate(y[mine_f]),
                "flagged_mean_calibrated": _rate(cal[mine_f]),
                "brier_calibrated_flagged": brier(y[mine_f], cal[mine_f]),
            }
        )
    return out


def fit(
    csv_path: Path, holdout: int | None, fit_on: str, plot: Path | None, params_path: Path | None
) -> None:
    """Fit on every seed but the held-out one (the scored accounts, or only the flagged ones); print Brier
    scores and reliability; plot; write params."""
    table = pacsv.read_csv(csv_path, convert_options=pacsv.ConvertOptions(column_types=SCHEMA))
    seed = table.column("seed").to_numpy()
    seeds = sorted(set(seed.tolist()))
    holdout = seeds[-1] if holdout is None else holdout
    test = seed == holdout
    if not test.any() or test.all():
        raise SystemExit(f"--holdout {holdout}: need it and other seeds among {seeds}")
    score = table.column("score").to_numpy()
    y = table.column("planted").to_numpy().astype(float)
    scored = table.column("scored").to_numpy().astype(bool)
    flagged = table.column("flagged").to_numpy().astype(bool)
    rounded = table.column("flagged_score").to_numpy()
    train = ~test & (flagged if fit_on == "flagged" else scored)
    thresholds, values = fit_map(score[train], y[train])

    def calibrate(raw: np.ndarray) -> np.ndarray:
        # What unmask.coordination.calibration does with the shipped JSON.
        return np.interp(np.clip(raw, 0.0, 1.0), thresholds, values)

    cal = calibrate(score)
    ts, tf = test & scored, test & flagged
    figures = {
        "fit_on": fit_on,
        "train_seeds": [s for s in seeds if s != holdout],
        "holdout": holdout,
        "train_rows": int(train.sum()),
        "train_positives": int(y[train].sum()),
        "left_out_unscored_train": int((~test & ~scored).sum()),
        "left_out_unscored_planted_train": int((~test & ~scored & (y == 1)).sum()),
        "test_rows": int(ts.sum()),
        "test_positives": int(y[ts].sum()),
        "brier_raw_holdout": brier(y[ts], score[ts]),
        "brier_calibrated_holdout": brier(y[ts], cal[ts]),
        # With the accounts in no tested edge (raw 0): what a whole case looks like.
        "brier_raw_holdout_all_accounts": brier(y[test], score[test]),
        "brier_calibrated_holdout_all_accounts": brier(y[test], cal[test]),
        "flagged_test_rows": int(tf.sum()),
        "flagged_test_positives": int(y[tf].sum()),
        "brier_raw_holdout_flagged": brier(y[tf], score[tf]),
        "brier_calibrated_holdout_flagged": brier(y[tf], cal[tf]),
        # accounts_ rounds its score to 6 decimals and takes the best edge inside the network only:
        # calibrating that instead of 1 − best_q of account_scores_ costs this much.
        "flagged_rounded_differs": int((np.abs(rounded[tf] - score[tf]) > 1e-6).sum()),
        "brier_calibrated_holdout_flagged_rounded": brier(y[tf], calibrate(rounded[tf])),
        "points": len(thresholds),
        "calibrated_at_raw_0.99_0.999_0.99999_1": [
            round(float(v), 4) for v in calibrate(np.array([0.99, 0.999, 0.99999, 1.0]))
        ],
    }
    print(json.dumps({"fit": "isotonic", **figures}))
    for line in _by_scenario(table, ts, cal):
        print(json.dumps(line))
    tables = {
        "raw_holdout": reliability(score[ts], y[ts]),
        "calibrated_holdout": reliability(cal[ts], y[ts]),
        "calibrated_holdout_flagged": reliability(cal[tf], y[tf]),
        "q_bands_holdout": q_bands(table.column("best_q").to_numpy()[ts], cal[ts], y[ts]),
    }
    for name, bins in tables.items():
        print(json.dumps({"reliability": name, "bins": bins}))
    nets, net_summary = network_check(table.filter(pa.array(test)), calibrate)
    print(json.dumps({"networks_holdout": net_summary}))
    figures["network_mse_calibrated_holdout"] = net_summary["mse_calibrated"]
    figures["network_mse_raw_holdout"] = net_summary["mse_raw"]
    if plot is not None:
        _plot(plot, tables, nets, figures)
    if params_path is not None:
        write_params(params_path, table, thresholds, values, figures)


def write_params(
    path: Path, table: pa.Table, thresholds: np.ndarray, values: np.ndarray, figures: dict
) -> None:
    """The fitted map and what it was fitted on, as the JSON that ships."""
    posts = sorted(set(table.column("posts").to_numpy().tolist()))
    params = {
        "method": "isotonic regression of planted on 1 - best q (sklearn), each block's rate smoothed to "
        "(k + 1) / (n + 2); applied with np.interp",
        "fitted_on": FITTED_ON[figures["fit_on"]],
        "thresholds": thresholds.tolist(),
        "values": values.tolist(),
        "n_rows": figures["train_rows"],
        "positives": figures["train_positives"],
        "scenarios": sorted(set(table.column("scenario").to_pylist())),
        "seeds": figures["train_seeds"],
        "holdout_seed": figures["holdout"],
        "posts": posts[0] if len(posts) == 1 else posts,
        "date": dt.date.today().isoformat(),
        "unmask_version": __version__,
        "brier": {k: v for k, v in figures.items() if k.startswith(("brier", "network_mse"))},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(params, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({"wrote": str(path), "points": len(thresholds)}))


def _plot(path: Path, tables: dict[str, list[dict]], nets: list[dict], figures: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 5))
    for ax in (left, right):
        ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfect")
        ax.set(xlim=(-0.02, 1.02), ylim=(-0.02, 1.02))
    curves = (
        ("raw 1 − q", "raw_holdout", "brier_raw_holdout", "o"),
        ("calibrated", "calibrated_holdout", "brier_calibrated_holdout", "s"),
        ("calibrated, flagged only", "calibrated_holdout_flagged", "brier_calibrated_holdout_flagged", "^"),
    )
    for name, key, brier_key, marker in curves:
        rows = tables[key]
        left.plot(
            [r["mean_predicted"] for r in rows],
            [r["observed_rate"] for r in rows],
            marker=marker,
            label=f"{name} (Brier {figures[brier_key]:.3g})",
        )
    left.set(
        xlabel="mean predicted (10 equal-width bins)",
        ylabel="observed share planted",
        title=f"Accounts in a tested edge, held-out seed {figures['holdout']}",
    )
    left.legend(loc="upper left", fontsize=8)
    right.scatter(
        [n["mean_calibrated"] for n in nets],
        [n["planted_share"] for n in nets],
        s=[8 + 2 * n["size"] for n in nets],
        alpha=0.4,
        label=f"network (MSE {figures['network_mse_calibrated_holdout']:.3g}); area ~ size",
    )
    bins = reliability(
        np.array([n["mean_calibrated"] for n in nets]), np.array([n["planted_share"] for n in nets])
    )
    right.plot(
        [b["mean_predicted"] for b in bins],
        [b["observed_rate"] for b in bins],
        marker="s",
        color="tab:orange",
        label="networks, 10 equal-width bins",
    )
    right.set(
        xlabel="mean calibrated member score",
        ylabel="share of members planted",
        title=f"Flagged networks, held-out seed {figures['holdout']}",
    )
    right.legend(loc="center left", fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated seeds")
    parser.add_argument("--groups", type=int, default=40)
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS))
    parser.add_argument("--no-control", action="store_true")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="gzipped CSV written, and read by --fit"
    )
    parser.add_argument("--fit", action="store_true", help="after collecting, fit and report calibration")
    parser.add_argument("--fit-only", action="store_true", help="fit on an existing --out, collect nothing")
    parser.add_argument("--holdout", type=int, help="seed held out of the isotonic fit (default: last)")
    parser.add_argument(
        "--fit-on",
        choices=("scored", "flagged"),
        default="scored",
        help="fit on every account in a tested edge (default), or on the flagged accounts only",
    )
    parser.add_argument("--plot", type=Path, help="reliability diagram PNG (with --fit)")
    parser.add_argument("--write-params", type=Path, help="the fitted map as JSON (with --fit)")
    args = parser.parse_args()
    if not args.fit_only:
        seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
        runs = [(name, SCENARIOS[name], False) for name in args.scenario or list(SCENARIOS)]
        if not args.no_control:
            runs.append((CONTROL, {}, True))
        tables = []
        for seed in seeds:
            for name, params, control in runs:
                with tempfile.TemporaryDirectory(prefix="unmask-bench-") as tmp:
                    rows, summary = collect(name, args.posts, seed, args.groups, params, control, Path(tmp))
                print(json.dumps(summary), flush=True)
                tables.append(rows)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        # Written only once every run is done, so that an interrupted grid leaves no partial CSV.
        with pa.CompressedOutputStream(str(args.out), "gzip") as sink:
            pacsv.write_csv(pa.concat_tables(tables), sink)
    if args.fit or args.fit_only:
        fit(args.out, args.holdout, args.fit_on, args.plot, args.write_params)
    return 0


if __name__ == "__main__":
    sys.exit(main())
