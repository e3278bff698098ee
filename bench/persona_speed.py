"""Speed of the writers test: a byline of 200 articles against a reference of 5,000 documents.

Prints one JSON line: seconds to fit the reference (style space, Fisher weights), to test the byline (its
calibration on simulated bylines included), and to test a second byline of the same size (calibration
cached), with the peak resident memory. The reference is Reuters C50's training half with each article cut
into its two halves (5,000 documents by 50 writers, ~250 words each); the byline is 200 half-articles by
four of them. Research-only data, read from ../shared.

    python bench/persona_speed.py
"""

from __future__ import annotations

import json
import resource
import time
from pathlib import Path

import numpy as np

from unmask.persona.writers import WritersTest

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "authorship" / "reuters_c50" / "train.jsonl"


def halves(text: str) -> list[str]:
    words = text.split()
    return [" ".join(words[: len(words) // 2]), " ".join(words[len(words) // 2 :])]


def main() -> None:
    rows = [json.loads(line) for line in DATA.open(encoding="utf-8")]
    texts = [h for r in rows for h in halves(r["text"])]
    writers = np.array([r["author"] for r in rows for _ in (0, 1)])
    started = time.perf_counter()
    test = WritersTest().fit(texts, writers, name="c50-halves")
    fit = time.perf_counter() - started
    rng = np.random.default_rng(0)
    names = rng.choice(np.unique(writers), 8, replace=False)
    out = {"bench": "persona_speed", "reference_documents": len(texts), "fit_seconds": round(fit, 2)}
    for label, group in (("first", names[:4]), ("second", names[4:])):
        idx = rng.choice(np.flatnonzero(np.isin(writers, group)), 200, replace=False)
        started = time.perf_counter()
        result = test.test([texts[i] for i in idx])
        out[f"{label}_byline_seconds"] = round(time.perf_counter() - started, 2)
        out[f"{label}_byline_p_multiple"] = round(result.p_multiple, 4)
    out["byline_documents"] = 200
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
