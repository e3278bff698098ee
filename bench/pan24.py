"""PAN24 style change (training sets): the writers test applied inside one document, per difficulty.

Prints one JSON line. Each PAN24 document is a Reddit thread cut into paragraphs, by two to four writers,
with a 0/1 label at every paragraph boundary (1: the writer changes there). Here the paragraphs of one
document are the "documents" of a byline: ``WritersTest.test(paragraphs)`` gives ``p_multiple`` and, when it
is at least 0.5, a cluster per paragraph; a change is predicted at a boundary where the clusters of the two
paragraphs differ (none when ``p_multiple < 0.5``). Per difficulty (easy, medium, hard), on ``--documents``
test documents drawn with seed 0:

- ``macro_f1``: scikit-learn's macro F1 over labels 0 and 1 of all the boundaries pooled, as PAN24's
  evaluator scores a data set, with the same figure for the trivial answers (a change at every boundary,
  at none) for context;
- ``several_writers_share``: the share of documents with ``p_multiple >= 0.5``; every PAN24 document has
  two writers or more, so this is the recall of "several writers"; ``mean_p_multiple``;
- ``writers_accuracy``: how often the number of writers found equals the true one (``authors``);
- documents the test raised on are skipped (counted, with the first error) and left out of every figure;
  documents whose labels do not match their paragraphs (a few in the data) are left out beforehand.

The reference. The writers test calibrates itself on single- and multi-writer bylines drawn from a reference
of documents with known writers, and PAN24 names no writer across documents. Within a document, a maximal
run of paragraphs without a change is by one writer, so the reference is made of such runs, from the other
half of the documents of the same difficulty (disjoint from the test documents; ``--reference-split`` takes
them from another difficulty instead): each run of two paragraphs or more is a pseudo-writer
``"{doc_id}:{run}"`` whose paragraphs are its documents, capped at ``--reference-paragraphs`` paragraphs
(runs in random order, seed 0). Paragraphs that occur twice (PAN24 reuses comments across documents) or in
a test document are dropped first (see ``reference``). Limitation: PAN24 writers may come back later in a
document, so two runs of one document may be the same person (only adjacent runs are known to differ), and
one person may write in several documents: some simulated "multi-writer" bylines are single-writer ones.
Pseudo-writers also have few paragraphs (most runs have two or three), which bounds the byline size the
test can calibrate for. Research-only data: read from ../shared, never copied into the repository.

    python bench/pan24.py [--documents 300] [--difficulty easy --difficulty hard ...]
                          [--reference-documents 2100] [--reference-paragraphs 3000]
                          [--reference-split same|easy|medium|hard] [--data DIR]
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from itertools import pairwise
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

from unmask.persona.writers import WritersTest

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "authorship" / "pan24_style_change"
DIFFICULTIES = ("easy", "medium", "hard")


def load(data: Path, difficulty: str) -> tuple[list[dict], int]:
    """The well-formed documents of one difficulty (one label per paragraph boundary), and how many were
    not."""
    path = data / f"pan24_{difficulty}_train.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    good = [r for r in rows if len(r["paragraphs"]) >= 2 and len(r["changes"]) == len(r["paragraphs"]) - 1]
    return good, len(rows) - len(good)


def halves(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """Test half and reference half of the documents, shuffled with seed 0."""
    order = np.random.default_rng(0).permutation(len(rows))
    cut = len(rows) // 2
    return [rows[i] for i in order[:cut]], [rows[i] for i in order[cut:]]


def runs(row: dict) -> list[list[str]]:
    """The maximal runs of paragraphs without a change (each by one writer)."""
    out = [[row["paragraphs"][0]]]
    for change, paragraph in zip(row["changes"], row["paragraphs"][1:], strict=True):
        if change:
            out.append([paragraph])
        else:
            out[-1].append(paragraph)
    return out


def reference(rows: list[dict], cap: int, tested: list[dict]) -> tuple[list[str], list[str], int, int]:
    """Paragraphs and pseudo-writers of the runs of two paragraphs or more, in random order up to ``cap``
    paragraphs; the number of documents they come from; and how many paragraphs were dropped as repeated.

    A paragraph whose text occurs more than once among the documents, or at all in a ``tested`` document, is
    dropped before runs are counted. PAN24 reuses comments across its documents (easy: 15%, medium: 24% of the
    paragraphs of one half of the documents also occur in the other), which would leak test paragraphs into
    the reference; boilerplate pasted by many writers says nothing of a writer's style; and a writer whose
    paragraphs are identical has no within-writer variance, which gives the features only that writer uses
    unbounded weights in the style space (and, on easy, makes the character view of all texts alike)."""
    seen: dict[str, int] = {p: 2 for r in tested for p in r["paragraphs"]}
    for r in rows:
        for paragraph in r["paragraphs"]:
            seen[paragraph] = seen.get(paragraph, 0) + 1
    candidates = []
    repeated = 0
    for r in rows:
        for i, run in enumerate(runs(r)):
            kept = [p for p in run if seen[p] == 1]
            repeated += len(run) - len(kept)
            if len(kept) >= 2:
                candidates.append((f"{r['id']}:{i}", kept))
    texts: list[str] = []
    writers: list[str] = []
    documents = set()
    for k in np.random.default_rng(0).permutation(len(candidates)):
        writer, run = candidates[k]
        if len(texts) + len(run) > cap:
            continue
        texts += run
        writers += [writer] * len(run)
        documents.add(writer.rsplit(":", 1)[0])
    return texts, writers, len(documents), repeated


def macro_f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    return round(float(f1_score(truth, predicted, average="macro", labels=[0, 1], zero_division=0)), 4)


def evaluate(test: WritersTest, rows: list[dict]) -> dict:
    truth: list[int] = []
    predicted: list[int] = []
    p_multiple: list[float] = []
    writers_right: list[bool] = []
    writers_found: list[int] = []
    skipped = 0
    first_error = ""
    for row in rows:
        paragraphs = row["paragraphs"]
        try:
            res = test.test(paragraphs, byline=row["id"])
        except Exception as exc:  # a document the test cannot handle is counted, not fatal
            skipped += 1
            first_error = first_error or f"{row['id']}: {type(exc).__name__}: {exc}"[:300]
            continue
        clusters = [res.clusters[str(i)] for i in range(len(paragraphs))]
        truth += [int(c) for c in row["changes"]]
        predicted += [int(a != b) for a, b in pairwise(clusters)]
        p_multiple.append(res.p_multiple)
        writers_found.append(res.writers)
        writers_right.append(res.writers == int(row["authors"]))
    y, yhat, p = np.asarray(truth), np.asarray(predicted), np.asarray(p_multiple)
    if not len(p):
        return {"documents": 0, "skipped": skipped, "first_error": first_error}
    return {
        "documents": len(p),
        "skipped": skipped,
        "first_error": first_error,
        "boundaries": len(y),
        "change_rate": round(float(y.mean()), 4),
        "predicted_change_rate": round(float(yhat.mean()), 4),
        "macro_f1": macro_f1(y, yhat),
        "baseline_all_change_macro_f1": macro_f1(y, np.ones_like(y)),
        "baseline_no_change_macro_f1": macro_f1(y, np.zeros_like(y)),
        "boundary_accuracy": round(float(np.mean(y == yhat)), 4),
        "several_writers_share": round(float(np.mean(p >= 0.5)), 4),
        "mean_p_multiple": round(float(p.mean()), 4),
        "writers_accuracy": round(float(np.mean(writers_right)), 4),
        "mean_writers_found": round(float(np.mean(writers_found)), 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA, help="directory of pan24_{difficulty}_train.jsonl.gz")
    ap.add_argument("--documents", type=int, default=300, help="test documents per difficulty")
    ap.add_argument("--difficulty", action="append", choices=DIFFICULTIES, help="default: all three")
    ap.add_argument(
        "--reference-documents",
        type=int,
        default=2100,
        help="documents of the reference half to take runs from",
    )
    ap.add_argument("--reference-paragraphs", type=int, default=3000, help="cap on reference paragraphs")
    ap.add_argument(
        "--reference-split",
        choices=("same", *DIFFICULTIES),
        default="same",
        help="difficulty whose reference half makes the reference (default: the tested one)",
    )
    args = ap.parse_args()
    started = time.perf_counter()
    out: dict = {
        "bench": "pan24",
        "documents_per_difficulty": args.documents,
        "reference_split": args.reference_split,
        "reference_documents": args.reference_documents,
        "reference_paragraphs_cap": args.reference_paragraphs,
    }
    loaded: dict[str, tuple[list[dict], int]] = {}
    for difficulty in args.difficulty or list(DIFFICULTIES):
        t0 = time.perf_counter()
        source = difficulty if args.reference_split == "same" else args.reference_split
        for name in {difficulty, source}:
            if name not in loaded:
                loaded[name] = load(args.data, name)
        rows, malformed = loaded[difficulty]
        tested = halves(rows)[0][: args.documents]
        held = halves(loaded[source][0])[1][: args.reference_documents]
        texts, writers, documents, repeated = reference(held, args.reference_paragraphs, tested)
        test = WritersTest().fit(texts, writers, name=f"pan24-{source}-runs")
        fit_seconds = time.perf_counter() - t0
        result = evaluate(test, tested)
        result["malformed_left_out"] = malformed
        result["reference"] = {
            "paragraphs": len(texts),
            "pseudo_writers": len(set(writers)),
            "from_documents": documents,
            "repeated_paragraphs_dropped": repeated,
            "median_words": int(np.median([len(t.split()) for t in texts])),
        }
        result["calibrations"] = len(test.calibrators_)
        result["fit_seconds"] = round(fit_seconds, 2)
        result["seconds"] = round(time.perf_counter() - t0, 2)
        out[difficulty] = result
    out["seconds"] = round(time.perf_counter() - started, 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
