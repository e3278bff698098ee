"""One executor for the coordination plan's SQL, with a dialect for the idioms that differ between engines.

The plan (actions, windowed pairs, the null model, the network test, evidence) is written once, in DuckDB's
SQL, and every statement goes through an :class:`Executor`: DuckDB runs it as written
(:class:`DuckDBExecutor`); Spark runs it transpiled by sqlglot (``read='duckdb', write='spark'``,
:class:`SparkDialect`, and :class:`unmask.coordination.spark.SparkExecutor`). What sqlglot cannot transpile
without a rewrite is spelled by the :class:`Dialect` — a 64-bit hash both engines compute identically,
epoch milliseconds, timestamps, ordered lists, 1-based list access, a range of integers, the link key — and
what is not a query at all (create a table from a query or from Arrow, insert, delete, drop, fetch) is a
method of the executor. The same idea as splink's database APIs and dialects.

On Spark, the dialect's idioms are written as placeholder calls (``unmask_hash64(x)``) that sqlglot carries
through as unknown functions; they are then replaced in the transpiled tree by their Spark spelling, with
their arguments transpiled like the rest of the statement.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

import duckdb
import numpy as np
import pyarrow as pa

# The hash of an object, a word or a word set: the first 64 bits of its MD5 (the first 16 hex digits, read
# big-endian), minus 2^63 so that it fits a signed BIGINT (Spark has no unsigned integers) and sorts as the
# unsigned value does. Both engines compute it from the UTF-8 bytes, so both give the same value, and every
# result that depends on a hash (which objects are one, near_text's MinHash signatures and word-set keys)
# is the same on both.
_OFFSET = 9223372036854775808


class Dialect:
    """DuckDB's spelling of the idioms (as the plan is written); :class:`SparkDialect` overrides them."""

    name = "duckdb"
    # Bursts of more actions than this on one object are salted in the windowed self-join
    # (unmask.coordination.pairs.coaction_sql); None: never. DuckDB's in-process hash join spreads a large
    # key over its threads by itself.
    salt_rows: int | None = None

    def sql(self, text: str) -> str:
        """The statement as this engine runs it."""
        return text

    def hash64(self, expr: str) -> str:
        """The 64-bit hash of a string (see :data:`_OFFSET`), a BIGINT."""
        return f"(('0x' || substr(md5({expr}), 1, 16))::UBIGINT::HUGEINT - {_OFFSET})::BIGINT"

    def epoch_ms(self, expr: str) -> str:
        """Milliseconds since the epoch of a timestamp."""
        return f"epoch_ms({expr})"

    def timestamp_ms(self, expr: str) -> str:
        """The UTC timestamp of epoch milliseconds."""
        return f"make_timestamptz(({expr}) * 1000)"

    def ordered_list(self, expr: str, order: str, where: str | None = None) -> str:
        """The aggregate list of ``expr`` ordered by ``order`` (one expression), of rows where ``where``."""
        kept = f" FILTER (WHERE {where})" if where else ""
        return f"list({expr} ORDER BY {order}){kept}"

    def struct(self, fields: dict[str, str]) -> str:
        """A struct of named fields."""
        return "struct_pack(" + ", ".join(f"{k} := {v}" for k, v in fields.items()) + ")"

    def list_get(self, expr: str, index: str) -> str:
        """Element ``index`` (1-based) of a list."""
        return f"{expr}[{index}]"

    def list_prepend(self, value: str, expr: str) -> str:
        return f"list_prepend({value}, {expr})"

    def list_len(self, expr: str) -> str:
        return f"len({expr})"

    def integers(self, n: int, alias: str, column: str) -> str:
        """A table ``alias(column)`` of the integers 0 … n − 1."""
        return f"range({int(n)}) {alias}({column})"

    def quantile(self, expr: str, q: float) -> str:
        """The ``q``-quantile of ``expr``, interpolated."""
        return f"quantile_cont({expr}, {float(q)!r})"

    def replicate(self, n: str) -> str:
        """In a select list: the row once for each of 0 … n − 1, as that number."""
        return f"unnest(range({n}))"

    def link_key(self, expr: str) -> str:
        """The link key of a URL (``unmask_link_key`` in schema/macros.sql)."""
        return f"unmask_link_key({expr})"


DUCKDB = Dialect()

# Spark spellings of the placeholders; ``{0}``, ``{1}`` … are the arguments, already in Spark SQL.
_SPARK_IDIOMS = {
    "unmask_hash64": f"CAST(CAST(conv(substr(md5(CAST({{0}} AS STRING)), 1, 16), 16, 10) AS DECIMAL(20, 0))"
    f" - {_OFFSET} AS BIGINT)",
    "unmask_epoch_ms": "unix_millis({0})",
    "unmask_timestamp_ms": "timestamp_millis({0})",
    # sort_array orders structs by their first field, the order key; the list keeps the second.
    "unmask_ordered_list": "transform(sort_array(collect_list(named_struct('k', {1}, 'v', {0}))), x -> x.v)",
    "unmask_list_get": "element_at({0}, {1})",
    "unmask_list_prepend": "concat(array({0}), {1})",
    "unmask_list_len": "size({0})",
    "unmask_quantile": "percentile({0}, {1})",
    "unmask_replicate": "explode(sequence(0, {0} - 1))",
    "unmask_link_key": (
        "concat(rtrim('/', regexp_extract(regexp_replace({0}, '^[A-Za-z][A-Za-z0-9+.-]*://', ''), "
        "'^[^?]*', 0)), coalesce(concat('?', nullif(array_join(filter(split(regexp_extract({0}, "
        "'\\\\?(.*)$', 1), '&'), p -> p <> '' AND NOT lower(p) RLIKE "
        "'^(ref|s|si|share|source|ref_src|ref_url)(=|$)'), '&'), '')), ''))"
    ),
}


class SparkDialect(Dialect):
    """Spark SQL: the plan transpiled by sqlglot; idioms as placeholders replaced after transpiling."""

    name = "spark"
    # A task joins at most this many actions of a burst with the whole burst: the rest go to other tasks.
    salt_rows = 250

    def sql(self, text: str) -> str:
        return _to_spark(text)

    def hash64(self, expr: str) -> str:
        return f"unmask_hash64({expr})"

    def epoch_ms(self, expr: str) -> str:
        return f"unmask_epoch_ms({expr})"

    def timestamp_ms(self, expr: str) -> str:
        return f"unmask_timestamp_ms({expr})"

    def ordered_list(self, expr: str, order: str, where: str | None = None) -> str:
        # collect_list skips NULLs: rows left out by ``where`` become NULL.
        value = f"CASE WHEN {where} THEN {expr} END" if where else expr
        return f"unmask_ordered_list({value}, {order})"

    def struct(self, fields: dict[str, str]) -> str:
        return "named_struct(" + ", ".join(f"'{k}', {v}" for k, v in fields.items()) + ")"

    def list_get(self, expr: str, index: str) -> str:
        return f"unmask_list_get({expr}, {index})"

    def list_prepend(self, value: str, expr: str) -> str:
        return f"unmask_list_prepend({value}, {expr})"

    def list_len(self, expr: str) -> str:
        return f"unmask_list_len({expr})"

    def integers(self, n: int, alias: str, column: str) -> str:
        return f"(SELECT unnest(range({int(n)})) AS {column}) {alias}"

    def quantile(self, expr: str, q: float) -> str:
        return f"unmask_quantile({expr}, {float(q)!r})"

    def replicate(self, n: str) -> str:
        return f"unmask_replicate({n})"

    # link_key: DuckDB's spelling is the macro's name, which _SPARK_IDIOMS spells out for Spark.


SPARK = SparkDialect()


@functools.lru_cache(maxsize=512)
def _to_spark(text: str) -> str:
    import sqlglot
    from sqlglot import exp

    def rewrite(node: exp.Expression) -> exp.Expression:
        # DuckDB's 1.5 is a DECIMAL that turns DOUBLE in a division; Spark's stays DECIMAL with a rounded
        # scale. A double literal keeps the arithmetic (and the p-values) the same as DuckDB's.
        if isinstance(node, exp.Literal) and not node.is_string and "." in node.this:
            return exp.cast(node, exp.DataType.build("double"))
        if isinstance(node, exp.Anonymous) and str(node.this).lower() in _SPARK_IDIOMS:
            template = _SPARK_IDIOMS[str(node.this).lower()]
            args = [a.transform(rewrite).sql(dialect="spark") for a in node.expressions]
            return sqlglot.parse_one(template.format(*args), read="spark")
        return node

    tree = sqlglot.parse_one(text, read="duckdb")
    return tree.transform(rewrite).sql(dialect="spark")


class Executor(Protocol):
    """Runs the coordination plan's SQL on one engine. Table names may be qualified by the work schema."""

    dialect: Dialect
    # Whether the engine runs in this process, so that a step may fetch a whole table into numpy (MinHash,
    # connected components); False: the step runs on the engine (Spark's executors).
    in_process: bool

    def execute(self, sql: str) -> None: ...

    def rows(self, sql: str) -> list[tuple]: ...

    def scalar(self, sql: str) -> Any: ...

    def arrow(self, sql: str) -> pa.Table: ...

    def numpy(self, sql: str) -> dict[str, np.ndarray]: ...

    def batches(self, sql: str, rows: int) -> Iterator[pa.RecordBatch]: ...

    def create_table(self, name: str, query: str) -> None: ...

    def create_empty(self, name: str, columns: str) -> None: ...

    def create_view(self, name: str, query: str) -> None: ...

    def create_numbered(
        self,
        name: str,
        query: str,
        key: str | Sequence[str],
        column: str,
        start: int = 1,
        sql_type: str = "BIGINT",
    ) -> None: ...

    def insert(self, name: str, query: str, columns: str | None = None) -> None: ...

    def delete_where(self, name: str, condition: str, alias: str | None = None) -> None: ...

    def columns(self, relation: str) -> dict[str, str]: ...

    def drop(self, *names: str) -> None: ...

    def create_from_arrow(self, name: str, table: pa.Table) -> None: ...

    def map_batches(
        self, name: str, query: str, fn: Callable[[pa.RecordBatch], pa.RecordBatch], columns: str
    ) -> None: ...

    @contextmanager
    def registered(self, name: str, table: pa.Table) -> Iterator[str]: ...


def as_executor(ex: Executor | duckdb.DuckDBPyConnection) -> Executor:
    """An executor; a DuckDB connection is run as written (the helpers take either)."""
    return DuckDBExecutor(ex) if isinstance(ex, duckdb.DuckDBPyConnection) else ex


def literal(value: str) -> str:
    """A string as an SQL literal."""
    return "'" + value.replace("'", "''") + "'"


class DuckDBExecutor:
    """The coordination plan on a DuckDB connection, exactly as written."""

    dialect: Dialect = DUCKDB
    in_process = True

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def execute(self, sql: str) -> None:
        self.con.execute(sql)

    def rows(self, sql: str) -> list[tuple]:
        return self.con.execute(sql).fetchall()

    def scalar(self, sql: str) -> Any:
        return self.con.execute(sql).fetchall()[0][0]

    def arrow(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def numpy(self, sql: str) -> dict[str, np.ndarray]:
        return self.con.execute(sql).fetchnumpy()

    def batches(self, sql: str, rows: int) -> Iterator[pa.RecordBatch]:
        reader = self.con.sql(sql).to_arrow_reader(rows)
        try:
            yield from reader
        finally:
            reader.close()

    def create_table(self, name: str, query: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS {query}")

    def create_empty(self, name: str, columns: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TABLE {name} ({columns})")

    def create_view(self, name: str, query: str) -> None:
        """A view: temporary when ``name`` has no schema, else in that schema."""
        temp = "" if "." in name else "TEMP "
        self.con.execute(f"CREATE OR REPLACE {temp}VIEW {name} AS {query}")

    def create_numbered(
        self,
        name: str,
        query: str,
        key: str | Sequence[str],
        column: str,
        start: int = 1,
        sql_type: str = "BIGINT",
    ) -> None:
        """``name``: the rows of ``query`` and ``column``, their rank in the order of ``key`` (a column, or
        columns, whose values are distinct), counted from ``start``. Every engine numbers alike (binary order
        of strings; no NULL or NaN in the key)."""
        keys = ", ".join([key] if isinstance(key, str) else key)
        rank = f"row_number() OVER (ORDER BY {keys}) + {int(start) - 1}"
        self.create_table(name, f"SELECT *, CAST({rank} AS {sql_type}) AS {column} FROM ({query})")

    def insert(self, name: str, query: str, columns: str | None = None) -> None:
        target = f"{name} ({columns})" if columns else name
        self.con.execute(f"INSERT INTO {target} {query}")

    def delete_where(self, name: str, condition: str, alias: str | None = None) -> None:
        self.con.execute(f"DELETE FROM {name} {alias or ''} WHERE {condition}")

    def columns(self, relation: str) -> dict[str, str]:
        """Column names and DuckDB types (a list type ends in ``[]``)."""
        return dict(self.rows(f"SELECT column_name, column_type FROM (DESCRIBE {relation})"))

    def drop(self, *names: str) -> None:
        for name in names:
            self.con.execute(f"DROP TABLE IF EXISTS {name}")

    def create_from_arrow(self, name: str, table: pa.Table) -> None:
        with self.registered("_unmask_arrow", table) as view:
            self.create_table(name, f"SELECT * FROM {view}")

    def map_batches(
        self, name: str, query: str, fn: Callable[[pa.RecordBatch], pa.RecordBatch], columns: str
    ) -> None:
        """Create ``name`` (``columns``) from ``fn`` applied to the rows of ``query``, batch by batch (the
        results are inserted once the query is read: a connection reads one result at a time)."""
        self.create_empty(name, columns)
        done = [fn(batch) for batch in self.batches(query, 1 << 16)]
        if done:
            with self.registered("_unmask_batches", pa.Table.from_batches(done)) as view:
                self.insert(name, f"SELECT * FROM {view}")

    @contextmanager
    def registered(self, name: str, table: pa.Table) -> Iterator[str]:
        self.con.register(name, table)
        try:
            yield name
        finally:
            self.con.unregister(name)
