"""The ``unmask`` command line: a thin layer over the Python API. Parse, call, print; no logic here.

Every command takes ``--case PATH``; every command that prints data takes ``--json``. Errors a user can
cause exit with code 2 and one message naming the file, line and field.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from unmask import __version__
from unmask.case import DEFAULT_CASE, Case
from unmask.errors import UnmaskError

app = typer.Typer(
    name="unmask",
    help="Find out who is really behind online influence campaigns.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)

CaseOption = Annotated[Path, typer.Option("--case", help="The case file (DuckDB).", show_default=True)]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def _fail(message: str) -> None:
    err.print(f"[bold red]Error:[/] {escape(message)}")
    raise typer.Exit(2)


@contextmanager
def _user_errors() -> Iterator[None]:
    try:
        yield
    except UnmaskError as exc:
        _fail(str(exc))


def _print_json(data: Any) -> None:
    out.out(json.dumps(data, default=_json_default, ensure_ascii=False, indent=2), highlight=False)


def _json_default(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return str(value)


_SENTENCE_COLUMNS = frozenset({"claim", "rule", "reason"})


def _table(title: str, rows: list[dict[str, Any]], columns: list[str] | None = None) -> Table:
    table = Table(title=title, title_justify="left", show_edge=False, header_style="bold")
    columns = columns or (list(rows[0]) if rows else [])
    for col in columns:
        # A claim or rule squeezed by its neighbours would wrap one word a line: sentences get room first.
        table.add_column(col, overflow="fold", min_width=40 if col in _SENTENCE_COLUMNS else None)
    for row in rows:
        # Values come from hostile input: escaped, so "[bold]" in a name is text, not markup.
        table.add_row(*(escape(_cell(row.get(c))) for c in columns))
    return table


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


@app.callback(invoke_without_command=True)
def main(version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False) -> None:
    global out, err
    # Made per invocation, so that the terminal's width (or COLUMNS) is the one of this run.
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False)
    if version:
        out.print(f"unmask {__version__}")
        raise typer.Exit()


@contextmanager
def _progress(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal (imports can take minutes); silent elsewhere."""
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    with progress:
        task = progress.add_task(label, total=total)
        yield lambda n: progress.advance(task, n)


def _size(path: Path) -> int:
    """Bytes to read: a file's size, or the sum over a folder's files (for the progress bar)."""
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size if path.is_file() else 0


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
        total = sum(_size(f) for f in files)
        with Case.open(case) as c, _progress(total, f"importing {format}") as advance:
            results = import_files(
                c, format, files, timezone=timezone, mapping=mapping, as_of=as_of, on_bytes=advance
            )
    if as_json:
        _print_json(results)
        return
    for r in results:
        if r.skipped:
            out.print(f"{escape(r.path)}: {escape(r.notes[0])}")
            continue
        accounts = f", {r.accounts_added:,} new accounts" if r.kind == "posts" else ""
        if r.kind == "records" and not r.quarantined:
            accounts += " (attribution run links them)"
        out.print(
            f"{escape(r.path)} ({r.format}, source {r.source_id}): [bold]{r.loaded:,}[/] {r.kind} loaded, "
            f"[bold]{r.quarantined:,}[/] quarantined{accounts} in {r.seconds:.1f} s"
        )
        for reason, n in r.reasons.items():
            out.print(f"  quarantined {n:,}: {escape(reason)}")
        for note in r.notes:
            out.print(f"  note: {escape(note)}")
    if any(r.quarantined for r in results):
        out.print(f"See them with: unmask quarantine --case {escape(str(case))}")


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
        f"[bold]{escape(data['case'])}[/]: {data['posts']:,} posts by {data['accounts']:,} accounts, "
        f"{data['quarantined']:,} quarantined records, {data['findings']:,} findings"
    )
    if data["first_post"]:
        out.print(f"posts from {data['first_post']:%Y-%m-%d %H:%M} to {data['last_post']:%Y-%m-%d %H:%M} UTC")
    if data["documents"]:
        dated = ""
        if data["first_document"]:
            dated = f", published {data['first_document']:%Y-%m-%d} to {data['last_document']:%Y-%m-%d}"
        out.print(f"{data['documents']:,} documents by {data['bylines']:,} bylines{dated}")
    if data["entities"]:
        out.print(
            f"{data['entities']:,} FollowTheMoney entities ({data['statements']:,} statements) and "
            f"{data['infrastructure']:,} infrastructure observations from public records"
        )
    out.print(
        _table(
            "Sources",
            data["sources"],
            ["source_id", "path", "format", "rows_loaded", "rows_quarantined", "imported_at"],
        )
    )
    if data["quarantine_reasons"]:
        out.print(_table("Quarantine by reason", data["quarantine_reasons"]))
    out.print(_table("Most active accounts", data["most_active_accounts"]))


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
    """The findings of every engine, most confident first, with their DISARM techniques."""
    from unmask.attribution.engine import ensure, is_stale
    from unmask.findings import finding_to_dict, read_findings

    with _user_errors():
        with Case.open(case, read_only=True) as c:
            stale = is_stale(c)
        # Records changed since attribution last ran: its findings are brought up to date first.
        with Case.open(case, read_only=not stale) as c:
            if stale:
                ensure(c)
            found = read_findings(c, kind=kind, min_confidence=min_confidence)
    if as_json:
        _print_json([finding_to_dict(f) for f in found])
        return
    if not found:
        out.print("No findings yet: run an engine on the case first.")
        return
    rows = [
        {
            "confidence": f.confidence,
            "kind": f.kind,
            "claim": f.claim,
            "subjects": len(f.subjects),
            "evidence": len(f.evidence),
            "disarm": list(f.disarm),
            "id": f.finding_id,
        }
        for f in found
    ]
    out.print(_table(f"{len(found)} findings", rows))


@app.command()
def coordination(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for accounts.csv, edges, networks, graphs.")],
    case: CaseOption = Path(DEFAULT_CASE),
    kinds: Annotated[
        str,
        typer.Option(
            help="Comma-separated: share, link, text, near_text, hashtag, "
            "hashtag_set, reply, mention, column:NAME; or all."
        ),
    ] = "all",
    window: Annotated[str, typer.Option(help="Seconds, or auto (estimated as CooRnet does).")] = "auto",
    null: Annotated[bool, typer.Option("--null/--no-null", help="Test edges against the null model.")] = True,
    alpha: Annotated[float, typer.Option(help="False discovery rate for significant edges.")] = 0.01,
    min_weight: Annotated[int, typer.Option(help="Fewest distinct objects an edge needs.")] = 1,
    max_object_accounts: Annotated[
        int | None, typer.Option(help="Set aside objects acted on by more accounts than this.")
    ] = None,
    near_text_threshold: Annotated[
        float, typer.Option(help="Jaccard similarity of word sets at which two texts are near-duplicates.")
    ] = 0.6,
    min_network_size: Annotated[int, typer.Option(help="Smallest network reported.")] = 3,
    seed: Annotated[int, typer.Option(help="Seed of the near-duplicate hashing and of Leiden.")] = 0,
    as_json: JsonOption = False,
) -> None:
    """Find networks of accounts that act together more often than an organic crowd would."""
    from unmask.coordination import Coordination, network_findings, write_outputs
    from unmask.coordination.actions import parse_kinds
    from unmask.coordination.detector import MAX_AUTO_WINDOW_S
    from unmask.findings import write_findings

    with _user_errors(), Case.open(case) as c:
        found = Coordination(
            kinds=parse_kinds(kinds),
            window=window if window == "auto" else _seconds(window),
            null=null,
            alpha=alpha,
            min_weight=min_weight,
            max_object_accounts=max_object_accounts,
            near_text_threshold=near_text_threshold,
            min_network_size=min_network_size,
            seed=seed,
        ).fit(c)
        paths = write_outputs(found, out_dir)
        findings = network_findings(found)
        write_findings(c, findings)
    summary = {
        "window_s": found.window_,
        "window_estimate_s": getattr(found, "window_estimate_", None),
        "time_resolution_s": getattr(found, "time_resolution_", None),
        "networks": len(found.networks_),
        "accounts": found.accounts_.num_rows,
        "edges": found.edges_.num_rows,
        "findings": len(findings),
        "seconds": found.seconds_,
        "kinds": [dataclasses.asdict(r) for r in found.runs_],
        "files": {k: str(v) for k, v in paths.items()},
    }
    if as_json:
        _print_json(summary)
        return
    auto = (
        f" (estimated from the data: {found.window_estimate_:g} s, capped at {MAX_AUTO_WINDOW_S} s, "
        f"never below the times' resolution of {found.time_resolution_} s)"
        if window == "auto"
        else ""
    )
    out.print(f"window {found.window_:g} s{auto}; {'null model on' if null else 'no null model'}")
    out.print(
        _table(
            "Kinds",
            [dataclasses.asdict(r) for r in found.runs_],
            ["kind", "actions", "coactions", "pairs", "edges", "significant", "capped_objects", "seconds"],
        )
    )
    rows = [
        {
            "network_id": n["network_id"],
            "size": n["size"],
            "kinds": n["kinds"],
            "density": n["density"],
            "median_gap_s": n["median_gap_s"],
            "score": n["score"],
            "first_time": n["first_time"][:16],
            "last_time": n["last_time"][:16],
        }
        for n in found.networks_
    ]
    out.print(_table(f"{len(rows)} networks, {found.accounts_.num_rows} accounts", rows))
    out.print(
        f"wrote {escape(str(out_dir))}/: {', '.join(p.name for p in paths.values())}; "
        f"{len(findings)} findings into the case"
    )


def _seconds(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        from unmask.errors import OptionError

        raise OptionError(f"--window {value!r}: seconds or auto") from None


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the demo's files and case.")] = Path(
        "unmask-demo"
    ),
    as_json: JsonOption = False,
) -> None:
    """Build the fictional demo case and show what it loaded. No real person is in it."""
    from unmask.demo import build_demo

    with _user_errors():
        built = build_demo(out_dir)
    found = built.pop("coordination")
    persona = [r.to_dict() for r in built.pop("persona")]
    if as_json:
        _print_json({**built, "window_s": found.window_, "networks": found.networks_, "persona": persona})
        return
    info_ = built["info"]
    out.print(f"Built the fictional demo case [bold]{escape(built['case'])}[/]")
    for r in built["imports"]:
        reasons = "; ".join(f"{n} {escape(k)}" for k, n in r.reasons.items())
        out.print(f"  {escape(r.path)}: {r.loaded:,} posts loaded, {r.quarantined:,} quarantined ({reasons})")
    out.print(
        f"  {info_['posts']:,} posts by {info_['accounts']:,} accounts, "
        f"{info_['first_post']:%Y-%m-%d} to {info_['last_post']:%Y-%m-%d}"
    )
    out.print(
        f"Coordination (window {found.window_:g} s): "
        f"{len(found.networks_)} network(s) among {info_['accounts']:,} accounts"
    )
    planted = set(built["planted"])
    for net in found.networks_:
        hit = len(planted & set(net["accounts"]))
        out.print(
            f"  network {net['network_id']}: {net['size']} accounts ({', '.join(net['kinds'])}), "
            f"median gap {net['median_gap_s']:.0f} s, score {net['score']:.3f}: "
            f"{hit} of the {len(planted)} planted accounts"
        )
    folder = Path(built["case"]).parent / "coordination"
    out.print(f"  files: {escape(str(folder))}/")
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
        out.print(f"  byline {escape(r['byline'])!r}: {r['documents']} columns, {verdict}")
    attribution = built["attribution"]
    run_ = attribution["run"]
    records = sum(r.loaded for r in attribution["imports"])
    quarantined = sum(r.quarantined for r in attribution["imports"])
    out.print(
        f"Attribution ({records:,} records from {len(attribution['imports'])} files of ad libraries, "
        f"Companies House, FEC, WHOIS and saved pages; {quarantined} quarantined): {run_.entities:,} "
        f"entities, {run_.merged} merges, " + ", ".join(f"{n} {k}" for k, n in sorted(run_.findings.items()))
    )
    from unmask.attribution.paths import hop_text

    for answer in attribution["explained"]:
        out.print(f"  unmask explain {escape(answer['from']['name'])!r} {escape(answer['to']['name'])!r}:")
        for hop in (answer["paths"] or [[]])[0]:
            out.print("    " + escape(hop_text(hop)))
    out.print(f"Findings: unmask findings --case {escape(built['case'])}")
    out.print(f"Report: {escape(built['report'])} (open it in a browser; it works offline)")
    out.print(f"Next: unmask info --case {escape(built['case'])}")


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
        help="Documents by known single writers: an articles FILE, 'case' (the case's other bylines) or "
        "'federalist' (shipped; the default).",
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


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False, default=_json_default) + "\n")


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
    from unmask.findings import write_findings
    from unmask.persona import engine

    with _user_errors(), _case_or_temporary(case) as c:
        table = engine.load_documents(c, docs, byline)
        ref = engine.reference(c, reference_, exclude=table.column("byline").unique().to_pylist())
        results = engine.writers(table, ref, mask_topic=mask_topic)
        findings = engine.writers_findings(results, table, ref)
        write_findings(c, findings)
    warning = engine.reference_warning(ref)
    rows = [{**r.to_dict(), **({"warning": warning} if warning else {})} for r in results]
    _write_jsonl(out_path, rows)
    if plots is not None:
        _writer_plots(results, plots)
    if as_json:
        _print_json(rows)
        return
    out.print(f"reference: {escape(ref.name)}")
    if warning:
        err.print(f"[bold yellow]Warning:[/] {escape(warning)}")
    out.print(
        _table(
            f"{len(rows)} bylines",
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
    out.print(f"wrote {escape(str(out_path))}; {len(findings)} group-persona findings")


def _compared(c: dict[str, Any]) -> str:
    return (
        f"{c['single_writer_bylines']} single-writer bylines of {c['documents_each']} documents, "
        f"~{c['words_each']} words"
    )


def _writer_plots(results, folder: Path) -> None:
    from unmask.persona import plots

    folder.mkdir(parents=True, exist_ok=True)
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
    """Which bylines share a writer (open set: none is an answer)."""
    from unmask.findings import write_findings
    from unmask.persona import engine

    with _user_errors(), _case_or_temporary(case) as c:
        table = engine.load_documents(c, docs)
        ref = engine.reference(c, reference_, exclude=table.column("byline").unique().to_pylist())
        links = engine.link(table, ref, mask_topic=mask_topic)
        findings = engine.link_findings(links, table, ref)
        write_findings(c, findings)
    warning = engine.reference_warning(ref)
    if warning:
        links = [{**r, "warning": warning} for r in links]
    _write_jsonl(out_path, links)
    if as_json:
        _print_json(links)
        return
    out.print(f"reference: {escape(ref.name)}")
    if warning:
        err.print(f"[bold yellow]Warning:[/] {escape(warning)}")
    shown = [
        {
            **{k: r[k] for k in ("a", "b", "score", "same_writer")},
            "features": [f["feature"] for f in r["features"]],
        }
        for r in links[:20]
    ]
    out.print(_table(f"{len(links)} pairs (most alike first)", shown))
    out.print(f"wrote {escape(str(out_path))}; {len(findings)} shared-writer findings")


@persona_app.command("attribute")
def persona_attribute(
    known: Annotated[Path, typer.Option("--known", help="JSON Lines {id, author, text}.")],
    unknown: Annotated[Path, typer.Option("--unknown", help="JSON Lines {id, text}.")],
    out_path: Annotated[Path, typer.Option("--out", help="JSON Lines {id, author, score}.")],
    case: OptionalCase = None,
    open_set: Annotated[
        bool, typer.Option("--open-set/--closed-set", help="Answer <UNK> when no known author fits.")
    ] = True,
    as_json: JsonOption = False,
) -> None:
    """Attribute unknown texts to known authors (character n-gram model), or to <UNK>."""
    from unmask.persona import engine

    with _user_errors(), _case_or_temporary(case) as c:
        known_table = engine.import_documents(c, known, mapping={"byline": "author"})
        # Unknown texts have no byline: each is filed under its own id.
        unknown_table = engine.import_documents(c, unknown, mapping={"byline": "id"})
        rows = engine.attribute(known_table, unknown_table, open_set=open_set)
    _write_jsonl(out_path, rows)
    if as_json:
        _print_json(rows)
        return
    out.print(_table(f"{len(rows)} texts", rows[:50]))
    out.print(f"wrote {escape(str(out_path))}")


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
    """When a persona works: hour x weekday activity, its operators' likely UTC offset, office-hours score."""
    from unmask.errors import OptionError
    from unmask.persona.rhythm import RhythmEstimator, refusal, subject_times

    with _user_errors(), Case.open(case) as c:
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
    out.print(f"[bold]{escape(times.subject)}[/]")
    for line in est.describe(unit=times.kind):
        out.print(f"  {escape(line)}")
    if times.dropped_date_only:
        out.print(f"  {times.dropped_date_only} dated without a time of day: left out")


attribution_app = typer.Typer(
    help="Attribution: pages, sites, companies, people and money linked through public records.",
    no_args_is_help=True,
)
app.add_typer(attribution_app, name="attribution")


@attribution_app.command("run")
def attribution_run(case: CaseOption = Path(DEFAULT_CASE), as_json: JsonOption = False) -> None:
    """Resolve entities across sources, rebuild the evidence links and write the findings."""
    from unmask.attribution.engine import run as run_attribution

    with _user_errors(), Case.open(case) as c:
        result = run_attribution(c)
    if as_json:
        _print_json(result)
        return
    out.print(
        f"{result.entities:,} entities; [bold]{result.merged:,}[/] merged automatically or by review, "
        f"[bold]{result.candidates:,}[/] candidates to review; {result.links:,} links "
        f"in {result.seconds:.1f} s"
    )
    for kind, n in sorted(result.findings.items()):
        out.print(f"  {n:,} {kind} findings")
    if result.candidates:
        out.print(f"Review the candidates: unmask attribution review --case {escape(str(case))}")
    out.print(f"Findings: unmask findings --case {escape(str(case))}")


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
    by: Annotated[str, typer.Option(help="Who decided (kept with the decision).")] = "reviewer",
    limit: Annotated[int, typer.Option(help="How many candidates to list.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """List the candidate merges, or accept or reject one; decisions are kept across runs."""
    from unmask.attribution.engine import candidates, decide, ensure

    with _user_errors(), Case.open(case) as c:
        if accept or reject:
            left, right = accept or reject  # type: ignore[misc]
            decide(c, left, right, accept=accept is not None, by=by)
            ensure(c)
            out.print(f"{'accepted' if accept else 'rejected'}: {escape(left)} and {escape(right)}")
            return
        ensure(c)
        rows = candidates(c, limit=limit)
    if as_json:
        _print_json(rows)
        return
    if not rows:
        out.print("No candidates to review.")
        return
    out.print(_table(f"{len(rows)} candidate merges (best first)", rows))
    out.print("Decide with: unmask attribution review --accept LEFT_ID RIGHT_ID (or --reject)")


@app.command()
def explain(
    a: Annotated[str, typer.Argument(help="An entity: its id or its name.")],
    b: Annotated[str, typer.Argument(help="Another entity: its id or its name.")],
    case: CaseOption = Path(DEFAULT_CASE),
    candidates: Annotated[
        bool, typer.Option("--candidates", help="Also walk candidate merges nobody has reviewed.")
    ] = False,
    paths: Annotated[int, typer.Option(help="How many paths, shortest first.")] = 3,
    as_json: JsonOption = False,
) -> None:
    """The shortest evidence paths between two entities, each hop with its source record."""
    from unmask.attribution.engine import ensure
    from unmask.attribution.paths import AmbiguousName, hop_text
    from unmask.attribution.paths import explain as explain_paths

    try:
        with Case.open(case) as c:
            ensure(c)
            result = explain_paths(c, a, b, candidates=candidates, max_paths=paths)
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
    if not result["paths"]:
        out.print(f"No evidence path between {escape(start['name'] or start['id'])} and "
                  f"{escape(end['name'] or end['id'])}.")  # fmt: skip
        return
    for i, hops in enumerate(result["paths"], start=1):
        out.print(f"[bold]Path {i}[/] ({len(hops)} hops):")
        for hop in hops:
            out.print("  " + escape(hop_text(hop)))


@app.command()
def report(
    case: CaseOption = Path(DEFAULT_CASE),
    out_: Annotated[Path, typer.Option("--out", help="The file to write.")] = Path("report.html"),
    format: Annotated[
        str, typer.Option("--format", help="html (one self-contained page), json or md.")
    ] = "html",
) -> None:
    """The investigation report: findings ranked, network, timelines, dossiers, evidence, DISARM, methods."""
    from unmask.attribution.engine import ensure
    from unmask.report import write_report

    with _user_errors(), Case.open(case) as c:
        ensure(c)
        written = write_report(c, out_, format)
    out.print(f"wrote {escape(str(written))} ({written.stat().st_size / 1e6:.1f} MB)")


export_app = typer.Typer(help="Export the case for other tools.", no_args_is_help=True)
app.add_typer(export_app, name="export")
OutOption = Annotated[Path, typer.Option("--out", help="The file to write.", show_default=False)]


@export_app.command("ftm")
def export_ftm(case: CaseOption = Path(DEFAULT_CASE), out_: OutOption = Path("entities.ftm.jsonl")) -> None:
    """FollowTheMoney JSON lines (for Aleph / OpenAleph; `ftm validate` reads them), merged entities."""
    from unmask.attribution.engine import ensure
    from unmask.exports import export_ftm as write

    with _user_errors(), Case.open(case) as c:
        ensure(c)
        n = write(c, out_)
    out.print(f"{n:,} entities written to {escape(str(out_))}")


def _export_graph(case: Path, out_: Path, format: str) -> None:
    from unmask.attribution.engine import ensure
    from unmask.exports import export_graph

    with _user_errors(), Case.open(case) as c:
        ensure(c)
        nodes, edges = export_graph(c, out_, format)
    out.print(f"{nodes:,} nodes and {edges:,} edges written to {escape(str(out_))}")


@export_app.command("gexf")
def export_gexf(case: CaseOption = Path(DEFAULT_CASE), out_: OutOption = Path("links.gexf")) -> None:
    """The evidence graph as GEXF (Gephi): entities and identifiers, linked by records and merges."""
    _export_graph(case, out_, "gexf")


@export_app.command("graphml")
def export_graphml(case: CaseOption = Path(DEFAULT_CASE), out_: OutOption = Path("links.graphml")) -> None:
    """The evidence graph as GraphML."""
    _export_graph(case, out_, "graphml")


def run() -> None:  # pragma: no cover - console entry point used by `python -m unmask`
    app(prog_name="unmask")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run())
