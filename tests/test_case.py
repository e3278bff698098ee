from pathlib import Path

import duckdb
import pytest

from unmask.case import MIGRATIONS, Case
from unmask.errors import CaseError


def test_new_case_has_every_migration(tmp_path: Path) -> None:
    with Case.open(tmp_path / "c.duckdb") as case:
        assert case.schema_version() == MIGRATIONS[-1].version
        tables = {
            r[0] for r in case.con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }
    assert {
        "sources",
        "quarantine",
        "accounts",
        "posts",
        "findings",
        "evidence",
        "schema_migrations",
    } <= tables


def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "c.duckdb"
    Case.open(path).close()
    with Case.open(path) as case:
        assert case.scalar("SELECT count(*) FROM schema_migrations") == len(MIGRATIONS)


def test_case_from_a_newer_unmask_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.duckdb"
    Case.open(path).close()
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_migrations (version, name) VALUES (999, 'future')")
    con.close()
    with pytest.raises(CaseError, match="newer unmask"):
        Case.open(path)


def test_read_only_open_of_a_missing_case_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CaseError, match="no such case"):
        Case.open(tmp_path / "missing.duckdb", read_only=True)


def test_not_a_case(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(CaseError, match="cannot open as a case"):
        Case.open(path)


def test_transaction_rolls_back_on_error(case: Case) -> None:
    with pytest.raises(RuntimeError), case.transaction() as con:
        con.execute("INSERT INTO sources (path, sha256, format) VALUES ('x', 'y', 'z')")
        raise RuntimeError("boom")
    assert case.scalar("SELECT count(*) FROM sources") == 0
