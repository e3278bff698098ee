"""Synthetic social-media post stream with planted coordinated groups.

This is the benchmark *judge* for unmask's coordination detectors: it writes a
realistic organic crowd, plants coordinated groups in it and records exactly
which accounts were planted. It deliberately knows nothing about the detector
and depends only on numpy and pyarrow.

Output (one row per post, the columns of unmask's generic ``posts-csv`` import
plus ``mentions``)::

    post_id           string   "p_0000001", unique, increasing with time
    account_id        string   "acct_000123" (also the handle used in @mentions)
    created_at        timestamp[s, tz=UTC]
    text              string   full text incl. @mentions, #hashtags and the URL
    shared_post_id    string?  for retweets: id of the original post
    reply_to_post_id  string?  for replies: id of the post replied to
    urls              string   space-separated URLs ('' if none)
    hashtags          string   space-separated hashtags without '#'
    mentions          string   space-separated handles without '@'

Ground truth: ``truth`` has one row per planted account (``account_id,
group_id, kind, size, jitter_s, participation, target_popularity``); organic
accounts are absent (in a control run the table is empty). ``planted_posts``
lists the coordinated posts (post_id, account_id, group_id, action) for
post-level scoring. ``meta`` holds every parameter, per-group details
(incl. the realised ``n_actions`` and post count) and summary counts.

Files written by :func:`write` / the CLI into ``--out``: ``posts.parquet``,
``truth.parquet``, ``planted_posts.parquet``, ``meta.json`` and, with
``--csv``, ``posts.csv`` / ``truth.csv`` (created_at as ``2024-03-01T12:00:00Z``,
null ids as empty fields). Parquet cannot store second-resolution timestamps,
so ``created_at`` reads back from Parquet as ``timestamp[ms, tz=UTC]`` (same
instants).

Organic crowd (a function of ``n_posts``, ``seed``, ``days`` and ``start`` only)
--------------------------------------------------------------------------------
* Accounts: ``n_posts / posts_per_account`` accounts with lognormal activity
  weights (sigma 1.5, i.e. heavy-tailed posts per account: at 1M posts the
  median account posts 5 times, p99 ~150, the top ones thousands), a time
  zone (mixture over the Americas, Europe, Asia), per-account
  propensities to retweet / reply / copy news / post stock phrases, and a
  "fame" (who gets mentioned and retweeted). Timestamps of self-initiated posts
  follow a diurnal cycle in the account's local time over ``days`` days.
* Mixture of organic posts (fractions of ``n_posts``):
  plain originals 30 % (lognormal length, Zipf words, 0-3 Zipf hashtags, a
  Zipf-popular link in 30 % of posts, mentions of famous accounts);
  trending-topic bursts 4 % (a hashtag, often with the same companion hashtag
  in the same order, used by hundreds of accounts within hours);
  stock phrases 2 % ("Good morning everyone", "Please share this" + link:
  identical texts from unrelated accounts);
  news-headline copies 5 % (people pasting a headline with small edits,
  prefixes like "BREAKING:" and the article link, within minutes to hours);
  news bots 2 % (~1 in 1000 accounts, very active and bursty: each polls a
  feed on its own schedule and posts a random subset of the headlines with
  its own format and tracking parameter -- automated but not coordinated);
  retweets 42 %; replies 15 %.
* Retweet cascades: retweet counts per original are Pareto-distributed
  (modulated by the author's fame), so most posts get none and a few get
  thousands. A cascade is a superposition of bursts (a Hawkes-like branching
  approximation): the first burst starts at the post, further bursts start
  lognormally later (an influencer re-sharing), and within a burst the delays
  are lognormal with a median of under a minute to a few minutes for viral
  posts, so hundreds of unrelated accounts share the same post within the same
  few minutes. Retweets have ``shared_post_id`` set, the text
  "RT @handle: <original text>" and inherit the original's urls/hashtags.
* Replies target posts proportionally to their popularity (viral posts get
  hundreds of replies within minutes) and start with "@author".
* Links: a universe of article URLs on ~40 domains with Zipf popularity; each
  use varies the scheme (http/https), optionally adds "www." and often a
  tracking suffix (utm_*, ?s=21, ?ref=share, trailing slash).

Planted groups (the positives)
------------------------------
Each group recruits ``size`` accounts from the organic crowd (uniformly from
the non-bot accounts that have organic posts, disjoint between groups), so
members keep their organic behaviour at organic rates and their ids are spread
randomly over the id space. A group runs ``n_actions`` coordinated actions;
in each, every member takes part with probability ``participation`` (at least
two are drawn) and posts at ``T + U(0, jitter_s)``. Kinds:

``co_share``   retweet the same target post (a different target per action;
               ``n_actions`` is capped by the number of eligible targets, and
               members who already retweeted the target organically skip it);
``co_link``    post the same URL (from a small pool of URLs per group), each
               member with its own scheme / www / tracking-parameter variant,
               own words and hashtags;
``co_text``    post the identical text;
``near_text``  post a template with 1-2 random word substitutions and an
               optional insertion / deletion per member (pairwise Jaccard of
               word sets ~0.6-0.9);
``co_hashtag`` post own words with the same ordered set of 1-3 hashtags
               (from a small pool of sets per group);
``co_reply``   reply to the same target post (one per action) with own words;
``co_mention`` mention the same account (from a small pool per group).

``target_popularity`` says what is amplified:
``fresh``   objects the organic crowd does not use (an un-shared obscure post,
            a new URL or hashtag, an obscure account, new text);
``popular`` objects the crowd uses a lot (top ~2 % posts by shares, mid-rank
            Zipf links/hashtags, famous-ish accounts, frequently copied
            headlines);
``viral``   the very top (posts inside their viral retweet burst, the top
            links/hashtags, the most-mentioned accounts, the most copied
            headlines). For posts and headlines the action time is placed
            inside the organic burst, so the group hides in the crowd.

Parameters (of :func:`generate` / :func:`generate_all`; CLI flag in brackets)
---------------------------------------------------------------------------
``n_posts`` [--posts]          organic crowd size (see below).
``seed`` [--seed]              master seed; everything derives from it.
``n_groups`` [--groups]        number of planted groups; (kind, popularity)
                               pairs are cycled so every kind, and with
                               >= 21 groups every pair, occurs.
``group_size`` [--group-size]  (lo, hi) members, log-uniform, default (4, 60).
``jitter_s`` [--jitter]        (lo, hi) per-group timing jitter in seconds,
                               log-uniform, default (1, 300).
``participation``              (lo, hi) per-group probability that a member
  [--participation]            joins an action, uniform, default (0.5, 1.0).
``kinds`` [--kinds]            subset of :data:`KINDS` ('-' or '_').
``target_popularity``          subset of :data:`POPULARITIES`.
  [--popularity]
``control`` [--control]        organic crowd only (no groups).
``n_actions`` [--actions]      (lo, hi) coordinated actions per group,
                               log-uniform, default (5, 50).
``days`` [--days], ``start`` [--start]
                               observation window (default 30 days from
                               2024-03-01T00:00:00Z).
``posts_per_account``          organic posts per account on average (12),
                               i.e. the number of accounts.

Why this is hard
----------------
Viral cascades put hundreds of unrelated accounts on the same post within
minutes, and heavy retweeters meet again and again across cascades; popular
hashtags, trending bursts, famous accounts and Zipf-popular links make
co-hashtag / co-mention / co-link coincidences common; headline copies, stock
phrases and news bots produce organic identical and near-identical texts with
shared links. A detector must find groups by *repeated* tight co-action rather
than by any single coincidence, and must cope with partial participation,
jitter of up to minutes and groups hiding inside viral bursts. Nothing in the
ids, formats or per-account volumes distinguishes planted accounts.

``control=True`` returns the same organic crowd without any group: the organic
posts are identical to those of the same-seed planted run (only post ids are
renumbered), so a detector's flags on the control run are false positives by
construction and the two runs can be compared account by account.

``n_posts`` is the size of the organic crowd (actual count within a few per
cent: posts falling after the end of the window are dropped); the planted
posts come on top and are reported in ``meta``. Everything is deterministic
for a given seed (numpy ``Generator`` streams spawned from one
``SeedSequence``; no Python ``random``, no string hashing).

CLI::

    python bench/planted.py --posts 1000000 --seed 1 --groups 40 \
        --out /tmp/planted_1m [--control] [--csv]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

__all__ = ["KINDS", "POPULARITIES", "Generated", "generate", "generate_all", "main", "write"]

VERSION = 1
KINDS: tuple[str, ...] = (
    "co_share",
    "co_link",
    "co_text",
    "near_text",
    "co_hashtag",
    "co_reply",
    "co_mention",
)
POPULARITIES: tuple[str, ...] = ("fresh", "popular", "viral")

# Fractions of the organic crowd by post type (sum to 1).
_FRACTIONS = {
    "plain": 0.30,
    "trend": 0.04,
    "phrase": 0.02,
    "headline": 0.05,
    "bot": 0.02,
    "retweet": 0.42,
    "reply": 0.15,
}

# fmt: off
_STOPWORDS = (
    "the", "to", "a", "and", "of", "is", "in", "this", "you", "for", "it", "that", "on", "we",
    "are", "be", "not", "with", "i", "they", "have", "just", "so", "my", "at", "what", "all",
    "was", "will", "no", "do", "your", "about", "but", "people", "more", "can", "now", "one",
    "like", "if", "out", "new", "get", "how", "time", "our", "who", "why", "today", "should",
    "than", "never", "been", "must", "over", "every", "only", "after",
)
_ONSETS = (
    "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z",
    "br", "ch", "cl", "dr", "fl", "gr", "pl", "pr", "sh", "st", "th", "tr",
)
_NUCLEI = ("a", "e", "i", "o", "u", "ai", "ea", "ou", "io")
_CODAS = ("", "", "", "n", "r", "s", "t", "l", "m", "ck", "nd", "st")
_DOMAINS = (
    "dailyledger.com", "www.morningwire.com", "nationalpost-times.com", "citybeat.news",
    "globalreport.org", "www.theinsiderdaily.com", "vidhub.com", "pics.social", "writer.page",
    "www.evening-standard.net", "breakingwire.net", "capitolreport.com", "healthdesk.org",
    "techcrunchy.io", "www.marketwatcher.com", "sportszone.tv", "thefreedomvoice.com",
    "patriotdispatch.net", "truthlens.org", "peoplesdaily-news.com", "www.localgazette.com",
    "opinionhub.com", "factfinder.net", "livestreamer.tv", "newsnow24.com", "thecurrent.org",
    "www.worldobserver.com", "bizjournal.net", "scienceline.org", "dailyrant.com",
    "reelnews.tv", "ourvoice.blog", "realpolitics.net", "www.metroherald.com",
    "cityreview.com", "lnk.news", "shrt.link", "grassroots-news.org", "thedailybrief.com",
    "coastalpost.com",
)
_SECTIONS = (
    "news", "politics", "world", "opinion", "health", "tech", "business", "sports", "video",
    "watch", "article", "story", "2024/03", "live", "analysis",
)
# fmt: on
_TRACKING = (
    "",
    "/",
    "?utm_source=twitter",
    "?utm_source=twitter&utm_medium=social",
    "?utm_medium=social&utm_source=twitter",
    "?utm_source=dlvr.it&utm_medium=twitter",
    "?utm_source=twitter&utm_medium=social&utm_campaign=buffer",
    "?utm_source=facebook&utm_medium=share",
    "?s=09",
    "?s=21",
    "?ref=share",
    "?amp=1",
    "?utm_campaign=share&utm_source=tw",
)
_PHRASES = (
    "Good morning everyone",
    "Good morning ☀️",
    "Good night all",
    "Happy Friday!",
    "Happy Monday",
    "Please share this",
    "RT if you agree",
    "So true",
    "This.",
    "Wow",
    "Thank you!",
    "Must read",
    "Read this",
    "Everyone needs to see this",
    "Spread the word",
    "Thoughts?",
    "Agreed 💯",
    "Unbelievable",
    "Absolutely disgraceful",
    "We need to talk about this",
    "Share far and wide",
    "Sign the petition",
    "Retweet to spread awareness",
    "Big if true",
    "Let that sink in",
    "I can't believe this",
    "Never forget",
    "Stay safe everyone",
    "Follow back?",
    "Same",
)
_HEAD_PREFIX = ("BREAKING:", "JUST IN:", "Wow.", "Must read:", "Look at this:", "Unreal:", "NEW:")
_HEAD_SUFFIX = ("!!", "😡", "👀", "smh", "Thoughts?", "(via @news)", "🔥")
_BOT_FORMATS = ("", "NEW:", "Latest:", "News:", "Headline:", "📰", "⚡")
# Local-time activity profile, hours 0..23 (typical microblog diurnal curve).
# fmt: off
_HOURLY = np.array(
    [0.55, 0.38, 0.26, 0.18, 0.14, 0.15, 0.25, 0.45, 0.70, 0.85, 0.92, 0.97,
     1.00, 0.98, 0.95, 0.93, 0.93, 0.95, 1.00, 1.07, 1.12, 1.10, 0.95, 0.75]
)
_TZ_HOURS = np.array([-8.0, -7.0, -6.0, -5.0, -3.0, 0.0, 1.0, 2.0, 3.0, 5.5, 8.0, 9.0])
_TZ_WEIGHTS = np.array([0.08, 0.02, 0.07, 0.33, 0.03, 0.15, 0.20, 0.04, 0.02, 0.03, 0.01, 0.02])
# fmt: on
_TAG_WIDTH = 4
_MENTION_WIDTH = 2
_TEXT_WIDTH = 22

_NULL_STR = pa.scalar(None, pa.string())


# --------------------------------------------------------------------------- helpers


def _cdf(weights: np.ndarray) -> np.ndarray:
    c = np.cumsum(np.asarray(weights, dtype=np.float64))
    return c / c[-1]


def _zipf_cdf(n: int, s: float, q: float = 1.0) -> np.ndarray:
    return _cdf((np.arange(n, dtype=np.float64) + q) ** (-s))


def _draw(rng: np.random.Generator, cdf: np.ndarray, size: int | tuple[int, ...]) -> np.ndarray:
    """Sample indices from a cumulative distribution (vectorised inverse CDF)."""
    idx = np.searchsorted(cdf, rng.random(size), side="right")
    return np.minimum(idx, len(cdf) - 1).astype(np.int64)


def _loguniform(rng: np.random.Generator, lo: float, hi: float, size: int) -> np.ndarray:
    return np.exp(rng.uniform(np.log(lo), np.log(hi), size))


def _cat(parts: Sequence[pa.Array], sep: str) -> pa.Array:
    """Element-wise join skipping nulls (null only where every part is null)."""
    out = parts[0]
    for part in parts[1:]:
        both = pc.binary_join_element_wise(out, part, sep)
        out = pc.coalesce(both, out, part)
    return out


def _null_where(arr: pa.Array, mask: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(mask), _NULL_STR, arr)


def _lists_join(
    counts: np.ndarray, flat: np.ndarray, vocab: pa.Array, sep: str, null_empty: bool = False
) -> pa.Array:
    offsets = np.zeros(len(counts) + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    values = vocab.take(pa.array(np.asarray(flat, dtype=np.int64)))
    mask = pa.array(np.asarray(counts) == 0) if null_empty else None
    return pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), values, mask=mask), sep)


def _matrix_join(mat: np.ndarray, vocab: pa.Array, sep: str, null_empty: bool = False) -> pa.Array:
    """Join the non-negative entries of each row of ``mat`` (ids into ``vocab``)."""
    keep = mat >= 0
    return _lists_join(keep.sum(axis=1), mat[keep], vocab, sep, null_empty)


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _pseudo_words(rng: np.random.Generator, n: int, syllables: tuple[int, int]) -> pa.Array:
    """``n`` distinct pronounceable pseudo-words (deterministic given ``rng``)."""
    onsets, nuclei, codas = pa.array(_ONSETS), pa.array(_NUCLEI), pa.array(_CODAS)
    out: pa.Array | None = None
    while out is None or len(out) < n:
        m = 2 * n + 100
        nsyl = rng.integers(syllables[0], syllables[1] + 1, m)
        parts = []
        for j in range(syllables[1]):
            syl = _cat(
                [
                    onsets.take(pa.array(rng.integers(0, len(_ONSETS), m))),
                    nuclei.take(pa.array(rng.integers(0, len(_NUCLEI), m))),
                    codas.take(pa.array(rng.integers(0, len(_CODAS), m))),
                ],
                "",
            )
            parts.append(_null_where(syl, j >= nsyl))
        words = _cat(parts, "")
        out = words if out is None else pa.concat_arrays([out, words])
        out = pc.unique(out)
    return out.slice(0, n)


# --------------------------------------------------------------------------- world


@dataclass
class _World:
    """Accounts, vocabularies and popularity distributions shared by all posts."""

    start: int
    end: int
    n_acc: int
    w: np.ndarray
    tz: np.ndarray
    rt_prop: np.ndarray
    reply_prop: np.ndarray
    news_prop: np.ndarray
    phrase_prop: np.ndarray
    fame: np.ndarray
    fame_order: np.ndarray
    mention_cdf: np.ndarray
    is_bot: np.ndarray
    handles: pa.Array
    at_handles: pa.Array
    words: pa.Array
    word_cdf: np.ndarray
    tags: pa.Array
    hash_tags: pa.Array
    n_tag_org: int
    tag_cdf: np.ndarray
    url_base: pa.Array
    url_www_ok: np.ndarray
    n_url_org: int
    url_cdf: np.ndarray
    head_words: np.ndarray
    head_time: np.ndarray
    head_url: np.ndarray
    head_cdf: np.ndarray
    minute_cdf: np.ndarray

    # -- sampling primitives -------------------------------------------------

    def authors(self, rng: np.random.Generator, n: int, prop: np.ndarray) -> np.ndarray:
        return _draw(rng, _cdf(self.w * prop * ~self.is_bot), n)

    def diurnal(self, rng: np.random.Generator, authors: np.ndarray) -> np.ndarray:
        """Timestamps following the diurnal cycle in each author's local time."""
        n = len(authors)
        span = self.end - self.start
        minute = _draw(rng, self.minute_cdf, n)
        day = rng.integers(0, int(np.ceil(span / 86400)), n)
        local = day * 86400 + minute * 60 + rng.integers(0, 60, n)
        return self.start + (local - self.tz[authors]) % span

    def body(self, rng: np.random.Generator, n: int, median: float = 12.0) -> pa.Array:
        lengths = np.clip(np.rint(rng.lognormal(np.log(median), 0.5, n)), 2, 40).astype(np.int64)
        return _lists_join(lengths, _draw(rng, self.word_cdf, int(lengths.sum())), self.words, " ")

    def word_rows(self, rng: np.random.Generator, n: int, lo: int, hi: int) -> np.ndarray:
        lengths = rng.integers(lo, hi + 1, n)
        rows = _draw(rng, self.word_cdf, (n, _TEXT_WIDTH))
        rows[np.arange(_TEXT_WIDTH)[None, :] >= lengths[:, None]] = -1
        return rows

    def random_tags(
        self, rng: np.random.Generator, n: int, probs: Sequence[float] = (0.62, 0.24, 0.10, 0.04)
    ) -> np.ndarray:
        k = rng.choice(len(probs), size=n, p=np.asarray(probs) / np.sum(probs))
        mat = _draw(rng, self.tag_cdf, (n, _TAG_WIDTH))
        mat[np.arange(_TAG_WIDTH)[None, :] >= k[:, None]] = -1
        for j in range(1, _TAG_WIDTH):
            for i in range(j):
                mat[(mat[:, j] == mat[:, i]) & (mat[:, j] >= 0), j] = -1
        return mat

    def random_mentions(
        self, rng: np.random.Generator, n: int, p1: float = 0.10, p2: float = 0.03
    ) -> np.ndarray:
        u = rng.random(n)
        k = (u < p1 + p2).astype(np.int64) + (u < p2)
        mat = self.fame_order[_draw(rng, self.mention_cdf, (n, _MENTION_WIDTH))]
        mat[np.arange(_MENTION_WIDTH)[None, :] >= k[:, None]] = -1
        mat[(mat[:, 1] == mat[:, 0]), 1] = -1
        return mat

    def url_strings(self, rng: np.random.Generator, ids: np.ndarray, p_suffix: float = 0.3) -> pa.Array:
        """URL strings with scheme / www / tracking variants (null where id < 0)."""
        n = len(ids)
        has = ids >= 0
        safe = np.where(has, ids, 0)
        scheme = pa.array(["https://", "http://"]).take(pa.array((rng.random(n) < 0.15).astype(np.int64)))
        www = (rng.random(n) < 0.12) & self.url_www_ok[safe]
        suffix = np.where(rng.random(n) < p_suffix, rng.integers(1, len(_TRACKING), n), 0)
        s = _cat(
            [
                scheme,
                pc.if_else(pa.array(www), pa.scalar("www."), _NULL_STR),
                self.url_base.take(pa.array(safe)),
                pa.array(_TRACKING).take(pa.array(suffix)),
            ],
            "",
        )
        return _null_where(s, ~has)


def _build_world(
    ss: np.random.SeedSequence, n_posts: int, days: float, start: int, posts_per_account: float
) -> _World:
    r_acc, r_vocab, r_tags, r_urls, r_head = (np.random.default_rng(s) for s in ss.spawn(5))

    n_acc = max(50, round(n_posts / posts_per_account))
    w = r_acc.lognormal(0.0, 1.5, n_acc)
    tz = np.rint(_TZ_HOURS[r_acc.choice(len(_TZ_HOURS), n_acc, p=_TZ_WEIGHTS)] * 3600).astype(np.int64)
    rt_prop = r_acc.beta(1.2, 1.2, n_acc)
    reply_prop = r_acc.beta(1.0, 3.0, n_acc)
    news_prop = r_acc.beta(0.6, 3.0, n_acc)
    phrase_prop = r_acc.beta(0.4, 4.0, n_acc)
    fame = np.sqrt(w) * r_acc.lognormal(0.0, 1.5, n_acc)
    fame_order = np.argsort(-fame, kind="stable")
    is_bot = np.zeros(n_acc, dtype=bool)
    is_bot[r_acc.choice(n_acc, max(2, n_acc // 1000), replace=False)] = True
    width = max(6, len(str(n_acc - 1)))
    handles = _ids("acct_", np.arange(n_acc), width)

    pseudo = _pseudo_words(r_vocab, 20000, (1, 3))
    pseudo = pseudo.filter(pc.invert(pc.is_in(pseudo, value_set=pa.array(_STOPWORDS))))
    words = pa.concat_arrays([pa.array(_STOPWORDS), pseudo])
    word_cdf = _zipf_cdf(len(words), 1.0, 2.7)

    n_tag_org = max(200, n_posts // 300)
    n_tag = n_tag_org + 2000
    stems = pc.utf8_capitalize(_pseudo_words(r_tags, 2 * n_tag, (2, 3)))
    second = _null_where(stems.slice(n_tag, n_tag), r_tags.random(n_tag) < 0.6)
    year = _null_where(pa.array(["2024"] * n_tag), r_tags.random(n_tag) < 0.9)
    tags = pc.unique(_cat([stems.slice(0, n_tag), second, year], ""))
    tags = tags.take(pa.array(r_tags.permutation(len(tags))))
    hash_tags = pc.binary_join_element_wise("#", tags, "")

    n_url_org = max(500, n_posts // 40)
    n_url = n_url_org + 5000
    dom_p = _zipf_cdf(len(_DOMAINS), 1.0, 2.0)
    dom = _draw(r_urls, dom_p, n_url)
    slug_len = r_urls.integers(2, 6, n_url)
    slug_words = np.minimum(_draw(r_urls, word_cdf, int(slug_len.sum())) + 30, len(words) - 1)
    slug = _lists_join(slug_len, slug_words, words, "-")
    url_num = pc.cast(pa.array(r_urls.choice(10**8, n_url, replace=False) + 10**6), pa.string())
    url_base = _cat(
        [
            pa.array(_DOMAINS).take(pa.array(dom)),
            pa.array(_SECTIONS).take(pa.array(r_urls.integers(0, len(_SECTIONS), n_url))),
            _cat([slug, url_num], "-"),
        ],
        "/",
    )
    url_www_ok = ~np.array([d.startswith("www.") for d in _DOMAINS])[dom]

    n_head = max(20, n_posts // 1000)
    head_words = np.full((n_head, _TEXT_WIDTH), -1, dtype=np.int64)
    head_len = r_head.integers(8, 17, n_head)
    raw = _draw(r_head, word_cdf, (n_head, 16))
    head_words[:, :16] = np.where(np.arange(16)[None, :] < head_len[:, None], raw, -1)
    span = int(days * 86400)
    head_time = start + r_head.integers(0, max(1, span - 6 * 3600), n_head)
    head_url = _draw(r_head, _zipf_cdf(n_url_org, 1.0), n_head)

    minute_w = np.interp(np.arange(1440) / 60.0, np.arange(25), np.append(_HOURLY, _HOURLY[0]))
    return _World(
        start=start,
        end=start + span,
        n_acc=n_acc,
        w=w,
        tz=tz,
        rt_prop=rt_prop,
        reply_prop=reply_prop,
        news_prop=news_prop,
        phrase_prop=phrase_prop,
        fame=fame,
        fame_order=fame_order,
        mention_cdf=_zipf_cdf(min(n_acc, 20000), 1.1, 1.0),
        is_bot=is_bot,
        handles=handles,
        at_handles=pc.binary_join_element_wise("@", handles, ""),
        words=words,
        word_cdf=word_cdf,
        tags=tags,
        hash_tags=hash_tags,
        n_tag_org=n_tag_org,
        tag_cdf=_zipf_cdf(n_tag_org, 1.05, 2.0),
        url_base=url_base,
        url_www_ok=url_www_ok,
        n_url_org=n_url_org,
        url_cdf=_zipf_cdf(n_url_org, 1.0, 1.0),
        head_words=head_words,
        head_time=head_time,
        head_url=head_url,
        head_cdf=_zipf_cdf(n_head, 1.1, 1.0),
        minute_cdf=_cdf(minute_w),
    )


# --------------------------------------------------------------------------- batches


@dataclass
class _Batch:
    """Original posts and replies, columnar, with integer-coded entities."""

    author: np.ndarray
    time: np.ndarray
    body: pa.Array
    tags: np.ndarray
    mentions: np.ndarray
    url: pa.Array
    reply_to: np.ndarray
    group: np.ndarray
    action: np.ndarray
    source: np.ndarray

    def __len__(self) -> int:
        return len(self.author)

    def filter(self, mask: np.ndarray) -> _Batch:
        pmask = pa.array(mask)
        return _Batch(
            self.author[mask],
            self.time[mask],
            self.body.filter(pmask),
            self.tags[mask],
            self.mentions[mask],
            self.url.filter(pmask),
            self.reply_to[mask],
            self.group[mask],
            self.action[mask],
            self.source[mask],
        )

    @staticmethod
    def concat(batches: Sequence[_Batch]) -> _Batch:
        return _Batch(
            np.concatenate([b.author for b in batches]),
            np.concatenate([b.time for b in batches]),
            pa.concat_arrays([b.body for b in batches]),
            np.concatenate([b.tags for b in batches]),
            np.concatenate([b.mentions for b in batches]),
            pa.concat_arrays([b.url for b in batches]),
            np.concatenate([b.reply_to for b in batches]),
            np.concatenate([b.group for b in batches]),
            np.concatenate([b.action for b in batches]),
            np.concatenate([b.source for b in batches]),
        )


_SOURCES = ("plain", "trend", "phrase", "headline", "bot", "reply", "planted")


def _batch(
    author: np.ndarray,
    time_: np.ndarray,
    body: pa.Array,
    source: str,
    tags: np.ndarray | None = None,
    mentions: np.ndarray | None = None,
    url: pa.Array | None = None,
    reply_to: np.ndarray | None = None,
    group: np.ndarray | None = None,
    action: np.ndarray | None = None,
) -> _Batch:
    n = len(author)
    minus = np.full(n, -1, dtype=np.int64)
    return _Batch(
        author=np.asarray(author, dtype=np.int64),
        time=np.asarray(time_, dtype=np.int64),
        body=body,
        tags=np.full((n, _TAG_WIDTH), -1, np.int64) if tags is None else tags,
        mentions=np.full((n, _MENTION_WIDTH), -1, np.int64) if mentions is None else mentions,
        url=pa.nulls(n, pa.string()) if url is None else url,
        reply_to=minus if reply_to is None else np.asarray(reply_to, dtype=np.int64),
        group=minus if group is None else np.asarray(group, dtype=np.int64),
        action=minus if action is None else np.asarray(action, dtype=np.int64),
        source=np.full(n, _SOURCES.index(source), dtype=np.int8),
    )


def _plain(
    world: _World,
    rng: np.random.Generator,
    author: np.ndarray,
    time_: np.ndarray,
    source: str,
    p_url: float = 0.3,
) -> _Batch:
    n = len(author)
    url_ids = np.where(rng.random(n) < p_url, _draw(rng, world.url_cdf, n), -1)
    return _batch(
        author,
        time_,
        world.body(rng, n),
        source,
        tags=world.random_tags(rng, n),
        mentions=world.random_mentions(rng, n),
        url=world.url_strings(rng, url_ids),
    )


def _edit_rows(
    world: _World,
    rng: np.random.Generator,
    rows: np.ndarray,
    max_sub: int,
    p_sub: float,
    p_ins: float,
    p_del: float,
) -> np.ndarray:
    """Random word substitutions, one insertion and one deletion per row (vectorised)."""
    n = len(rows)
    out = rows.copy()
    length = np.maximum((rows >= 0).sum(axis=1), 1)
    n_sub = np.where(rng.random(n) < p_sub, rng.integers(1, max_sub + 1, n), 0)
    n_vocab = len(world.words)
    for j in range(max_sub):
        sel = np.nonzero(j < n_sub)[0]
        pos = (rng.random(len(sel)) * length[sel]).astype(np.int64)
        out[sel, pos] = rng.integers(50, min(5000, n_vocab), len(sel))
    sel = np.nonzero(rng.random(n) < p_del)[0]
    out[sel, (rng.random(len(sel)) * length[sel]).astype(np.int64)] = -1
    # insertion: extra column with a fractional sort key, then reorder each row
    ins = np.where(rng.random(n) < p_ins, rng.integers(50, min(5000, n_vocab), n), -1)
    keys = np.concatenate(
        [
            np.broadcast_to(np.arange(out.shape[1], dtype=np.float64), out.shape),
            (rng.random(n) * length - 0.5)[:, None],
        ],
        axis=1,
    )
    full = np.concatenate([out, ins[:, None]], axis=1)
    order = np.argsort(keys, axis=1, kind="stable")
    return np.take_along_axis(full, order, axis=1)


# --------------------------------------------------------------------------- organic


@dataclass
class _Organic:
    originals: _Batch  # organic self-initiated posts (retweet / reply targets)
    replies: _Batch
    rt_root: np.ndarray  # retweets: index into originals
    rt_author: np.ndarray
    rt_time: np.ndarray
    stats: dict[str, Any]


def _organic(world: _World, ss: np.random.SeedSequence, n_posts: int) -> _Organic:
    r_plain, r_trend, r_phrase, r_head, r_bot, r_casc, r_reply = (
        np.random.default_rng(s) for s in ss.spawn(7)
    )
    count = {k: round(v * n_posts) for k, v in _FRACTIONS.items()}
    batches: list[_Batch] = []

    # plain originals
    a = world.authors(r_plain, count["plain"], 1.0 - world.rt_prop)
    batches.append(_plain(world, r_plain, a, world.diurnal(r_plain, a), "plain"))

    # trending-topic bursts: one hashtag (often with a fixed companion) within hours
    rng = r_trend
    n_ev = max(3, n_posts // 20000)
    ev_tag = (
        np.where(
            rng.random(n_ev) < 0.4,
            rng.integers(0, 50, n_ev),
            rng.integers(0, max(60, world.n_tag_org // 5), n_ev),
        )
        % world.n_tag_org
    )
    ev_comp = rng.integers(0, max(60, world.n_tag_org // 3), n_ev) % world.n_tag_org
    onset = world.start + rng.integers(0, max(1, world.end - world.start - 86400), n_ev)
    width = _loguniform(rng, 1800, 8 * 3600, n_ev)
    ev = np.repeat(np.arange(n_ev), rng.multinomial(count["trend"], _zipf_pmf(n_ev, 1.0)))
    n = len(ev)
    a = world.authors(rng, n, 1.0 - world.rt_prop)
    t = onset[ev] + rng.lognormal(np.log(width[ev]), 0.8).astype(np.int64)
    tags = world.random_tags(rng, n, probs=(0.5, 0.3, 0.2))
    tags[:, 2:] = -1
    tags = np.roll(tags, 1, axis=1)
    tags[:, 0] = ev_tag[ev]
    pair = rng.random(n) < 0.45
    tags[pair, 1] = ev_comp[ev[pair]]
    tags[pair, 2] = -1
    last = ~pair & (rng.random(n) < 0.4)
    tags[last] = np.roll(tags[last], -1, axis=1)
    for j in range(1, _TAG_WIDTH):
        for i in range(j):
            tags[(tags[:, j] == tags[:, i]) & (tags[:, j] >= 0), j] = -1
    url_ids = np.where(rng.random(n) < 0.2, _draw(rng, world.url_cdf, n), -1)
    batches.append(
        _batch(
            a,
            t,
            world.body(rng, n),
            "trend",
            tags=tags,
            mentions=world.random_mentions(rng, n),
            url=world.url_strings(rng, url_ids),
        )
    )

    # stock phrases ("Good morning everyone", "Please share this" + link)
    rng = r_phrase
    n = count["phrase"]
    a = world.authors(rng, n, world.phrase_prop)
    body = pa.array(_PHRASES).take(pa.array(_draw(rng, _zipf_cdf(len(_PHRASES), 1.0, 1.0), n)))
    url_ids = np.where(rng.random(n) < 0.35, _draw(rng, world.url_cdf, n), -1)
    tags = world.random_tags(rng, n, probs=(0.8, 0.2))
    batches.append(
        _batch(a, world.diurnal(rng, a), body, "phrase", tags=tags, url=world.url_strings(rng, url_ids))
    )

    # headline copies with small edits, prefixes and the article link
    rng = r_head
    n = count["headline"]
    a = world.authors(rng, n, world.news_prop)
    h = _draw(rng, world.head_cdf, n)
    t = world.head_time[h] + 20 + rng.lognormal(np.log(2400.0), 1.4, n).astype(np.int64)
    rows = _edit_rows(world, rng, world.head_words[h], 1, 0.2, 0.1, 0.25)
    prefix = _null_where(
        pa.array(_HEAD_PREFIX).take(pa.array(rng.integers(0, len(_HEAD_PREFIX), n))), rng.random(n) >= 0.3
    )
    suffix = _null_where(
        pa.array(_HEAD_SUFFIX).take(pa.array(rng.integers(0, len(_HEAD_SUFFIX), n))), rng.random(n) >= 0.15
    )
    body = _cat([prefix, _matrix_join(rows, world.words, " "), suffix], " ")
    url_ids = np.where(rng.random(n) < 0.6, world.head_url[h], -1)
    tags = world.random_tags(rng, n, probs=(0.85, 0.15))
    batches.append(_batch(a, t, body, "headline", tags=tags, url=world.url_strings(rng, url_ids)))

    # news bots: own polling schedule, own format, random subset of headlines
    rng = r_bot
    bots = np.nonzero(world.is_bot)[0]
    n_head = len(world.head_time)
    q = rng.uniform(0.2, 1.0, len(bots))
    q = np.minimum(1.0, q * count["bot"] / max(1.0, q.sum() * n_head))
    take = rng.random((len(bots), n_head)) < q[:, None]
    bi, h = np.nonzero(take)
    poll = _loguniform(rng, 300, 7200, len(bots))
    phase = rng.uniform(0, 1, len(bots)) * poll
    lag = rng.lognormal(np.log(600.0), 1.0, len(bi))
    t_raw = world.head_time[h] + lag - phase[bi]
    t = (np.ceil(t_raw / poll[bi]) * poll[bi] + phase[bi] + rng.integers(1, 40, len(bi))).astype(np.int64)
    fmt = rng.integers(0, len(_BOT_FORMATS), len(bots))
    prefix = pa.array(_BOT_FORMATS).take(pa.array(fmt[bi]))
    body = _cat([_null_where(prefix, fmt[bi] == 0), _matrix_join(world.head_words[h], world.words, " ")], " ")
    url = world.url_strings(rng, world.head_url[h], p_suffix=0.0)
    bot_suffix = pa.array(_TRACKING).take(pa.array(rng.integers(0, len(_TRACKING), len(bots))[bi]))
    url = _cat([url, bot_suffix], "")
    tags = np.full((len(bi), _TAG_WIDTH), -1, np.int64)
    bot_tag = rng.integers(0, 30, len(bots))
    use_tag = rng.random(len(bots)) < 0.5
    tags[:, 0] = np.where(use_tag[bi], bot_tag[bi], -1)
    batches.append(_batch(bots[bi], t, body, "bot", tags=tags, url=url))

    originals = _Batch.concat(batches)
    originals = originals.filter(originals.time < world.end)
    n_o = len(originals)

    # retweet cascades
    rng = r_casc
    fame_f = world.fame[originals.author] ** 0.6
    v = (rng.pareto(1.15, n_o) + 1.0) * fame_f / fame_f.mean()
    v[world.is_bot[originals.author]] *= 0.3
    # posts near the end have less time to be shared
    v *= np.clip((world.end - originals.time) / 43200.0, 0.05, 1.0)
    sizes = rng.multinomial(count["retweet"], v / v.sum())
    np.minimum(sizes, max(5, int(0.3 * world.n_acc)), out=sizes)
    roots = np.nonzero(sizes)[0]
    sizes = sizes[roots]
    rt_root = np.repeat(roots, sizes)
    rt_cdf = _cdf(world.w * world.rt_prop * ~world.is_bot)
    rt_author = _draw(rng, rt_cdf, len(rt_root))
    for attempt in range(8):  # one retweet per (account, post), never one's own post
        key = rt_root * world.n_acc + rt_author
        order = np.argsort(key, kind="stable")
        dup = np.zeros(len(key), dtype=bool)
        dup[order[1:]] = key[order[1:]] == key[order[:-1]]
        bad = dup | (rt_author == originals.author[rt_root])
        if attempt == 7 or not bad.any():
            rt_root, rt_author = rt_root[~bad], rt_author[~bad]
            break
        rt_author[bad] = _draw(rng, rt_cdf, int(bad.sum()))
    # timing: superposed bursts (Hawkes-like); viral posts burst within minutes
    n_c = len(roots)
    viral = sizes >= 50
    med = np.where(viral, _loguniform(rng, 30, 360, n_c), _loguniform(rng, 300, 8 * 3600, n_c))
    sig = rng.uniform(0.8, 1.4, n_c)
    n_br = 1 + rng.poisson(sizes / 250.0)
    br_start = np.concatenate([[0], np.cumsum(n_br)[:-1]])
    br_off = rng.lognormal(np.log(2700.0), 1.0, int(n_br.sum()))
    br_off[br_start] = 0.0
    cid = np.searchsorted(roots, rt_root)
    u = rng.random(len(rt_root))
    nb = n_br[cid]
    branch = np.where((u < 0.5) | (nb == 1), 0, 1 + (rng.random(len(rt_root)) * (nb - 1)).astype(np.int64))
    delay = br_off[br_start[cid] + branch] + rng.lognormal(np.log(med[cid]), sig[cid])
    rt_time = originals.time[rt_root] + 1 + delay.astype(np.int64)
    ok = rt_time < world.end
    rt_root, rt_author, rt_time = rt_root[ok], rt_author[ok], rt_time[ok]
    rt_count = np.bincount(rt_root, minlength=n_o)

    # replies, proportional to popularity, starting with "@author"
    rng = r_reply
    p_target = (1.0 + rt_count) ** 1.1
    p_target[world.is_bot[originals.author]] *= 0.3
    n = count["reply"]
    target = _draw(rng, _cdf(p_target), n)
    a = world.authors(rng, n, world.reply_prop)
    self_reply = a == originals.author[target]
    a[self_reply] = world.authors(rng, int(self_reply.sum()), world.reply_prop)
    med = np.where(rt_count[target] >= 50, 600.0, 2700.0)
    t = originals.time[target] + 5 + rng.lognormal(np.log(med), 1.4).astype(np.int64)
    mentions = np.full((n, _MENTION_WIDTH), -1, np.int64)
    mentions[:, 0] = originals.author[target]
    extra = world.random_mentions(rng, n, 0.05, 0.0)[:, 0]
    mentions[:, 1] = np.where(extra != mentions[:, 0], extra, -1)
    url_ids = np.where(rng.random(n) < 0.05, _draw(rng, world.url_cdf, n), -1)
    replies = _batch(
        a,
        t,
        world.body(rng, n, 9.0),
        "reply",
        tags=world.random_tags(rng, n, probs=(0.93, 0.07)),
        mentions=mentions,
        url=world.url_strings(rng, url_ids),
        reply_to=target,
    )
    replies = replies.filter((replies.time < world.end) & (a != originals.author[target]))

    top = np.sort(np.bincount(rt_root, minlength=1))[::-1]
    stats = {
        "originals_by_source": {s: int((originals.source == i).sum()) for i, s in enumerate(_SOURCES[:5])},
        "retweets": len(rt_root),
        "replies": len(replies),
        "cascades": {
            "max_size": int(top[0]) if len(top) else 0,
            "top5": [int(x) for x in top[:5]],
            "n_ge_100": int((top >= 100).sum()),
            "n_ge_1000": int((top >= 1000).sum()),
            "posts_with_0_retweets": int((rt_count == 0).sum()),
        },
        "news_bots": int(world.is_bot.sum()),
        "headlines": len(world.head_time),
        "trend_events": n_ev,
    }
    return _Organic(originals, replies, rt_root, rt_author, rt_time, stats)


def _zipf_pmf(n: int, s: float) -> np.ndarray:
    p = (np.arange(n, dtype=np.float64) + 1.0) ** (-s)
    return p / p.sum()


# --------------------------------------------------------------------------- planted


@dataclass
class _Group:
    group_id: str
    kind: str
    size: int
    jitter_s: float
    participation: float
    target_popularity: str
    n_actions: int
    members: np.ndarray
    n_posts: int = 0


@dataclass
class _Planted:
    batches: list[_Batch]
    rt_root: np.ndarray
    rt_author: np.ndarray
    rt_time: np.ndarray
    rt_group: np.ndarray
    rt_action: np.ndarray
    groups: list[_Group]


def _ranked_pool(
    score: np.ndarray, eligible: np.ndarray, pop: str, n_viral: int, n_popular: int
) -> np.ndarray:
    """Indices of eligible items by popularity class (score descending)."""
    idx = np.nonzero(eligible)[0]
    if pop == "fresh":
        return idx[score[idx] == 0]
    idx = idx[np.argsort(-score[idx], kind="stable")]
    idx = idx[score[idx] > 0]
    return idx[:n_viral] if pop == "viral" else idx[n_viral:n_popular]


def _pick(rng: np.random.Generator, pool: np.ndarray, k: int) -> np.ndarray:
    if len(pool) == 0:
        raise ValueError("empty target pool; increase n_posts")
    return rng.choice(pool, size=k, replace=len(pool) < k)


def _plant(
    world: _World,
    org: _Organic,
    ss: np.random.SeedSequence,
    n_groups: int,
    group_size: tuple[int, int],
    jitter_s: tuple[float, float],
    participation: tuple[float, float],
    kinds: Sequence[str],
    popularity: Sequence[str],
    n_actions: tuple[int, int],
) -> _Planted:
    rng = np.random.default_rng(ss)
    o = org.originals
    n_o = len(o)
    n_acc = world.n_acc

    # group plans: cycle (kind, popularity) so every kind and every popularity occurs
    kperm = [kinds[i] for i in rng.permutation(len(kinds))]
    pperm = [popularity[i] for i in rng.permutation(len(popularity))]
    plan = []
    for g in range(n_groups):
        ki, cycle = g % len(kperm), (g // len(kperm)) % len(pperm)
        plan.append((kperm[ki], pperm[(cycle + ki) % len(pperm)]))
    sizes = np.floor(_loguniform(rng, group_size[0], group_size[1] + 1, n_groups)).astype(np.int64)
    sizes = np.clip(sizes, group_size[0], group_size[1])
    jit = (
        _loguniform(rng, max(jitter_s[0], 0.01), jitter_s[1], n_groups)
        if jitter_s[1] > jitter_s[0]
        else np.full(n_groups, float(jitter_s[0]))
    )
    jit = np.round(jit, 1)
    part = np.round(rng.uniform(participation[0], participation[1], n_groups), 3)
    acts = np.floor(_loguniform(rng, n_actions[0], n_actions[1] + 1, n_groups)).astype(np.int64)
    acts = np.clip(acts, n_actions[0], n_actions[1])

    # recruit members from active non-bot organic accounts, disjoint across groups
    posts_per_acc = (
        np.bincount(o.author, minlength=n_acc)
        + np.bincount(org.replies.author, minlength=n_acc)
        + np.bincount(org.rt_author, minlength=n_acc)
    )
    eligible = np.nonzero((posts_per_acc > 0) & ~world.is_bot)[0]
    if sizes.sum() > len(eligible) // 2:
        raise ValueError("too many planted accounts for this n_posts; lower groups/group_size")
    recruits = rng.choice(eligible, int(sizes.sum()), replace=False)
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    is_member = np.zeros(n_acc, dtype=bool)
    is_member[recruits] = True

    # popularity statistics of organic objects
    rt_count = np.bincount(org.rt_root, minlength=n_o)
    reply_count = np.bincount(org.replies.reply_to, minlength=n_o)
    rt_order = np.argsort(org.rt_root, kind="stable")
    rt_start = np.searchsorted(org.rt_root[rt_order], np.arange(n_o + 1))
    rp_order = np.argsort(org.replies.reply_to, kind="stable")
    rp_start = np.searchsorted(org.replies.reply_to[rp_order], np.arange(n_o + 1))
    rt_keys = np.sort(org.rt_root * n_acc + org.rt_author)
    n_viral_posts = max(60, n_o // 1000)
    n_popular_posts = max(n_viral_posts + 100, n_o // 50)
    postable = (o.time < world.end - 4 * 3600) & (o.source != _SOURCES.index("bot"))
    n_vt = max(5, world.n_tag_org // 500)
    n_pt = max(n_vt + 20, world.n_tag_org // 20)
    n_vu = max(5, world.n_url_org // 2500)
    n_pu = max(n_vu + 20, world.n_url_org // 100)
    n_vm = max(10, n_acc // 5000)
    n_pm = max(n_vm + 50, n_acc // 200)
    n_head = len(world.head_time)
    n_vh = max(5, n_head // 50)
    n_ph = max(n_vh + 10, n_head // 5)
    fresh_tag_next = world.n_tag_org
    fresh_url_next = world.n_url_org
    fame_rank = np.empty(n_acc, dtype=np.int64)
    fame_rank[world.fame_order] = np.arange(n_acc)
    mentioned = np.zeros(n_acc, dtype=bool)
    mentioned[o.mentions[o.mentions >= 0]] = True
    mentioned[org.replies.mentions[org.replies.mentions >= 0]] = True

    groups: list[_Group] = []
    rows: dict[str, list[tuple[np.ndarray, ...]]] = {k: [] for k in KINDS}
    text_rows: list[np.ndarray] = []
    tag_sets: list[np.ndarray] = []

    for g, (kind, pop) in enumerate(plan):
        members = recruits[bounds[g] : bounds[g + 1]]
        size, j_s, p_g = int(sizes[g]), float(jit[g]), float(part[g])
        n_act = int(acts[g])
        in_group = np.zeros(n_acc, dtype=bool)
        in_group[members] = True
        max_t = world.end - int(np.ceil(j_s)) - 2
        operator = members[rng.integers(size)]

        # ---- objects and action times
        objs: np.ndarray
        if kind in ("co_share", "co_reply"):
            score = rt_count if kind == "co_share" else rt_count + reply_count
            elig = postable & ~in_group[o.author]
            pool = _ranked_pool(score, elig, pop, n_viral_posts, n_popular_posts)
            if kind == "co_reply" and pop == "fresh":
                pool = pool[reply_count[pool] == 0]
            n_act = min(n_act, len(pool))
            objs = rng.choice(pool, size=n_act, replace=False)
            t0 = o.time[objs]
            T = t0 + 30 + rng.lognormal(np.log(1200.0), 1.0, n_act).astype(np.int64)
            if pop != "fresh":  # join the organic burst: time of a random organic share/reply
                order, start = (rt_order, rt_start) if kind == "co_share" else (rp_order, rp_start)
                times = org.rt_time if kind == "co_share" else org.replies.time
                lo, hi = start[objs], start[objs + 1]
                has = hi > lo
                pick = lo + (rng.random(n_act) * np.maximum(hi - lo, 1)).astype(np.int64)
                T = np.where(has, times[order[np.minimum(pick, len(order) - 1)]], T)
            T = np.maximum(T, t0 + 1)
        elif kind in ("co_text", "near_text"):
            if pop == "fresh":
                base = world.word_rows(rng, n_act, 12, 20)
                T = world.diurnal(rng, np.full(n_act, operator))
            else:
                hp = np.arange(n_vh) if pop == "viral" else np.arange(n_vh, min(n_ph, n_head))
                h = _pick(rng, hp, n_act)
                base = world.head_words[h]
                T = world.head_time[h] + 60 + rng.lognormal(np.log(1800.0), 1.0, n_act).astype(np.int64)
            objs = np.arange(len(text_rows), len(text_rows) + n_act)
            text_rows.extend(base)
        else:
            m = max(1, int(rng.integers(1, max(2, n_act // 3) + 1)))
            if kind == "co_link":
                if pop == "fresh":
                    pool = np.arange(fresh_url_next, fresh_url_next + m)
                    fresh_url_next += m
                else:
                    pool = _pick(rng, np.arange(n_vu) if pop == "viral" else np.arange(n_vu, n_pu), m)
            elif kind == "co_hashtag":
                sets = np.full((m, _TAG_WIDTH), -1, np.int64)
                k_tags = rng.integers(1, 4, m)
                for i in range(m):
                    if pop == "fresh":
                        chosen = np.arange(fresh_tag_next, fresh_tag_next + k_tags[i])
                        fresh_tag_next += int(k_tags[i])
                    else:
                        chosen = rng.choice(np.arange(n_vt, n_pt), k_tags[i], replace=False)
                        if pop == "viral":
                            chosen[rng.integers(k_tags[i])] = rng.integers(0, n_vt)
                    sets[i, : len(chosen)] = chosen
                pool = np.arange(len(tag_sets), len(tag_sets) + m)
                tag_sets.extend(sets)
            else:  # co_mention
                if pop == "fresh":
                    cand = np.nonzero(
                        (posts_per_acc > 0)
                        & ~mentioned
                        & ~is_member
                        & ~world.is_bot
                        & (fame_rank > n_acc // 2)
                    )[0]
                else:
                    cand = world.fame_order[:n_vm] if pop == "viral" else world.fame_order[n_vm:n_pm]
                    cand = cand[~in_group[cand]]
                pool = _pick(rng, cand, m)
                mentioned[pool] = True
            objs = pool[rng.permutation(n_act) % len(pool)]
            T = world.diurnal(rng, np.full(n_act, operator))
        T = np.minimum(T, max_t)

        # ---- participants per action
        n_posts = 0
        for k in range(n_act):
            who = members[rng.random(size) < p_g]
            if len(who) < 2:
                who = rng.choice(members, 2, replace=False)
            if kind == "co_share" and len(rt_keys):
                known = np.searchsorted(rt_keys, objs[k] * n_acc + who)
                known = np.minimum(known, len(rt_keys) - 1)
                who = who[rt_keys[known] != objs[k] * n_acc + who]
                if len(who) == 0:
                    continue
            t = T[k] + np.floor(rng.uniform(0.0, j_s, len(who))).astype(np.int64)
            rows[kind].append(
                (who, t, np.full(len(who), objs[k]), np.full(len(who), g), np.full(len(who), k))
            )
            n_posts += len(who)
        groups.append(_Group(f"g{g:03d}", kind, size, j_s, p_g, pop, n_act, members, n_posts))

    if fresh_url_next > len(world.url_base) or fresh_tag_next > len(world.tags):
        raise ValueError("too many fresh co_link / co_hashtag objects; lower n_groups")

    # ---- build posts per kind (vectorised)
    def stack(kind: str) -> tuple[np.ndarray, ...]:
        if not rows[kind]:
            return tuple(np.zeros(0, np.int64) for _ in range(5))
        return tuple(np.concatenate(c) for c in zip(*rows[kind], strict=True))

    batches: list[_Batch] = []
    all_text = np.array(text_rows).reshape(-1, _TEXT_WIDTH)
    all_sets = np.array(tag_sets).reshape(-1, _TAG_WIDTH)
    for kind in KINDS:
        who, t, obj, grp, act = stack(kind)
        n = len(who)
        if n == 0 or kind == "co_share":
            continue
        if kind == "co_reply":
            mentions = np.full((n, _MENTION_WIDTH), -1, np.int64)
            mentions[:, 0] = o.author[obj]
            b = _batch(
                who,
                t,
                world.body(rng, n, 9.0),
                "planted",
                tags=world.random_tags(rng, n, probs=(0.93, 0.07)),
                mentions=mentions,
                reply_to=obj,
            )
        elif kind == "co_text":
            b = _batch(who, t, _matrix_join(all_text[obj], world.words, " "), "planted")
        elif kind == "near_text":
            edited = _edit_rows(world, rng, all_text[obj], 2, 1.0, 0.15, 0.15)
            b = _batch(who, t, _matrix_join(edited, world.words, " "), "planted")
        else:
            b = _plain(world, rng, who, t, "planted")
            if kind == "co_link":
                b.url = world.url_strings(rng, obj, p_suffix=0.6)
            elif kind == "co_hashtag":
                b.tags = all_sets[obj].copy()
            else:
                b.mentions[:, 0] = obj
                b.mentions[b.mentions[:, 1] == obj, 1] = -1
        b.group, b.action = grp, act
        batches.append(b)
    who, t, obj, grp, act = stack("co_share")
    return _Planted(batches, obj, who, t, grp, act, groups)


# --------------------------------------------------------------------------- assembly


POSTS_SCHEMA = pa.schema(
    [
        ("post_id", pa.string()),
        ("account_id", pa.string()),
        ("created_at", pa.timestamp("s", tz="UTC")),
        ("text", pa.string()),
        ("shared_post_id", pa.string()),
        ("reply_to_post_id", pa.string()),
        ("urls", pa.string()),
        ("hashtags", pa.string()),
        ("mentions", pa.string()),
    ]
)
TRUTH_SCHEMA = pa.schema(
    [
        ("account_id", pa.string()),
        ("group_id", pa.string()),
        ("kind", pa.string()),
        ("size", pa.int32()),
        ("jitter_s", pa.float64()),
        ("participation", pa.float64()),
        ("target_popularity", pa.string()),
    ]
)
PLANTED_POSTS_SCHEMA = pa.schema(
    [
        ("post_id", pa.string()),
        ("account_id", pa.string()),
        ("group_id", pa.string()),
        ("action", pa.int32()),
    ]
)


@dataclass
class Generated:
    """Everything :func:`generate_all` produces."""

    posts: pa.Table
    truth: pa.Table
    planted_posts: pa.Table
    meta: dict[str, Any]


def _assemble(
    world: _World,
    originals: _Batch,
    rt_root: np.ndarray,
    rt_author: np.ndarray,
    rt_time: np.ndarray,
    rt_group: np.ndarray,
    rt_action: np.ndarray,
    rng: np.random.Generator,
    group_ids: list[str],
) -> tuple[pa.Table, pa.Table]:
    o = originals
    mention_txt = _matrix_join(o.mentions, world.at_handles, " ", null_empty=True)
    tag_txt = _matrix_join(o.tags, world.hash_tags, " ", null_empty=True)
    text_o = _cat([mention_txt, o.body, tag_txt, o.url], " ")
    urls_o = pc.fill_null(o.url, "")
    tags_o = _matrix_join(o.tags, world.tags, " ")
    ments_o = _matrix_join(o.mentions, world.handles, " ")

    root = pa.array(rt_root)
    root_author = world.handles.take(pa.array(o.author[rt_root]))
    text_rt = _cat([pc.binary_join_element_wise("RT @", root_author, ":", ""), text_o.take(root)], " ")
    no_mention = ~(o.mentions[rt_root] >= 0).any(axis=1)
    ments_rt = _cat([root_author, _null_where(ments_o.take(root), no_mention)], " ")

    n_o, n = len(o), len(o) + len(rt_root)
    times = np.concatenate([o.time, rt_time])
    authors = np.concatenate([o.author, rt_author])
    shared = np.concatenate([np.full(n_o, -1, np.int64), rt_root])
    reply = np.concatenate([o.reply_to, np.full(len(rt_root), -1, np.int64)])
    group = np.concatenate([o.group, rt_group])
    action = np.concatenate([o.action, rt_action])
    order = np.lexsort((rng.random(n), times))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    post_ids = _ids("p_", np.arange(1, n + 1), max(7, len(str(n))))

    def ref_ids(ref: np.ndarray) -> pa.Array:
        r = ref[order]
        idx = np.where(r >= 0, rank[np.maximum(r, 0)], 0)
        return post_ids.take(pa.array(idx, mask=r < 0))

    porder = pa.array(order)
    posts = pa.table(
        [
            post_ids,
            world.handles.take(pa.array(authors[order])),
            pa.array(times[order], pa.timestamp("s", tz="UTC")),
            pa.concat_arrays([text_o, text_rt]).take(porder),
            ref_ids(shared),
            ref_ids(reply),
            pa.concat_arrays([urls_o, urls_o.take(root)]).take(porder),
            pa.concat_arrays([tags_o, tags_o.take(root)]).take(porder),
            pa.concat_arrays([ments_o, ments_rt]).take(porder),
        ],
        schema=POSTS_SCHEMA,
    )
    sel = np.nonzero(group[order] >= 0)[0]
    gid = pa.array([*group_ids, ""], pa.string())
    planted_posts = pa.table(
        [
            post_ids.take(pa.array(sel)),
            world.handles.take(pa.array(authors[order][sel])),
            gid.take(pa.array(group[order][sel])),
            pa.array(action[order][sel].astype(np.int32)),
        ],
        schema=PLANTED_POSTS_SCHEMA,
    )
    return posts, planted_posts


def _parse_start(start: str) -> int:
    return int(np.datetime64(start.rstrip("Z"), "s").astype(np.int64))


def _norm_kinds(kinds: Sequence[str]) -> tuple[str, ...]:
    out = tuple(k.replace("-", "_") for k in kinds)
    bad = sorted(set(out) - set(KINDS))
    if bad or not out:
        raise ValueError(f"unknown kinds {bad}; choose from {KINDS}")
    return out


def generate_all(
    n_posts: int,
    seed: int,
    n_groups: int,
    group_size: tuple[int, int] = (4, 60),
    jitter_s: tuple[float, float] = (1.0, 300.0),
    participation: tuple[float, float] = (0.5, 1.0),
    kinds: Sequence[str] = KINDS,
    target_popularity: Sequence[str] = POPULARITIES,
    control: bool = False,
    n_actions: tuple[int, int] = (5, 50),
    days: float = 30.0,
    start: str = "2024-03-01T00:00:00Z",
    posts_per_account: float = 12.0,
) -> Generated:
    """Generate posts, truth, planted posts and metadata (see module docstring)."""
    t_start = time.perf_counter()
    kinds = _norm_kinds(kinds)
    pops = tuple(target_popularity)
    if not pops or set(pops) - set(POPULARITIES):
        raise ValueError(f"target_popularity must be a subset of {POPULARITIES}")
    if n_posts < 2000:
        raise ValueError("n_posts must be at least 2000")
    if not (2 <= group_size[0] <= group_size[1]):
        raise ValueError("group_size must satisfy 2 <= lo <= hi")
    if not (0.0 <= jitter_s[0] <= jitter_s[1]):
        raise ValueError("jitter_s must satisfy 0 <= lo <= hi")
    if not (0.0 < participation[0] <= participation[1] <= 1.0):
        raise ValueError("participation must satisfy 0 < lo <= hi <= 1")
    if not (1 <= n_actions[0] <= n_actions[1]):
        raise ValueError("n_actions must satisfy 1 <= lo <= hi")

    ss_world, ss_org, ss_plant, ss_order = np.random.SeedSequence(seed).spawn(4)
    world = _build_world(ss_world, n_posts, days, _parse_start(start), posts_per_account)
    org = _organic(world, ss_org, n_posts)

    n_groups_eff = 0 if control else n_groups
    if n_groups_eff > 0:
        planted = _plant(
            world, org, ss_plant, n_groups_eff, group_size, jitter_s, participation, kinds, pops, n_actions
        )
    else:
        z = np.zeros(0, np.int64)
        planted = _Planted([], z, z, z, z, z, [])
    originals = _Batch.concat([org.originals, org.replies, *planted.batches])
    group_ids = [g.group_id for g in planted.groups]
    posts, planted_posts = _assemble(
        world,
        originals,
        np.concatenate([org.rt_root, planted.rt_root]),
        np.concatenate([org.rt_author, planted.rt_author]),
        np.concatenate([org.rt_time, planted.rt_time]),
        np.concatenate([np.full(len(org.rt_root), -1, np.int64), planted.rt_group]),
        np.concatenate([np.full(len(org.rt_root), -1, np.int64), planted.rt_action]),
        np.random.default_rng(ss_order),
        group_ids,
    )

    members = [g.members for g in planted.groups]
    flat = np.concatenate(members) if members else np.zeros(0, np.int64)
    rep = [len(m) for m in members]
    truth = pa.table(
        [
            world.handles.take(pa.array(flat)),
            pa.array(np.repeat(group_ids, rep).tolist(), pa.string()),
            pa.array(np.repeat([g.kind for g in planted.groups], rep).tolist(), pa.string()),
            pa.array(np.repeat([g.size for g in planted.groups], rep).astype(np.int32)),
            pa.array(np.repeat([g.jitter_s for g in planted.groups], rep).astype(np.float64)),
            pa.array(np.repeat([g.participation for g in planted.groups], rep).astype(np.float64)),
            pa.array(np.repeat([g.target_popularity for g in planted.groups], rep).tolist(), pa.string()),
        ],
        schema=TRUTH_SCHEMA,
    )
    truth = truth.sort_by([("group_id", "ascending"), ("account_id", "ascending")])

    by_kind: dict[str, int] = {}
    for g in planted.groups:
        by_kind[g.kind] = by_kind.get(g.kind, 0) + 1
    meta: dict[str, Any] = {
        "generator": "bench/planted.py",
        "version": VERSION,
        "params": {
            "n_posts": n_posts,
            "seed": seed,
            "n_groups": n_groups,
            "group_size": list(group_size),
            "jitter_s": list(jitter_s),
            "participation": list(participation),
            "kinds": list(kinds),
            "target_popularity": list(pops),
            "control": control,
            "n_actions": list(n_actions),
            "days": days,
            "start": start,
            "posts_per_account": posts_per_account,
        },
        "counts": {
            "posts": posts.num_rows,
            "organic_posts": posts.num_rows - planted_posts.num_rows,
            "planted_posts": planted_posts.num_rows,
            "accounts": len(pc.unique(posts["account_id"])),
            "account_space": world.n_acc,
            "planted_accounts": truth.num_rows,
            "groups": len(planted.groups),
            "groups_by_kind": by_kind,
            "retweets": int(pc.sum(pc.is_valid(posts["shared_post_id"])).as_py()),
            "replies": int(pc.sum(pc.is_valid(posts["reply_to_post_id"])).as_py()),
        },
        "organic": org.stats,
        "groups": [
            {
                "group_id": g.group_id,
                "kind": g.kind,
                "size": g.size,
                "jitter_s": g.jitter_s,
                "participation": g.participation,
                "target_popularity": g.target_popularity,
                "n_actions": g.n_actions,
                "n_posts": g.n_posts,
            }
            for g in planted.groups
        ],
        "seconds": round(time.perf_counter() - t_start, 3),
    }
    return Generated(posts, truth, planted_posts, meta)


def generate(
    n_posts: int,
    seed: int,
    n_groups: int,
    group_size: tuple[int, int] = (4, 60),
    jitter_s: tuple[float, float] = (1.0, 300.0),
    participation: tuple[float, float] = (0.5, 1.0),
    kinds: Sequence[str] = KINDS,
    target_popularity: Sequence[str] = POPULARITIES,
    control: bool = False,
    n_actions: tuple[int, int] = (5, 50),
    days: float = 30.0,
    start: str = "2024-03-01T00:00:00Z",
    posts_per_account: float = 12.0,
) -> tuple[pa.Table, pa.Table, dict[str, Any]]:
    """Return ``(posts, truth, meta)``; see the module docstring for the model."""
    g = generate_all(
        n_posts,
        seed,
        n_groups,
        group_size,
        jitter_s,
        participation,
        kinds,
        target_popularity,
        control,
        n_actions,
        days,
        start,
        posts_per_account,
    )
    return g.posts, g.truth, g.meta


# --------------------------------------------------------------------------- output


def _csv_ready(posts: pa.Table) -> pa.Table:
    ts = pc.strftime(posts["created_at"], format="%Y-%m-%dT%H:%M:%SZ")
    return posts.set_column(posts.schema.get_field_index("created_at"), "created_at", ts)


def write(out: str | Path, gen: Generated, csv: bool = False) -> None:
    """Write posts/truth/planted_posts as Parquet (and CSV if asked) plus meta.json."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(gen.posts, out / "posts.parquet")
    pq.write_table(gen.truth, out / "truth.parquet")
    pq.write_table(gen.planted_posts, out / "planted_posts.parquet")
    if csv:
        pacsv.write_csv(_csv_ready(gen.posts), out / "posts.csv")
        pacsv.write_csv(gen.truth, out / "truth.csv")
    (out / "meta.json").write_text(json.dumps(gen.meta, indent=2) + "\n")


def _pair(kind: type) -> Any:
    def parse(s: str) -> tuple[Any, Any]:
        lo, _, hi = s.partition(",")
        return kind(lo), kind(hi or lo)

    return parse


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--posts", type=int, default=100_000, help="organic posts (default 100000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--groups", type=int, default=40, help="number of planted groups")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--control", action="store_true", help="organic only, no planted groups")
    ap.add_argument("--csv", action="store_true", help="also write posts.csv and truth.csv")
    ap.add_argument("--group-size", type=_pair(int), default=(4, 60), metavar="LO,HI")
    ap.add_argument(
        "--jitter",
        type=_pair(float),
        default=(1.0, 300.0),
        metavar="LO,HI",
        help="per-group timing jitter in seconds (log-uniform)",
    )
    ap.add_argument("--participation", type=_pair(float), default=(0.5, 1.0), metavar="LO,HI")
    ap.add_argument(
        "--actions",
        type=_pair(int),
        default=(5, 50),
        metavar="LO,HI",
        help="coordinated actions per group (log-uniform)",
    )
    ap.add_argument("--kinds", default=",".join(KINDS), help="comma-separated group kinds")
    ap.add_argument(
        "--popularity", default=",".join(POPULARITIES), help="comma-separated target popularities"
    )
    ap.add_argument("--days", type=float, default=30.0)
    ap.add_argument("--start", default="2024-03-01T00:00:00Z")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    gen = generate_all(
        args.posts,
        args.seed,
        args.groups,
        group_size=args.group_size,
        jitter_s=args.jitter,
        participation=args.participation,
        kinds=args.kinds.split(","),
        target_popularity=args.popularity.split(","),
        control=args.control,
        n_actions=args.actions,
        days=args.days,
        start=args.start,
    )
    write(args.out, gen, csv=args.csv)
    c = gen.meta["counts"]
    summary: dict[str, Any] = {
        "posts": c["posts"],
        "accounts": c["accounts"],
        "planted_accounts": c["planted_accounts"],
        "planted_posts": c["planted_posts"],
        "groups": c["groups"],
        "groups_by_kind": c["groups_by_kind"],
        "generate_seconds": gen.meta["seconds"],
        "seconds": round(time.perf_counter() - t0, 3),
        "out": str(args.out),
    }
    try:
        import resource

        summary["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    except ImportError:  # pragma: no cover - non-Unix
        pass
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
