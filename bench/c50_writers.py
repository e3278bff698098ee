"""Reuters C50, composite bylines: does ``p_multiple`` tell single-writer bylines from mixed ones?

Prints one JSON line. The 50 authors of the training half are split into two halves; each half is the
reference of the test on bylines drawn from the other (so no reference writer is ever tested). For each
size k (2, 4, 6, 10 documents), ``--bylines`` single-writer bylines (k articles of one author) and as many
mixed ones (k articles of two or three authors, split at random, each at least one) are drawn with a fixed
seed; the figures are the AUC of ``p_multiple``, its Brier score, and the accuracy at 0.5, pooled over both
halves, with wall seconds. With ``--distinct``, the mixed bylines are of k distinct authors, one article each
(``bench/persona_writers_cli.py`` measures both kinds through the command). Research-only data: read from
../shared, never shipped.

    python bench/c50_writers.py [--bylines 100] [--k 2 --k 4 ...] [--mask-topic] [--distinct]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import brier_score_loss, roc_auc_score

from unmask.persona.writers import WritersTest

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "authorship" / "reuters_c50" / "train.jsonl"


def load(path: Path) -> tuple[list[str], np.ndarray]:
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    return [r["text"] for r in rows], np.array([r["author"] for r in rows])


def draw(
    rng: np.random.Generator,
    by_author: dict[str, np.ndarray],
    k: int,
    mixed: bool,
    writers: int | None = None,
) -> np.ndarray:
    """``k`` documents of one author, or (``mixed``) of ``writers`` distinct authors, each at least one,
    split at random; without ``writers``, two or three at random (three only where ``k`` >= 3)."""
    names = sorted(by_author)
    if not mixed:
        return rng.choice(by_author[names[rng.integers(len(names))]], k, replace=False)
    m = writers if writers is not None else 2 if k < 3 or rng.random() < 0.5 else 3
    group = rng.choice(names, m, replace=False)
    cuts = np.sort(rng.choice(np.arange(1, k), m - 1, replace=False))
    split = np.diff(np.concatenate([[0], cuts, [k]]))
    return np.concatenate(
        [rng.choice(by_author[g], n, replace=False) for g, n in zip(group, split, strict=True)]
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument(
        "--bylines", type=int, default=100, help="single-writer bylines per k and half (mixed: as many)"
    )
    ap.add_argument("--k", type=int, action="append", help="byline sizes (default 2 4 6 10)")
    ap.add_argument(
        "--mask-topic", action="store_true", help="mask topic words (off by default, as in unmask)"
    )
    ap.add_argument(
        "--distinct",
        action="store_true",
        help="mixed bylines of k distinct authors, one text each (default: two or three authors)",
    )
    args = ap.parse_args()
    texts, authors = load(args.data)
    names = np.unique(authors)
    rng = np.random.default_rng(0)
    halves = np.array_split(rng.permutation(names), 2)
    sizes = args.k or [2, 4, 6, 10]
    results: dict[int, dict[str, list]] = {k: {"y": [], "p": [], "writers": []} for k in sizes}
    started = time.perf_counter()
    fit_seconds = 0.0
    for h in range(2):
        ref = np.isin(authors, halves[h])
        t0 = time.perf_counter()
        test = WritersTest(mask_topic=args.mask_topic).fit(
            [t for t, r in zip(texts, ref, strict=True) if r], authors[ref], name="c50-half"
        )
        fit_seconds += time.perf_counter() - t0
        by_author = {a: np.flatnonzero(authors == a) for a in halves[1 - h]}
        for k in sizes:
            for mixed in (False, True):
                for _ in range(args.bylines):
                    idx = draw(rng, by_author, k, mixed, k if args.distinct else None)
                    res = test.test([texts[i] for i in idx])
                    results[k]["y"].append(int(mixed))
                    results[k]["p"].append(res.p_multiple)
                    results[k]["writers"].append(res.writers)
    out = {
        "bench": "c50_writers",
        "mask_topic": args.mask_topic,
        "mixed": "k distinct authors" if args.distinct else "two or three authors",
        "bylines_per_k": 4 * args.bylines,
    }
    for k in sizes:
        y, p = np.array(results[k]["y"]), np.array(results[k]["p"])
        out[f"k{k}"] = {
            "auc": round(float(roc_auc_score(y, p)), 4),
            "brier": round(float(brier_score_loss(y, p)), 4),
            "accuracy_at_0.5": round(float(np.mean((p >= 0.5) == y)), 4),
        }
    out["fit_seconds"] = round(fit_seconds, 2)
    out["seconds"] = round(time.perf_counter() - started, 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
