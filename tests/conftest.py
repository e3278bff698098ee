"""Shared fixtures: a fresh case, file writers, and the real data sets in ../shared/data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from unmask.case import Case

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or a skip that says why: the data-marked tests run where the data sets are."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the shared data sets are not at {SHARED_DATA} (they come with the project's shared/)")
    return SHARED_DATA


@pytest.fixture
def case(tmp_path: Path) -> Iterator[Case]:
    with Case.open(tmp_path / "case.duckdb") as c:
        yield c


@pytest.fixture
def write(tmp_path: Path):
    """write(name, text_or_bytes) → the path of a new file in the test's folder."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
        return path

    return _write


def case_contents(case: Case) -> dict[str, list]:
    """Every row of every case table, for asserting that something changed nothing."""
    tables = (
        "sources", "quarantine", "accounts", "posts", "documents", "statements", "infrastructure",
        "findings", "evidence",
    )  # fmt: skip
    return {t: sorted(map(repr, case.con.execute(f"SELECT * FROM {t}").fetchall())) for t in tables}


class _Collect:
    """A stand-in for the staging table: keeps the rows a reader stages, to test a reader alone."""

    def __init__(self) -> None:
        self.rows: list[dict] = []

    def on_bytes(self, n: int) -> None:
        pass

    def append(self, row: dict) -> None:
        self.rows.append(row)


def staged_rows(reader, path: Path) -> list[dict]:
    """The rows ``reader`` stages for ``path``, without a case."""
    collect = _Collect()
    reader.stage(path, collect)
    return collect.rows


def quarantined(case: Case) -> list[tuple]:
    """(record_no, line_no, field, reason) of every quarantined record, in file order."""
    return case.con.execute(
        "SELECT record_no, line_no, field, reason FROM quarantine ORDER BY source_id, record_no"
    ).fetchall()


def posts_by_id(case: Case) -> dict[str, dict]:
    """Every stored post as a dict, keyed by post id."""
    return {row["post_id"]: row for row in case.query("SELECT * FROM posts ORDER BY record_no")}


def entity_props(case: Case, entity_id: str) -> dict[str, list[str]]:
    """Every property of an imported FtM entity with its distinct values, sorted."""
    rows = case.query(
        "SELECT DISTINCT prop, value FROM statements WHERE entity_id = ? ORDER BY prop, value", [entity_id]
    )
    out: dict[str, list[str]] = {}
    for row in rows:
        out.setdefault(row["prop"], []).append(row["value"])
    return out


def entity_schema(case: Case, entity_id: str) -> str:
    return case.scalar("SELECT any_value(schema) FROM statements WHERE entity_id = ?", [entity_id])


def entity_ids(case: Case, schema: str, source_id: int | None = None) -> list[str]:
    """The ids of the imported entities of ``schema`` (from one source, if given), sorted."""
    rows = case.query(
        "SELECT DISTINCT entity_id FROM statements"
        " WHERE schema = ? AND (? IS NULL OR source_id = ?) ORDER BY 1",
        [schema, source_id, source_id],
    )
    return [r["entity_id"] for r in rows]
