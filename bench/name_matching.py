"""Precision and recall of automatic merges on the labelled name pairs (bench/data/name_pairs.csv).

The pairs were written from stated variation rules (initials, order, diacritics, transliteration,
hyphenated surnames, legal forms, typos) with hard negatives (relatives, father and son, different middle
names, near-miss companies, the same name under another country's legal form), before the matcher's
threshold was tuned and by someone who did not see the matcher (bench/data/name_pairs.md). A pair is
merged automatically when its score reaches ``AUTO_MERGE``; candidates for review count as not merged.

Prints one JSON line: precision and recall of automatic merges, over all pairs and without the pairs the
set marks AMBIGUOUS; recall of automatic merges or candidates; per-rule counts on stderr.

    python bench/name_matching.py
"""

from __future__ import annotations

import csv
import json
import sys
import time
from collections import Counter
from pathlib import Path

from unmask.names import AUTO_MERGE, CANDIDATE, compare_names

PAIRS = Path(__file__).resolve().parent / "data" / "name_pairs.csv"


def scores(rows: list[dict]) -> dict:
    merged = [r for r in rows if r["score"] >= AUTO_MERGE]
    listed = [r for r in rows if r["score"] >= CANDIDATE]
    positives = sum(r["same"] == "1" for r in rows)
    true = sum(r["same"] == "1" for r in merged)
    return {
        "pairs": len(rows),
        "positives": positives,
        "merged": len(merged),
        "false_merges": len(merged) - true,
        "precision": round(true / len(merged), 4) if merged else None,
        "recall": round(true / positives, 4) if positives else None,
        "recall_merged_or_candidate": round(sum(r["same"] == "1" for r in listed) / positives, 4),
        "false_candidates": sum(r["same"] == "0" for r in listed) - (len(merged) - true),
    }


def main() -> None:
    rows = list(csv.DictReader(PAIRS.open(encoding="utf-8")))
    started = time.perf_counter()
    for r in rows:
        m = compare_names(r["a"], r["b"], r["schema"])
        r["score"], r["rule_found"] = m.score, m.rule
    seconds = time.perf_counter() - started
    clear = [r for r in rows if not r["note"].startswith("AMBIGUOUS")]
    per_rule: Counter = Counter()
    for r in rows:
        per_rule[(r["rule"], r["same"], "auto" if r["score"] >= AUTO_MERGE else
                  "candidate" if r["score"] >= CANDIDATE else "none")] += 1  # fmt: skip
    for (rule, same, decision), n in sorted(per_rule.items()):
        print(f"{rule:24} same={same} {decision:10} {n}", file=sys.stderr)
    for r in rows:
        if r["score"] >= AUTO_MERGE and r["same"] == "0":
            print(f"FALSE MERGE {r['pair_id']}: {r['a']!r} / {r['b']!r} ({r['rule_found']})", file=sys.stderr)
    out = {
        "bench": "name_matching",
        "auto_merge": AUTO_MERGE,
        "candidate": CANDIDATE,
        "all": scores(rows),
        "without_ambiguous": scores(clear),
        "pairs_per_second": round(len(rows) / seconds),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
