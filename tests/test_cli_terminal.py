"""What the command line puts on a terminal: data shown as text (no escape sequence reaches the terminal),
tables that read at 80 columns, progress only on a terminal, one line for Ctrl-C and for output paths."""

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from unmask import cli
from unmask.case import Case
from unmask.cli import app
from unmask.findings import Finding, write_findings
from unmask.terminal import json_text, plural, visible

runner = CliRunner(env={"COLUMNS": "250"})
narrow = CliRunner(env={"COLUMNS": "80"})
terminal = CliRunner(env={"COLUMNS": "120", "TTY_COMPATIBLE": "1"})
HEADER = "post_id,account_id,created_at,text,shared_post_id,reply_to_post_id,urls,hashtags\n"
# Screen clear, an 8-bit CSI (0x9B), a right-to-left override, a hyperlink, DEL and a bell.
HOSTILE = "\x1b[2J\x9b31m\u202eevil\x1b]8;;http://x.example\x07link\x7f"
# Anything a terminal acts on: C0 but newline, DEL, C1, bidi controls, line and paragraph separators.
CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def test_visible_shows_every_control_and_escapes_markup() -> None:
    assert visible("a\x1b[2Jb") == "a\\x1b[2Jb"  # "[2J" is no rich markup: left as it is
    assert visible("\x9b\x7f\x00") == "\\x9b\\x7f\\x00"
    assert visible("\u202e\u2066\u200f\u061c") == "\\u202e\\u2066\\u200f\\u061c"
    assert visible("a\tb\nc\r") == "a\\tb\\nc\\r"
    assert visible("[bold]x[/bold] é ü 漢") == "\\[bold]x\\[/bold] é ü 漢"
    assert visible(Path("a/b")) == "a/b"


def test_json_text_escapes_what_json_leaves_raw_and_keeps_values() -> None:
    text = json_text(json.dumps({"id": HOSTILE}, ensure_ascii=False))
    assert not CONTROLS.search(text) and json.loads(text) == {"id": HOSTILE}


def test_plural() -> None:
    assert [plural(1, "hop"), plural(2, "hop"), plural(1000, "entity", "entities")] == [
        "1 hop",
        "2 hops",
        "1,000 entities",
    ]


@pytest.fixture
def hostile_case(tmp_path, write) -> Path:
    path = write(
        "posts.csv",
        HEADER + f'1,"{HOSTILE}",2024-01-01T10:00:00Z,hello,,,,\n' + f'2,bob,"{HOSTILE}",hi,,,,\n',
    )
    case = tmp_path / "c.duckdb"
    result = runner.invoke(app, ["import", "posts-csv", str(path), "--case", str(case)])
    assert result.exit_code == 0, result.output
    return case


@pytest.mark.parametrize(
    "args",
    [["info", "--top", "5"], ["quarantine"], ["persona", "rhythm", "--account", HOSTILE]],
)
def test_tables_show_hostile_values_as_text(hostile_case, args) -> None:
    result = runner.invoke(app, [*args, "--case", str(hostile_case)])
    assert not CONTROLS.search(result.output), result.output
    shown = " ".join(result.output.split())
    assert "\\x1b[2J\\x9b31m\\u202eevil\\x1b]8;;http://x.example\\x07link\\x7f" in shown


def test_json_keeps_hostile_values_exact(hostile_case) -> None:
    result = runner.invoke(app, ["info", "--case", str(hostile_case), "--json"])
    assert not CONTROLS.search(result.output)
    accounts = json.loads(result.output)["most_active_accounts"]
    assert HOSTILE in [a["account_id"] for a in accounts]


def test_an_error_quoting_the_input_shows_its_controls(tmp_path, write) -> None:
    # The missing-column message lists the header's names as they are in the file.
    path = write("bad.csv", f"post_id,{HOSTILE}\n1,a\n")
    result = runner.invoke(app, ["import", "posts-csv", str(path), "--case", str(tmp_path / "c.duckdb")])
    assert result.exit_code == 2
    assert "required column missing" in result.output and "\\x1b" in result.output
    assert not CONTROLS.search(result.output), result.output
    assert len(result.output.strip().splitlines()) == 1


def _findings_case(tmp_path: Path) -> Path:
    case = tmp_path / "c.duckdb"
    with Case.open(case) as c:
        write_findings(
            c,
            [
                Finding(
                    kind="coordinated-network",
                    claim="12 accounts acted together (share) more often than chance allows: 38 pairs "
                    "co-acted significantly, with a median gap of 12 s, from 2024-03-01 to 2024-03-14.",
                    confidence=0.996,
                    subjects=[f"account_{i}" for i in range(12)],
                    method="test",
                    method_version="0",
                ),
                Finding(
                    kind="shared-infrastructure",
                    claim="2 sites share infrastructure: 'aldervalleyvoice.example', "
                    "'cleaneraldervalley.example'.",
                    confidence=0.95,
                    subjects=["aldervalleyvoice.example", "cleaneraldervalley.example"],
                    method="test",
                    method_version="0",
                ),
            ],
        )
    return case


def _words_whole(output: str, *words: str) -> None:
    lines = output.splitlines()
    assert all(len(line) <= 80 for line in lines), output
    for word in words:
        assert any(word in line for line in lines), (word, output)


def test_findings_read_at_80_columns_with_whole_ids(tmp_path) -> None:
    case = _findings_case(tmp_path)
    result = narrow.invoke(app, ["findings", "--case", str(case)])
    assert result.exit_code == 0, result.output
    with Case.open(case, read_only=True) as c:
        ids = [r[0] for r in c.con.execute("SELECT finding_id FROM findings").fetchall()]
    _words_whole(result.output, "coordinated-network", "shared-infrastructure", "0.996", *ids)
    assert result.output.startswith("2 findings")


def test_a_table_that_fits_stays_a_table(tmp_path) -> None:
    case = _findings_case(tmp_path)
    wide = CliRunner(env={"COLUMNS": "400"}).invoke(app, ["findings", "--case", str(case)])
    assert "┃ kind" in wide.output and "coordinated-network" in wide.output


def test_review_candidates_read_at_80_columns(tmp_path) -> None:
    case = tmp_path / "c.duckdb"
    left, right = "org-" + "a" * 40, "org-" + "b" * 40
    with Case.open(case) as c:
        c.con.execute(
            "INSERT INTO entities VALUES (?, 'Organization', 'Alder Ridge Energy Council', ?, NULL),"
            " (?, 'Organization', 'ALDER RIDGE ENERGY COUNCIL INC', ?, NULL)",
            [left, left, right, right],
        )
        c.con.execute(
            "INSERT INTO resolutions (left_id, right_id, schema, score, rule, decision)"
            " VALUES (?, ?, 'Organization', 0.81, 'same name but a legal form', 'candidate')",
            [left, right],
        )
    result = narrow.invoke(app, ["attribution", "review", "--case", str(case)])
    assert result.exit_code == 0, result.output
    _words_whole(result.output, left, right, "Organization", "0.810")
    assert "Alder Ridge Energy Council" in " ".join(result.output.split())


def test_info_reads_at_80_columns(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    rows = "".join(f"{i},account_with_a_long_name_{i},2024-01-0{i}T10:00:00Z,hi,,,,\n" for i in range(1, 4))
    Path("exports/platform-archive-2024").mkdir(parents=True)
    path = "exports/platform-archive-2024/posts_of_the_network_under_investigation.csv"
    Path(path).write_text(HEADER + rows)
    runner.invoke(app, ["import", "posts-csv", path, "--case", "c.duckdb"])
    result = narrow.invoke(app, ["info", "--case", "c.duckdb"])
    assert result.exit_code == 0, result.output
    _words_whole(result.output, path, "account_with_a_long_name_1", "posts-csv", "2024-01-01")


def test_singular_counts(tmp_path, write) -> None:
    path = write("one.csv", HEADER + "1,alice,2024-01-01T10:00:00Z,hi,,,,\n")
    result = runner.invoke(app, ["import", "posts-csv", str(path), "--case", str(tmp_path / "c.duckdb")])
    assert "1 post loaded" in result.output and "1 new account " in result.output
    info = runner.invoke(app, ["info", "--case", str(tmp_path / "c.duckdb")])
    assert "1 post by 1 account, 0 quarantined records, 0 findings" in info.output


def test_ctrl_c_says_so_and_exits_130(tmp_path, write, monkeypatch) -> None:
    path = write("posts.csv", HEADER + "1,alice,2024-01-01T10:00:00Z,hi,,,,\n")
    case = tmp_path / "c.duckdb"
    with Case.open(case):
        pass

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("unmask.ingest.import_files", interrupted)
    result = runner.invoke(app, ["import", "posts-csv", str(path), "--case", str(case)])
    assert result.exit_code == 130
    assert result.stderr.strip() == "interrupted; the case is unchanged"


def test_gzipped_imports_count_bytes_without_a_false_total(tmp_path) -> None:
    path = tmp_path / "posts.csv.gz"
    path.write_bytes(gzip.compress((HEADER + "1,alice,2024-01-01T10:00:00Z,hi,,,,\n").encode()))
    assert cli._size(path) is None and cli._size(tmp_path) is None
    result = terminal.invoke(app, ["import", "posts-csv", str(path), "--case", str(tmp_path / "c.duckdb")])
    assert result.exit_code == 0, result.output
    assert "read (decompressed)" in result.stderr and "/" not in result.stderr.split("importing")[-1]


def _coordination_case(tmp_path: Path) -> Path:
    rows = "".join(
        f"{i},acc{i % 5},2024-01-01T10:{i % 60:02d}:00Z,text {i} http://x.example/{i % 7},,,,\n"
        for i in range(60)
    )
    path = tmp_path / "posts.csv"
    path.write_text(HEADER + rows)
    case = tmp_path / "c.duckdb"
    assert runner.invoke(app, ["import", "posts-csv", str(path), "--case", str(case)]).exit_code == 0
    return case


def test_progress_shows_on_a_terminal_only_and_never_with_json(tmp_path) -> None:
    case = _coordination_case(tmp_path)
    args = ["coordination", "--case", str(case), "--window", "60", "--kinds", "link"]
    shown = terminal.invoke(app, [*args, "--out", str(tmp_path / "a")])
    assert shown.exit_code == 0, shown.output
    assert shown.stderr  # the spinner (cleared when done)
    for runner_, extra in ((runner, []), (terminal, ["--json"])):
        quiet = runner_.invoke(app, [*args, "--out", str(tmp_path / "b"), *extra])
        assert quiet.exit_code == 0 and quiet.stderr == ""


def test_engines_report_their_stages(tmp_path) -> None:
    from unmask.coordination import Coordination

    case = _coordination_case(tmp_path)
    stages: list[str] = []
    with Case.open(case) as c:
        Coordination(kinds=("link", "near_text"), window=60).fit(c, on_stage=stages.append)
    assert "coordination: link: actions (kind 1 of 2)" in stages
    assert "coordination: near_text: similar texts (kind 2 of 2)" in stages
    assert stages[-1].startswith("coordination: networks")


def test_attribution_reports_its_stages(tmp_path) -> None:
    from unmask.attribution.engine import run
    from unmask.ingest import import_files

    path = tmp_path / "ads.jsonl"
    path.write_text('{"id": "1", "page_id": "7000000001", "page_name": "A Page", "bylines": "Someone"}\n')
    stages: list[str] = []
    with Case.open(tmp_path / "c.duckdb") as c:
        import_files(c, "meta-ads", [path])
        run(c, on_stage=stages.append)
    assert stages[:2] == ["attribution: reading records", "attribution: resolving names"]
    assert any(s.startswith("attribution: linking") for s in stages)


def test_output_paths_fail_in_one_line_before_any_work(tmp_path) -> None:
    case = _coordination_case(tmp_path)
    regular = tmp_path / "posts.csv"
    cases = [
        (["coordination", "--out", str(regular / "out")], "is a file, not a folder"),
        (["report", "--out", str(tmp_path)], "is a folder: give a file name"),
        (["export", "ftm", "--out", str(tmp_path / "no" / "such" / "e.jsonl")], "does not exist"),
        (["export", "gexf", "--out", str(tmp_path / "no" / "such" / "g.gexf")], "does not exist"),
    ]
    for args, message in cases:
        result = runner.invoke(app, [*args, "--case", str(case)])
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "no").exists()


def test_a_case_in_use_is_one_line(tmp_path) -> None:
    case = tmp_path / "c.duckdb"
    with Case.open(case):
        pass
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"from unmask.case import Case; c = Case.open({str(case)!r}); print('ready', flush=True); "
            "input()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        result = runner.invoke(app, ["info", "--case", str(case)])
    finally:
        holder.communicate("\n", timeout=30)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert f"another unmask (PID {holder.pid}) is using {case}" in result.stderr


def test_ctrl_c_inside_duckdb_is_still_an_interrupt(tmp_path, write, monkeypatch) -> None:
    # DuckDB reports a KeyboardInterrupt raised while it reads Python data as an error of its own.
    import signal

    import duckdb

    posts = write("p.csv", "post_id,account_id,created_at\n1,a,2024-01-01T00:00:00Z\n")

    def interrupted_inside_duckdb(*args, **kwargs):
        try:
            signal.raise_signal(signal.SIGINT)
        except KeyboardInterrupt:
            raise duckdb.InvalidInputException("exporting a stream failed: KeyboardInterrupt") from None

    monkeypatch.setattr("unmask.ingest.import_files", interrupted_inside_duckdb)
    result = CliRunner().invoke(
        app, ["import", "posts-csv", str(posts), "--case", str(tmp_path / "c.duckdb")]
    )
    assert result.exit_code == 130
    assert result.stderr.strip() == "interrupted; the case is unchanged"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_sigterm_cleans_up_and_leaves_the_case_unchanged(tmp_path, write, monkeypatch) -> None:
    """A scheduler's stop (SIGTERM) in the middle of coordination: one line, exit 143, the run's scratch
    database deleted (the default SIGTERM would leave it in the temporary folder), the case as it was."""
    import signal

    import duckdb

    from unmask import case as case_module

    posts = write("p.csv", "post_id,account_id,created_at\n1,a,2024-01-01T00:00:00Z\n")
    case = tmp_path / "c.duckdb"
    assert CliRunner().invoke(app, ["import", "posts-csv", str(posts), "--case", str(case)]).exit_code == 0
    scratch = tmp_path / "scratch"
    monkeypatch.setattr(case_module, "SCRATCH_ROOT", scratch)
    seen: list[list[str]] = []

    def stopped(*args, **kwargs):
        seen.append([p.name for p in scratch.iterdir()])
        signal.raise_signal(signal.SIGTERM)

    monkeypatch.setattr("unmask.coordination.detector._posts_view", stopped)
    result = CliRunner().invoke(app, ["coordination", "--case", str(case), "--out", str(tmp_path / "o")])
    assert result.exit_code == 143
    assert result.stderr.strip() == "terminated; the case is unchanged"
    assert seen and seen[0], "the run's scratch database existed when it was stopped"
    assert not scratch.exists() or not any(scratch.iterdir())
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    with duckdb.connect(str(case), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchall() == [(0,)]
