"""A case's posts as Parquet, for a Spark cluster, and the check that Parquet posts belong to a case.

The file has the columns of the case's ``posts`` table, with ``source_id`` and ``record_no``, so that the
evidence of a run on a cluster still points at the original files (``sources`` of the case). Its footer
carries the digest of the case's sources (:func:`unmask.sources.sources_digest`) and the sources themselves
(id, path, sha256): a run that stores its results in a case (``unmask coordination --engine spark --posts
P --case C``) refuses posts exported from a case whose sources differ, where a record number would name
another file's row.

It is written with pyarrow, batch by batch, rather than by DuckDB's ``COPY``: a case's connection is not
allowed to write outside the case (see :mod:`unmask.case`), and memory stays bounded whatever the size.

Example::

    >>> from unmask.case import Case
    >>> with Case.open("case.duckdb", read_only=True) as case:       # doctest: +SKIP
    ...     export_posts(case, Path("posts.parquet"))
    1009618
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from unmask.case import Case
from unmask.errors import OptionError
from unmask.outfiles import atomic
from unmask.sources import sources_digest

DIGEST_KEY = b"unmask.sources_digest"
SOURCES_KEY = b"unmask.sources"
_BATCH_ROWS = 100_000


def export_posts(case: Case, out: Path) -> int:
    """Write the case's posts to ``out`` (Parquet, in the order of their files and records); return how many.

    Written under a temporary name and moved into place when complete."""
    con = case.con
    sources = [
        {"source_id": i, "path": p, "sha256": s}
        for i, p, s in con.execute(
            "SELECT source_id, path, sha256 FROM sources ORDER BY source_id"
        ).fetchall()
    ]
    meta = {DIGEST_KEY: sources_digest(con).encode(), SOURCES_KEY: json.dumps(sources).encode()}
    reader = con.sql("SELECT * FROM posts ORDER BY source_id, record_no").to_arrow_reader(_BATCH_ROWS)
    schema = reader.schema.with_metadata(meta)
    rows = 0
    with atomic(out) as tmp, pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        for batch in reader:
            writer.write_batch(batch)
            rows += batch.num_rows
    return rows


def check_belongs(case: Case, paths: list[Path]) -> None:
    """Refuse Parquet posts that were not exported from this case as it is now: their record numbers would
    point at other files' rows. Files without the digest (written by other tools) are refused too."""
    digest = sources_digest(case.con)
    for path in paths:
        try:
            meta = pq.read_schema(path).metadata or {}
        except (pa.ArrowInvalid, OSError) as exc:
            raise OptionError(f"{path}: not a Parquet file that can be read ({exc})") from None
        theirs = meta.get(DIGEST_KEY)
        if theirs is None:
            raise OptionError(
                f"{path}: not written by `unmask export posts`, so its source ids and record numbers may not "
                f"be the case's; export the case's posts with `unmask export posts --case {case.path} "
                "--format parquet --out FILE`, or run without --case"
            )
        if theirs.decode() != digest:
            raise OptionError(
                f"{path}: exported from a case with other sources than {case.path} has now (a file was "
                "imported or removed since): export the posts again, or run without --case"
            )
