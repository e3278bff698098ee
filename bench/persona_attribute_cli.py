"""``unmask persona attribute`` as a user runs it: the figures of issue 14, each through the command.

Each split is written as the two JSON Lines files the command takes (``--known`` ``{id, author, text}``,
``--unknown`` ``{id, text}``) in a temporary folder, and ``unmask persona attribute`` runs in its own process
with every default but the flag the figure names (``--closed-set``); its ``--out`` file is scored.

- ``federalist``: the 70 known single-author papers (51 HAMILTON, 14 MADISON, 5 JAY) known, the 12
  disputed papers unknown, ``--closed-set``. Target: MADISON for all 12.
- ``c50_closed``: Reuters C50's training half, per author the first 25 texts (in the file's order) known
  and the last 25 unknown, ``--closed-set``: accuracy. Target: clearly above 0.80.
- ``c50_open``: the same split with every fifth author (alphabetically) withheld from the known texts; the
  default open set. Targets: known authors' texts given their author >= 0.75, withheld authors' texts
  ``<UNK>`` >= 0.75.
- ``pan18``: PAN 2018's ten training problems, a third of each problem's candidates withheld (the seeds of
  ``bench/pan18.py``), the default open set: macro-F1 with ``<UNK>`` as a class over the true labels
  (PAN 2018's evaluator), averaged over the problems. Target: >= 0.65.

Every figure also reports how often the methods agreed, and accuracy where they agreed and where they did
not. Reuters C50 and PAN are research-use only: read from ``--data`` and written only to a temporary
folder, never into the repository.

    python bench/persona_attribute_cli.py [FIGURE ...] [--data DIR] [--work DIR]

Prints one JSON line a figure.
"""

from __future__ import annotations

import argparse
import gzip
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

from peak import run_unmask
from unmask.persona.reference import federalist

DATA = Path(__file__).resolve().parents[2] / "shared/data/authorship"
C50 = "reuters_c50/train.jsonl"
PAN18 = "pan18_attribution/pan18-cross-domain-authorship-attribution-training-dataset-2017-12-02.jsonl.gz"
PAN18_SEED = 2018  # bench/pan18.py's
UNKNOWN = "<UNK>"
FIGURES = ("federalist", "c50_closed", "c50_open", "pan18")


def attribute(known: list[dict], unknown: list[dict], folder: Path, *flags: str) -> tuple[list[dict], dict]:
    """Run the command on ``known`` ``{id, author, text}`` and ``unknown`` ``{id, text}``; its rows in the
    order of ``unknown``, and how it ran (command line, seconds, peak memory)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (("known", known), ("unknown", unknown)):
        with open(folder / f"{name}.jsonl", "w", encoding="utf-8") as f:
            f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    out = folder / "attributed.jsonl"
    args = [
        "persona",
        "attribute",
        "--known",
        str(folder / "known.jsonl"),
        "--unknown",
        str(folder / "unknown.jsonl"),
        "--out",
        str(out),
        *flags,
    ]
    done, seconds, peak_mb = run_unmask(args)
    by_id = {r["id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    run = {
        "command": "unmask " + " ".join(a if a.startswith("-") else Path(a).name for a in args),
        "seconds": round(seconds, 1),
        "peak_mb": peak_mb,
        "summary": [line for line in done.stdout.splitlines()[:4] if not line.startswith(" ")],
    }
    return [by_id[u["id"]] for u in unknown], run


def agreement(rows: list[dict], gold: list[str]) -> dict:
    """How often the methods agreed, and the share of right answers where they did and did not."""
    agree = np.array([r["agree"] for r in rows])
    right = np.array([r["author"] == g for r, g in zip(rows, gold, strict=True)])
    return {
        "methods_agree": round(float(agree.mean()), 4),
        "right_where_agree": round(float(right[agree].mean()), 4) if agree.any() else None,
        "right_where_disagree": round(float(right[~agree].mean()), 4) if (~agree).any() else None,
    }


def federalist_figure(work: Path) -> dict:
    rows = federalist().to_pylist()
    known = [
        {"id": f"paper-{r['doc_id']}", "author": r["byline"], "text": r["text"]}
        for r in rows
        if r["byline"] in ("HAMILTON", "MADISON", "JAY")
    ]
    disputed = [
        {"id": f"paper-{r['doc_id']}", "text": r["text"]}
        for r in rows
        if r["byline"] == "HAMILTON OR MADISON"
    ]
    answers, run = attribute(known, disputed, work / "federalist", "--closed-set")
    madison = sum(r["author"] == "MADISON" for r in answers)
    return {
        "figure": "federalist",
        **run,
        "madison": madison,
        "of": len(disputed),
        "scores": [r["score"] for r in answers],
        **agreement(answers, ["MADISON"] * len(disputed)),
        "target": "MADISON for all 12",
        "met": madison == len(disputed),
    }


def c50_split(data: Path, withheld_every: int | None = None) -> tuple[list[dict], list[dict], list[str]]:
    """Per author the first 25 texts known, the last 25 unknown; every ``withheld_every``-th author
    (alphabetically, from the ``withheld_every``-th) is left out of the known texts, its gold ``<UNK>``."""
    by: dict[str, list[str]] = {}
    with open(data / C50, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            by.setdefault(r["author"], []).append(r["text"])
    authors = sorted(by)
    withheld = set(authors[withheld_every - 1 :: withheld_every]) if withheld_every else set()
    known = [
        {"id": f"{a}-{i}", "author": a, "text": t}
        for a in authors
        if a not in withheld
        for i, t in enumerate(by[a][:25])
    ]
    unknown = [{"id": f"{a}-{25 + i}", "text": t} for a in authors for i, t in enumerate(by[a][25:])]
    gold = [UNKNOWN if a in withheld else a for a in authors for _ in by[a][25:]]
    return known, unknown, gold


def c50_closed_figure(data: Path, work: Path) -> dict:
    known, unknown, gold = c50_split(data)
    answers, run = attribute(known, unknown, work / "c50_closed", "--closed-set")
    accuracy = float(np.mean([r["author"] == g for r, g in zip(answers, gold, strict=True)]))
    return {
        "figure": "c50_closed",
        **run,
        "authors": len(set(gold)),
        "known_texts": len(known),
        "unknown_texts": len(unknown),
        "accuracy": round(accuracy, 4),
        **agreement(answers, gold),
        "target": "accuracy clearly above 0.80",
        "met": accuracy > 0.80,
    }


def c50_open_figure(data: Path, work: Path) -> dict:
    known, unknown, gold = c50_split(data, withheld_every=5)
    answers, run = attribute(known, unknown, work / "c50_open")
    said = np.array([r["author"] for r in answers])
    truth = np.array(gold)
    withheld = truth == UNKNOWN
    known_right = float((said == truth)[~withheld].mean())
    unknown_recall = float((said == UNKNOWN)[withheld].mean())
    return {
        "figure": "c50_open",
        **run,
        "known_authors": len(set(truth[~withheld])),
        "withheld_authors": len(
            {u["id"].rsplit("-", 1)[0] for u, w in zip(unknown, withheld, strict=True) if w}
        ),
        "known_texts_right": round(known_right, 4),
        "known_texts_unk": round(float((said == UNKNOWN)[~withheld].mean()), 4),
        "withheld_texts_unk": round(unknown_recall, 4),
        "threshold": next((r["threshold"] for r in answers if "threshold" in r), None),
        **agreement([r for r, w in zip(answers, withheld, strict=True) if not w], list(truth[~withheld])),
        "target": "known texts right >= 0.75 and withheld texts <UNK> >= 0.75",
        "met": known_right >= 0.75 and unknown_recall >= 0.75,
    }


def pan18_figure(data: Path, work: Path) -> dict:
    with gzip.open(data / PAN18, "rt", encoding="utf-8") as f:
        problems = [json.loads(line) for line in f]
    rows, runs = [], []
    for i, p in enumerate(problems):
        candidates = sorted(p["candidates"])
        rng = np.random.default_rng([PAN18_SEED, i])
        withheld = set(
            rng.choice(candidates, size=max(1, round(len(candidates) / 3)), replace=False).tolist()
        )
        known = [
            {"id": f"{a}-{doc['file']}", "author": a, "text": doc["text"]}
            for a in candidates
            if a not in withheld
            for doc in p["candidates"][a]
        ]
        unknown = [{"id": u["file"], "text": u["text"]} for u in p["unknown"]]
        gold = [UNKNOWN if u["true_author"] in withheld else u["true_author"] for u in p["unknown"]]
        answers, run = attribute(known, unknown, work / "pan18" / p["problem"])
        runs.append(run)
        said = [r["author"] for r in answers]
        labels = sorted(set(gold))
        unk = np.array([g == UNKNOWN for g in gold])
        rows.append(
            {
                "problem": p["problem"],
                "language": p["language"],
                "macro_f1": float(f1_score(gold, said, labels=labels, average="macro", zero_division=0)),
                "withheld_texts_unk": float((np.array(said) == UNKNOWN)[unk].mean()),
                "known_texts_unk": float((np.array(said) == UNKNOWN)[~unk].mean()),
                "known_texts_right": float((np.array(said) == np.array(gold))[~unk].mean()),
                "threshold": next((r["threshold"] for r in answers if "threshold" in r), None),
            }
        )
    macro_f1 = float(np.mean([r["macro_f1"] for r in rows]))
    keys = ("withheld_texts_unk", "known_texts_unk", "known_texts_right")
    return {
        "figure": "pan18",
        "command": runs[0]["command"].replace(problems[0]["problem"], "PROBLEM"),
        "seconds": round(sum(r["seconds"] for r in runs), 1),
        "peak_mb": max(r["peak_mb"] for r in runs),
        "macro_f1": round(macro_f1, 4),
        **{k: round(float(np.mean([r[k] for r in rows])), 4) for k in keys},
        # Thresholds as the command wrote them (rounding would show 0.99999 as 1.0).
        "problems": [
            {k: round(v, 4) if isinstance(v, float) and k != "threshold" else v for k, v in r.items()}
            for r in rows
        ],
        "target": "open-set macro-F1 >= 0.65",
        "met": macro_f1 >= 0.65,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "figures", nargs="*", metavar="FIGURE", help=f"any of {', '.join(FIGURES)} (default: all)"
    )
    parser.add_argument("--data", type=Path, default=DATA, help="the shared authorship data sets")
    parser.add_argument("--work", type=Path, default=None, help="folder for the files (default: temporary)")
    args = parser.parse_args()
    unknown = [f for f in args.figures if f not in FIGURES]
    if unknown:
        parser.error(f"unknown figures {unknown}; known: {', '.join(FIGURES)}")
    with tempfile.TemporaryDirectory(prefix="unmask-attribute-") as tmp:
        work = args.work or Path(tmp)
        for figure in args.figures or FIGURES:
            started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
            if figure == "federalist":
                result = federalist_figure(work)
            else:
                result = globals()[f"{figure}_figure"](args.data, work)
            print(json.dumps({"bench": "persona_attribute_cli", "started": started, **result}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
