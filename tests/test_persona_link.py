"""``unmask persona link``: General Impostors' answer with Unmasking's second opinion beside it, on synthetic
writers whose habits are known (each draws function words from its own fixed distribution and content words
from a topic shared by all, so that only style tells them apart)."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from unmask.cli import app
from unmask.persona import engine
from unmask.persona.verification import UnmaskingVerifier

FUNCTION = "the of and to a in that is was it for on with as by at from which upon but or not this be"
TOPIC = "harbour ships cargo budget taxes bridge river council market school"


def text_by(writer: int, rng: np.random.Generator, n_words: int = 300) -> str:
    habits = np.random.default_rng(500 + writer).dirichlet(np.full(len(FUNCTION.split()), 0.3))
    words = np.where(
        rng.random(n_words) < 0.55,
        rng.choice(FUNCTION.split(), size=n_words, p=habits),
        rng.choice(TOPIC.split(), size=n_words),
    )
    return ". ".join(" ".join(words[i : i + 15]).capitalize() for i in range(0, n_words, 15)) + "."


def documents(bylines: dict[str, tuple[int, int, int]], seed: int) -> pa.Table:
    """``{byline: (writer, documents, words each)}`` as the documents table link reads."""
    rng = np.random.default_rng(seed)
    rows = [
        {"doc_id": f"{name}-{i}", "byline": name, "text": text_by(w, rng, words), "source_id": "s"}
        for name, (w, n, words) in bylines.items()
        for i in range(n)
    ]
    return pa.Table.from_pylist([r | {"record_no": i} for i, r in enumerate(rows)])


def reference_of(n_words: int = 300) -> engine.Reference:
    rng = np.random.default_rng(1)
    writers = [f"R{w}" for w in range(10) for _ in range(8)]
    return engine.Reference("synthetic", [text_by(int(w[1:]), rng, n_words) for w in writers], writers)


@pytest.fixture(scope="module")
def linked() -> tuple[list[dict], pa.Table, engine.Reference]:
    # A and B are one writer; C another; Short (one document of 60 words) is too short for Unmasking.
    table = documents({"A": (60, 3, 300), "B": (60, 3, 300), "C": (61, 3, 300), "Short": (62, 1, 60)}, 2)
    ref = reference_of()
    return engine.link(table, ref, n_calibration_pairs=40), table, ref


def pair(links: list[dict], a: str, b: str) -> dict:
    [row] = [r for r in links if {r["a"], r["b"]} == {a, b}]
    return row


def test_link_shows_both_verifiers_and_their_agreement(linked) -> None:
    links, _, _ = linked
    same, different = pair(links, "A", "B"), pair(links, "A", "C")
    assert same["same_writer"] and not different["same_writer"]
    for row in (same, different, pair(links, "B", "C")):
        assert set(row["unmasking"]) == {"score", "same_writer", "undecided"}
        assert row["unmasking"]["same_writer"] == row["same_writer"]
        assert row["agree"] is True
    assert same["unmasking"]["score"] > 0.5 > different["unmasking"]["score"]
    json.dumps(links)


def test_unmasking_abstains_on_short_bylines_naming_the_minimum(linked) -> None:
    links, _, _ = linked
    need = UnmaskingVerifier().min_words
    assert need == 500
    for other in ("A", "B", "C"):
        row = pair(links, "Short", other)
        assert row["unmasking"]["abstained"] is True and row["agree"] is None
        assert (
            "'Short' has" in row["unmasking"]["reason"]
            and f"needs {need:,} a byline" in row["unmasking"]["reason"]
        )
        assert "score" in row and "same_writer" in row  # General Impostors still answers


def test_findings_state_the_second_opinion(linked) -> None:
    links, table, ref = linked
    [finding] = [
        f for f in engine.link_findings(links, table, ref) if set(f.subjects) == {"byline:A", "byline:B"}
    ]
    assert finding.confidence == pair(links, "A", "B")["score"]  # General Impostors' answer, unchanged
    assert "Unmasking, the second opinion, agrees" in finding.limitations
    [second] = [e.values for e in finding.evidence if e.values and "unmasking" in e.values]
    assert second["agree"] is True and second["unmasking"]["same_writer"] is True


def test_unmasking_is_bounded_to_the_pairs_most_alike(monkeypatch) -> None:
    monkeypatch.setattr(engine, "UNMASKING_MAX_PAIRS", 1)
    table = documents({"A": (60, 2, 300), "B": (60, 2, 300), "C": (61, 2, 300)}, 3)
    links = engine.link(table, reference_of(), n_calibration_pairs=40)
    assert "score" in links[0]["unmasking"]  # the pair most alike by General Impostors
    for row in links[1:]:
        assert (
            row["agree"] is None
            and "the 1 pairs most alike by General Impostors" in row["unmasking"]["reason"]
        )


def test_unmasking_abstains_when_the_reference_cannot_calibrate_it() -> None:
    # Reference documents of 40 words: four a side (a writer's 8, halved) never reach 500 words.
    table = documents({"A": (60, 2, 300), "B": (61, 2, 300)}, 4)
    [row] = engine.link(table, reference_of(n_words=40), n_calibration_pairs=40)
    assert row["agree"] is None and "too few documents, or too short" in row["unmasking"]["reason"]


def test_unmasking_minimum_is_folds_chunks_of_the_minimum_chunk() -> None:
    um = UnmaskingVerifier(folds=4, min_chunk_words=50, n_features=30)
    assert um.min_words == 200
    rng = np.random.default_rng(5)
    words = text_by(70, rng, 2000).split()
    exactly = " ".join(["word"] * 200)
    assert np.isfinite(um.curve([exactly], [" ".join(words)])).all()
    assert np.isnan(um.curve([" ".join(["word"] * 199)], [" ".join(words)])).all()
    svm = UnmaskingVerifier(classifier="svm", n_features=30, min_chunk_words=50, chunk_words=100)
    assert np.isfinite(svm.curve([" ".join(words[:1000])], [" ".join(words[1000:])])).all()
    with pytest.raises(ValueError, match="classifier"):
        UnmaskingVerifier(classifier="forest").fit([], None)


# --- the command --------------------------------------------------------------------------------------------


def _jsonl(path: Path, table: pa.Table) -> Path:
    rows = [{"id": r["doc_id"], "byline": r["byline"], "text": r["text"]} for r in table.to_pylist()]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_cli_link_shows_both_verifiers(tmp_path: Path, monkeypatch) -> None:
    # General Impostors' calibration is the command's cost, and is tested above: fewer pairs here.
    monkeypatch.setattr(engine, "link", functools.partial(engine.link, n_calibration_pairs=40))
    docs = _jsonl(
        tmp_path / "docs.jsonl", documents({"A": (60, 3, 300), "B": (60, 3, 300), "S": (62, 1, 60)}, 6)
    )
    ref = reference_of()
    ref_file = _jsonl(
        tmp_path / "ref.jsonl",
        pa.Table.from_pylist(
            [
                {"doc_id": f"r{i}", "byline": w, "text": t}
                for i, (t, w) in enumerate(zip(ref.texts, ref.writers, strict=True))
            ]
        ),
    )
    out = tmp_path / "l.jsonl"
    args = ["persona", "link", "--docs", str(docs), "--reference", str(ref_file), "--out", str(out)]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "unmasking" in result.output and "agree" in result.output and "disagree on 0" in result.output
    assert "fewer than 500 words" in result.output and "Unmasking abstained on 2 pairs" in result.output
    rows = {(r["a"], r["b"]): r for r in map(json.loads, out.read_text().splitlines())}
    assert rows[("A", "B")]["agree"] is True and rows[("A", "B")]["unmasking"]["same_writer"] is True
    assert rows[("A", "S")]["unmasking"]["abstained"] is True and rows[("A", "S")]["agree"] is None
    as_json = CliRunner().invoke(app, [*args, "--json"])
    assert as_json.exit_code == 0, as_json.output
    printed = {(r["a"], r["b"]): r for r in json.loads(as_json.output)}
    assert printed[("A", "B")]["unmasking"] == rows[("A", "B")]["unmasking"]
    assert printed[("B", "S")]["agree"] is None
