"""The ``unmask`` command line: a thin layer over the Python API. Parse, call, print; no logic here.

Every command takes ``--case PATH``; every command that prints data takes ``--json``. Errors a user can
cause exit with code 2 and one message naming the file, line and field; Ctrl-C exits with code 130 and one
line. Every value from data is printed through :func:`unmask.terminal.visible`. Commands that only read
open the case read-only, so that they work on a write-protected evidence copy.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import duckdb
import typer
from rich.console import Console, RenderableType
from rich.progress import (
    BarColumn,
    DownloadColumn,
    FileSizeColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from typer.core import TyperGroup

from unmask import __version__
from unmask.case import DEFAULT_CASE, Case
from unmask.errors import OptionError, UnmaskError
from unmask.terminal import json_text, plural, stages, table, visible

UNCHANGED = "the case is unchanged"
# What Ctrl-C leaves behind: set by a command once it has committed part of its work.
after_interrupt = UNCHANGED
# The step an engine last reported through on_stage: named if DuckDB runs out of memory.
last_stage: str | None = None


class _Group(TyperGroup):
    """The command group: Ctrl-C ends any command with one line on stderr and exit code 130; SIGTERM (a
    scheduler's or ``timeout``'s stop) the same way with exit code 143, after the same clean-up (scratch
    databases, Spark's session), which the default SIGTERM skips."""

    def invoke(self, ctx: typer.Context) -> Any:
        # DuckDB turns a KeyboardInterrupt raised while it reads Python data into an error of its own
        # ("... failed: KeyboardInterrupt"), which the cleanup then masks: the signal is recorded here.
        received: list[int] = []

        def on_signal(signum: int, frame: Any) -> None:
            received.append(signum)
            raise KeyboardInterrupt

        previous = (
            {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
            if _main_thread()
            else {}
        )
        try:
            return super().invoke(ctx)
        except duckdb.OutOfMemoryException:
            _out_of_memory()
        except BaseException as exc:
            if not (isinstance(exc, KeyboardInterrupt) or received):
                raise
            # Every command that writes does so in one transaction, or says otherwise in after_interrupt.
            if signal.SIGTERM in received:
                err.print(f"terminated; {after_interrupt}")
                raise typer.Exit(143) from None
            err.print(f"interrupted; {after_interrupt}")
            raise typer.Exit(130) from None
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _out_of_memory() -> None:
    """DuckDB spills to disk, but some steps need their working set in memory: one line naming the step,
    the limit, and how to raise it."""
    from unmask.case import memory_limit

    step = f"at step '{last_stage}'" if last_stage else "before any step began"
    state = "" if after_interrupt == UNCHANGED else f"; {after_interrupt}"
    _fail(
        f"DuckDB ran out of memory {step} (memory limit {memory_limit()}): give it more with "
        f"unmask --memory-limit SIZE COMMAND ... (e.g. --memory-limit 4GB; default UNMASK_MEMORY_LIMIT or "
        f"1GB), or free memory{state}"
    )


app = typer.Typer(
    name="unmask",
    cls=_Group,
    help="Find out who is really behind online influence campaigns.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

CaseOption = Annotated[Path, typer.Option("--case", help="The case file (DuckDB).", show_default=True)]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
# coordination.window.DEFAULT_WINDOWS as the option writes it (importing the engine would slow every command).
DEFAULT_WINDOWS = "10,60"
# coordination.pairs.MAX_BURST_ACTIONS, for the same reason.
MAX_BURST_ACTIONS = 1000


def _fail(message: str) -> None:
    # Messages quote input (a header's names, a value): shown through visible, on one line.
    err.print(f"[bold red]Error:[/] {visible(message)}")
    raise typer.Exit(2)


def _after_interrupt(state: str) -> None:
    global after_interrupt
    after_interrupt = state


def _warn(message: str) -> None:
    err.print(f"[bold yellow]Warning:[/] {visible(message)}")


@contextmanager
def _user_errors() -> Iterator[None]:
    try:
        yield
    except UnmaskError as exc:
        _fail(str(exc))
    except duckdb.IOException as exc:
        # A case damaged where Case.open cannot see it (a block in the middle), or a full disk.
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        _fail(f"a file could not be read or written (a damaged case, or a full disk?): {first}")


def _print_json(data: Any) -> None:
    out.out(json_text(json.dumps(data, default=_json_default, ensure_ascii=False, indent=2)), highlight=False)


def _json_default(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return str(value)


def _table(title: str, rows: list[dict[str, Any]], columns: list[str] | None = None) -> RenderableType:
    """Rows as a table fitted to the terminal's width, or a block a row where a table would break words."""
    return table(title, rows, columns or (list(rows[0]) if rows else []), out.width)


@app.callback(invoke_without_command=True)
def main(
    version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False,
    memory_limit: Annotated[
        str | None,
        typer.Option(
            "--memory-limit",
            help="DuckDB's memory limit for this command, e.g. 4GB (default: UNMASK_MEMORY_LIMIT, or 1GB); "
            "past it DuckDB spills to disk.",
            show_default=False,
        ),
    ] = None,
) -> None:
    global out, err, after_interrupt, last_stage
    after_interrupt, last_stage = UNCHANGED, None
    # Made per invocation, so that the terminal's width (or COLUMNS) is the one of this run.
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    from unmask.case import set_memory_limit

    with _user_errors():
        set_memory_limit(memory_limit)  # None: the default again (one process may run many commands)
    if version:
        out.print(f"unmask {__version__}")
        raise typer.Exit()


@contextmanager
def _stages(*, quiet: bool = False) -> Iterator[Callable[[str], None]]:
    """:func:`unmask.terminal.stages`, remembering the last stage named (for the out-of-memory line)."""
    with stages(err, quiet=quiet) as show:

        def on_stage(stage: str) -> None:
            global last_stage
            last_stage = stage
            show(stage)

        yield on_stage


@contextmanager
def _progress(files: list[Path], label: str, *, quiet: bool) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal (imports can take minutes); nothing elsewhere or with --json.

    Readers count the bytes they read after decompression: against a gzipped file's size the bar would run
    far past its end, so with a gzipped file among the inputs it counts bytes read without a total.
    """
    sizes = [_size(f) for f in files]
    total = None if None in sizes else sum(s for s in sizes if s is not None)
    columns: list[ProgressColumn] = [TextColumn("{task.description}"), BarColumn()]
    if total is None:
        columns += [FileSizeColumn(), TextColumn("read (decompressed)"), TimeElapsedColumn()]
    else:
        columns += [DownloadColumn(), TimeRemainingColumn()]
    progress = Progress(*columns, console=err, transient=True, disable=quiet or not err.is_terminal)
    global last_stage
    last_stage = label
    with progress:
        task = progress.add_task(visible(label), total=total)
        yield lambda n: progress.advance(task, n)


def _size(path: Path) -> int | None:
    """Bytes to read: a file's size, or the sum over a folder's files; None when a file is gzipped (its
    size on disk is not what its reader counts)."""
    files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path] if path.is_file() else []
    if any(p.suffix.lower() == ".gz" for p in files):
        return None
    return sum(p.stat().st_size for p in files)


@app.command("import")
def import_(
    format: Annotated[
        str,
        typer.Argument(
            help="Posts: posts-csv, twitter-io, fivethirtyeight-ira, x-api-v2, telegram, coortweet; "
            "documents: articles; records: meta-ads, google-ads, companies-house, fec, whois, html."
        ),
    ],
    files: Annotated[
        list[Path],
        typer.Argument(help="The files to import (articles: a folder too).", show_default=False),
    ],
    case: CaseOption = Path(DEFAULT_CASE),
    timezone: Annotated[
        str | None,
        typer.Option(help="Zone of timestamps written without one (none: read as UTC, noted as unknown)."),
    ] = None,
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="Read another column as one of ours: NEW=OLD, e.g. post_id=tweet_id."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="whois: the date (YYYY-MM-DD) records describe where they do not say."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Import exports into the case: every record is loaded or quarantined with its reason and line."""
    from unmask.ingest import import_files, parse_mapping

    with _user_errors():
        mapping = parse_mapping(map_ or [])
        with Case.open(case) as c, _progress(files, f"importing {format}", quiet=as_json) as advance:
            results = import_files(
                c, format, files, timezone=timezone, mapping=mapping, as_of=as_of, on_bytes=advance
            )
    if as_json:
        _print_json(results)
        return
    for r in results:
        if r.skipped:
            out.print(f"{visible(r.path)}: {visible(r.notes[0])}")
            continue
        accounts = f", {plural(r.accounts_added, 'new account')}" if r.kind == "posts" else ""
        if r.kind == "records" and not r.quarantined:
            accounts += " (attribution run links them)"
        out.print(
            f"{visible(r.path)} ({r.format}, source {r.source_id}): "
            f"[bold]{plural(r.loaded, r.kind.removesuffix('s'))}[/] loaded, "
            f"[bold]{r.quarantined:,}[/] quarantined{accounts} in {r.seconds:.1f} s"
        )
        for reason, n in r.reasons.items():
            out.print(f"  quarantined {n:,}: {visible(reason)}")
        for note in r.notes:
            out.print(f"  note: {visible(note)}")
    if any(r.quarantined for r in results):
        out.print(f"See them with: unmask quarantine --case {visible(case)}")


@app.command()
def info(
    case: CaseOption = Path(DEFAULT_CASE),
    top: Annotated[int, typer.Option(help="How many of the most active accounts to list.")] = 10,
    as_json: JsonOption = False,
) -> None:
    """What the case holds: sources, counts, quarantine reasons, time range, most active accounts."""
    from unmask.info import case_info

    with _user_errors(), Case.open(case, read_only=True) as c:
        data = case_info(c, top=top)
    if as_json:
        _print_json(data)
        return
    out.print(
        f"[bold]{visible(data['case'])}[/]: {plural(data['posts'], 'post')} by "
        f"{plural(data['accounts'], 'account')}, {plural(data['quarantined'], 'quarantined record')}, "
        f"{plural(data['findings'], 'finding')}"
    )
    if data["first_post"]:
        out.print(f"posts from {data['first_post']:%Y-%m-%d %H:%M} to {data['last_post']:%Y-%m-%d %H:%M} UTC")
    if data["documents"]:
        dated = ""
        if data["first_document"]:
            dated = f", published {data['first_document']:%Y-%m-%d} to {data['last_document']:%Y-%m-%d}"
        out.print(f"{plural(data['documents'], 'document')} by {plural(data['bylines'], 'byline')}{dated}")
    if data["entities"]:
        out.print(
            f"{plural(data['entities'], 'FollowTheMoney entity', 'FollowTheMoney entities')} "
            f"({plural(data['statements'], 'statement')}) and "
            f"{plural(data['infrastructure'], 'infrastructure observation')} from public records"
        )
    out.print(_table("Sources", _source_rows(data["sources"])))
    if data["quarantine_reasons"]:
        out.print(_table("Quarantine by reason", data["quarantine_reasons"]))
    out.print(_table("Most active accounts", data["most_active_accounts"]))


def _source_rows(sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": s["source_id"],
            "path": s["shown_path"] + ("" if s["exists"] else " (not found)"),
            "format": s["format"],
            "loaded": s["rows_loaded"],
            "quarantined": s["rows_quarantined"],
            "imported": f"{s['imported_at']:%Y-%m-%d %H:%M}",
        }
        for s in sources
    ]


sources_app = typer.Typer(help="The files the case was built from: list them, or remove one.")
app.add_typer(sources_app, name="sources")


@sources_app.callback(invoke_without_command=True)
def sources(ctx: typer.Context, case: CaseOption = Path(DEFAULT_CASE), as_json: JsonOption = False) -> None:
    """List the files the case was built from (`unmask sources remove ID` removes one)."""
    from unmask.info import shown_path
    from unmask.sources import list_sources

    if ctx.invoked_subcommand is not None:
        ctx.obj = case  # `unmask sources --case X remove ID` removes from X too
        return
    with _user_errors(), Case.open(case, read_only=True) as c:
        rows = [{**s, "shown_path": shown_path(s)} for s in list_sources(c)]
    if as_json:
        _print_json(rows)
        return
    if not rows:
        out.print("No sources yet: import files with unmask import FORMAT FILES.")
        return
    out.print(_table(plural(len(rows), "source"), _source_rows(rows)))
    out.print(
        f"To import a file again otherwise, remove it first: unmask sources remove ID --case {visible(case)}"
    )


@sources_app.command("remove")
def sources_remove(
    ctx: typer.Context,
    source_id: Annotated[
        int, typer.Argument(help="The source's id (see unmask sources).", show_default=False)
    ],
    case: Annotated[
        Path | None,
        typer.Option(
            "--case", help=f"The case file (DuckDB; default: {DEFAULT_CASE}, or the --case before remove)."
        ),
    ] = None,
    by: Annotated[
        str | None, typer.Option(help="Who removes it (kept with the removal; default: your login name).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Remove a source and everything resting on it: its rows, and the findings with evidence from it."""
    from unmask.sources import remove_source

    with _user_errors(), Case.open(case or ctx.obj) as c:
        removed = remove_source(c, source_id, by=by or _login_name())
    if as_json:
        _print_json(removed)
        return
    rows = ", ".join(f"{table} {n:,}" for table, n in removed["rows"].items() if n) or "none"
    out.print(
        f"removed source {source_id} ({visible(removed['path'])}, {visible(removed['format'])}); "
        f"rows removed: {visible(rows)}; findings removed: {removed['findings']:,}"
    )
    if removed["accounts_kept"]:
        out.print(
            f"  {plural(removed['accounts_kept'], 'account')} also posting in other sources kept "
            "(handle and profile, which came from this file, cleared)"
        )
    if removed["duplicates_elsewhere"]:
        out.print(
            f"  {plural(removed['duplicates_elsewhere'], 'record')} of other sources stay quarantined as "
            "duplicates of this one's: remove and import those files again to load them"
        )


def _login_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in a bare container
        return "unknown"


@app.command()
def quarantine(
    case: CaseOption = Path(DEFAULT_CASE),
    source: Annotated[int | None, typer.Option(help="Only this source id.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many records.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """The records that were not loaded: file, record number, line, field and reason."""
    from unmask.info import quarantine_rows

    with _user_errors(), Case.open(case, read_only=True) as c:
        rows = quarantine_rows(c, source_id=source, limit=limit)
    if as_json:
        _print_json(rows)
        return
    out.print(_table("Quarantined records", rows, ["path", "record_no", "line_no", "field", "reason", "raw"]))


@app.command()
def findings(
    case: CaseOption = Path(DEFAULT_CASE),
    kind: Annotated[str | None, typer.Option(help="Only findings of this kind.")] = None,
    min_confidence: Annotated[float, typer.Option(help="Hide findings below this.")] = 0.0,
    as_json: JsonOption = False,
) -> None:
    """The findings of every engine, most confident first, with their DISARM techniques; untested last."""
    from unmask.findings import finding_to_dict, read_findings

    with _user_errors():
        _refresh_attribution(case, quiet=as_json)
        with Case.open(case, read_only=True) as c:
            found = read_findings(c, kind=kind, min_confidence=min_confidence)
    if as_json:
        _print_json([finding_to_dict(f) for f in found])
        return
    if not found:
        out.print("No findings yet: run an engine on the case first.")
        return
    rows = [
        {
            "confidence": f.confidence if f.tested else "untested",
            "kind": f.kind,
            "claim": f.claim,
            "subjects": len(f.subjects),
            "evidence": len(f.evidence),
            "disarm": list(f.disarm),
            "id": f.finding_id,
        }
        for f in found
    ]
    out.print(_table(plural(len(found), "finding"), rows))


def _refresh_attribution(case: Path, *, quiet: bool) -> None:
    """Attribution's results brought up to date before a command reads them, where the case can be written;
    on a write-protected case the stored results are used, with a warning that they are stale."""
    from unmask.attribution.state import STALE_READ_ONLY
    from unmask.graph.build import refresh

    with _stages(quiet=quiet) as on_stage:
        fresh = refresh(case, on_stage=on_stage)
    if not fresh:
        _warn(STALE_READ_ONLY)


@contextmanager
def _spark_errors() -> Iterator[None]:
    """Spark's failures (the JVM out of memory, a file it cannot read, a lost connection) as one line that
    names the step, not a Java stack trace."""
    try:
        yield
    except UnmaskError:
        raise
    except Exception as exc:
        module = type(exc).__module__ or ""
        if not module.startswith(("pyspark", "py4j")):
            raise
        text = str(exc)
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        # A Python worker's own error (a module missing on the nodes) says more than Spark's first line.
        raised = [ln for ln in lines if re.match(r"^[A-Za-z_.]*(Error|Exception): ", ln)]
        detail = raised[-1] if raised else lines[0] if lines else type(exc).__name__
        memory = "OutOfMemoryError" in text or "Java heap space" in text
        reason = (
            "Spark ran out of memory: give it more (--spark-conf spark.driver.memory=16g, or "
            "spark.executor.memory on a cluster) or more partitions (spark.sql.shuffle.partitions)"
            if memory
            else f"Spark failed: {detail[:300]}"
        )
        _fail(f"{reason} (during {last_stage or 'start-up'}); nothing was stored")


def _spark_conf(values: list[str]) -> dict[str, str]:
    conf = {}
    for value in values:
        key, sep, setting = value.partition("=")
        if not sep or not key.strip():
            raise OptionError(f"--spark-conf {value!r}: KEY=VALUE, for example spark.driver.memory=16g")
        conf[key.strip()] = setting.strip()
    return conf


@app.command()
def coordination(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for accounts.csv, edges, networks, graphs.")],
    case: Annotated[
        Path | None,
        typer.Option(
            "--case",
            help=f"The case file (DuckDB; default {DEFAULT_CASE}). With --engine spark and --posts, "
            "optional: the run is stored there only when given.",
            show_default=False,
        ),
    ] = None,
    engine: Annotated[
        str,
        typer.Option(
            help="duckdb (one machine) or spark (Apache Spark: a cluster, or local[N]; pip install "
            "'unmask[spark]' and a Java runtime)."
        ),
    ] = "duckdb",
    posts: Annotated[
        list[str] | None,
        typer.Option(
            help="--engine spark: Parquet posts (a file, folder or glob, local or hdfs://, s3a://), as "
            "`unmask export posts --format parquet` writes them. Default: the case's posts.",
            show_default=False,
        ),
    ] = None,
    master: Annotated[
        str, typer.Option(help="--engine spark: the Spark master (local[2], spark://HOST:7077, yarn, ...).")
    ] = "local[*]",
    spark_conf: Annotated[
        list[str] | None,
        typer.Option(
            help="--engine spark: a Spark setting KEY=VALUE (repeatable), e.g. spark.driver.memory=16g.",
            show_default=False,
        ),
    ] = None,
    work: Annotated[
        str | None,
        typer.Option(
            help="--engine spark: folder for Spark's work tables (default: a temporary local folder; on a "
            "cluster, a path every node reaches, e.g. hdfs:///tmp/unmask).",
            show_default=False,
        ),
    ] = None,
    kinds: Annotated[
        str,
        typer.Option(
            help="Comma-separated: share, link, text, near_text, hashtag, "
            "hashtag_set, reply, mention, column:NAME; or all."
        ),
    ] = "all",
    window: Annotated[
        str,
        typer.Option(
            help="Seconds; several, comma-separated, tested together (each corrected for the others); "
            "or auto (estimated as CooRnet does)."
        ),
    ] = DEFAULT_WINDOWS,
    null: Annotated[bool, typer.Option("--null/--no-null", help="Test edges against the null model.")] = True,
    timing: Annotated[
        bool,
        typer.Option(
            "--timing/--no-timing",
            help="Count acting within the window as evidence (share, reply, mention and link), against each "
            "account's own habit of where in a crowd it acts (--no-timing: joining the same object on the "
            "same day only).",
        ),
    ] = True,
    alpha: Annotated[
        float, typer.Option(help="False discovery rate for significant edges, controlled within each kind.")
    ] = 0.01,
    min_weight: Annotated[int, typer.Option(help="Fewest distinct objects an edge needs.")] = 1,
    max_object_accounts: Annotated[
        int | None,
        typer.Option(
            help="Leave out of the pairs objects acted on by more accounts than this (still counted "
            "as crowd by the null model)."
        ),
    ] = None,
    max_burst_actions: Annotated[
        int,
        typer.Option(
            help="Leave out of the pairs bursts of more actions than this on one object within one window "
            "(still counted as crowd by the null model); 0: keep all."
        ),
    ] = MAX_BURST_ACTIONS,
    near_text_threshold: Annotated[
        float, typer.Option(help="Jaccard similarity of word sets at which two texts are near-duplicates.")
    ] = 0.6,
    min_network_size: Annotated[int, typer.Option(help="Smallest network reported.")] = 3,
    seed: Annotated[int, typer.Option(help="Seed of the near-duplicate hashing and of Leiden.")] = 0,
    as_json: JsonOption = False,
) -> None:
    """Find networks of accounts that act together more often than an organic crowd would."""
    from unmask.coordination.actions import parse_kinds
    from unmask.coordination.detector import MAX_AUTO_WINDOW_S, TIMED_KINDS
    from unmask.coordination.run import run
    from unmask.outfiles import out_folder

    with _user_errors():
        out_folder(out_dir)  # a wrong --out is said before opening the case, not after
        params = dict(
            kinds=parse_kinds(kinds),
            window=window,
            null=null,
            timing=TIMED_KINDS if timing else False,
            alpha=alpha,
            min_weight=min_weight,
            max_object_accounts=max_object_accounts,
            max_burst_actions=max_burst_actions or None,
            near_text_threshold=near_text_threshold,
            min_network_size=min_network_size,
            seed=seed,
        )
        if engine == "spark":
            done = _coordination_on_spark(
                case, posts, master, _spark_conf(spark_conf or []), work, out_dir, params, as_json
            )
        elif engine == "duckdb":
            for name, given in (("--posts", posts), ("--spark-conf", spark_conf), ("--work", work)):
                if given:
                    raise OptionError(f"{name} is for --engine spark; DuckDB reads the case's posts")
            with Case.open(case or Path(DEFAULT_CASE)) as c, _stages(quiet=as_json) as on_stage:
                done = run(c, out_dir=out_dir, on_stage=on_stage, **params)
        else:
            raise OptionError(f"--engine {engine!r}: duckdb or spark")
    found, findings, paths = done.found, done.findings, done.paths
    if as_json:
        _print_json(done.summary())
        return
    auto = (
        f" (estimated from the data: {found.window_estimate_:g} s, capped at {MAX_AUTO_WINDOW_S} s, "
        f"never below the times' resolution of {found.time_resolution_} s)"
        if window == "auto"
        else ""
    )
    test = (
        "null model on"
        if done.tested
        else f"not tested against chance ({done.summary()['no_baseline'] or 'no null model'})"
    )
    windows = ", ".join(f"{w:g}" for w in found.windows_)
    on = f"; on {visible(done.engine)}" if done.engine != "duckdb" else ""
    out.print(f"{'windows' if len(found.windows_) > 1 else 'window'} {windows} s{auto}; {visible(test)}{on}")
    # Objects are set aside only with --max-object-accounts: the column is shown when it says something.
    capped = ["capped_objects"] if any(r.capped_objects for r in found.runs_) else []
    capped += ["bursts_set_aside"] if any(r.bursts_set_aside for r in found.runs_) else []
    # Without a test, the edges kept are not "significant": the column says what they are.
    kept = "significant" if done.tested else "kept (untested)"
    kind_rows = [{**dataclasses.asdict(r), kept: r.significant} for r in found.runs_]
    # Accounts that joined a network through the network test (coordination.attach), when any did.
    joined = ["joined"] if any(r.joined for r in found.runs_) else []
    kind_columns = ["kind", "actions", "coactions", "pairs", "edges", kept, *joined, *capped, "seconds"]
    out.print(_table("Kinds", kind_rows, kind_columns))
    rows = [
        {
            "id": n["network_id"],
            "size": n["size"],
            "kinds": n["kinds"],
            "density": n["density"],
            "median gap": n["median_gap_s"],
            "score": n["score"] if done.tested else "untested",
            # A space, not ISO's T: a narrow column wraps the time under the date.
            "first": n["first_time"][:16].replace("T", " "),
            "last": n["last_time"][:16].replace("T", " "),
        }
        for n in found.networks_
    ]
    out.print(_table(f"{plural(len(rows), 'network')}, {plural(found.accounts_.num_rows, 'account')}", rows))
    kind = "coordinated-network" if done.tested else "co-action-network (untested)"
    stored = (
        f"{plural(len(findings), kind + ' finding')} into the case as run {done.run_id}, replacing "
        f"{plural(done.replaced, 'finding')} of earlier coordination runs"
        if done.run_id is not None
        else f"{plural(len(findings), kind + ' finding')}, not stored (no --case)"
    )
    out.print(f"wrote {visible(out_dir)}/: {visible(', '.join(p.name for p in paths.values()))}; {stored}")


def _coordination_on_spark(
    case: Path | None,
    posts: list[str] | None,
    master: str,
    conf: dict[str, str],
    work: str | None,
    out_dir: Path,
    params: dict[str, Any],
    quiet: bool,
) -> Any:
    from unmask.coordination.run import run_spark

    with contextlib.ExitStack() as stack:
        opened = None
        if case is not None or posts is None:
            opened = stack.enter_context(Case.open(case or Path(DEFAULT_CASE)))
        on_stage = stack.enter_context(_stages(quiet=quiet))
        stack.enter_context(_spark_errors())
        return run_spark(
            posts,
            case=opened,
            master=master,
            conf=conf,
            work=work,
            out_dir=out_dir,
            on_stage=on_stage,
            **params,
        )


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the demo's files and case.")] = Path(
        "unmask-demo"
    ),
    as_json: JsonOption = False,
) -> None:
    """Build the fictional demo case and show what it loaded. No real person is in it."""
    from unmask.demo import build_demo

    with _user_errors(), _stages(quiet=as_json) as on_stage:
        _after_interrupt("the demo is incomplete: run unmask demo again")
        on_stage("building the demo case")
        built = build_demo(out_dir)
    found = built.pop("coordination")
    persona = [r.to_dict() for r in built.pop("persona")]
    if as_json:
        _print_json({**built, "windows_s": found.windows_, "networks": found.networks_, "persona": persona})
        return
    info_ = built["info"]
    out.print(f"Built the fictional demo case [bold]{visible(built['case'])}[/]")
    for r in built["imports"]:
        reasons = "; ".join(f"{n} {visible(k)}" for k, n in r.reasons.items())
        out.print(
            f"  {visible(r.path)}: {plural(r.loaded, 'post')} loaded, "
            f"{r.quarantined:,} quarantined ({reasons})"
        )
    out.print(
        f"  {plural(info_['posts'], 'post')} by {plural(info_['accounts'], 'account')}, "
        f"{info_['first_post']:%Y-%m-%d} to {info_['last_post']:%Y-%m-%d}"
    )
    out.print(
        f"Coordination (windows {', '.join(f'{w:g}' for w in found.windows_)} s, the defaults): "
        f"{plural(len(found.networks_), 'network')} among {plural(info_['accounts'], 'account')}"
    )
    planted = set(built["planted"])
    for net in found.networks_:
        hit = len(planted & set(net["accounts"]))
        out.print(
            f"  network {net['network_id']}: {plural(net['size'], 'account')} ({', '.join(net['kinds'])}), "
            f"median gap {net['median_gap_s']:.0f} s, score {net['score']:.3f}: "
            f"{hit} of the {len(planted)} planted accounts"
        )
    folder = Path(built["case"]).parent / "coordination"
    out.print(f"  files: {visible(folder)}/")
    from unmask.demo.columns import PERSONA_BYLINE, team_of

    writers = {w for r in persona for w in r["compared_with"]["single_writers"]}
    out.print(
        f"Persona (each byline against simulated bylines of {len(writers)} invented reference columnists):"
    )
    for r in persona:
        verdict = (
            f"more than one writer (p = {r['p_multiple']:.2f}), {r['writers']} groups of documents"
            if r["p_multiple"] >= 0.5
            else f"one writer (p of several = {r['p_multiple']:.2f})"
        )
        if r["byline"] == PERSONA_BYLINE:
            planted = {d: team_of(d) for d in r["clusters"]}
            same = all(
                (r["clusters"][a] == r["clusters"][b]) == (planted[a] == planted[b])
                for a in planted
                for b in planted
            )
            verdict += f"; planted: 3 writers taking turns, {'matched exactly' if same else 'not matched'}"
        out.print(f"  byline {visible(repr(r['byline']))}: {plural(r['documents'], 'column')}, {verdict}")
    attribution = built["attribution"]
    run_ = attribution["run"]
    records = sum(r.loaded for r in attribution["imports"])
    quarantined = sum(r.quarantined for r in attribution["imports"])
    out.print(
        f"Attribution ({plural(records, 'record')} from {plural(len(attribution['imports']), 'file')} of ad "
        f"libraries, Companies House, FEC, WHOIS and saved pages; {quarantined} quarantined): "
        f"{plural(run_.entities, 'entity', 'entities')}, {plural(run_.merged, 'merge')}, "
        + ", ".join(f"{n} {k}" for k, n in sorted(run_.findings.items()))
    )
    from unmask.graph.paths import hop_text

    story = attribution["story"]  # printed by its account's id: the demo's accounts have no handles
    for answer in [*attribution["explained"], story]:
        names = f"{visible(repr(answer['from']['id'] if answer is story else answer['from']['name']))} "
        names += visible(repr(answer["to"]["name"]))
        if answer is story:
            out.print("The story: from an account of the planted network to the organisation behind it")
        out.print(f"  unmask explain {names}:")
        for hop in (answer["paths"] or [[]])[0]:
            out.print("    " + visible(hop_text(hop)))
    from unmask.graph.campaigns import campaigns as find_campaigns

    with Case.open(built["case"], read_only=True) as c:
        joined = [card for card in find_campaigns(c) if len(card["findings"]) > 1]
    for card in joined:
        kinds = ", ".join(sorted({f["kind"] for f in card["findings"]}))
        behind = "; ".join(visible(n["name"] or n["id"]) for n in card["behind"][:3])
        out.print(
            f"Campaign: {plural(len(card['findings']), 'finding')} joined ({kinds}); behind them: {behind}"
        )
    out.print(f"  unmask campaigns --case {visible(built['case'])}")
    out.print(f"Findings: unmask findings --case {visible(built['case'])}")
    out.print(f"Report: {visible(built['report'])} (open it in a browser; it works offline)")
    out.print(f"Next: unmask info --case {visible(built['case'])}")


persona_app = typer.Typer(
    help="Persona forensics: is a byline one writer or a team, who shares a writer, when does it work.",
    no_args_is_help=True,
)
app.add_typer(persona_app, name="persona")

OptionalCase = Annotated[
    Path | None,
    typer.Option(
        "--case", help="The case file; files given are imported into it (default: a temporary case)."
    ),
]
ReferenceOption = Annotated[
    str | None,
    typer.Option(
        "--reference",
        help="Documents by known single writers: an articles FILE, 'case' (the case's other bylines; the "
        "default, when they are 10 writers or more) or 'federalist' (shipped: 18th-century essays).",
    ),
]
MaskOption = Annotated[
    bool, typer.Option("--mask-topic/--no-mask-topic", help="Mask content words (Stamatatos 2017).")
]


@contextmanager
def _case_or_temporary(case: Path | None) -> Iterator[Case]:
    """The named case, or a temporary one that is deleted afterwards (files are still imported into it, so
    quarantine and provenance apply to them)."""
    if case is not None:
        with Case.open(case) as c:
            yield c
        return
    import tempfile

    with (
        tempfile.TemporaryDirectory(prefix="unmask-") as folder,
        Case.open(Path(folder) / "case.duckdb") as c,
    ):
        yield c


@persona_app.command("writers")
def persona_writers(
    out_path: Annotated[Path, typer.Option("--out", help="JSON Lines: one line a byline.")],
    docs: Annotated[
        Path | None, typer.Option("--docs", help="Articles file or folder to import and test.")
    ] = None,
    case: OptionalCase = None,
    byline: Annotated[
        list[str] | None, typer.Option("--byline", help="Test only this byline (repeatable).")
    ] = None,
    reference_: ReferenceOption = None,
    mask_topic: MaskOption = False,
    plots: Annotated[
        Path | None, typer.Option("--plots", help="Folder for a dendrogram and map per byline.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """For each byline: the probability that more than one person wrote it, how many, and which documents."""
    from unmask.outfiles import out_file, out_folder, write_jsonl
    from unmask.persona import run as persona_run

    with _user_errors():
        out_file(out_path)
        if plots is not None:
            out_folder(plots)
        with _case_or_temporary(case) as c, _stages(quiet=as_json) as on_stage:
            done = persona_run.run(
                c,
                persona_run.WRITERS,
                docs=docs,
                bylines=byline,
                reference=reference_,
                mask_topic=mask_topic,
                on_stage=on_stage,
            )
            rows = done.rows
            write_jsonl(out_path, rows, default=_json_default)
            if plots is not None:
                on_stage("persona: plots")
                _writer_plots(done.results, plots)
    if as_json:
        _print_json(rows)
        return
    out.print(f"reference: {visible(done.reference)}")
    if done.warning:
        _warn(done.warning)
    out.print(
        _table(
            plural(len(rows), "byline"),
            [
                {
                    "byline": r["byline"],
                    "documents": r["documents"],
                    "p_multiple": r["p_multiple"],
                    "writers": r["writers"],
                    "compared with": _compared(r["compared_with"]),
                }
                for r in rows
            ],
        )
    )
    replaced = f" (replacing {plural(done.replaced, 'earlier finding')})" if done.replaced else ""
    out.print(f"wrote {visible(out_path)}; {plural(len(done.findings), 'group-persona finding')}{replaced}")


def _compared(c: dict[str, Any]) -> str:
    return (
        f"{plural(c['single_writer_bylines'], 'single-writer byline')} of "
        f"{plural(c['documents_each'], 'document')}, ~{plural(c['words_each'], 'word')}"
    )


def _writer_plots(results, folder: Path) -> None:
    from unmask.persona import plots

    for i, res in enumerate(results, 1):
        labels = [res.clusters[d] for d in res.doc_ids]
        plots.dendrogram(
            res.linkage, res.doc_ids, folder / f"byline-{i}-dendrogram.png", title=res.byline, colors=labels
        )
        plots.document_map(
            plots.project_2d(res.vectors),
            labels,
            res.doc_ids,
            folder / f"byline-{i}-map.png",
            title=res.byline,
        )


@persona_app.command("link")
def persona_link(
    out_path: Annotated[Path, typer.Option("--out", help="JSON Lines: one line a pair of bylines.")],
    docs: Annotated[Path | None, typer.Option("--docs", help="Articles file or folder to import.")] = None,
    case: OptionalCase = None,
    reference_: ReferenceOption = None,
    mask_topic: MaskOption = False,
    as_json: JsonOption = False,
) -> None:
    """Which bylines share a writer (open set: none is an answer): General Impostors, with Unmasking as a
    second opinion and their agreement."""
    from unmask.outfiles import out_file, write_jsonl
    from unmask.persona import engine
    from unmask.persona import run as persona_run
    from unmask.persona.verification import UnmaskingVerifier

    with _user_errors():
        out_file(out_path)
        with _case_or_temporary(case) as c, _stages(quiet=as_json) as on_stage:
            done = persona_run.run(
                c, persona_run.LINK, docs=docs, reference=reference_, mask_topic=mask_topic, on_stage=on_stage
            )
        links = done.rows
        write_jsonl(out_path, links, default=_json_default)
    if as_json:
        _print_json(links)
        return
    out.print(f"reference: {visible(done.reference)}")
    if done.warning:
        _warn(done.warning)
    unmasking = UnmaskingVerifier()
    out.print(
        "score: General Impostors (the answer); unmasking: a second opinion, run on the "
        f"{engine.UNMASKING_MAX_PAIRS} pairs most alike, which abstains where a byline has fewer than "
        f"{unmasking.min_words:,} words ({unmasking.folds} chunks of {unmasking.min_chunk_words} or more)"
    )
    shown = [
        {
            **{k: r[k] for k in ("a", "b", "score", "same_writer")},
            "unmasking": "abstained" if r["unmasking"].get("abstained") else f"{r['unmasking']['score']:.3f}",
            "agree": "-" if r["agree"] is None else "yes" if r["agree"] else "NO",
            "features": [f["feature"] for f in r["features"]],
        }
        for r in links[:20]
    ]
    disputed = sum(r["agree"] is False for r in links)
    abstained = sum(r["agree"] is None for r in links)
    title = f"{plural(len(links), 'pair')} (most alike first); the verifiers disagree on {disputed}"
    out.print(_table(title, shown))
    if abstained:
        out.print(
            f"Unmasking abstained on {plural(abstained, 'pair')}: each line of {visible(out_path)} says why"
        )
    replaced = f" (replacing {plural(done.replaced, 'earlier finding')})" if done.replaced else ""
    out.print(f"wrote {visible(out_path)}; {plural(len(done.findings), 'shared-writer finding')}{replaced}")


@persona_app.command("attribute")
def persona_attribute(
    known: Annotated[Path, typer.Option("--known", help="JSON Lines {id, author, text}.")],
    unknown: Annotated[Path, typer.Option("--unknown", help="JSON Lines {id, text}.")],
    out_path: Annotated[Path, typer.Option("--out", help="JSON Lines {id, author, score, agree, methods}.")],
    case: OptionalCase = None,
    open_set: Annotated[
        bool, typer.Option("--open-set/--closed-set", help="Answer <UNK> when no known author fits.")
    ] = True,
    as_json: JsonOption = False,
) -> None:
    """Attribute unknown texts to known authors, or to <UNK>: n-gram SVMs and Cosine Delta, weighed on
    held-out known texts; each method's answer is shown, and whether they agree."""
    from unmask.outfiles import out_file, write_jsonl
    from unmask.persona import run as persona_run

    with _user_errors():
        out_file(out_path)
        with _case_or_temporary(case) as c, _stages(quiet=as_json) as on_stage:
            done = persona_run.run(
                c, persona_run.ATTRIBUTE, known=known, unknown=unknown, open_set=open_set, on_stage=on_stage
            )
        result = done.results
        write_jsonl(out_path, result.rows, default=_json_default)
    if as_json:
        _print_json(result.rows)
        return
    for line in result.summary():
        out.print(visible(line))
    methods = list(result.weights)
    shown = [
        {
            "id": r["id"],
            "author": r["author"],
            "score": r["score"],
            "agree": "yes" if r["agree"] else "NO",
            **{m: f"{r['methods'][m]['author']} {r['methods'][m]['score']:.2f}" for m in methods},
        }
        for r in result.rows[:50]
    ]
    disputed = sum(not r["agree"] for r in result.rows)
    out.print(_table(f"{plural(len(result.rows), 'text')}; the methods disagree on {disputed}", shown))
    out.print(
        f"wrote {visible(out_path)}; {plural(len(done.findings), 'shared-writer finding')} (texts given a "
        "known author on which the methods agree, combined score above 0.5)"
        + (f"; replacing {plural(done.replaced, 'earlier finding')}" if done.replaced else "")
    )


@persona_app.command("rhythm")
def persona_rhythm(
    case: CaseOption = Path(DEFAULT_CASE),
    byline: Annotated[str | None, typer.Option("--byline", help="A byline of the case's documents.")] = None,
    account: Annotated[
        str | None, typer.Option("--account", help="An account id of the case's posts.")
    ] = None,
    platform: Annotated[
        str | None, typer.Option(help="The account's platform, if its id is on several.")
    ] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write the heatmap as PNG here.")] = None,
    as_json: JsonOption = False,
) -> None:
    """When a persona works: hour x weekday activity, its operators' likely UTC offset, office-hours score,
    and whether its days keep two clocks (two operators hours apart)."""
    from unmask.errors import OptionError
    from unmask.outfiles import out_file
    from unmask.persona.rhythm import RhythmEstimator, refusal, subject_times

    with _user_errors():
        if plot is not None:
            out_file(plot)
        with Case.open(case, read_only=True) as c:
            times = subject_times(c, byline=byline, account=account, platform=platform)
        reason = refusal(times)
        if reason:
            raise OptionError(reason)
        est = RhythmEstimator().fit(times.times)
        result = est.to_dict(times.subject)
        if plot is not None:
            from unmask.persona.plots import rhythm_heatmap

            rhythm_heatmap(est.histogram_, plot, title=times.subject, offset_hours=est.utc_offset_hours_)
    if as_json:
        _print_json(result)
        return
    out.print(f"[bold]{visible(times.subject)}[/]")
    for line in est.describe(unit=times.kind):
        out.print(f"  {visible(line)}")
    if times.dropped_date_only:
        out.print(
            f"  {plural(times.dropped_date_only, times.kind.removesuffix('s'))} dated without a time of day: "
            "left out"
        )


attribution_app = typer.Typer(
    help="Attribution: pages, sites, companies, people and money linked through public records.",
    no_args_is_help=True,
)
app.add_typer(attribution_app, name="attribution")


@attribution_app.command("run")
def attribution_run(case: CaseOption = Path(DEFAULT_CASE), as_json: JsonOption = False) -> None:
    """Resolve entities across sources, rebuild the evidence links and write the findings."""
    from unmask.attribution.engine import run as run_attribution

    with _user_errors(), Case.open(case) as c, _stages(quiet=as_json) as on_stage:
        result = run_attribution(c, on_stage=on_stage)
    if as_json:
        _print_json(result)
        return
    out.print(
        f"{plural(result.entities, 'entity', 'entities')}; [bold]{result.merged:,}[/] merged automatically "
        f"or by review, [bold]{plural(result.candidates, 'candidate')}[/] to review; "
        f"{plural(result.links, 'link')} in {result.seconds:.1f} s"
    )
    for kind, n in sorted(result.findings.items()):
        out.print(f"  {plural(n, kind + ' finding')}")
    for line in _left_out(result):
        out.print(visible(line))
    if result.candidates:
        out.print(f"Review the candidates: unmask attribution review --case {visible(case)}")
    out.print(f"Findings: unmask findings --case {visible(case)}")


def _left_out(result: Any, shown: int = 5) -> list[str]:
    """What attribution left out of merges and links, and why: one line each, with the largest examples."""

    def some(items: list[str]) -> str:
        return ", ".join(items[:shown]) + (f" and {len(items) - shown:,} more" if len(items) > shown else "")

    lines = []
    if result.skipped_blocks:
        blocks = [f"{key} ({n:,} entities)" for key, n in result.skipped_blocks]
        keys = plural(len(blocks), "name key")
        lines.append(
            f"Not compared, too common to block on ({keys}): {some(blocks)}; "
            "`unmask explain A B` says when this kept two records apart"
        )
    if result.placeholder_ids:
        ids = [f"{eid} ({n:,} names)" for eid, n in result.placeholder_ids]
        lines.append(f"Placeholder ids, given to many names: no merge and no link through them: {some(ids)}")
    if result.services:
        services = [f"{s.kind} {s.value} ({s.registrants:,} registrants)" for s in result.services]
        lines.append(f"Services, not operators (shared by many registrants; no link): {some(services)}")
    if result.refused:
        lines.append(
            f"{plural(len(result.refused), 'merge')} refused: each would join a pair a reviewer rejected "
            "(listed by `unmask attribution review`)"
        )
    return lines


_FEW_CANDIDATES = 20
_PAIR_COLUMNS = [
    "score",
    "rule",
    "agree",
    "conflict",
    "left_schema",
    "left_name",
    "left_id",
    "right_schema",
    "right_name",
    "right_id",
]


@attribution_app.command("review")
def attribution_review(
    case: CaseOption = Path(DEFAULT_CASE),
    accept: Annotated[
        tuple[str, str] | None, typer.Option(help="Merge this pair: LEFT_ID RIGHT_ID.", show_default=False)
    ] = None,
    reject: Annotated[
        tuple[str, str] | None,
        typer.Option(help="Keep this pair apart: LEFT_ID RIGHT_ID.", show_default=False),
    ] = None,
    group: Annotated[
        str | None,
        typer.Option(
            help="List the pairs of this group (with --accept-all or --reject-all: decide them all).",
            show_default=False,
        ),
    ] = None,
    accept_all: Annotated[bool, typer.Option("--accept-all", help="Merge every pair of --group.")] = False,
    reject_all: Annotated[
        bool, typer.Option("--reject-all", help="Keep every pair of --group apart.")
    ] = False,
    by: Annotated[str, typer.Option(help="Who decided (kept with the decision).")] = "reviewer",
    limit: Annotated[int, typer.Option(help="How many groups (or a group's pairs) to list.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """The candidate merges in groups (by name), a group's pairs with what agrees and conflicts, merges
    refused for crossing a rejection; accept or reject a pair or a whole group. Decisions are kept."""
    from unmask.attribution.engine import (
        candidate_groups,
        candidates,
        decide,
        decide_group,
        ensure,
        refused_merges,
    )

    if accept_all or reject_all:
        if group is None or (accept_all and reject_all):
            _fail("give --group G with one of --accept-all or --reject-all")
        with _user_errors(), Case.open(case) as c:
            n = decide_group(c, group, accept=accept_all, by=by)  # type: ignore[arg-type]
            _after_interrupt("the decisions are recorded; attribution runs again at the next command")
            with _stages(quiet=as_json) as on_stage:
                ensure(c, on_stage=on_stage)
        out.print(f"{'accepted' if accept_all else 'rejected'}: {plural(n, 'pair')} of {visible(group)}")
        return
    if accept or reject:
        left, right = accept or reject  # type: ignore[misc]
        with _user_errors(), Case.open(case) as c:
            decide(c, left, right, accept=accept is not None, by=by)
            _after_interrupt("the decision is recorded; attribution runs again at the next command")
            with _stages(quiet=as_json) as on_stage:
                ensure(c, on_stage=on_stage)
        out.print(f"{'accepted' if accept else 'rejected'}: {visible(left)} and {visible(right)}")
        return
    with _user_errors():
        _refresh_attribution(case, quiet=as_json)
        with Case.open(case, read_only=True) as c:
            if group is not None:
                rows, groups = candidates(c, limit=limit, group=group), []
            else:
                groups = candidate_groups(c, limit=limit)
                # a few pairs read better as themselves than as groups of one
                few = sum(g["pairs"] for g in groups) <= _FEW_CANDIDATES
                rows = candidates(c, limit=_FEW_CANDIDATES) if few else []
            refused = refused_merges(c)
    if as_json:
        _print_json({"groups": groups, "pairs": rows, "refused": refused} if group is None else rows)
        return
    if refused:
        title = f"{plural(len(refused), 'merge')} refused: each would join a pair a reviewer rejected"
        out.print(_table(title, refused, ["left_id", "right_id", "decision", "score", "conflict"]))
    if group is None and rows:
        out.print(_table(f"{plural(len(rows), 'candidate merge')} (best first)", rows, _PAIR_COLUMNS))
        out.print("Decide with: unmask attribution review --accept LEFT_ID RIGHT_ID (or --reject)")
        return
    if group is not None:
        if not rows:
            out.print(f"No candidates in the group {visible(group)}.")
            return
        out.print(
            _table(f"{plural(len(rows), 'candidate merge')} of {group} (best first)", rows, _PAIR_COLUMNS)
        )
        out.print(
            f'Decide with: unmask attribution review --group "{visible(group)}" --accept-all '
            "(or --reject-all), or one pair: --accept LEFT_ID RIGHT_ID (or --reject)"
        )
        return
    if not groups:
        out.print("No candidates to review.")
        return
    out.print(_table(f"{plural(len(groups), 'group')} of candidate merges (largest first)", groups))
    out.print(
        'See a group\'s pairs: unmask attribution review --group "GROUP"; decide a group with '
        "--accept-all or --reject-all, a pair with --accept LEFT_ID RIGHT_ID (or --reject)"
    )


@app.command()
def explain(
    a: Annotated[
        str,
        typer.Argument(
            help="A node: an account (@handle or id), a byline, a domain, network:ID, an entity id or name."
        ),
    ],
    b: Annotated[str, typer.Argument(help="Another node, given the same ways.")],
    case: CaseOption = Path(DEFAULT_CASE),
    platform: Annotated[
        str | None, typer.Option(help="The platform of an account given by id or handle, where ambiguous.")
    ] = None,
    candidates: Annotated[
        bool, typer.Option("--candidates", help="Also walk candidate merges nobody has reviewed.")
    ] = False,
    paths: Annotated[int, typer.Option(help="How many paths, shortest first.")] = 3,
    as_json: JsonOption = False,
) -> None:
    """The shortest evidence paths between two nodes of the case (accounts, bylines, networks, sites,
    people, organisations), each hop with its source record or the engine run behind it."""
    from unmask.graph.paths import AmbiguousName, hop_text
    from unmask.graph.paths import explain as explain_paths

    try:
        _refresh_attribution(case, quiet=as_json)
        with Case.open(case, read_only=True) as c:
            result = explain_paths(c, a, b, candidates=candidates, max_paths=paths, platform=platform)
    except AmbiguousName as exc:
        if as_json:
            _print_json({"error": "ambiguous", "query": exc.query, "candidates": exc.matches})
            raise typer.Exit(2) from None
        _fail(str(exc))
    except UnmaskError as exc:
        _fail(str(exc))
    if as_json:
        _print_json(result)
        return
    start, end = result["from"], result["to"]
    if "apart" in result:
        out.print(f"Not one entity: {visible(result['apart'])}")
    if not result["paths"]:
        out.print(f"No evidence path between {visible(start['name'] or start['id'])} and "
                  f"{visible(end['name'] or end['id'])}.")  # fmt: skip
        return
    for i, hops in enumerate(result["paths"], start=1):
        out.print(f"[bold]Path {i}[/] ({plural(len(hops), 'hop')}):")
        for hop in hops:
            out.print("  " + visible(hop_text(hop)))


@app.command()
def campaigns(case: CaseOption = Path(DEFAULT_CASE), as_json: JsonOption = False) -> None:
    """The findings the case graph joins into one story: which networks push which sites and pages, which
    bylines publish there, who stands behind them, and the weakest hop that joins them. A view over
    findings: each keeps its own confidence."""
    from unmask.graph.campaigns import campaigns as find_campaigns

    with _user_errors():
        _refresh_attribution(case, quiet=as_json)
        with Case.open(case, read_only=True) as c:
            cards = find_campaigns(c)
    if as_json:
        _print_json(cards)
        return
    if not cards:
        out.print("No findings, so no campaigns: run the engines first (see unmask --help).")
        return
    joined = [c for c in cards if len(c["findings"]) > 1]
    out.print(
        f"{plural(len(cards), 'campaign')} ({len(joined)} joining several findings); a campaign adds no "
        "confidence: each finding keeps its own"
    )
    for card in cards:
        out.print(f"[bold]{card['id']}[/]: {plural(len(card['findings']), 'finding')}")
        for f in card["findings"]:
            score = f"{f['confidence']:.3f}" if f["tested"] else "untested"
            out.print(f"  {visible(f['kind'])} ({score}) {visible(f['finding_id'])}")
        for role, listed in card["parts"].items():
            names = ", ".join(visible(n["name"] or n["id"]) for n in listed[:8])
            more = f" and {len(listed) - 8} more" if len(listed) > 8 else ""
            out.print(f"  {role}: {names}{more}")
        if card["behind"]:
            behind = ", ".join(
                f"{visible(n['name'] or n['id'])} ({n['schema']}, {plural(n['hops'], 'hop')})"
                for n in card["behind"][:8]
            )
            out.print(f"  behind them: {behind}")
        if card["disarm"]:
            out.print(f"  DISARM: {', '.join(card['disarm'])}")
        if card["weakest_hop"]:
            out.print(f"  weakest hop: {visible(card['weakest_hop']['text'])}")
    out.print(f"Each hop's evidence: unmask campaigns --json --case {visible(case)}, or unmask explain A B")


@app.command()
def report(
    case: CaseOption = Path(DEFAULT_CASE),
    out_: Annotated[Path, typer.Option("--out", help="The file to write.")] = Path("report.html"),
    format: Annotated[
        str, typer.Option("--format", help="html (one self-contained page), json or md.")
    ] = "html",
) -> None:
    """The investigation report: findings ranked, network, timelines, dossiers, evidence, DISARM, methods."""
    from unmask.outfiles import out_file
    from unmask.report import write_report

    with _user_errors():
        out_file(out_)
        _refresh_attribution(case, quiet=False)
        with Case.open(case, read_only=True) as c, _stages() as on_stage:
            on_stage("report: writing")
            written = write_report(c, out_, format)
    out.print(f"wrote {visible(written)} ({written.stat().st_size / 1e6:.1f} MB)")


export_app = typer.Typer(help="Export the case for other tools.", no_args_is_help=True)
app.add_typer(export_app, name="export")
OutOption = Annotated[Path, typer.Option("--out", help="The file to write.", show_default=False)]


@export_app.command("ftm")
def export_ftm(case: CaseOption = Path(DEFAULT_CASE), out_: OutOption = Path("entities.ftm.jsonl")) -> None:
    """FollowTheMoney JSON lines (for Aleph / OpenAleph; `ftm validate` reads them): merged entities, and the
    case graph's accounts, bylines, networks and links with their evidence."""
    from unmask.exports import export_ftm as write
    from unmask.outfiles import out_file

    with _user_errors():
        out_file(out_)
        _refresh_attribution(case, quiet=False)
        with Case.open(case, read_only=True) as c:
            n = write(c, out_)
    out.print(f"{plural(n, 'entity', 'entities')} written to {visible(out_)}")


@export_app.command("posts")
def export_posts(
    case: CaseOption = Path(DEFAULT_CASE),
    out_: OutOption = Path("posts.parquet"),
    format: Annotated[str, typer.Option("--format", help="parquet (the only one so far).")] = "parquet",
) -> None:
    """The case's posts as Parquet, for `unmask coordination --engine spark --posts`: every column, with each
    post's source file id and record number, so that evidence found on a cluster points at the original
    files."""
    from unmask.outfiles import out_file
    from unmask.parquet import export_posts as write

    with _user_errors():
        if format != "parquet":
            raise OptionError(f"--format {format!r}: parquet")
        out_file(out_)
        with Case.open(case, read_only=True) as c:
            n = write(c, out_)
    out.print(f"{plural(n, 'post')} written to {visible(out_)}")


def _export_graph(case: Path, out_: Path, format: str) -> None:
    from unmask.exports import export_graph
    from unmask.outfiles import out_file

    with _user_errors():
        out_file(out_)
        _refresh_attribution(case, quiet=False)
        with Case.open(case, read_only=True) as c:
            nodes, edges = export_graph(c, out_, format)
    out.print(f"{plural(nodes, 'node')} and {plural(edges, 'edge')} written to {visible(out_)}")


@export_app.command("gexf")
def export_gexf(case: CaseOption = Path(DEFAULT_CASE), out_: OutOption = Path("links.gexf")) -> None:
    """The fused case graph as GEXF (Gephi): entities, identifiers, accounts, bylines and networks, with
    each link's evidence."""
    _export_graph(case, out_, "gexf")


@export_app.command("graphml")
def export_graphml(case: CaseOption = Path(DEFAULT_CASE), out_: OutOption = Path("links.graphml")) -> None:
    """The fused case graph as GraphML (as export gexf)."""
    _export_graph(case, out_, "graphml")


def run() -> None:  # pragma: no cover - console entry point used by `python -m unmask`
    app(prog_name="unmask")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run())
