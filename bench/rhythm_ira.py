"""The rhythm estimator on real activity with known shifts: IRA accounts' posting times (issue 14, item 7).

No persona in any shared data set has a known clock, so the truth is made: the real posting times of IRA
accounts with at least ``--min-posts`` posts are moved by known offsets and mixed, and
``RhythmEstimator()`` (defaults, as ``unmask persona rhythm`` runs it) is fitted to each case.

"Shift by d hours" moves every time d hours *earlier*: the same local clock d hours further east, so the
estimated offset should rise by d. Relative offsets are compared on the 24-hour circle, in (-12, +12].

* ``shift_whole``: an account against itself shifted by d in -8..+8 (d != 0). The likelihood depends only on
  the hour-of-day counts, which a whole-hour shift rotates, so this checks the equivariance of the point
  estimate. It can miss only through the candidate grid, whose half-hour offsets (3.5, 5.5, ...) exist in
  some places only: a peak between two hours goes to a half-hour candidate where there is one.
* ``shift_halves``: the account's active UTC days are split at random into two halves, A and B; B is
  shifted by d in -8..+8 (0 included) and the relative offset est(B) - est(A) compared with d. Two accounts
  of one operator, seen on different days: the realistic test.
* ``mix8_self`` / ``night12_self``: half A unshifted merged with half B shifted by 8 h / 12 h: two
  operators 8 hours apart, a day and a night shift, running one account.
* ``mix8_pair`` / ``pair0``: half the days of account A plus half the days of another account B whose
  estimated offset is within 1 h of A's (both determined), B shifted by 8 h / by 0 (the control: two
  operators in one zone).
* ``mix8_sameday``: the account's *events* split at random, one half shifted by 8 h: two operators sharing
  every day, which the two-operator test is not made for (no day keeps one clock).

**The two-operator test** (``mixture_``, a latent-class likelihood ratio over active days with a cut per
number of active days, set for 5 % false flags) is calibrated and scored on different accounts: the
accounts sorted by name, every other one (the first, third, ...) is the *calibration half*, the rest the
*test half*. ``--calibrate`` prints the cut table (``_MIXTURE_CUTS`` in ``unmask.persona.rhythm``): for
each size, three random stretches of that many consecutive active UTC days of every calibration account
with enough days, unmixed, and the 95th percentile of the statistic. Every mixture figure is on the test
half only: its false-flag rate on unmixed accounts (whole, stretches of fixed numbers of active days, and
thinned to two posts a day), the flag rate on the mixes, and whether the mix's two clocks are the
relative offset apart (8 h or 12 h, within 1 h).

Beside it, the outputs that stood in for a mix flag before: ``undetermined`` (``offset_determined_`` false,
the "no night trough" warning), ``offset_warning`` (that or the "poorly determined" warning: 90 % interval
wider than 6 h), the office-hours score, and the best log-likelihood ratio over flat activity per event
(``log_likelihood_.max() / n_events_``), with the AUCs of it and of the mixture statistic for telling
mixed from unmixed accounts. Where the mixed account's single offset lands is reported too.

The FiveThirtyEight ``publish_date`` states no zone (the import reads it as UTC by default): the absolute
offsets printed (``base``) are UTC only by that assumption; the relative figures do not depend on it.
Harvest duplicates (same author, minute and text) are dropped as the import quarantines them.

Prints one JSON line per figure, with ``n`` and the definitions; progress to stderr.

    python bench/rhythm_ira.py [--data FILE] [--min-posts 300] [--seed 0] [--calibrate]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from unmask.persona.rhythm import MIXTURE_FALSE_FLAG_RATE, RhythmEstimator

DATA = Path(__file__).resolve().parents[2] / "shared/data/coordination/ira/ira_tweets_half_a.parquet"
SHIFTS = range(-8, 9)
US_PER_HOUR = 3_600_000_000
US_PER_DAY = 24 * US_PER_HOUR
MIN_HALF = 30  # RhythmEstimator's min_events
CALIBRATION_SIZES = (20, 30, 40, 60, 80, 120, 160, 240, 320)  # active days
# A size needs this many calibration accounts with as many days: at 240 days only 59 of 287 have them, a
# population of their own (their cut is lower), so the cut stays at the last size with broad support.
MIN_CALIBRATION_ACCOUNTS = 100
CALIBRATION_DRAWS = 3
TEST_SIZES = (20, 40, 80, 160)


def load(path: Path, min_posts: int) -> dict[str, np.ndarray]:
    """UTC microseconds of each account with at least ``min_posts`` posts, sorted, harvest duplicates out."""
    quoted = str(path).replace("'", "''")
    rows = duckdb.sql(
        f"""
        WITH posts AS (
            SELECT DISTINCT lower(author_id) AS account, publish_date, content FROM read_parquet('{quoted}')
        )
        SELECT account, epoch_us(publish_date) AS us FROM posts
        WHERE account IN (SELECT account FROM posts GROUP BY account HAVING count(*) >= {int(min_posts)})
        ORDER BY account, us
        """
    ).fetchnumpy()
    accounts = np.asarray(rows["account"], dtype=object)
    us = np.asarray(rows["us"], dtype=np.int64)
    names, starts = np.unique(accounts, return_index=True)
    ends = [*starts[1:], us.size]
    return {str(n): us[s:e] for n, s, e in zip(names, starts, ends, strict=True)}


def fit(us: np.ndarray) -> RhythmEstimator:
    return RhythmEstimator().fit(us.astype("datetime64[us]"))


def summary(est: RhythmEstimator) -> dict[str, Any]:
    low, high = est.offset_interval_
    mix = est.mixture_
    return {
        "offset": est.utc_offset_hours_,
        "determined": est.offset_determined_,
        "offset_warning": (not est.offset_determined_) or high - low > 6.0,
        "office": est.office_hours_score_,
        "llr_per_event": float(est.log_likelihood_.max() / est.n_events_),
        "n_days": est.n_days_,
        "mix_tested": mix.reason is None,
        "mix_flag": mix.flag,
        "mix_statistic": mix.statistic,
        "mix_apart": None if mix.reason else abs(circ(mix.second_offset - mix.first_offset)),
    }


def circ(hours: float) -> float:
    """``hours`` on the 24-hour circle, in (-12, +12]."""
    return 12.0 - (12.0 - hours) % 24.0 + 0.0


def day_halves(us: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The events of a random half of the active UTC days, and the rest (whole days, not events, split)."""
    days = us // US_PER_DAY
    unique = np.unique(days)
    chosen = rng.permutation(unique)[: unique.size // 2]
    in_a = np.isin(days, chosen)
    return us[in_a], us[~in_a]


def shifted(us: np.ndarray, hours: float) -> np.ndarray:
    return us - round(hours * US_PER_HOUR)


def window(us: np.ndarray, n_days: int, rng: np.random.Generator) -> np.ndarray:
    """The events of ``n_days`` consecutive active UTC days of ``us``, from a random start.

    Consecutive, not scattered: an account is seen over a stretch of time, and days drawn from all of a
    long account's life mix its periods, whose clocks differ more than a stretch's do (their statistic is
    higher, and a cut set on them flags less).
    """
    days = us // US_PER_DAY
    unique = np.unique(days)
    start = rng.integers(unique.size - n_days + 1)
    return us[(days >= unique[start]) & (days <= unique[start + n_days - 1])]


def thinned(us: np.ndarray, per_day: int, rng: np.random.Generator) -> np.ndarray:
    """At most ``per_day`` random events of each active UTC day: a sparse account over the same days."""
    order = rng.permutation(us.size)
    days = us[order] // US_PER_DAY
    # Rank of each event within its day in the random order: sort by day, stably, and count.
    by_day = np.argsort(days, kind="stable")
    starts = np.searchsorted(days[by_day], days[by_day])
    rank = np.empty(us.size, dtype=np.int64)
    rank[by_day] = np.arange(us.size) - starts
    return np.sort(us[order][rank < per_day])


def calibrate(accounts: dict[str, np.ndarray], names: list[str], rng: np.random.Generator) -> dict[str, Any]:
    """The cut table of the two-operator test from the unmixed calibration accounts ``names``."""
    rows = []
    for size in CALIBRATION_SIZES:
        stats, days = [], []
        enough = [n for n in names if np.unique(accounts[n] // US_PER_DAY).size >= size]
        if len(enough) < MIN_CALIBRATION_ACCOUNTS:
            break
        for n in enough:
            for _ in range(CALIBRATION_DRAWS):
                est = fit(window(accounts[n], size, rng))
                if est.mixture_.statistic is not None:
                    stats.append(est.mixture_.statistic)
                    days.append(est.n_days_)
        cut = float(np.quantile(stats, 1.0 - MIXTURE_FALSE_FLAG_RATE))
        rows.append(
            {
                "size": size,
                "accounts": len(enough),
                "n": len(stats),
                "n_days_median": int(np.median(days)),
                "q95": cut,
            }
        )
    # Blocks are cut at local 04:00, so a sample of s UTC days holds a few more active days.
    cuts = np.minimum.accumulate([r["q95"] for r in rows])
    table = [(r["n_days_median"], round(float(c), 3)) for r, c in zip(rows, cuts, strict=True)]
    return {"figure": "calibration", "accounts": len(names), "sizes": rows, "_MIXTURE_CUTS": table}


def mixture_rates(name: str, cases: list[dict[str, Any]], definition: str, apart: float | None = None):
    """The two-operator test over ``cases``: abstentions, flags and, for mixes, the two clocks found."""
    tested = [c for c in cases if c["mix_tested"]]
    out: dict[str, Any] = {
        "figure": name,
        "n": len(cases),
        "abstained": len(cases) - len(tested),
        "flag_rate": round(float(np.mean([c["mix_flag"] for c in tested])), 3) if tested else None,
        "n_days_median": int(np.median([c["n_days"] for c in cases])),
    }
    if apart is not None and tested:
        flagged = [c for c in tested if c["mix_flag"]]
        near = lambda c: abs(c["mix_apart"] - abs(circ(apart))) <= 1  # noqa: E731
        out["apart_within_1h"] = round(float(np.mean([near(c) for c in tested])), 3)
        out["apart_within_1h_flagged"] = (
            round(float(np.mean([near(c) for c in flagged])), 3) if flagged else None
        )
        out["flagged_and_apart_within_1h"] = round(
            float(np.mean([c["mix_flag"] and near(c) for c in tested])), 3
        )
    out["definition"] = definition
    return out


def recovery(
    name: str, rows: list[tuple[float, float, float, bool, bool]], definition: str
) -> dict[str, Any]:
    """Accuracy of rows (estimate, reference, true difference, both determined, neither warned on offset)."""
    err = np.array([abs(circ(e - r - t)) for e, r, t, *_ in rows])
    both = np.array([row[3] for row in rows], dtype=bool)
    quiet = np.array([row[4] for row in rows], dtype=bool)
    # The candidate grid has half-hour offsets in some places only: a miss there is the grid, not the data.
    whole = np.array([e % 1 == 0 and r % 1 == 0 for e, r, *_ in rows], dtype=bool)
    return {
        "figure": name,
        "n": len(rows),
        "exact": round(float((err == 0).mean()), 3),
        "within_1h": round(float((err <= 1).mean()), 3),
        "n_both_determined": int(both.sum()),
        "exact_both_determined": round(float((err[both] == 0).mean()), 3) if both.any() else None,
        "within_1h_both_determined": round(float((err[both] <= 1).mean()), 3) if both.any() else None,
        "n_no_offset_warning": int(quiet.sum()),
        "exact_no_offset_warning": round(float((err[quiet] == 0).mean()), 3) if quiet.any() else None,
        "within_1h_no_offset_warning": round(float((err[quiet] <= 1).mean()), 3) if quiet.any() else None,
        "n_both_whole_hours": int(whole.sum()),
        "exact_both_whole_hours": round(float((err[whole] == 0).mean()), 3) if whole.any() else None,
        "median_abs_error_h": float(np.median(err)),
        "definition": definition,
    }


def auc_lower(mixed: list[float], unmixed: list[float]) -> float:
    """P(a mixed account's statistic < an unmixed one's), ties half: the AUC of 'low means mixed'."""
    m, u = np.asarray(mixed)[:, None], np.asarray(unmixed)[None, :]
    return float((m < u).mean() + 0.5 * (m == u).mean())


def auc_mixture(mixed: list[dict[str, Any]], unmixed: list[dict[str, Any]]) -> float | None:
    """AUC of 'a high mixture statistic means mixed' over the cases where the test was made."""
    m = [c["mix_statistic"] for c in mixed if c["mix_tested"]]
    u = [c["mix_statistic"] for c in unmixed if c["mix_tested"]]
    return round(1.0 - auc_lower(m, u), 3) if m and u else None


def flags(
    name: str, cases: list[dict[str, Any]], definition: str, unmixed: list[dict[str, Any]] | None = None
):
    """Flag rates of the outputs over ``cases``, where the offset lands, and AUC against ``unmixed``."""
    out: dict[str, Any] = {
        "figure": name,
        "n": len(cases),
        "undetermined_rate": round(float(np.mean([not c["determined"] for c in cases])), 3),
        "offset_warning_rate": round(float(np.mean([c["offset_warning"] for c in cases])), 3),
        "office_score_median": round(float(np.median([c["office"] for c in cases])), 3),
        "llr_per_event_median": round(float(np.median([c["llr_per_event"] for c in cases])), 4),
    }
    if "expected" in cases[0]:
        # Where the offset lands, relative to half A's clock (0) and half B's (the mix offset).
        landing = Counter()
        for c in cases:
            off = circ(c["offset"] - c["offset_a"])
            landing["at_A"] += abs(off) <= 1
            landing["at_B"] += abs(circ(off - c["expected"])) <= 1 and abs(off) > 1
            landing["between"] += abs(off) > 1 and abs(circ(off - c["expected"])) > 1
        out["offset_lands"] = {k: round(v / len(cases), 3) for k, v in landing.items()}
    if unmixed is not None:
        out["auc_llr_per_event_vs_unmixed"] = round(
            auc_lower([c["llr_per_event"] for c in cases], [c["llr_per_event"] for c in unmixed]), 3
        )
        out["auc_mixture_statistic_vs_unmixed"] = auc_mixture(cases, unmixed)
    out["definition"] = definition
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--min-posts", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--calibrate",
        action="store_true",
        help="print the two-operator test's cuts from the calibration half",
    )
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(json.dumps({"bench": "rhythm_ira", "skipped": f"no data at {args.data}"}))
        return 0
    started = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    accounts = load(args.data, args.min_posts)
    names = sorted(accounts)
    calibration, test = names[0::2], names[1::2]
    print(f"{len(names)} accounts with >= {args.min_posts} posts", file=sys.stderr)
    emit = lambda row: print(json.dumps({"bench": "rhythm_ira", **row}), flush=True)  # noqa: E731
    if args.calibrate:
        emit(calibrate(accounts, calibration, rng))
        emit({"figure": "done", "wall_s": round(time.perf_counter() - started, 1)})
        return 0

    base = {n: summary(fit(accounts[n])) for n in names}
    emit(
        {
            "figure": "base",
            "n": len(names),
            "posts_median": int(np.median([accounts[n].size for n in names])),
            "determined_rate": round(float(np.mean([base[n]["determined"] for n in names])), 3),
            "offset_warning_rate": round(float(np.mean([base[n]["offset_warning"] for n in names])), 3),
            "office_score_median": round(float(np.median([base[n]["office"] for n in names])), 3),
            "offsets_determined": dict(
                Counter(f"{base[n]['offset']:+g}" for n in names if base[n]["determined"]).most_common()
            ),
            "definition": "each unmixed account, all its posts; offsets as UTC (the data states no zone)",
        }
    )

    print("shift_whole", file=sys.stderr)
    rows = []
    for n in names:
        for d in SHIFTS:
            if d:
                s = summary(fit(shifted(accounts[n], d)))
                both = s["determined"] and base[n]["determined"]
                quiet = not (s["offset_warning"] or base[n]["offset_warning"])
                rows.append((s["offset"], base[n]["offset"], float(d), both, quiet))
    emit(recovery("shift_whole", rows, "est(account shifted by d) - est(account) == d, d in -8..+8 minus 0"))

    print("halves", file=sys.stderr)
    halves = {n: day_halves(accounts[n], rng) for n in names}
    # Halves too small for the estimator's own minimum (30 events) are left out, and counted.
    split = [n for n in names if min(h.size for h in halves[n]) >= MIN_HALF]
    emit(
        {"figure": "halves", "n": len(split), "left_out": len(names) - len(split), "min_half_posts": MIN_HALF}
    )
    half_a = {n: summary(fit(halves[n][0])) for n in split}
    rows = []
    for n in split:
        for d in SHIFTS:
            s = summary(fit(shifted(halves[n][1], d)))
            both = s["determined"] and half_a[n]["determined"]
            quiet = not (s["offset_warning"] or half_a[n]["offset_warning"])
            rows.append((s["offset"], half_a[n]["offset"], float(d), both, quiet))
    emit(
        recovery(
            "shift_halves",
            rows,
            "est(half B shifted by d) - est(half A) == d; halves = random split of the account's active UTC "
            "days; d in -8..+8",
        )
    )

    print("two-operator test, unmixed", file=sys.stderr)
    in_test = set(test)
    unmixed_test = [base[n] for n in test]
    emit(mixture_rates("unmixed_whole", unmixed_test, "test-half accounts whole, unmixed: the false flags"))
    for size in TEST_SIZES:
        cases = [
            summary(fit(window(accounts[n], size, rng)))
            for n in test
            if np.unique(accounts[n] // US_PER_DAY).size >= size
        ]
        emit(
            mixture_rates(
                f"unmixed_{size}d",
                cases,
                f"{size} consecutive active UTC days of each test-half account, unmixed",
            )
        )
    sparse = [summary(fit(thinned(accounts[n], 2, rng))) for n in test]
    emit(mixture_rates("unmixed_sparse", sparse, "test-half accounts, at most 2 random posts per active day"))

    unmixed = [base[n] for n in names]
    for label, hours in (("mix8_self", 8.0), ("night12_self", 12.0)):
        print(label, file=sys.stderr)
        cases = {}
        for n in split:
            a, b = halves[n]
            s = summary(fit(np.sort(np.concatenate([a, shifted(b, hours)]))))
            cases[n] = {
                **s,
                "expected": hours,
                "offset_a": base[n]["offset"],
                "base_determined": base[n]["determined"],
            }
        definition = (
            f"half A (random half of the active days) + half B shifted by {hours:g} h, one account; "
            "unmixed = every account whole"
        )
        emit(flags(label, list(cases.values()), definition, unmixed))
        sure = [c for c in cases.values() if c["base_determined"]]
        emit(
            flags(
                f"{label}_base_determined",
                sure,
                definition + "; only accounts whose own offset is determined",
            )
        )
        mixed_test = [c for n, c in cases.items() if n in in_test]
        emit(
            {
                **mixture_rates(f"{label}_test", mixed_test, definition + "; test half", hours),
                "auc_mixture_statistic_vs_unmixed_test": auc_mixture(mixed_test, unmixed_test),
            }
        )

    print("mix8 by size, same-day mix", file=sys.stderr)
    for size in TEST_SIZES[1:]:
        cases = []
        for n in test:
            if np.unique(accounts[n] // US_PER_DAY).size >= size:
                a, b = day_halves(window(accounts[n], size, rng), rng)
                cases.append(summary(fit(np.sort(np.concatenate([a, shifted(b, 8.0)])))))
        emit(
            mixture_rates(
                f"mix8_{size}d", cases, f"mix8_self on {size} consecutive active days, test half", 8.0
            )
        )
    cases = []
    for n in test:
        us = accounts[n]
        b = rng.random(us.size) < 0.5
        cases.append(summary(fit(np.sort(np.concatenate([us[~b], shifted(us[b], 8.0)])))))
    emit(
        mixture_rates(
            "mix8_sameday",
            cases,
            "test-half accounts, a random half of the posts shifted by 8 h: both every day",
            8.0,
        )
    )

    print("pairs", file=sys.stderr)
    determined = [n for n in test if base[n]["determined"]]
    pair_cases: dict[str, list[dict[str, Any]]] = {"mix8_pair": [], "pair0": []}
    for n in determined:
        partners = [m for m in determined if m != n and abs(circ(base[m]["offset"] - base[n]["offset"])) <= 1]
        if not partners:
            continue
        m = partners[rng.integers(len(partners))]
        a, b = day_halves(accounts[n], rng)[0], day_halves(accounts[m], rng)[0]
        if min(a.size, b.size) < MIN_HALF:
            continue
        for label, hours in (("mix8_pair", 8.0), ("pair0", 0.0)):
            s = summary(fit(np.sort(np.concatenate([a, shifted(b, hours)]))))
            pair_cases[label].append({**s, "expected": hours, "offset_a": base[n]["offset"]})
    pair_def = (
        "half the active days of test-half account A + half of test-half account B (both determined, offsets "
        "within 1 h) with B shifted by {h} h"
    )
    control = pair_def.format(h=0) + ": the control, two operators in one zone"
    emit(
        {
            **flags("pair0", pair_cases["pair0"], control),
            **mixture_rates("pair0", pair_cases["pair0"], control),
        }
    )
    mixed_def = pair_def.format(h=8) + "; AUC against pair0"
    emit(
        {
            **flags("mix8_pair", pair_cases["mix8_pair"], mixed_def, pair_cases["pair0"]),
            **mixture_rates("mix8_pair", pair_cases["mix8_pair"], mixed_def, 8.0),
        }
    )
    emit({"figure": "done", "wall_s": round(time.perf_counter() - started, 1)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
