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
    tables = ("sources", "quarantine", "accounts", "posts", "findings", "evidence")
    return {t: sorted(map(repr, case.con.execute(f"SELECT * FROM {t}").fetchall())) for t in tables}
