"""The writers test, verification (General Impostors, Unmasking, c@1) and the persona commands, on synthetic
writers whose habits are known: each writer draws function words from its own fixed distribution and
content words from a topic shared by all, so that only style tells them apart."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.metrics import adjusted_rand_score
from typer.testing import CliRunner

from unmask.cli import app
from unmask.persona.verification import (
    ImpostorsVerifier,
    UnmaskingVerifier,
    c_at_1,
    reference_pairs,
)
from unmask.persona.writers import STATISTICS, WritersTest

FUNCTION = [
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "that",
    "is",
    "was",
    "it",
    "for",
    "on",
    "with",
    "as",
    "by",
    "at",
    "from",
    "which",
    "upon",
    "whilst",
    "but",
    "or",
    "not",
    "this",
    "be",
    "are",
    "had",
    "have",
    "been",
    "would",
    "could",
    "shall",
    "may",
    "must",
    "also",
    "however",
    "thus",
    "therefore",
    "yet",
]
TOPIC = [
    "harbour",
    "ships",
    "cargo",
    "budget",
    "taxes",
    "bridge",
    "river",
    "council",
    "market",
    "school",
    "road",
    "rail",
]


def writer_text(writer: int, rng: np.random.Generator, n_words: int = 300) -> str:
    """A text by synthetic ``writer``: its own function-word habits, a topic shared by everyone."""
    habits = np.random.default_rng(1000 + writer).dirichlet(np.full(len(FUNCTION), 0.3))
    words = np.where(
        rng.random(n_words) < 0.55,
        rng.choice(FUNCTION, size=n_words, p=habits),
        rng.choice(TOPIC, size=n_words),
    )
    sentences = [" ".join(words[i : i + 15]) for i in range(0, n_words, 15)]
    return ". ".join(s.capitalize() for s in sentences) + "."


def texts_by(writers: list[int], per: int, seed: int) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for w in writers:
        for _ in range(per):
            texts.append(writer_text(w, rng))
            labels.append(f"W{w}")
    return texts, labels


@pytest.fixture(scope="module")
def reference() -> tuple[list[str], list[str]]:
    return texts_by(list(range(10)), per=10, seed=1)


@pytest.fixture(scope="module")
def fitted(reference) -> WritersTest:
    texts, writers = reference
    return WritersTest(n_simulations=60, n_words=60).fit(texts, writers, name="synthetic")


# --- the writers test ---------------------------------------------------------------------------------------


def test_one_writer_is_one(fitted: WritersTest) -> None:
    texts, _ = texts_by([20], per=6, seed=2)
    result = fitted.test(texts, byline="solo")
    assert result.p_multiple < 0.5
    assert result.writers == 1
    assert set(result.clusters.values()) == {0}
    assert result.reference == "synthetic"
    assert result.compared_with["documents_each"] == 6


def test_two_writers_are_found_and_separated(fitted: WritersTest) -> None:
    texts, writers = texts_by([21, 22], per=4, seed=3)
    result = fitted.test(texts, [f"d{i}" for i in range(len(texts))], byline="team")
    assert result.p_multiple > 0.9
    assert result.writers == 2
    assert adjusted_rand_score(writers, [result.clusters[f"d{i}"] for i in range(len(texts))]) == 1.0
    assert result.distinctive and "*" not in result.distinctive[0]["feature"]
    out = result.to_dict()
    assert {"byline", "p_multiple", "writers", "clusters", "reference"} <= set(out)
    assert set(out["statistics"]) == set(STATISTICS)
    json.dumps(out)


def test_large_bylines_are_tested_on_subsets(fitted: WritersTest) -> None:
    texts, _ = texts_by([23], per=14, seed=4)
    result = fitted.test(texts)
    assert result.compared_with["documents_each"] == 10  # the reference's writers have 10 documents each
    assert result.p_multiple < 0.5


def test_writers_estimator_api(fitted: WritersTest, reference) -> None:
    single, _ = texts_by([24], per=4, seed=5)
    mixed, _ = texts_by([25, 26], per=2, seed=6)
    proba = fitted.predict_proba([single, mixed])
    assert proba.shape == (2, 2) and np.allclose(proba.sum(axis=1), 1.0)
    assert fitted.predict([single, mixed]).tolist()[0] == 1
    assert fitted.score([single, mixed], [False, True]) == 1.0
    assert clone(fitted).get_params() == fitted.get_params()


def test_writers_refuses_what_it_cannot_test(fitted: WritersTest) -> None:
    with pytest.raises(ValueError, match="two or more"):
        fitted.test(["only one"])
    with pytest.raises(ValueError, match="two writers"):
        WritersTest().fit(["a b c", "d e f"], ["A", "A"])


def test_reference_is_cut_to_the_bylines_length(fitted: WritersTest) -> None:
    rng = np.random.default_rng(7)
    short = [writer_text(27, rng, n_words=100) for _ in range(4)]
    result = fitted.test(short)
    assert result.compared_with["words_each"] < 300


# --- verification -------------------------------------------------------------------------------------------


def test_c_at_1_rewards_abstaining() -> None:
    assert c_at_1([1, 0, 1, 0], [1, 0, 1, 0]) == 1.0
    assert c_at_1([1, 0, 1, 0], [1, 0, -1, 1]) == 0.625
    assert c_at_1([1, 0], [-1, -1]) == 0.0
    assert c_at_1([], []) == 0.0


def test_reference_pairs_are_labelled_and_disjoint(reference) -> None:
    texts, writers = reference
    pairs, y, sides = reference_pairs(texts, writers, n_pairs=20, size=2)
    assert len(pairs) == 20 and y.sum() == 10
    for (a, b), label, (wa, wb) in zip(pairs, y, sides, strict=True):
        assert len(a) == len(b) == 2 and not set(a) & set(b)
        assert label == int(wa == wb)


def test_impostors_tell_same_from_different(reference) -> None:
    texts, writers = reference
    pairs, y, sides = reference_pairs(texts, writers, n_pairs=40, size=2, random_state=1)
    gi = ImpostorsVerifier(n_rounds=50, n_words=60).fit(
        pairs, y, impostors=texts, impostor_writers=writers, pair_writers=sides
    )
    new_texts, new_writers = texts_by([30, 31, 32], per=4, seed=8)
    test_pairs, test_y, _ = reference_pairs(new_texts, new_writers, n_pairs=20, size=2, random_state=2)
    p = gi.predict_proba(test_pairs)[:, 1]
    assert ((p > 0.5) == test_y.astype(bool)).mean() >= 0.9
    assert gi.score(test_pairs, test_y) >= 0.9
    assert set(gi.predict(test_pairs)) <= {-1, 0, 1}


def test_impostors_without_labels_give_raw_scores_only(reference) -> None:
    texts, _ = reference
    gi = ImpostorsVerifier(n_rounds=20, n_words=60).fit([], None, impostors=texts)
    raw = gi.raw_scores([(texts[:1], texts[1:2])])
    assert 0.0 <= raw[0] <= 1.0
    with pytest.raises(ValueError, match="without labels"):
        gi.predict_proba([(texts[:1], texts[1:2])])


def test_unmasking_curves_fall_faster_for_one_writer() -> None:
    rng = np.random.default_rng(9)
    a = [writer_text(40, rng, n_words=1500)]
    a2 = [writer_text(40, rng, n_words=1500)]
    b = [writer_text(41, rng, n_words=1500)]
    um = UnmaskingVerifier(chunk_words=150, n_features=40, n_rounds=6, remove=2)
    same, different = um.curve(a, a2), um.curve(a, b)
    assert same[-3:].mean() < different[-3:].mean()
    assert np.isnan(um.curve(["too short"], ["also short"])).all()
    pairs = [(a, a2), (a, b), ([writer_text(42, rng, 1500)], [writer_text(42, rng, 1500)])]
    pairs.append(([writer_text(43, rng, 1500)], [writer_text(44, rng, 1500)]))
    fitted = um.fit(pairs, [1, 0, 1, 0])
    assert fitted.predict_proba(pairs).shape == (4, 2)


# --- the commands -------------------------------------------------------------------------------------------


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def persona_files(tmp_path: Path, reference) -> dict[str, Path]:
    texts, writers = reference
    ref = _jsonl(
        tmp_path / "ref.jsonl",
        [
            {"id": f"r{i}", "byline": w, "text": t}
            for i, (t, w) in enumerate(zip(texts, writers, strict=True))
        ],
    )
    team, _ = texts_by([50, 51], per=3, seed=10)
    solo, _ = texts_by([52], per=6, seed=11)
    docs = _jsonl(
        tmp_path / "docs.jsonl",
        [{"id": f"t{i}", "byline": "Team <b>Byline</b>", "text": t} for i, t in enumerate(team)]
        + [{"id": f"s{i}", "byline": "Solo", "text": t} for i, t in enumerate(solo)],
    )
    return {"reference": ref, "docs": docs}


def test_cli_writers(tmp_path: Path, persona_files) -> None:
    out = tmp_path / "w.jsonl"
    case = tmp_path / "c.duckdb"
    args = ["persona", "writers", "--docs", str(persona_files["docs"]), "--reference"]
    args += [
        str(persona_files["reference"]),
        "--out",
        str(out),
        "--case",
        str(case),
        "--plots",
        str(tmp_path / "p"),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = {r["byline"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert rows["Team <b>Byline</b>"]["p_multiple"] > 0.5 and rows["Team <b>Byline</b>"]["writers"] >= 2
    assert rows["Solo"]["p_multiple"] < 0.5 and rows["Solo"]["writers"] == 1
    assert rows["Solo"]["reference"] == str(persona_files["reference"])
    assert len(rows["Solo"]["clusters"]) == 6
    assert len(list((tmp_path / "p").glob("*.png"))) == 4
    found = CliRunner().invoke(app, ["findings", "--case", str(case), "--json"])
    kinds = [f["kind"] for f in json.loads(found.output)]
    assert kinds == ["group-persona"]


def test_cli_link(tmp_path: Path, reference) -> None:
    texts, _ = texts_by([60, 60, 61], per=3, seed=12)
    docs = _jsonl(
        tmp_path / "docs.jsonl",
        [{"id": f"d{i}", "byline": ["A", "B", "C"][i // 3], "text": t} for i, t in enumerate(texts)],
    )
    ref_texts, ref_writers = reference
    ref = _jsonl(
        tmp_path / "ref.jsonl",
        [
            {"id": f"r{i}", "byline": w, "text": t}
            for i, (t, w) in enumerate(zip(ref_texts, ref_writers, strict=True))
        ],
    )
    out = tmp_path / "l.jsonl"
    args = ["persona", "link", "--docs", str(docs), "--reference", str(ref), "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 3 and {"a", "b", "score", "same_writer", "features"} <= set(rows[0])
    best = rows[0]
    assert {best["a"], best["b"]} == {"A", "B"} and best["same_writer"]
    assert not any(r["same_writer"] for r in rows if "C" in (r["a"], r["b"]))


def test_cli_writers_needs_documents(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["persona", "writers", "--out", str(tmp_path / "w.jsonl")])
    assert result.exit_code == 2


def test_cli_warns_when_the_reference_is_small(tmp_path: Path, persona_files) -> None:
    out = tmp_path / "w.jsonl"
    case = tmp_path / "c.duckdb"
    args = [
        "persona",
        "writers",
        "--docs",
        str(persona_files["docs"]),
        "--out",
        str(out),
        "--case",
        str(case),
        "--reference",
        "federalist",
    ]
    result = CliRunner().invoke(app, args)  # the shipped Federalist reference: three writers
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert all("3 writers" in r["warning"] for r in rows)
    assert rows[0]["reference"].startswith("federalist")
    found = CliRunner().invoke(app, ["findings", "--case", str(case), "--json"])
    assert json.loads(found.output) == []


def test_cli_writers_without_a_reference_uses_the_case_or_refuses(tmp_path: Path, persona_files) -> None:
    from unmask.case import Case
    from unmask.persona.engine import import_documents

    case = tmp_path / "c.duckdb"
    args = ["persona", "writers", "--docs", str(persona_files["docs"]), "--case", str(case)]
    refused = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "a.jsonl")])
    assert refused.exit_code == 2
    assert "no --reference" in refused.output and "--reference federalist" in refused.output
    assert not (tmp_path / "a.jsonl").exists()
    with Case.open(case) as c:  # ten single writers' articles join the case
        import_documents(c, persona_files["reference"])
    used = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "b.jsonl")])
    assert used.exit_code == 0, used.output
    rows = [json.loads(line) for line in (tmp_path / "b.jsonl").read_text().splitlines()]
    assert rows and all(r["reference"] == "the case's other bylines" for r in rows)


def test_cli_rhythm(tmp_path: Path) -> None:
    rng = np.random.default_rng(13)
    # An operator in UTC+3 publishing on weekdays between 09:00 and 18:00 local time.
    days = np.datetime64("2024-01-01") + np.arange(70)
    days = days[(days.astype("datetime64[D]").view("int64") - 4) % 7 < 5]
    times = [
        str(d.astype("datetime64[s]") + np.timedelta64(int(h * 3600), "s"))
        for d in days
        for h in rng.uniform(9 - 3, 18 - 3, size=4)
    ]
    rows = [{"id": f"d{i}", "byline": "Op", "text": "text", "published_at": t} for i, t in enumerate(times)]
    naive = _jsonl(tmp_path / "naive.jsonl", rows)
    zoned = _jsonl(
        tmp_path / "zoned.jsonl",
        [{**r, "id": "z" + r["id"], "byline": "Op2", "published_at": r["published_at"] + "Z"} for r in rows],
    )
    case = str(tmp_path / "c.duckdb")
    assert (
        CliRunner().invoke(app, ["import", "articles", str(naive), str(zoned), "--case", case]).exit_code == 0
    )
    refused = CliRunner().invoke(app, ["persona", "rhythm", "--case", case, "--byline", "Op"])
    assert refused.exit_code == 2 and "--timezone" in refused.output
    plot = tmp_path / "r.png"
    result = CliRunner().invoke(
        app, ["persona", "rhythm", "--case", case, "--byline", "Op2", "--json", "--plot", str(plot)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"subject", "utc_offset_hours", "offset_interval", "office_hours_score", "histogram"} <= set(data)
    assert data["utc_offset_hours"] == 3 and data["office_hours_score"] > 0.6
    assert len(data["histogram"]) == 7 and len(data["histogram"][0]) == 24
    assert plot.read_bytes()[:4] == b"\x89PNG"


# --- real data ----------------------------------------------------------------------------------------------


@pytest.mark.data
def test_c50_bylines_single_and_mixed(shared_data: Path) -> None:
    """Reuters C50 (research use, read in place): 20 writers as the reference, bylines of 6 articles by the
    next 10, one writer or two; the test must tell most apart."""
    rows = [json.loads(line) for line in (shared_data / "authorship/reuters_c50/train.jsonl").open()]
    names = sorted({r["author"] for r in rows})
    by = {n: [r["text"] for r in rows if r["author"] == n] for n in names}
    ref_names = names[:20]
    test = WritersTest(n_simulations=100).fit(
        [t for n in ref_names for t in by[n][:20]], [n for n in ref_names for _ in range(20)]
    )
    others = names[20:30]
    singles = [by[n][:6] for n in others]
    mixed = [by[a][10:13] + by[b][10:13] for a, b in zip(others, others[1:] + others[:1], strict=True)]
    p_single = np.array([test.test(s).p_multiple for s in singles])
    p_mixed = np.array([test.test(m).p_multiple for m in mixed])
    assert ((p_single < 0.5).sum() + (p_mixed >= 0.5).sum()) / 20 >= 0.75
    assert p_mixed.mean() > p_single.mean() + 0.3


def test_cli_attribute(tmp_path: Path) -> None:
    texts, writers = texts_by([70, 71, 72, 73], per=6, seed=14)
    known = _jsonl(
        tmp_path / "known.jsonl",
        [
            {"id": f"k{i}", "author": w, "text": t}
            for i, (t, w) in enumerate(zip(texts, writers, strict=True))
        ],
    )
    queries, truth = texts_by([70, 72], per=2, seed=15)
    unknown = _jsonl(tmp_path / "unknown.jsonl", [{"id": f"u{i}", "text": t} for i, t in enumerate(queries)])
    out = tmp_path / "p.jsonl"
    args = ["persona", "attribute", "--known", str(known), "--unknown", str(unknown), "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--closed-set"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [set(r) for r in rows] == [{"id", "author", "score", "agree", "methods"}] * 4
    assert [r["author"] for r in rows] == truth
    result = CliRunner().invoke(app, args)  # open set: an author or <UNK>
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert all(r["author"] in {*truth, "<UNK>"} for r in rows)


def test_cli_persona_files_are_imported_with_quarantine(tmp_path: Path, persona_files) -> None:
    docs = persona_files["docs"]
    docs.write_text(docs.read_text() + '{"id": "broken", "byline": \n', encoding="utf-8")
    case = tmp_path / "c.duckdb"
    args = ["persona", "writers", "--docs", str(docs), "--reference", str(persona_files["reference"])]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "w.jsonl"), "--case", str(case)])
    assert result.exit_code == 0, result.output
    quarantined = CliRunner().invoke(app, ["quarantine", "--case", str(case), "--json"])
    [row] = json.loads(quarantined.output)
    assert row["path"] == str(docs) and row["line_no"] == 13
    missing = CliRunner().invoke(
        app, ["persona", "link", "--docs", str(tmp_path / "nope.jsonl"), "--out", "x"]
    )
    message = " ".join(missing.output.split())  # the console wraps long paths
    assert missing.exit_code == 2 and f"{tmp_path / 'nope.jsonl'}: no such file" in message
