"""Coordination runs: untested co-action as its own kind, one runs table, stored edges, one entry point,
and the memory limit."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

import unmask.case
from unmask.case import Case, set_memory_limit
from unmask.cli import app
from unmask.coordination import run as run_module
from unmask.errors import OptionError
from unmask.ingest import import_files

T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
HEADER = "post_id,account_id,created_at,text,shared_post_id,reply_to_post_id,urls,hashtags\n"
GROUP = ["gang_a", "gang_b", "gang_c", "gang_d"]
runner = CliRunner(env={"COLUMNS": "250"})


@pytest.fixture(autouse=True)
def _default_memory_limit():
    yield
    set_memory_limit(None)  # --memory-limit sets it for the process: the next test gets the default


def _lockstep_posts(tmp_path: Path) -> Path:
    """Four accounts reshare six posts, one a day, 5 s apart: co-action at a 60 s window, none at 2 s."""
    lines = [HEADER]
    for day in range(6):
        base = T0 + timedelta(days=day)
        lines.append(f"o{day},source,{base.isoformat()},original {day},,,,\n")
        for j, member in enumerate(GROUP):
            when = (base + timedelta(seconds=30 + 5 * j)).isoformat()
            lines.append(f"r{day}{j},{member},{when},RT,o{day},,,\n")
    path = tmp_path / "posts.csv"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _case(tmp_path: Path) -> Path:
    path = tmp_path / "c.duckdb"
    with Case.open(path) as c:
        import_files(c, "posts-csv", [_lockstep_posts(tmp_path)])
    return path


def _coordination(case: Path, tmp_path: Path, *args: str) -> dict:
    base = ["coordination", "--case", str(case), "--out", str(tmp_path / "out"), "--kinds", "share"]
    result = runner.invoke(app, [*base, "--min-network-size", "3", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _findings(case: Path, *args: str) -> list[dict]:
    result = runner.invoke(app, ["findings", "--case", str(case), *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_an_untested_run_writes_co_action_findings_that_claim_no_test(tmp_path: Path) -> None:
    case = _case(tmp_path)
    summary = _coordination(case, tmp_path, "--window", "60", "--no-null", "--min-weight", "2")
    assert summary["tested"] is False and summary["networks"] == 1
    [finding] = _findings(case)
    assert finding["kind"] == "co-action-network" and finding["confidence"] == 0.0
    assert finding["tested"] is False and sorted(finding["subjects"]) == GROUP
    claim = finding["claim"]
    assert "chance allows" not in claim and "significant" not in claim and "p =" not in claim
    assert "4 accounts co-acted (share) on 6 objects within 60 s" in claim
    assert claim.endswith("not tested against chance.")
    assert "Not tested against chance (--no-null" in finding["limitations"]
    assert [d["id"] for d in finding["disarm"]] == ["T0049.005", "T0049.003"]
    assert _findings(case, "--min-confidence", "0.5") == []
    assert _findings(case, "--min-confidence", "0.001") == []
    table = runner.invoke(app, ["findings", "--case", str(case)])
    assert "untested" in table.output and "co-action-network" in table.output


def test_untested_findings_are_listed_after_tested_ones(tmp_path: Path) -> None:
    from unmask.findings import Finding, read_findings, write_findings

    with Case.open(tmp_path / "c.duckdb") as c:
        common = {"method": "m", "method_version": "1", "calibrated": False}
        write_findings(
            c,
            [
                Finding(kind="co-action-network", claim="u", confidence=0.0, subjects=["a"], **common),
                Finding(kind="shared-writer", claim="t", confidence=0.0, subjects=["b"], **common),
            ],
        )
        assert [f.kind for f in read_findings(c)] == ["shared-writer", "co-action-network"]
        with pytest.raises(ValueError, match="untested"):
            Finding(kind="co-action-network", claim="u", confidence=0.9, subjects=["a"], **common)


def test_a_run_replaces_every_earlier_coordination_finding(tmp_path: Path) -> None:
    case = _case(tmp_path)
    first = _coordination(case, tmp_path, "--window", "60", "--no-null")
    assert first["findings"] == 1
    with Case.open(case) as c:  # a finding of another engine stays
        from unmask.findings import Finding, write_findings

        write_findings(c, [Finding("shared-writer", "x", 0.5, ["byline:x"], "persona.link", "1")])
    second = _coordination(case, tmp_path, "--window", "2", "--no-null")
    assert second["findings"] == 0 and second["findings_replaced"] == 1
    assert [f["kind"] for f in _findings(case)] == ["shared-writer"]
    with Case.open(case, read_only=True) as c:
        runs = c.query(
            "SELECT run_id, engine, window_s FROM runs WHERE engine = 'coordination' ORDER BY run_id"
        )
        assert [(r["engine"], r["window_s"]) for r in runs] == [("coordination", 60), ("coordination", 2)]
        assert [r["run_id"] for r in runs] == [first["run_id"], second["run_id"]]
        assert c.scalar("SELECT count(*) FROM coordination_edges") == 0
        assert c.scalar("SELECT count(*) FROM coordination_members") == 0


def test_the_case_holds_the_run_its_edges_and_their_evidence(tmp_path: Path) -> None:
    case = _case(tmp_path)
    summary = _coordination(case, tmp_path, "--window", "60", "--no-null", "--seed", "3")
    with Case.open(case, read_only=True) as c:
        [run] = c.query("SELECT * FROM runs")
        assert run["run_id"] == summary["run_id"] and run["engine"] == "coordination"
        assert run["seed"] == 3 and run["window_s"] == 60 and run["scope"] == "case"
        assert json.loads(run["parameters"])["null"] is False and len(run["input_digest"]) == 64
        assert json.loads(run["counts"])["networks"] == 1 and run["unmask_version"]
        assert c.scalar("SELECT list_distinct(list(run_id)) FROM findings") == [run["run_id"]]
        edges = c.query("SELECT * FROM coordination_edges")
        assert len(edges) == 6 and {e["run_id"] for e in edges} == {run["run_id"]}
        assert all(not e["tested"] and e["q_value"] is None and e["weight"] == 6 for e in edges)
        members = c.query("SELECT account_id, score FROM coordination_members ORDER BY account_id")
        assert [m["account_id"] for m in members] == GROUP and {m["score"] for m in members} == {None}
        # Each evidence row names both posts by their source and record, and they are the pair's posts.
        checked = c.query(
            "SELECT e.account_a, pa.account_id AS by_a, e.account_b, pb.account_id AS by_b, e.object"
            " FROM coordination_evidence e"
            " JOIN posts pa ON pa.source_id = e.source_id_a AND pa.record_no = e.record_no_a"
            " JOIN posts pb ON pb.source_id = e.source_id_b AND pb.record_no = e.record_no_b"
        )
        assert len(checked) == 36 == c.scalar("SELECT count(*) FROM coordination_evidence")
        assert all(r["account_a"] == r["by_a"] and r["account_b"] == r["by_b"] for r in checked)
    report = tmp_path / "r.html"
    assert runner.invoke(app, ["report", "--case", str(case), "--out", str(report)]).exit_code == 0
    markdown = tmp_path / "r.md"
    assert (
        runner.invoke(
            app, ["report", "--case", str(case), "--out", str(markdown), "--format", "md"]
        ).exit_code
        == 0
    )
    text = markdown.read_text(encoding="utf-8")
    assert "## Untested co-action" in text and "not tested against chance" in text
    assert "No tested findings" in text and "No findings yet" not in text
    html = report.read_text(encoding="utf-8")
    assert 'id="untested"' in html and "Untested co-action" in html and "co-action-edges" in html
    # Only untested co-action: the empty ranking says so, and does not ask for a run that happened.
    assert "No tested findings" in html and "No findings yet" not in html


class _Called(Exception):
    pass


def test_the_cli_and_the_demo_call_the_same_entry_point(tmp_path: Path, monkeypatch) -> None:
    calls: list[dict] = []

    def spy(case, **kwargs):
        calls.append(kwargs)
        raise _Called

    monkeypatch.setattr(run_module, "run", spy)
    case = _case(tmp_path)
    result = runner.invoke(app, ["coordination", "--case", str(case), "--out", str(tmp_path / "o")])
    assert isinstance(result.exception, _Called)
    from unmask.demo import build_demo

    with pytest.raises(_Called):
        build_demo(tmp_path / "demo")
    # Both use the engine's defaults: the CLI passes its --window default, the demo passes none.
    assert calls[0]["out_dir"] == tmp_path / "o" and calls[0]["window"] == "10,60"
    assert "window" not in calls[1]
    assert calls[1]["out_dir"] == tmp_path / "demo" / "coordination"


def test_memory_limit_option_sets_duckdb_and_out_of_memory_is_one_line(tmp_path: Path, monkeypatch) -> None:
    case = _case(tmp_path)
    seen = []

    def out_of_memory(found, out_dir):
        seen.append(unmask.case.memory_limit())
        raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block of size 256.0 KiB")

    monkeypatch.setattr(run_module, "write_outputs", out_of_memory)
    args = ["coordination", "--case", str(case), "--out", str(tmp_path / "o"), "--no-null"]
    result = runner.invoke(app, ["--memory-limit", "64MB", *args])
    assert result.exit_code == 2 and seen == ["64MB"]
    [line] = result.stderr.strip().splitlines()
    assert "ran out of memory at step 'coordination: writing files'" in line
    assert "memory limit 64MB" in line and "--memory-limit" in line and "Traceback" not in result.output
    with Case.open(case, read_only=True) as c:  # nothing was stored
        assert c.scalar("SELECT count(*) FROM runs") == 0
    bad = runner.invoke(app, ["--memory-limit", "lots", "info", "--case", str(case)])
    assert bad.exit_code == 2 and "--memory-limit 'lots'" in bad.stderr
    runner.invoke(app, ["info", "--case", str(case)])
    assert unmask.case.memory_limit() == unmask.case.DEFAULT_MEMORY_LIMIT  # not kept for the next command


def test_connections_take_the_memory_limit_set() -> None:
    set_memory_limit("64MB")
    with Case.open(":memory:") as c:
        assert c.scalar("SELECT current_setting('memory_limit')") == "61.0 MiB"  # 64 MB in MiB
    with pytest.raises(OptionError, match="a size such as"):
        set_memory_limit("64 parsecs")
    assert unmask.case.memory_limit() == "64MB"


def test_attribution_runs_move_into_runs(tmp_path: Path, monkeypatch) -> None:
    from unmask.attribution.state import last_state

    path = tmp_path / "old.duckdb"
    monkeypatch.setattr(unmask.case, "MIGRATIONS", unmask.case.MIGRATIONS[:4])
    with Case.open(path) as c:
        c.con.execute(
            "INSERT INTO attribution_runs (data_state, entities, links, findings) VALUES ('d', 1, 2, 3)"
        )
    monkeypatch.undo()
    with Case.open(path, read_only=True) as c:  # an old case read as it is
        assert c.schema_version() == 4 and last_state(c) == "d"
    with Case.open(path) as c:
        assert c.schema_version() == unmask.case.MIGRATIONS[-1].version and last_state(c) == "d"
        [row] = c.query("SELECT engine, input_digest, counts FROM runs")
        assert row["engine"] == "attribution" and json.loads(row["counts"]) == {
            "entities": 1,
            "links": 2,
            "findings": 3,
        }
        assert c.scalar("SELECT count(*) FROM attribution_runs") == 0


def test_removing_a_source_drops_the_runs_that_rest_on_it(tmp_path: Path) -> None:
    case = _case(tmp_path)
    _coordination(case, tmp_path, "--window", "60", "--no-null")
    result = runner.invoke(app, ["sources", "remove", "1", "--case", str(case), "--by", "analyst", "--json"])
    assert result.exit_code == 0, result.output
    with Case.open(case, read_only=True) as c:
        for table in ("coordination_edges", "coordination_evidence", "coordination_members", "findings"):
            assert c.scalar(f"SELECT count(*) FROM {table}") == 0, table
