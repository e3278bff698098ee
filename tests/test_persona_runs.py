"""Persona runs: each ``unmask persona writers|link|attribute`` records its run in ``runs``, its findings name
the run, and it replaces only its own method's findings within its scope, all in one transaction.

Synthetic writers as in test_persona_writers.py: each draws function words from its own fixed distribution
and content words from a topic shared by all, so that only style tells them apart."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from unmask.case import Case
from unmask.cli import app
from unmask.findings import Finding, read_findings, write_findings
from unmask.persona import engine
from unmask.persona import run as persona_run

_FUNCTION_WORDS = (
    "the of and to a in that is was it for on with as by at from which upon whilst but or not this be are "
    "had have been would could shall may must also however thus therefore yet"
)
_TOPIC_WORDS = "harbour ships cargo budget taxes bridge river council market school road rail"
FUNCTION, TOPIC = _FUNCTION_WORDS.split(), _TOPIC_WORDS.split()
runner = CliRunner(env={"COLUMNS": "200"})


def texts_by(writers: list[int], per: int, seed: int) -> list[tuple[str, str]]:
    """(writer, text) pairs: ``per`` texts of 300 words by each synthetic writer."""
    rng = np.random.default_rng(seed)
    out = []
    for w in writers:
        habits = np.random.default_rng(1000 + w).dirichlet(np.full(len(FUNCTION), 0.3))
        for _ in range(per):
            words = np.where(
                rng.random(300) < 0.55, rng.choice(FUNCTION, size=300, p=habits), rng.choice(TOPIC, size=300)
            )
            text = ". ".join(" ".join(words[i : i + 15]).capitalize() for i in range(0, 300, 15)) + "."
            out.append((f"W{w}", text))
    return out


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """A reference of ten single writers; "Team" (two writers) and "Solo" (one); "A" and "B" (one writer
    under two bylines) and "C" (another)."""
    ref = [
        {"id": f"r{i}", "byline": w, "text": t} for i, (w, t) in enumerate(texts_by(list(range(10)), 10, 1))
    ]
    team = [
        {"id": f"t{i}", "byline": "Team", "text": t} for i, (_, t) in enumerate(texts_by([50, 51], 3, 10))
    ]
    solo = [{"id": f"s{i}", "byline": "Solo", "text": t} for i, (_, t) in enumerate(texts_by([52], 6, 11))]
    abc = [
        {"id": f"d{i}", "byline": "ABC"[i // 3], "text": t}
        for i, (_, t) in enumerate(texts_by([60, 60, 61], 3, 12))
    ]
    return {
        "reference": _jsonl(tmp_path / "ref.jsonl", ref),
        "docs": _jsonl(tmp_path / "docs.jsonl", team + solo),
        "abc": _jsonl(tmp_path / "abc.jsonl", abc),
    }


def _planted(method: str, *bylines: str) -> Finding:
    kind = "group-persona" if method == persona_run.WRITERS else "shared-writer"
    return Finding(kind, f"earlier {method}", 0.9, [f"byline:{b}" for b in bylines], method, "1")


def _case_with(tmp_path: Path, files: dict[str, Path], *planted: Finding) -> Path:
    """A case holding Team's and Solo's documents, the ``planted`` findings, and a coordination finding."""
    case = tmp_path / "c.duckdb"
    with Case.open(case) as c:
        engine.import_documents(c, files["docs"])
        network = Finding("coordinated-network", "n", 0.99, ["x:a", "x:b"], "coordination.co-share", "1")
        write_findings(c, [*planted, network])
    return case


def _findings(case: Path) -> dict[tuple[str, tuple[str, ...]], Finding]:
    with Case.open(case, read_only=True) as c:
        return {(f.method, tuple(f.subjects)): f for f in read_findings(c)}


def _persona_runs(case: Path) -> list[dict]:
    with Case.open(case, read_only=True) as c:
        rows = c.query("SELECT * FROM runs WHERE engine = 'persona' ORDER BY run_id")
    return [r | {"scope": json.loads(r["scope"]), "counts": json.loads(r["counts"])} for r in rows]


def test_writers_by_byline_records_its_run_and_replaces_only_those_bylines(tmp_path: Path, files) -> None:
    case = _case_with(
        tmp_path,
        files,
        _planted(persona_run.WRITERS, "Solo"),  # in scope: replaced
        _planted(persona_run.WRITERS, "Other"),  # another byline: stays
        _planted(persona_run.LINK, "Solo", "Team"),  # another method: stays
    )
    args = ["persona", "writers", "--case", str(case), "--byline", "Solo", "--byline", "Team"]
    result = runner.invoke(app, [*args, "--reference", str(files["reference"]), "--out", str(tmp_path / "w")])
    assert result.exit_code == 0, result.output
    assert "1 group-persona finding (replacing 1 earlier finding)" in result.output
    [run] = _persona_runs(case)
    assert run["scope"] == {"method": "persona.writers", "bylines": ["Solo", "Team"]}
    assert (run["counts"]["findings"], run["counts"]["replaced"], run["counts"]["tested"]) == (1, 1, 2)
    assert run["unmask_version"] and run["input_digest"]
    assert run["seconds"] > 0 and json.loads(run["parameters"])["bylines"] == ["Solo", "Team"]
    found = _findings(case)
    assert (
        found[("persona.writers", ("byline:Team",))].run_id == run["run_id"]
    )  # two writers: the new finding
    assert ("persona.writers", ("byline:Solo",)) not in found  # one writer now: the earlier claim is gone
    assert found[("persona.writers", ("byline:Other",))].run_id is None
    assert ("persona.link", ("byline:Solo", "byline:Team")) in found
    assert ("coordination.co-share", ("x:a", "x:b")) in found


def test_writers_over_the_whole_case_replaces_every_writers_finding(
    tmp_path: Path, files, monkeypatch
) -> None:
    # What the run replaces is tested here, not the test itself (test_persona_writers.py): no bylines tested.
    monkeypatch.setattr(engine, "writers", lambda table, ref, mask_topic=False: [])
    case = _case_with(
        tmp_path,
        files,
        _planted(persona_run.WRITERS, "Solo"),
        _planted(persona_run.WRITERS, "Other"),  # no longer in the case: a run over all of it removes it
        _planted(persona_run.LINK, "Solo", "Team"),
    )
    args = ["persona", "writers", "--case", str(case), "--reference", "federalist"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "w")])
    assert result.exit_code == 0, result.output
    [run] = _persona_runs(case)
    assert run["scope"] == {"method": "persona.writers", "bylines": "all"} and run["counts"]["replaced"] == 2
    assert set(_findings(case)) == {
        ("persona.link", ("byline:Solo", "byline:Team")),
        ("coordination.co-share", ("x:a", "x:b")),
    }


def test_a_failed_store_leaves_the_case_as_it_was(tmp_path: Path, files, monkeypatch) -> None:
    monkeypatch.setattr(engine, "writers", lambda table, ref, mask_topic=False: [])
    planted = [_planted(persona_run.WRITERS, "Solo"), _planted(persona_run.WRITERS, "Other")]
    case = _case_with(tmp_path, files, *planted)
    before = _findings(case)

    def fail(*args, **kwargs):
        raise RuntimeError("disk gone")

    monkeypatch.setattr(persona_run, "insert_findings", fail)  # after the run's row and the deletion
    args = [
        "persona",
        "writers",
        "--case",
        str(case),
        "--reference",
        "federalist",
        "--out",
        str(tmp_path / "w"),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code != 0 and isinstance(result.exception, RuntimeError)
    assert _findings(case).keys() == before.keys() and _persona_runs(case) == []


def test_link_replaces_its_pairs_in_scope_and_makes_the_graph_stale(
    tmp_path: Path, files, monkeypatch
) -> None:
    from unmask.graph.build import build, is_stale

    # General Impostors' calibration is the command's cost, and is tested in test_persona_link.py.
    monkeypatch.setattr(engine, "link", functools.partial(engine.link, n_calibration_pairs=40))
    case = _case_with(
        tmp_path,
        files,
        _planted(persona_run.LINK, "A", "C"),  # both bylines in scope: replaced (different writers)
        _planted(persona_run.LINK, "A", "Zed"),  # Zed is not compared: stays
        _planted(persona_run.WRITERS, "A"),  # another method: stays
    )
    with Case.open(case) as c:
        build(c)
        assert not is_stale(c)
    args = ["persona", "link", "--case", str(case), "--docs", str(files["abc"])]
    result = runner.invoke(app, [*args, "--reference", str(files["reference"]), "--out", str(tmp_path / "l")])
    assert result.exit_code == 0, result.output
    [run] = _persona_runs(case)
    assert run["scope"] == {"method": "persona.link", "bylines": ["A", "B", "C"]}
    assert run["counts"]["pairs"] == 3 and run["counts"]["replaced"] == 1
    found = _findings(case)
    assert found[("persona.link", ("byline:A", "byline:B"))].run_id == run["run_id"]
    assert ("persona.link", ("byline:A", "byline:C")) not in found
    assert found[("persona.link", ("byline:A", "byline:Zed"))].run_id is None
    assert ("persona.writers", ("byline:A",)) in found
    with Case.open(case, read_only=True) as c:
        assert is_stale(c)  # the graph reads each engine's latest run


def test_attribute_records_its_run_over_the_texts_it_attributed(tmp_path: Path) -> None:
    texts = texts_by([70, 71, 72, 73], 6, 14)
    known = _jsonl(
        tmp_path / "known.jsonl", [{"id": f"k{i}", "author": w, "text": t} for i, (w, t) in enumerate(texts)]
    )
    queries = texts_by([70, 72], 2, 15)
    unknown = _jsonl(
        tmp_path / "unknown.jsonl", [{"id": f"u{i}", "text": t} for i, (_, t) in enumerate(queries)]
    )
    case = tmp_path / "c.duckdb"
    other = Finding(
        "shared-writer", "x", 0.9, ["byline:W70", "byline:u9"], engine.ATTRIBUTE_METHOD, "2",
        finding_id=engine.attribution_finding_id("u9"),
    )  # fmt: skip
    with Case.open(case) as c:
        write_findings(c, [other])  # a text of an earlier run, not attributed again: stays
    args = ["persona", "attribute", "--known", str(known), "--unknown", str(unknown), "--case", str(case)]
    for _ in range(2):
        result = runner.invoke(app, [*args, "--closed-set", "--out", str(tmp_path / "a")])
        assert result.exit_code == 0, result.output
    first, second = _persona_runs(case)
    assert second["scope"] == {"method": "persona.attribute", "texts": ["u0", "u1", "u2", "u3"]}
    assert second["counts"]["replaced"] == first["counts"]["findings"] == second["counts"]["findings"] > 0
    with Case.open(case, read_only=True) as c:
        runs = {f.finding_id: f.run_id for f in read_findings(c)}
    assert runs.pop(other.finding_id) is None
    assert set(runs.values()) == {second["run_id"]}


def test_store_replaces_nothing_outside_its_scope(tmp_path: Path) -> None:
    with Case.open(tmp_path / "c.duckdb") as c:
        write_findings(c, [_planted(persona_run.LINK, "A", "B"), _planted(persona_run.LINK, "B", "C")])
        run_id, replaced = persona_run.store(c, persona_run.Scope(persona_run.LINK, ("A", "B")), [])
        assert replaced == 1 and [f.subjects for f in read_findings(c)] == [["byline:B", "byline:C"]]
        [(scope,)] = c.con.execute("SELECT scope FROM runs WHERE run_id = ?", [run_id]).fetchall()
        assert json.loads(scope) == {"method": "persona.link", "bylines": ["A", "B"]}
        with pytest.raises(ValueError, match="unknown persona method"):
            persona_run.run(c, "persona.rhythm")
