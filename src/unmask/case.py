"""The case: one DuckDB file holding everything an investigation has imported and found.

A case records the migrations applied to it (``schema_migrations``), so that an older case opens in a newer
unmask and is brought up to date, and a case from a newer unmask is refused rather than damaged.

Every connection is opened by :func:`connect`: DuckDB never installs or loads an extension (a SQLite file
given as the case would otherwise make it download one), and queries read no file but the case, its scratch
databases and the files an import was given, so that neither an input file nor a case from elsewhere can
make unmask reach the network or read other files.

Example::

    >>> with Case.open(":memory:") as case:
    ...     case.schema_version()
    5
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import TracebackType

import duckdb

from unmask.errors import CaseError, OptionError

DEFAULT_CASE = "unmask.duckdb"
# Imports and engines spill to disk past this, which keeps peak memory bounded on any input.
DEFAULT_MEMORY_LIMIT = os.environ.get("UNMASK_MEMORY_LIMIT", "1GB")
_memory_limit = DEFAULT_MEMORY_LIMIT
# Given at connect: DuckDB reads them before any SET could.
_CONFIG = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
}
# Scratch databases (Case.scratch) and the spill files of read-only cases live here: the one folder, with
# the case itself and the files an import reads, that queries may touch. Named once a process, because
# DuckDB shares one database (and these settings) between the connections of a process to the same file.
SCRATCH_ROOT = Path(os.path.realpath(tempfile.gettempdir())) / f"unmask-{secrets.token_hex(8)}"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_DUCKDB_MAGIC = b"DUCK"  # at byte 8 of every DuckDB file
_HEADER_BYTES = 3 * 4096  # a DuckDB file's headers, before its first block
_DAMAGED = (
    "the file is damaged or incomplete (cut short while copying?): copy it again, or restore it from a backup"
)


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
    Migration(4, "sources", "004_sources.sql"),
    Migration(5, "runs", "005_runs.sql"),
    Migration(6, "edge test", "006_edge_test.sql"),
    Migration(7, "resolution detail", "007_resolution_detail.sql"),
    Migration(8, "case graph", "008_case_graph.sql"),
)


def _schema_sql(name: str) -> str:
    return resources.files("unmask.schema").joinpath(name).read_text(encoding="utf-8")


def _tables_of(version: int) -> list[str]:
    """The tables a case of schema ``version`` has: those its migrations create."""
    return [
        name
        for m in MIGRATIONS
        if m.version <= version
        for name in re.findall(r"(?im)^\s*CREATE TABLE (\w+)", _schema_sql(m.sql_file))
    ]


def set_memory_limit(limit: str | None) -> str:
    """Set DuckDB's ``memory_limit`` for the connections made from now on (``unmask --memory-limit``);
    None restores the default (``UNMASK_MEMORY_LIMIT``, else 1GB). Returns the limit now in force.
    Raises :class:`OptionError` for a size DuckDB cannot read."""
    global _memory_limit
    wanted = os.environ.get("UNMASK_MEMORY_LIMIT", "1GB") if limit is None else limit.strip()
    probe = duckdb.connect(":memory:", config=dict(_CONFIG))
    try:
        probe.execute("SET memory_limit = ?", [wanted])
    except duckdb.Error:
        raise OptionError(f"--memory-limit {wanted!r}: a size such as 512MB, 2GB or 8GiB") from None
    finally:
        probe.close()
    _memory_limit = wanted
    return wanted


def memory_limit() -> str:
    """The ``memory_limit`` that :func:`connect` gives each connection."""
    return _memory_limit


def connect(path: str, *, read_only: bool = False, readable: Iterable[str] = ()) -> duckdb.DuckDBPyConnection:
    """The one place unmask connects to DuckDB: no extension is ever installed or loaded, and queries may
    read no file but the case, :data:`SCRATCH_ROOT` and ``readable`` (files or folders an import reads with
    DuckDB itself). Every connection has the settings that bound resources and the macros of macros.sql.
    Raises :class:`CaseError` with one line for a file DuckDB cannot open.

    An in-memory database (``":memory:"``) holds only what this process put in it, and cannot be reopened
    to widen what it may read: it keeps file access.
    """
    try:
        con = duckdb.connect(path, read_only=read_only, config=dict(_CONFIG))
    except duckdb.Error as exc:
        raise _open_error(path, exc) from None
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")
        con.execute("SET memory_limit = ?", [_memory_limit])
        con.execute("SET preserve_insertion_order = false")
        if path != ":memory:":
            _restrict(con, read_only, readable)
        con.execute(_schema_sql("macros.sql"))
    except BaseException:
        con.close()
        raise
    return con


def _restrict(con: duckdb.DuckDBPyConnection, read_only: bool, readable: Iterable[str]) -> None:
    # External access cannot be turned back on in a running database, nor the lists below changed once it
    # is off: they are set first. A second connection of this process to the same file finds them set.
    if not con.execute("SELECT current_setting('enable_external_access')").fetchall()[0][0]:
        return
    files, folders = [], [str(SCRATCH_ROOT) + os.sep]
    for name in readable:
        if Path(name).is_dir():
            folders.append(name.rstrip(os.sep) + os.sep)
        else:
            files.append(name)
    con.execute("SET allowed_directories = ?", [folders])
    con.execute("SET allowed_paths = ?", [files])
    if read_only:
        # Spill files go beside the case by default, where an evidence copy's folder may not be writable.
        SCRATCH_ROOT.mkdir(mode=0o700, exist_ok=True)
        con.execute("SET temp_directory = ?", [str(SCRATCH_ROOT / f"spill-{secrets.token_hex(4)}")])
    con.execute("SET enable_external_access = false")


def _open_error(path: str, exc: duckdb.Error) -> CaseError:
    """One line for a case DuckDB refuses: in use, damaged, read-only, or not a case at all."""
    text = str(exc)
    if "Could not set lock" in text:
        pid = re.search(r"\(PID (\d+)\)", text)
        who = f"another unmask (PID {pid.group(1)})" if pid else "another program"
        return CaseError(f"{who} is using {path}; wait for it or work on a copy")
    if "Permission denied" in text:
        return CaseError(f"{path} is read-only: commands that change the case need a writable copy")
    if "Could not read enough bytes" in text or "not a valid DuckDB database" in text:
        return CaseError(f"{path}: cannot open as a case: {_DAMAGED}")
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return CaseError(f"{path}: cannot open as a case: {first}")


def _not_a_case(path: Path) -> str | None:
    """Why the existing file at ``path`` cannot be a case, from its first bytes; None if it may be one."""
    if path.is_dir():
        return "it is a folder (give the case file, e.g. unmask.duckdb)"
    try:
        with path.open("rb") as f:
            head = f.read(16)
    except OSError as exc:
        return f"cannot read it ({exc.strerror})"
    if not head:
        return "it is an empty file (remove it, and unmask makes a new case there)"
    if head.startswith(_SQLITE_MAGIC):
        return "it is a SQLite database, not a DuckDB file"
    if head[8:12] != _DUCKDB_MAGIC:
        return "it is not a DuckDB file"
    return None


def _check_path(path: str, read_only: bool) -> None:
    """Refuse, before DuckDB sees it, a case path that cannot work: why, in one line."""
    file = Path(path)
    folder = file.absolute().parent
    if not folder.is_dir():
        raise CaseError(f"{path}: the folder {folder} does not exist")
    if file.exists():
        why = _not_a_case(file)
        if why:
            raise CaseError(f"{path}: cannot open as a case: {why}")
    elif read_only:
        raise CaseError(f"{path}: no such case (import something first)")
    if not read_only and not Case.writable(file):
        if file.exists():
            raise CaseError(f"{path} is read-only: commands that change the case need a writable copy")
        raise CaseError(f"{path}: cannot make a case there: the folder {folder} is read-only")


def _detach_scratch(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Detach a scratch database, whose file is deleted next.

    DuckDB checkpoints a database as it detaches it; when that checkpoint fails (seen once under heavy
    load), the database is detached all the same and says so. Its file is about to be removed, so losing
    the checkpoint loses nothing, and the engine's results, already read, stand.
    """
    try:
        con.execute(f"DETACH {name}")
    except duckdb.Error as exc:
        if f"Detached database '{name}'" not in str(exc):
            raise


class Case:
    """An open case file. Use :meth:`open`; close it (or use ``with``) to release the file."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: str, *, read_only: bool = False):
        self.con = con
        self.path = path
        self.read_only = read_only
        self._readable: set[str] = set()
        self._in_transaction = False

    @classmethod
    def open(cls, path: str | Path = DEFAULT_CASE, *, read_only: bool = False) -> Case:
        """Open the case at ``path``, creating it and applying pending migrations as needed.

        Anything that makes it unusable is a :class:`CaseError` of one line: a missing folder or case, a
        file that is not a case (SQLite, text, empty, damaged), a case another process has open, a
        read-only case opened for writing (:meth:`writable` tells beforehand), a case of a newer unmask, or
        one with a table missing.
        """
        path = str(path)
        if path != ":memory:":
            _check_path(path, read_only)
        case = cls(connect(path, read_only=read_only), path, read_only=read_only)
        try:
            case._check_complete()
            case._check_schema()
            if not read_only:
                case._migrate()
        except BaseException:
            case.con.close()
            raise
        return case

    @staticmethod
    def writable(path: str | Path) -> bool:
        """Whether commands may change the case at ``path`` (or create it there).

        Both the file and its folder must be writable: DuckDB keeps its write-ahead log beside the case.
        """
        if str(path) == ":memory:":
            return True
        file = Path(path)
        if not os.access(file.absolute().parent, os.W_OK | os.X_OK):
            return False
        return not file.exists() or os.access(file, os.W_OK)

    def allow_reading(self, paths: Iterable[str | Path]) -> None:
        """Let queries read ``paths`` (files or folders), for imports of formats DuckDB parses itself.

        The list of readable files is fixed when a connection starts, so this reopens the case when a path
        is new: call it outside a transaction, and take ``case.con`` afresh afterwards.
        """
        # DuckDB keeps these lists with links resolved (a data folder reached through a symbolic link).
        wanted = {os.path.realpath(p) for p in paths} - self._readable
        if not wanted or self.path == ":memory:":
            return
        if self._in_transaction:
            raise RuntimeError("allow_reading reopens the case: call it outside a transaction")
        self._readable |= wanted
        self.con.close()
        self.con = connect(self.path, read_only=self.read_only, readable=sorted(self._readable))
        allowed = self.con.execute(
            "SELECT current_setting('allowed_paths') || current_setting('allowed_directories')"
        ).fetchall()[0][0]
        if not all(p in allowed or p + os.sep in allowed for p in wanted):
            raise RuntimeError(f"{self.path} is open twice in this process: close the other Case first")

    def close(self) -> None:
        self.con.close()
        # Empty once no scratch database or spill file of this process is left in it.
        with suppress(OSError):
            SCRATCH_ROOT.rmdir()

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

    def _check_complete(self) -> None:
        """Refuse a file too short to hold the blocks in use: DuckDB opens one cut at the end, and fails
        later, in the middle of a command, when a query reaches the missing part.

        ``total_blocks`` counts free blocks too, and a sound file often ends before them (a table dropped
        before a checkpoint): only the blocks in use must fit, which no sound file fails.
        """
        # With a write-ahead log left by a crash, blocks may be replayed that the file does not have yet.
        if self.path == ":memory:" or Path(self.path + ".wal").exists():
            return
        [(block_size, blocks)] = self.con.execute(
            "SELECT block_size, used_blocks FROM pragma_database_size()"
            " WHERE database_name = current_database()"
        ).fetchall()
        if Path(self.path).stat().st_size < _HEADER_BYTES + blocks * block_size:
            raise CaseError(f"{self.path}: cannot open as a case: {_DAMAGED}")

    def _check_schema(self) -> None:
        """Refuse a case this unmask cannot use: not a case, from a newer unmask (for writing), or a table
        of its schema missing or replaced (by hand, or by whoever handed the case over)."""
        version = self.schema_version()
        newest = MIGRATIONS[-1].version
        if version > newest and not self.read_only:
            raise CaseError(
                f"{self.path}: made by a newer unmask (schema {version}; this one knows up to {newest})"
            )
        kinds = dict(
            self.con.execute(
                "SELECT table_name, table_type FROM information_schema.tables"
                " WHERE table_catalog = current_database() AND table_schema = 'main'"
            ).fetchall()
        )
        if version == 0:
            others = sorted(set(kinds) - {"schema_migrations"})
            if self.read_only or others:
                holds = f": a DuckDB database with other tables ({', '.join(others[:5])})" if others else ""
                raise CaseError(f"{self.path}: not an unmask case{holds}")
            return
        wrong = [t for t in _tables_of(min(version, newest)) if kinds.get(t) != "BASE TABLE"]
        if wrong:
            what = ", ".join(t if t not in kinds else f"{t} (a {kinds[t].lower()})" for t in wrong)
            raise CaseError(
                f"{self.path}: the case is damaged: no table {what} (changed outside unmask?); restore it "
                "from a backup, or import the files again into a new case"
            )

    def _migrate(self) -> None:
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
            " applied_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp)"
        )
        current = self.schema_version()
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
        self._in_transaction = True
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        finally:
            self._in_transaction = False
        self.con.execute("COMMIT")

    @contextmanager
    def scratch(self, name: str = "unmask_work") -> Iterator[str]:
        """A scratch database attached as ``name``, for an engine's intermediate tables.

        DuckDB keeps TEMP tables in memory; tables in an attached file spill to disk, so an engine's work
        stays within the memory limit whatever the data. The file is deleted afterwards. It lives in
        :data:`SCRATCH_ROOT`, the one folder besides the case that queries may write to.
        """
        SCRATCH_ROOT.mkdir(mode=0o700, exist_ok=True)
        folder = tempfile.mkdtemp(dir=SCRATCH_ROOT)
        try:
            self.con.execute(f"ATTACH '{Path(folder) / 'work.duckdb'}' AS {name}")
            try:
                yield name
            finally:
                _detach_scratch(self.con, name)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    # -- reading ---------------------------------------------------------------------------------

    def query(self, sql: str, params: list | None = None) -> list[dict]:
        """Run a read query and return its rows as dicts (small results only)."""
        cur = self.con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def scalar(self, sql: str, params: list | None = None):
        return self.con.execute(sql, params or []).fetchall()[0][0]
