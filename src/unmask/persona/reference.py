"""Reference corpora that ship with unmask, as documents shaped like :func:`unmask.documents.documents`.

Only public-domain texts ship (see each folder's README under ``unmask/data``); research-only corpora
(Reuters C50, PAN) are for benchmarks and never ship, not even as fitted parameters.
"""

from __future__ import annotations

import csv
import gzip
import io
from importlib import resources

import pyarrow as pa

from unmask.documents import DOCUMENT_COLUMNS

# The Federalist papers whose author is disputed between Hamilton and Madison (Mosteller & Wallace 1964).
FEDERALIST_DISPUTED = (49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 62, 63)

_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("byline", pa.string()),
        ("title", pa.string()),
        ("outlet", pa.string()),
        ("url", pa.string()),
        ("published_at", pa.timestamp("us", tz="UTC")),
        ("language", pa.string()),
        ("text", pa.string()),
        ("source_id", pa.int32()),
        ("record_no", pa.int64()),
    ]
)
assert tuple(_SCHEMA.names) == DOCUMENT_COLUMNS


def federalist() -> pa.Table:
    """The 85 Federalist Papers (CC0), one row a paper, in ``DOCUMENT_COLUMNS``.

    ``doc_id`` is the paper's number as text (``"49"``), ``byline`` its author as the source gives it
    (``HAMILTON``, ``MADISON``, ``JAY``, ``HAMILTON AND MADISON`` for 18–20, ``HAMILTON OR MADISON`` for the
    disputed ``FEDERALIST_DISPUTED``), ``title`` "Federalist No. N", ``outlet`` "The Federalist",
    ``language`` "en", ``record_no`` the number; no URL, date or case source (``source_id`` NULL).
    """
    raw = resources.files("unmask.data").joinpath("federalist", "federalist.csv.gz").read_bytes()
    rows = list(csv.DictReader(io.StringIO(gzip.decompress(raw).decode("utf-8"))))
    n = len(rows)
    return pa.table(
        {
            "doc_id": [r["number"] for r in rows],
            "byline": [r["author"] for r in rows],
            "title": [f"Federalist No. {r['number']}" for r in rows],
            "outlet": ["The Federalist"] * n,
            "url": [None] * n,
            "published_at": [None] * n,
            "language": ["en"] * n,
            "text": [r["text"] for r in rows],
            "source_id": [None] * n,
            "record_no": [int(r["number"]) for r in rows],
        },
        schema=_SCHEMA,
    )
