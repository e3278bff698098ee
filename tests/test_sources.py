"""Sources: importing a file the case holds as another format or with other options, listing sources,
removing one with everything that rests on it; where a source file is; --timezone as a UTC offset."""

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import case_contents
from unmask.attribution.state import data_state
from unmask.case import Case
from unmask.errors import OptionError
from unmask.findings import Evidence, Finding, read_findings, write_findings
from unmask.ingest import import_files
from unmask.sources import list_sources, remove_source

HEADER = "post_id,account_id,created_at,text,handle\n"


def finding(subject: str, *evidence: Evidence) -> Finding:
    return Finding(
        kind="coordinated-network",
        claim=f"{subject} acts with others",
        confidence=0.9,
        subjects=[subject],
        method="test.method",
        method_version="1",
        evidence=list(evidence),
    )


# -- importing a file the case holds ----------------------------------------------------------------------


def test_the_same_file_as_another_format_is_refused(case: Case, write) -> None:
    path = write("p.csv", HEADER + "1,a,2024-01-01T10:00:00Z,x,alice\n")
    import_files(case, "posts-csv", [path])
    before = case_contents(case)
    with pytest.raises(OptionError) as raised:
        import_files(case, "coortweet", [path])
    assert str(raised.value) == (
        f"{path}: already imported as source 1 (posts-csv): to import it as coortweet, first remove it with "
        "`unmask sources remove 1`"
    )
    assert case_contents(case) == before


@pytest.mark.parametrize(
    ("first", "again", "said"),
    [
        (
            {},
            {"timezone": "Europe/Berlin"},
            "(posts-csv): to import it as posts-csv with --timezone Europe/Berlin",
        ),
        (
            {"timezone": "Europe/Berlin"},
            {"timezone": "+03:00"},
            "(posts-csv, --timezone Europe/Berlin): to import it as posts-csv with --timezone GMT+03:00",
        ),
        # Stating UTC is not assuming it: time-of-day analyses trust the one and not the other.
        ({}, {"timezone": "UTC"}, "(posts-csv): to import it as posts-csv with --timezone UTC"),
        (
            {"mapping": {"text": "body"}},
            {"mapping": {"text": "other"}},
            "(posts-csv, --map text=body): to import it as posts-csv with --map text=other",
        ),
        ({}, {"as_of": "2024-05-01"}, "(posts-csv): to import it as posts-csv with --as-of 2024-05-01"),
    ],
)
def test_the_same_file_with_other_options_is_refused(case: Case, write, first, again, said) -> None:
    path = write("p.csv", "post_id,account_id,created_at,text,body,other\n1,a,2024-01-01 10:00,x,y,z\n")
    import_files(case, "posts-csv", [path], **first)
    before = case_contents(case)
    with pytest.raises(OptionError, match="already imported as source 1 ") as raised:
        import_files(case, "posts-csv", [path], **again)
    assert said in str(raised.value)
    assert str(raised.value).endswith("first remove it with `unmask sources remove 1`")
    assert case_contents(case) == before


def test_the_same_file_with_the_same_options_changes_nothing(case: Case, write) -> None:
    path = write("p.csv", "post_id,account_id,created_at,text,body\n1,a,2024-01-01 10:00,x,y\n")
    options = {"timezone": "+03:00", "mapping": {"text": "body"}}
    import_files(case, "posts-csv", [path], **options)
    before = case_contents(case)
    [same] = import_files(case, "posts-csv", [path], timezone="+0300", mapping={"text": "body"})
    # Options not given ask for nothing (persona --docs imports without them): the source is reused.
    [unsaid] = import_files(case, "posts-csv", [path])
    assert same.skipped and unsaid.skipped
    assert unsaid.notes == [
        "already imported as source 1 (posts-csv, --timezone GMT+03:00, --map text=body): nothing changed"
    ]
    assert case_contents(case) == before


def test_after_removal_the_file_imports_as_another_format(case: Case, write) -> None:
    path = write("p.csv", HEADER + "1,a,2024-01-01 10:00,x,alice\n")
    import_files(case, "posts-csv", [path])
    remove_source(case, 1, by="tester")
    [again] = import_files(case, "posts-csv", [path], timezone="+03:00")
    assert (again.source_id, again.skipped, again.loaded) == (2, False, 1)  # ids are never reused
    assert case.scalar("SELECT created_at FROM posts") == datetime(2024, 1, 1, 7, 0, tzinfo=UTC)


# -- listing ------------------------------------------------------------------------------------------


def test_list_sources_says_where_each_file_is(case: Case, write, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write("p.csv", HEADER + "1,a,2024-01-01T10:00:00Z,x,alice\n2,a,bad,y,alice\n")
    import_files(case, "posts-csv", ["p.csv"], timezone="UTC")  # as typed: relative to the working folder
    # A source imported before schema 4 has no absolute path.
    case.con.execute("INSERT INTO sources (path, sha256, format) VALUES ('gone.csv', 'old', 'posts-csv')")
    monkeypatch.chdir(tmp_path.parent)
    [first, old] = list_sources(case)
    assert first["path"] == "p.csv" and first["abs_path"] == str(tmp_path / "p.csv")
    assert (first["found_at"], first["exists"]) == (str(tmp_path / "p.csv"), True)
    assert (first["format"], first["rows_loaded"], first["rows_quarantined"]) == ("posts-csv", 1, 1)
    assert first["options"]["timezone_stated"] and first["imported_at"] is not None
    assert (old["abs_path"], old["found_at"], old["exists"]) == (None, None, False)
    (tmp_path / "p.csv").unlink()
    assert list_sources(case)[0]["exists"] is False


# -- removing -----------------------------------------------------------------------------------------


@pytest.fixture
def two_sources(case: Case, write) -> Case:
    """Source 1: alice (posts 1, 2) and bob (post 3). Source 2: alice again (post 4) and post 1 again,
    quarantined as a duplicate of source 1's. Findings: one on evidence of both sources, one on source 2
    only, one on a derived statistic only."""
    import_files(
        case,
        "posts-csv",
        [
            write(
                "a.csv",
                HEADER + "1,alice,2024-01-01T10:00:00Z,x,al\n2,alice,2024-01-01T11:00:00Z,y,al\n"
                "3,bob,2024-01-01T12:00:00Z,z,bo\n",
            ),
            write(
                "b.csv", HEADER + "4,alice,2024-01-02T10:00:00Z,w,al2\n1,alice,2024-01-01T10:00:00Z,x,al\n"
            ),
        ],
    )
    write_findings(
        case,
        [
            finding("both", Evidence(1, 1, "posts"), Evidence(2, 1, "posts"), Evidence(None, None, None)),
            finding("second", Evidence(2, 1, "posts")),
            finding("derived", Evidence(None, None, None, {"p": 0.01})),
        ],
    )
    return case


def test_remove_source_takes_its_rows_and_the_findings_resting_on_it(two_sources: Case) -> None:
    case = two_sources
    removed = remove_source(case, 1, by="analyst")
    assert removed["rows"]["posts"] == 3 and removed["rows"]["accounts"] == 1  # bob; alice is kept
    assert removed["rows"]["evidence"] == 3  # all of the removed finding's evidence
    assert (removed["findings"], removed["accounts_kept"], removed["duplicates_elsewhere"]) == (1, 1, 1)
    assert removed["format"] == "posts-csv" and removed["path"].endswith("a.csv")
    assert case.scalar("SELECT list(post_id ORDER BY post_id) FROM posts") == ["4"]
    assert sorted(f.subjects[0] for f in read_findings(case)) == ["derived", "second"]
    assert case.scalar("SELECT count(*) FROM evidence WHERE source_id = 1") == 0
    assert case.scalar("SELECT list(source_id) FROM sources") == [2]
    # alice posts in source 2: she stays, first seen there now, without what only source 1 said of her.
    assert case.query("SELECT * EXCLUDE (platform) FROM accounts") == [
        {
            "account_id": "alice",
            "handle": None,
            "display_name": None,
            "profile": None,
            "source_id": 2,
            "record_no": 1,
        }
    ]
    # The duplicate of post 1 in source 2 stays quarantined: it is said, not silently loaded.
    assert case.scalar("SELECT count(*) FROM quarantine WHERE source_id = 2") == 1


def test_the_removal_is_recorded(two_sources: Case) -> None:
    sha = two_sources.scalar("SELECT sha256 FROM sources WHERE source_id = 1")
    removed = remove_source(two_sources, 1, by="analyst")
    [row] = two_sources.query("SELECT * FROM source_removals")
    assert (row["source_id"], row["sha256"], row["format"], row["removed_by"]) == (
        1,
        sha,
        "posts-csv",
        "analyst",
    )
    assert json.loads(row["rows_removed"]) == removed["rows"]
    assert row["findings_removed"] == 1 and row["removed_at"] is not None
    assert row["abs_path"] == os.path.abspath(row["path"])


def test_unknown_source_and_no_remover_are_option_errors(two_sources: Case) -> None:
    before = case_contents(two_sources)
    with pytest.raises(OptionError, match=r"no source 9 in .*\(see `unmask sources`\)"):
        remove_source(two_sources, 9, by="analyst")
    with pytest.raises(OptionError, match="say who removes"):
        remove_source(two_sources, 1, by=" ")
    assert case_contents(two_sources) == before


def test_every_table_with_source_id_is_covered(two_sources: Case) -> None:
    # A table a later schema adds is found from the catalogue, not from a list.
    two_sources.con.execute(
        "CREATE TABLE later_rows AS SELECT * FROM (VALUES (1, 'a'), (2, 'b')) t(source_id, x)"
    )
    removed = remove_source(two_sources, 1, by="analyst")
    assert removed["rows"]["later_rows"] == 1
    assert set(removed["rows"]) >= {"posts", "accounts", "quarantine", "documents", "statements", "links"}
    assert two_sources.scalar("SELECT list(source_id) FROM later_rows") == [2]


def test_removal_is_one_transaction(two_sources: Case, monkeypatch) -> None:
    before = case_contents(two_sources)

    def broken(con, source_id):
        raise RuntimeError("disk full")

    monkeypatch.setattr("unmask.sources._duplicates_elsewhere", broken)
    with pytest.raises(RuntimeError):
        remove_source(two_sources, 1, by="analyst")
    assert case_contents(two_sources) == before


def test_removing_records_changes_what_attribution_last_saw(case: Case, write) -> None:
    case.con.execute("INSERT INTO sources (path, sha256, format) VALUES ('r.json', 'r', 'meta-ads')")
    case.con.execute("INSERT INTO statements VALUES ('e1', 'Organization', 'name', 'Acme', 1, 1)")
    case.con.execute(
        "INSERT INTO links (from_id, to_id, relation, kind, source_id, record_no)"
        " VALUES ('e1', 'e2', 'paid for', 'record', 1, 1)"
    )
    seen = data_state(case)
    removed = remove_source(case, 1, by="analyst")
    assert (removed["rows"]["statements"], removed["rows"]["links"]) == (1, 1)
    assert data_state(case) != seen  # so attribution.engine.ensure runs again


# -- where a file is, and --timezone as an offset ----------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "stored", "utc_hour", "utc_minute"),
    [
        ("+03:00", "GMT+03:00", 9, 0),
        ("+3", "GMT+03:00", 9, 0),
        ("UTC+3", "GMT+03:00", 9, 0),
        ("-0530", "GMT-05:30", 17, 30),
        ("+05:45", "GMT+05:45", 6, 15),
        ("+00:00", "UTC", 12, 0),
        ("Europe/Berlin", "Europe/Berlin", 11, 0),
    ],
)
def test_timezone_as_utc_offset(case: Case, write, zone, stored, utc_hour, utc_minute) -> None:
    path = write("p.csv", HEADER + "1,a,2024-01-01 12:00:00,x,al\n")
    import_files(case, "posts-csv", [path], timezone=zone)
    assert case.scalar("SELECT created_at FROM posts") == datetime(
        2024, 1, 1, utc_hour, utc_minute, tzinfo=UTC
    )
    options = json.loads(case.scalar("SELECT options FROM sources"))
    assert (options["timezone"], options["timezone_stated"]) == (stored, True)


def test_documents_read_a_utc_offset_too(case: Case, write) -> None:
    doc = {"id": "d1", "byline": "A", "text": "words", "published_at": "2024-01-01 12:00"}
    import_files(case, "articles", [write("a.jsonl", json.dumps(doc) + "\n")], timezone="-05:30")
    assert case.scalar("SELECT published_at FROM documents") == datetime(2024, 1, 1, 17, 30, tzinfo=UTC)


@pytest.mark.parametrize("zone", ["+15:00", "+03:75", "3", "Mars/Olympus"])
def test_a_zone_that_is_neither_is_refused(case: Case, write, zone) -> None:
    with pytest.raises(OptionError, match=re.escape(f"--timezone '{zone}': ")):
        import_files(case, "posts-csv", [write("p.csv", HEADER)], timezone=zone)


def test_new_sources_keep_their_absolute_path(case: Case, write, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write("p.csv", HEADER + "1,a,2024-01-01T10:00:00Z,x,al\n")
    import_files(case, "posts-csv", ["p.csv"])
    assert case.query("SELECT path, abs_path FROM sources") == [
        {"path": "p.csv", "abs_path": str(tmp_path / "p.csv")}
    ]
