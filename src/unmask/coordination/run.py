"""One coordination run over a case: the entry point the CLI and the demo both call.

:func:`run` fits :class:`~unmask.coordination.detector.Coordination`, writes the output files when asked,
and then, in one transaction, records the run in ``runs``, replaces every earlier coordination finding with
this run's, and stores the run's edges, their evidence co-actions and the networks' members
(``coordination_edges``, ``coordination_evidence``, ``coordination_members``), replacing an earlier run's.
A run that finds nothing therefore leaves no coordination finding behind, and the case never holds findings
of two runs that disagree.

Example::

    >>> from unmask.case import Case
    >>> with Case.open("demo.duckdb") as case:                     # doctest: +SKIP
    ...     done = run(case, window=60, out_dir=Path("out"))
    ...     done.run_id, len(done.findings)
    (3, 1)
"""

from __future__ import annotations

import dataclasses
import glob
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from unmask.case import Case
from unmask.coordination.detector import Coordination
from unmask.coordination.output import (
    EDGE_COLUMNS,
    network_findings,
    tested,
    untested_reason,
    write_outputs,
)
from unmask.errors import OptionError
from unmask.findings import Finding, delete_findings, insert_findings
from unmask.outfiles import out_folder
from unmask.runs import record_run
from unmask.sources import sources_digest

ENGINE = "coordination"


@dataclass
class CoordinationRun:
    """What a run did: its id in ``runs``, the fitted detector, the findings it wrote, the files."""

    run_id: int | None  # None: not stored (a Spark run without a case)
    found: Coordination
    findings: list[Finding]
    paths: dict[str, Path] = field(default_factory=dict)
    replaced: int = 0  # coordination findings of earlier runs that this one replaced
    engine: str = "duckdb"  # or "spark (MASTER)"

    @property
    def tested(self) -> bool:
        return tested(self.found)

    def summary(self) -> dict[str, Any]:
        """The run as JSON-ready data (``unmask coordination --json``)."""
        found = self.found
        return {
            "run_id": self.run_id,
            "engine": self.engine,
            "tested": self.tested,
            "no_baseline": found.no_baseline_,
            "window_s": found.window_,
            "windows_s": list(found.windows_),
            "window_estimate_s": getattr(found, "window_estimate_", None),
            "time_resolution_s": getattr(found, "time_resolution_", None),
            "networks": len(found.networks_),
            "accounts": found.accounts_.num_rows,
            "edges": found.edges_.num_rows,
            "findings": len(self.findings),
            "findings_replaced": self.replaced,
            "seconds": found.seconds_,
            "kinds": [dataclasses.asdict(r) for r in found.runs_],
            "files": {k: str(v) for k, v in self.paths.items()},
        }


def run(
    case: Case,
    *,
    out_dir: Path | None = None,
    on_stage: Callable[[str], None] = lambda stage: None,
    **params: Any,
) -> CoordinationRun:
    """Run coordination on the case with ``params`` (those of :class:`Coordination`), write the files into
    ``out_dir`` if given, and store the run, its findings and its edges (see the module docstring).

    A wrong ``out_dir`` is refused before the work starts. ``on_stage`` is told each step's name as it
    starts; the last one named is the step that was running if DuckDB runs out of memory.
    """
    detector = Coordination(**params)
    if out_dir is not None:
        out_folder(out_dir)
    found = detector.fit(case, on_stage=on_stage)
    return finish(case, found, out_dir, on_stage)


def run_spark(
    posts: list[str] | None,
    *,
    case: Case | None = None,
    master: str = "local[*]",
    conf: dict[str, str] | None = None,
    work: str | None = None,
    out_dir: Path | None = None,
    on_stage: Callable[[str], None] = lambda stage: None,
    **params: Any,
) -> CoordinationRun:
    """The same plan on Apache Spark (:mod:`unmask.coordination.spark`) over the Parquet posts at ``posts``
    (files, folders or globs, local or on a Hadoop-compatible file system), or over the case's posts (exported
    to the work folder first) when ``posts`` is None. With ``case``, the run is stored there as :func:`run`
    stores it; the posts must then have been exported from that case as it is now
    (:func:`unmask.parquet.check_belongs`), so that their evidence points at its files.

    ``work`` is where Spark's work tables go (a temporary local folder when None; on a cluster, a path every
    node reaches, such as ``hdfs:///tmp/unmask``).
    """
    from unmask.coordination.spark import SparkExecutor, session
    from unmask.parquet import check_belongs, export_posts

    detector = Coordination(**params)
    detector.check_params()
    if out_dir is not None:
        out_folder(out_dir)
    if posts is None and case is None:
        raise OptionError("--engine spark needs --posts (Parquet posts) or --case")
    if case is not None and posts is not None:
        check_belongs(case, _local_files(posts))
    with tempfile.TemporaryDirectory(prefix="unmask-spark-") as local:
        folder = Path(local)
        if posts is None:
            assert case is not None
            on_stage("coordination: exporting the case's posts for Spark")
            export_posts(case, folder / "posts.parquet")
            posts = [str(folder / "posts.parquet")]
        on_stage(f"coordination: starting Spark ({master})")
        with (
            session(master, folder, conf) as spark,
            SparkExecutor.scratch(spark, root=work or str(folder / "work")) as ex,
        ):
            ex.read_posts(posts)
            found = detector.fit_executor(ex, on_stage=on_stage)
    return finish(case, found, out_dir, on_stage, engine=f"spark ({master})")


def _local_files(posts: list[str]) -> list[Path]:
    """The local Parquet files that ``posts`` names (folders and globs expanded); remote paths, which
    cannot be checked here, are left out."""
    found: list[Path] = []
    for spec in posts:
        if "://" in spec and not spec.startswith("file://"):
            continue
        spec = spec.removeprefix("file://")
        matches = [Path(m) for m in sorted(glob.glob(spec))] or [Path(spec)]
        for m in matches:
            if m.is_dir():
                found.extend(sorted(m.rglob("*.parquet")))
            elif m.exists():
                found.append(m)
            else:
                raise OptionError(f"--posts {spec}: no such file")
    return found


def finish(
    case: Case | None,
    found: Coordination,
    out_dir: Path | None,
    on_stage: Callable[[str], None] = lambda stage: None,
    *,
    engine: str = "duckdb",
) -> CoordinationRun:
    """Write a fitted run's files into ``out_dir`` (if given) and store it in ``case`` (if given: the run, its
    findings replacing earlier coordination findings, its edges, in one transaction)."""
    paths: dict[str, Path] = {}
    if out_dir is not None:
        on_stage("coordination: writing files")
        paths = write_outputs(found, out_dir)
    findings = network_findings(found)
    if case is None:
        return CoordinationRun(None, found, findings, paths, engine=engine)
    on_stage("coordination: storing the run")
    with case.transaction() as con:
        run_id = _record_run(con, found, len(findings), engine)
        replaced = delete_findings(con, method_prefix=ENGINE)
        insert_findings(con, findings, run_id=run_id)
        _store_edges(con, found, run_id)
    return CoordinationRun(run_id, found, findings, paths, replaced, engine)


def _record_run(con: duckdb.DuckDBPyConnection, found: Coordination, findings: int, engine: str) -> int:
    counts = {
        "engine": engine,
        "networks": len(found.networks_),
        "accounts": found.accounts_.num_rows,
        "edges": found.edges_.num_rows,
        "findings": findings,
        "tested": tested(found),
        "untested_because": None if tested(found) else untested_reason(found),
        "kinds": {
            r.kind: {"actions": r.actions, "edges": r.edges, "kept": r.significant} for r in found.runs_
        },
    }
    return record_run(
        con,
        ENGINE,
        digest=sources_digest(con),
        counts=counts,
        seconds=found.seconds_.get("total"),
        parameters=found.get_params(),
        seed=found.seed,
        window_s=float(found.window_),
    )


def _store_edges(con: duckdb.DuckDBPyConnection, found: Coordination, run_id: int) -> None:
    """Replace the stored edges, evidence and members with this run's (set-based: a run without the null
    model can keep millions of edges)."""
    for table in ("coordination_edges", "coordination_evidence", "coordination_members"):
        con.execute(f"DELETE FROM {table}")
    edges = found.edges_.select([*EDGE_COLUMNS, "evidence"])
    members = found.accounts_
    con.register("_unmask_run_edges", edges)
    con.register("_unmask_run_members", members)
    try:
        con.execute(
            f"INSERT INTO coordination_edges SELECT {run_id}, account_a, account_b, kind, weight, coactions,"
            f" episodes, expected, p_value, q_value, {tested(found)}, first_time, last_time, median_gap_s,"
            " window_s, network_id, test FROM _unmask_run_edges"
        )
        con.execute(
            f"INSERT INTO coordination_evidence SELECT {run_id}, account_a, account_b, kind, seq, ev.object,"
            " ev.gap_s, ev.post_id_a, ev.source_id_a, ev.record_no_a, ev.post_id_b, ev.source_id_b,"
            " ev.record_no_b FROM (SELECT account_a, account_b, kind, unnest(evidence) AS ev,"
            " generate_subscripts(evidence, 1) AS seq FROM _unmask_run_edges)"
        )
        # An untested run's scores are not probabilities: stored as NULL, not as 1.
        score = "score" if tested(found) else "NULL"
        con.execute(
            f"INSERT INTO coordination_members SELECT {run_id}, network_id, account_id, {score}"
            " FROM _unmask_run_members"
        )
    finally:
        con.unregister("_unmask_run_edges")
        con.unregister("_unmask_run_members")
