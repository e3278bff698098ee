"""articles: JSON Lines, CSV/TSV and folders of .txt/.html with metadata.csv; HTML reduced by trafilatura;
every quarantine reason; re-import; atomicity; the documents API; posts as documents; the CLI."""

import gzip
import json
import socket
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from conftest import case_contents, quarantined
from unmask.case import MIGRATIONS, Case, _schema_sql
from unmask.cli import app
from unmask.documents import DOCUMENT_COLUMNS, account_documents, documents
from unmask.errors import CaseError, FormatError, OptionError
from unmask.info import case_info
from unmask.ingest import articles, import_files

runner = CliRunner(env={"COLUMNS": "250"})

PARAGRAPHS = [
    "The council voted on Tuesday to extend the harbour wall by two hundred metres, after a debate "
    "that ran well past midnight and left several members visibly tired.",
    "Residents of the lower town said the noise of construction would last for months, and that nobody "
    "had asked them whether the wall was needed at all.",
    "The mayor replied that the storms of the last three winters had made the decision for them.",
]
PAGE = f"""<!DOCTYPE html>
<html><head><title>Harbour plan | Example News</title>
<script>document.write("SCRIPT TEXT"); fetch("https://tracker.example/p");</script>
<style>.x {{ color: red }}</style></head>
<body>
<header><div class="logo">Example News</div>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li>Subscribe now</li></ul></nav>
</header>
<article><h1>The harbour plan</h1>
{"".join(f"<p>{p}</p>" for p in PARAGRAPHS)}
</article>
<aside>Most read: seven cats that changed history</aside>
<div class="comments"><p>Comment by reader99: what a waste of money!</p></div>
<footer>Copyright 2024 Example News. All rights reserved.</footer>
</body></html>
"""
BOILERPLATE = (
    "SCRIPT TEXT",
    "tracker.example",
    "Home",
    "Subscribe now",
    "Most read",
    "reader99",
    "Copyright",
)


def line(**fields) -> str:
    return json.dumps(fields) + "\n"


def docs(case: Case, columns: str = "doc_id, byline, text") -> list[tuple]:
    return case.con.execute(f"SELECT {columns} FROM documents ORDER BY source_id, record_no").fetchall()


@pytest.fixture
def folder(tmp_path: Path):
    """folder({relative path: text or bytes}) → a folder of document files under the test's folder."""

    def _folder(files: dict[str, str | bytes], name: str = "docs") -> Path:
        root = tmp_path / name
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8", newline="")
        return root

    return _folder


# -- the three layouts ---------------------------------------------------------------------------------------


def test_jsonl_every_field_maps(case: Case, write) -> None:
    path = write(
        "a.jsonl",
        line(
            id="d1",
            byline="  Jane \u00a0 Roe ",
            text="Hello world. This is a text.",
            title="A title",
            outlet="Daily Example",
            url="https://WWW.daily.example/a?utm_source=x&id=3",
            published_at="2024-01-02T10:00:00+02:00",
            language="en",
        )
        + line(id=7, byline="Jane Roe", text="Second.", published_at=1704103200)
        + line(id="d3", byline="Jane Roe", text="Third.", published_at="2024-01-05"),
    )
    [result] = import_files(case, "articles", [path], timezone="Europe/Berlin")
    assert (result.kind, result.loaded, result.quarantined) == ("documents", 3, 0)
    assert result.naive_timestamps == 1 and any("read as Europe/Berlin" in n for n in result.notes)
    [first, second, third] = case.query("SELECT * FROM documents ORDER BY record_no")
    assert first == {
        "doc_id": "d1",
        "byline": "Jane Roe",  # trimmed, white space (no-break spaces too) collapsed
        "title": "A title",
        "outlet": "Daily Example",
        "url": "https://WWW.daily.example/a?utm_source=x&id=3",
        "url_canonical": "https://daily.example/a?id=3",
        "published_at": datetime(2024, 1, 2, 8, tzinfo=UTC),
        "published_raw": "2024-01-02T10:00:00+02:00",
        "published_naive": False,
        "language": "en",
        "text": "Hello world. This is a text.",
        "html_reduced": False,
        "text_sha256": case.scalar("SELECT sha256('hello world. this is a text.')"),
        "file": None,
        "source_id": 1,
        "record_no": 1,
    }
    assert (second["doc_id"], second["published_at"]) == ("7", datetime(2024, 1, 1, 10, tzinfo=UTC))
    # A date alone is midnight in --timezone; published_raw keeps it as written.
    assert (third["published_at"], third["published_raw"], third["published_naive"]) == (
        datetime(2024, 1, 4, 23, tzinfo=UTC),
        "2024-01-05",
        True,
    )
    assert case.scalar("SELECT count(*) FROM posts") == 0


def test_csv_tsv_and_gzip(case: Case, write) -> None:
    csv_path = write(
        "a.csv",
        'id,byline,title,text\nc1,Ann,One,"First text, with a comma."\nc2,Ann,,"Two\nlines."\n',
    )
    tsv_path = write("b.tsv", f"id\tbyline\thtml\nt1\tBob\t{PAGE.replace(chr(10), ' ')}\n")
    gz_path = write("c.jsonl.gz", gzip.compress(line(id="g1", byline="Cy", text="Zipped.").encode()))
    results = import_files(case, "articles", [csv_path, tsv_path, gz_path])
    assert [(r.loaded, r.quarantined) for r in results] == [(2, 0), (1, 0), (1, 0)]
    rows = docs(case, "doc_id, byline, title, text, html_reduced")
    assert rows[0] == ("c1", "Ann", "One", "First text, with a comma.", False)
    assert rows[1] == ("c2", "Ann", None, "Two\nlines.", False)
    assert rows[2][:2] == ("t1", "Bob") and rows[2][4] is True and PARAGRAPHS[0] in rows[2][3]
    assert rows[3] == ("g1", "Cy", None, "Zipped.", False)


def test_html_boilerplate_is_reduced_to_the_article(case: Case, write) -> None:
    [result] = import_files(case, "articles", [write("a.jsonl", line(id="h", byline="Ann", html=PAGE))])
    [(text, reduced)] = docs(case, "text, html_reduced")
    assert reduced is True
    for paragraph in PARAGRAPHS:
        assert paragraph in text
    for junk in BOILERPLATE:
        assert junk not in text
    assert any("reduced from HTML to text by trafilatura" in n for n in result.notes)


def test_text_wins_over_html_and_a_fragment_is_read(case: Case, write) -> None:
    path = write(
        "a.jsonl",
        line(id="1", byline="A", text="Plain words.", html="<p>Other words.</p>")
        + line(id="2", byline="A", text="  ", html="<p>Only a short paragraph.</p><script>evil()</script>"),
    )
    import_files(case, "articles", [path])
    assert docs(case, "doc_id, text, html_reduced") == [
        ("1", "Plain words.", False),
        ("2", "Only a short paragraph.", True),
    ]


def test_html_reduction_fetches_nothing(case: Case, write, tmp_path: Path, monkeypatch) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET CONTENT")

    def no_network(*args, **kwargs):
        raise AssertionError("the import tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    html = (
        f'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        '<html><head><link rel="stylesheet" href="http://styles.example/a.css">'
        '<meta http-equiv="refresh" content="0; url=http://redirect.example/"></head>'
        '<body><img src="http://images.example/a.png"><iframe src="http://frame.example/"></iframe>'
        f"<article>{''.join(f'<p>{p}</p>' for p in PARAGRAPHS)}<p>&xxe;</p></article></body></html>"
    )
    [result] = import_files(case, "articles", [write("a.jsonl", line(id="x", byline="A", html=html))])
    assert result.loaded == 1
    [(text,)] = docs(case, "text")
    assert PARAGRAPHS[1] in text and "TOP SECRET" not in text


def test_folder_with_metadata(case: Case, folder, tmp_path: Path) -> None:
    (tmp_path / "outside.txt").write_text("Outside the folder.")
    root = folder(
        {
            "metadata.csv": "file,byline,title,published_at,id\n"
            "one.txt,Ann,First,2024-02-01T09:00:00Z,\n"  # line 2: id defaults to the path
            "sub/two.html,Ann,Second,,two\n"  # line 3
            "three.txt.gz,Bob,,,\n"  # line 4: gzipped
            ",Bob,,,\n"  # line 5: missing file
            "missing.txt,Bob,,,\n"  # line 6
            "../outside.txt,Bob,,,\n"  # line 7
            "/etc/hostname,Bob,,,\n"  # line 8
            "notes.pdf,Bob,,,\n"  # line 9
            "link.txt,Bob,,,\n"  # line 10: a symbolic link out of the folder
            "latin1.txt,Bob,,,\n"  # line 11
            "empty.html,Bob,,,\n"  # line 12
            "one.txt,Cy,,,\n"  # line 13: the same file again, so the same default id
            "binary.txt,Bob,,,\n"  # line 14
            f"{'x' * 5000}.txt,Bob,,,\n",  # line 15: a name no file system holds
            "one.txt": "\ufeffA plain text.\n",
            "sub/two.html": PAGE,
            "three.txt.gz": gzip.compress(b"Zipped text."),
            "notes.pdf": "%PDF-1.4",
            "latin1.txt": "first line\ncaf\xe9".encode("latin-1"),
            "empty.html": "<html><body><nav>Home</nav><script>x()</script></body></html>",
            "binary.txt": b"abc\x00def",
            "unlisted.html": "<p>Nobody listed me.</p>",
        }
    )
    (root / "link.txt").symlink_to(tmp_path / "outside.txt")
    [result] = import_files(case, "articles", [root])
    assert (result.loaded, result.quarantined) == (3, 12)
    rows = docs(case, "doc_id, byline, title, text, html_reduced, file, record_no")
    assert rows[0] == ("one.txt", "Ann", "First", "A plain text.\n", False, "one.txt", 1)
    assert rows[1][:3] == ("two", "Ann", "Second") and rows[1][4:] == (True, "sub/two.html", 2)
    assert PARAGRAPHS[2] in rows[1][3] and "Subscribe now" not in rows[1][3]
    assert rows[2] == ("three.txt.gz", "Bob", None, "Zipped text.", False, "three.txt.gz", 3)
    assert quarantined(case) == [
        (4, 5, "file", "missing file"),
        (5, 6, "file", 'no such file in the folder: "missing.txt"'),
        (6, 7, "file", 'file outside the folder: "../outside.txt"'),
        (7, 8, "file", 'file outside the folder: "/etc/hostname"'),
        (8, 9, "file", 'not a .txt or .html file: "notes.pdf"'),
        (9, 10, "file", 'file outside the folder (through a symbolic link): "link.txt"'),
        (10, 11, "file", 'invalid UTF-8: on line 2 of "latin1.txt"'),
        (11, 12, "html", "empty text after HTML reduction"),
        (12, 13, "id", "duplicate document id: first at record 1 of this file"),
        (13, 14, "file", 'not a text file (a NUL byte at offset 3): "binary.txt"'),
        (14, 15, "file", f'no such file in the folder: "{"x" * 200}"'),
        (15, None, "file", "not listed in metadata.csv"),
    ]
    raw = case.con.execute("SELECT raw FROM quarantine ORDER BY record_no").fetchall()
    assert raw[1] == ("missing.txt,Bob,,,\n",) and raw[-1] == ("unlisted.html",)


def test_a_document_file_over_the_limit_is_quarantined(case: Case, folder, monkeypatch) -> None:
    monkeypatch.setattr(articles, "MAX_FIELD_CHARS", 100)
    root = folder(
        {"metadata.csv": "file,byline\nbig.txt,Ann\nsmall.txt,Ann\n", "big.txt": "x" * 101, "small.txt": "ok"}
    )
    [result] = import_files(case, "articles", [root])
    assert (result.loaded, result.quarantined) == (1, 1)
    assert quarantined(case) == [(1, 2, "file", 'unreadable record: file larger than 8 MiB: "big.txt"')]


def test_mapping_renames_fields(case: Case, write, folder) -> None:
    path = write("a.csv", "uid,author,body\n1,Ann,Words.\n")
    import_files(case, "articles", [path], mapping={"id": "uid", "byline": "author", "text": "body"})
    root = folder({"metadata.csv": "path,writer\nx.txt,Bob\n", "x.txt": "More words."})
    import_files(case, "articles", [root], mapping={"file": "path", "byline": "writer"})
    assert docs(case) == [("1", "Ann", "Words."), ("x.txt", "Bob", "More words.")]


# -- bad records: quarantined with reason, line and field ----------------------------------------------------


def test_every_bad_record_class_is_quarantined_with_its_line(case: Case, write, monkeypatch) -> None:
    monkeypatch.setattr(articles, "MAX_FIELD_CHARS", 1000)
    path = write(
        "a.jsonl",
        (
            line(id="ok", byline="A", text="fine")  # line 1
            + line(byline="A", text="no id")  # 2
            + line(id="2", byline=" ", text="no byline")  # 3
            + line(id="3", byline="A")  # 4: no text at all
            + line(id="4", byline="A", text="   ")  # 5: blank text
            + line(id="5", byline="A", html="<html><body><script>only()</script></body></html>")  # 6
            + line(id="6", byline="A", text="x", published_at="last Tuesday")  # 7
            + line(id="7", byline="A", text="x", published_at="2999-01-01T00:00:00Z")  # 8
            + line(id="ok", byline="B", text="again")  # 9: duplicate id
            + "\n"  # 10: a blank line is no record
            + "{not json}\n"  # 11
            + '["a", "list"]\n'  # 12
            + line(id="10", byline={"name": "A"}, text="x")  # 13
            + line(id=1.5, byline="A", text="x")  # 14
            + line(id="12", byline="A", text="x" * 1001)  # 15: over the field limit
            + line(id="13", byline="A", text="x", published_at=True)  # 16
        ).encode()
        + b'{"id": "14", "byline": "A", "text": "caf\xe9"}\n'  # 17
        + b'{"id": "15", "byline": "A", "text": "cut',  # 18: the file ends inside it
    )
    [result] = import_files(case, "articles", [path])
    assert (result.loaded, result.quarantined) == (1, 16)
    assert quarantined(case) == [
        (2, 2, "id", "missing document id"),
        (3, 3, "byline", "missing byline"),
        (4, 4, "text", "missing text"),
        (5, 5, "text", "missing text"),
        (6, 6, "html", "empty text after HTML reduction"),
        (7, 7, "published_at", 'unparseable timestamp "last Tuesday"'),
        (8, 8, "published_at", 'timestamp out of range "2999-01-01T00:00:00Z"'),
        (9, 9, "id", "duplicate document id: first at record 1 of this file"),
        (10, 11, None, "invalid JSON: Expecting property name enclosed in double quotes at column 2"),
        (11, 12, None, "not a JSON object (an article)"),
        (12, 13, "byline", "field 'byline' has an unexpected type"),
        (13, 14, "id", "field 'id' has an unexpected type"),
        (14, 15, "text", "unreadable record: field 'text' larger than 8 MiB"),
        (15, 16, "published_at", "field 'published_at' has an unexpected type"),
        (16, 17, None, "invalid UTF-8: on line 17"),
        (
            17,
            18,
            None,
            "truncated record: the file ends inside it (invalid JSON: Unterminated string "
            "starting at column 37)",
        ),
    ]
    assert result.reasons["missing text"] == 2 and result.reasons["duplicate document id"] == 1
    raw = case.con.execute("SELECT raw FROM quarantine WHERE record_no = 7").fetchall()[0][0]
    assert json.loads(raw)["published_at"] == "last Tuesday"


def test_csv_records_broken_by_structure(case: Case, write) -> None:
    path = write("a.csv", 'id,byline,text\n1,A,fine\n2,A\n3,A,"x",extra\n4,A,"cut off')
    [result] = import_files(case, "articles", [path])
    assert (result.loaded, result.quarantined) == (1, 3)
    assert quarantined(case) == [
        (2, 3, None, "wrong field count: expected 3, found 2"),
        (3, 4, None, "wrong field count: expected 3, found 4"),
        (4, 5, None, "truncated record: the file ends inside it (an open quoted field)"),
    ]


def test_duplicate_id_against_the_case_and_repeated_texts(case: Case, write) -> None:
    import_files(case, "articles", [write("a.jsonl", line(id="1", byline="A", text="Same  words."))])
    [result] = import_files(
        case,
        "articles",
        [
            write(
                "b.jsonl",
                line(id="1", byline="B", text="other")
                + line(id="2", byline="B", text="same WORDS.")
                + line(id="3", byline="C", text="Fresh.")
                + line(id="4", byline="C", text="fresh."),
            )
        ],
    )
    assert (result.loaded, result.quarantined) == (3, 1)
    assert quarantined(case) == [
        (1, 1, "id", "duplicate document id: already in the case from source 1 record 1")
    ]
    # Texts published twice are loaded (evidence), and the notes count them.
    assert any(n.startswith("2 documents repeat the text of an earlier document") for n in result.notes)
    assert case.scalar("SELECT count(DISTINCT text_sha256) FROM documents") == 2


# -- bad files: a format error naming file, line and field; the case unchanged -------------------------------


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("a.csv", b"id,byline,text\n\x00\x01", r"a\.csv, line 2: not a text file"),
        ("a.csv", "id,text\n1,x\n", r"a\.csv, line 1, field 'byline': required column missing"),
        (
            "a.csv",
            "id,byline,title\n1,A,T\n",
            r"line 1, field 'text': required column missing: a document needs 'text' or 'html'",
        ),
        ("a.json", '\n  [{"id": "1"}]', r"a\.json, line 2: a JSON array, not JSON Lines"),
        ("a.csv", "", r"a\.csv, line 1: the header line has one column only"),
    ],
)
def test_unreadable_files_raise_format_error(case: Case, write, name, content, match) -> None:
    with pytest.raises(FormatError, match=match):
        import_files(case, "articles", [write(name, content)])
    assert case.scalar("SELECT count(*) FROM sources") == 0


def test_unreadable_folders_raise_format_error(case: Case, folder) -> None:
    with pytest.raises(
        FormatError, match=r"docs, field 'metadata.csv': a folder of articles needs a metadata"
    ):
        import_files(case, "articles", [folder({"a.txt": "x"})])
    bad = folder({"metadata.csv": "name,byline\na.txt,A\n", "a.txt": "x"}, name="bad")
    with pytest.raises(FormatError, match=r"metadata\.csv, line 1, field 'file': required column missing"):
        import_files(case, "articles", [bad])
    with pytest.raises(FormatError, match=r"--map names unknown fields \['text'\]"):
        import_files(case, "articles", [bad], mapping={"text": "body"})
    with pytest.raises(FormatError, match=r"docs: a folder: posts-csv reads files"):
        import_files(case, "posts-csv", [folder({"a.txt": "x"})])
    assert case.scalar("SELECT count(*) FROM sources") == 0


def test_a_failing_file_leaves_the_case_as_it_was(case: Case, write) -> None:
    import_files(case, "articles", [write("first.jsonl", line(id="1", byline="A", text="x"))])
    before = case_contents(case)
    good = write("good.jsonl", line(id="2", byline="A", text="y") + "{broken\n")
    bad = write("bad.csv", "id,byline\n1,A\n")
    with pytest.raises(FormatError):
        import_files(case, "articles", [good, bad])  # one command, one transaction
    assert case_contents(case) == before


def test_reimport_changes_nothing(case: Case, write, folder) -> None:
    path = write("a.jsonl", line(id="1", byline="A", text="x") + line(id="2", byline="", text="y"))
    root = folder({"metadata.csv": "file,byline\na.txt,A\n", "a.txt": "words", "sub/b.html": "<p>x</p>"})
    import_files(case, "articles", [path, root])
    before = case_contents(case)
    again = import_files(case, "articles", [path, root])
    assert all(r.skipped and "nothing changed" in r.notes[0] for r in again)
    assert case_contents(case) == before
    # A folder is its metadata and its document files: change one, and it is new.
    (root / "sub" / "b.html").write_text("<p>changed</p>")
    [changed] = import_files(case, "articles", [root])
    assert not changed.skipped and changed.quarantined == 2  # the same id again; b.html still unlisted


# -- reading documents back ----------------------------------------------------------------------------------


def test_documents_of_a_byline(case: Case, write) -> None:
    path = write(
        "a.jsonl",
        line(id="1", byline="Jane Roe", text="Late.", published_at="2024-03-01T00:00:00Z")
        + line(id="2", byline="Jane Roe", text="Undated.")
        + line(id="3", byline="Jane Roe", text="Early.", published_at="2024-01-01T00:00:00Z")
        + line(id="4", byline="Other", text="Not hers."),
    )
    import_files(case, "articles", [path])
    table = documents(case, byline=" Jane  Roe")
    assert tuple(table.column_names) == DOCUMENT_COLUMNS
    assert table.column("doc_id").to_pylist() == ["3", "1", "2"]
    assert documents(case).num_rows == 4
    assert documents(case, byline="Nobody").num_rows == 0


def test_an_accounts_posts_as_documents(case: Case, write) -> None:
    path = write(
        "p.csv",
        "post_id,account_id,created_at,text,shared_post_id,reply_to_post_id,urls,platform\n"
        "1,acc,2024-01-02T00:00:00Z,My own words.,,,https://x.example/a,web\n"
        "2,acc,2024-01-01T00:00:00Z,RT someone else's words,9,,,web\n"
        "3,acc,2024-01-03T00:00:00Z,A reply of mine.,,1,,web\n"
        "4,acc,2024-01-04T00:00:00Z,,,,,web\n"
        "5,other,2024-01-04T00:00:00Z,Not mine.,,,,web\n",
    )
    import_files(case, "posts-csv", [path])
    table = account_documents(case, "acc")
    assert tuple(table.column_names) == DOCUMENT_COLUMNS
    assert table.to_pylist()[0] == {
        "doc_id": "1",
        "byline": "acc",
        "title": None,
        "outlet": "web",
        "url": "https://x.example/a",
        "published_at": datetime(2024, 1, 2, tzinfo=UTC),
        "language": None,
        "text": "My own words.",
        "source_id": 1,
        "record_no": 1,
    }
    assert table.column("doc_id").to_pylist() == ["1", "3"]  # no share, no empty post
    assert account_documents(case, "acc", include_shares=True).column("doc_id").to_pylist() == ["2", "1", "3"]
    assert account_documents(case, "nobody").num_rows == 0
    # The same shape as a byline's documents, so the two can be analysed together.
    assert account_documents(case, "acc").schema.names == documents(case).schema.names


def test_an_account_on_two_platforms_needs_one_named(case: Case, write) -> None:
    path = write(
        "p.csv",
        "post_id,account_id,created_at,text,platform\n1,acc,2024-01-02T00:00:00Z,a,web\n"
        "1,acc,2024-01-02T00:00:00Z,b,forum\n",
    )
    import_files(case, "posts-csv", [path])
    with pytest.raises(OptionError, match=r"several platforms \(forum, web\)"):
        account_documents(case, "acc")
    assert account_documents(case, "acc", platform="forum").column("text").to_pylist() == ["b"]


# -- the case ------------------------------------------------------------------------------------------------


def test_a_case_from_before_documents_is_brought_up_to_date(tmp_path: Path) -> None:
    path = tmp_path / "v1.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp)"
    )
    con.execute(_schema_sql("001_base.sql"))
    con.execute("INSERT INTO schema_migrations (version, name) VALUES (1, 'base tables')")
    con.execute("INSERT INTO sources (path, sha256, format) VALUES ('p.csv', 'abc', 'posts-csv')")
    con.close()
    with Case.open(path, read_only=True) as old:  # read-only: nothing is changed, and there are no documents
        assert case_info(old)["documents"] == 0
        with pytest.raises(CaseError, match="older unmask"):
            documents(old)
    with Case.open(path) as case:
        assert case.schema_version() == MIGRATIONS[-1].version
        assert case.scalar("SELECT count(*) FROM sources") == 1
        assert documents(case).num_rows == 0


# -- the command line ----------------------------------------------------------------------------------------


def test_cli_imports_articles_and_info_counts_them(tmp_path: Path, write, folder) -> None:
    case = tmp_path / "c.duckdb"
    path = write(
        "a.jsonl",
        line(id="1", byline="Ann", text="x", published_at="2024-01-02T00:00:00Z") + line(id="2", text="y"),
    )
    root = folder({"metadata.csv": "file,byline\na.html,Bob\n", "a.html": PAGE})
    result = runner.invoke(app, ["import", "articles", str(path), str(root), "--case", str(case)])
    assert result.exit_code == 0, result.output
    assert "1 document loaded, 1 quarantined in" in result.output
    assert "quarantined 1: missing byline" in result.output
    assert "docs (articles, source 2): 1 document loaded, 0 quarantined" in result.output
    assert "new accounts" not in result.output and "reduced from HTML" in result.output
    again = runner.invoke(app, ["import", "articles", str(path), "--case", str(case), "--json"])
    [data] = json.loads(again.output)
    assert (data["skipped"], data["kind"]) == (True, "documents")
    info = runner.invoke(app, ["info", "--case", str(case)])
    assert info.exit_code == 0, info.output
    assert "2 documents by 2 bylines, published 2024-01-02 to 2024-01-02" in info.output
    info_json = json.loads(runner.invoke(app, ["info", "--case", str(case), "--json"]).output)
    assert (info_json["documents"], info_json["bylines"]) == (2, 2)


def test_cli_info_without_documents_does_not_mention_them(tmp_path: Path, write) -> None:
    case = tmp_path / "c.duckdb"
    path = write("p.csv", "post_id,account_id,created_at\n1,a,2024-01-01T00:00:00Z\n")
    assert runner.invoke(app, ["import", "posts-csv", str(path), "--case", str(case)]).exit_code == 0
    info = runner.invoke(app, ["info", "--case", str(case)])
    assert "documents" not in info.output


def test_cli_format_error_exits_2_naming_file_line_and_field(tmp_path: Path, write) -> None:
    case = tmp_path / "c.duckdb"
    path = write("a.csv", "id,text\n1,x\n")
    result = runner.invoke(app, ["import", "articles", str(path), "--case", str(case)])
    assert result.exit_code == 2
    assert "a.csv, line 1, field 'byline': required column missing" in result.output
    with Case.open(case, read_only=True) as c:
        assert c.scalar("SELECT count(*) FROM sources") == 0
