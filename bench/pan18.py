"""PAN 2018 cross-domain authorship attribution (its training set): closed- and open-set attribution.

Prints one JSON line. The set has ten problems, two per language (en, fr, it, pl, sp): 20 or 5 candidate
authors with 7 known fanfiction texts each, and unknown texts from another fandom.

- Closed set: CharNgramClassifier (defaults) and, for context, DeltaClassifier (Cosine Delta, defaults)
  train on each problem's known texts and attribute its unknown texts. Macro-F1 is computed as PAN 2018's
  evaluator does, over the problem's true authors, then averaged over the problems of each language and
  over all ten.
- Open set: a third of each problem's candidates (a fixed seed per problem) are withheld from training,
  so their unknown texts should come back ``<UNK>``; CharNgramClassifier(open_set=True) learns its
  threshold from the training texts alone. Reported: macro-F1 with ``<UNK>`` as a class (PAN 2018's
  evaluator, whose labels are the true ones) and without it (PAN 2019's open-set macro-F1, where answering
  ``<UNK>`` for a known author still costs), the share of withheld authors' texts answered ``<UNK>``, the
  share of known authors' texts answered ``<UNK>``, and the learnt thresholds.

The data is research-use only: it is read from ``--data`` and never copied into the repository.

    python bench/pan18.py [--data PATH] [--quick]
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

from unmask.persona.delta import DeltaClassifier
from unmask.persona.ngrams import UNKNOWN, CharNgramClassifier

DATA = Path(__file__).resolve().parents[2] / (
    "shared/data/authorship/pan18_attribution/"
    "pan18-cross-domain-authorship-attribution-training-dataset-2017-12-02.jsonl.gz"
)
SEED = 2018


def problems(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def known(problem: dict, keep: set[str] | None = None) -> tuple[list[str], list[str]]:
    pairs = [
        (doc["text"], author)
        for author, docs in sorted(problem["candidates"].items())
        if keep is None or author in keep
        for doc in docs
    ]
    return [t for t, _ in pairs], [a for _, a in pairs]


def pan_macro_f1(gold: list[str], answers, *, without: str | None = None) -> float:
    """Macro-F1 over the true labels of ``gold`` (PAN 2018's evaluator), leaving out ``without`` if given."""
    labels = sorted(set(gold) - {without})
    return float(f1_score(gold, list(answers), labels=labels, average="macro", zero_division=0))


def by_language(rows: list[dict], key: str) -> dict[str, float]:
    languages = sorted({r["language"] for r in rows})
    out = {
        lang: round(float(np.mean([r[key] for r in rows if r["language"] == lang])), 4) for lang in languages
    }
    out["overall"] = round(float(np.mean([r[key] for r in rows])), 4)
    return out


def closed_set(data: list[dict]) -> dict:
    rows, seconds = [], {"char_ngram": 0.0, "delta": 0.0}
    for p in data:
        texts, authors = known(p)
        queries = [u["text"] for u in p["unknown"]]
        gold = [u["true_author"] for u in p["unknown"]]
        row = {"problem": p["problem"], "language": p["language"], "n_candidates": len(p["candidates"])}
        for name, model in (("char_ngram", CharNgramClassifier()), ("delta", DeltaClassifier())):
            started = time.perf_counter()
            answers = model.fit(texts, authors).predict(queries)
            seconds[name] += time.perf_counter() - started
            row[name] = round(pan_macro_f1(gold, answers), 4)
        rows.append(row)
    return {
        "macro_f1": {name: by_language(rows, name) for name in seconds},
        "seconds": {name: round(s, 1) for name, s in seconds.items()},
        "problems": rows,
    }


def open_set(data: list[dict]) -> dict:
    rows, started = [], time.perf_counter()
    for i, p in enumerate(data):
        candidates = sorted(p["candidates"])
        rng = np.random.default_rng([SEED, i])
        withheld = set(
            rng.choice(candidates, size=max(1, round(len(candidates) / 3)), replace=False).tolist()
        )
        texts, authors = known(p, set(candidates) - withheld)
        model = CharNgramClassifier(open_set=True).fit(texts, authors)
        answers = model.predict([u["text"] for u in p["unknown"]])
        gold = [UNKNOWN if u["true_author"] in withheld else u["true_author"] for u in p["unknown"]]
        unknown = np.array([g == UNKNOWN for g in gold])
        said_unknown = answers == UNKNOWN
        rows.append(
            {
                "problem": p["problem"],
                "language": p["language"],
                "n_withheld": len(withheld),
                "macro_f1": pan_macro_f1(gold, answers),
                "macro_f1_pan19": pan_macro_f1(gold, answers, without=UNKNOWN),
                "unknown_recall": float(said_unknown[unknown].mean()) if unknown.any() else float("nan"),
                "known_rejected": float(said_unknown[~unknown].mean()),
                "known_accuracy": float((answers[~unknown] == np.array(gold)[~unknown]).mean()),
                "threshold": round(model.threshold_, 4),
                "cv_unknown_recall": round(model.cv_["unknown_recall"], 4),
                "cv_known_accuracy": round(model.cv_["known_accuracy"], 4),
            }
        )
    keys = ("macro_f1", "macro_f1_pan19", "unknown_recall", "known_rejected", "known_accuracy")
    return {
        **{key: by_language(rows, key) for key in keys},
        "seconds": round(time.perf_counter() - started, 1),
        "problems": [{k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()} for r in rows],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the training set as JSON Lines (gzip)")
    parser.add_argument("--quick", action="store_true", help="two problems only (a smoke run)")
    args = parser.parse_args()
    data = problems(args.data)
    if args.quick:
        data = data[:2]
    started = time.perf_counter()
    result = {
        "bench": "pan18",
        "n_problems": len(data),
        "closed_set": closed_set(data),
        "open_set": open_set(data),
    }
    result["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
