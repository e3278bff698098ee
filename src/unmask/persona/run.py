"""One persona run over a case: the entry point ``unmask persona writers|link|attribute`` call.

:func:`run` reads the documents (importing the files it is given), runs the analysis its method names, and
then, in one transaction, records the run in ``runs`` (engine ``persona``), replaces the earlier findings of
that method within the run's scope and stores the run's findings, each naming the run. The scope is what
the run read:

- ``persona.writers``: the bylines tested. ``persona writers --byline X`` replaces X's writers findings
  only; a run over every byline of the case (no ``--docs``, no ``--byline``) replaces all of them.
- ``persona.link``: the bylines compared; the findings of pairs among them are replaced, others stay.
- ``persona.attribute``: the unknown texts; each text's finding is replaced, whatever author it named.

Findings of other methods and other engines stay. A failure anywhere in the store leaves the case as it was;
files given are imported before the analysis, as every import is, and stay imported.

Example::

    >>> from unmask.case import Case
    >>> with Case.open("case.duckdb") as case:                       # doctest: +SKIP
    ...     done = run(case, WRITERS, bylines=["Rowan Ashdown"], reference="case")
    ...     done.run_id, len(done.findings), done.replaced
    (4, 1, 1)
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from unmask.case import Case
from unmask.findings import Finding, delete_findings, insert_findings
from unmask.persona import engine
from unmask.runs import record_run
from unmask.sources import sources_digest
from unmask.terminal import plural

ENGINE = "persona"
WRITERS = engine.WRITERS_METHOD
LINK = engine.LINK_METHOD
ATTRIBUTE = engine.ATTRIBUTE_METHOD


@dataclass(frozen=True)
class Scope:
    """What a run's findings replace: the earlier findings of ``method`` all of whose subjects are among
    ``bylines`` (None: every finding of the method), or for ``persona.attribute`` those of the unknown
    texts ``texts``."""

    method: str
    bylines: tuple[str, ...] | None = None
    texts: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The scope as the run's row in ``runs`` keeps it."""
        if self.method == ATTRIBUTE:
            return {"method": self.method, "texts": list(self.texts)}
        return {"method": self.method, "bylines": "all" if self.bylines is None else list(self.bylines)}


@dataclass
class PersonaRun:
    """What a run did: its id in ``runs`` (0 until stored), its scope, the findings it wrote and how many
    earlier ones it replaced, and what the command prints and writes.

    ``rows`` are the lines of the command's ``--out`` file; ``results`` the analysis's own result (writers:
    each byline's :class:`~unmask.persona.writers.WritersResult`; link: the pairs; attribute: the
    :class:`~unmask.persona.engine.Attribution`); ``reference`` the reference writers' name and ``warning``
    why they are too few to trust (writers, link).
    """

    scope: Scope
    findings: list[Finding]
    run_id: int = 0
    replaced: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)
    results: Any = None
    reference: str | None = None
    warning: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


def run(
    case: Case, method: str, *, on_stage: Callable[[str], None] = lambda stage: None, **params: Any
) -> PersonaRun:
    """Run the analysis ``method`` (:data:`WRITERS`, :data:`LINK` or :data:`ATTRIBUTE`) with ``params``
    (those of :func:`writers`, :func:`link` or :func:`attribute`) and store it (see the module docstring).

    ``on_stage`` is told each step's name as it starts.
    """
    analyses: dict[str, Callable[..., PersonaRun]] = {WRITERS: writers, LINK: link, ATTRIBUTE: attribute}
    if method not in analyses:
        raise ValueError(f"unknown persona method {method!r}; known: {', '.join(analyses)}")
    started = time.perf_counter()
    done = analyses[method](case, on_stage=on_stage, **params)
    done.seconds = time.perf_counter() - started
    on_stage("persona: storing the run")
    done.run_id, done.replaced = store(
        case, done.scope, done.findings, parameters=done.parameters, counts=done.counts, seconds=done.seconds
    )
    return done


def writers(
    case: Case,
    *,
    docs: str | Path | None = None,
    bylines: Sequence[str] | None = None,
    reference: str | Path | None = None,
    mask_topic: bool = False,
    on_stage: Callable[[str], None] = lambda stage: None,
) -> PersonaRun:
    """The writers test of each byline (of ``docs``, or of the case; only ``bylines`` if given), not yet
    stored."""
    table, read, ref = _read(case, docs, bylines, reference, on_stage)
    on_stage(f"persona: testing {plural(len(read), 'byline')}")
    results = engine.writers(table, ref, mask_topic=mask_topic)
    warning = engine.reference_warning(ref)
    return PersonaRun(
        # The whole case read: findings of bylines it no longer holds go too.
        scope=Scope(WRITERS, None if docs is None and not bylines else tuple(read)),
        findings=engine.writers_findings(results, table, ref),
        rows=[{**r.to_dict(), **({"warning": warning} if warning else {})} for r in results],
        results=results,
        reference=ref.name,
        warning=warning,
        parameters={"docs": docs, "bylines": bylines, "reference": ref.name, "mask_topic": mask_topic},
        counts={"documents": table.num_rows, "bylines": len(read), "tested": len(results)},
    )


def link(
    case: Case,
    *,
    docs: str | Path | None = None,
    reference: str | Path | None = None,
    mask_topic: bool = False,
    on_stage: Callable[[str], None] = lambda stage: None,
) -> PersonaRun:
    """Every pair of bylines (of ``docs``, or of the case) with the probability of one writer, not yet
    stored."""
    table, read, ref = _read(case, docs, None, reference, on_stage)
    on_stage(f"persona: comparing {plural(len(read), 'byline')}")
    pairs = engine.link(table, ref, mask_topic=mask_topic)
    warning = engine.reference_warning(ref)
    return PersonaRun(
        scope=Scope(LINK, None if docs is None else tuple(read)),
        findings=engine.link_findings(pairs, table, ref),
        rows=[{**r, "warning": warning} for r in pairs] if warning else pairs,
        results=pairs,
        reference=ref.name,
        warning=warning,
        parameters={"docs": docs, "reference": ref.name, "mask_topic": mask_topic},
        counts={"documents": table.num_rows, "bylines": len(read), "pairs": len(pairs)},
    )


def _read(
    case: Case,
    docs: str | Path | None,
    bylines: Sequence[str] | None,
    reference: str | Path | None,
    on_stage: Callable[[str], None],
) -> tuple[pa.Table, list[str], Any]:
    """The documents, their bylines, and the reference writers (none of those bylines among them)."""
    on_stage("persona: reading documents")
    table = engine.load_documents(case, docs, bylines)
    read = _bylines(table)
    on_stage("persona: reference writers")
    return table, read, engine.reference(case, reference, exclude=read)


def attribute(
    case: Case,
    *,
    known: str | Path,
    unknown: str | Path,
    open_set: bool = True,
    on_stage: Callable[[str], None] = lambda stage: None,
) -> PersonaRun:
    """The attribution of each text of ``unknown`` to an author of ``known`` (or ``<UNK>``), not yet
    stored."""
    on_stage("persona: reading texts")
    known_table = engine.import_documents(case, known, mapping={"byline": "author"})
    # Unknown texts have no byline: each is filed under its own id.
    unknown_table = engine.import_documents(case, unknown, mapping={"byline": "id"})
    on_stage(f"persona: attributing {plural(unknown_table.num_rows, 'text')}")
    result = engine.attribute(known_table, unknown_table, open_set=open_set)
    return PersonaRun(
        scope=Scope(ATTRIBUTE, texts=tuple(unknown_table.column("doc_id").to_pylist())),
        findings=engine.attribute_findings(result, known_table, unknown_table),
        rows=result.rows,
        results=result,
        parameters={"known": known, "unknown": unknown, "open_set": open_set},
        counts={"known": known_table.num_rows, "texts": unknown_table.num_rows},
    )


def store(
    case: Case,
    scope: Scope,
    findings: list[Finding],
    *,
    parameters: dict[str, Any] | None = None,
    counts: dict[str, Any] | None = None,
    seconds: float | None = None,
) -> tuple[int, int]:
    """In one transaction: replace the findings within ``scope``, record the run and store ``findings``
    under its id; return the run's id and how many findings it replaced."""
    with case.transaction() as con:
        replaced = _replace(con, scope)
        counts = {**(counts or {}), "findings": len(findings), "replaced": replaced}
        run_id = _record_run(con, scope, parameters or {}, counts, seconds)
        insert_findings(con, findings, run_id=run_id)
    return run_id, replaced


def _replace(con: duckdb.DuckDBPyConnection, scope: Scope) -> int:
    if scope.method == ATTRIBUTE:
        ids = [engine.attribution_finding_id(t) for t in scope.texts]
        return delete_findings(con, method_prefix=scope.method, ids=ids)
    within = None if scope.bylines is None else [f"byline:{b}" for b in scope.bylines]
    return delete_findings(con, method_prefix=scope.method, within=within)


def _record_run(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    parameters: dict[str, Any],
    counts: dict[str, Any],
    seconds: float | None,
) -> int:
    # The sources a run could read (the reference may be the case's other bylines): a later import or
    # removal tells its findings may be out of date.
    return record_run(
        con,
        ENGINE,
        digest=sources_digest(con),
        counts=counts,
        seconds=seconds,
        parameters=parameters,
        scope=json.dumps(scope.to_dict(), ensure_ascii=False),
    )


def _bylines(table: pa.Table) -> list[str]:
    return sorted(set(table.column("byline").to_pylist()))
