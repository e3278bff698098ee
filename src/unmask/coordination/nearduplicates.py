"""Near-duplicate texts: posts whose word sets have a Jaccard similarity at or above a threshold.

Candidates come from MinHash signatures banded for locality-sensitive hashing (Broder 1997; Indyk &
Motwani 1998; Leskovec, Rajaraman & Ullman, *Mining of Massive Datasets*, ch. 3), computed in bulk: the
signatures with numpy over every token of every distinct word set at once, the bands and the exact Jaccard
check of each candidate pair in SQL. No document is ever handled one at a time in Python.

Posts are first grouped by their exact word set (a "doc"), so a text copied a thousand times is hashed
once. Word sets come from the text normalised as for the ``text`` kind (lower case, mentions removed),
split into runs of letters, digits and ``_``.

Work and memory grow with the number of distinct word sets, never with the square of a band bucket or a
cluster: a small bucket's word sets are all paired, a larger one's are linked to its first word set and to
their neighbour in it (2 per word set), and the exact check keeps only similar pairs. Clusters are the
connected components of the similar pairs found so. Posts co-act on a cluster as they do on a text (one
bucketed join by window), and only if their own word sets are equal or similar, checked exactly for the
pairs that do meet within the window.

The permutations come from a seeded numpy generator: the same seed gives the same candidates anywhere.
"""

from __future__ import annotations

from typing import NamedTuple

import duckdb
import numpy as np
import pyarrow as pa

from unmask.coordination.actions import NORMALISED_TEXT
from unmask.coordination.pairs import SIDE, coaction_sql

_MASK32 = np.uint64(0xFFFFFFFF)
_BATCH = 1 << 20  # candidate pairs per batch: bounds memory whatever the number of candidates
ESTIMATE_MARGIN = 0.2
# A band bucket with up to this many word sets is paired all against all; a larger one is linked as a star
# (every set to the bucket's first) and a chain (every set to the next), 2 candidates per set: a bucket of
# 20,000 one-token-apart texts yields 40,000 candidates, not the 200 million of all its pairs. At 8, a
# small bucket (ordinary text) keeps all its pairs, and candidates stay under 3.5 per word set and band.
MAX_BUCKET = 8
# A link's scheme, ``www.`` and the t.co shortener's host are not words: they are in most links, and made
# unrelated short posts look alike (on the IRA tweets, 324M candidate pairs in buckets of up to 12,608
# posts, instead of 6.9M and 758). The rest of a link (host and path words) stays, as the
# coordination-network-toolkit counts it.
WORDS_TEXT = f"regexp_replace({NORMALISED_TEXT}, '(https?://|www\\.|\\bt\\.co/)', ' ', 'g')"


def minhash_signatures(
    doc_index: np.ndarray, token_hashes: np.ndarray, num_perm: int, seed: int
) -> np.ndarray:
    """MinHash signatures (docs × num_perm, uint32) from token hashes grouped by ``doc_index``.

    ``doc_index`` must be sorted and hold 0..n-1 with every doc present; hashing is multiply-shift
    (Dietzfelbinger et al. 1997) with odd multipliers, in uint64 arithmetic that wraps.
    """
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    starts = np.flatnonzero(np.r_[True, doc_index[1:] != doc_index[:-1]])
    signatures = np.empty((len(starts), num_perm), dtype=np.uint32)
    h = token_hashes.astype(np.uint64, copy=False)
    with np.errstate(over="ignore"):
        for i in range(num_perm):
            values = ((h * a[i] + b[i]) >> np.uint64(32)) & _MASK32
            signatures[:, i] = np.minimum.reduceat(values, starts)
    return signatures


def lsh_bands(threshold: float, num_perm: int, target: float = 0.99, min_rows: int = 4) -> tuple[int, int]:
    """(bands, rows per band) for a Jaccard ``threshold``: the most rows (fewest chance candidates) such
    that a pair exactly at the threshold becomes a candidate with probability ``1 − (1 − t^r)^b`` ≥
    ``target``, but never fewer than ``min_rows`` rows — below that, low-similarity pairs flood the
    candidates. At t = 0.6 the floor applies (r = 4, b = 16): a pair exactly at 0.6 is found with
    probability 0.89, one at 0.7 with 0.99; at t = 0.8, r = 5 and b = 12 (0.992).

    >>> lsh_bands(0.8, 64), lsh_bands(0.6, 64), lsh_bands(0.9, 64)
    ((12, 5), (16, 4), (9, 7))
    """
    best = (num_perm // min_rows, min_rows)
    for rows in range(min_rows, num_perm + 1):
        bands = num_perm // rows
        if 1 - (1 - threshold**rows) ** bands >= target:
            best = (bands, rows)
    return best


def band_keys(signatures: np.ndarray, bands: int, rows: int | None = None) -> np.ndarray:
    """One uint64 key per doc and band (docs × bands): docs sharing a key in a band are candidates."""
    n, k = signatures.shape
    rows = rows or k // bands
    keys = np.empty((n, bands), dtype=np.uint64)
    mult = np.uint64(0x9E3779B97F4A7C15)
    with np.errstate(over="ignore"):
        for j in range(bands):
            key = np.full(n, np.uint64(j + 1) * mult, dtype=np.uint64)
            for r in range(rows):
                key = (key ^ signatures[:, j * rows + r].astype(np.uint64)) * mult
                key ^= key >> np.uint64(29)
            keys[:, j] = key
    return keys


def plausible_pairs(
    signatures: np.ndarray,
    sizes: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    threshold: float,
    margin: float = ESTIMATE_MARGIN,
) -> np.ndarray:
    """Which candidate pairs (docs ``a[i]``, ``b[i]``) can reach ``threshold``, before the exact check.

    Two filters, both cheap: Jaccard ≥ t needs the smaller set to hold at least t times the larger; and the
    share of equal MinHash values, an unbiased estimate of the Jaccard similarity (Broder 1997), must reach
    ``threshold − margin``. With 64 permutations the estimate of a pair exactly at t = 0.6 has a standard
    deviation of 0.06, so a margin of 0.2 drops such a pair with probability about 5 in 10,000, and a
    pair above t far less often; LSH banding itself misses more. The filters cut the exact checks by 3 to 6
    times on the benchmark data.

    >>> sig = np.array([[1, 2, 3, 4], [1, 2, 3, 5], [9, 9, 9, 9]], dtype=np.uint32)
    >>> plausible_pairs(sig, np.array([4, 4, 4]), np.array([0, 0]), np.array([1, 2]), 0.8).tolist()
    [True, False]
    """
    small, large = np.minimum(sizes[a], sizes[b]), np.maximum(sizes[a], sizes[b])
    keep = small >= threshold * large
    idx = np.flatnonzero(keep)
    for start in range(0, len(idx), _BATCH // 4):
        chunk = idx[start : start + _BATCH // 4]
        estimate = (signatures[a[chunk]] == signatures[b[chunk]]).mean(axis=1)
        keep[chunk] = estimate >= threshold - margin
    return keep


class BucketCounts(NamedTuple):
    """How :func:`similar_docs` bounded its candidates: band buckets larger than ``max_bucket`` (linked as a
    star and a chain instead of all pairs), the word sets in them (counted once per band), and the distinct
    candidate pairs generated (at most ``bands × docs × max(2, (max_bucket − 1) / 2)``)."""

    buckets: int
    docs: int
    candidates: int


def similar_docs(
    con: duckdb.DuckDBPyConnection,
    posts: str,
    *,
    threshold: float,
    min_tokens: int,
    num_perm: int = 64,
    seed: int = 0,
    max_bucket: int = MAX_BUCKET,
) -> tuple[int, int, BucketCounts]:
    """Create ``unmask_work.docs`` (doc_id, tokens), ``unmask_work.post_docs`` (post → doc),
    ``unmask_work.similar`` (doc_a < doc_b, jaccard ≥ threshold: the similar pairs among the candidates, a
    sparse graph whose components are the clusters), ``unmask_work.doc_clusters`` and what
    :func:`near_text_coaction_sql` reads. Returns (docs, similar pairs, :class:`BucketCounts`)."""
    bands, rows = lsh_bands(threshold, num_perm)
    _create_docs(con, posts, min_tokens)
    n_docs = con.execute("SELECT count(*) FROM unmask_work.docs").fetchall()[0][0]
    con.execute("CREATE OR REPLACE TABLE unmask_work.similar (doc_a BIGINT, doc_b BIGINT, jaccard DOUBLE)")
    # The co-action step checks pairs against the same threshold, after the window is known.
    con.execute(f"CREATE OR REPLACE TABLE unmask_work.near_text_threshold AS SELECT {float(threshold)} AS t")
    con.execute(
        "CREATE OR REPLACE TABLE unmask_work.doc_tokens AS "
        "SELECT doc_id, hash(t) AS h FROM (SELECT doc_id, unnest(tokens) AS t FROM unmask_work.docs)"
    )
    con.execute(
        "CREATE OR REPLACE TABLE unmask_work.doc_sizes AS "
        "SELECT doc_id, len(tokens) AS n FROM unmask_work.docs"
    )
    if n_docs < 2:
        _clusters(con, n_docs)
        return n_docs, 0, BucketCounts(0, 0, 0)
    flat = con.execute("SELECT doc_id, h FROM unmask_work.doc_tokens ORDER BY doc_id").fetchnumpy()
    signatures = minhash_signatures(
        flat["doc_id"].astype(np.int64), flat["h"].astype(np.uint64), num_perm, seed
    )
    del flat
    keys = band_keys(signatures, bands, rows)
    sizes = con.execute("SELECT n FROM unmask_work.doc_sizes ORDER BY doc_id").fetchnumpy()["n"]
    table = pa.table(
        {
            "band": pa.array(np.repeat(np.arange(bands, dtype=np.int32)[None, :], n_docs, axis=0).ravel()),
            "key": pa.array(keys.ravel()),
            "doc_id": pa.array(np.repeat(np.arange(n_docs, dtype=np.int64), bands)),
        }
    )
    del keys
    con.register("_unmask_bands", table)
    try:
        large = con.execute(
            "SELECT count(*), coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM _unmask_bands "
            f"GROUP BY band, key HAVING count(*) > {int(max_bucket)})"
        ).fetchall()[0]
        reader = con.sql(bucket_pairs_sql("_unmask_bands", max_bucket)).to_arrow_reader(_BATCH)
        plausible, generated = [], 0
        for batch in reader:
            a = batch.column("doc_a").to_numpy()
            b = batch.column("doc_b").to_numpy()
            generated += len(a)
            keep = plausible_pairs(signatures, sizes, a, b, threshold)
            plausible.append(pa.table({"doc_a": a[keep], "doc_b": b[keep]}))
        reader.close()
    finally:
        con.unregister("_unmask_bands")
    del signatures
    candidates = (
        pa.concat_tables(plausible)
        if plausible
        else pa.table({"doc_a": pa.array([], pa.int64()), "doc_b": pa.array([], pa.int64())})
    )
    con.register("_unmask_candidates", candidates)
    try:
        con.execute(
            "INSERT INTO unmask_work.similar "
            + similar_pairs_sql("_unmask_candidates", "doc_a", "doc_b", float(threshold))
        )
    finally:
        con.unregister("_unmask_candidates")
    pairs = con.execute("SELECT count(*) FROM unmask_work.similar").fetchall()[0][0]
    _clusters(con, n_docs)
    return n_docs, pairs, BucketCounts(int(large[0]), int(large[1]), generated)


def _create_docs(con: duckdb.DuckDBPyConnection, posts: str, min_tokens: int) -> None:
    """``unmask_work.docs`` (doc_id, doc_key, tokens): the distinct word sets of at least ``min_tokens``
    words; ``unmask_work.post_docs``: each own post with a text, and its doc."""
    con.execute(
        f"""
        CREATE OR REPLACE TABLE unmask_work.post_tokens AS
        SELECT *, hash(tokens) AS doc_key FROM (
            SELECT account, t_ms, source_id, record_no,
                   list_sort(list_distinct(
                       regexp_extract_all({WORDS_TEXT}, '[\\p{{L}}\\p{{N}}_]+'))) AS tokens
            FROM {posts}
            WHERE shared_post_id IS NULL AND text IS NOT NULL
        )
        """
    )
    # Docs are keyed by a 64-bit hash of the word set: joining and grouping on lists of words runs out of
    # memory on a million long posts. Two different word sets share a key with probability ~n²/2⁶⁵.
    con.execute(
        f"""
        CREATE OR REPLACE TABLE unmask_work.docs AS
        SELECT row_number() OVER (ORDER BY doc_key) - 1 AS doc_id, doc_key, tokens
        FROM (SELECT doc_key, any_value(tokens) AS tokens FROM unmask_work.post_tokens
              WHERE len(tokens) >= {int(min_tokens)} GROUP BY doc_key)
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE unmask_work.post_docs AS
        SELECT p.account, p.t_ms, p.source_id, p.record_no, d.doc_id
        FROM unmask_work.post_tokens p JOIN (SELECT doc_id, doc_key FROM unmask_work.docs) d USING (doc_key)
        """
    )
    con.execute("DROP TABLE unmask_work.post_tokens")


def bucket_pairs_sql(bands: str, max_bucket: int) -> str:
    """Distinct candidate pairs (doc_a < doc_b) from ``bands`` (band, key, doc_id).

    A bucket of up to ``max_bucket`` docs gives all its pairs; a larger one links each doc to the bucket's
    first (a star: near-identical texts, the usual content of a large bucket, are then all checked against
    one) and to the next (a chain: a first doc that is not similar to the others does not cut the rest
    apart). Each doc thus yields at most ``max(2, (max_bucket − 1) / 2)`` candidates per band.
    """
    numbered = (
        f"(SELECT band, key, doc_id, row_number() OVER (PARTITION BY band, key ORDER BY doc_id) AS nth, "
        f"count(*) OVER (PARTITION BY band, key) AS size FROM {bands})"
    )
    small = f"(SELECT * FROM {numbered} WHERE size BETWEEN 2 AND {int(max_bucket)})"
    large = f"(SELECT * FROM {numbered} WHERE size > {int(max_bucket)})"
    same = "x.band = y.band AND x.key = y.key"
    return (
        "SELECT DISTINCT least(doc_x, doc_y) AS doc_a, greatest(doc_x, doc_y) AS doc_b FROM ("
        f"SELECT x.doc_id AS doc_x, y.doc_id AS doc_y FROM {small} x JOIN {small} y ON {same} "
        "WHERE x.nth < y.nth "
        f"UNION ALL SELECT x.doc_id, y.doc_id FROM {large} x JOIN {large} y ON {same} "
        "WHERE x.nth = 1 AND y.nth > 1 "
        f"UNION ALL SELECT x.doc_id, y.doc_id FROM {large} x JOIN {large} y ON {same} AND y.nth = x.nth + 1)"
    )


def similar_pairs_sql(pairs: str, a: str, b: str, threshold: float | str) -> str:
    """The pairs of docs (``a``, ``b``) of ``pairs`` whose word sets have Jaccard ≥ ``threshold`` (a number
    or an SQL expression), as (doc_a, doc_b, jaccard); ``pairs`` must hold each pair once.

    Shared words come from a join on the words themselves: far faster than intersecting lists per pair.
    """
    return f"""
        WITH shared AS (
            SELECT c.{a} AS doc_a, c.{b} AS doc_b, count(*) AS shared
            FROM {pairs} c
            JOIN unmask_work.doc_tokens ta ON ta.doc_id = c.{a}
            JOIN unmask_work.doc_tokens tb ON tb.doc_id = c.{b} AND tb.h = ta.h
            GROUP BY c.{a}, c.{b}
        )
        SELECT s.doc_a, s.doc_b, s.shared / (x.n + y.n - s.shared) AS jaccard
        FROM shared s JOIN unmask_work.doc_sizes x ON x.doc_id = s.doc_a
                      JOIN unmask_work.doc_sizes y ON y.doc_id = s.doc_b
        WHERE s.shared / (x.n + y.n - s.shared) >= {threshold}
    """


def _clusters(con: duckdb.DuckDBPyConnection, n_docs: int) -> None:
    """``unmask_work.doc_clusters`` (doc_id, cluster): connected components of the similarity graph.

    A cluster is the object of near_text: how many accounts post variants of one text is its popularity.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    edges = con.execute("SELECT doc_a, doc_b FROM unmask_work.similar").fetchnumpy()
    a = edges["doc_a"].astype(np.int64)
    b = edges["doc_b"].astype(np.int64)
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n_docs, n_docs))
    _, labels = connected_components(graph, directed=False)
    # The smallest doc of each component names it, so that labels do not depend on the algorithm.
    smallest = np.full(labels.max() + 1 if n_docs else 0, n_docs, dtype=np.int64)
    np.minimum.at(smallest, labels, np.arange(n_docs))
    con.register(
        "_unmask_clusters",
        pa.table({"doc_id": np.arange(n_docs, dtype=np.int64), "cluster": smallest[labels]}),
    )
    con.execute("CREATE OR REPLACE TABLE unmask_work.doc_clusters AS SELECT * FROM _unmask_clusters")
    con.unregister("_unmask_clusters")


def near_text_actions_sql() -> str:
    """The near_text actions: every post with a word set; its cluster of similar docs is the object."""
    return (
        "SELECT p.account, array_to_string(d.tokens, ' ') AS object, c.cluster::UBIGINT AS oid, p.t_ms, "
        "p.source_id, p.record_no FROM unmask_work.post_docs p JOIN unmask_work.docs d USING (doc_id) "
        "JOIN unmask_work.doc_clusters c USING (doc_id)"
    )


def near_text_coaction_sql(window_s: float) -> str:
    """Co-actions of posts with similar (or the same) word sets, different accounts, within the window.

    Posts meet on their cluster as on any object (:func:`unmask.coordination.pairs.coaction_sql`: cost
    bounded by the pairs that fall within the window, as for ``text``); a meeting of two different word
    sets counts only if they are similar, checked exactly once per pair of word sets that meet. A cluster
    chains similar texts, so two of its texts may differ more than the threshold allows.
    """
    on_cluster = (
        "(SELECT p.account, c.cluster::UBIGINT AS oid, p.t_ms, p.source_id, p.record_no "
        "FROM unmask_work.post_docs p JOIN unmask_work.doc_clusters c USING (doc_id))"
    )
    # Each side's word set, found again from its post: pairs.coaction_sql carries the post, not the doc.
    met = (
        f"SELECT m.*, pa.doc_id AS doc_a, pb.doc_id AS doc_b FROM ({coaction_sql(on_cluster, window_s)}) m "
        "JOIN unmask_work.post_docs pa ON pa.source_id = m.source_id_a AND pa.record_no = m.record_no_a "
        "JOIN unmask_work.post_docs pb ON pb.source_id = m.source_id_b AND pb.record_no = m.record_no_b"
    )
    to_check = (
        "(SELECT DISTINCT least(doc_a, doc_b) AS doc_x, greatest(doc_a, doc_b) AS doc_y FROM met "
        "WHERE doc_a <> doc_b)"
    )
    similar = similar_pairs_sql(to_check, "doc_x", "doc_y", "(SELECT t FROM unmask_work.near_text_threshold)")
    columns = "met.oid, " + ", ".join(f"met.{c}_a, met.{c}_b" for c in SIDE)
    return (
        f"WITH met AS ({met}), alike AS ({similar}) "
        f"SELECT {columns} FROM met WHERE doc_a = doc_b "
        f"UNION ALL SELECT {columns} FROM met JOIN alike s "
        "ON s.doc_a = least(met.doc_a, met.doc_b) AND s.doc_b = greatest(met.doc_a, met.doc_b)"
    )
