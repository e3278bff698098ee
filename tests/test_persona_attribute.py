"""``unmask persona attribute``: n-gram SVMs and Cosine Delta weighed on held-out texts, so that a prolific
author does not pull attributions to itself; each method's answer and their agreement are shown; the
open-set threshold is reported and named by every ``<UNK>`` row; attributions become findings in a case."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from scipy.special import expit, logit
from sklearn.base import clone
from typer.testing import CliRunner

from test_persona_ngrams import KNOWN, corpus
from unmask.case import Case
from unmask.cli import app
from unmask.findings import read_findings
from unmask.persona import engine
from unmask.persona.attribution import AttributionEnsemble
from unmask.persona.ngrams import UNKNOWN, CharNgramClassifier, fit_weights, unknown_threshold
from unmask.persona.reference import federalist


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _run(tmp_path: Path, known: list[dict], unknown: list[dict], *flags: str) -> tuple[list[dict], str]:
    """The command's rows (in the order of ``unknown``) and its printed output."""
    out = tmp_path / "attributed.jsonl"
    args = ["persona", "attribute", "--known", str(_jsonl(tmp_path / "known.jsonl", known))]
    args += ["--unknown", str(_jsonl(tmp_path / "unknown.jsonl", unknown)), "--out", str(out), *flags]
    result = CliRunner().invoke(app, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    return [rows[u["id"]] for u in unknown], result.output


# --- an unbalanced known set ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def unbalanced(tmp_path_factory) -> dict:
    """Federalist: 48 HAMILTON papers known and 12 MADISON (a quarter as many); the 12 disputed unknown."""
    rows = federalist().to_pylist()
    known = [r for r in rows if r["byline"] == "HAMILTON"][:48] + [
        r for r in rows if r["byline"] == "MADISON"
    ][:12]
    disputed = [r for r in rows if r["byline"] == "HAMILTON OR MADISON"]
    answers, output = _run(
        tmp_path_factory.mktemp("federalist"),
        [{"id": f"paper-{r['doc_id']}", "author": r["byline"], "text": r["text"]} for r in known],
        [{"id": f"paper-{r['doc_id']}", "text": r["text"]} for r in disputed],
        "--closed-set",
    )
    return {"known": known, "disputed": disputed, "answers": answers, "output": output}


def test_a_prolific_author_does_not_pull_attributions(unbalanced) -> None:
    # The n-gram SVM alone, which the command used to be, follows the author with four times the texts.
    svm = CharNgramClassifier().fit(
        [r["text"] for r in unbalanced["known"]], [r["byline"] for r in unbalanced["known"]]
    )
    assert svm.predict([r["text"] for r in unbalanced["disputed"]]).tolist() == ["HAMILTON"] * 12
    # The combined answer is the scholarly one, Madison, for all twelve.
    assert [r["author"] for r in unbalanced["answers"]] == ["MADISON"] * 12
    assert all(0.5 < r["score"] <= 1.0 for r in unbalanced["answers"])


def test_disagreement_between_methods_is_shown(unbalanced) -> None:
    answers = unbalanced["answers"]
    assert all(set(r) == {"id", "author", "score", "agree", "methods"} for r in answers)
    assert all(set(r["methods"]) == {"ngrams", "masked", "delta"} for r in answers)
    for r in answers:
        said = {m["author"] for m in r["methods"].values()}
        assert r["agree"] == (len(said) == 1)
    # Here the SVMs say Hamilton and Delta Madison: every row disagrees, and the table says so.
    assert not any(r["agree"] for r in answers)
    assert {r["methods"]["ngrams"]["author"] for r in answers} == {"HAMILTON"}
    assert {r["methods"]["delta"]["author"] for r in answers} == {"MADISON"}
    output = unbalanced["output"]
    assert "the methods disagree on 12" in output and "│ NO " in output
    assert "0 shared-writer findings" in output  # disputed between the methods: no claim is made


def test_a_method_wrong_on_held_out_texts_gets_no_weight() -> None:
    rows = federalist().to_pylist()
    known = [r for r in rows if r["byline"] in ("HAMILTON", "MADISON", "JAY")]
    model = AttributionEnsemble().fit([r["text"] for r in known], [r["byline"] for r in known])
    assert model.weights_["delta"] > 100 * max(model.weights_["ngrams"], model.weights_["masked"])
    assert model.cv_["accuracy"]["delta"] > model.cv_["accuracy"]["ngrams"]


# --- open set ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic() -> dict:
    train, y = corpus(KNOWN, 8, seed=1)
    test, y_test = corpus(KNOWN, 2, seed=2)
    stranger, _ = corpus("dots", 3, seed=3)
    known = [{"id": f"k{i}", "author": a, "text": t} for i, (t, a) in enumerate(zip(train, y, strict=True))]
    unknown = [{"id": f"u{i}", "text": t} for i, t in enumerate(test + stranger)]
    return {"known": known, "unknown": unknown, "gold": y_test + [UNKNOWN] * 3}


def test_open_set_threshold_is_reported_and_unk_rows_name_it(tmp_path: Path, synthetic) -> None:
    answers, output = _run(tmp_path, synthetic["known"], synthetic["unknown"])
    assert [r["author"] for r in answers] == synthetic["gold"]
    unk = [r for r in answers if r["author"] == UNKNOWN]
    [threshold] = {r["threshold"] for r in unk}
    assert 0.0 < threshold < 1.0
    assert all(r["best_known"] in KNOWN and r["score"] < threshold for r in unk)
    assert all("threshold" not in r and r["score"] >= threshold for r in answers if r["author"] != UNKNOWN)
    assert f"open set: <UNK> below a combined score of {threshold}" in output
    assert "10% of held-out texts by known authors would be <UNK>" in output


def test_threshold_sits_above_unknown_authors_when_held_out_texts_separate() -> None:
    # Held-out texts of known authors very sure of their author (log-odds 12-16), of left-out authors not.
    known, unknown = np.linspace(12, 16, 50), np.linspace(-2, 2, 50)
    threshold = unknown_threshold(known, unknown, 0.1, n_classes=5)
    # Just above the unknown authors' texts, not deep in the known ones' tail (which gave 0.99999 and
    # turned away texts scoring 0.9999 for their right author).
    assert logit(threshold) + np.log(4) == pytest.approx(np.quantile(unknown, 0.9))
    assert threshold < 0.9
    # Where the two kinds overlap, the target false-unknown rate decides.
    known, unknown = np.linspace(1, 5, 50), np.linspace(0, 4, 50)
    assert logit(unknown_threshold(known, unknown, 0.1, n_classes=2)) == pytest.approx(
        np.quantile(known, 0.1)
    )


def test_open_set_needs_three_authors(tmp_path: Path, synthetic) -> None:
    two = [r for r in synthetic["known"] if r["author"] in KNOWN[:2]]
    answers, output = _run(tmp_path, two, synthetic["unknown"][:2])
    assert "closed set: an open set needs known texts by three authors" in output
    assert all(r["author"] in KNOWN[:2] for r in answers)


# --- findings ---------------------------------------------------------------------------------------------


def test_attributions_become_findings_in_the_case(tmp_path: Path, synthetic) -> None:
    case = tmp_path / "case.duckdb"
    answers, output = _run(tmp_path, synthetic["known"], synthetic["unknown"], "--case", str(case))
    attributed = [r for r in answers if r["author"] != UNKNOWN and r["agree"] and r["score"] > 0.5]
    assert attributed and f"{len(attributed)} shared-writer findings" in output
    with Case.open(case, read_only=True) as c:
        findings = [f for f in read_findings(c) if f.method == engine.ATTRIBUTE_METHOD]
        sources = {r["source_id"] for r in c.query("SELECT source_id FROM sources")}
    assert len(findings) == len(attributed)
    by_text = {s.removeprefix("byline:"): f for f in findings for s in f.subjects if s.startswith("byline:u")}
    for row in attributed:
        f = by_text[row["id"]]
        assert f.kind == "shared-writer" and f.calibrated and f.confidence == row["score"]
        assert f"Of the 3 known authors given, {row['author']!r} writes most like the text" in f.claim
        assert "cannot name a writer who is not among them" in f.limitations
        roles = [e.values.get("role") for e in f.evidence if e.source_id is not None]
        assert roles.count("unknown") == 1 and roles.count("known") == 8
        assert all(
            e.source_id in sources and e.record_no is not None for e in f.evidence if e.values.get("role")
        )
        assert f.evidence[-1].values["methods"] == row["methods"]
    # A second run replaces the findings rather than adding to them.
    _run(tmp_path, synthetic["known"], synthetic["unknown"], "--case", str(case))
    with Case.open(case, read_only=True) as c:
        assert len([f for f in read_findings(c) if f.method == engine.ATTRIBUTE_METHOD]) == len(attributed)


def test_a_text_no_longer_attributed_loses_its_finding(tmp_path: Path, synthetic) -> None:
    with Case.open(tmp_path / "case.duckdb") as c:
        known = engine.import_documents(
            c, _jsonl(tmp_path / "k.jsonl", synthetic["known"]), mapping={"byline": "author"}
        )
        unknown = engine.import_documents(
            c, _jsonl(tmp_path / "u.jsonl", synthetic["unknown"]), mapping={"byline": "id"}
        )
        result = engine.attribute(known, unknown)
        engine.write_attribute_findings(c, unknown, engine.attribute_findings(result, known, unknown))
        assert read_findings(c)
        for row in result.rows:  # a later run finds no known author fits any text
            row |= {"author": UNKNOWN, "best_known": row["author"], "threshold": 1.0}
        engine.write_attribute_findings(c, unknown, engine.attribute_findings(result, known, unknown))
        assert read_findings(c) == []


def test_scores_never_read_as_certain() -> None:
    assert engine.shown_probability(0.123456) == 0.1235
    assert engine.shown_probability(0.99999) == 0.99999
    assert 0.0 < engine.shown_probability(1 - 1e-9) < 1.0
    assert engine.shown_probability(1.0) == 1.0 and engine.shown_probability(0.0) == 0.0


# --- the estimator ----------------------------------------------------------------------------------------


def test_ensemble_estimator_conventions(synthetic) -> None:
    texts = [r["text"] for r in synthetic["known"]]
    authors = [r["author"] for r in synthetic["known"]]
    queries = [r["text"] for r in synthetic["unknown"]]
    model = AttributionEnsemble(methods=("ngrams", "delta"), open_set="auto", cv=4)
    params = model.get_params()
    assert clone(model).get_params() == params and not hasattr(model, "classes_")
    assert model.fit(texts, authors) is model and model.open_set_
    assert model.classes_.tolist() == sorted(KNOWN) and all(w > 0 for w in model.weights_.values())
    proba = model.predict_proba(queries)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # A text's answer does not depend on the batch it comes in.
    np.testing.assert_allclose(proba[:2], np.vstack([model.predict_proba([q]) for q in queries[:2]]))
    assert set(model.predict_methods(queries)) == {"ngrams", "delta"}
    assert model.score(queries[:6], synthetic["gold"][:6]) == 1.0  # the known authors' texts
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(copy.predict_proba(queries), proba)
    for bad, match in (
        ({"methods": ("svm",)}, "methods"),
        ({"open_set": "yes"}, "open_set"),
        ({"threshold": 1.5}, "threshold"),
        ({"false_unknown_rate": 0.0}, "false_unknown_rate"),
        ({"cv": 1}, "cv"),
    ):
        with pytest.raises(ValueError, match=match):
            AttributionEnsemble(**bad).fit(texts, authors)
    with pytest.raises(ValueError, match="two authors"):
        AttributionEnsemble().fit(texts[:3], ["A"] * 3)
    with pytest.raises(TypeError, match="one string"):
        model.predict("one text")


def test_engine_refuses_one_known_author_or_no_unknown_text() -> None:
    known = pa.table({"text": ["a b c", "d e f"], "byline": ["A", "A"], "doc_id": ["1", "2"]})
    with pytest.raises(engine.OptionError, match="two authors"):
        engine.attribute(known, known)
    two = pa.table({"text": ["a b c", "d e f"], "byline": ["A", "B"], "doc_id": ["1", "2"]})
    with pytest.raises(engine.OptionError, match="no unknown texts"):
        engine.attribute(two, two.slice(0, 0))


def test_weights_stay_finite_where_held_out_texts_separate() -> None:
    # Every held-out text's own author scores 1 above the other: the likelihood alone would grow without
    # bound and make every probability, and the open-set threshold with them, round to 1.
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 40)
    scores = np.zeros((1, 40, 2))
    scores[0, np.arange(40), y] = 1.0
    [weight] = fit_weights([(scores, y)], np.array([10.0]))
    # Their author's probability stays short of certain (without the penalty: 0.9999996).
    assert 0.95 < expit(weight) < 0.999
