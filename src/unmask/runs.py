"""An engine run's row in ``runs``: what every engine records, in one place."""

from __future__ import annotations

import json
from typing import Any

import duckdb

from unmask import __version__


def record_run(
    con: duckdb.DuckDBPyConnection,
    engine: str,
    *,
    digest: str,
    counts: dict[str, Any],
    seconds: float | None,
    parameters: dict[str, Any] | None = None,
    scope: str = "case",
    seed: int | None = None,
    window_s: float | None = None,
) -> int:
    """Insert the run of ``engine`` (``digest``: of what it read, compared later to tell it stale; ``scope``:
    what its findings replace) inside the caller's transaction; its ``run_id``."""
    [(run_id,)] = con.execute(
        "INSERT INTO runs (engine, parameters, input_digest, unmask_version, seed, window_s, counts, seconds,"
        " scope) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING run_id",
        [
            engine,
            None if parameters is None else json.dumps(parameters, default=str),
            digest,
            __version__,
            seed,
            window_s,
            json.dumps(counts, default=str),
            seconds,
            scope,
        ],
    ).fetchall()
    return int(run_id)
