"""Every command through Typer's CliRunner, with real files."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from unmask.case import Case
from unmask.cli import app
from unmask.findings import Finding, write_findings

runner = CliRunner(env={"COLUMNS": "250"})
HEADER = "post_id,account_id,created_at,text,shared_post_id,reply_to_post_id,urls,hashtags\n"


@pytest.fixture
def posts_file(write) -> Path:
    return write(
        "posts.csv",
        HEADER + "1,alice,2024-01-01T10:00:00Z,hello #x,,,,\n"
        "2,bob,2024-01-01 10:00:05,hi,1,,,\n3,bob,never,[red]markup[/red],,,,\n",
    )


def test_import_prints_counts_reasons_and_notes(tmp_path, posts_file) -> None:
    case = tmp_path / "c.duckdb"
    result = runner.invoke(app, ["import", "posts-csv", str(posts_file), "--case", str(case)])
    assert result.exit_code == 0, result.output
    assert "2 posts loaded, 1 quarantined" in result.output
    assert "quarantined 1: unparseable timestamp" in result.output
    assert "1 timestamps had no time zone: read as UTC" in result.output
    again = runner.invoke(app, ["import", "posts-csv", str(posts_file), "--case", str(case)])
    assert again.exit_code == 0 and "nothing changed" in again.output


def test_import_json(tmp_path, posts_file) -> None:
    result = runner.invoke(
        app, ["import", "posts-csv", str(posts_file), "--case", str(tmp_path / "c.duckdb"), "--json"]
    )
    [data] = json.loads(result.output)
    assert (data["loaded"], data["quarantined"], data["format"]) == (2, 1, "posts-csv")


def test_import_map_and_timezone(tmp_path, write) -> None:
    path = write("x.csv", "id,user,t\n1,a,2024-07-01 12:00\n")
    case = tmp_path / "c.duckdb"
    result = runner.invoke(
        app,
        [
            "import",
            "posts-csv",
            str(path),
            "--case",
            str(case),
            "--map",
            "post_id=id",
            "--map",
            "account_id=user",
            "--map",
            "created_at=t",
            "--timezone",
            "Europe/Paris",
        ],
    )
    assert result.exit_code == 0, result.output
    with Case.open(case, read_only=True) as c:
        assert str(c.scalar("SELECT created_at FROM posts")) == "2024-07-01 10:00:00+00:00"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "posts-csv", "MISSING.csv"], "MISSING.csv: no such file"),
        (["import", "nope", "x.csv"], "unknown format 'nope'"),
        (["import", "posts-csv", "x.csv", "--map", "oops"], "--map 'oops': expected NEW=OLD"),
        (["import", "posts-csv", "x.csv", "--timezone", "Nowhere/Land"], "not a known time zone"),
        (["info", "--case", "no-such-case.duckdb"], "no such case"),
    ],
)
def test_user_errors_exit_2_without_traceback(tmp_path, write, monkeypatch, args, message) -> None:
    monkeypatch.chdir(tmp_path)
    write("x.csv", HEADER)
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_unreadable_file_names_file_line_and_field(tmp_path, write) -> None:
    path = write("bad.csv", "post_id,account_id\n1,a\n")
    result = runner.invoke(app, ["import", "posts-csv", str(path), "--case", str(tmp_path / "c.duckdb")])
    assert result.exit_code == 2
    assert "bad.csv, line 1, field 'created_at': required column missing" in " ".join(result.output.split())


def test_info_quarantine_and_findings(tmp_path, posts_file) -> None:
    case = tmp_path / "c.duckdb"
    runner.invoke(app, ["import", "posts-csv", str(posts_file), "--case", str(case)])
    info = runner.invoke(app, ["info", "--case", str(case)])
    assert info.exit_code == 0 and "2 posts by 2 accounts, 1 quarantined record," in info.output
    data = json.loads(runner.invoke(app, ["info", "--case", str(case), "--json"]).output)
    assert data["posts"] == 2 and data["quarantine_reasons"] == [
        {"reason": "unparseable timestamp", "records": 1}
    ]
    assert [a["account_id"] for a in data["most_active_accounts"]] == ["alice", "bob"]
    q = json.loads(runner.invoke(app, ["quarantine", "--case", str(case), "--json"]).output)
    assert q[0]["line_no"] == 4 and q[0]["field"] == "created_at"
    assert "No findings yet" in runner.invoke(app, ["findings", "--case", str(case)]).output
    with Case.open(case) as c:
        write_findings(
            c,
            [
                Finding(
                    kind="coordinated-network",
                    claim="<script>x</script> acted together",
                    confidence=0.7,
                    subjects=["alice", "bob"],
                    method="test",
                    method_version="0",
                )
            ],
        )
    listed = runner.invoke(app, ["findings", "--case", str(case)])
    assert "<script>x</script> acted together" in listed.output
    found = json.loads(runner.invoke(app, ["findings", "--case", str(case), "--json"]).output)
    assert found[0]["disarm"][0]["name"] == "Conduct Swarming"


def test_hostile_values_are_printed_as_text(tmp_path, posts_file) -> None:
    case = tmp_path / "c.duckdb"
    runner.invoke(app, ["import", "posts-csv", str(posts_file), "--case", str(case)])
    result = runner.invoke(app, ["quarantine", "--case", str(case)])
    assert result.exit_code == 0
    assert "[red]markup[/red]" in result.output  # rich markup in the data is text, not styling


def test_demo(tmp_path) -> None:
    result = runner.invoke(app, ["demo", "--out", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    assert "Built the fictional demo case" in result.output
    assert "2 quarantined" in result.output
    # Rebuilding gives the same case.
    again = runner.invoke(app, ["demo", "--out", str(tmp_path / "demo"), "--json"])
    assert json.loads(again.output)["info"]["posts"] == int(
        result.output.split(" posts loaded")[0].split()[-1].replace(",", "")
    )


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("unmask ")


def test_sources_list_and_remove(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("naive.csv").write_text(
        HEADER + "1,alice,2024-01-01 10:00,hi,,,,\n2,alice,2024-01-02 11:00,yo,,,,\n"
    )
    assert runner.invoke(app, ["import", "posts-csv", "naive.csv"]).exit_code == 0
    listed = runner.invoke(app, ["sources"])
    assert listed.exit_code == 0 and "naive.csv" in listed.output and "posts-csv" in listed.output
    [source] = json.loads(runner.invoke(app, ["sources", "--json"]).output)
    assert (source["source_id"], source["exists"]) == (1, True)
    # The refusal of zone-less hours says how to import the file again: remove it first.
    refused = runner.invoke(app, ["persona", "rhythm", "--account", "alice"])
    assert refused.exit_code == 2 and "unmask sources remove 1" in " ".join(refused.output.split())
    Path("unmask.duckdb").rename("c.duckdb")
    removed = runner.invoke(app, ["sources", "--case", "c.duckdb", "remove", "1", "--by", "tester"])
    assert removed.exit_code == 0, removed.output
    Path("c.duckdb").rename("unmask.duckdb")
    assert "removed source 1 (naive.csv, posts-csv); rows removed: accounts 1, posts 2" in removed.output
    assert json.loads(runner.invoke(app, ["sources", "--json"]).output) == []
    again = runner.invoke(app, ["sources", "remove", "1"])
    assert again.exit_code == 2 and "no source 1" in again.output
    assert runner.invoke(app, ["import", "posts-csv", "naive.csv", "--timezone", "UTC"]).exit_code == 0
    assert (
        "cannot read the hours" not in runner.invoke(app, ["persona", "rhythm", "--account", "alice"]).output
    )


def test_info_shows_the_absolute_path_when_the_typed_one_is_elsewhere(tmp_path, monkeypatch) -> None:
    (tmp_path / "in").mkdir()
    monkeypatch.chdir(tmp_path / "in")
    Path("p.csv").write_text(HEADER + "1,alice,2024-01-01T10:00:00Z,hi,,,,\n")
    runner.invoke(app, ["import", "posts-csv", "p.csv", "--case", "../c.duckdb"])
    assert " p.csv " in runner.invoke(app, ["info", "--case", "../c.duckdb"]).output
    monkeypatch.chdir(tmp_path)
    assert str(tmp_path / "in" / "p.csv") in runner.invoke(app, ["info", "--case", "c.duckdb"]).output


META_PAGE = '{"id": "%s", "page_id": "70000009%s", "page_name": "Page %s", "bylines": "Someone %s"}\n'


def _attributed_case(tmp_path: Path) -> Path:
    """A case of public records that attribution has run on, then one more record: results are stale."""
    case = tmp_path / "c.duckdb"
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(META_PAGE % (1, 1, 1, 1))
    second.write_text(META_PAGE % (2, 2, 2, 2))
    assert runner.invoke(app, ["import", "meta-ads", str(first), "--case", str(case)]).exit_code == 0
    assert runner.invoke(app, ["attribution", "run", "--case", str(case)]).exit_code == 0
    assert runner.invoke(app, ["import", "meta-ads", str(second), "--case", str(case)]).exit_code == 0
    return case


def _runs(case: Path) -> int:
    with Case.open(case, read_only=True) as c:
        return c.scalar("SELECT count(*) FROM runs WHERE engine = 'attribution'")


STALE = "attribution results are stale (records changed since the last run)"


def test_reading_commands_work_on_a_write_protected_case(tmp_path, monkeypatch) -> None:
    case = _attributed_case(tmp_path)
    # As root, chmod does not stop writes: the case is made write-protected where unmask asks.
    monkeypatch.setattr(Case, "writable", staticmethod(lambda path: False))
    commands = [
        ["info"],
        ["quarantine"],
        ["sources"],
        ["findings"],
        ["attribution", "review"],
        ["explain", "Page 1", "Someone 1"],
        ["report", "--out", str(tmp_path / "r.html")],
        ["export", "ftm", "--out", str(tmp_path / "e.jsonl")],
        ["export", "graphml", "--out", str(tmp_path / "g.graphml")],
    ]
    for args in commands:
        result = runner.invoke(app, [*args, "--case", str(case)])
        assert result.exit_code == 0, (args, result.output)
        if args[0] in ("findings", "attribution", "explain", "report", "export"):
            assert STALE in " ".join(result.stderr.split()), args
    assert _runs(case) == 1  # nothing was written
    refused = runner.invoke(app, ["attribution", "run", "--case", str(case)])
    assert refused.exit_code == 2 and "is read-only" in refused.output


def test_stale_results_are_refreshed_where_the_case_can_be_written(tmp_path) -> None:
    case = _attributed_case(tmp_path)
    result = runner.invoke(app, ["findings", "--case", str(case)])
    assert result.exit_code == 0 and STALE not in result.output
    assert _runs(case) == 2
    runner.invoke(app, ["findings", "--case", str(case)])
    assert _runs(case) == 2  # up to date: read only


def test_an_io_error_in_the_middle_of_a_command_is_one_line(tmp_path: Path, monkeypatch) -> None:
    import duckdb

    import unmask.info

    case = tmp_path / "case.duckdb"
    Case.open(case).close()

    def damaged(*args, **kwargs):
        raise duckdb.IOException(
            'Could not read enough bytes from file "case.duckdb": attempted to read 262144'
        )

    monkeypatch.setattr(unmask.info, "case_info", damaged)
    result = CliRunner().invoke(app, ["info", "--case", str(case)])
    assert result.exit_code == 2
    assert "a damaged case, or a full disk?" in result.output and "Traceback" not in result.output
