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

import itertools
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from unmask.coordination.sql import SPARK, Dialect
from unmask.errors import OptionError

WORK = "unmask_work"
# Share of the machine's memory a local Spark driver gets unless told (its executors live in it): the rest
# is for the Python process, which receives the significant edges and runs Leiden.
LOCAL_DRIVER_SHARE = 0.5


def missing() -> str | None:
    """Why Spark cannot run here (pyspark, sqlglot or a Java runtime missing), or None."""
    import importlib.util

    for module in ("pyspark", "sqlglot"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed: pip install 'unmask[spark]'"
    java_home = os.environ.get("JAVA_HOME")
    if not (java_home and Path(java_home, "bin", "java").exists()) and shutil.which("java") is None:
        return (
            "no Java runtime (JAVA_HOME or java on PATH): install one, 17 or 21, for example "
            "apt-get install openjdk-17-jre-headless"
        )
    return None


def session_conf(master: str, folder: Path, given: dict[str, str]) -> dict[str, str]:
    """The settings of the session ``session`` starts: what the plan needs, and defaults for a local
    master; ``given`` (``--spark-conf``) overrides all but the time zone, which the plan depends on."""
    conf = {
        # Edges' first and last times are read back through the session's zone.
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.showConsoleProgress": "false",
        # The catalog's files (Derby's metastore, the warehouse) go to the run's folder, not the user's.
        "spark.sql.warehouse.dir": str(folder / "warehouse"),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={folder} "
        f"-Dlog4j2.configurationFile={_quiet_log4j(folder).as_uri()}",
    }
    if master.startswith("local"):
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        conf["spark.driver.memory"] = f"{max(1, int(total * LOCAL_DRIVER_SHARE / 2**30))}g"
    conf.update(given)
    if conf["spark.sql.session.timeZone"] != "UTC":
        raise OptionError("spark.sql.session.timeZone must stay UTC: edges' times are read back through it")
    return conf


def _quiet_log4j(folder: Path) -> Path:
    """A log4j2 configuration that lets the JVM print fatal errors only: its start-up warnings (native
    Hadoop libraries, the local address) would drown the command's own progress lines. (Java's own notice of
    the incubator vector module, which Spark 4 loads, is printed by the JVM and stays.)"""
    path = folder / "log4j2.properties"
    path.write_text(
        # Fatal messages only: a failed task's stack trace is logged as an error, and the command says what
        # failed in one line instead. Spark, started from Python, replaces the root's level by its
        # "shell's" (a logger of org.apache, WARN unless configured) with a three-line notice unless the
        # two are equal: hence the same level for org.apache.
        "rootLogger.level = fatal\n"
        "rootLogger.appenderRef.stderr.ref = console\n"
        "appender.console.type = Console\n"
        "appender.console.name = console\n"
        "appender.console.target = SYSTEM_ERR\n"
        "appender.console.layout.type = PatternLayout\n"
        "appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n\n"
        "logger.apache.name = org.apache\n"
        "logger.apache.level = fatal\n"
    )
    return path


@contextmanager
def session(master: str, folder: Path, conf: dict[str, str] | None = None) -> Iterator[Any]:
    """A SparkSession on ``master`` (``local[N]``, ``spark://HOST:7077``, ``yarn``, ...), stopped afterwards.
    A session already active in this process (``spark-submit``, a notebook) is used as it is, and left
    running."""
    why = missing()
    if why:
        raise OptionError(f"--engine spark: {why}")
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        yield active
        return
    # The Python workers (near_text's MinHash in mapInArrow) need an interpreter with unmask installed: this
    # one, unless told otherwise. PySpark reads the variable, not spark.pyspark.python, for its workers.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("unmask-coordination").master(master)
    for key, value in session_conf(master, folder, conf or {}).items():
        builder = builder.config(key, value)
    # Ctrl-C and SIGTERM reach the JVM too: py4j then logs the interrupted call through the root logger
    # (which prints it unless a handler is set) and PySpark's accumulator server prints the closed
    # connection's traceback. The command says what happened in one line instead.
    quiet = logging.NullHandler()
    logging.getLogger().addHandler(quiet)
    try:
        spark = builder.getOrCreate()
        # Spark logs each failed task's stack trace; the command says what failed in one line instead.
        spark.sparkContext.setLogLevel("FATAL")
        server = getattr(spark.sparkContext, "_accumulatorServer", None)
        if server is not None:
            server.handle_error = lambda request, client_address: None
        try:
            yield spark
        finally:
            spark.stop()
    finally:
        logging.getLogger().removeHandler(quiet)


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

    def create_numbered(
        self,
        name: str,
        query: str,
        key: str | Sequence[str],
        column: str,
        start: int = 1,
        sql_type: str = "BIGINT",
    ) -> None:
        """As :meth:`~unmask.coordination.sql.DuckDBExecutor.create_numbered`, without moving every row to
        one task (what ``row_number() OVER (ORDER BY key)`` does on Spark): the rows are sorted by ``key``
        across the cluster (a range partitioning), each partition is numbered on its own, and a partition's
        numbers start after the rows of the partitions before it, counted first (as ``zipWithIndex`` does).
        The partitions' key ranges are checked to follow each other; if they did not, the rows are numbered
        on one task instead, so the numbers are always those of the global order."""
        from pyspark.sql import Window
        from pyspark.sql import functions as F

        keys = [key] if isinstance(key, str) else list(key)
        part = "_unmask_part"
        ranged = f"{name}__ranged"
        self._write(ranged, self._df(query).orderBy(*keys).withColumn(part, F.spark_partition_id()))
        # Several keys compare as a struct in SQL and as a tuple (a Row) here: both field by field.
        whole = keys[0] if len(keys) == 1 else f"struct({', '.join(keys)})"
        parts = self.spark.sql(
            f"SELECT {part}, count(*), min({whole}), max({whole}) FROM {ranged} "
            f"GROUP BY {part} ORDER BY {part}"
        ).collect()
        table = self.spark.table(ranged)
        if not all(a[3] < b[2] for a, b in itertools.pairwise(parts)):
            table = table.withColumn(part, F.lit(0))
            parts = [(0, sum(row[1] for row in parts))]
        offsets, before = [], int(start) - 1
        for row in parts:
            offsets.append((row[0], before))
            before += row[1]
        starts = self.spark.createDataFrame(offsets or [(0, 0)], f"{part} INT, _unmask_before BIGINT")
        rank = F.row_number().over(Window.partitionBy(part).orderBy(*keys))
        numbered = (
            table.join(F.broadcast(starts), part)
            .withColumn(column, (rank + F.col("_unmask_before")).cast(_spark_type(sql_type)))
            .drop(part, "_unmask_before")
        )
        self._write(name, numbered)
        self.drop(ranged)

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


def _spark_type(sql_type: str) -> str:
    """A DuckDB column type in Spark's words."""
    import sqlglot

    return sqlglot.exp.DataType.build(sql_type, dialect="duckdb").sql(dialect="spark")


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
