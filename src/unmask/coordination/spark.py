"""The coordination plan on Apache Spark: an :class:`~unmask.coordination.sql.Executor` over a SparkSession.

Every statement is the DuckDB plan transpiled by :class:`~unmask.coordination.sql.SparkDialect`. Each table
of the work schema is a Parquet table in a database of the session's catalog (``unmask_work``), written
when it is created: a table is a checkpoint, as splink's ``break_lineage_method="parquet"`` is, so that a
step never recomputes the ones before it and a large step spills to disk rather than to driver memory.
Spark's Parquet tables cannot be updated in place: a delete writes the rows kept as a new table and
renames it.

Posts come from Parquet files with the columns of a case's posts table (``unmask export posts --format
parquet``), read with :meth:`SparkExecutor.read_posts`.

Example::

    >>> from pyspark.sql import SparkSession                                  # doctest: +SKIP
    >>> spark = SparkSession.builder.master("local[2]").getOrCreate()
    >>> with SparkExecutor.scratch(spark) as ex:
    ...     ex.read_posts("posts/*.parquet")
    ...     found = Coordination(kinds=("share",)).fit_executor(ex)
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pyarrow as pa

from unmask.coordination.sql import SPARK, Dialect

WORK = "unmask_work"


class SparkExecutor:
    """Runs the coordination plan on a SparkSession; work tables live in the database ``work``."""

    dialect: Dialect = SPARK
    in_process = False

    def __init__(self, spark: Any, work: str = WORK):
        self.spark = spark
        self.work = work
        # What this executor created, table or view: dropping needs no look-up in the catalog.
        self._made: dict[str, str] = {}

    @classmethod
    @contextmanager
    def scratch(cls, spark: Any, root: str | None = None, work: str = WORK) -> Iterator[SparkExecutor]:
        """An executor whose work tables are Parquet tables of a database in a new folder under ``root`` (a
        local or Hadoop path; a temporary folder when None), dropped with its tables afterwards."""
        folder = root or tempfile.mkdtemp(prefix="unmask-spark-")
        spark.sql(f"DROP DATABASE IF EXISTS {work} CASCADE")
        spark.sql(f"CREATE DATABASE {work} LOCATION '{folder}/{work}.db'")
        try:
            yield cls(spark, work)
        finally:
            spark.sql(f"DROP DATABASE IF EXISTS {work} CASCADE")
            if root is None:
                shutil.rmtree(folder, ignore_errors=True)

    def read_posts(self, path: str | list[str], view: str = "posts") -> None:
        """The Parquet posts at ``path`` (a file, folder or glob) as the temporary view ``view``."""
        self.spark.read.parquet(*([path] if isinstance(path, str) else path)).createOrReplaceTempView(view)

    def _df(self, sql: str) -> Any:
        return self.spark.sql(self.dialect.sql(sql))

    def execute(self, sql: str) -> None:
        self._df(sql).collect()

    def rows(self, sql: str) -> list[tuple]:
        return [tuple(r) for r in self._df(sql).collect()]

    def scalar(self, sql: str) -> Any:
        return self._df(sql).collect()[0][0]

    def arrow(self, sql: str) -> pa.Table:
        return self._df(sql).toArrow()

    def numpy(self, sql: str) -> dict[str, np.ndarray]:
        table = self.arrow(sql)
        return {name: table.column(name).to_numpy() for name in table.column_names}

    def batches(self, sql: str, rows: int) -> Iterator[pa.RecordBatch]:
        yield from self.arrow(sql).to_batches(rows)

    def _write(self, name: str, df: Any, reads_itself: bool = False) -> None:
        """``df`` written as the Parquet table ``name``, replacing it. Spark cannot overwrite a table that
        the query reads: then it is written under another name and renamed."""
        if self._made.get(name) == "VIEW":
            self.drop(name)
        if not reads_itself:
            df.write.mode("overwrite").format("parquet").saveAsTable(name)
        else:
            fresh = f"{name}__new"
            df.write.mode("overwrite").format("parquet").saveAsTable(fresh)
            self.drop(name)
            self.spark.sql(f"ALTER TABLE {fresh} RENAME TO {name}")
        self._made[name] = "TABLE"

    def create_table(self, name: str, query: str) -> None:
        self._write(name, self._df(query), reads_itself=name in query)

    def create_empty(self, name: str, columns: str) -> None:
        import sqlglot

        ddl = sqlglot.transpile(f"CREATE TABLE {name} ({columns})", read="duckdb", write="spark")[0]
        self.drop(name)
        self.spark.sql(f"{ddl} USING parquet")
        self._made[name] = "TABLE"

    def create_view(self, name: str, query: str) -> None:
        if "." not in name:
            self._df(query).createOrReplaceTempView(name)
            return
        self.drop(name)
        self.spark.sql(f"CREATE VIEW {name} AS {self.dialect.sql(query)}")
        self._made[name] = "VIEW"

    def insert(self, name: str, query: str, columns: str | None = None) -> None:
        target = f"{name} ({columns})" if columns else name
        self.spark.sql(self.dialect.sql(f"INSERT INTO {target} {query}"))

    def delete_where(self, name: str, condition: str, alias: str | None = None) -> None:
        """Keep the rows where ``condition`` is false (it must never be NULL)."""
        alias = alias or "t"
        self.create_table(name, f"SELECT {alias}.* FROM {name} {alias} WHERE NOT ({condition})")

    def drop(self, *names: str) -> None:
        for name in names:
            if name in self._made:
                self.spark.sql(f"DROP {self._made.pop(name)} IF EXISTS {name}")

    def create_from_arrow(self, name: str, table: pa.Table) -> None:
        self._write(name, self._frame(table))

    def map_batches(self, name: str, query: str, fn: Any, columns: str) -> None:
        """``fn`` applied on the executors to the rows of ``query`` (``mapInArrow``): a batch never holds
        more than ``spark.sql.execution.arrow.maxRecordsPerBatch`` rows."""
        import sqlglot
        from sqlglot import exp

        schema = sqlglot.parse_one(f"CREATE TABLE t ({columns})", read="duckdb").find(exp.Schema)
        spark_schema = ", ".join(c.sql(dialect="spark") for c in schema.expressions)
        self._write(name, self._df(query).mapInArrow(lambda batches: map(fn, batches), spark_schema))

    def _frame(self, table: pa.Table) -> Any:
        return self.spark.createDataFrame(table)

    @contextmanager
    def registered(self, name: str, table: pa.Table) -> Iterator[str]:
        self._frame(table).createOrReplaceTempView(name)
        try:
            yield name
        finally:
            self.spark.catalog.dropTempView(name)

    def columns(self, relation: str) -> dict[str, str]:
        """Column names and DuckDB-style types (a list type ends in ``[]``), as the plan reads them."""
        return {f.name: _duckdb_type(f.dataType) for f in self.spark.table(relation).schema.fields}


def _duckdb_type(data_type: Any) -> str:
    from pyspark.sql import types as T

    if isinstance(data_type, T.ArrayType):
        return _duckdb_type(data_type.elementType) + "[]"
    names = {
        T.StringType: "VARCHAR",
        T.IntegerType: "INTEGER",
        T.LongType: "BIGINT",
        T.DoubleType: "DOUBLE",
        T.BooleanType: "BOOLEAN",
        T.TimestampType: "TIMESTAMP WITH TIME ZONE",
    }
    return next((n for t, n in names.items() if isinstance(data_type, t)), data_type.simpleString().upper())
