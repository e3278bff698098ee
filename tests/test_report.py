"""The report without a browser: what it holds, how it escapes, what it caps; HTML, Markdown and JSON."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html import unescape
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import HOSTILE, hostile_case
from unmask.case import Case
from unmask.cli import app
from unmask.report import Limits, report_data, write_report
from unmask.report.render import md_text, script_json


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hostile_case(tmp_path_factory.mktemp("hostile") / "case.duckdb")


def test_report_data_ranks_findings_and_lists_disarm(hostile: Path) -> None:
    with Case.open(hostile) as case:
        data = report_data(case)
    confidences = [f["confidence"] for f in data["findings"]]
    assert confidences == sorted(confidences, reverse=True)
    kinds = {f["kind"] for f in data["findings"]}
    assert {"coordinated-network", "group-persona", "shared-funder"} <= kinds
    observed = {t["id"] for t in data["disarm"]}
    assert {t["id"] for f in data["findings"] for t in f["disarm"]} == observed
    assert all(t["name"] for t in data["disarm"])
    assert data["graph"]["nodes"] and data["graph"]["edges"]
    assert all(e["source"] for f in data["findings"] for e in f["evidence"] if e["source_id"] is not None)
    [dossier] = data["dossiers"]
    assert sum(map(sum, dossier["rhythm"])) == len(HOSTILE)


def test_html_escapes_every_hostile_value_and_runs_only_its_own_scripts(
    hostile: Path, tmp_path: Path
) -> None:
    with Case.open(hostile) as case:
        html = write_report(case, tmp_path / "r.html").read_text(encoding="utf-8")
    assert html.count("<script") == 3  # the data (JSON), cytoscape, the page's own script
    for value in HOSTILE[:2]:
        assert value not in html  # never as markup: escaped in the page, \u003c-escaped in the JSON
    assert "<img" not in html and "<style>body" not in html  # no element or style block from the data
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    data_json = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S)
    assert data_json and "<" not in data_json.group(1)
    assert json.loads(data_json.group(1))["findings"]
    csp = unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html).group(1))
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp.split("script-src")[1]
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    assert "http://" not in html.split("<script>")[0] and "https://" not in html.split("<script>")[0]


def test_script_json_cannot_close_its_element() -> None:
    text = script_json({"a": "</script><!-- \u2028 & >"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><!-- \u2028 & >"}


def test_markdown_and_json(hostile: Path, tmp_path: Path) -> None:
    with Case.open(hostile) as case:
        md = write_report(case, tmp_path / "r.md", "md").read_text(encoding="utf-8")
        data = json.loads(write_report(case, tmp_path / "r.json", "json").read_text(encoding="utf-8"))
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert md.count("\n| ") > 5  # tables survive names with pipes and line breaks
    assert data["findings"] and data["disarm"]
    assert md_text("a|b\nc <x>") == "a\\|b c &lt;x&gt;"


def test_caps_are_stated(hostile: Path) -> None:
    with Case.open(hostile) as case:
        data = report_data(case, Limits(findings=1, evidence_per_finding=2, graph_nodes=5))
    assert len(data["findings"]) == 1 and len(data["findings"][0]["evidence"]) <= 2
    assert len(data["graph"]["nodes"]) <= 5
    said = " ".join(data["caps"])
    assert "findings of lower confidence are not shown" in said and "network view holds at most" in said


def test_cli_report(hostile: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", "--case", str(hostile), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 100_000 and "wrote" in result.output
    result = runner.invoke(app, ["report", "--case", str(hostile), "--out", str(out), "--format", "pdf"])
    assert result.exit_code == 2 and "--format" in result.output


def test_an_empty_case_says_it_has_no_findings(case, tmp_path: Path) -> None:
    html = write_report(case, tmp_path / "r.html").read_text(encoding="utf-8")
    md = write_report(case, tmp_path / "r.md", "md").read_text(encoding="utf-8")
    assert "No findings yet" in html and "No findings yet" in md


def test_the_report_shows_campaigns_and_the_case_graph_with_evidence(tmp_path: Path) -> None:
    from conftest import network_campaign_case

    with Case.open(network_campaign_case(tmp_path / "c"), read_only=True) as case:
        data = report_data(case)
    [card] = data["campaigns"]
    assert {f["kind"] for f in card["findings"]} == {"coordinated-network", "group-persona"}
    assert all(h["text"] for j in card["joins"] for h in j["hops"])
    edges = {(e["source"], e["target"], e["kind"]): e for e in data["graph"]["edges"]}
    posted = edges[("op1", "site-valleyvoice.example", "graph")]
    assert posted["label"] == "posted links to" and posted["evidence"][0]["row"] == 1
    # The network's hub stands for its accounts: they are marked, and their link to the site is drawn from it.
    hub = next(n["id"] for n in data["graph"]["nodes"] if n["id"].startswith("finding:coordinated"))
    assert {n["id"] for n in data["graph"]["nodes"] if n.get("network") == hub} == {"op1", "op2"}
    assert (hub, "site-valleyvoice.example", "proxy") in edges
    # The site's registrant, one record away, with that record.
    registrant = [e for e in data["graph"]["edges"] if e["kind"] == "record"]
    assert registrant and registrant[0]["evidence"][0]["source"].endswith("valleyvoice.example.txt")
    html = write_report_text(tmp_path)
    assert "Campaigns" in html and "2 findings joined" in html and "Tobias Quenby" in html


def write_report_text(tmp_path: Path) -> str:
    with Case.open(tmp_path / "c" / "case.duckdb", read_only=True) as case:
        return unescape(write_report(case, tmp_path / "r.html").read_text())


def test_the_runs_table_keeps_each_persona_method(case) -> None:
    from unmask.report.data import _runs

    for scope in (
        '{"method": "persona.writers", "bylines": "all"}',
        '{"method": "persona.link", "bylines": "all"}',
    ):
        case.con.execute("INSERT INTO runs (engine, counts, scope) VALUES ('persona', '{}', ?)", [scope])
    assert [r["engine"] for r in _runs(case)] == ["persona.link", "persona.writers"]
