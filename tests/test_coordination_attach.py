"""Accounts tested against a network as a whole (unmask.coordination.attach)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from test_coordination import at, load
from unmask.case import Case
from unmask.coordination import Coordination, network_findings

CROWD = [f"user{i:03d}" for i in range(120)]
CORE = ["core_a", "core_b", "core_c", "core_d"]
EDGE = ["edge_a", "edge_b", "edge_c"]


def operation(case: Case, tmp_path: Path) -> None:
    """A crowd resharing posts at random; a core of four that reshares obscure posts within seconds; three
    accounts that join some of the core's other posts, each time next to one core member only (the core
    spreads those out over minutes), so that no pair of them meets often enough to show it."""
    rng = np.random.default_rng(3)
    rows: list[tuple] = []
    for day in range(14):
        base = day * 86400
        for k in range(6):
            post = f"p{day}_{k}"
            rows.append((post, f"author{k}", at(base + k * 3000), f"post {day} {k}", "", "", "", ""))
            for i in rng.choice(len(CROWD), 25, replace=False):
                t = base + k * 3000 + rng.uniform(30, 20000)
                rows.append((f"c{day}_{k}_{i}", CROWD[i], at(t), "RT", post, "", "", ""))
        tight = f"t{day}"
        rows.append((tight, "nobody", at(base + 40000), f"obscure {day}", "", "", "", ""))
        for j, member in enumerate(CORE):
            rows.append((f"ct{day}{j}", member, at(base + 40002 + j), "RT", tight, "", "", ""))
        spread = f"s{day}"
        rows.append((spread, "nobody", at(base + 60000), f"other {day}", "", "", "", ""))
        for j, member in enumerate(CORE):
            rows.append((f"cs{day}{j}", member, at(base + 60010 + 200 * j), "RT", spread, "", "", ""))
        for e, account in enumerate(EDGE):
            if rng.random() < 0.3:
                j = int(rng.integers(len(CORE)))
                rows.append((f"e{day}{e}", account, at(base + 60015 + 200 * j), "RT", spread, "", "", ""))
    load(case, tmp_path, rows)


def test_accounts_that_meet_the_network_but_no_member_often_enough_join_it(
    case: Case, tmp_path: Path
) -> None:
    operation(case, tmp_path)
    found = Coordination(kinds=("share",), window=60).fit(case)
    flagged = set(found.accounts_.column("account_id").to_pylist())
    assert flagged == set(CORE) | set(EDGE)
    [net] = found.networks_
    assert net["joined"] == len(EDGE) and found.runs_[0].joined == len(EDGE)
    tests = {r["test"] for r in found.edges_.to_pylist() if {r["account_a"], r["account_b"]} & set(EDGE)}
    assert tests == {"network"}
    [finding] = network_findings(found)
    assert "3 of the accounts through their co-actions with the network as a whole" in finding.claim
    # Without the network test, the same run finds the core only.
    core_only = Coordination(kinds=("share",), window=60, attach=False).fit(case)
    assert set(core_only.accounts_.column("account_id").to_pylist()) == set(CORE)


@pytest.mark.parametrize("attach", [True, False])
def test_the_crowd_does_not_join(case: Case, tmp_path: Path, attach: bool) -> None:
    operation(case, tmp_path)
    found = Coordination(kinds=("share",), window=60, attach=attach).fit(case)
    assert not set(found.accounts_.column("account_id").to_pylist()) & set(CROWD)


def test_the_case_and_the_files_say_which_test_kept_each_edge(case: Case, tmp_path: Path) -> None:
    from unmask.coordination.run import run

    operation(case, tmp_path)
    done = run(case, out_dir=tmp_path / "out", kinds=("share",), window=60)
    stored = case.query("SELECT account_a, account_b, test FROM coordination_edges")
    assert {r["test"] for r in stored if {r["account_a"], r["account_b"]} & set(EDGE)} == {"network"}
    assert {r["test"] for r in stored if {r["account_a"], r["account_b"]} <= set(CORE)} == {"pair"}
    header = (tmp_path / "out" / "edges.csv").read_text(encoding="utf-8").splitlines()[0]
    assert '"test"' in header
    [finding] = done.findings
    assert finding.calibrated and "calibrated on planted scenarios only" in finding.limitations


def test_the_command_shows_who_joined_and_can_turn_timing_off(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from unmask.cli import app

    path = tmp_path / "c.duckdb"
    with Case.open(path) as case:
        operation(case, tmp_path)
    runner = CliRunner(env={"COLUMNS": "250"})
    shown = runner.invoke(
        app, ["coordination", "--case", str(path), "--out", str(tmp_path / "o"), "--kinds", "share"]
    )
    assert shown.exit_code == 0, shown.output
    assert "joined" in shown.output
    off = runner.invoke(
        app,
        [
            "coordination",
            "--case",
            str(path),
            "--out",
            str(tmp_path / "p"),
            "--kinds",
            "share",
            "--no-timing",
        ],
    )
    assert off.exit_code == 0, off.output
    with Case.open(path, read_only=True) as case:
        [params] = [
            r["parameters"] for r in case.query("SELECT parameters FROM runs ORDER BY run_id DESC LIMIT 1")
        ]
    assert '"timing": false' in params
