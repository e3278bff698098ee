"""Near-duplicate texts: posts whose word sets have a Jaccard similarity at or above a threshold.

Candidates come from MinHash signatures banded for locality-sensitive hashing (Broder 1997; Indyk &
Motwani 1998; Leskovec, Rajaraman & Ullman, *Mining of Massive Datasets*, ch. 3), computed in bulk: the
signatures with numpy over every token of every distinct word set at once, the bands and the exact Jaccard
check of each candidate pair in SQL. No document is ever handled one at a time in Python.

Posts are first grouped by their exact word set (a "doc"), so a text copied a thousand times is hashed
once. Word sets come from the text normalised as for the ``text`` kind (lower case, mentions removed),
split into runs of letters, digits and ``_``.

The permutations come from a seeded numpy generator: the same seed gives the same candidates anywhere.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from unmask.coordination.actions import NORMALISED_TEXT
from unmask.coordination.pairs import side_columns

_MASK32 = np.uint64(0xFFFFFFFF)
_BATCH = 1 << 20  # candidate pairs per batch: bounds memory whatever the number of candidates
ESTIMATE_MARGIN = 0.2
# A band bucket holding more word sets than this is not paired (its sets still meet in their other bands).
MAX_BUCKET = 5000
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


def similar_docs(
    con: duckdb.DuckDBPyConnection,
    posts: str,
    *,
    threshold: float,
    min_tokens: int,
    num_perm: int = 64,
    seed: int = 0,
    max_bucket: int = MAX_BUCKET,
) -> tuple[int, int, tuple[int, int]]:
    """Create ``unmask_work.docs`` (doc_id, tokens), ``unmask_work.post_docs`` (post → doc) and
    ``unmask_work.similar`` (doc_a < doc_b, jaccard ≥ threshold). Returns (docs, similar pairs, (band
    buckets set aside for holding more than ``max_bucket`` word sets, word sets in them))."""
    bands, rows = lsh_bands(threshold, num_perm)
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
    n_docs = con.execute("SELECT count(*) FROM unmask_work.docs").fetchall()[0][0]
    con.execute("CREATE OR REPLACE TABLE unmask_work.similar (doc_a BIGINT, doc_b BIGINT, jaccard DOUBLE)")
    if n_docs < 2:
        _clusters(con, n_docs)
        return n_docs, 0, (0, 0)
    con.execute(
        "CREATE OR REPLACE TABLE unmask_work.doc_tokens AS "
        "SELECT doc_id, hash(t) AS h FROM (SELECT doc_id, unnest(tokens) AS t FROM unmask_work.docs)"
    )
    con.execute(
        "CREATE OR REPLACE TABLE unmask_work.doc_sizes AS "
        "SELECT doc_id, len(tokens) AS n FROM unmask_work.docs"
    )
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
        # A bucket of thousands of word sets would alone yield millions of candidates: bounded, and counted.
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _unmask_oversized AS SELECT band, key, count(*) AS n "
            f"FROM _unmask_bands GROUP BY band, key HAVING count(*) > {int(max_bucket)}"
        )
        oversized = con.execute("SELECT count(*), coalesce(sum(n), 0) FROM _unmask_oversized").fetchall()[0]
        reader = con.sql(
            "WITH b AS (SELECT * FROM _unmask_bands ANTI JOIN _unmask_oversized USING (band, key)) "
            "SELECT DISTINCT x.doc_id AS doc_a, y.doc_id AS doc_b "
            "FROM b x JOIN b y ON x.band = y.band AND x.key = y.key WHERE x.doc_id < y.doc_id"
        ).to_arrow_reader(_BATCH)
        plausible = []
        for batch in reader:
            a = batch.column("doc_a").to_numpy()
            b = batch.column("doc_b").to_numpy()
            keep = plausible_pairs(signatures, sizes, a, b, threshold)
            plausible.append(pa.table({"doc_a": a[keep], "doc_b": b[keep]}))
        reader.close()
    finally:
        con.unregister("_unmask_bands")
        con.execute("DROP TABLE IF EXISTS _unmask_oversized")
    del signatures
    candidates = (
        pa.concat_tables(plausible)
        if plausible
        else pa.table({"doc_a": pa.array([], pa.int64()), "doc_b": pa.array([], pa.int64())})
    )
    con.register("_unmask_candidates", candidates)
    try:
        con.execute(
            f"""
            INSERT INTO unmask_work.similar
            -- Shared words by a join on the words themselves: far faster than intersecting lists per pair.
            WITH shared AS (
                SELECT c.doc_a, c.doc_b, count(*) AS shared
                FROM _unmask_candidates c
                JOIN unmask_work.doc_tokens ta ON ta.doc_id = c.doc_a
                JOIN unmask_work.doc_tokens tb ON tb.doc_id = c.doc_b AND tb.h = ta.h
                GROUP BY c.doc_a, c.doc_b
            )
            SELECT s.doc_a, s.doc_b, s.shared / (a.n + b.n - s.shared) AS jaccard
            FROM shared s JOIN unmask_work.doc_sizes a ON a.doc_id = s.doc_a
                          JOIN unmask_work.doc_sizes b ON b.doc_id = s.doc_b
            WHERE s.shared / (a.n + b.n - s.shared) >= {float(threshold)}
            """
        )
    finally:
        con.unregister("_unmask_candidates")
    pairs = con.execute("SELECT count(*) FROM unmask_work.similar").fetchall()[0][0]
    _clusters(con, n_docs)
    return n_docs, pairs, (int(oversized[0]), int(oversized[1]))


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

    The object of a co-action is the docs' cluster; buckets as in pairs.coaction_sql.
    """
    w = round(window_s * 1000)
    posts = f"(SELECT *, t_ms // {max(w, 1)} AS bucket FROM unmask_work.post_docs)"
    links = (
        "(SELECT doc_id AS doc_x, doc_id AS doc_y FROM unmask_work.docs "
        "UNION ALL SELECT doc_a, doc_b FROM unmask_work.similar "
        "UNION ALL SELECT doc_b, doc_a FROM unmask_work.similar)"
    )
    parts = []
    for offset in (-1, 0, 1):
        parts.append(
            f"SELECT c.cluster::UBIGINT AS oid, {side_columns('x', 'y')} "
            f"FROM {posts} x JOIN {links} l ON l.doc_x = x.doc_id "
            f"JOIN {posts} y ON y.doc_id = l.doc_y AND y.bucket = x.bucket + ({offset}) "
            f"JOIN unmask_work.doc_clusters c ON c.doc_id = x.doc_id "
            f"WHERE x.account < y.account AND abs(x.t_ms - y.t_ms) <= {w}"
        )
    return " UNION ALL ".join(parts)
