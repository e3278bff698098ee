"""``unmask persona link``'s two verifiers on verification pairs built from Reuters C50 and PAN 2018.

``engine.link`` runs as the command runs it (General Impostors calibrated on 200 reference pairs, Unmasking
on 60, every default), on documents tables built in memory (no case, nothing written). One change: the
bound of Unmasking to the 50 pairs most alike by General Impostors is lifted, so that Unmasking is scored
on every pair; what the bound would have kept is reported beside it (``bounded``).

- ``c50``: Reuters C50's training half. The 50 authors are split in two halves (sorted names, alternately);
  each half is tested with the other as the reference. ``--authors`` authors of the tested half (15 of 25,
  which bounds the time) give two bylines of ``--docs`` articles each (disjoint, drawn at random): the two
  are a same-writer pair, every other pair of bylines a different-writer pair.
- ``pan18``: PAN 2018's attribution training set, per language (its two problems pooled; their candidates
  are taken as different people). Authors with two or more unknown texts are tested: a byline of their 7
  known texts (one fandom) and a byline of their unknown texts (another fandom, at most 7), so same-writer
  pairs cross fandoms. The tested authors are split in two halves as for C50; the reference is the known
  texts of every candidate not in the tested half.

Scores (each class counting the same, as in PAN's balanced verification sets): AUC (all pairs), c@1 (an
``undecided`` answer is no answer), Brier, accuracy (``same_writer``); for Unmasking on the pairs it
answered, with its coverage; and where the two verifiers agree, the coverage and accuracy.

The data is research-use only: read from ``--data``, never written anywhere.

    python bench/persona_verify.py [c50] [pan18] [--data DIR] [--docs N] [--authors N] [--quick]

Prints one JSON line a data set.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
from sklearn.metrics import roc_auc_score

from unmask.persona import engine

DATA = Path(__file__).resolve().parents[2] / "shared/data/authorship"
C50 = "reuters_c50/train.jsonl"
PAN18 = "pan18_attribution/pan18-cross-domain-authorship-attribution-training-dataset-2017-12-02.jsonl.gz"
SEED = 14
BOUND = engine.UNMASKING_MAX_PAIRS


def table_of(bylines: dict[str, list[str]]) -> pa.Table:
    rows = [
        {"doc_id": f"{name}/{i}", "byline": name, "text": text, "source_id": "bench", "record_no": 0}
        for name, texts in bylines.items()
        for i, text in enumerate(texts)
    ]
    return pa.Table.from_pylist([r | {"record_no": n} for n, r in enumerate(rows)])


def run_link(bylines: dict[str, list[str]], writer_of: dict[str, str], ref: engine.Reference) -> list[dict]:
    """``engine.link`` on ``bylines`` with the Unmasking bound lifted; each row gains ``truth`` and
    ``bounded`` (whether the command's bound would have kept the pair for Unmasking)."""
    engine.UNMASKING_MAX_PAIRS = len(bylines) ** 2
    try:
        rows = engine.link(table_of(bylines), ref)
    finally:
        engine.UNMASKING_MAX_PAIRS = BOUND
    judged = 0
    for row in rows:  # most alike by General Impostors first, as the bound counts them
        long_enough = not row["unmasking"].get("abstained")
        row["bounded"] = long_enough and judged < BOUND
        judged += long_enough
        row["truth"] = int(writer_of[row["a"]] == writer_of[row["b"]])
    return rows


def halves(names: list[str]) -> list[tuple[list[str], list[str]]]:
    names = sorted(names)
    first, second = names[0::2], names[1::2]
    return [(first, second), (second, first)]


def c50(data: Path, docs: int, authors: int, quick: bool) -> tuple[list[dict], dict]:
    texts: dict[str, list[str]] = defaultdict(list)
    with open(data / C50, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            texts[r["author"]].append(r["text"])
    rng = np.random.default_rng(SEED)
    rows, seconds = [], []
    for tested, reference in halves(list(texts))[: 1 if quick else 2]:
        tested = tested[: 8 if quick else authors]
        bylines, writer_of = {}, {}
        for author in tested:
            chosen = rng.choice(len(texts[author]), 2 * docs, replace=False)
            for side, part in (("1", chosen[:docs]), ("2", chosen[docs:])):
                bylines[f"{author}#{side}"] = [texts[author][i] for i in part]
                writer_of[f"{author}#{side}"] = author
        ref = engine.Reference(
            "c50 other half",
            [t for a in reference for t in texts[a]],
            [a for a in reference for _ in texts[a]],
        )
        started = time.perf_counter()
        rows += run_link(bylines, writer_of, ref)
        seconds.append(round(time.perf_counter() - started, 1))
    setup = {
        "tested_authors_each_run": len(tested),
        "reference_authors_each_run": len(reference),
        "documents_a_byline": docs,
        "link_seconds": seconds,
    }
    return rows, setup


def pan18(data: Path, quick: bool) -> tuple[list[dict], dict]:
    with gzip.open(data / PAN18, "rt", encoding="utf-8") as f:
        problems = [json.loads(line) for line in f]
    by_language: dict[str, list[dict]] = defaultdict(list)
    for p in problems:
        by_language[p["language"]].append(p)
    rows, seconds, tested_authors = [], [], 0
    for language, group in sorted(by_language.items())[: 1 if quick else None]:
        known: dict[str, list[str]] = {}
        unknown: dict[str, list[str]] = defaultdict(list)
        for p in group:
            for author, documents in p["candidates"].items():
                known[f"{p['problem']}/{author}"] = [d["text"] for d in documents]
            for u in p["unknown"]:
                if u["true_author"] in p["candidates"]:
                    unknown[f"{p['problem']}/{u['true_author']}"].append(u["text"])
        testable = [a for a in known if len(unknown[a]) >= 2]
        tested_authors += len(testable)
        for tested, _ in halves(testable):
            bylines, writer_of = {}, {}
            for author in tested:
                bylines[f"{author}#known"] = known[author]
                bylines[f"{author}#unknown"] = unknown[author][:7]
                writer_of[f"{author}#known"] = writer_of[f"{author}#unknown"] = author
            others = [a for a in known if a not in set(tested)]
            ref = engine.Reference(
                f"pan18 {language} others",
                [t for a in others for t in known[a]],
                [a for a in others for _ in known[a]],
            )
            started = time.perf_counter()
            rows += run_link(bylines, writer_of, ref)
            seconds.append(round(time.perf_counter() - started, 1))
    setup = {
        "tested_authors": tested_authors,
        "bylines": "7 known texts (one fandom) and <= 7 unknown texts (another) per tested author",
        "link_seconds": seconds,
    }
    return rows, setup


def scores(y: np.ndarray, p: np.ndarray, same: np.ndarray, undecided: np.ndarray) -> dict:
    """Class-balanced AUC, c@1, Brier and accuracy."""
    w = np.where(y == 1, 0.5 / max(1, (y == 1).sum()), 0.5 / max(1, (y == 0).sum()))
    right = (same == y.astype(bool)).astype(float)
    answered = ~undecided
    correct = float(np.sum(w * right * answered))
    c_at_1 = correct + float(np.sum(w * undecided)) * correct
    return {
        "pairs": len(y),
        "same_writer_pairs": int(y.sum()),
        "auc": round(float(roc_auc_score(y, p)), 3) if len(set(y)) == 2 else None,
        "c_at_1": round(c_at_1, 3),
        "brier": round(float(np.sum(w * (p - y) ** 2)), 3),
        "accuracy": round(float(np.sum(w * right)), 3),
        "undecided": round(float(np.sum(w * undecided)), 3),
    }


def summary(rows: list[dict], runs: int) -> dict:
    y = np.array([r["truth"] for r in rows])
    gi = scores(
        y,
        np.array([r["score"] for r in rows]),
        np.array([r["same_writer"] for r in rows]),
        np.array([r["undecided"] for r in rows]),
    )
    answered = [r for r in rows if not r["unmasking"].get("abstained")]
    ya = np.array([r["truth"] for r in answered])
    um = scores(
        ya,
        np.array([r["unmasking"]["score"] for r in answered]),
        np.array([r["unmasking"]["same_writer"] for r in answered]),
        np.array([r["unmasking"]["undecided"] for r in answered]),
    )
    um["coverage"] = round(len(answered) / len(rows), 3)
    gi_answered = scores(
        ya,
        np.array([r["score"] for r in answered]),
        np.array([r["same_writer"] for r in answered]),
        np.array([r["undecided"] for r in answered]),
    )
    agreed = [r for r in rows if r["agree"]]
    ye = np.array([r["truth"] for r in agreed])
    w = np.where(y == 1, 0.5 / max(1, (y == 1).sum()), 0.5 / max(1, (y == 0).sum()))
    agree = np.array([bool(r["agree"]) for r in rows])
    bounded = [r for r in rows if r["bounded"]]
    return {
        "impostors": gi,
        "unmasking": um,
        "impostors_on_unmasking_pairs": gi_answered,
        "agreement": {
            "coverage": round(float(np.sum(w * agree)), 3),
            "coverage_same": round(float(agree[y == 1].mean()), 3),
            "coverage_different": round(float(agree[y == 0].mean()), 3),
            "accuracy": scores(
                ye,
                np.array([r["score"] for r in agreed]),
                np.array([r["same_writer"] for r in agreed]),
                np.zeros(len(agreed), dtype=bool),
            )["accuracy"],
        },
        "bounded": {
            "bound": BOUND,
            "runs": runs,
            "pairs_unmasked": len(bounded),
            "same_writer_pairs_unmasked": int(sum(r["truth"] for r in bounded)),
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", choices=["c50", "pan18", []], help="default: both")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--docs", type=int, default=4, help="C50 articles a byline")
    parser.add_argument("--authors", type=int, default=15, help="C50 authors tested a run (of 25)")
    parser.add_argument("--quick", action="store_true", help="a few bylines only (a smoke run)")
    args = parser.parse_args()
    for name in args.sets or ["c50", "pan18"]:
        started, at = time.perf_counter(), datetime.now(UTC).isoformat(timespec="seconds")
        rows, setup = (
            c50(args.data, args.docs, args.authors, args.quick)
            if name == "c50"
            else pan18(args.data, args.quick)
        )
        result = {
            "bench": "persona_verify",
            "set": name,
            "started": at,
            **setup,
            **summary(rows, len(setup["link_seconds"])),
            "seconds": round(time.perf_counter() - started, 1),
        }
        print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
