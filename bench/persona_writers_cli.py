"""``unmask persona writers`` as a user runs it: composite bylines of Reuters C50, a same-kind reference.

Issue 14, item 5. The 50 authors of C50's training half are split into two halves with the seed of
``bench/c50_writers.py``; each half is the reference (``--reference FILE``: articles JSON Lines
``{id, byline, text}``, the author as byline) of bylines drawn from the other half, so no tested writer and no
tested text is in the reference. For each k, bylines of n documents (n = k unless ``--n`` is given) are drawn
with fixed seeds: ``--bylines`` single-writer bylines (n texts of one author) and as many of each kind of
composite, **k distinct authors** (n texts split at random, at least one each: one each when n = k) and
**two or three authors** (``bench/c50_writers.py``'s composites). They go into one ``--docs`` file, and

    unmask persona writers --docs bylines.jsonl --reference reference.jsonl --out writers.jsonl

runs in its own process under ``/usr/bin/time`` with every other default, once per k and half. Its
``p_multiple`` is scored against the truth: AUC (with a 95 % bootstrap interval), Brier score and accuracy
at 0.5, pooled over both halves (single-writer and composite bylines in equal numbers), with the share of
composites it counted as two writers or more (``writers``), wall seconds and peak RSS.

``--reference-writers`` changes whose texts the reference holds, for the diagnosis of the issue:

- ``other`` (the default, what users get when the byline's writers are not reference writers): above;
- ``unseen``: each half's first 25 texts per author (file order) are the reference of bylines drawn from the
  other half's last 25;
- ``seen``: each half's first 25 texts per author are the reference of bylines drawn from the same half's
  last 25, so the tested writers are in the reference (their tested texts are not); ``seen`` against
  ``unseen`` changes nothing else;
- ``seen_all``: one run, every author's first 25 texts the reference, bylines from the last 25 of all 50 (as
  a reference of C50's training texts and bylines of its test texts would be).

Reuters C50 is research-use only: read from ``--data``, written only to a temporary folder, never into the
repository.

    python bench/persona_writers_cli.py [--k 4 --k 10] [--n N] [--bylines 50] [--reference-writers MODE]

Prints one JSON line a figure (a k and a kind of composite).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sklearn.metrics import brier_score_loss, roc_auc_score

from c50_writers import DATA, draw, load
from peak import run_unmask

SEED = 14  # the bylines' draws; the halves use bench/c50_writers.py's seed 0
COMPOSITES = ("distinct", "two_or_three")
MODES = ("other", "unseen", "seen", "seen_all")


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def bylines(
    rng: np.random.Generator, by_author: dict[str, np.ndarray], n: int, k: int, count: int
) -> list[tuple[str, str, np.ndarray]]:
    """``count`` bylines of each kind: ``(name, kind, text indices)``, kind ``single`` or a composite's."""
    out = []
    kinds = (("single", False, None), ("distinct", True, k), ("two_or_three", True, None))
    for kind, mixed, writers in kinds:
        for j in range(count):
            out.append((f"{kind}-{j:03d}", kind, draw(rng, by_author, n, mixed, writers)))
    return out


def run_writers(folder: Path) -> tuple[dict[str, dict], dict]:
    """Run the command on the files in ``folder``; its rows by byline, and how it ran."""
    args = [
        "persona",
        "writers",
        "--docs",
        str(folder / "bylines.jsonl"),
        "--reference",
        str(folder / "reference.jsonl"),
        "--out",
        str(folder / "writers.jsonl"),
    ]
    _, seconds, peak_mb = run_unmask(args)
    rows = [json.loads(line) for line in (folder / "writers.jsonl").read_text(encoding="utf-8").splitlines()]
    run = {
        "command": "unmask " + " ".join(a if a.startswith("-") else Path(a).name for a in args),
        "seconds": round(seconds, 1),
        "peak_mb": peak_mb,
        "warnings": sorted({r["warning"] for r in rows if "warning" in r}),
    }
    return {r["byline"]: r for r in rows}, run


def splits(authors: np.ndarray, mode: str) -> list[tuple[np.ndarray, dict[str, np.ndarray]]]:
    """``(reference text indices, test texts by author)`` for each run of ``mode`` (see the module)."""
    names = np.unique(authors)
    first = np.zeros(len(authors), dtype=bool)
    for a in names:
        first[np.flatnonzero(authors == a)[:25]] = True
    if mode == "seen_all":
        return [(np.flatnonzero(first), {a: np.flatnonzero((authors == a) & ~first) for a in names})]
    halves = np.array_split(np.random.default_rng(0).permutation(names), 2)  # bench/c50_writers.py's
    out = []
    for h in range(2):
        ref = np.isin(authors, halves[h])
        tested = halves[h] if mode == "seen" else halves[1 - h]
        if mode == "other":
            out.append((np.flatnonzero(ref), {a: np.flatnonzero(authors == a) for a in tested}))
        else:
            later = {a: np.flatnonzero((authors == a) & ~first) for a in tested}
            out.append((np.flatnonzero(ref & first), later))
    return out


def figure(k: int, n: int, scored: list[tuple[str, float, int]], runs: list[dict], composite: str) -> dict:
    """The figure of one kind of composite against the single-writer bylines of the same runs."""
    rows = [r for r in scored if r[0] in ("single", composite)]
    y = np.array([r[0] != "single" for r in rows], dtype=int)
    p = np.array([r[1] for r in rows])
    counted = np.array([r[2] for r in rows])
    return {
        "figure": f"k{k}" if composite == "distinct" else f"k{k}_two_or_three",
        "n": n,
        "composite": f"{k} distinct writers" if composite == "distinct" else "two or three writers",
        "single_bylines": int((y == 0).sum()),
        "composite_bylines": int(y.sum()),
        "auc": round(float(roc_auc_score(y, p)), 4),
        "auc_95ci": auc_interval(y, p),
        "brier": round(float(brier_score_loss(y, p)), 4),
        "accuracy_at_0.5": round(float(np.mean((p >= 0.5) == y)), 4),
        "composites_counted_2_plus": round(float(np.mean(counted[y == 1] >= 2)), 4),
        "command": runs[0]["command"],
        "runs": len(runs),
        "seconds": round(sum(r["seconds"] for r in runs), 1),
        "peak_mb": max(r["peak_mb"] for r in runs),
        "warnings": sorted({w for r in runs for w in r["warnings"]}),
    }


def auc_interval(y: np.ndarray, p: np.ndarray, resamples: int = 1000) -> list[float]:
    """The AUC's 95 % bootstrap interval, single-writer and composite bylines resampled apart (fixed seed)."""
    rng = np.random.default_rng(0)
    singles, composites = p[y == 0], p[y == 1]
    truth = np.r_[np.zeros(singles.size), np.ones(composites.size)]
    aucs = []
    for _ in range(resamples):
        drawn = np.r_[rng.choice(singles, singles.size), rng.choice(composites, composites.size)]
        aucs.append(roc_auc_score(truth, drawn))
    return [round(float(v), 4) for v in np.percentile(aucs, [2.5, 97.5])]


def measure(texts: list[str], authors: np.ndarray, k: int, n: int, args, work: Path) -> list[dict]:
    rng = np.random.default_rng([SEED, k, n])
    scored: list[tuple[str, float, int]] = []
    runs = []
    for i, (ref, by_author) in enumerate(splits(authors, args.reference_writers)):
        folder = work / f"k{k}-n{n}-{i}"
        folder.mkdir(parents=True, exist_ok=True)
        write_jsonl(
            folder / "reference.jsonl",
            [{"id": f"ref-{j}", "byline": str(authors[j]), "text": texts[j]} for j in ref],
        )
        drawn = bylines(rng, by_author, n, k, args.bylines)
        write_jsonl(
            folder / "bylines.jsonl",
            [
                {"id": f"{name}-{j}", "byline": name, "text": texts[j]}
                for name, _, idx in drawn
                for j in idx.tolist()
            ],
        )
        answers, run = run_writers(folder)
        runs.append(run)
        scored += [(kind, answers[name]["p_multiple"], answers[name]["writers"]) for name, kind, _ in drawn]
    return [figure(k, n, scored, runs, composite) for composite in COMPOSITES]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="Reuters C50's train.jsonl")
    parser.add_argument("--k", type=int, action="append", help="authors of a composite (default 4 and 10)")
    parser.add_argument("--n", type=int, default=None, help="documents a byline (default: k)")
    parser.add_argument("--bylines", type=int, default=50, help="bylines of each kind per k and run")
    parser.add_argument(
        "--reference-writers",
        choices=MODES,
        default="other",
        help="other (default): the tested writers are not in the reference; the rest are diagnostic",
    )
    parser.add_argument("--work", type=Path, default=None, help="folder for the files (default: temporary)")
    args = parser.parse_args()
    texts, authors = load(args.data)
    with tempfile.TemporaryDirectory(prefix="unmask-writers-") as tmp:
        work = args.work or Path(tmp)
        for k in args.k or [4, 10]:
            n = args.n or k
            if n < k:
                parser.error(f"--n {n} is fewer documents than k = {k} authors")
            started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
            for result in measure(texts, authors, k, n, args, work):
                line = {"bench": "persona_writers_cli", "started": started, **result}
                print(json.dumps({**line, "reference_writers": args.reference_writers}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
