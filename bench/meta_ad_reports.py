"""Shared funders in the Meta Ad Library Reports of 14 countries, with and without the generic-payer rule.

Imports the 14 ``_advertisers.csv`` reports (July 2025) into a fresh case, runs attribution, and counts:
pages and payers; payers that fund more than one page; shared-funder findings with the rule (placeholders
make none, platform-wide and agency payers are down-weighted) and without it (every payer of two or more
pages is a funder); the largest network of pages joined through shared payers either way; and the time of
each step. There is no peer tool that groups pages by payer; the comparison is the rule against no rule.

Prints one JSON line; a table on stderr.

    python bench/meta_ad_reports.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import igraph as ig

from unmask.attribution.engine import run
from unmask.attribution.funders import ad_payments, shared_funder_findings
from unmask.attribution.payers import PLACEHOLDERS
from unmask.case import Case
from unmask.ingest import import_files

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def largest_network(payments: list[tuple], skip: set[str]) -> int:
    """Pages in the largest group joined by shared payers (payers in ``skip`` join nothing)."""
    pages_of: dict[str, set[str]] = defaultdict(set)
    for _payer, funder, page, *_ in payments:
        if funder not in skip:
            pages_of[funder].add(page)
    nodes = sorted({p for s in pages_of.values() for p in s} | set(pages_of))
    index = {n: i for i, n in enumerate(nodes)}
    edges = [(index[f], index[p]) for f, pages in pages_of.items() for p in pages]
    graph = ig.Graph(n=len(nodes), edges=edges)
    page_set = {p for s in pages_of.values() for p in s}
    return max((sum(1 for i in c if nodes[i] in page_set) for c in graph.connected_components()), default=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    files = sorted((args.data / "records" / "meta_ads" / "ad_library_reports").glob("*_advertisers.csv"))
    with tempfile.TemporaryDirectory() as folder, Case.open(Path(folder) / "case.duckdb") as case:
        started = time.perf_counter()
        imported = import_files(case, "meta-ads", files)
        import_s = time.perf_counter() - started
        started = time.perf_counter()
        result = run(case)
        run_s = time.perf_counter() - started
        con = case.con
        payments = ad_payments(con)
        classes = dict(
            con.execute(
                "SELECT entity_id, payer_class FROM entities WHERE payer_class IS NOT NULL"
            ).fetchall()
        )
        names = dict(con.execute("SELECT entity_id, name FROM entities").fetchall())
        with_rule = shared_funder_findings(con)
        without_rule = shared_funder_findings(con, apply_rule=False)
        generic = {p for p, k in classes.items() if k in ("placeholder", "platform-wide", "agency")}
        placeholder_payers = {p for p, k in classes.items() if k == "placeholder"}
        placeholder_findings = [
            f for f in with_rule if any(PLACEHOLDERS.search(names.get(s) or "") for s in f.subjects)
        ]
        pages_per_payer: dict[str, set[str]] = defaultdict(set)
        for payer, _f, page, *_ in payments:
            pages_per_payer[payer].add(page)
        out = {
            "bench": "meta_ad_reports",
            "files": len(files),
            "rows": sum(r.loaded + r.quarantined for r in imported),
            "quarantined": sum(r.quarantined for r in imported),
            "pages": len({p for _, _, p, *_ in payments}),
            "payers": len(pages_per_payer),
            "payers_funding_2plus_pages": sum(1 for s in pages_per_payer.values() if len(s) > 1),
            "payer_classes": {
                k: sum(1 for v in classes.values() if v == k) for k in sorted(set(classes.values()))
            },
            "merges": result.merged,
            "candidates": result.candidates,
            "findings_without_rule": len(without_rule),
            "findings_with_rule": len(with_rule),
            "findings_with_rule_confidence_ge_0.5": sum(1 for f in with_rule if f.confidence >= 0.5),
            "findings_naming_a_placeholder": len(placeholder_findings),
            "placeholder_pages": sum(len(pages_per_payer[p]) for p in placeholder_payers),
            "largest_network_without_rule": largest_network(payments, set()),
            "largest_network_with_rule": largest_network(payments, generic),
            "import_seconds": round(import_s, 2),
            "attribution_seconds": round(run_s, 2),
        }
    for key, value in out.items():
        print(f"{key:40} {value}", file=sys.stderr)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
