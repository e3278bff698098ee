"""Attribution end to end on the demo's fictional records: findings, evidence paths, review, exports, CLI."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

from unmask.attribution.engine import candidates, decide, ensure, run
from unmask.case import Case
from unmask.cli import app
from unmask.demo import records
from unmask.exports import export_ftm, export_graph
from unmask.findings import read_findings
from unmask.graph.paths import AmbiguousName, UnknownEntity, explain
from unmask.ingest import import_files

PAGE = records.PAGES["7000000102"]
SITE = records.SITES["7000000101"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A case with the demo's records imported and attribution run once (copied by each test)."""
    folder = tmp_path_factory.mktemp("records")
    path = folder / "case.duckdb"
    with Case.open(path) as case:
        for kind, paths in records.write_records(folder / "files").items():
            import_files(case, records.FORMATS[kind], paths)
        run(case)
    return path


@pytest.fixture
def case_path(built: Path, tmp_path: Path) -> Path:
    path = tmp_path / "case.duckdb"
    shutil.copy(built, path)
    return path


@pytest.fixture
def case(case_path: Path):
    with Case.open(case_path) as c:
        yield c


def test_findings_of_the_planted_chain(case: Case) -> None:
    found = read_findings(case)
    kinds = sorted(f.kind for f in found if f.method.startswith("attribution."))
    assert kinds == ["shared-funder", "shared-funder", "shared-infrastructure", "synchronised-launch"]
    [funder] = [f for f in found if f.kind == "shared-funder" and f.confidence >= 0.5]
    assert set(records.PAGES) <= {s.removeprefix("facebook-page-") for s in funder.subjects}
    assert "director 'VANDERSLOOT, Marit Elise' is recorded as employed by as lobbyist" in funder.claim
    [agency] = [f for f in found if f.kind == "shared-funder" and f.confidence < 0.5]
    assert agency.confidence == 0.35 and "Down-weighted" in agency.claim
    assert not any("without a disclaimer" in f.claim for f in found)
    [launch] = [f for f in found if f.kind == "synchronised-launch"]
    assert launch.confidence > 0.99 and "2024-02-12" in launch.claim
    [infra] = [f for f in found if f.kind == "shared-infrastructure"]
    assert "ga-account 31415926" in infra.claim


def test_every_evidence_row_is_a_record_of_the_case(case: Case) -> None:
    for f in read_findings(case):
        for e in f.evidence:
            if e.source_id is None:
                continue
            table = "infrastructure" if e.table_name == "infrastructure" else "statements"
            rows = case.scalar(
                f"SELECT count(*) FROM {table} WHERE source_id = ? AND record_no = ?",
                [e.source_id, e.record_no],
            )
            assert rows > 0, (f.kind, e)


def test_explain_walks_from_the_page_to_the_organisation_hop_by_hop(case: Case) -> None:
    result = explain(case, PAGE, records.ORGANISATION)
    assert result["from"]["name"] == PAGE
    path = result["paths"][0]
    assert [h["relation"] for h in path] == [
        "paid for the ads of", "same as", "director of", "same as", "employed by as lobbyist",
    ]  # fmt: skip
    for a, b in itertools.pairwise(path):
        assert a["to"]["id"] == b["from"]["id"]
    assert path[0]["from"]["id"] == result["from"]["id"] and path[-1]["to"]["id"] == result["to"]["id"]
    record_hops = [h for h in path if "rule" not in h]
    assert all(h["source"].endswith((".jsonl", ".json", ".txt")) and h["row"] >= 1 for h in record_hops)
    assert all({"from", "to", "relation", "source", "row"} <= set(h) for h in path)
    merges = [h for h in path if "rule" in h]
    assert all(h["source"] == "resolution" and h["score"] >= 0.95 for h in merges)


def test_explain_finds_the_spokesperson_and_the_shared_analytics_account(case: Case) -> None:
    site = explain(case, SITE, records.ORGANISATION)["paths"][0]
    assert site[0]["relation"] == "registrant of" and site[0]["to"]["name"] == records.SPOKESPERSON
    shared = explain(case, SITE, records.SITES["7000000102"])["paths"][0]
    assert next(h["to"]["id"] for h in shared) == "ga-account:31415926"


def test_no_path_is_an_empty_list_and_names_are_checked(case: Case) -> None:
    assert explain(case, "Copper Families for the Valley", records.ORGANISATION)["paths"] == []
    with pytest.raises(AmbiguousName) as info:
        explain(case, "Basil", PAGE)
    assert len(info.value.matches) > 1
    with pytest.raises(UnknownEntity):
        explain(case, "Nobody At All", PAGE)


def test_a_rejected_merge_is_kept_and_breaks_the_path(case: Case) -> None:
    officer = case.scalar("SELECT entity_id FROM entities WHERE name = 'VANDERSLOOT, Marit Elise'")
    donor = case.scalar("SELECT entity_id FROM entities WHERE name = 'VANDERSLOOT, MARIT ELISE'")
    decide(case, officer, donor, accept=False, by="test")
    assert ensure(case) is not None  # the decision changed the case: attribution runs again
    assert ensure(case) is None
    paths = explain(case, PAGE, records.ORGANISATION)["paths"]
    assert all("VANDERSLOOT, MARIT ELISE" not in json.dumps(p) for p in paths)
    run(case)  # a later run keeps the reviewer's decision
    [(decision, by)] = case.con.execute(
        "SELECT decision, decided_by FROM resolutions WHERE left_id = ? AND right_id = ?",
        sorted([officer, donor]),
    ).fetchall()
    assert (decision, by) == ("rejected", "test")


def test_accepting_a_candidate_merges_it(case: Case) -> None:
    page_payer = case.scalar("SELECT entity_id FROM entities WHERE name = 'Elin Ashgrove'")
    donor = case.scalar("SELECT min(entity_id) FROM entities WHERE name = 'SELWYN, CORA'")
    assert {page_payer, donor} not in [{c["left_id"], c["right_id"]} for c in candidates(case, limit=1000)]
    decide(case, page_payer, donor, accept=True, by="test")
    ensure(case)
    assert case.scalar("SELECT count(DISTINCT canonical_id) FROM entities WHERE entity_id IN (?, ?)",
                       [page_payer, donor]) == 1  # fmt: skip


def test_running_twice_changes_nothing(case: Case) -> None:
    before = [(f.finding_id, f.confidence) for f in read_findings(case)]
    links = case.scalar("SELECT count(*) FROM links")
    run(case)
    assert [(f.finding_id, f.confidence) for f in read_findings(case)] == before
    assert case.scalar("SELECT count(*) FROM links") == links


def test_importing_a_record_makes_the_next_command_run_attribution(case: Case, write) -> None:
    assert ensure(case) is None
    page = {"id": "8999", "page_id": "7000000999", "page_name": "New Page", "bylines": "Someone New"}
    import_files(case, "meta-ads", [write("more.jsonl", json.dumps(page) + "\n")])
    assert ensure(case) is not None


def test_ftm_export_is_accepted_by_ftm_validate_unchanged(case: Case, tmp_path: Path) -> None:
    out = tmp_path / "entities.ftm.jsonl"
    n = export_ftm(case, out)
    assert n > 100
    ftm = Path(sys.executable).with_name("ftm")
    checked = tmp_path / "checked.jsonl"
    subprocess.run([str(ftm), "validate", "-i", str(out), "-o", str(checked)], check=True)
    ours = {e["id"]: e for e in map(json.loads, out.open())}
    theirs = {e["id"]: e for e in map(json.loads, checked.open())}
    assert ours.keys() == theirs.keys()
    for key, e in ours.items():
        assert e["schema"] == theirs[key]["schema"]
        assert {p: sorted(v) for p, v in e["properties"].items()} == {
            p: sorted(v) for p, v in theirs[key]["properties"].items()
        }
    company = next(e for e in ours.values() if e["schema"] == "Company")
    assert "QUILLFEATHER CIVIC STRATEGIES LTD" in company["properties"]["name"]
    assert "Quillfeather Civic Strategies Ltd" in company["properties"]["name"]  # merged with the disclaimer


def test_gexf_and_graphml_exports_read_back(case: Case, tmp_path: Path) -> None:
    nodes, edges = export_graph(case, tmp_path / "g.gexf", "gexf")
    graph = nx.read_gexf(tmp_path / "g.gexf")
    assert graph.number_of_nodes() == nodes and graph.number_of_edges() == edges
    export_graph(case, tmp_path / "g.graphml", "graphml")
    assert nx.read_graphml(tmp_path / "g.graphml").number_of_nodes() == nodes


runner = CliRunner()


def test_cli_run_review_explain_export(case_path: Path, tmp_path: Path) -> None:
    case = str(case_path)
    result = runner.invoke(app, ["attribution", "run", "--case", case])
    assert result.exit_code == 0, result.output
    assert "shared-funder" in result.output
    result = runner.invoke(app, ["attribution", "review", "--case", case, "--json"])
    groups = json.loads(result.output)["groups"]
    # The demo's treasurers and donors share names and nothing else: candidates, in groups by name.
    assert {g["group"]: g["pairs"] for g in groups} == {"Person: basil penrose": 15, "Person: cora selwyn": 1}
    result = runner.invoke(app, ["attribution", "review", "--case", case, "--group", "Person: basil penrose"])
    assert result.exit_code == 0 and "15 candidate merges of Person: basil penrose" in result.output
    grouped = ["attribution", "review", "--case", case, "--group", "Person: basil penrose", "--reject-all"]
    result = runner.invoke(app, [*grouped, "--by", "test"])
    assert result.exit_code == 0 and "rejected: 15 pairs" in result.output
    result = runner.invoke(app, ["attribution", "review", "--case", case, "--json"])
    assert [g["group"] for g in json.loads(result.output)["groups"]] == ["Person: cora selwyn"]
    nobody = ["attribution", "review", "--case", case, "--group", "nobody", "--reject-all"]
    result = runner.invoke(app, nobody)
    assert result.exit_code == 2 and "no candidates in the group" in result.output
    result = runner.invoke(app, ["explain", PAGE, records.ORGANISATION, "--case", case, "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert set(answer) == {"from", "to", "paths"} and len(answer["paths"][0]) == 5
    result = runner.invoke(app, ["explain", PAGE, records.ORGANISATION, "--case", case])
    assert "director of" in result.output and "ads_archive.jsonl, record" in result.output
    result = runner.invoke(app, ["explain", "Basil", PAGE, "--case", case])
    assert result.exit_code == 2 and "give one of these ids" in result.output
    result = runner.invoke(app, ["explain", "Basil", PAGE, "--case", case, "--json"])
    assert result.exit_code == 2 and json.loads(result.output)["error"] == "ambiguous"
    out = tmp_path / "e.jsonl"
    result = runner.invoke(app, ["export", "ftm", "--case", case, "--out", str(out)])
    assert result.exit_code == 0 and out.stat().st_size > 0
    result = runner.invoke(app, ["export", "gexf", "--case", case, "--out", str(tmp_path / "g.gexf")])
    assert result.exit_code == 0 and "nodes" in result.output


def test_cli_import_as_of_is_checked_and_recorded(tmp_path: Path, write) -> None:
    record = write("a.example.txt", "Domain Name: A.EXAMPLE\nRegistrar: R\nCreation Date: 2001-01-01\n")
    case = str(tmp_path / "c.duckdb")
    result = runner.invoke(app, ["import", "whois", str(record), "--case", case, "--as-of", "yesterday"])
    assert result.exit_code == 2 and "--as-of" in result.output
    result = runner.invoke(app, ["import", "whois", str(record), "--case", case, "--as-of", "2003-04-05"])
    assert result.exit_code == 0, result.output
    with Case.open(case) as c:
        assert c.scalar("SELECT max(as_of) FROM infrastructure").isoformat() == "2003-04-05"


def test_hostile_names_are_printed_as_text(tmp_path: Path, write) -> None:
    ads = [
        {
            "id": "1",
            "page_id": "11",
            "page_name": "[bold red]<script>alert(1)</script>[/]",
            "bylines": "X Y Ltd",
        },
        {"id": "2", "page_id": "12", "page_name": "Page \u202etwo", "bylines": "X Y Ltd"},
    ]
    case = str(tmp_path / "c.duckdb")
    path = write("ads.jsonl", "".join(json.dumps(a) + "\n" for a in ads))
    assert runner.invoke(app, ["import", "meta-ads", str(path), "--case", case]).exit_code == 0
    result = runner.invoke(app, ["explain", "facebook-page-11", "facebook-page-12", "--case", case])
    assert result.exit_code == 0, result.output
    assert "[bold red]<script>alert(1)</script>[/]" in result.output


def test_cli_findings_runs_attribution_on_new_records(tmp_path: Path, write) -> None:
    ads = [
        {"id": str(i), "page_id": f"1{i}", "page_name": f"Page {i}", "bylines": "One Payer Ltd"}
        for i in (1, 2)
    ]
    case = str(tmp_path / "c.duckdb")
    path = write("ads.jsonl", "".join(json.dumps(a) + "\n" for a in ads))
    assert runner.invoke(app, ["import", "meta-ads", str(path), "--case", case]).exit_code == 0
    result = runner.invoke(app, ["findings", "--case", case, "--json"])
    assert result.exit_code == 0, result.output
    assert [f["kind"] for f in json.loads(result.output)] == ["shared-funder"]
