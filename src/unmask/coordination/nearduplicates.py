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

import functools
from typing import NamedTuple

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from unmask.coordination.actions import NORMALISED_TEXT
from unmask.coordination.pairs import MAX_BURST_ACTIONS, SIDE, coaction_sql
from unmask.coordination.sql import DUCKDB, Dialect, Executor, as_executor

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
    ex: Executor | duckdb.DuckDBPyConnection,
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
    ex = as_executor(ex)
    bands, rows = lsh_bands(threshold, num_perm)
    _create_docs(ex, posts, min_tokens)
    n_docs = ex.scalar("SELECT count(*) FROM unmask_work.docs")
    ex.create_empty("unmask_work.similar", "doc_a BIGINT, doc_b BIGINT, jaccard DOUBLE")
    # The co-action step checks pairs against the same threshold, after the window is known.
    ex.create_table("unmask_work.near_text_threshold", f"SELECT CAST({float(threshold)!r} AS DOUBLE) AS t")
    # Words are hashed as the objects are (Dialect.hash64): the MinHash signatures, and so the clusters,
    # are the same on every engine.
    ex.create_table(
        "unmask_work.doc_tokens",
        f"SELECT doc_id, {ex.dialect.hash64('t')} AS h "
        "FROM (SELECT doc_id, unnest(tokens) AS t FROM unmask_work.docs)",
    )
    ex.create_table(
        "unmask_work.doc_sizes", f"SELECT doc_id, {ex.dialect.list_len('tokens')} AS n FROM unmask_work.docs"
    )
    if n_docs < 2:
        _clusters(ex, n_docs)
        return n_docs, 0, BucketCounts(0, 0, 0)
    if not ex.in_process:
        counts = _similar_on_engine(ex, threshold, num_perm, seed, max_bucket)
        _clusters(ex, n_docs)
        return n_docs, ex.scalar("SELECT count(*) FROM unmask_work.similar"), counts
    flat = ex.numpy("SELECT doc_id, h FROM unmask_work.doc_tokens ORDER BY doc_id")
    signatures = minhash_signatures(
        flat["doc_id"].astype(np.int64), flat["h"].astype(np.int64).view(np.uint64), num_perm, seed
    )
    del flat
    keys = band_keys(signatures, bands, rows)
    sizes = ex.numpy("SELECT n FROM unmask_work.doc_sizes ORDER BY doc_id")["n"]
    table = pa.table(
        {
            "band": pa.array(np.repeat(np.arange(bands, dtype=np.int32)[None, :], n_docs, axis=0).ravel()),
            "key": pa.array(keys.ravel().view(np.int64)),
            "doc_id": pa.array(np.repeat(np.arange(n_docs, dtype=np.int64), bands)),
        }
    )
    del keys
    with ex.registered("_unmask_bands", table) as bands_view:
        large = ex.rows(
            f"SELECT count(*), coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM {bands_view} "
            f"GROUP BY band, key HAVING count(*) > {int(max_bucket)})"
        )[0]
        plausible, generated = [], 0
        for batch in ex.batches(bucket_pairs_sql(bands_view, max_bucket), _BATCH):
            a = batch.column("doc_a").to_numpy()
            b = batch.column("doc_b").to_numpy()
            generated += len(a)
            keep = plausible_pairs(signatures, sizes, a, b, threshold)
            plausible.append(pa.table({"doc_a": a[keep], "doc_b": b[keep]}))
    del signatures
    candidates = (
        pa.concat_tables(plausible)
        if plausible
        else pa.table({"doc_a": pa.array([], pa.int64()), "doc_b": pa.array([], pa.int64())})
    )
    with ex.registered("_unmask_candidates", candidates) as view:
        ex.insert("unmask_work.similar", similar_pairs_sql(view, "doc_a", "doc_b", float(threshold)))
    pairs = ex.scalar("SELECT count(*) FROM unmask_work.similar")
    _clusters(ex, n_docs)
    return n_docs, pairs, BucketCounts(int(large[0]), int(large[1]), generated)


def _similar_on_engine(
    ex: Executor, threshold: float, num_perm: int, seed: int, max_bucket: int
) -> BucketCounts:
    """:func:`similar_docs`'s candidates and similar pairs where the docs do not fit one process: the same
    signatures, band keys and filter, computed batch by batch on the engine (Spark's ``mapInArrow``), the
    rest in SQL. Each batch holds whole docs, so a doc's signature is the one :func:`minhash_signatures`
    gives over all docs at once."""
    bands, rows = lsh_bands(threshold, num_perm)
    ex.map_batches(
        "unmask_work.doc_signatures",
        "SELECT doc_id, list(h) AS hs FROM unmask_work.doc_tokens GROUP BY doc_id",
        functools.partial(_signature_batch, num_perm=num_perm, seed=seed, bands=bands, rows=rows),
        "doc_id BIGINT, sig BIGINT[], keys BIGINT[]",
    )
    band_rows = (
        f"SELECT g.band, {ex.dialect.list_get('s.keys', 'g.band + 1')} AS key, s.doc_id "
        f"FROM unmask_work.doc_signatures s CROSS JOIN {ex.dialect.integers(bands, 'g', 'band')}"
    )
    ex.create_table("unmask_work.doc_bands", band_rows)
    [(large, large_docs)] = ex.rows(
        "SELECT count(*), coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM unmask_work.doc_bands "
        f"GROUP BY band, key HAVING count(*) > {int(max_bucket)})"
    )
    ex.create_table("unmask_work.doc_candidates", bucket_pairs_sql("unmask_work.doc_bands", max_bucket))
    generated = ex.scalar("SELECT count(*) FROM unmask_work.doc_candidates")
    ex.map_batches(
        "unmask_work.doc_plausible",
        "SELECT c.doc_a, c.doc_b, sa.sig AS sig_a, sb.sig AS sig_b, za.n AS n_a, zb.n AS n_b "
        "FROM unmask_work.doc_candidates c "
        "JOIN unmask_work.doc_signatures sa ON sa.doc_id = c.doc_a "
        "JOIN unmask_work.doc_signatures sb ON sb.doc_id = c.doc_b "
        "JOIN unmask_work.doc_sizes za ON za.doc_id = c.doc_a "
        "JOIN unmask_work.doc_sizes zb ON zb.doc_id = c.doc_b",
        functools.partial(_plausible_batch, threshold=threshold),
        "doc_a BIGINT, doc_b BIGINT",
    )
    ex.insert(
        "unmask_work.similar", similar_pairs_sql("unmask_work.doc_plausible", "doc_a", "doc_b", threshold)
    )
    ex.drop(*(f"unmask_work.doc_{t}" for t in ("signatures", "bands", "candidates", "plausible")))
    return BucketCounts(int(large), int(large_docs), int(generated))


def _signature_batch(
    batch: pa.RecordBatch, *, num_perm: int, seed: int, bands: int, rows: int
) -> pa.RecordBatch:
    """(doc_id, hs: its words' hashes) → (doc_id, sig, keys): its MinHash signature and band keys, as
    signed 64-bit integers (the engines have no unsigned ones)."""
    hs = batch.column("hs")
    counts = pc.list_value_length(hs).to_numpy(zero_copy_only=False)
    flat = pc.list_flatten(hs).to_numpy(zero_copy_only=False).astype(np.int64).view(np.uint64)
    signatures = minhash_signatures(np.repeat(np.arange(len(counts)), counts), flat, num_perm, seed)
    keys = band_keys(signatures, bands, rows).view(np.int64)
    return pa.record_batch(
        {
            "doc_id": batch.column("doc_id").cast(pa.int64()),
            "sig": pa.FixedSizeListArray.from_arrays(signatures.astype(np.int64).ravel(), num_perm).cast(
                pa.list_(pa.int64())
            ),
            "keys": pa.FixedSizeListArray.from_arrays(keys.ravel(), bands).cast(pa.list_(pa.int64())),
        }
    )


def _plausible_batch(batch: pa.RecordBatch, *, threshold: float) -> pa.RecordBatch:
    """Candidate pairs with both signatures and sizes → those :func:`plausible_pairs` keeps."""
    k = batch.num_rows
    width = len(batch.column("sig_a")[0]) if k else 0

    def matrix(name: str) -> np.ndarray:
        return pc.list_flatten(batch.column(name)).to_numpy(zero_copy_only=False).reshape(k, width)

    signatures = np.concatenate([matrix("sig_a"), matrix("sig_b")])
    sizes = np.concatenate([batch.column(c).to_numpy(zero_copy_only=False) for c in ("n_a", "n_b")])
    keep = plausible_pairs(signatures, sizes, np.arange(k), np.arange(k, 2 * k), threshold)
    return pa.record_batch(
        {c: batch.column(c).filter(pa.array(keep)).cast(pa.int64()) for c in ("doc_a", "doc_b")}
    )


def _create_docs(ex: Executor, posts: str, min_tokens: int) -> None:
    """``unmask_work.docs`` (doc_key, tokens, doc_id): the distinct word sets of at least ``min_tokens``
    words; ``unmask_work.post_docs``: each own post with a text, and its doc."""
    # Docs are keyed by a 64-bit hash of the word set (its sorted words joined by spaces, which no word
    # holds): joining and grouping on lists of words runs out of memory on a million long posts. Two
    # different word sets share a key with probability ~n²/2⁶⁵.
    ex.create_table(
        "unmask_work.post_tokens",
        f"""
        SELECT *, {ex.dialect.hash64("array_to_string(tokens, ' ')")} AS doc_key FROM (
            SELECT account, t_ms, source_id, record_no,
                   list_sort(list_distinct(
                       regexp_extract_all({WORDS_TEXT}, '[\\p{{L}}\\p{{N}}_]+'))) AS tokens
            FROM {posts}
            WHERE shared_post_id IS NULL AND text IS NOT NULL
        )
        """,
    )
    ex.create_numbered(
        "unmask_work.docs",
        f"SELECT doc_key, any_value(tokens) AS tokens FROM unmask_work.post_tokens "
        f"WHERE {ex.dialect.list_len('tokens')} >= {int(min_tokens)} GROUP BY doc_key",
        "doc_key",
        "doc_id",
        start=0,
    )
    ex.create_table(
        "unmask_work.post_docs",
        """
        SELECT p.account, p.t_ms, p.source_id, p.record_no, d.doc_id
        FROM unmask_work.post_tokens p JOIN (SELECT doc_id, doc_key FROM unmask_work.docs) d USING (doc_key)
        """,
    )
    ex.drop("unmask_work.post_tokens")


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


def _clusters(ex: Executor, n_docs: int) -> None:
    """``unmask_work.doc_clusters`` (doc_id, cluster): connected components of the similarity graph, each
    named by its smallest doc, so that labels do not depend on the algorithm: scipy's where the executor
    runs in this process, label propagation in SQL where it does not (:func:`components_sql`).

    A cluster is the object of near_text: how many accounts post variants of one text is its popularity.
    """
    if not ex.in_process:
        components_sql(ex, "unmask_work.similar", "unmask_work.docs", "unmask_work.doc_clusters")
        return
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    edges = ex.numpy("SELECT doc_a, doc_b FROM unmask_work.similar")
    a = edges["doc_a"].astype(np.int64)
    b = edges["doc_b"].astype(np.int64)
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n_docs, n_docs))
    _, labels = connected_components(graph, directed=False)
    # The smallest doc of each component names it, so that labels do not depend on the algorithm.
    smallest = np.full(labels.max() + 1 if n_docs else 0, n_docs, dtype=np.int64)
    np.minimum.at(smallest, labels, np.arange(n_docs))
    ex.create_from_arrow(
        "unmask_work.doc_clusters",
        pa.table({"doc_id": np.arange(n_docs, dtype=np.int64), "cluster": smallest[labels]}),
    )


def components_sql(ex: Executor, edges: str, nodes: str, out: str, work: str = "unmask_work") -> int:
    """Create ``out`` (doc_id, cluster): the connected components of the undirected graph ``edges`` (doc_a,
    doc_b) over ``nodes`` (doc_id), each named by its smallest doc; return the rounds it took.

    Label propagation in SQL (GraphFrames' connected components needs a JAR), in the manner of Shiloach &
    Vishkin (1982): every doc starts as its own label; each round, every edge whose ends have different
    labels hooks the larger label onto the smaller (the smallest offered wins), then every doc takes the
    label of its label (pointer jumping). A label is always a doc of the same component and never larger
    than the doc, so the smallest doc of a component keeps itself as label; when no label changes, the
    ends of every edge agree and every doc's label is a root, so each component is labelled by its smallest
    doc. Rounds grow with the log of the components' size, not with their diameter as plain propagation
    does (a chain of 3,000 docs: 3,000 rounds of plain propagation).
    """
    ex.create_table(f"{work}.cc_edges", f"SELECT doc_a AS x, doc_b AS y FROM {edges}")
    ex.create_table(f"{work}.cc", f"SELECT doc_id AS v, doc_id AS l FROM {nodes}")
    rounds = 0
    while True:
        rounds += 1
        ex.create_table(
            f"{work}.cc_next",
            f"""WITH hook AS (
                    SELECT greatest(a.l, b.l) AS v, min(least(a.l, b.l)) AS l
                    FROM {work}.cc_edges e JOIN {work}.cc a ON a.v = e.x JOIN {work}.cc b ON b.v = e.y
                    WHERE a.l <> b.l GROUP BY greatest(a.l, b.l)
                ),
                hooked AS (
                    SELECT c.v, least(c.l, coalesce(h.l, c.l)) AS l
                    FROM {work}.cc c LEFT JOIN hook h ON h.v = c.v
                )
                SELECT x.v, y.l FROM hooked x JOIN hooked y ON y.v = x.l""",
        )
        changed = ex.scalar(
            f"SELECT count(*) FROM {work}.cc_next x JOIN {work}.cc c ON c.v = x.v WHERE x.l <> c.l"
        )
        ex.create_table(f"{work}.cc", f"SELECT * FROM {work}.cc_next")
        if not changed:
            break
    ex.create_table(out, f"SELECT v AS doc_id, l AS cluster FROM {work}.cc")
    ex.drop(f"{work}.cc_edges", f"{work}.cc", f"{work}.cc_next")
    return rounds


def near_text_actions_sql() -> str:
    """The near_text actions: every post with a word set; its cluster of similar docs is the object."""
    return (
        "SELECT p.account, array_to_string(d.tokens, ' ') AS object, c.cluster AS oid, p.t_ms, "
        "p.source_id, p.record_no FROM unmask_work.post_docs p JOIN unmask_work.docs d USING (doc_id) "
        "JOIN unmask_work.doc_clusters c USING (doc_id)"
    )


def near_text_coaction_sql(
    window_s: float,
    dialect: Dialect = DUCKDB,
    *,
    max_burst: int | None = MAX_BURST_ACTIONS,
    set_aside: str | None = None,
) -> str:
    """Co-actions of posts with similar (or the same) word sets, different accounts, within the window.

    Posts meet on their cluster as on any object (:func:`unmask.coordination.pairs.coaction_sql`: cost
    bounded by the pairs that fall within the window, as for ``text``); a meeting of two different word
    sets counts only if they are similar, checked exactly once per pair of word sets that meet. A cluster
    chains similar texts, so two of its texts may differ more than the threshold allows. Bursts and objects
    set aside: as for any object.
    """
    on_cluster = (
        "(SELECT p.account, c.cluster AS oid, p.t_ms, p.source_id, p.record_no "
        "FROM unmask_work.post_docs p JOIN unmask_work.doc_clusters c USING (doc_id))"
    )
    met_sql = coaction_sql(on_cluster, window_s, max_burst=max_burst, set_aside=set_aside, dialect=dialect)
    # Each side's word set, found again from its post: pairs.coaction_sql carries the post, not the doc.
    met = (
        f"SELECT m.*, pa.doc_id AS doc_a, pb.doc_id AS doc_b FROM ({met_sql}) m "
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
