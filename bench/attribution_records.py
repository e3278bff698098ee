"""Attribution on every public record of the shared data, through the CLI: merges by rule, clusters, findings.

Builds a case in a temporary folder from every record file in the shared data (Meta Ad Library reports and
API records, FEC tables and raw bulk files, raw WHOIS and RDAP, Companies House, Google political ads,
saved pages), each with ``python -m unmask import FORMAT`` and every default, then times ``python -m
unmask attribution run`` under ``/usr/bin/time``. A file a reader refuses is reported, not fatal: each
format's files are imported in one command, and one by one when that command refuses one of them (an import
is all or nothing).

Reports one JSON object on stdout: files imported and refused, records loaded and quarantined, entities,
automatic merges and candidates by rule and by schema (``resolutions``), the Person merges on "same name"
alone, the largest merged clusters, findings by kind, the run's seconds, peak RSS and summary. ``--table``
adds a readable table on stderr.

``--sample N --sample-out FILE --sample-key FILE --seed S`` draws N automatic merges (``decision='auto'``)
of Person and of the organisation schemata (Organization, Company, LegalEntity) for a labeller who does not
see the matcher: N is split in proportion to the two counts, with at least 100 Person merges (fewer only
when there are fewer); within each, a uniform sample without replacement. Each JSON line is
``{pair_id, left: {entity_id, schema, statements: [{prop, value, source_file, record_no}], raw_records:
[{source_file, record_no, columns?, text}]}, right: {...}}``, without score, rule or decision; the key file
maps each pair_id to its schema, rule and score, for scoring the labels later.

``--code DIR`` runs the CLI (and the readers that fetch the raw records) with ``PYTHONPATH=DIR``, so that
the code before a change can be measured from a worktree:

    python bench/attribution_records.py --code /tmp/base/src --table > before.json
    python bench/attribution_records.py --sample 300 --sample-out pairs.jsonl --sample-key key.json

The records are research-use data: keep samples and saved cases outside the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import duckdb

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ORGANISATIONS = ("Organization", "Company", "LegalEntity")
MIN_PERSON = 100  # Person merges in a sample, at least (fewer only when the case has fewer)
STATEMENT_CAP = 80  # statements shown for one side of a sampled pair
RECORD_CAP = 10  # raw records shown for one side of a sampled pair
TEXT_CAP = 6000  # characters of one raw record
# A "same name" rule, with or without its qualifiers ("same name: order, punctuation"), and nothing else:
# no second clause ("; same postcode") after it.
SAME_NAME_ONLY = re.compile(r"^same name(: [^;]*)?$")

# (format, folder under the data, pattern): every file the record readers may read.
GROUPS: tuple[tuple[str, str, str], ...] = (
    ("meta-ads", "records/meta_ads", "**/*"),
    ("meta-ads", "samples/meta_ads_api", "*"),
    ("fec", "records/fec", "*.csv.gz"),
    ("fec", "records/fec/raw_itcont", "*"),
    ("whois", "records/whois_rdap/whois_raw", "*"),
    ("whois", "records/whois_rdap/rdap", "*"),
    ("whois", "samples/rdap", "*"),
    ("companies-house", "samples/companies_house", "*"),
    ("google-ads", "samples/google_ads", "*"),
    ("html", "samples/html", "*"),
)

# Run with the code under test: each listed source file staged by its own reader, the raw text of the
# wanted records printed as JSON ({path: {"columns": [...], "records": {record_no: raw}}}).
_RAW_SCRIPT = """
import json, sys
from pathlib import Path
import duckdb
from unmask.ingest import READERS
from unmask.ingest.stage import STAGE_TABLE, Stage
out = {}
for path, fmt, wanted in json.load(sys.stdin):
    con = duckdb.connect()
    reader = READERS[fmt]()
    stage = Stage(con, schema=reader.stage_schema)
    stage.create()
    try:
        reader.stage(Path(path), stage)
        stage.flush()
    except Exception as exc:
        out[path] = {"error": str(exc), "records": {}}
        continue
    rows = con.execute(
        f"SELECT record_no, raw FROM {STAGE_TABLE} WHERE list_contains(?, record_no)", [wanted]
    ).fetchall()
    columns = getattr(reader, "columns_given", None) or list(getattr(reader, "column_names", {}).values())
    out[path] = {"columns": columns, "records": {str(r): raw for r, raw in rows}}
    con.close()
json.dump(out, sys.stdout)
"""


def environment(code: Path | None) -> dict[str, str]:
    """The CLI's environment: the code under test first on the path, DuckDB's memory limit at its default."""
    env = {k: v for k, v in os.environ.items() if k != "UNMASK_MEMORY_LIMIT"}
    if code is not None:
        env["PYTHONPATH"] = str(code.resolve())
    env["COLUMNS"] = "200"  # the run's summary on one line a sentence
    return env


def cli(args: list[str], code: Path | None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "unmask", *args],
        capture_output=True,
        text=True,
        env=environment(code),
        check=False,
    )


def record_files(data: Path) -> list[tuple[str, list[Path]]]:
    """The files to import, by format, in a fixed order."""
    groups = []
    for fmt, folder, pattern in GROUPS:
        files = sorted(p for p in (data / folder).glob(pattern) if p.is_file())
        if files:
            groups.append((fmt, files))
    return groups


def import_group(case: Path, fmt: str, files: list[Path], code: Path | None) -> list[dict]:
    """Import one format's files; when the command refuses, each file alone, so that only the refused
    file is left out. One row a file: imported, skipped (same bytes as another file) or refused."""
    done = cli(["import", fmt, *map(str, files), "--case", str(case), "--json"], code)
    if done.returncode == 0:
        return [_imported(fmt, r) for r in json.loads(done.stdout)]
    if len(files) == 1:
        message = (done.stderr.strip().splitlines() or ["(no message)"])[-1].removeprefix("Error: ")
        return [{"path": str(files[0]), "format": fmt, "status": "refused", "message": message}]
    return [row for f in files for row in import_group(case, fmt, [f], code)]


def _imported(fmt: str, result: dict) -> dict:
    return {
        "path": result["path"],
        "format": fmt,
        "status": "skipped" if result["skipped"] else "imported",
        "loaded": result["loaded"],
        "quarantined": result["quarantined"],
        "reasons": result["reasons"],
    }


def timed_run(case: Path, code: Path | None) -> dict:
    """``attribution run`` with its defaults: wall seconds, peak RSS (MB) and what it printed."""
    started = time.perf_counter()
    done = subprocess.run(
        [
            "/usr/bin/time",
            "-f",
            "%M",
            sys.executable,
            "-m",
            "unmask",
            "attribution",
            "run",
            "--case",
            f"{case}",
        ],
        capture_output=True,
        text=True,
        env=environment(code),
        check=False,
    )
    seconds = time.perf_counter() - started
    errors = done.stderr.strip().splitlines()
    peak_kb = int(errors[-1]) if errors and errors[-1].isdigit() else None
    return {
        "returncode": done.returncode,
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(peak_kb / 1024) if peak_kb else None,
        "summary": [line.rstrip() for line in done.stdout.splitlines() if line.strip()],
        "stderr": [line for line in errors[:-1] if line.strip()][-20:],
    }


def relative(path: str, data: Path) -> str:
    """A source's path under the data folder, as the labeller and the tables show it."""
    p = Path(path)
    return p.relative_to(data).as_posix() if p.is_relative_to(data) else path


def resolution_figures(con: duckdb.DuckDBPyConnection) -> dict:
    """Merges and candidates by rule and by schema, and the Person merges on a name alone."""
    rows = con.execute(
        "SELECT schema, decision, rule, count(*) AS n FROM resolutions GROUP BY ALL"
        " ORDER BY n DESC, schema, decision, rule"
    ).fetchall()
    by_decision: dict[str, int] = defaultdict(int)
    by_schema: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_rule: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for schema, decision, rule, n in rows:
        by_decision[decision] += n
        by_schema[decision][schema] += n
        by_rule[decision][rule] += n
    person_auto = [
        (rule, n) for schema, decision, rule, n in rows if (schema, decision) == ("Person", "auto")
    ]
    return {
        "by_decision": dict(by_decision),
        "by_schema": {d: dict(sorted(s.items(), key=lambda kv: -kv[1])) for d, s in by_schema.items()},
        "by_rule": {d: dict(sorted(r.items(), key=lambda kv: -kv[1])) for d, r in by_rule.items()},
        "person_auto": by_schema["auto"].get("Person", 0),
        "person_auto_same_name_only": sum(n for rule, n in person_auto if SAME_NAME_ONLY.match(rule)),
        "person_auto_same_name_exact": sum(n for rule, n in person_auto if rule == "same name"),
        "rows": [list(r) for r in rows],
    }


def size_bucket(size: int) -> str:
    for top, label in ((2, "2"), (5, "3-5"), (20, "6-20"), (100, "21-100")):
        if size <= top:
            return label
    return ">100"


def cluster_figures(con: duckdb.DuckDBPyConnection, top: int = 15) -> dict:
    """Entities, merged clusters by size and schema, and the largest clusters with a few of their names."""
    by_schema = dict(
        con.execute("SELECT schema, count(*) FROM entities GROUP BY schema ORDER BY count(*) DESC").fetchall()
    )
    clusters = con.execute(
        """
        SELECT canonical_id, count(*) AS size, mode(schema) AS schema,
               list(DISTINCT name ORDER BY name)[1:5] AS names, count(DISTINCT name) AS distinct_names
        FROM entities GROUP BY canonical_id HAVING count(*) > 1 ORDER BY size DESC, canonical_id
        """
    ).fetchall()
    sizes: dict[str, int] = defaultdict(int)
    merged_by_schema: dict[str, int] = defaultdict(int)
    for _id, size, schema, _names, _distinct in clusters:
        sizes[size_bucket(size)] += 1
        merged_by_schema[schema] += 1
    return {
        "entities": sum(by_schema.values()),
        "entities_by_schema": by_schema,
        "after_merging": con.execute("SELECT count(DISTINCT canonical_id) FROM entities").fetchone()[0],
        "merged_clusters": len(clusters),
        "merged_clusters_by_schema": dict(merged_by_schema),
        "cluster_sizes": dict(sizes),
        "largest_clusters": [
            {"canonical_id": c, "size": s, "schema": sc, "distinct_names": d, "example_names": names}
            for c, s, sc, names, d in clusters[:top]
        ],
    }


def case_figures(case: Path, data: Path) -> dict:
    """Read the case read-only: records, entities, resolutions, clusters, findings."""
    with duckdb.connect(str(case), read_only=True) as con:
        loaded, quarantined = con.execute(
            "SELECT coalesce(sum(rows_loaded), 0), coalesce(sum(rows_quarantined), 0) FROM sources"
        ).fetchone()
        per_source = [
            {"path": relative(p, data), "format": f, "loaded": lo, "quarantined": q}
            for p, f, lo, q in con.execute(
                "SELECT path, format, rows_loaded, rows_quarantined FROM sources ORDER BY source_id"
            ).fetchall()
        ]
        reasons = dict(
            con.execute(
                "SELECT reason, count(*) FROM quarantine GROUP BY reason ORDER BY count(*) DESC LIMIT 10"
            ).fetchall()
        )
        findings = {
            kind: {"n": n, "confidence_ge_0.5": high}
            for kind, n, high in con.execute(
                "SELECT kind, count(*), count(*) FILTER (WHERE confidence >= 0.5) FROM findings"
                " GROUP BY kind ORDER BY kind"
            ).fetchall()
        }
        return {
            "records": {
                "loaded": loaded,
                "quarantined": quarantined,
                "quarantine_reasons": reasons,
                "by_source": per_source,
            },
            "statements": con.execute("SELECT count(*) FROM statements").fetchone()[0],
            **cluster_figures(con),
            "resolutions": resolution_figures(con),
            "findings": findings,
            "links": con.execute("SELECT count(*) FROM links").fetchone()[0],
        }


# -- the sample for the labeller ---------------------------------------------------------------------


def split_sample(n: int, persons: int, organisations: int) -> tuple[int, int]:
    """How many Person and organisation merges a sample of ``n`` takes: in proportion to their counts, at
    least :data:`MIN_PERSON` Person merges, and what one side lacks taken from the other."""
    total = persons + organisations
    if total == 0 or n <= 0:
        return 0, 0
    person = max(round(n * persons / total), min(MIN_PERSON, n))
    person = min(person, persons)
    organisation = min(organisations, n - person)
    return min(persons, n - organisation), organisation


# Strata a sample can be drawn from instead of all automatic merges: every merge of one kind, so that a rule
# with few merges in the uniform sample is measured too.
STRATA = {
    "all": lambda schema, rule: True,
    "organisation": lambda schema, rule: schema in ORGANISATIONS,
    "rare-name": lambda schema, rule: schema == "Person" and "a rare name" in rule,
}


def draw_pairs(
    con: duckdb.DuckDBPyConnection, n: int, seed: int, stratum: str = "all"
) -> tuple[list[tuple], dict]:
    """A uniform sample (seeded) of automatic merges within Person and within the organisation schemata,
    of one stratum (:data:`STRATA`)."""
    rows = con.execute(
        "SELECT left_id, right_id, schema, rule, score FROM resolutions WHERE decision = 'auto'"
        " ORDER BY left_id, right_id"
    ).fetchall()
    rows = [r for r in rows if STRATA[stratum](r[2], r[3])]
    person = [r for r in rows if r[2] == "Person"]
    organisation = [r for r in rows if r[2] in ORGANISATIONS]
    k_person, k_organisation = split_sample(n, len(person), len(organisation))
    rng = random.Random(seed)
    chosen = rng.sample(person, k_person) + rng.sample(organisation, k_organisation)
    rng.shuffle(chosen)  # the order says nothing about the stratum or the rule
    split = {
        "person_auto": len(person),
        "organisation_auto": len(organisation),
        "person_sampled": k_person,
        "organisation_sampled": k_organisation,
        "seed": seed,
        "stratum": stratum,
        "rule": f"in proportion to the two counts, at least {MIN_PERSON} Person; uniform within each",
    }
    return chosen, split


def entity_statements(con: duckdb.DuckDBPyConnection, entity_id: str) -> list[tuple]:
    return con.execute(
        """
        SELECT s.prop, s.value, src.path, src.format, s.record_no
        FROM statements s JOIN sources src USING (source_id)
        WHERE s.entity_id = ? ORDER BY src.source_id, s.record_no, s.prop, s.value
        """,
        [entity_id],
    ).fetchall()


def raw_texts(wanted: dict[tuple[str, str], set[int]], code: Path | None) -> dict:
    """The raw text of the wanted records, read by each file's own reader in the code under test."""
    request = [[path, fmt, sorted(nos)] for (path, fmt), nos in sorted(wanted.items())]
    done = subprocess.run(
        [sys.executable, "-c", _RAW_SCRIPT],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        env=environment(code),
        check=False,
    )
    if done.returncode != 0:
        print(f"raw records not read: {done.stderr.strip()[-500:]}", file=sys.stderr)
        return {}
    return json.loads(done.stdout)


def side(entity_id: str, schema: str, statements: list[tuple], raw: dict, data: Path) -> dict:
    """One side of a pair: its statements (capped) and the raw text of its first records."""
    records = list(dict.fromkeys((path, fmt, no) for _p, _v, path, fmt, no in statements))
    raw_records = []
    for path, _fmt, no in records[:RECORD_CAP]:
        source = raw.get(path, {})
        text = source.get("records", {}).get(str(no))
        if text is None:
            continue
        entry: dict = {"source_file": relative(path, data), "record_no": no}
        if source.get("columns"):
            entry["columns"] = source["columns"]
        entry["text"] = text[:TEXT_CAP]
        raw_records.append(entry)
    return {
        "entity_id": entity_id,
        "schema": schema,
        "statements": [
            {"prop": p, "value": v, "source_file": relative(path, data), "record_no": no}
            for p, v, path, _fmt, no in statements[:STATEMENT_CAP]
        ],
        "statements_total": len(statements),
        "records_total": len(records),
        "raw_records": raw_records,
    }


def write_sample(case: Path, args: argparse.Namespace) -> dict:
    """Write the sample (JSON Lines, no rule or score) and its key; return how it was drawn."""
    with duckdb.connect(str(case), read_only=True) as con:
        chosen, split = draw_pairs(con, args.sample, args.seed, args.stratum)
        schemas = dict(con.execute("SELECT entity_id, schema FROM entities").fetchall())
        statements = {e: entity_statements(con, e) for pair in chosen for e in pair[:2]}
    wanted: dict[tuple[str, str], set[int]] = defaultdict(set)
    for rows in statements.values():
        for path, fmt, no in list(dict.fromkeys((r[2], r[3], r[4]) for r in rows))[:RECORD_CAP]:
            wanted[(path, fmt)].add(no)
    raw = raw_texts(wanted, args.code)
    key = {}
    with args.sample_out.open("w", encoding="utf-8") as out:
        for i, (left, right, schema, rule, score) in enumerate(chosen, start=1):
            pair_id = f"s{args.seed}-{i:04d}"
            key[pair_id] = {"schema": schema, "rule": rule, "score": score, "left": left, "right": right}
            line = {
                "pair_id": pair_id,
                "left": side(left, schemas.get(left, schema), statements[left], raw, args.data),
                "right": side(right, schemas.get(right, schema), statements[right], raw, args.data),
            }
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    if args.sample_key:
        args.sample_key.write_text(json.dumps(key, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    unread = sorted(relative(p, args.data) for p, v in raw.items() if v.get("error"))
    return {**split, "pairs": len(chosen), "raw_unread_files": unread}


# -- output ------------------------------------------------------------------------------------------


def print_table(out: dict) -> None:
    """The main figures, readable, on stderr."""

    def line(label: str, value: object) -> None:
        print(f"{label:44} {value}", file=sys.stderr)

    files = out["files"]
    res = out["resolutions"]
    counts = f"{files['imported']} / {files['skipped']} / {files['refused']}"
    line("files imported / skipped / refused", counts)
    for f in files["refused_files"]:
        line("  refused", f["message"][:160])  # the message names the file
    line("records loaded / quarantined", f"{out['records']['loaded']:,} / {out['records']['quarantined']:,}")
    line("entities (after merging)", f"{out['entities']:,} ({out['after_merging']:,})")
    line("resolutions by decision", res["by_decision"])
    line("Person auto merges", f"{res['person_auto']:,}")
    line("  on a 'same name' rule alone", f"{res['person_auto_same_name_only']:,}")
    line("  on exactly 'same name'", f"{res['person_auto_same_name_exact']:,}")
    for decision in ("auto", "candidate"):
        line(f"{decision} by schema", res["by_schema"].get(decision, {}))
        for rule, n in list(res["by_rule"].get(decision, {}).items())[:15]:
            line(f"  {decision}: {rule[:40]}", f"{n:,}")
    line("merged clusters by size", out["cluster_sizes"])
    for c in out["largest_clusters"][:8]:
        line(f"  cluster {c['size']} {c['schema']}", ", ".join(map(str, c["example_names"]))[:100])
    line("findings", {k: v["n"] for k, v in out["findings"].items()})
    run = out["run"]
    line("attribution run", f"{run['seconds']} s, peak {run['peak_rss_mb']} MB, exit {run['returncode']}")
    for text in run["summary"]:
        line("  summary", text)


def file_figures(rows: list[dict], data: Path) -> dict:
    for r in rows:
        r["path"] = relative(r["path"], data)
    return {
        "imported": sum(r["status"] == "imported" for r in rows),
        "skipped": sum(r["status"] == "skipped" for r in rows),
        "refused": sum(r["status"] == "refused" for r in rows),
        "refused_files": [r for r in rows if r["status"] == "refused"],
        "by_format": {
            fmt: sum(r["status"] == "imported" for r in rows if r["format"] == fmt)
            for fmt in dict.fromkeys(r["format"] for r in rows)
        },
    }


def measure(folder: Path, args: argparse.Namespace) -> dict:
    case = folder / "case.duckdb"
    if args.reuse:  # only a new sample from a case kept earlier
        return {"bench": "attribution_records", "case": str(case), "sample": write_sample(case, args)}
    started = time.perf_counter()
    groups = record_files(args.data)
    rows = [row for fmt, files in groups for row in import_group(case, fmt, files, args.code)]
    import_s = time.perf_counter() - started
    print(f"imported {len(rows)} files in {import_s:.0f} s; attribution run ...", file=sys.stderr)
    run = timed_run(case, args.code)
    out = {
        "bench": "attribution_records",
        "code": str(args.code.resolve()) if args.code else "installed",
        "files": file_figures(rows, args.data),
        **case_figures(case, args.data),
        "import_seconds": round(import_s, 1),
        "run": run,
    }
    if args.sample:
        out["sample"] = write_sample(case, args)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--code", type=Path, default=None, help="run the CLI with PYTHONPATH=DIR")
    parser.add_argument("--table", action="store_true", help="a readable table on stderr")
    parser.add_argument("--sample", type=int, default=0, help="sample N automatic merges for labelling")
    parser.add_argument("--sample-out", type=Path, help="the sample, JSON Lines (without rule or score)")
    parser.add_argument("--sample-key", type=Path, help="pair_id -> schema, rule, score (JSON)")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--keep", type=Path, help="build the case in this folder and keep it")
    parser.add_argument("--stratum", choices=sorted(STRATA), default="all", help="sample only these merges")
    parser.add_argument("--reuse", action="store_true", help="with --keep: sample the case kept there")
    args = parser.parse_args()
    args.data = args.data.resolve()
    if args.sample and not args.sample_out:
        parser.error("--sample needs --sample-out")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        if (args.keep / "case.duckdb").exists() and not args.reuse:
            parser.error(f"{args.keep}/case.duckdb exists: give an empty folder")
        out = measure(args.keep, args)
    else:
        with tempfile.TemporaryDirectory(prefix="unmask-records-") as folder:
            out = measure(Path(folder), args)
    if args.table:
        print_table(out)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
