"""The case connection: no network and no stray file reads, whatever the input; one clear line for a case
that cannot be used (not a case, damaged, in use, read-only)."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from unmask.case import MIGRATIONS, SCRATCH_ROOT, Case, connect
from unmask.errors import CaseError
from unmask.ingest import import_files
from unmask.sources import list_sources

HEADER = "post_id,account_id,created_at,text\n"


@pytest.fixture
def home(tmp_path: Path, monkeypatch) -> Path:
    """A HOME of its own: DuckDB installs extensions under ~/.duckdb, so nothing there means none was."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    return folder


def sqlite_file(path: Path) -> Path:
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE posts (x)")
    return path


def made_case(path: Path) -> Path:
    Case.open(path).close()
    return path


# -- no network, no extension ----------------------------------------------------------------------------


def test_a_sqlite_file_as_case_installs_no_extension(tmp_path: Path, home: Path) -> None:
    path = sqlite_file(tmp_path / "case.duckdb")
    with pytest.raises(CaseError, match="SQLite database, not a DuckDB file"):
        Case.open(path)
    # DuckDB itself, given the file, would fetch sqlite_scanner over HTTP: the connection forbids it.
    with pytest.raises(CaseError, match="cannot open as a case"):
        connect(str(path))
    assert not (home / ".duckdb").exists()


def test_queries_load_no_extension_and_read_no_other_file(tmp_path: Path, home: Path) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    with Case.open(tmp_path / "c.duckdb") as case:
        settings = case.con.execute(
            "SELECT current_setting('autoinstall_known_extensions'),"
            " current_setting('autoload_known_extensions'), current_setting('enable_external_access')"
        ).fetchall()
        assert settings == [(False, False, False)]
        for sql in (
            "SELECT * FROM read_csv('https://example.invalid/x.csv')",
            f"SELECT * FROM read_csv('{secret}')",
            f"ATTACH '{sqlite_file(tmp_path / 'other.sqlite')}' AS s (TYPE sqlite)",
            "INSTALL httpfs",
        ):
            with pytest.raises(duckdb.Error):
                case.con.execute(sql)
        # What engines need still works: a scratch database, and Arrow tables handed over by Python.
        with case.scratch("w") as name:
            case.con.execute(f"CREATE TABLE {name}.t AS SELECT 1 AS x")
            assert case.scalar(f"SELECT x FROM {name}.t") == 1
    assert not (home / ".duckdb").exists()


def test_an_import_lets_duckdb_read_the_files_it_was_given(tmp_path: Path) -> None:
    given = tmp_path / "p.csv"
    given.write_text(HEADER + "1,a,2024-01-01T10:00:00Z,x\n")
    with Case.open(tmp_path / "c.duckdb") as case:
        with pytest.raises(duckdb.Error, match="disabled by configuration"):
            case.con.execute("SELECT count(*) FROM read_csv(?)", [str(given)])
        import_files(case, "posts-csv", [given])
        assert case.scalar("SELECT count(*) FROM read_csv(?)", [str(given)]) == 1
        assert case.scalar("SELECT count(*) FROM posts") == 1  # the reopened connection is the case


def test_allow_reading_refuses_inside_a_transaction(case: Case, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="outside a transaction"), case.transaction():
        case.allow_reading([tmp_path / "x.parquet"])


def test_a_view_in_place_of_a_table_is_refused(tmp_path: Path) -> None:
    # A case handed over by someone else could read the reader's files through a view.
    path = made_case(tmp_path / "c.duckdb")
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE posts")
    con.execute("CREATE VIEW posts AS SELECT 1 AS x")
    con.close()
    for read_only in (False, True):
        with pytest.raises(CaseError, match=r"damaged: no table posts \(a view\)"):
            Case.open(path, read_only=read_only)


# -- files that are not a usable case ------------------------------------------------------------------------


def _truncated(path: Path) -> None:
    made_case(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_a_sound_case_shorter_than_its_free_blocks_opens(tmp_path: Path) -> None:
    # A table dropped before the checkpoint leaves free blocks the file does not hold: not damage.
    path = tmp_path / "case.duckdb"
    made_case(path)
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE scratch AS SELECT range AS x, md5(range::VARCHAR) AS y FROM range(300000)")
    con.execute("CHECKPOINT")
    con.execute("CREATE TABLE more AS SELECT range AS x, md5(range::VARCHAR) AS y FROM range(300000)")
    con.execute("DROP TABLE more")
    con.close()
    con = duckdb.connect(str(path), read_only=True)
    [(block_size, total)] = con.execute(
        "SELECT block_size, total_blocks FROM pragma_database_size()"
    ).fetchall()
    con.close()
    assert path.stat().st_size < 3 * 4096 + total * block_size  # the situation this test is about
    with Case.open(path, read_only=True) as case:
        assert case.scalar("SELECT count(*) FROM scratch") == 300000


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda p: p.write_text("hello"), "not a DuckDB file"),
        (lambda p: p.write_bytes(b""), "an empty file"),
        (sqlite_file, "a SQLite database"),
        (_truncated, "damaged or incomplete"),
        (lambda p: p.mkdir(), "a folder"),
    ],
    ids=["text", "empty", "sqlite", "truncated", "folder"],
)
@pytest.mark.parametrize("read_only", [False, True])
def test_not_a_case_is_one_line(tmp_path: Path, make, why: str, read_only: bool) -> None:
    path = tmp_path / "case.duckdb"
    make(path)
    with pytest.raises(CaseError) as raised:
        Case.open(path, read_only=read_only)
    message = str(raised.value)
    assert message.startswith(f"{path}: cannot open as a case: ") and why in message
    assert "\n" not in message


def test_another_duckdb_database_is_not_made_a_case(tmp_path: Path) -> None:
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE measurements AS SELECT 1 AS x")
    con.close()
    with pytest.raises(
        CaseError, match=r"not an unmask case: a DuckDB database with other tables \(measurements\)"
    ):
        Case.open(path)
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT table_name FROM information_schema.tables").fetchall() == [("measurements",)]
    con.close()


@pytest.mark.parametrize("read_only", [False, True])
def test_a_case_missing_a_table_names_it(tmp_path: Path, read_only: bool) -> None:
    path = made_case(tmp_path / "c.duckdb")
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE posts")
    con.close()
    with pytest.raises(CaseError) as raised:
        Case.open(path, read_only=read_only)
    assert str(raised.value) == (
        f"{path}: the case is damaged: no table posts (changed outside unmask?); restore it from a backup, "
        "or import the files again into a new case"
    )


def test_a_schema_3_case_opens_and_migrates(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "old.duckdb"
    with monkeypatch.context() as old:
        old.setattr("unmask.case.MIGRATIONS", MIGRATIONS[:3])
        with Case.open(path) as case:
            case.con.execute(
                "INSERT INTO sources (path, sha256, format) VALUES ('p.csv', 'abc', 'posts-csv')"
            )
    with Case.open(path, read_only=True) as case:
        assert case.schema_version() == 3  # reading changes nothing
        assert [(s["path"], s["abs_path"]) for s in list_sources(case)] == [("p.csv", None)]
    with Case.open(path) as case:
        assert case.schema_version() == MIGRATIONS[-1].version
        assert case.query("SELECT path, abs_path FROM sources") == [{"path": "p.csv", "abs_path": None}]
        assert case.scalar("SELECT count(*) FROM source_removals") == 0


# -- in use, read-only -----------------------------------------------------------------------------------


def test_a_case_in_use_names_the_process(tmp_path: Path) -> None:
    path = made_case(tmp_path / "c.duckdb")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, duckdb; c = duckdb.connect(sys.argv[1]); print('open', flush=True); input()",
            str(path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        for read_only in (False, True):
            with pytest.raises(CaseError) as raised:
                Case.open(path, read_only=read_only)
            assert str(raised.value) == (
                f"another unmask (PID {holder.pid}) is using {path}; wait for it or work on a copy"
            )
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    Case.open(path).close()  # free again once it has finished


def _deny_writes(monkeypatch, *denied: Path) -> None:
    """os.access as for a user who may not write ``denied`` (tests run as root, where chmod stops nothing)."""
    real = os.access

    def access(path, mode, *args, **kwargs):
        if mode & os.W_OK and Path(path).absolute() in denied:
            return False
        return real(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)


def test_a_write_protected_case_opens_read_only_only(tmp_path: Path, monkeypatch) -> None:
    path = made_case(tmp_path / "c.duckdb")
    assert Case.writable(path)
    _deny_writes(monkeypatch, path)
    assert not Case.writable(path)
    with pytest.raises(CaseError) as raised:
        Case.open(path)
    assert str(raised.value) == f"{path} is read-only: commands that change the case need a writable copy"
    with Case.open(path, read_only=True) as case:
        assert case.schema_version() == MIGRATIONS[-1].version
        # Spill files go to unmask's own folder, not beside a case whose folder may be read-only.
        assert case.scalar("SELECT current_setting('temp_directory')").startswith(str(SCRATCH_ROOT))


def test_a_read_only_folder_makes_the_case_read_only(tmp_path: Path, monkeypatch) -> None:
    path = made_case(tmp_path / "c.duckdb")
    _deny_writes(monkeypatch, tmp_path)
    assert not Case.writable(path)  # DuckDB writes its log beside the case
    with pytest.raises(CaseError, match="is read-only: commands that change the case need a writable copy"):
        Case.open(path)
    with pytest.raises(CaseError, match=f"cannot make a case there: the folder {tmp_path} is read-only"):
        Case.open(tmp_path / "new.duckdb")
    Case.open(path, read_only=True).close()


def test_a_chmod_444_case_opens_read_only(tmp_path: Path) -> None:
    path = made_case(tmp_path / "c.duckdb")
    path.chmod(0o444)
    tmp_path.chmod(0o555)
    try:
        with Case.open(path, read_only=True) as case:
            assert case.scalar("SELECT count(*) FROM posts") == 0
        if os.geteuid() != 0:  # root writes whatever the mode says
            assert not Case.writable(path)
            with pytest.raises(CaseError, match="is read-only"):
                Case.open(path)
    finally:
        tmp_path.chmod(0o755)
        path.chmod(0o644)


def test_an_import_reads_a_file_reached_through_a_symbolic_link(tmp_path: Path) -> None:
    # Data folders are often links (a mounted evidence share): DuckDB resolves them in its allowed lists.
    from unmask.ingest import import_files

    real = tmp_path / "real"
    real.mkdir()
    (real / "p.csv").write_text("post_id,account_id,created_at\n1,a,2024-01-01T00:00:00Z\n", encoding="utf-8")
    (tmp_path / "linked").symlink_to(real)
    with Case.open(tmp_path / "case.duckdb") as case:
        [result] = import_files(case, "posts-csv", [tmp_path / "linked" / "p.csv"])
        assert result.loaded == 1
        given = str(tmp_path / "linked" / "p.csv")
        assert case.scalar("SELECT count(*) FROM read_csv(?)", [given]) == 1
