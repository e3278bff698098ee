"""bench/graph_scale.py at 2,000 posts: it runs through the CLI end to end and prints what docs/benchmarks.md
reads (issue 16, Performance). Times are printed, never asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "graph_scale.py"
STEPS = [
    "import posts",
    "import whois",
    "import ads",
    "coordination",
    "attribution run",
    "explain (builds the graph)",
    "explain",
    "explain control",
    "explain popular",
]


@pytest.fixture(scope="module")
def lines(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    work = tmp_path_factory.mktemp("graph_scale")
    done = subprocess.run(
        [sys.executable, str(BENCH), "--posts", "2000", "--seed", "3", "--work", str(work)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_one_line_a_step_with_seconds_and_peak_then_a_summary(lines: list[dict]) -> None:
    *steps, summary = lines
    assert [s["step"] for s in steps] == STEPS
    for s in steps:
        assert s["bench"] == "graph_scale"
        assert s["seconds"] > 0 and s["peak_mb"] > 0
    assert summary["summary"] is True
    assert set(summary["targets"]) == {"build_under_60_s", "build_under_2_gib", "explain_under_1_s"}
    assert len(summary["explain_seconds"]) == 3


def test_the_first_explain_builds_the_graph_and_its_seconds_are_reported(lines: list[dict]) -> None:
    by = {s["step"]: s for s in lines[:-1]}
    assert len(by["explain (builds the graph)"]["graph_builds"]) == 1
    assert "graph_builds" not in by["explain"]
    summary = lines[-1]
    assert summary["graph_build_seconds"] > 0
    assert summary["graph_nodes"] >= summary["accounts"] > 0
    assert summary["graph_links_by_kind"]["posted-links-to"] > 0
    assert summary["graph_links"] == sum(summary["graph_links_by_kind"].values())


def test_the_planted_chain_is_found_and_the_controls_behave(lines: list[dict]) -> None:
    summary = lines[-1]
    assert summary["posts"] == summary["posts_written"] == 2000
    assert summary["planted_path_found"] and summary["payer_path_found"]
    assert summary["control_paths"] == 0
    assert any("accounts of the case link to" in r for r in summary["popular_hop_relations"])
