"""The case: one DuckDB file holding everything an investigation has imported and found.

A case records the migrations applied to it (``schema_migrations``), so that an older case opens in a newer
unmask and is brought up to date, and a case from a newer unmask is refused rather than damaged.

Example::

    >>> with Case.open(":memory:") as case:
    ...     case.schema_version()
    2
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import TracebackType

import duckdb

from unmask.errors import CaseError

DEFAULT_CASE = "unmask.duckdb"
# Imports and engines spill to disk past this, which keeps peak memory bounded on any input.
DEFAULT_MEMORY_LIMIT = os.environ.get("UNMASK_MEMORY_LIMIT", "1GB")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql_file: str


# Append only: a released migration is never edited, a change is a new migration.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "base tables", "001_base.sql"),
    Migration(2, "documents", "002_documents.sql"),
    Migration(3, "records", "003_records.sql"),
)


def _schema_sql(name: str) -> str:
    return resources.files("unmask.schema").joinpath(name).read_text(encoding="utf-8")


class Case:
    """An open case file. Use :meth:`open`; close it (or use ``with``) to release the file."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: str):
        self.con = con
        self.path = path

    @classmethod
    def open(cls, path: str | Path = DEFAULT_CASE, *, read_only: bool = False) -> Case:
        """Open the case at ``path``, creating it and applying pending migrations as needed."""
        path = str(path)
        if path != ":memory:":
            parent = Path(path).resolve().parent
            if not parent.is_dir():
                raise CaseError(f"{path}: the folder {parent} does not exist")
            if read_only and not Path(path).exists():
                raise CaseError(f"{path}: no such case (import something first)")
        try:
            con = duckdb.connect(path, read_only=read_only)
        except duckdb.Error as exc:
            raise CaseError(f"{path}: cannot open as a case: {exc}") from None
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")
        con.execute(f"SET memory_limit = '{DEFAULT_MEMORY_LIMIT}'")
        con.execute("SET preserve_insertion_order = false")
        case = cls(con, path)
        if not read_only:
            case._migrate()
        elif case.schema_version() == 0:
            raise CaseError(f"{path}: not an unmask case")
        con.execute(_schema_sql("macros.sql"))
        return case

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Case:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- schema ----------------------------------------------------------------------------------

    def schema_version(self) -> int:
        exists = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
        ).fetchall()[0][0]
        if not exists:
            return 0
        return self.con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchall()[0][0]

    def _migrate(self) -> None:
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
            " applied_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp)"
        )
        current = self.schema_version()
        newest = MIGRATIONS[-1].version
        if current > newest:
            raise CaseError(
                f"{self.path}: made by a newer unmask (schema {current}; this one knows up to {newest})"
            )
        for migration in MIGRATIONS:
            if migration.version <= current:
                continue
            with self.transaction():
                self.con.execute(_schema_sql(migration.sql_file))
                self.con.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                    [migration.version, migration.name],
                )

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All or nothing: on any exception the case is left exactly as it was."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    @contextmanager
    def scratch(self, name: str = "unmask_work") -> Iterator[str]:
        """A scratch database attached as ``name``, for an engine's intermediate tables.

        DuckDB keeps TEMP tables in memory; tables in an attached file spill to disk, so an engine's work
        stays within the memory limit whatever the data. The file is deleted afterwards.
        """
        with tempfile.TemporaryDirectory(prefix="unmask-") as folder:
            self.con.execute(f"ATTACH '{Path(folder) / 'work.duckdb'}' AS {name}")
            try:
                yield name
            finally:
                self.con.execute(f"DETACH {name}")

    # -- reading ---------------------------------------------------------------------------------

    def query(self, sql: str, params: list | None = None) -> list[dict]:
        """Run a read query and return its rows as dicts (small results only)."""
        cur = self.con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def scalar(self, sql: str, params: list | None = None):
        return self.con.execute(sql, params or []).fetchall()[0][0]
