"""The persona engine over a case: the Python API behind ``unmask persona writers|link|attribute``.

Files the commands take (documents, references, known and unknown texts) are imported into the case with
the ``articles`` importer first, so that their rows are loaded or quarantined with provenance like any
other input; the analyses then read the case. Results become findings (``group-persona``,
``shared-writer``) whose evidence rows point at the documents' source file and record.

References: the test of a byline needs documents whose writers are known, "of the same kind". In order of
preference: a file the user names (``--reference FILE``, any articles layout, the byline is the writer), the
case's other bylines (``--reference case``, each assumed to be one writer; the default when the case has at
least ``MIN_REFERENCE_WRITERS`` of them, otherwise the commands refuse and say what to pass), or the
Federalist Papers that ship with unmask (``--reference federalist``: three writers, late-18th-century English
essays, so a weak match for modern text, which every output says).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from unmask.case import Case
from unmask.documents import documents as case_documents
from unmask.errors import OptionError
from unmask.findings import Evidence, Finding
from unmask.persona.reference import federalist
from unmask.persona.verification import ImpostorsVerifier, UnmaskingVerifier, reference_pairs
from unmask.persona.writers import METHOD as WRITERS_METHOD
from unmask.persona.writers import METHOD_VERSION, WritersResult, WritersTest

FEDERALIST = "federalist"
FEDERALIST_NAME = "federalist (Hamilton, Madison, Jay: 70 single-author papers shipped with unmask, CC0)"
UNKNOWN = "<UNK>"
# Below this many writers a reference cannot show how much single writers vary: results carry a warning and
# make no findings (on the shipped Federalist reference, six Hamilton papers scored p_multiple 0.95).
MIN_REFERENCE_WRITERS = 10


@dataclass
class Reference:
    """Documents with known writers, and the name the outputs give them."""

    name: str
    texts: list[str]
    writers: list[str]


def import_documents(
    case: Case, path: str | Path, *, mapping: dict[str, str] | None = None, timezone: str | None = None
) -> pa.Table:
    """Import ``path`` (an articles file or folder) into ``case`` and return its documents.

    Importing a file the case already has changes nothing; its documents are returned all the same.
    """
    from unmask.ingest import import_files

    [result] = import_files(case, "articles", [path], mapping=mapping, timezone=timezone)
    return case.con.sql(
        "SELECT doc_id, byline, title, outlet, url, published_at, language, text, source_id, record_no"
        " FROM documents WHERE source_id = $s ORDER BY byline, published_at NULLS LAST, record_no",
        params={"s": result.source_id},
    ).to_arrow_table()


def load_documents(case: Case, docs: str | Path | None, bylines: Sequence[str] | None = None) -> pa.Table:
    """The documents a command works on: those of ``docs`` (imported into ``case`` first) or, without it,
    all of the case's; only those of ``bylines`` if given."""
    table = import_documents(case, docs) if docs is not None else case_documents(case)
    if bylines:
        table = table.filter(pc.is_in(table.column("byline"), value_set=pa.array(bylines)))
    if table.num_rows == 0:
        raise OptionError("no documents: give --docs FILE, or --case with imported articles (and --byline)")
    return table


def reference(case: Case, given: str | Path | None, *, exclude: Sequence[str] = ()) -> Reference:
    """The reference named by ``given``: ``federalist``, ``case``, or a file to import. None means the case's
    other bylines when they are :data:`MIN_REFERENCE_WRITERS` writers or more, and is refused otherwise: a
    verdict against 18th-century essays, or against a handful of writers, says little about a byline."""
    if given is not None and str(given) == FEDERALIST:
        rows = [r for r in federalist().to_pylist() if r["byline"] in ("HAMILTON", "MADISON", "JAY")]
        return Reference(FEDERALIST_NAME, [r["text"] for r in rows], [r["byline"] for r in rows])
    if given is None:
        others = {b for b in case_documents(case).column("byline").to_pylist()} - set(exclude)
        if len(others) < MIN_REFERENCE_WRITERS:
            raise OptionError(
                f"no --reference: the case has {len(others)} other bylines, fewer than "
                f"{MIN_REFERENCE_WRITERS}, to show how much one writer varies. Pass --reference FILE "
                "(articles by known single writers, of the same kind as the bylines tested), or "
                "--reference federalist (the shipped Federalist Papers: 18th-century essays, another kind)"
            )
        given = "case"
    if str(given) == "case":
        table = case_documents(case)
        name = "the case's other bylines"
    else:
        table = import_documents(case, given)
        name = str(given)
    rows = [r for r in table.select(["byline", "text"]).to_pylist() if r["byline"] not in set(exclude)]
    if len({r["byline"] for r in rows}) < 2:
        raise OptionError(f"reference {name!r}: needs documents by at least two writers (bylines)")
    return Reference(name, [r["text"] for r in rows], [r["byline"] for r in rows])


# --- is a byline one writer? --------------------------------------------------------------------------------


def writers(table: pa.Table, ref: Reference, *, mask_topic: bool = False) -> list[WritersResult]:
    """The writers test of each byline of ``table`` with two documents or more, against ``ref``."""
    test = WritersTest(mask_topic=mask_topic).fit(ref.texts, ref.writers, name=ref.name)
    results = []
    for byline, rows in _by_byline(table).items():
        if len(rows) < 2:
            continue
        results.append(test.test([r["text"] for r in rows], [r["doc_id"] for r in rows], byline=byline))
    return results


def reference_warning(ref: Reference) -> str | None:
    """Why ``ref`` is too small to trust, or None."""
    n = len(set(ref.writers))
    if n >= MIN_REFERENCE_WRITERS:
        return None
    return (
        f"the reference has {n} writers (fewer than {MIN_REFERENCE_WRITERS}): it cannot show how much single "
        "writers vary, so p_multiple and scores are poorly calibrated and no findings are made; name a "
        "reference of the same kind with --reference"
    )


def writers_findings(results: Sequence[WritersResult], table: pa.Table, ref: Reference) -> list[Finding]:
    """A ``group-persona`` finding for each byline more likely than not written by several people (none
    when the reference is too small to trust, see :func:`reference_warning`)."""
    if reference_warning(ref):
        return []
    where = {
        r["doc_id"]: r
        for r in table.select(["doc_id", "title", "outlet", "source_id", "record_no"]).to_pylist()
    }
    from unmask.persona.plots import project_2d

    findings = []
    for res in results:
        if res.p_multiple < 0.5:
            continue
        # Where each document lies in the style space's first two principal components, for a map of
        # the byline (the report draws it; nothing else reads it).
        xy = project_2d(res.vectors) if res.vectors is not None else np.zeros((len(res.doc_ids), 2))
        position = {
            d: (round(float(x), 4), round(float(y), 4)) for d, (x, y) in zip(res.doc_ids, xy, strict=False)
        }
        evidence = [
            Evidence(
                where[d]["source_id"],
                where[d]["record_no"],
                "documents",
                {
                    "doc_id": d,
                    "cluster": c,
                    "title": where[d]["title"],
                    "outlet": where[d]["outlet"],
                    "x": position.get(d, (0.0, 0.0))[0],
                    "y": position.get(d, (0.0, 0.0))[1],
                },
            )
            for d, c in res.clusters.items()
            if d in where
        ]
        evidence.append(
            Evidence(
                values={"distinctive": res.distinctive, "statistics": res.statistics},
                note="features whose use differs most between the two largest clusters (per 1,000 words)",
            )
        )
        evidence.append(Evidence(values={"reference": res.reference, "compared_with": res.compared_with}))
        findings.append(
            Finding(
                kind="group-persona",
                claim=(
                    f"The {len(res.doc_ids)} documents under the byline {res.byline!r} were more likely"
                    f" written by several people than by one (p = {res.p_multiple:.2f}); they fall into"
                    f" {res.writers} groups by style."
                ),
                confidence=res.p_multiple,
                calibrated=True,
                subjects=[f"byline:{res.byline}"],
                method=WRITERS_METHOD,
                method_version=METHOD_VERSION,
                parameters={"reference": res.reference, "compared_with": res.compared_with},
                evidence=evidence,
                limitations=(
                    "Style varies with genre, editing and translation as well as with the writer: an editor "
                    "rewriting a columnist's drafts, ghost-written pieces or a change of outlet can look "
                    "like "
                    "a second writer. The probability is calibrated on bylines simulated from the reference "
                    f"({res.reference}), with even prior odds; it is only as good as the match between the "
                    "reference and these documents."
                ),
            )
        )
    return findings


# --- which bylines share a writer? --------------------------------------------------------------------------

# Unmasking, link's second opinion, is calibrated on this many reference pairs and run on at most this many
# pairs of bylines, the most alike by General Impostors: pairs grow as the square of the bylines, and one
# pair costs Unmasking 10-100 ms (General Impostors scores every pair).
UNMASKING_CALIBRATION_PAIRS = 60
UNMASKING_MAX_PAIRS = 50
LINK_METHOD = "persona.link"


def link(
    table: pa.Table,
    ref: Reference,
    *,
    mask_topic: bool = False,
    n_calibration_pairs: int = 200,
    top_features: int = 8,
) -> list[dict[str, Any]]:
    """Every pair of bylines in ``table``, with the calibrated probability that one person wrote both.

    General Impostors (:class:`ImpostorsVerifier`) with the reference's documents as impostors, calibrated
    on pairs of reference document sets of the bylines' median size, gives the answer: ``score``,
    ``same_writer`` (``score > 0.5``), ``undecided`` (within the verifier's abstention band around 0.5).
    ``unmasking`` is a second opinion (:func:`unmasking_opinions`), ``{score, same_writer, undecided}`` or
    ``{abstained, reason}``, and ``agree`` whether both name the same side (None where Unmasking abstained).
    ``features`` are the words both bylines over- or under-use most, relative to the reference.
    """
    groups = _by_byline(table)
    names = sorted(groups)
    if len(names) < 2:
        raise OptionError("link needs documents under at least two bylines")
    size = int(np.median([len(v) for v in groups.values()]))
    counts = np.unique(ref.writers, return_counts=True)[1]
    size = max(1, min(size, int(counts.max()) // 2))
    pairs, y, sides = reference_pairs(
        ref.texts, ref.writers, n_pairs=n_calibration_pairs, size=size, random_state=0
    )
    verifier = ImpostorsVerifier(mask_topic=mask_topic).fit(
        pairs, y, impostors=ref.texts, impostor_writers=ref.writers, pair_writers=sides
    )
    combos = list(itertools.combinations(names, 2))
    sets = {n: [r["text"] for r in groups[n]] for n in names}
    p = verifier.predict_proba([(sets[a], sets[b]) for a, b in combos])[:, 1]
    z = {n: verifier.space_.zscores(sets[n]).mean(axis=0) for n in names}
    words = verifier.space_.words_.vocabulary_
    out = []
    for (a, b), score in zip(combos, p, strict=True):
        shared = z[a] * z[b]
        order = [i for i in np.argsort(-shared) if "*" not in words[i] and shared[i] > 0][:top_features]
        out.append(
            {
                "a": a,
                "b": b,
                "score": round(float(score), 4),
                "same_writer": bool(score > 0.5),
                # Within the verifier's abstention band the evidence does not decide (c@1's "no answer").
                "undecided": bool(abs(score - 0.5) < verifier.abstain),
                "features": [
                    {"feature": words[i], "z_a": round(float(z[a][i]), 2), "z_b": round(float(z[b][i]), 2)}
                    for i in order
                ],
                "reference": ref.name,
            }
        )
    out.sort(key=lambda r: -r["score"])
    opinions = unmasking_opinions(sets, [(r["a"], r["b"]) for r in out], ref)
    for row in out:
        second = opinions[(row["a"], row["b"])]
        row["unmasking"] = second
        row["agree"] = None if second.get("abstained") else second["same_writer"] == row["same_writer"]
    return out


def unmasking_opinions(
    sets: dict[str, list[str]], order: Sequence[tuple[str, str]], ref: Reference
) -> dict[tuple[str, str], dict[str, Any]]:
    """Unmasking's opinion on each pair of bylines of ``order`` (most alike by General Impostors first):
    ``{score, same_writer, undecided}`` for the first :data:`UNMASKING_MAX_PAIRS` pairs whose bylines both
    have the verifier's ``min_words``, ``{abstained: True, reason}`` for the others.

    It is calibrated on :data:`UNMASKING_CALIBRATION_PAIRS` reference pairs whose sides have about as many
    words as the median byline judged (at least ``min_words``). Topic masking is not applied: Unmasking
    removes the most telling words round by round, topic words first.
    """
    verifier = UnmaskingVerifier()
    need = verifier.min_words
    length = {n: len(verifier.words(texts)) for n, texts in sets.items()}
    opinions: dict[tuple[str, str], dict[str, Any]] = {}
    judged: list[tuple[str, str]] = []
    for a, b in order:
        short = [n for n in (a, b) if length[n] < need]
        if short:
            opinions[(a, b)] = _abstained(
                f"{short[0]!r} has {length[short[0]]:,} words; Unmasking needs {need:,} a byline"
                f" ({verifier.folds} chunks of {verifier.min_chunk_words} words or more)"
            )
        elif len(judged) >= UNMASKING_MAX_PAIRS:
            opinions[(a, b)] = _abstained(
                f"Unmasking is run on the {UNMASKING_MAX_PAIRS} pairs most alike by General Impostors only"
            )
        else:
            judged.append((a, b))
    if not judged:
        return opinions
    words_each = max(need, float(np.median([length[n] for pair in judged for n in pair])))
    try:
        verifier.fit(*_unmasking_calibration_pairs(ref, verifier, words_each))
    except ValueError:
        reason = (
            f"the reference has too few documents, or too short, for {UNMASKING_CALIBRATION_PAIRS} "
            f"calibration pairs of {need:,} words a side or more"
        )
        return opinions | {pair: _abstained(reason) for pair in judged}
    p = verifier.predict_proba([(sets[a], sets[b]) for a, b in judged])[:, 1]
    for pair, score in zip(judged, p, strict=True):
        opinions[pair] = {
            "score": round(float(score), 4),
            "same_writer": bool(score > 0.5),
            "undecided": bool(abs(score - 0.5) < verifier.abstain),
        }
    return opinions


def _unmasking_calibration_pairs(
    ref: Reference, verifier: UnmaskingVerifier, words_each: float
) -> tuple[list[Any], np.ndarray]:
    """Labelled reference pairs with about ``words_each`` words a side (no more than Unmasking uses)."""
    words_each = min(words_each, verifier.max_chunks * verifier.chunk_words)
    sample = np.random.default_rng(0).permutation(len(ref.texts))[:200]
    per_document = max(1.0, float(np.median([len(verifier.words([ref.texts[i]])) for i in sample])))
    counts = np.unique(ref.writers, return_counts=True)[1]
    size = max(1, min(int(np.ceil(words_each / per_document)), int(counts.max()) // 2))
    pairs, y, _ = reference_pairs(
        ref.texts, ref.writers, n_pairs=UNMASKING_CALIBRATION_PAIRS, size=size, random_state=0
    )
    return pairs, y


def _abstained(reason: str) -> dict[str, Any]:
    return {"abstained": True, "reason": reason}


def _second_opinion(pair: dict[str, Any]) -> str:
    """What Unmasking said of ``pair``, for a finding's limitations."""
    second = pair["unmasking"]
    if second.get("abstained"):
        return f"Unmasking, the second opinion, abstained: {second['reason']}."
    if pair["agree"]:
        return f"Unmasking, the second opinion, agrees (p = {second['score']:.2f})."
    return (
        f"Unmasking, the second opinion, disagrees (p = {second['score']:.2f}): the two methods weigh "
        "different evidence, and this pair needs a closer look."
    )


def link_findings(links: Sequence[dict[str, Any]], table: pa.Table, ref: Reference) -> list[Finding]:
    """A ``shared-writer`` finding for each pair more likely than not written by one person (none when the
    reference is too small to trust)."""
    if reference_warning(ref):
        return []
    groups = _by_byline(table)
    findings = []
    for pair in links:
        if not pair["same_writer"]:
            continue
        evidence = [
            Evidence(r["source_id"], r["record_no"], "documents", {"doc_id": r["doc_id"], "byline": name})
            for name in (pair["a"], pair["b"])
            for r in groups[name]
        ]
        evidence.append(
            Evidence(values={"features": pair["features"]}, note="words both bylines over- or under-use (z)")
        )
        evidence.append(
            Evidence(
                values={"unmasking": pair["unmasking"], "agree": pair["agree"]},
                note="the second opinion (Unmasking) and whether it names the same side as General Impostors",
            )
        )
        findings.append(
            Finding(
                kind="shared-writer",
                claim=(
                    f"The bylines {pair['a']!r} and {pair['b']!r} were more likely written by the same"
                    f" person than by two (p = {pair['score']:.2f})."
                ),
                confidence=pair["score"],
                calibrated=True,
                subjects=[f"byline:{pair['a']}", f"byline:{pair['b']}"],
                method=LINK_METHOD,
                method_version=METHOD_VERSION,
                parameters={"reference": pair["reference"]},
                evidence=evidence,
                limitations=(
                    "General Impostors compares the two bylines with reference documents; a shared editor, "
                    "house style or template can make different writers alike. Calibrated on pairs drawn "
                    "from "
                    f"the reference ({pair['reference']}), with even prior odds. {_second_opinion(pair)}"
                ),
            )
        )
    return findings


# --- who wrote these? ---------------------------------------------------------------------------------------


ATTRIBUTE_METHOD = "persona.attribute"
ATTRIBUTE_VERSION = "2"  # 1: the n-gram SVM alone; 2: SVMs and Cosine Delta weighed on held-out texts


@dataclass
class Attribution:
    """The answers of :func:`attribute` and how they were reached.

    ``rows`` are ``{id, author, score, agree, methods}`` (with ``best_known`` and ``threshold`` where the
    author is ``<UNK>``); ``weights`` each method's weight in the combined score; ``threshold`` the combined
    probability below which a text is ``<UNK>`` (None in a closed set), set so that ``false_unknown_rate``
    of held-out texts by known authors would fall below it; ``note`` why an open set was not possible.
    """

    rows: list[dict[str, Any]]
    authors: list[str]
    weights: dict[str, float]
    open_set: bool
    threshold: float | None
    false_unknown_rate: float
    cv: dict[str, Any]
    note: str | None = None

    def summary(self) -> list[str]:
        """What a reader needs to weigh the answers, one line each."""
        from unmask.persona.attribution import METHOD_NAMES

        weights = ", ".join(f"{m} {w:.3g}" for m, w in self.weights.items())
        lines = [
            f"{len(self.authors)} known authors; methods: "
            + "; ".join(f"{m} ({METHOD_NAMES[m]})" for m in self.weights),
            f"combined score = softmax of the methods' scores weighed {weights} (weights learnt on held-out "
            "known texts, each author counting the same)",
        ]
        if self.threshold is not None:
            lines.append(
                f"open set: <UNK> below a combined score of {shown_probability(self.threshold)}, set so that "
                f"{self.false_unknown_rate:.0%} of held-out texts by known authors would be <UNK> (more on "
                "texts of another genre, topic or period than the known texts)"
            )
        elif self.note:
            lines.append(self.note)
        return lines


def attribute(
    known: pa.Table, unknown: pa.Table, *, open_set: bool = True, author_column: str = "byline"
) -> Attribution:
    """Attribute each unknown document to one of the known authors, or to ``<UNK>`` (open set).

    The answer combines three methods weighed on held-out known texts
    (:class:`~unmask.persona.attribution.AttributionEnsemble`); each row also gives every method's own
    answer, and whether they agree. An open set needs three known authors or more (the threshold is learnt
    by leaving authors out); with fewer the answers are a closed set's, and ``note`` says so.
    """
    from unmask.persona.attribution import AttributionEnsemble

    texts = known.column("text").to_pylist()
    authors = known.column(author_column).to_pylist()
    if len(set(authors)) < 2:
        raise OptionError("attribution needs known texts by at least two authors")
    if unknown.num_rows == 0:
        raise OptionError(
            "no unknown texts to attribute: the file is empty or every line was quarantined (with --case, "
            "unmask quarantine says why)"
        )
    model = AttributionEnsemble(open_set="auto" if open_set else False).fit(texts, authors)
    note = None
    if open_set and not model.open_set_:
        note = (
            "closed set: an open set needs known texts by three authors or more, some with two texts or more "
            "(the <UNK> threshold is learnt by leaving authors out); every text gets the most alike author"
        )
    rows = []
    for doc_id, answer in zip(
        unknown.column("doc_id").to_pylist(), model.attribute(unknown.column("text").to_pylist()), strict=True
    ):
        row = {
            "id": doc_id,
            "author": str(answer["author"]),
            "score": shown_probability(answer["score"]),
            "agree": answer["agree"],
            "methods": {
                m: {"author": str(v["author"]), "score": shown_probability(v["score"])}
                for m, v in answer["methods"].items()
            },
        }
        if row["author"] == UNKNOWN:
            # The most likely known author, whose combined score fell below the threshold.
            row |= {"best_known": str(answer["best_known"]), "threshold": shown_probability(model.threshold_)}
        rows.append(row)
    return Attribution(
        rows=rows,
        authors=[str(a) for a in model.classes_],
        weights=model.weights_,
        open_set=model.open_set_,
        threshold=model.threshold_,
        false_unknown_rate=model.false_unknown_rate,
        cv=model.cv_,
        note=note,
    )


def shown_probability(p: float) -> float:
    """``p`` rounded to four decimals, or to as many more as keep it from reading as exactly 0 or 1."""
    for digits in range(4, 16):
        r = round(float(p), digits)
        if 0.0 < r < 1.0 or r == p:
            return r
    return float(p)


def attribute_findings(result: Attribution, known: pa.Table, unknown: pa.Table) -> list[Finding]:
    """A ``shared-writer`` finding for each unknown text whose combined answer is a known author on which
    every method agrees and whose combined probability is above one half: the text, filed under its own id
    as its byline, and the author's known texts. None for ``<UNK>`` texts or where the methods disagree."""
    docs = {r["doc_id"]: r for r in unknown.select(["doc_id", "source_id", "record_no"]).to_pylist()}
    known_docs = _by_byline(known)
    findings = []
    for row in result.rows:
        if row["author"] == UNKNOWN or not row["agree"] or row["score"] <= 0.5 or row["id"] not in docs:
            continue
        doc = docs[row["id"]]
        evidence = [
            Evidence(
                doc["source_id"], doc["record_no"], "documents", {"doc_id": row["id"], "role": "unknown"}
            )
        ]
        evidence += [
            Evidence(r["source_id"], r["record_no"], "documents", {"doc_id": r["doc_id"], "role": "known"})
            for r in known_docs.get(row["author"], [])
        ]
        evidence.append(
            Evidence(
                values={"methods": row["methods"], "weights": result.weights, "cv": result.cv},
                note="each method's own answer and probability; the weights of the combination, learnt on "
                "held-out known texts, and what that cross-validation measured",
            )
        )
        open_set = (
            f" and above the open-set threshold ({shown_probability(result.threshold)})"
            if result.threshold is not None
            else " (closed set: the author was chosen among the known authors only)"
        )
        findings.append(
            Finding(
                kind="shared-writer",
                claim=(
                    f"Of the {len(result.authors)} known authors given, {row['author']!r} writes most like"
                    f" the text {row['id']!r}: combined probability {row['score']} among them"
                    f"{open_set}; the {len(row['methods'])} methods agree."
                ),
                confidence=float(row["score"]),
                calibrated=True,
                subjects=[f"byline:{row['author']}", f"byline:{row['id']}"],
                method=ATTRIBUTE_METHOD,
                method_version=ATTRIBUTE_VERSION,
                parameters={
                    "known_authors": result.authors,
                    "weights": result.weights,
                    "open_set": result.open_set,
                    "threshold": result.threshold,
                    "false_unknown_rate": result.false_unknown_rate,
                },
                evidence=evidence,
                limitations=(
                    "Attribution chooses among the known authors given: it cannot name a writer who is not "
                    "among them, and the probability assumes the writer is one of them (calibrated on "
                    "held-out texts of the known authors, each author counting the same). The open-set "
                    "threshold turns away only some texts by other writers. Texts of another genre, topic "
                    "or period than the known texts are scored less reliably: on such texts (Reuters C50 "
                    "split by file order, PAN 2018 across fandoms) answers scored above 0.99 were right "
                    "94-96 % of the time. A shared house style, editing, translation or imitation can make "
                    "different writers alike."
                ),
                # One finding per unknown text: a later run replaces it, whatever author it names.
                finding_id=attribution_finding_id(row["id"]),
            )
        )
    return findings


def write_attribute_findings(case: Case, unknown: pa.Table, findings: Sequence[Finding]) -> None:
    """Store ``findings`` as a run (:func:`unmask.persona.run.store`) that first removes the attribution
    findings of every text of ``unknown`` (a text that is now ``<UNK>`` or disputed between the methods keeps
    no claim from an earlier run)."""
    from unmask.persona.run import Scope, store

    store(case, Scope(ATTRIBUTE_METHOD, texts=tuple(unknown.column("doc_id").to_pylist())), list(findings))


def attribution_finding_id(doc_id: str) -> str:
    """The id of the attribution finding of the text ``doc_id``, whatever author it names."""
    key = json.dumps([ATTRIBUTE_METHOD, doc_id])
    return "shared-writer:" + hashlib.sha256(key.encode()).hexdigest()[:16]


def _by_byline(table: pa.Table) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in table.select(["doc_id", "byline", "text", "source_id", "record_no"]).to_pylist():
        groups.setdefault(r["byline"], []).append(r)
    return groups
