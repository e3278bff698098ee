"""posts-csv: CSV, TSV and JSON Lines; every bad-input class; re-import; atomicity."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import case_contents, quarantined
from unmask.case import Case
from unmask.errors import FormatError, OptionError
from unmask.ingest import import_files

HEADER = "post_id,account_id,created_at,text,shared_post_id,reply_to_post_id,urls,hashtags\n"


def posts(case: Case, columns: str = "post_id, account_id, created_at") -> list[tuple]:
    return case.con.execute(f"SELECT {columns} FROM posts ORDER BY record_no").fetchall()


def test_every_column_maps(case: Case, write) -> None:
    path = write(
        "p.csv",
        HEADER + '1,alice,2024-01-01T10:00:00Z,"Hello #World @Bob",,,'
        '"https://WWW.x.example/?utm_source=1 http://y.example",Foo\n'
        "2,bob,2024-01-01T10:00:05+02:00,RT,1,,,\n"
        "3,carol,1704103200,reply,,1,,\n",
    )
    [result] = import_files(case, "posts-csv", [path])
    assert (result.loaded, result.quarantined) == (3, 0)
    rows = posts(
        case,
        "post_id, account_id, created_at, text, shared_post_id, reply_to_post_id, urls, "
        "urls_original, hashtags, mentions, platform, source_id, record_no",
    )
    assert rows[0] == (
        "1",
        "alice",
        datetime(2024, 1, 1, 10, tzinfo=UTC),
        "Hello #World @Bob",
        None,
        None,
        ["https://x.example/", "http://y.example/"],
        ["https://WWW.x.example/?utm_source=1", "http://y.example"],
        ["foo"],
        ["bob"],
        "generic",
        1,
        1,
    )
    assert rows[1][2] == datetime(2024, 1, 1, 8, 0, 5, tzinfo=UTC)  # +02:00 converted to UTC
    assert rows[1][4] == "1" and rows[1][6] == []  # an empty urls column means "none"
    assert rows[2][2] == datetime(2024, 1, 1, 10, tzinfo=UTC) and rows[2][5] == "1"  # epoch seconds
    assert case.scalar("SELECT count(*) FROM accounts") == 3


def test_entities_are_extracted_from_text_when_the_columns_are_absent(case: Case, write) -> None:
    path = write(
        "p.csv",
        "post_id,account_id,created_at,text\n"
        '1,a,2024-01-01T10:00:00Z,"#One and #two, see https://x.example/a?fbclid=3 cc @Zed"\n',
    )
    import_files(case, "posts-csv", [path])
    assert posts(case, "hashtags, urls, mentions") == [(["one", "two"], ["https://x.example/a"], ["zed"])]


def test_naive_timestamps_use_the_timezone_and_say_so(case: Case, write) -> None:
    path = write("p.csv", HEADER + "1,a,2024-07-01 12:00:00,x,,,,\n2,b,2024-07-01T12:00:00Z,y,,,,\n")
    [result] = import_files(case, "posts-csv", [path], timezone="Europe/Berlin")
    assert posts(case, "created_at") == [
        (datetime(2024, 7, 1, 10, tzinfo=UTC),),
        (datetime(2024, 7, 1, 12, tzinfo=UTC),),
    ]
    assert result.naive_timestamps == 1
    assert any("read as Europe/Berlin" in n for n in result.notes)


def test_unknown_timezone_is_an_option_error(case: Case, write) -> None:
    with pytest.raises(OptionError, match="Mars/Olympus"):
        import_files(case, "posts-csv", [write("p.csv", HEADER)], timezone="Mars/Olympus")


def test_tsv_and_mapping(case: Case, write) -> None:
    path = write("p.tsv", "tweet_id\tuser\ttime\tbody\n9\tu1\t2024-01-01T00:00:00Z\thi\n")
    import_files(
        case,
        "posts-csv",
        [path],
        mapping={"post_id": "tweet_id", "account_id": "user", "created_at": "time", "text": "body"},
    )
    assert posts(case, "post_id, account_id, text") == [("9", "u1", "hi")]


def test_jsonl(case: Case, write) -> None:
    path = write(
        "p.jsonl",
        '{"post_id": 1, "account_id": "a", "created_at": 1704103200, "hashtags": ["X"]}\n'
        "\n"
        '{"post_id": "2", "account_id": "b", "created_at": "2024-01-01T10:00:00Z", "urls": "u v"}\n'
        "not json\n"
        '["a list"]\n'
        '{"post_id": "5", "account_id": {"nested": 1}, "created_at": "2024-01-01T10:00:00Z"}\n',
    )
    [result] = import_files(case, "posts-csv", [path])
    assert (result.loaded, result.quarantined) == (2, 3)
    assert posts(case, "post_id, hashtags, urls") == [("1", ["x"], []), ("2", [], ["u", "v"])]
    q = quarantined(case)
    assert [(r[0], r[1]) for r in q] == [(3, 4), (4, 5), (5, 6)]
    assert q[0][3].startswith("invalid JSON") and q[1][3] == "not a JSON object"
    assert q[2][2:] == ("account_id", "field 'account_id' has an unexpected type")


# -- bad records: quarantined with reason and line; the rest loads ------------------------------------------


def test_each_bad_record_class_is_quarantined_with_its_line(case: Case, write) -> None:
    path = write(
        "p.csv",
        HEADER
        + "1,a,2024-01-01T10:00:00Z,fine,,,,\n"  # line 2
        + "2,a,not a time,x,,,,\n"  # line 3: unparseable timestamp
        + ",a,2024-01-01T10:00:00Z,x,,,,\n"  # line 4: missing post id
        + "4,,2024-01-01T10:00:00Z,x,,,,\n"  # line 5: missing account id
        + "5,a,2024-01-01T10:00:00Z,x,,,\n"  # line 6: wrong field count
        + '6,a,2024-01-01T10:00:00Z,"two\nlines",,,,\n'  # lines 7-8: fine
        + "1,b,2024-01-01T10:00:00Z,dup,,,,\n"  # line 9: duplicate post id
        + "8,a,,x,,,,\n"  # line 10: missing timestamp
        + "9,a,1890-01-01T00:00:00Z,x,,,,\n"  # line 11: out of range
        + '10,a,2024-01-01T10:00:00Z,"cut off',
    )  # line 12: truncated last record
    [result] = import_files(case, "posts-csv", [path])
    assert (result.loaded, result.quarantined) == (2, 8)
    assert quarantined(case) == [
        (2, 3, "created_at", 'unparseable timestamp "not a time"'),
        (3, 4, "post_id", "missing post id"),
        (4, 5, "account_id", "missing account id"),
        (5, 6, None, "wrong field count: expected 8, found 7"),
        (7, 9, "post_id", "duplicate post id: first at record 1 of this file"),
        (8, 10, "created_at", "missing timestamp"),
        (9, 11, "created_at", 'timestamp out of range "1890-01-01T00:00:00Z"'),
        (10, 12, None, "truncated record: the file ends inside it (wrong field count: expected 8, found 4)"),
    ]
    raw = case.con.execute("SELECT raw FROM quarantine WHERE record_no = 2").fetchall()[0][0]
    assert raw == "2,a,not a time,x,,,,\n"
    assert result.reasons["unparseable timestamp"] == 1


def test_invalid_utf8_quarantines_one_record(case: Case, write) -> None:
    path = write(
        "p.csv",
        (HEADER + "1,a,2024-01-01T10:00:00Z,ok,,,,\n").encode()
        + b"2,a,2024-01-01T10:00:00Z,caf\xe9,,,,\n"
        + b"3,a,2024-01-01T10:00:00Z,ok,,,,\n",
    )
    [result] = import_files(case, "posts-csv", [path])
    assert (result.loaded, result.quarantined) == (2, 1)
    assert quarantined(case) == [(2, 3, None, "invalid UTF-8: on line 3")]


def test_duplicate_against_the_case(case: Case, write) -> None:
    import_files(case, "posts-csv", [write("a.csv", HEADER + "1,a,2024-01-01T10:00:00Z,x,,,,\n")])
    [result] = import_files(case, "posts-csv", [write("b.csv", HEADER + "1,a,2024-01-01T10:00:00Z,y,,,,\n")])
    assert result.quarantined == 1
    assert quarantined(case)[0][3] == "duplicate post id: already in the case from source 1 record 1"


# -- bad files: exit 2 with file, line and field; the case unchanged -----------------------------------------


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", r"p\.csv, line 3: not a text file \(a NUL byte at offset 8\)"),
        ("post_id|account_id\n", r"line 1, field 'created_at': required column missing"),
        ("just one column\nvalue\n", r"line 1: the header line has one column only"),
        ("post_id;account_id;created_at\n", None),  # a semicolon file is sniffed and loads
    ],
)
def test_unreadable_files_raise_format_error(case: Case, write, content, match) -> None:
    path = write("p.csv", content)
    if match is None:
        import_files(case, "posts-csv", [path])
        return
    with pytest.raises(FormatError, match=match):
        import_files(case, "posts-csv", [path])
    assert case.scalar("SELECT count(*) FROM sources") == 0


def test_mapping_names_the_column_it_could_not_find(case: Case, write) -> None:
    with pytest.raises(FormatError, match=r"field 'tweet_id': required column missing \(read as 'post_id'"):
        import_files(case, "posts-csv", [write("p.csv", HEADER)], mapping={"post_id": "tweet_id"})


def test_missing_file(case: Case, tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="no such file"):
        import_files(case, "posts-csv", [tmp_path / "nope.csv"])


def test_unknown_format(case: Case, write) -> None:
    with pytest.raises(OptionError, match="unknown format 'tiktok'"):
        import_files(case, "tiktok", [write("p.csv", HEADER)])


def test_a_failing_file_leaves_the_case_as_it_was(case: Case, write) -> None:
    import_files(case, "posts-csv", [write("first.csv", HEADER + "1,a,2024-01-01T10:00:00Z,x,,,,\n")])
    before = case_contents(case)
    good = write("good.csv", HEADER + "2,a,2024-01-01T10:00:00Z,x,,,,\n")
    bad = write("bad.csv", b"\x00binary")
    with pytest.raises(FormatError):
        import_files(case, "posts-csv", [good, bad])  # one command, one transaction
    assert case_contents(case) == before


def test_reimport_changes_nothing(case: Case, write) -> None:
    path = write("p.csv", HEADER + "1,a,2024-01-01T10:00:00Z,x,,,,\n2,a,bad,x,,,,\n")
    import_files(case, "posts-csv", [path])
    before = case_contents(case)
    [again] = import_files(case, "posts-csv", [path])
    assert again.skipped and "nothing changed" in again.notes[0]
    assert case_contents(case) == before
    # The same bytes under another name are the same file.
    copy = write("copy.csv", path.read_bytes())
    [third] = import_files(case, "posts-csv", [copy])
    assert third.skipped and case_contents(case) == before


def test_gzipped_csv(case: Case, write) -> None:
    import gzip

    path = write("p.csv.gz", gzip.compress((HEADER + "1,a,2024-01-01T10:00:00Z,x,,,,\n").encode()))
    [result] = import_files(case, "posts-csv", [path])
    assert result.loaded == 1


def test_a_runaway_quoted_field_is_bounded(case: Case, write, monkeypatch) -> None:
    import csv
    import sys

    from unmask.ingest import textfile

    # The csv module's limit is process-wide and others raise it (followthemoney: 30 MiB): unmask's holds.
    monkeypatch.setattr(textfile, "MAX_RECORD_CHARS", 1000)
    old = csv.field_size_limit(sys.maxsize)
    try:
        path = write(
            "p.csv",
            HEADER + '1,a,2024-01-01T10:00:00Z,"' + "x" * 5000 + "\n" + "2,a,2024-01-01T10:00:00Z,ok,,,,\n",
        )
        [result] = import_files(case, "posts-csv", [path])
    finally:
        csv.field_size_limit(old)
    assert (result.loaded, result.quarantined) == (1, 1)
    [(record_no, line_no, _field, reason)] = quarantined(case)
    assert (record_no, line_no) == (1, 2)
    assert reason.startswith("record longer than 1,000 characters (a quoted field that does not end?)")


def test_a_lone_carriage_return_in_an_unquoted_field_is_quarantined(case: Case, write) -> None:
    path = write("p.csv", HEADER + "1,a,2024-01-01T10:00:00Z,x\ry,,,,\n2,a,2024-01-01T10:00:00Z,ok,,,,\n")
    [result] = import_files(case, "posts-csv", [path])
    assert (result.loaded, result.quarantined) == (1, 1)
    assert quarantined(case)[0][3].startswith("unreadable record: new-line character seen in unquoted field")
