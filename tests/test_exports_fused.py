"""Exports of the fused case graph (issue 16, item 5): accounts, bylines and networks with their links in
GEXF, GraphML and FtM JSON, each link with its evidence; hostile names survive as text."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
from followthemoney import model
from typer.testing import CliRunner

from conftest import CAMPAIGN_WHOIS as WHOIS
from conftest import store_coordination_run
from unmask.case import Case
from unmask.cli import app
from unmask.ingest import import_files
from unmask.outfiles import xml_safe

runner = CliRunner()
HOSTILE = "<script>alert(1)</script>\x1b Ashdown"
SITE = "site-valleyvoice.example"


def _lines(rows: list[dict]) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


@pytest.fixture
def case_path(tmp_path: Path, write) -> Path:
    """A site a WHOIS record names; an X account posting links to it twice and a second account once; a
    byline with a hostile name publishing there; a coordination run whose edge and network join the two."""
    path = tmp_path / "case.duckdb"
    posts = [
        {"post_id": "1", "platform": "twitter", "account_id": "op1", "handle": "voice_fan",
         "created_at": "2024-01-01T10:00:00Z", "urls": ["https://www.valleyvoice.example/a"], "text": "read"},
        {"post_id": "2", "platform": "twitter", "account_id": "op1", "created_at": "2024-01-02T10:00:00Z",
         "urls": ["https://blog.valleyvoice.example/b"], "text": "more"},
        {"post_id": "3", "platform": "twitter", "account_id": "op2", "handle": "<b>\x01",
         "created_at": "2024-01-02T11:00:00Z", "urls": ["https://valleyvoice.example/c"], "text": "too"},
    ]  # fmt: skip
    docs = [{"id": "d1", "byline": HOSTILE, "url": "https://valleyvoice.example/c/1", "text": "A column."}]
    with Case.open(path) as case:
        import_files(case, "whois", [write("valleyvoice.example.txt", WHOIS)])
        import_files(case, "posts-csv", [write("posts.jsonl", _lines(posts))])
        import_files(case, "articles", [write("docs.jsonl", _lines(docs))])
        # Posts 1 and 3 (records 1 and 3 of posts.jsonl, the case's second source) linked the same object.
        store_coordination_run(case, "op1", "op2", "link", evidence=(1, "obj", 3600, "1", 2, 1, "3", 2, 3))
    return path


def _export(path: Path, fmt: str, out: Path) -> None:
    # Through the command, which brings attribution and the case graph up to date first.
    result = runner.invoke(app, ["export", fmt, "--case", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output


def _edges(graph: nx.MultiDiGraph, kind: str) -> list[tuple[str, str, dict]]:
    return sorted((u, v, a) for u, v, a in graph.edges(data=True) if a["kind"] == kind)


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_graph_exports_carry_the_fused_case_graph(case_path: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"g.{fmt}"
    _export(case_path, fmt, out)
    graph = (nx.read_gexf if fmt == "gexf" else nx.read_graphml)(out)
    nodes = dict(graph.nodes(data=True))
    assert nodes["account:twitter:op1"]["schema"] == "Account"
    assert nodes["account:twitter:op1"]["platform"] == "twitter"
    assert nodes["network:0"]["schema"] == "Network"
    assert nodes[SITE]["schema"] == "Asset"
    assert [a["schema"] for n, a in nodes.items() if n.startswith("byline:")] == ["Byline"]
    posted = {u: a for u, v, a in _edges(graph, "posted-links-to") if v == SITE}
    assert posted["account:twitter:op1"]["evidence"] == 2  # two posts, www. and blog. alike
    assert posted["account:twitter:op1"]["source"].endswith("posts.jsonl")
    assert posted["account:twitter:op1"]["record"] == 1 and posted["account:twitter:op1"]["popular"] is False
    [(u, v, together)] = _edges(graph, "acted-together")
    assert (u, v) == ("account:twitter:op1", "account:twitter:op2")
    assert together["run"].startswith("run:") and together["evidence"] == 3  # the edge's shared objects
    assert together["source"].endswith("posts.jsonl") and together["record"] == 1  # its first co-action
    # A network stays one node: its members link to it.
    assert {(u, v) for u, v, _ in _edges(graph, "member-of")} == {
        ("account:twitter:op1", "network:0"),
        ("account:twitter:op2", "network:0"),
    }
    [(_, v, published)] = _edges(graph, "published-on")
    assert v == SITE and published["evidence"] == 1 and published["source"].endswith("docs.jsonl")
    # The records' own links are still there: the registrant of the site.
    assert any(v == SITE and a["kind"] == "record" for _, v, a in graph.edges(data=True))


def test_a_hostile_byline_survives_as_text_in_graph_exports(case_path: Path, tmp_path: Path) -> None:
    for fmt, read in (("gexf", nx.read_gexf), ("graphml", nx.read_graphml)):
        out = tmp_path / f"g.{fmt}"
        _export(case_path, fmt, out)
        text = out.read_text(encoding="utf-8")
        assert "<script>" not in text and "&lt;script&gt;" in text
        [label] = [a["label"] for n, a in read(out).nodes(data=True) if a["schema"] == "Byline"]
        assert label == xml_safe(HOSTILE) == "<script>alert(1)</script>\\x1b Ashdown"


@pytest.fixture
def ftm(case_path: Path, tmp_path: Path) -> Path:
    out = tmp_path / "e.ftm.jsonl"
    _export(case_path, "ftm", out)
    return out


def test_every_ftm_entity_validates(ftm: Path, tmp_path: Path) -> None:
    ours = [json.loads(line) for line in ftm.read_text(encoding="utf-8").splitlines()]
    for entity in ours:
        again = model.get_proxy(entity, cleaned=False).to_dict()
        assert {p: sorted(v) for p, v in again["properties"].items()} == {
            p: sorted(v) for p, v in entity["properties"].items()
        }
    checked = tmp_path / "checked.jsonl"
    ftm_cli = Path(sys.executable).with_name("ftm")
    subprocess.run([str(ftm_cli), "validate", "-i", str(ftm), "-o", str(checked)], check=True)
    theirs = {e["id"]: e for e in map(json.loads, checked.open())}
    assert {e["id"] for e in ours} == theirs.keys() and len(ours) == len(theirs)


def test_ftm_carries_accounts_bylines_networks_and_links(ftm: Path) -> None:
    entities = {e["id"]: e for e in map(json.loads, ftm.open(encoding="utf-8"))}
    accounts = {e["properties"]["username"][0]: e for e in entities.values() if e["schema"] == "UserAccount"}
    fan = accounts["voice_fan"]
    assert fan["properties"]["service"] == ["twitter"]
    assert fan["properties"]["sourceUrl"] == ["https://x.com/voice_fan"]
    assert "sourceUrl" not in accounts["<b>"]["properties"]  # not a plain handle: no address made of it
    byline = accounts["<script>alert(1)</script> Ashdown"]  # FtM drops the control character, keeps the text
    assert byline["properties"]["service"] == ["byline"]
    [network] = [e for e in entities.values() if e["schema"] == "Note"]
    links = [e["properties"] for e in entities.values() if e["schema"] == "UnknownLink"]
    for link in links:  # every link joins two entities of the export
        assert link["subject"][0] in entities and link["object"][0] in entities
    [posted] = [p for p in links if p["subject"] == [fan["id"]] and p["object"] == [SITE]]
    assert posted["role"] == ["posted links to"] and len(posted["recordId"]) == 2
    assert posted["recordId"][0].endswith("posts.jsonl, record 1")
    assert posted["startDate"] == ["2024-01-01"] and posted["endDate"] == ["2024-01-02"]
    assert "2 posts" in posted["summary"][0]
    [together] = [p for p in links if p["role"][0].startswith("acted together")]
    assert any(r.startswith("run:") for r in together["recordId"])
    assert {tuple(p["subject"]) for p in links if p["object"] == [network["id"]]} == {
        (fan["id"],),
        (accounts["<b>"]["id"],),
    }
    assert [p["object"] for p in links if p["subject"] == [byline["id"]]] == [[SITE]]


def test_ftm_ids_are_stable(case_path: Path, ftm: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.jsonl"
    _export(case_path, "ftm", again)
    assert again.read_text(encoding="utf-8") == ftm.read_text(encoding="utf-8")


def test_a_site_many_accounts_link_is_flagged_popular(tmp_path: Path, write) -> None:
    path = tmp_path / "case.duckdb"
    rows = [{"post_id": str(i), "account_id": f"a{i}", "created_at": "2024-01-01T10:00:00Z",
             "urls": ["https://valleyvoice.example/"], "text": "x"} for i in range(30)]  # fmt: skip
    with Case.open(path) as case:
        import_files(case, "whois", [write("valleyvoice.example.txt", WHOIS)])
        import_files(case, "posts-csv", [write("posts.jsonl", _lines(rows))])
    _export(path, "gexf", tmp_path / "g.gexf")
    posted = _edges(nx.read_gexf(tmp_path / "g.gexf"), "posted-links-to")
    assert len(posted) == 30 and all(a["popular"] and a["weight"] == 6.0 for _, _, a in posted)
    _export(path, "ftm", tmp_path / "e.jsonl")
    links = [e for e in map(json.loads, (tmp_path / "e.jsonl").open()) if e["schema"] == "UnknownLink"]
    assert len(links) == 30 and all("costs 6 to cross" in e["properties"]["summary"][0] for e in links)
