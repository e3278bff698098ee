"""Reuters C50 authorship attribution: 50 authors, 5-fold cross-validation within the training half.

Prints one JSON line: for CharNgramClassifier (defaults) and DeltaClassifier (Cosine Delta, defaults), the
accuracy and macro-F1 of each fold of a stratified 5-fold split (fixed seed) of the 2,500 training texts,
their means, and the wall seconds of each method, whose folds run in ``--jobs`` processes (default 2).
Each fold trains on 40 texts an author, fewer than the standard split's 50 (training half against test
half), so the figures run a little lower than on it.

The data is research-use only: it is read from ``--data`` and never copied into the repository.

    python bench/c50_attribution.py [--data PATH] [--quick] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold

from unmask.persona.delta import DeltaClassifier
from unmask.persona.ngrams import CharNgramClassifier

DATA = Path(__file__).resolve().parents[2] / "shared/data/authorship/reuters_c50/train.jsonl"
SEED = 50
METHODS = {"char_ngram": CharNgramClassifier, "delta": DeltaClassifier}


def load(path: Path, n_authors: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    if n_authors is not None:
        keep = set(sorted({r["author"] for r in rows})[:n_authors])
        rows = [r for r in rows if r["author"] in keep]
    return np.array([r["text"] for r in rows], dtype=object), np.array([r["author"] for r in rows])


def run_fold(name: str, texts: np.ndarray, authors: np.ndarray, train, test) -> tuple[float, float]:
    answers = METHODS[name]().fit(texts[train].tolist(), authors[train]).predict(texts[test].tolist())
    return (
        round(float(accuracy_score(authors[test], answers)), 4),
        round(float(f1_score(authors[test], answers, average="macro")), 4),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the training half as JSON Lines")
    parser.add_argument("--quick", action="store_true", help="10 authors only (a smoke run)")
    parser.add_argument("--jobs", type=int, default=2, help="folds run in this many processes")
    args = parser.parse_args()
    texts, authors = load(args.data, 10 if args.quick else None)
    folds = list(StratifiedKFold(5, shuffle=True, random_state=SEED).split(texts, authors))
    result: dict = {
        "bench": "c50_attribution",
        "n_texts": len(texts),
        "n_authors": len(set(authors)),
        "folds": len(folds),
        "jobs": args.jobs,
        "methods": {},
    }
    for name in METHODS:
        started = time.perf_counter()
        scores = Parallel(n_jobs=args.jobs)(delayed(run_fold)(name, texts, authors, *fold) for fold in folds)
        accuracy, macro_f1 = (list(column) for column in zip(*scores, strict=True))
        result["methods"][name] = {
            "accuracy": accuracy,
            "macro_f1": macro_f1,
            "mean_accuracy": round(float(np.mean(accuracy)), 4),
            "mean_macro_f1": round(float(np.mean(macro_f1)), 4),
            "seconds": round(time.perf_counter() - started, 1),
        }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
