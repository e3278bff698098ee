"""The coordination plan through one executor: DuckDB and Spark (local[2]) give the same results.

The dialect tests need no Spark. Those marked ``spark`` start a local Spark session and skip, saying why,
where pyspark or a Java runtime is missing (``pip install 'unmask[spark]'`` and a JRE 17 or 21).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from test_coordination_attach import CORE, EDGE, operation
from unmask.case import Case
from unmask.coordination import Coordination
from unmask.coordination.sql import DUCKDB, SPARK, DuckDBExecutor
from unmask.errors import OptionError
from unmask.ingest import import_files

ROOT = Path(__file__).resolve().parents[1]


def md5_64(text: str) -> int:
    """The reference of Dialect.hash64: the first 8 bytes of MD5, big-endian, minus 2^63."""
    return int.from_bytes(hashlib.md5(text.encode("utf-8")).digest()[:8], "big") - 2**63


def some_strings(n: int = 3000) -> list[str]:
    """Empty, ASCII, accents, combining marks, CJK, right-to-left, emoji, control characters, long."""
    rng = np.random.default_rng(5)
    alphabet = [*"abcXYZ019 _-/?&=#@", "é", "e\u0301", "ß", "İ", "中", "文", "ا", "😀"]
    alphabet += ["\t", "\x00", "\u200b", "\x0b"]
    out = ["", " ", "a", "https://example.com/a?ref=1", "x" * 5000]
    for _ in range(n - len(out)):
        out.append("".join(rng.choice(alphabet, size=int(rng.integers(1, 40)))))
    return out


# -- the dialect, without Spark ------------------------------------------------------------------


def test_duckdb_hash64_is_md5s_first_64_bits() -> None:
    """The hash that names objects and words is defined independently of the engine: a reference in
    Python (hashlib) gives the same values as DuckDB's SQL, for every kind of string."""
    strings = some_strings(500)
    con = duckdb.connect()
    con.register("strings", pa.table({"i": np.arange(len(strings)), "s": strings}))
    got = con.execute(f"SELECT {DUCKDB.hash64('s')} AS h FROM strings ORDER BY i").fetchnumpy()["h"]
    assert got.tolist() == [md5_64(s) for s in strings]


def test_spark_dialect_spells_the_idioms_sqlglot_cannot() -> None:
    cum = SPARK.list_prepend("0.0", SPARK.ordered_list("x", "k"))
    sql = SPARK.sql(
        f"SELECT {SPARK.hash64('o')} AS h, {SPARK.epoch_ms('t')} AS ms, "
        f"{cum} AS cum, {SPARK.list_get('cum', 'k + 1')}, "
        "a // 5 AS b FROM t SEMI JOIN u USING (a) GROUP BY ALL"
    )
    assert "UNMASK_" not in sql.upper()  # every placeholder replaced, nested ones too
    assert "conv(" in sql.lower() and "unix_millis(" in sql.lower() and "element_at(" in sql.lower()
    assert "sort_array(collect_list(" in sql.lower() and " DIV " in sql and "SEMI JOIN" in sql
    # DuckDB's decimal literals divide as doubles; Spark's would stay decimal and round.
    assert "CAST(0.0 AS DOUBLE)" in sql


def test_duckdb_executor_runs_the_plan_as_written(case: Case, tmp_path: Path) -> None:
    operation(case, tmp_path)
    ex = DuckDBExecutor(case.con)
    ex.create_table("t", "SELECT * FROM range(5) r(i)")
    ex.delete_where("t", "i >= 3")
    ex.insert("t", "SELECT 10")
    assert ex.rows("SELECT i FROM t ORDER BY i") == [(0,), (1,), (2,), (10,)]
    with ex.registered("v", pa.table({"x": [1, 2]})) as v:
        assert ex.scalar(f"SELECT sum(x) FROM {v}") == 3


def test_components_by_label_propagation_in_sql_are_scipys() -> None:
    """Connected components as Spark computes them (label propagation in SQL), here on DuckDB: the same
    clusters as scipy's, named by their smallest doc — on random graphs and a 3,000-doc chain, in few
    rounds thanks to pointer jumping."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from unmask.coordination.nearduplicates import components_sql

    rng = np.random.default_rng(2)
    chain = rng.permutation(3000)
    graphs = [
        (500, rng.integers(0, 500, size=(300, 2))),
        (2000, rng.integers(0, 2000, size=(1900, 2))),
        (3000, np.stack([chain[:-1], chain[1:]], axis=1)),
    ]
    for n, pairs in graphs:
        pairs = np.sort(pairs[pairs[:, 0] != pairs[:, 1]], axis=1)
        con = duckdb.connect()
        con.execute("ATTACH ':memory:' AS unmask_work")
        con.register("edges", pa.table({"doc_a": pairs[:, 0], "doc_b": pairs[:, 1]}))
        con.register("nodes", pa.table({"doc_id": np.arange(n)}))
        rounds = components_sql(DuckDBExecutor(con), "edges", "nodes", "unmask_work.out")
        got = con.execute("SELECT cluster FROM unmask_work.out ORDER BY doc_id").fetchnumpy()["cluster"]
        graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
        _, labels = connected_components(graph, directed=False)
        smallest = np.full(labels.max() + 1, n)
        np.minimum.at(smallest, labels, np.arange(n))
        assert got.tolist() == smallest[labels].tolist()
        assert rounds <= 20


def q_value_cases() -> tuple[pa.Table, dict[str, list[int]], np.ndarray]:
    """Tested pairs of two kinds and two windows, with many ties and p = 1, and numpy's q-values."""
    from unmask.coordination.null import window_q_values

    rng = np.random.default_rng(4)
    n = 400
    kinds = np.array(["share", "link"])[rng.integers(0, 2, n)]
    p = np.round(rng.uniform(0, 1e-3, size=(n, 2)), 6)  # rounded: many ties
    p[rng.random((n, 2)) < 0.2] = 1.0
    m = {"share": [900, 1500], "link": [700, 800]}
    table = pa.table(
        {
            "kind": kinds,
            "account_a": np.arange(n, dtype=np.int32),
            "account_b": np.arange(n, dtype=np.int32) + n,
            "p_null": np.minimum(1.0, 2 * p.min(axis=1)),
            "p_windows": list(p),
        }
    )
    expected = np.ones(n)
    for kind, ms in m.items():
        mine = kinds == kind
        expected[mine] = window_q_values(p[mine], ms)
    return table, m, expected


@pytest.mark.parametrize("block_rows", [1, 7, 1 << 20])
def test_q_values_by_a_global_sort_in_sql_are_numpys(block_rows: int) -> None:
    """Benjamini–Hochberg as Spark computes it (a global sort, the running minimum in blocks of ranks), here
    on DuckDB: the same doubles as numpy's, ties and p = 1 included, for two kinds and two windows, whether
    a block holds one rank, a few, or every rank."""
    from unmask.coordination.null import create_q_values

    table, m, expected = q_value_cases()
    con = duckdb.connect()
    con.execute("ATTACH ':memory:' AS w")
    con.register("keys", table)
    create_q_values(DuckDBExecutor(con), "SELECT * FROM keys", m, 2, "w.pq", block_rows=block_rows)
    got = con.execute("SELECT q_value FROM w.pq ORDER BY account_a").fetchnumpy()["q_value"]
    assert got.tolist() == expected.tolist()
    work = con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'w'").fetchall()
    assert work == [("pq",)]


class _Distributed(DuckDBExecutor):
    """DuckDB running the steps as they run where the data does not fit one process (Spark)."""

    in_process = False


def test_near_text_on_the_engine_finds_the_in_process_clusters(case: Case, tmp_path: Path) -> None:
    """near_text's distributed form — signatures and band keys batch by batch (Spark's mapInArrow), the
    candidate filter on the engine, clusters by label propagation — finds the same similar pairs, counts
    and clusters as the in-process form (numpy over every doc at once, scipy), here both on DuckDB."""
    from unmask.coordination.detector import _POSTS, WORK, _posts_view
    from unmask.coordination.nearduplicates import similar_docs

    _planted(case, tmp_path, 6_000)
    results = []
    for ex in (DuckDBExecutor(case.con), _Distributed(case.con)):
        with case.scratch(WORK):
            _posts_view(ex)
            found = similar_docs(ex, _POSTS, threshold=0.6, min_tokens=1)
            similar = ex.rows("SELECT doc_a, doc_b, jaccard FROM unmask_work.similar ORDER BY 1, 2")
            clusters = ex.rows("SELECT doc_id, cluster FROM unmask_work.doc_clusters ORDER BY 1")
            results.append((found, similar, clusters))
    assert results[0][0][1] > 10 and results[0][0][2].candidates > 0
    assert results[0] == results[1]


# -- Spark ------------------------------------------------------------------------------------------


def spark_test(test):
    """Marked ``spark``; skipped, saying why, without pyspark, sqlglot or Java."""
    from unmask.coordination.spark import missing as why_not

    missing = why_not()
    return pytest.mark.spark(pytest.mark.skipif(missing is not None, reason=f"Spark tests: {missing}")(test))


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from pyspark.sql import SparkSession

    folder = tmp_path_factory.mktemp("spark")
    # The Python workers (MinHash in mapInArrow) must be this interpreter, with unmask and pyarrow.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("unmask-tests")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        # Adaptive execution re-plans every stage: a third of the time of these small cases.
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.warehouse.dir", str(folder / "warehouse"))
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={folder}")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _both(case: Case, tmp_path: Path, spark: object, **params) -> tuple[Coordination, Coordination]:
    from unmask.coordination.spark import SparkExecutor

    pq.write_table(case.con.sql("SELECT * FROM posts").to_arrow_table(), tmp_path / "posts.parquet")
    duck = Coordination(**params).fit(case)
    with SparkExecutor.scratch(spark, str(tmp_path / "work")) as ex:
        ex.read_posts(str(tmp_path / "posts.parquet"))
        on_spark = Coordination(**params).fit_executor(ex)
    return duck, on_spark


def assert_same_rows(duck: pa.Table, on_spark: pa.Table) -> None:
    """The same rows in the same order; floats within a relative 1e-9."""
    a, b = duck.to_pylist(), on_spark.to_pylist()
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        for key in x:
            if isinstance(x[key], float) and isinstance(y[key], float):
                assert math.isclose(x[key], y[key], rel_tol=1e-9), (key, x, y)
            else:
                assert x[key] == y[key], (key, x, y)


def assert_same(duck: Coordination, on_spark: Coordination) -> None:
    """Edges, weights, evidence, networks and accounts identical; p, q and the expected count within a
    relative 1e-9 (sums in another order)."""
    assert_same_rows(duck.edges_, on_spark.edges_)
    assert duck.networks_ == on_spark.networks_
    assert duck.accounts_.to_pylist() == on_spark.accounts_.to_pylist()
    strip = [{k: v for k, v in vars(r).items() if k != "seconds"} for r in duck.runs_]
    assert strip == [{k: v for k, v in vars(r).items() if k != "seconds"} for r in on_spark.runs_]
    assert duck.windows_ == on_spark.windows_
    for name in ("near_text_docs_", "near_text_pairs_", "near_text_oversized_"):
        assert getattr(duck, name, None) == getattr(on_spark, name, None)


@spark_test
def test_hash64_is_identical_on_duckdb_and_spark(spark: object) -> None:
    """3,000 strings (empty, unicode, emoji, control characters, 5,000 characters): the same 64-bit value
    on both engines, and the Python reference's."""
    from unmask.coordination.spark import SparkExecutor

    strings = some_strings()
    table = pa.table({"i": np.arange(len(strings)), "s": strings})
    ex = SparkExecutor(spark)
    with ex.registered("strings", table):
        got = ex.numpy(f"SELECT i, {SPARK.hash64('s')} AS h FROM strings ORDER BY i")["h"]
    con = duckdb.connect()
    con.register("strings", table)
    duck = con.execute(f"SELECT {DUCKDB.hash64('s')} AS h FROM strings ORDER BY i").fetchnumpy()["h"]
    assert got.tolist() == duck.tolist() == [md5_64(s) for s in strings]


@spark_test
def test_numbering_is_the_global_order_without_one_task(spark: object, tmp_path: Path) -> None:
    """Accounts and docs are numbered in the order of their names and keys: on Spark partition by
    partition (several here), and the numbers are DuckDB's ``row_number()`` over the whole table, dense,
    from the start asked, in the type asked; strings in binary order (accents, emoji, upper before lower)."""
    from unmask.coordination.spark import SparkExecutor

    strings = sorted(set(some_strings(2000)))
    rng = np.random.default_rng(1)
    table = pa.table({"name": rng.permutation(np.array(strings, dtype=object)).tolist()})
    keys = pa.table({"key": rng.integers(-(2**63), 2**63 - 1, size=5000, dtype=np.int64)})
    con = duckdb.connect()
    duck = DuckDBExecutor(con)
    with SparkExecutor.scratch(spark, str(tmp_path / "work")) as ex:
        for source, key, start, sql_type in ((table, "name", 1, "INTEGER"), (keys, "key", 0, "BIGINT")):
            con.register("source", source)
            duck.create_numbered("numbered", "SELECT * FROM source", key, "n", start, sql_type)
            want = con.execute(f"SELECT {key}, n, typeof(n) FROM numbered ORDER BY n").fetchall()
            with ex.registered("source", source):
                ex.create_numbered("unmask_work.numbered", "SELECT * FROM source", key, "n", start, sql_type)
            assert spark.table("unmask_work.numbered").rdd.getNumPartitions() > 1
            got = ex.rows(f"SELECT {key}, n FROM unmask_work.numbered ORDER BY n")
            assert [(k, n) for k, n, _ in want] == got
            assert [n for _, n, _ in want] == list(range(start, start + source.num_rows))
            assert {t for _, _, t in want} == {sql_type}
            assert ex.columns("unmask_work.numbered")["n"] == sql_type


@spark_test
def test_q_values_on_spark_in_blocks_are_numpys(spark: object, tmp_path: Path) -> None:
    """The same global sort on Spark, ranks over several partitions and blocks of 7: numpy's doubles."""
    from unmask.coordination.null import create_q_values
    from unmask.coordination.spark import SparkExecutor

    table, m, expected = q_value_cases()
    with SparkExecutor.scratch(spark, str(tmp_path / "work")) as ex, ex.registered("keys", table):
        create_q_values(ex, "SELECT * FROM keys", m, 2, "unmask_work.pq", block_rows=7)
        got = ex.numpy("SELECT q_value FROM unmask_work.pq ORDER BY account_a")["q_value"]
    assert got.tolist() == expected.tolist()


def _planted(case: Case, tmp_path: Path, posts: int) -> None:
    spec = importlib.util.spec_from_file_location("planted", ROOT / "bench" / "planted.py")
    planted = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules.setdefault("planted", planted)
    spec.loader.exec_module(planted)  # type: ignore[union-attr]
    planted.write(tmp_path / "gen", planted.generate_all(posts, 1, 6), csv=True)
    import_files(case, "posts-csv", [tmp_path / "gen" / "posts.csv"])


@spark_test
def test_the_other_kinds_on_spark_give_duckdbs_results(case: Case, tmp_path: Path, spark: object) -> None:
    """Generated posts with planted groups of every kind (bench/planted.py), the other kinds' SQL: link keys
    and unnested lists (link), normalised texts (text), list functions (hashtag_set), near_text's MinHash
    signatures fed by the shared hash (mapInArrow on Spark) and its clusters (label propagation in SQL on
    Spark), the null model timed (link) and not (the others). reply, hashtag and mention run the SQL of
    share and link (25 s each on local[2] for nothing new); all 8 kinds agree on 20,000 posts
    (docs/scale.md)."""
    _planted(case, tmp_path, 12_000)
    duck, on_spark = _both(case, tmp_path, spark, kinds=("link", "text", "hashtag_set", "near_text"))
    assert duck.networks_ and all(r.actions for r in duck.runs_)
    assert_same(duck, on_spark)


# -- the command: export posts, and --engine spark ---------------------------------------------------


def _cli(*args: str) -> object:
    from typer.testing import CliRunner

    from unmask.cli import app

    return CliRunner(env={"COLUMNS": "250"}).invoke(app, [str(a) for a in args])


def _operation_case(tmp_path: Path, name: str = "case.duckdb") -> Path:
    path = tmp_path / name
    with Case.open(path) as c:
        operation(c, tmp_path)
    return path


def test_export_posts_keeps_every_column_and_the_sources_digest(tmp_path: Path) -> None:
    """Every post with every column, source_id and record_no; the footer names the case's sources, and a
    run that stores into the case refuses posts exported before another import, written by other tools, or
    not Parquet at all (one line naming the file)."""
    from unmask.parquet import DIGEST_KEY, check_belongs

    path = _operation_case(tmp_path)
    result = _cli("export", "posts", "--case", path, "--out", tmp_path / "posts.parquet")
    assert result.exit_code == 0, result.output
    table = pq.read_table(tmp_path / "posts.parquet")
    with Case.open(path) as c:
        assert table.num_rows == c.scalar("SELECT count(*) FROM posts")
        assert table.column_names == [r[0] for r in c.con.execute("DESCRIBE posts").fetchall()]
        check_belongs(c, [tmp_path / "posts.parquet"])
        assert DIGEST_KEY in pq.read_schema(tmp_path / "posts.parquet").metadata
        (tmp_path / "posts.csv.parquet").write_text("post_id,account_id\n", encoding="utf-8")
        with pytest.raises(OptionError, match=r"posts\.csv\.parquet: not a Parquet file"):
            check_belongs(c, [tmp_path / "posts.csv.parquet"])
        pq.write_table(table.replace_schema_metadata(None), tmp_path / "other.parquet")
        with pytest.raises(OptionError, match="not written by `unmask export posts`"):
            check_belongs(c, [tmp_path / "other.parquet"])
        (tmp_path / "more.csv").write_text(
            "post_id,account_id,created_at,text\nz1,zed,2024-05-01T00:00:00Z,hi\n", encoding="utf-8"
        )
        import_files(c, "posts-csv", [tmp_path / "more.csv"])
        with pytest.raises(OptionError, match="other sources"):
            check_belongs(c, [tmp_path / "posts.parquet"])


def test_engine_spark_without_java_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import unmask.coordination.spark as spark_module

    monkeypatch.setattr(spark_module, "missing", lambda: "no Java runtime (install openjdk-17-jre-headless)")
    pq.write_table(pa.table({"x": [1]}), tmp_path / "posts.parquet")
    result = _cli(
        "coordination", "--engine", "spark", "--posts", tmp_path / "posts.parquet", "--out", tmp_path / "o"
    )
    assert result.exit_code == 2
    assert "--engine spark: no Java runtime" in result.output and "Traceback" not in result.output


def test_spark_options_are_refused_with_duckdb(tmp_path: Path) -> None:
    path = _operation_case(tmp_path)
    result = _cli("coordination", "--case", path, "--posts", "x.parquet", "--out", tmp_path / "o")
    assert result.exit_code == 2 and "--posts is for --engine spark" in result.output


@spark_test
def test_the_command_on_spark_stores_what_duckdb_stores(
    tmp_path: Path, spark: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The share kind end to end — windows, the null with timing, BH, Leiden, the network test (three accounts
    join through it), evidence — through `unmask export posts`, then `unmask coordination --engine spark
    --posts P --case C`, with every burst of more than 2 actions salted: the same output files (p and q within
    a relative 1e-9), and the case holds the same edges, evidence, members and findings as after `unmask
    coordination --case C` on DuckDB."""
    monkeypatch.setattr(SPARK, "salt_rows", 2)
    duck = _operation_case(tmp_path)
    on_spark = tmp_path / "spark.duckdb"
    shutil.copy(duck, on_spark)
    assert _cli("export", "posts", "--case", on_spark, "--out", tmp_path / "posts.parquet").exit_code == 0
    args = ("--kinds", "share", "--json")
    first = _cli("coordination", "--case", duck, "--out", tmp_path / "o1", *args)
    second = _cli(
        "coordination",
        "--engine",
        "spark",
        "--master",
        "local[2]",
        "--posts",
        tmp_path / "posts.parquet",
        "--case",
        on_spark,
        "--out",
        tmp_path / "o2",
        *args,
    )
    assert first.exit_code == 0 and second.exit_code == 0, second.output
    stored = {}
    for path in (duck, on_spark):
        with Case.open(path, read_only=True) as c:
            stored[path] = [
                c.con.execute(f"SELECT * EXCLUDE (run_id) FROM {t} ORDER BY ALL").fetchall()
                for t in ("coordination_members", "coordination_evidence")
            ] + [
                c.con.execute(
                    "SELECT account_a, account_b, kind, weight, episodes, network_id, test FROM "
                    "coordination_edges ORDER BY ALL"
                ).fetchall(),
                c.con.execute("SELECT claim, subjects, confidence FROM findings ORDER BY claim").fetchall(),
            ]
    assert stored[duck] == stored[on_spark]
    members = {r[1] for r in stored[duck][0]}
    assert members == set(CORE) | set(EDGE)
    assert json.loads(second.output)["kinds"][0]["joined"] == len(EDGE)
    assert_same_rows(
        pq.read_table(tmp_path / "o1" / "edges.parquet"), pq.read_table(tmp_path / "o2" / "edges.parquet")
    )
    for name in ("accounts.csv", "networks.json"):
        assert (tmp_path / "o1" / name).read_text() == (tmp_path / "o2" / name).read_text()
