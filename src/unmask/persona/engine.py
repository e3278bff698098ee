"""The persona engine over a case: the Python API behind ``unmask persona writers|link|attribute``.

Files the commands take (documents, references, known and unknown texts) are imported into the case with
the ``articles`` importer first, so that their rows are loaded or quarantined with provenance like any
other input; the analyses then read the case. Results become findings (``group-persona``,
``shared-writer``) whose evidence rows point at the documents' source file and record.

References: the test of a byline needs documents whose writers are known, "of the same kind". In order of
preference: a file the user names (``--reference FILE``, any articles layout, the byline is the writer), the
case's other bylines (``--reference case``, each assumed to be one writer), or the Federalist Papers that ship
with unmask (``federalist``, the default: three writers, late-18th-century English essays, so a weak match
for modern text, which every output says).
"""

from __future__ import annotations

import itertools
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
from unmask.persona.verification import ImpostorsVerifier, reference_pairs
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
    """The reference named by ``given``: None or ``federalist``, ``case``, or a file to import."""
    if given is None or str(given) == FEDERALIST:
        rows = [r for r in federalist().to_pylist() if r["byline"] in ("HAMILTON", "MADISON", "JAY")]
        return Reference(FEDERALIST_NAME, [r["text"] for r in rows], [r["byline"] for r in rows])
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
                method="persona.writers",
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
    on pairs of reference document sets of the bylines' median size. ``same_writer`` is ``score > 0.5``,
    ``undecided`` marks scores within the verifier's abstention band around 0.5;
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
    return sorted(out, key=lambda r: -r["score"])


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
                method="persona.link",
                method_version=METHOD_VERSION,
                parameters={"reference": pair["reference"]},
                evidence=evidence,
                limitations=(
                    "General Impostors compares the two bylines with reference documents; a shared editor, "
                    "house style or template can make different writers alike. Calibrated on pairs drawn "
                    "from "
                    f"the reference ({pair['reference']}), with even prior odds."
                ),
            )
        )
    return findings


# --- who wrote these? ---------------------------------------------------------------------------------------


def attribute(
    known: pa.Table, unknown: pa.Table, *, open_set: bool = True, author_column: str = "byline"
) -> list[dict[str, Any]]:
    """Attribute each unknown document to one of the known authors, or to ``<UNK>`` (open set)."""
    from unmask.persona.ngrams import CharNgramClassifier

    texts = known.column("text").to_pylist()
    authors = known.column(author_column).to_pylist()
    if len(set(authors)) < 2:
        raise OptionError("attribution needs known texts by at least two authors")
    model = CharNgramClassifier(open_set=open_set and len(set(authors)) >= 3).fit(texts, authors)
    queries = unknown.column("text").to_pylist()
    predicted = model.predict(queries)
    proba = model.predict_proba(queries)
    best = model.classes_[proba.argmax(axis=1)]
    # score is the probability of the most likely known author; a <UNK> row also names that author, whose
    # probability fell below the open-set threshold.
    return [
        {"id": doc_id, "author": str(author), "score": round(float(p), 4)}
        | (
            {"best_known": str(b), "threshold": round(float(model.threshold_), 4)}
            if author == UNKNOWN
            else {}
        )
        for doc_id, author, p, b in zip(
            unknown.column("doc_id").to_pylist(), predicted, proba.max(axis=1), best, strict=True
        )
    ]


def _by_byline(table: pa.Table) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in table.select(["doc_id", "byline", "text", "source_id", "record_no"]).to_pylist():
        groups.setdefault(r["byline"], []).append(r)
    return groups
