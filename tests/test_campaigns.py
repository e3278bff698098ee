"""Campaigns (issue 16, item 4): findings the case graph joins, what stands behind them, the weakest hop."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import CAMPAIGN_WHOIS as WHOIS
from unmask.case import Case
from unmask.cli import app
from unmask.findings import Finding, write_findings
from unmask.graph.campaigns import campaigns
from unmask.ingest import import_files

runner = CliRunner()


def _jsonl(rows: list[dict]) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


def _post(i: int, account: str, url: str) -> dict:
    return {"post_id": str(i), "account_id": account, "created_at": f"2024-01-01T10:{i % 60:02d}:00Z",
            "urls": [url], "text": "read"}  # fmt: skip


def _finding(kind: str, subjects: list[str], confidence: float = 0.9) -> Finding:
    return Finding(kind, f"a {kind} finding", confidence, subjects, f"test.{kind}", "1")


@pytest.fixture
def campaign_case(tmp_path: Path, write) -> Path:
    """A site named by WHOIS; two operation accounts linking it, a byline publishing there; a news site that
    60 accounts link (two of them in a finding of their own); an ordinary account."""
    path = tmp_path / "case.duckdb"
    posts = [
        _post(1, "op1", "https://www.valleyvoice.example/a"),
        _post(2, "op2", "https://valleyvoice.example/b"),
    ]
    posts += [_post(10 + i, f"crowd{i}", "https://popular.example/x") for i in range(60)]
    posts += [_post(90, "plain", "https://elsewhere.example/y")]
    docs = [
        {"id": "d1", "byline": "Rowan Ashdown", "url": "https://valleyvoice.example/c/1", "text": "A column."}
    ]
    with Case.open(path) as case:
        import_files(case, "whois", [write("valleyvoice.example.txt", WHOIS)])
        popular = WHOIS.replace("VALLEYVOICE", "POPULAR").replace("Tobias Quenby", "Ada Other")
        popular = popular.replace("Alder Ridge Energy Council", "Popular Media Inc")
        import_files(case, "whois", [write("popular.example.txt", popular)])
        import_files(case, "posts-csv", [write("posts.jsonl", _jsonl(posts))])
        import_files(case, "articles", [write("docs.jsonl", _jsonl(docs))])
        write_findings(
            case,
            [
                _finding("coordinated-network", ["op1", "op2"], 0.97),
                _finding("group-persona", ["byline:Rowan Ashdown"], 0.95),
                _finding("coordinated-network", ["crowd1", "crowd2"], 0.6),
                _finding("coordinated-network", ["crowd3", "crowd4"], 0.6),
            ],
        )
    return path


def _cards(path: Path) -> list[dict]:
    result = runner.invoke(app, ["campaigns", "--case", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_network_and_a_byline_meet_at_the_site_their_records_name(campaign_case: Path) -> None:
    cards = _cards(campaign_case)
    [joined] = [c for c in cards if len(c["findings"]) > 1]
    assert {f["kind"] for f in joined["findings"]} == {"coordinated-network", "group-persona"}
    assert [n["name"] for n in joined["parts"]["sites"]] == ["valleyvoice.example"]
    assert [n["name"] for n in joined["parts"]["bylines"]] == ["Rowan Ashdown"]
    assert {n["id"] for n in joined["parts"]["accounts"]} == {"account:generic:op1", "account:generic:op2"}
    # Who stands behind the site: its registrant, one hop away, with the record that says so.
    assert {"name": "Tobias Quenby", "schema": "Person", "hops": 1} in [
        {k: n[k] for k in ("name", "schema", "hops")} for n in joined["behind"]
    ]
    [join] = joined["joins"]
    hops = join["hops"]
    assert [h["relation"] for h in hops] == ["posted links to", "published on"] or [
        h["relation"] for h in hops
    ] == ["published on", "posted links to"]
    assert all(h["evidence"] and h["evidence"][0]["source"] for h in hops)
    assert joined["weakest_hop"]["text"] and joined["weakest_hop"]["strength"] == 1.0
    assert "T0049.005" in joined["disarm"]


def test_a_site_everyone_links_joins_no_campaign(campaign_case: Path) -> None:
    crowd = [c for c in _cards(campaign_case) if c["findings"][0]["confidence"] == 0.6]
    assert len(crowd) == 2 and all(len(c["findings"]) == 1 and c["weakest_hop"] is None for c in crowd)


def test_a_campaign_adds_no_confidence_of_its_own(campaign_case: Path) -> None:
    for card in _cards(campaign_case):
        assert "confidence" not in card
        assert all(0 < f["confidence"] < 1 for f in card["findings"])


def test_findings_about_one_subject_are_one_campaign(tmp_path: Path) -> None:
    path = tmp_path / "case.duckdb"
    with Case.open(path) as case:
        write_findings(
            case,
            [_finding("group-persona", ["byline:X"]), _finding("shared-writer", ["byline:X", "byline:Y"])],
        )
        [card] = campaigns(case)
    assert len(card["findings"]) == 2 and card["joins"][0]["hops"] == []


def test_a_hub_nobody_is_accused_of_is_not_crossed(tmp_path: Path) -> None:
    """Two payers who each gave to a committee that 60 others gave to are not one campaign."""
    path = tmp_path / "case.duckdb"
    with Case.open(path) as case:
        case.con.execute(
            "INSERT INTO links (from_id, to_id, relation, kind, weight)"
            " SELECT 'donor-' || i, 'committee', 'gave to', 'record', 1 FROM range(62) t(i)"
        )
        write_findings(case, [_finding("shared-funder", ["donor-0"]), _finding("shared-funder", ["donor-1"])])
        cards = campaigns(case)
        assert len(cards) == 2
        # The committee itself in a finding: then it is crossed, and both donors meet there.
        write_findings(case, [_finding("shared-infrastructure", ["committee"])])
        assert len(campaigns(case)) == 1


def test_no_findings_no_campaigns(tmp_path: Path) -> None:
    path = tmp_path / "case.duckdb"
    Case.open(path).close()
    result = runner.invoke(app, ["campaigns", "--case", str(path)])
    assert result.exit_code == 0 and "No findings" in result.output
    assert _cards(path) == []


def test_names_are_shown_as_text(tmp_path: Path, write) -> None:
    path, name = tmp_path / "case.duckdb", "[bold red]Rowan[/] <script>x</script>"
    docs = [{"id": "d1", "byline": name, "url": "https://valleyvoice.example/c/1", "text": "A column."}]
    with Case.open(path) as case:
        import_files(case, "whois", [write("valleyvoice.example.txt", WHOIS)])
        import_files(case, "articles", [write("docs.jsonl", _jsonl(docs))])
        write_findings(case, [_finding("group-persona", [f"byline:{name}"])])
    result = CliRunner(env={"COLUMNS": "400"}).invoke(app, ["campaigns", "--case", str(path)])
    assert result.exit_code == 0 and f"bylines: {name}" in result.output


def test_explain_knows_which_schemata_attribution_resolves() -> None:
    """``explain`` keeps its own copy so as not to load followthemoney; it must not drift."""
    from unmask.attribution.resolve import MATCHABLE
    from unmask.graph.paths import RESOLVED

    assert set(RESOLVED) == set(MATCHABLE)
