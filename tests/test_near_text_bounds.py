"""near_text on hostile inputs: candidates and memory stay linear in the number of texts.

Each adversarial crowd would once have made every text of a band bucket a candidate of every other (millions
of pairs, then an out-of-memory error in the exact check). Every test runs with DuckDB limited to 300 MB.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pytest

from test_coordination import at, load, raw_edges
from unmask.case import Case
from unmask.coordination import Coordination
from unmask.coordination.detector import _POSTS, _posts_view
from unmask.coordination.nearduplicates import MAX_BUCKET, bucket_pairs_sql, lsh_bands, similar_docs

CROWD_POSTS = 20_000
WEEK_S = 7 * 86400
ONE_WORDS = ["yes", "no", "lol", "same", "wow", "this", "true", "facts", "mood", "agreed", "nope", "why"]
# Each member changes a different word of the day's copy: two copies share 13 of 16 words (Jaccard 0.76).
MESSAGE = "the council quietly approved hidden fees on water while families pay more share it today"

CROWDS: dict[str, Callable[[int], str]] = {
    "identical": lambda i: "Good morning!",
    # {breaking, update, N, news}: any two share 3 of 5 words, exactly the threshold: one huge cluster.
    "one_token_apart": lambda i: f"breaking update {10_000 + i} #news",
    "one_word": lambda i: ONE_WORDS[(i * i) % len(ONE_WORDS)],
    "numbered_template": lambda i: (
        f"Order #{10_000 + (i * 7919) % 90_000} shipped to {10_000 + (i * 104_729) % 90_000}"
    ),
}
GROUP = [f"planted_{j}" for j in range(5)]


def adversarial_case(case: Case, tmp_path: Path, text: Callable[[int], str]) -> None:
    """A crowd of 2,000 accounts posting ``text(i)`` at spread times, and five accounts that post edited
    copies of one message within seconds on ten days."""
    rows = [
        (f"c{i}", f"crowd_{i % 2000}", at((i * 7_919_731) % WEEK_S), text(i), "", "", "", "")
        for i in range(CROWD_POSTS)
    ]
    for day in range(10):
        for j, member in enumerate(GROUP):
            words = [*MESSAGE.split(), f"day{day}"]
            words[j] = f"{words[j]}{day}x"
            when = at(day * 86400 + 3600 + 3 * j)
            rows.append((f"g{day}_{j}", member, when, " ".join(words), "", "", "", ""))
    load(case, tmp_path, rows)
    case.con.execute("SET memory_limit='300MB'")


@pytest.mark.parametrize("crowd", sorted(CROWDS))
def test_hostile_texts_stay_bounded_and_the_group_is_found(crowd: str, case: Case, tmp_path: Path) -> None:
    adversarial_case(case, tmp_path, CROWDS[crowd])
    bands, _ = lsh_bands(0.6, 64)
    with case.scratch("unmask_work"):
        _posts_view(case)
        docs, _, counts = similar_docs(case.con, _POSTS, threshold=0.6, min_tokens=1)
        # Per band, a small bucket gives at most (MAX_BUCKET - 1) / 2 pairs per text, a large one 2.
        assert counts.candidates <= bands * docs * max(2, (MAX_BUCKET - 1) / 2)
        if crowd == "one_token_apart":
            # 20,000 texts in buckets of thousands: linked as stars and chains, a few per text.
            assert counts.buckets > 0 and counts.docs > 10_000
            assert counts.candidates <= 3 * bands * docs
            # ... and still found similar: one cluster, but for the 0.2 % that meet no other text in any band
            # (a band puts a text with the others when its 4 minimum hashes fall on the 3 common words:
            # p = 0.32; 0.68¹⁶ = 0.002), as with all pairs.
            [(largest,)] = case.con.execute(
                "SELECT max(n) FROM (SELECT count(*) AS n FROM unmask_work.doc_clusters "
                "JOIN unmask_work.docs USING (doc_id) WHERE list_contains(tokens, 'breaking') "
                "GROUP BY cluster)"
            ).fetchall()
            assert largest >= 0.99 * CROWD_POSTS
    found = Coordination(kinds=("near_text",), window=60).fit(case)
    group_edges = {
        (e["account_a"], e["account_b"])
        for e in found.edges_.to_pylist()
        if e["account_a"] in GROUP and e["account_b"] in GROUP
    }
    assert len(group_edges) == 10  # every pair of the five
    assert any(set(GROUP) <= set(net["accounts"]) for net in found.networks_)


def test_a_large_bucket_is_a_star_and_a_chain(case: Case) -> None:
    # Band 0: one bucket of 1,000 docs; band 1: a bucket of MAX_BUCKET docs 2000.., paired all against all.
    small = list(range(2000, 2000 + MAX_BUCKET))
    bands = pa.table(
        {
            "band": pa.array([0] * 1000 + [1] * MAX_BUCKET, pa.int32()),
            "key": pa.array([7] * 1000 + [9] * MAX_BUCKET, pa.uint64()),
            "doc_id": pa.array(list(range(1000)) + small, pa.int64()),
        }
    )
    case.con.register("bands", bands)
    pairs = set(case.con.execute(bucket_pairs_sql("bands", MAX_BUCKET)).fetchall())
    star = {(0, d) for d in range(1, 1000)}
    chain = {(d, d + 1) for d in range(999)}
    every = {(a, b) for a in small for b in small if a < b}
    assert pairs == star | chain | every  # 1,997 + 28 pairs, not 499,500 + 28


def test_a_pair_in_one_cluster_co_acts_only_if_its_own_texts_are_similar(case: Case, tmp_path: Path) -> None:
    # ann ~ bob (4 of 6 words) and bob ~ cat (4 of 6): one cluster; ann and cat share 3 of 7 words.
    rows = [
        ("a", "ann", at(0), "alpha beta gamma delta epsilon", "", "", "", ""),
        ("b", "bob", at(5), "alpha beta gamma delta zeta", "", "", "", ""),
        ("c", "cat", at(10), "alpha beta gamma zeta eta", "", "", "", ""),
    ]
    load(case, tmp_path, rows)
    edges = raw_edges(case, "near_text", 60)
    assert edges == {("ann", "bob", "near_text", 1), ("bob", "cat", "near_text", 1)}
