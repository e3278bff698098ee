"""The case graph (issue 16): each link type with its evidence, popular sites, explain across node types."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import CAMPAIGN_WHOIS as WHOIS
from conftest import store_coordination_run
from unmask.case import Case
from unmask.cli import app
from unmask.graph.build import build, is_stale
from unmask.ingest import import_files
from unmask.sources import remove_source

runner = CliRunner()


def _posts(rows: list[dict]) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


@pytest.fixture
def graph_case(tmp_path: Path, write) -> Path:
    """A site named by WHOIS; an account posting links to it (and to a news site everyone links); an account
    that shares its posts only; an ordinary account; a byline publishing on the site and one elsewhere."""
    path = tmp_path / "case.duckdb"
    posts = [
        {"post_id": "1", "account_id": "op1", "handle": "voice_fan", "created_at": "2024-01-01T10:00:00Z",
         "urls": ["https://www.valleyvoice.example/a"], "text": "read"},
        {"post_id": "2", "account_id": "op1", "created_at": "2024-01-02T10:00:00Z",
         "urls": ["https://blog.valleyvoice.example/b"], "text": "more"},
        {"post_id": "3", "account_id": "sharer", "created_at": "2024-01-02T11:00:00Z", "shared_post_id": "1",
         "urls": ["https://www.valleyvoice.example/a"], "text": "RT"},
        {"post_id": "4", "account_id": "plain", "created_at": "2024-01-03T10:00:00Z",
         "urls": ["https://news.example.org/x"], "text": "news"},
    ]  # fmt: skip
    docs = [
        {"id": "d1", "byline": "Rowan Ashdown", "url": "https://valleyvoice.example/columns/1",
         "text": "A column."},
        {"id": "d2", "byline": "Nobody Else", "url": "https://elsewhere.example/c", "text": "Another."},
    ]  # fmt: skip
    with Case.open(path) as case:
        import_files(case, "whois", [write("valleyvoice.example.txt", WHOIS)])
        import_files(case, "posts-csv", [write("posts.jsonl", _posts(posts))])
        import_files(case, "articles", [write("docs.jsonl", _posts(docs))])
    return path


def _refresh(path: Path) -> None:
    assert runner.invoke(app, ["attribution", "run", "--case", str(path)]).exit_code == 0
    with Case.open(path) as case:
        build(case)


def _links(path: Path, kind: str) -> list[dict]:
    with Case.open(path, read_only=True) as case:
        return case.query("SELECT * FROM graph_links WHERE kind = ? ORDER BY from_id, to_id", [kind])


def test_an_account_posting_links_to_a_site_of_the_case(graph_case: Path) -> None:
    _refresh(graph_case)
    [link] = _links(graph_case, "posted-links-to")
    assert link["from_id"] == "account:generic:op1" and link["to_id"] == "site-valleyvoice.example"
    detail, evidence = json.loads(link["detail"]), json.loads(link["evidence"])
    assert detail["posts"] == 2  # www. and blog. count for the registrable domain; the share does not
    assert [e["row"] for e in evidence] == [1, 2] and evidence[0]["source"].endswith("posts.jsonl")


def test_a_byline_published_on_a_site(graph_case: Path) -> None:
    _refresh(graph_case)
    [link] = _links(graph_case, "published-on")
    assert (link["from_id"], link["to_id"]) == ("byline:Rowan Ashdown", "site-valleyvoice.example")
    assert json.loads(link["evidence"])[0]["source"].endswith("docs.jsonl")


def test_explain_across_node_types(graph_case: Path) -> None:
    case = str(graph_case)
    result = runner.invoke(
        app, ["explain", "@voice_fan", "Alder Ridge Energy Council", "--case", case, "--json"]
    )
    assert result.exit_code == 0, result.output
    [path, *_] = json.loads(result.output)["paths"]
    assert [h["to"]["schema"] for h in path][:1] == ["Asset"] and path[-1]["to"][
        "name"
    ] == "Alder Ridge Energy Council"
    assert path[0]["relation"] == "posted links to" and path[0]["evidence"]
    result = runner.invoke(
        app, ["explain", "Rowan Ashdown", "Alder Ridge Energy Council", "--case", case, "--json"]
    )
    assert json.loads(result.output)["paths"][0][0]["from"]["schema"] == "Byline"
    for nobody in ("Nobody Else", "plain", "sharer"):
        result = runner.invoke(
            app, ["explain", nobody, "Alder Ridge Energy Council", "--case", case, "--json"]
        )
        assert result.exit_code == 0 and json.loads(result.output)["paths"] == [], nobody


def test_coordination_edges_and_members_are_links(graph_case: Path) -> None:
    with Case.open(graph_case) as case:
        run_id = store_coordination_run(case, "op1", "plain", evidence=(1, "obj", 4, "1", 2, 1, "4", 2, 4))
        assert is_stale(case)
    _refresh(graph_case)
    [edge] = _links(graph_case, "acted-together")
    assert edge["source"] == f"run:{run_id}" and json.loads(edge["evidence"])
    assert {m["from_id"] for m in _links(graph_case, "member-of")} == {
        "account:generic:op1",
        "account:generic:plain",
    }
    # The ordinary account now reaches the organisation through the coordinated one.
    result = runner.invoke(app, ["explain", "plain", "network:0", "--case", str(graph_case), "--json"])
    [hop] = json.loads(result.output)["paths"][0]
    assert hop["source"] == f"run:{run_id}" and hop["row"] is None and hop["evidence"] == []


def test_a_site_everyone_links_costs_more(tmp_path: Path, write) -> None:
    path = tmp_path / "case.duckdb"
    rows = [{"post_id": str(i), "account_id": f"a{i}", "created_at": "2024-01-01T10:00:00Z",
             "urls": ["https://valleyvoice.example/"], "text": "x"} for i in range(30)]  # fmt: skip
    with Case.open(path) as case:
        import_files(case, "whois", [write("valleyvoice.example.txt", WHOIS)])
        import_files(case, "posts-csv", [write("posts.jsonl", _posts(rows))])
    _refresh(path)
    links = _links(path, "posted-links-to")
    assert len(links) == 30 and {link["weight"] for link in links} == {6.0}
    assert "30 accounts of the case link to" in links[0]["relation"]


def test_the_graph_is_rebuilt_after_an_import_and_a_removal(graph_case: Path, write) -> None:
    _refresh(graph_case)
    more = [{"post_id": "9", "account_id": "late", "created_at": "2024-02-01T10:00:00Z",
             "urls": ["https://valleyvoice.example/z"], "text": "z"}]  # fmt: skip
    with Case.open(graph_case) as case:
        assert not is_stale(case)
        [result] = import_files(case, "posts-csv", [write("more.jsonl", _posts(more))])
        assert is_stale(case)
    runner.invoke(app, ["explain", "late", "valleyvoice.example", "--case", str(graph_case)])
    assert "account:generic:late" in {link["from_id"] for link in _links(graph_case, "posted-links-to")}
    with Case.open(graph_case) as case:
        remove_source(case, result.source_id, by="test")
    result = runner.invoke(
        app, ["explain", "op1", "valleyvoice.example", "--case", str(graph_case), "--json"]
    )
    assert result.exit_code == 0
    assert "account:generic:late" not in {link["from_id"] for link in _links(graph_case, "posted-links-to")}


def test_explain_loads_igraph_without_matplotlib_and_leaves_matplotlib_importable(graph_case: Path) -> None:
    """igraph's drawing costs half a second of every explain; plots elsewhere must still work after it."""
    code = (
        "import sys; from unmask.case import Case; from unmask.graph.paths import explain\n"
        f"with Case.open({str(graph_case)!r}, read_only=True) as c:\n"
        "    explain(c, 'op1', 'valleyvoice.example')\n"
        "assert 'igraph' in sys.modules and 'matplotlib' not in sys.modules\n"
        "import matplotlib.pyplot; print('ok')\n"
    )
    _refresh(graph_case)
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
