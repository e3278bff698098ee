"""Import speed and memory: the IRA parquet (1.3M tweets) into a fresh case.

Prints one JSON line: rows read, loaded, quarantined, wall seconds and the process's peak RSS.

    python bench/import_speed.py [PATH] [--case PATH]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from unmask.case import Case
from unmask.ingest import import_files

DEFAULT = Path(__file__).resolve().parents[2] / "shared/data/coordination/ira/ira_tweets_half_a.parquet"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--format", default="fivethirtyeight-ira")
    parser.add_argument("--case", type=Path, help="case file (default: a temporary one)")
    args = parser.parse_args()
    if not args.path.is_file():
        print(f"no data at {args.path}: pass the IRA parquet's path", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        case_path = args.case or Path(tmp) / "bench.duckdb"
        started = time.perf_counter()
        with Case.open(case_path) as case:
            [result] = import_files(case, args.format, [args.path])
        wall = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(
        json.dumps(
            {
                "bench": "import_speed",
                "file": args.path.name,
                "format": args.format,
                "rows": result.loaded + result.quarantined,
                "loaded": result.loaded,
                "quarantined": result.quarantined,
                "wall_s": round(wall, 2),
                "rows_per_s": round((result.loaded + result.quarantined) / wall),
                "peak_rss_mib": round(peak_kib / 1024, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
