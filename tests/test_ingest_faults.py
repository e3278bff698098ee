"""Faults of the files themselves (issue 12): a gzip cut short, NUL bytes and UTF-16, reads that must stay
bounded whatever the file holds, and files of another format than the one asked for."""

from __future__ import annotations

import csv
import gzip
import json
import sys
import zlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import case_contents, quarantined
from unmask.case import Case
from unmask.cli import app
from unmask.errors import FormatError
from unmask.ingest import import_files, jsonstream, textfile

runner = CliRunner()
ENDS_EARLY = "the compressed file ends early"
POSTS_HEADER = "post_id,account_id,created_at,text\n"


# -- a gzip file cut short (an interrupted download) ---------------------------------------------------------


def cut_gzip(content: bytes, keep: int) -> tuple[bytes, bytes]:
    """A gzip of ``content`` cut where its readable content first reaches ``keep`` bytes: the cut file,
    and the content it still gives."""
    packed = gzip.compress(content, mtime=0)
    lo, hi = 20, len(packed) - 16
    while lo < hi:  # the shortest cut that gives at least `keep` bytes
        mid = (lo + hi) // 2
        if len(zlib.decompressobj(wbits=31).decompress(packed[:mid])) >= keep:
            hi = mid
        else:
            lo = mid + 1
    return packed[:lo], zlib.decompressobj(wbits=31).decompress(packed[:lo])


def posts_csv(rows: int) -> bytes:
    lines = [POSTS_HEADER] + [
        f"{i},acct{i % 97},2024-01-01T10:{i // 60 % 60:02d}:{i % 60:02d}Z,post {i} {'w' * (i % 40)}\n"
        for i in range(1, rows + 1)
    ]
    return "".join(lines).encode()


def coortweet_shares(rows: int) -> bytes:
    lines = ["object_id,account_id,content_id,timestamp_share\n"] + [
        f"obj{i % 300},acct{i % 97},post{i},{1_600_000_000 + i * 7}\n" for i in range(1, rows + 1)
    ]
    return "".join(lines).encode()


def ads_jsonl(rows: int) -> bytes:
    ads = (
        {
            "id": f"ad{i}",
            "page_id": f"{1000 + i % 50}",
            "page_name": f"Page {i % 50}",
            "bylines": f"Payer {i % 7}",
        }
        for i in range(1, rows + 1)
    )
    return "".join(json.dumps(ad) + "\n" for ad in ads).encode()


def telegram_json(messages: int) -> bytes:
    export = {
        "name": "Channel",
        "type": "public_channel",
        "id": 777,
        "messages": [
            {
                "id": i,
                "type": "message",
                "date_unixtime": str(1_700_000_000 + i),
                "from": "Channel",
                "from_id": "channel777",
                "text": f"message {i} " + "words " * (i % 30),
            }
            for i in range(1, messages + 1)
        ],
    }
    return json.dumps(export, indent=1).encode()


# (format, file name, content of about 2 MB): a CSV, JSON Lines (json_records), a JSON document (JsonStream)
CUT_FORMATS = [
    ("posts-csv", "posts.csv", lambda: posts_csv(40_000)),
    ("coortweet", "shares.csv", lambda: coortweet_shares(40_000)),
    ("meta-ads", "ads.jsonl", lambda: ads_jsonl(25_000)),
    ("telegram", "result.json", lambda: telegram_json(12_000)),
]


@pytest.mark.parametrize("keep", [20_000, 1_000_000], ids=["early", "late"])
@pytest.mark.parametrize(("format", "name", "make"), CUT_FORMATS, ids=[f[0] for f in CUT_FORMATS])
def test_a_cut_gzip_loads_what_came_before_the_cut(tmp_path: Path, format, name, make, keep) -> None:
    content = make()
    assert len(content) > keep + 100_000
    packed, readable = cut_gzip(content, keep)
    assert not readable.endswith(b"\n")  # the cut falls inside a record
    (tmp_path / f"{name}.gz").write_bytes(packed)
    (tmp_path / name).write_bytes(readable)  # the same cut, uncompressed: what it must do alike
    with Case.open(tmp_path / "gz.duckdb") as case:
        [result] = import_files(case, format, [tmp_path / f"{name}.gz"])
        reasons = [row[3] for row in quarantined(case)]
    with Case.open(tmp_path / "plain.duckdb") as case:
        [plain] = import_files(case, format, [tmp_path / name])
    assert result.loaded > 0 and result.quarantined == 1
    assert (result.loaded, result.quarantined) == (plain.loaded, plain.quarantined)
    [reason] = reasons
    assert reason.startswith("truncated record: " + ENDS_EARLY), reason
    assert any(note.startswith(ENDS_EARLY) for note in result.notes), result.notes


def test_a_cut_gzip_csv_keeps_every_complete_row(case: Case, tmp_path: Path) -> None:
    packed, readable = cut_gzip(posts_csv(40_000), 1_000_000)
    path = tmp_path / "posts.csv.gz"
    path.write_bytes(packed)
    [result] = import_files(case, "posts-csv", [path])
    complete = readable.count(b"\n") - 1  # the header is no post
    assert (result.loaded, result.quarantined) == (complete, 1)
    [(record_no, line_no, _field, _reason)] = quarantined(case)
    assert (record_no, line_no) == (complete + 1, complete + 2)


def test_a_cut_row_with_all_its_fields_is_still_cut(case: Case, tmp_path: Path) -> None:
    # The cut falls inside the last field: the field count is right, but the text is not all there.
    content = (POSTS_HEADER + "1,a,2024-01-01T10:00:00Z,complete\n2,a,2024-01-01T10:00:01Z,cut her").encode()
    packed, readable = cut_gzip(content + b"e" * 5000 + b"\n", len(content) + 100)
    path = tmp_path / "posts.csv.gz"
    path.write_bytes(packed)
    assert readable.startswith(content) and not readable.endswith(b"\n")
    [result] = import_files(case, "posts-csv", [path])
    assert (result.loaded, result.quarantined) == (1, 1)
    assert quarantined(case)[0][3].startswith("truncated record: " + ENDS_EARLY)


def test_a_cut_gzip_through_the_cli_exits_0_and_says_so(tmp_path: Path) -> None:
    packed, _ = cut_gzip(posts_csv(40_000), 500_000)
    path = tmp_path / "posts.csv.gz"
    path.write_bytes(packed)
    out = runner.invoke(app, ["import", "posts-csv", str(path), "--case", str(tmp_path / "c.duckdb")])
    assert out.exit_code == 0, out.output
    assert ENDS_EARLY in " ".join(out.output.split())


def test_a_cut_gzip_fec_bulk_file(case: Case, tmp_path: Path) -> None:
    line = (
        "C00384818|N|M2|P|201702039042412112|15|IND|ABBOTT JR, JOSEPH|WOONSOCKET|RI|028956146|RETIRED|"
        "RETIRED|01122017|250||2017020211435-{n}|1147467|||40208201713700{n:05d}\n"
    )
    content = "".join(line.format(n=n) for n in range(20_000)).encode()
    packed, readable = cut_gzip(content, 1_000_000)
    path = tmp_path / "itcont.txt.gz"
    path.write_bytes(packed)
    [result] = import_files(case, "fec", [path])
    assert (result.loaded, result.quarantined) == (readable.count(b"\n"), 1)
    assert quarantined(case)[0][3].startswith("truncated record: " + ENDS_EARLY)
    assert any(note.startswith(ENDS_EARLY) for note in result.notes)


def test_a_cut_gzip_document_in_a_folder_of_articles_is_quarantined(case: Case, tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "metadata.csv").write_text("file,byline\nwhole.txt.gz,Ann\ncut.txt.gz,Ann\n")
    (folder / "whole.txt.gz").write_bytes(gzip.compress(b"All of it."))
    (folder / "cut.txt.gz").write_bytes(cut_gzip(b"word " * 20_000, 50_000)[0])
    [result] = import_files(case, "articles", [folder])
    assert (result.loaded, result.quarantined) == (1, 1)
    assert quarantined(case) == [(2, 3, "file", f'truncated file: {ENDS_EARLY} ("cut.txt.gz")')]


def test_a_damaged_gzip_is_refused(case: Case, tmp_path: Path) -> None:
    packed = bytearray(gzip.compress(posts_csv(2000)))
    packed[len(packed) // 2 : len(packed) // 2 + 64] = b"\xff" * 64
    path = tmp_path / "posts.csv.gz"
    path.write_bytes(bytes(packed))
    with pytest.raises(FormatError, match=r"posts\.csv\.gz: cannot read the compressed file"):
        import_files(case, "posts-csv", [path])
    assert case.scalar("SELECT count(*) FROM sources") == 0


# -- NUL bytes and UTF-16 ------------------------------------------------------------------------------------


def test_a_nul_in_one_field_quarantines_that_record(case: Case, write) -> None:
    path = write(
        "p.csv",
        POSTS_HEADER.encode()
        + b"1,a,2024-01-01T10:00:00Z,fine\n"
        + b"2,a,2024-01-01T10:00:01Z,he\x00llo\n"
        + b"3,a,2024-01-01T10:00:02Z,fine too\n",
    )
    [result] = import_files(case, "posts-csv", [path])
    assert (result.loaded, result.quarantined) == (2, 1)
    assert quarantined(case) == [(2, 3, None, "a NUL byte on line 3: binary data inside a text record")]
    assert case.scalar("SELECT raw FROM quarantine") == "2,a,2024-01-01T10:00:01Z,he\x00llo\n"


def test_a_nul_in_a_json_record_quarantines_that_record(case: Case, write) -> None:
    line = json.dumps({"post_id": "2", "account_id": "a", "created_at": "2024-01-01T10:00:00Z", "text": "x"})
    path = write(
        "p.jsonl",
        (line.replace('"2"', '"1"') + "\n" + line.replace('"x"', '"\x00"') + "\n").encode(),
    )
    [result] = import_files(case, "posts-csv", [path])
    assert (result.loaded, result.quarantined) == (1, 1)
    assert quarantined(case)[0][3] == "a NUL byte on line 2: binary data inside a text record"


def test_a_nul_in_a_message_of_a_json_document_is_named(case: Case, tmp_path: Path) -> None:
    text = telegram_json(3).decode().replace("message 2 ", "message\x00 2 ")
    path = tmp_path / "result.json"
    path.write_text(text, encoding="utf-8")
    [result] = import_files(case, "telegram", [path])
    assert (result.loaded, result.quarantined) == (2, 1)
    [(record_no, _line, _field, reason)] = quarantined(case)
    nul_line = text[: text.index("\x00")].count("\n") + 1
    assert (record_no, reason) == (2, f"a NUL byte on line {nul_line}: binary data inside a text record")


@pytest.mark.parametrize(
    ("content", "line"),
    [
        (b"post_id,account_id\x00,created_at,text\n1,a,2024-01-01T10:00:00Z,x\n", 1),  # in the header
        (POSTS_HEADER.encode() + b"1,a,2024-01-01T10:00:00Z,x\n" + b"\x00\x01\x02\x03" * 200, 3),  # > 1 %
    ],
    ids=["header", "many"],
)
def test_a_binary_file_is_still_refused(case: Case, write, content: bytes, line: int) -> None:
    with pytest.raises(FormatError, match=rf"p\.csv, line {line}: not a text file \(a NUL byte at offset"):
        import_files(case, "posts-csv", [write("p.csv", content)])


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_is_refused_with_how_to_convert(case: Case, write, encoding: str) -> None:
    path = write("p.csv", (POSTS_HEADER + "1,a,2024-01-01T10:00:00Z,x\n").encode(encoding))
    with pytest.raises(FormatError) as refused:
        import_files(case, "posts-csv", [path])
    assert "UTF-16" in str(refused.value)
    assert "iconv -f UTF-16 -t UTF-8 p.csv > p-utf8.csv" in str(refused.value)


# -- every read bounded --------------------------------------------------------------------------------------


def test_a_line_longer_than_the_limit_is_quarantined_without_being_held(
    case: Case, write, monkeypatch
) -> None:
    monkeypatch.setattr(textfile, "MAX_LINE_BYTES", 1000)
    monkeypatch.setattr(textfile, "MAX_RAW_CHARS", 100)
    path = write(
        "p.csv",
        POSTS_HEADER
        + "1,a,2024-01-01T10:00:00Z,fine\n"
        + "2,a,2024-01-01T10:00:01Z," + "x" * 500_000 + "\n"
        + "3,a,2024-01-01T10:00:02Z,fine too\n",
    )  # fmt: skip
    reads: list[int] = []
    [result] = import_files(case, "posts-csv", [path], on_bytes=reads.append)
    assert (result.loaded, result.quarantined) == (2, 1)
    assert quarantined(case) == [
        (2, 3, None, "line longer than 1,000 bytes (the rest of the line is skipped)")
    ]
    assert case.scalar("SELECT raw FROM quarantine") == "2,a,2024-01-01T10:00:01Z," + "x" * 75
    # Read a bounded piece at a time, never the line whole.
    assert sum(reads) == path.stat().st_size and max(reads) <= 65536


def test_a_json_line_longer_than_the_limit_is_quarantined(case: Case, write, monkeypatch) -> None:
    monkeypatch.setattr(textfile, "MAX_LINE_BYTES", 1000)
    ok = {"id": "1", "byline": "Ann", "text": "Fine."}
    path = write(
        "a.jsonl",
        json.dumps(ok) + "\n" + json.dumps({**ok, "id": "2", "text": "y" * 300_000}) + "\n"
        + json.dumps({**ok, "id": "3"}) + "\n",
    )  # fmt: skip
    [result] = import_files(case, "articles", [path])
    assert (result.loaded, result.quarantined) == (2, 1)
    assert quarantined(case)[0][:2] == (2, 2)
    assert quarantined(case)[0][3].startswith("line longer than 1,000 bytes")


def test_the_field_limit_holds_whatever_the_csv_module_allows(case: Case, write, monkeypatch) -> None:
    monkeypatch.setattr(textfile, "MAX_FIELD_CHARS", 100)
    old = csv.field_size_limit(sys.maxsize)
    try:
        path = write("p.csv", POSTS_HEADER + f'1,a,2024-01-01T10:00:00Z,"{"z" * 500}"\n2,a,2024-01-01,ok\n')
        [result] = import_files(case, "posts-csv", [path])
    finally:
        csv.field_size_limit(old)
    assert (result.loaded, result.quarantined) == (1, 1)
    assert quarantined(case)[0][3] == "field 4 longer than 100 characters"


def test_a_field_within_the_limit_loads_whatever_the_csv_module_allows(case: Case, write) -> None:
    # Below MAX_FIELD_CHARS, a lower process-wide csv limit (the module's default is 128 KiB) refuses nothing.
    old = csv.field_size_limit(1000)
    try:
        path = write("p.csv", POSTS_HEADER + f"1,a,2024-01-01T10:00:00Z,{'z' * 200_000}\n")
        [result] = import_files(case, "posts-csv", [path])
    finally:
        csv.field_size_limit(old)
    assert (result.loaded, result.quarantined) == (1, 0)


def test_a_json_document_on_one_line_is_bounded_by_the_value_limit(case: Case, write, monkeypatch) -> None:
    monkeypatch.setattr(jsonstream, "CHUNK_BYTES", 1024)
    monkeypatch.setattr(jsonstream, "MAX_VALUE_CHARS", 10_000)
    message = {"id": 1, "type": "message", "date_unixtime": "1700000000", "text": "w " * 20_000}
    path = write("result.json", json.dumps({"name": "c", "type": "t", "id": 1, "messages": [message]}))
    with pytest.raises(FormatError, match=r"line 1: a single JSON value of more than 10,000 characters"):
        import_files(case, "telegram", [path])


def test_a_number_without_end_is_bounded_by_the_value_limit(case: Case, write, monkeypatch) -> None:
    monkeypatch.setattr(jsonstream, "CHUNK_BYTES", 1024)
    monkeypatch.setattr(jsonstream, "MAX_VALUE_CHARS", 10_000)
    path = write(
        "result.json", '{"name": "c", "id": 1, "messages": [{"id": 1, "n": 0.' + "1" * 200_000 + "}]}"
    )
    with pytest.raises(FormatError, match=r"a single JSON value of more than 10,000 characters"):
        import_files(case, "telegram", [path])


def test_an_object_read_whole_is_bounded_by_the_value_limit(case: Case, write, monkeypatch) -> None:
    # A bare object is one record, held whole with its members: each member is small, all of them are not.
    monkeypatch.setattr(jsonstream, "CHUNK_BYTES", 1024)
    monkeypatch.setattr(jsonstream, "MAX_VALUE_CHARS", 10_000)
    members = {f"member{i}": "v" * 900 for i in range(40)}
    path = write("company.json", json.dumps({"company_number": "00000042", **members}))
    with pytest.raises(FormatError, match=r"line 1: a JSON object of more than 10,000 characters"):
        import_files(case, "companies-house", [path])


def test_an_api_response_held_for_its_includes_is_bounded(case: Case, write, monkeypatch) -> None:
    monkeypatch.setattr(jsonstream, "CHUNK_BYTES", 1024)
    monkeypatch.setattr(jsonstream, "MAX_VALUE_CHARS", 10_000)
    tweets = [{"id": str(i), "text": "t" * 500, "author_id": "1"} for i in range(40)]
    path = write("response.json", json.dumps({"data": tweets, "includes": {"users": []}}, indent=1))
    with pytest.raises(FormatError, match=r"line 1: an API response of more than 10,000 characters"):
        import_files(case, "x-api-v2", [path])


def test_an_integer_past_pythons_bound_is_quarantined(case: Case, write) -> None:
    ok = {"post_id": "1", "account_id": "a", "created_at": "2024-01-01T10:00:00Z"}
    path = write("p.jsonl", json.dumps(ok) + "\n" + '{"post_id": ' + "9" * 5000 + "}\n")
    [result] = import_files(case, "posts-csv", [path])
    assert (result.loaded, result.quarantined) == (1, 1)
    assert quarantined(case)[0][3].startswith("invalid JSON: Exceeds the limit (4300 digits)")
    text = telegram_json(3).decode().replace('"id": 2,', '"id": ' + "9" * 5000 + ",")
    [result] = import_files(case, "telegram", [write("result.json", text)])
    assert (result.loaded, result.quarantined) == (2, 1)
    assert quarantined(case)[-1][3].startswith("invalid JSON: Exceeds the limit (4300 digits)")


# -- a file of another format --------------------------------------------------------------------------------


@pytest.mark.data
def test_a_telegram_export_imported_as_articles_is_refused(shared_data: Path, tmp_path: Path) -> None:
    sample = shared_data / "samples" / "telegram" / "result.json"
    if not sample.is_file():
        pytest.skip(f"the Telegram sample is not at {sample}")
    case = tmp_path / "c.duckdb"
    out = runner.invoke(app, ["import", "articles", str(sample), "--case", str(case)])
    assert out.exit_code == 2, out.output
    message = " ".join(out.output.split())
    assert "no record has the shape of articles" in message
    assert "unmask import telegram result.json" in message
    with Case.open(case) as opened:
        assert opened.scalar("SELECT count(*) FROM sources") == 0
    # Nothing was written, so the file is not "already imported" as what it is.
    out = runner.invoke(app, ["import", "telegram", str(sample), "--case", str(case)])
    assert out.exit_code == 0, out.output
    assert "already imported" not in out.output
    with Case.open(case) as opened:
        assert opened.scalar("SELECT count(*) FROM posts") == 4


TELEGRAM = json.dumps({"name": "c", "type": "personal_chat", "id": 1, "messages": [{"id": 1, "text": "hi"}]})
ADS = json.dumps({"id": "1", "page_id": "2", "page_name": "P", "bylines": "B"}) + "\n"


@pytest.mark.parametrize(
    ("format", "name", "content", "guess"),
    [
        ("articles", "ads.jsonl", ADS * 3, "meta-ads"),
        ("posts-csv", "docs.jsonl", json.dumps({"id": "1", "byline": "Ann", "text": "x"}) + "\n", "articles"),
        ("companies-house", "result.json", TELEGRAM, "telegram"),
        ("meta-ads", "result.json", TELEGRAM, "telegram"),
        ("whois", "result.json", TELEGRAM, "telegram"),
        ("html", "result.json", TELEGRAM, "telegram"),
        ("whois", "page.html", "<!doctype html><html><body>a page</body></html>", "html"),
        ("html", "example.org.txt", "Domain Name: EXAMPLE.ORG\nRegistrar: R\n", "whois"),
    ],
)
def test_a_file_of_another_format_is_refused(case: Case, write, format, name, content, guess) -> None:
    path = write(name, content)
    before = case_contents(case)
    with pytest.raises(
        FormatError, match=rf"no record has the shape of {format}: .*e\.g\. unmask import {guess}"
    ):
        import_files(case, format, [path])
    assert case_contents(case) == before


def test_one_record_of_the_format_is_enough(case: Case, write) -> None:
    # The rule refuses files of another format, not files with broken records.
    path = write("a.jsonl", ADS + json.dumps({"id": "2", "byline": "Ann", "text": "Words."}) + "\n{broken\n")
    [result] = import_files(case, "articles", [path])
    assert (result.loaded, result.quarantined) == (1, 2)


@pytest.mark.parametrize(
    ("format", "name"),
    [("articles", "a.jsonl"), ("posts-csv", "p.jsonl"), ("companies-house", "c.json"), ("whois", "w.txt")],
)
def test_an_empty_file_is_not_refused_as_another_format(case: Case, write, format, name) -> None:
    [result] = import_files(case, format, [write(name, "")])
    assert result.loaded == 0
