"""Federalist Papers: the 12 disputed papers (Hamilton or Madison) and leave-one-out on the known ones.

Prints one JSON line. For each Delta variant (and, where installed, bitig and faststylometry on the same
splits): how many of the disputed papers (49–58, 62, 63) go to MADISON when trained on the known HAMILTON
and MADISON papers; leave-one-out accuracy over the known single-author papers (HAMILTON, MADISON, JAY:
each paper attributed by a model fitted on all the others); wall seconds of each. The data is the copy that
ships with unmask (unmask.persona.reference.federalist).

    python bench/federalist.py [--n-words 300] [--no-peers]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

import numpy as np

from unmask.persona.delta import METHODS, DeltaClassifier
from unmask.persona.reference import federalist

DEFAULT_METHOD = DeltaClassifier().method


def splits():
    rows = federalist().to_pylist()
    known = [r for r in rows if r["byline"] in ("HAMILTON", "MADISON", "JAY")]
    pair = [r for r in known if r["byline"] != "JAY"]
    disputed = [r for r in rows if r["byline"] == "HAMILTON OR MADISON"]
    return known, pair, disputed


Attributor = Callable[[list[str], list[str], list[str]], list[str]]


def run(attribute: Attributor, known, pair, disputed) -> dict:
    """``attribute(train_texts, train_authors, test_texts) -> authors`` on the disputed and LOO splits."""
    started = time.perf_counter()
    got = attribute([r["text"] for r in pair], [r["byline"] for r in pair], [r["text"] for r in disputed])
    disputed_seconds = time.perf_counter() - started
    started = time.perf_counter()
    correct = 0
    for i, held in enumerate(known):
        rest = known[:i] + known[i + 1 :]
        [answer] = attribute([r["text"] for r in rest], [r["byline"] for r in rest], [held["text"]])
        correct += answer == held["byline"]
    loo_seconds = time.perf_counter() - started
    return {
        "disputed_madison": int(sum(a == "MADISON" for a in got)),
        "disputed_hamilton": int(sum(a == "HAMILTON" for a in got)),
        "loo_accuracy": round(correct / len(known), 4),
        "loo_correct": correct,
        "disputed_seconds": round(disputed_seconds, 3),
        "loo_seconds": round(loo_seconds, 3),
    }


def delta(method: str, n_words: int) -> Attributor:
    def attribute(texts, authors, test):
        return DeltaClassifier(method, n_words=n_words).fit(texts, authors).predict(test).tolist()

    return attribute


def faststylometry_attributor(n_words: int) -> Attributor:
    """faststylometry's Burrows' Delta (its own tokeniser, z-scores and author profiles)."""
    from faststylometry import Corpus, calculate_burrows_delta, tokenise_remove_pronouns_en

    def corpus(texts, authors):
        c = Corpus()
        for i, (t, a) in enumerate(zip(texts, authors, strict=True)):
            c.add_book(a, f"doc{i}", t)
        c.tokenise(tokenise_remove_pronouns_en)
        return c

    def attribute(texts, authors, test):
        train = corpus(texts, authors)
        query = corpus(test, [f"q{i}" for i in range(len(test))])
        table = calculate_burrows_delta(train, query, vocab_size=n_words)  # rows: candidates, cols: queries
        return [str(table[f"q{i} - doc{i}"].idxmin()) for i in range(len(test))]

    return attribute


def bitig_attributor(n_words: int) -> Attributor:
    """bitig's BurrowsDelta on its MFWExtractor (z-scores over the training documents, lower-cased)."""
    from bitig.corpus import Corpus, Document
    from bitig.features.mfw import MFWExtractor
    from bitig.methods.delta import BurrowsDelta

    def corpus(texts):
        return Corpus(documents=[Document(id=str(i), text=t) for i, t in enumerate(texts)])

    def attribute(texts, authors, test):
        mfw = MFWExtractor(n=n_words, lowercase=True).fit(corpus(texts))
        clf = BurrowsDelta().fit(mfw.transform(corpus(texts)), np.asarray(authors))
        return [str(a) for a in clf.predict(mfw.transform(corpus(test)))]

    return attribute


def publius(known, disputed) -> dict:
    """The "Publius" byline as a whole, and an unsupervised clustering of the known papers.

    The writers test needs a reference with known writers that does not hold the tested papers: the
    odd-numbered known papers are the reference, the even-numbered papers (known, joint and disputed: all
    of Publius) the byline; HAMILTON's even-numbered papers alone are the single-writer control. The
    clustering is average linkage on the style space (fitted on the known papers, no labels) cut into three
    groups, scored by the adjusted Rand index against HAMILTON / MADISON / JAY.
    """
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform
    from sklearn.metrics import adjusted_rand_score

    from unmask.persona.space import StyleSpace, cosine_distances
    from unmask.persona.writers import WritersTest

    started = time.perf_counter()
    ref = [r for r in known if int(r["doc_id"]) % 2 == 1]
    test = WritersTest().fit([r["text"] for r in ref], [r["byline"] for r in ref], name="federalist-odd")
    rows = federalist().to_pylist()
    even = [r for r in rows if int(r["doc_id"]) % 2 == 0]
    whole = test.test([r["text"] for r in even], [r["doc_id"] for r in even], byline="Publius (even)")
    hamilton = [r for r in even if r["byline"] == "HAMILTON"]
    control = test.test([r["text"] for r in hamilton], byline="HAMILTON (even)")
    out: dict = {
        "publius_even_documents": len(even),
        "publius_p_multiple": round(whole.p_multiple, 4),
        "publius_writers": whole.writers,
        "hamilton_even_p_multiple": round(control.p_multiple, 4),
        "compared_with": whole.compared_with,
    }
    for mask in (True, False):
        space = StyleSpace(mask_topic=mask).fit([r["text"] for r in known])
        D = cosine_distances(space.transform([r["text"] for r in known]))
        labels = fcluster(linkage(squareform(D, checks=False), method="average"), 3, criterion="maxclust")
        out[f"clustering_ari_{'masked' if mask else 'unmasked'}"] = round(
            float(adjusted_rand_score([r["byline"] for r in known], labels)), 4
        )
    out["seconds"] = round(time.perf_counter() - started, 2)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-words", type=int, default=DeltaClassifier().n_words)
    parser.add_argument("--no-peers", action="store_true", help="skip bitig and faststylometry")
    args = parser.parse_args()
    known, pair, disputed = splits()
    result: dict = {
        "bench": "federalist",
        "default_method": DEFAULT_METHOD,
        "n_words": args.n_words,
        "n_known": len(known),
        "n_disputed": len(disputed),
        "methods": {},
        "peers": {},
    }
    for method in METHODS:
        result["methods"][method] = run(delta(method, args.n_words), known, pair, disputed)
    result["default"] = result["methods"][DEFAULT_METHOD]
    result["publius"] = publius(known, disputed)
    if not args.no_peers:
        for name, make in (("faststylometry", faststylometry_attributor), ("bitig", bitig_attributor)):
            try:
                result["peers"][name] = run(make(args.n_words), known, pair, disputed)
            except Exception as exc:  # a peer that fails to import or run is reported, not fatal
                result["peers"][name] = {"skipped": f"{type(exc).__name__}: {exc}"[:300]}
    print(json.dumps(result, default=lambda o: o.item() if isinstance(o, np.generic) else str(o)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
