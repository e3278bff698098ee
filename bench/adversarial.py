"""Blind adversarial posts for the coordination detector: seven scenarios, each with a known planted group.

Written without reading the detector, so the traps are the ones a hostile or unlucky data set sets, not the
ones the detector already handles. Each scenario writes FOLDER/posts.csv (the ``posts-csv`` format) and
FOLDER/truth.json (the planted accounts and groups); bench/adversarial.md describes the scenarios.

    python bench/adversarial.py SCENARIO --out FOLDER [--seed N] [--scale X]

``--scale`` multiplies the organic crowd (posts and accounts); the planted group is the same at every scale,
so recall stays comparable. In ``operation-only``, which has no crowd, it multiplies the archive instead.
The same seed and scale give the same files.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from pathlib import Path

import numpy as np

HEADER = (
    "post_id",
    "account_id",
    "created_at",
    "text",
    "shared_post_id",
    "reply_to_post_id",
    "urls",
    "hashtags",
)
START = np.datetime64("2024-03-04T00:00:00", "s")  # a Monday, so days 5 and 6 are the weekend
DAY = 86_400
WEEK = 7 * DAY
SLOT = 600  # bursts start in distinct 10-minute slots, so two bursts of one group never overlap
SNOWFLAKE_EPOCH_MS = 1_288_834_974_657
PARTICIPATION = 0.8  # each member takes part in about this share of the group's bursts
MIN_MEMBERS = 3

# Where the crowd lives: UTC offsets in hours and their shares.
TZ_HOURS = np.array([0.0, -5.0, -8.0, 1.0, 3.0, 5.5, 9.0])
TZ_SHARE = np.array([0.30, 0.25, 0.10, 0.15, 0.08, 0.07, 0.05])


def _local_minute_weights() -> np.ndarray:
    """Activity per minute of the week in local time: asleep after midnight, busiest mid-afternoon."""
    minute = np.arange(WEEK // 60)
    hour = (minute % 1440) / 60
    awake = np.clip(np.sin(np.pi * (hour - 7) / 17), 0, None) ** 1.3
    weekend = np.where(minute // 1440 >= 5, 0.85, 1.0)
    return (0.06 + awake) * weekend


MINUTE_W = _local_minute_weights()


# --- small vectorised helpers -------------------------------------------------------------------------


def cat(*parts: np.ndarray | str) -> np.ndarray:
    """Concatenate string arrays (and str constants) element-wise."""
    return reduce(np.char.add, parts)


def pick(rng: np.random.Generator, options: list[str], n: int, p: list[float] | None = None) -> np.ndarray:
    weights = None if p is None else np.asarray(p) / np.sum(p)
    return np.asarray(options)[rng.choice(len(options), n, p=weights)]


def utc_minute_weights(tz_hours: float, local: np.ndarray = MINUTE_W) -> np.ndarray:
    """Per-minute weights in UTC for someone living at UTC+tz_hours."""
    return np.roll(local, -round(tz_hours * 60))


def times_from_minutes(rng: np.random.Generator, n: int, minute_w: np.ndarray) -> np.ndarray:
    minute = rng.choice(len(minute_w), n, p=minute_w / minute_w.sum())
    return minute * 60 + rng.uniform(0, 60, n)


def diurnal_times(rng: np.random.Generator, tz_hours: np.ndarray) -> np.ndarray:
    """One time per row, drawn in local time with the daily cycle, then moved to UTC by the row's offset."""
    local = times_from_minutes(rng, len(tz_hours), MINUTE_W)
    return (local - tz_hours * 3600) % WEEK


def thin_to_daytime(rng: np.random.Generator, times: np.ndarray) -> np.ndarray:
    """Keep each time with the probability of the (UTC) daily cycle: a cascade slows down at night."""
    weight = MINUTE_W[(times // 60).astype(np.int64) % len(MINUTE_W)]
    return times[rng.random(len(times)) < weight / MINUTE_W.max()]


def clip_to_week(rng: np.random.Generator, origin: np.ndarray, later: np.ndarray) -> np.ndarray:
    """Pull times past the end of the week back between their origin and the end, without a pile-up."""
    over = later >= WEEK - 1
    later = later.copy()
    later[over] = origin[over] + (WEEK - 1 - origin[over]) * rng.random(int(over.sum()))
    return later


def account_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """Numeric ids that grow with sign-up date: log-uniform, so old 8-digit and new 19-digit ids mix."""
    raw = np.exp(rng.uniform(np.log(1e7), np.log(1.7e18), 2 * n + 16)).astype(np.int64)
    ids = rng.permutation(np.unique(raw))[:n]
    if len(ids) < n:
        raise RuntimeError("account id draw collided; try another seed")
    return ids.astype(str)


def snowflakes(seconds: np.ndarray, sequence: np.ndarray) -> np.ndarray:
    """Twitter-style ids: milliseconds in the high bits, a sequence number in the low 22, so ids rise with
    time (and with ``sequence`` inside one millisecond)."""
    ms = ((START.astype(np.int64) + seconds) * 1000).astype(np.int64)
    return ((ms - SNOWFLAKE_EPOCH_MS) << 22) | (sequence % (1 << 22))


def crowd_accounts(
    rng: np.random.Generator, n_accounts: int, n_posts: int, typical: np.ndarray | None = None
) -> np.ndarray:
    """Who writes each crowd post: every account at least once, the rest heavy-tailed (lognormal activity).

    ``typical`` accounts (the planted members' everyday posting) get the median activity, so their volume
    neither hides nor flags them.
    """
    if n_posts < n_accounts:
        raise ValueError(f"{n_posts} posts cannot cover {n_accounts} accounts")
    weight = rng.lognormal(0.0, 1.2, n_accounts)
    if typical is not None:
        weight[typical] = 1.0
    extra = rng.choice(n_accounts, n_posts - n_accounts, p=weight / weight.sum())
    return np.concatenate([np.arange(n_accounts), extra])


def account_timezones(rng: np.random.Generator, n: int) -> np.ndarray:
    return TZ_HOURS[rng.choice(len(TZ_HOURS), n, p=TZ_SHARE)]


# --- planted bursts -----------------------------------------------------------------------------------


def burst_starts(rng: np.random.Generator, n: int, minute_w: np.ndarray, lag_hi: float) -> np.ndarray:
    """Start times in distinct 10-minute slots, weighted by the group's own daily cycle."""
    slot_w = minute_w.reshape(-1, SLOT // 60).sum(1)
    slots = rng.choice(len(slot_w), n, replace=False, p=slot_w / slot_w.sum())
    return np.sort(slots * SLOT + rng.uniform(0, SLOT - lag_hi, n))


@dataclass
class Burst:
    """One row per planted post: which burst, which member (column in ``members``), who, when; and when
    each burst starts."""

    burst: np.ndarray
    member: np.ndarray
    account: np.ndarray
    time: np.ndarray
    start: np.ndarray


def burst_rows(
    rng: np.random.Generator, members: np.ndarray, starts: np.ndarray, lag: tuple[float, float]
) -> Burst:
    """Each member joins a burst with PARTICIPATION (at least MIN_MEMBERS join) and posts lag[0]..lag[1] s
    after its start, skewed early: every pair of posts in a burst lies within lag[1] - lag[0] s."""
    n, m = len(starts), len(members)
    take = rng.random((n, m)) < PARTICIPATION
    short = take.sum(1, keepdims=True) < MIN_MEMBERS
    take |= short & (rng.random((n, m)).argsort(1).argsort(1) < MIN_MEMBERS)
    offset = lag[0] + (lag[1] - lag[0]) * rng.beta(1.3, 2.5, (n, m))
    b, j = np.nonzero(take)
    return Burst(b, j, members[j], starts[b] + offset[b, j], starts)


# --- text ---------------------------------------------------------------------------------------------

# One word per slot, no word in two slots, so one swapped or reordered word always changes the text.
SLOTS = (
    ("the", "our", "this", "their", "your", "that"),
    ("mayor", "council", "governor", "minister", "senator", "board"),
    ("quietly", "secretly", "just", "again", "suddenly", "finally"),
    ("approved", "pushed", "passed", "backed", "signed", "rushed"),
    ("new", "huge", "hidden", "massive", "unfair", "extra"),
    ("fees", "taxes", "cuts", "deals", "contracts", "charges"),
    ("on", "for", "against", "over", "behind", "around"),
    ("water", "schools", "housing", "pensions", "roads", "hospitals"),
    ("while", "as", "and", "yet", "but", "so"),
    ("families", "workers", "seniors", "students", "voters", "parents"),
    ("pay", "suffer", "wait", "lose", "struggle", "worry"),
    ("share", "spread", "repost", "read", "remember", "watch"),
    ("it", "all", "them", "these", "those", "everything"),
    ("today", "now", "tonight", "everywhere", "widely", "fast"),
)
SLOT_WORDS = np.asarray([w for slot in SLOTS for w in slot])
SLOT_SIZE = np.asarray([len(slot) for slot in SLOTS])
SLOT_FIRST = np.concatenate([[0], np.cumsum(SLOT_SIZE)[:-1]])


def slot_messages(rng: np.random.Generator, n: int) -> np.ndarray:
    """n campaign messages as (n, slots) word choices."""
    return (rng.random((n, len(SLOTS))) * SLOT_SIZE).astype(np.int64)


def join_words(choice: np.ndarray, column_order: np.ndarray | None = None) -> np.ndarray:
    words = SLOT_WORDS[SLOT_FIRST + choice]
    if column_order is not None:
        words = np.take_along_axis(words, column_order, axis=1)
    return reduce(lambda a, b: cat(a, " ", b), words.T)


def near_copies(rng: np.random.Generator, messages: np.ndarray, rows: Burst) -> np.ndarray:
    """Each member's copy of its burst's message with one edit: a word swapped for another of its slot, or
    two neighbours reordered. Members of one burst edit different positions, so no two copies are equal."""
    n_slots = messages.shape[1]
    position = rng.random((len(messages), n_slots - 1)).argsort(1)[rows.burst, rows.member]
    choice = messages[rows.burst].copy()
    order = np.tile(np.arange(n_slots), (len(choice), 1))
    reorder = rng.random(len(choice)) < 0.5
    r = np.nonzero(~reorder)[0]
    k = position[r]
    choice[r, k] = (choice[r, k] + rng.integers(1, SLOT_SIZE[k])) % SLOT_SIZE[k]
    r = np.nonzero(reorder)[0]
    k = position[r]
    order[r, k], order[r, k + 1] = k + 1, k
    return join_words(choice, order)


OPENERS = ["wow", "honestly", "ok so", "huh", "well", "yikes", "finally", "so", "lol", "hmm", "ugh"]
OPENERS += ["look", "wait", "oh no", "ha", "seriously", "right"]
SUBJECTS = ["this", "the report", "the new numbers", "this piece", "the interview", "the thread"]
SUBJECTS += ["that ruling", "the footage", "the poll", "this story", "the data", "the statement", "the vote"]
PREDICATES = ["is wild", "says it all", "is worth a read", "explains a lot", "is not good", "is big"]
PREDICATES += ["makes sense", "is a mess", "changes things", "is so true"]


def comments(rng: np.random.Generator, n: int) -> np.ndarray:
    return cat(pick(rng, OPENERS, n), " ", pick(rng, SUBJECTS, n), " ", pick(rng, PREDICATES, n))


HEAD_SUBJECTS = ["City council", "Governor", "Central bank", "Police", "School board", "Court"]
HEAD_SUBJECTS += ["Health officials", "Transit agency", "Senate", "Tech firm", "Union", "Energy regulator"]
HEAD_VERBS = ["approves", "rejects", "delays", "announces", "investigates", "defends", "cuts", "expands"]
HEAD_VERBS += ["reviews", "weighs"]
HEAD_OBJECTS = ["new budget", "rate change", "housing plan", "water rules", "school funding"]
HEAD_OBJECTS += ["bridge repairs", "pension reform", "data policy", "fare increase", "hospital merger"]
HEAD_OBJECTS += ["tax proposal", "climate target"]
HEAD_TAILS = ["", " amid protests", " after vote", " ahead of deadline", " in surprise move"]
HEAD_TAILS += [" as costs rise", " despite criticism", " following review"]


def headlines(rng: np.random.Generator, n: int) -> np.ndarray:
    subject, verb, thing = (pick(rng, words, n) for words in (HEAD_SUBJECTS, HEAD_VERBS, HEAD_OBJECTS))
    return cat(subject, " ", verb, " ", thing, pick(rng, HEAD_TAILS, n))


NEWS_SITES = ["dailyledger", "metroherald", "civicwire", "northstartimes", "theobserverpost", "citybeat"]
NEWS_SITES += ["capitalreview", "harborgazette", "valleychronicle", "eveningstandard-news", "pressline"]
NEWS_SITES += ["worldbrief", "plainsjournal", "coastaltribune", "newsroom24", "thefactsheet"]
SECTIONS = ["politics", "world", "local", "business", "health", "opinion", "tech", "sport"]
HASHTAGS = ["news", "politics", "breaking", "local", "budget", "vote", "housing", "energy"]


def url_pool(rng: np.random.Generator, n: int) -> np.ndarray:
    """n distinct article links on ordinary news sites."""
    slug = np.char.replace(np.char.lower(headlines(rng, n)), " ", "-")
    number = rng.permutation(np.arange(100_000, 100_000 + 50 * n, 50))[:n].astype(str)
    return cat(
        "https://www.", pick(rng, NEWS_SITES, n), ".example/", pick(rng, SECTIONS, n), "/", slug, "-", number
    )


def zipf_weights(n: int, exponent: float) -> np.ndarray:
    weight = 1.0 / np.arange(1, n + 1) ** exponent
    return weight / weight.sum()


def maybe_append(rng: np.random.Generator, text: np.ndarray, url: np.ndarray, share: float) -> np.ndarray:
    """Some clients paste the link into the text too."""
    return np.where(rng.random(len(text)) < share, cat(text, " ", url), text)


def some_hashtags(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    return np.where(rng.random(n) < share, pick(rng, HASHTAGS, n), "")


# --- the table ----------------------------------------------------------------------------------------


@dataclass
class Block:
    """Posts of one kind. ``shared``/``reply`` are row numbers in the finished table (-1: none);
    ``shared_outside`` names a post that is not in the file."""

    account: np.ndarray
    time: np.ndarray
    text: np.ndarray
    urls: np.ndarray | None = None
    hashtags: np.ndarray | None = None
    shared: np.ndarray | None = None
    reply: np.ndarray | None = None
    shared_outside: np.ndarray | None = None


class Table:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.size = 0

    def add(self, block: Block) -> int:
        """Append a block; returns the row number of its first post."""
        offset = self.size
        self.blocks.append(block)
        self.size += len(block.account)
        return offset

    def column(self, name: str, fill: str | int) -> np.ndarray:
        """One column over all blocks; blocks without it get ``fill``."""
        parts = [getattr(b, name) for b in self.blocks]
        sizes = [len(b.account) for b in self.blocks]
        return np.concatenate(
            [np.full(n, fill) if p is None else np.asarray(p) for n, p in zip(sizes, parts, strict=True)]
        )

    def numbers(self, name: str) -> np.ndarray:
        return np.concatenate([getattr(b, name) for b in self.blocks])


@dataclass
class Scenario:
    table: Table
    n_accounts: int
    groups: list[np.ndarray]  # account numbers of each planted group
    notes: str


def finish(rng: np.random.Generator, scenario: Scenario) -> tuple[list[list[str]], dict]:
    """The CSV columns in time order, and truth.json."""
    table = scenario.table
    ids = account_ids(rng, scenario.n_accounts)
    seconds = table.numbers("time")
    if seconds.min() < 0 or seconds.max() >= WEEK:
        raise AssertionError("a post fell outside the week")
    order = np.argsort(seconds, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    post_id = snowflakes(seconds, rank).astype(str)
    columns = {"post_id": post_id, "account_id": ids[table.numbers("account")]}
    columns["created_at"] = np.datetime_as_string(
        START + np.floor(seconds).astype("timedelta64[s]"), unit="s", timezone="UTC"
    )
    columns["text"] = table.column("text", "")
    for column, name in (("shared_post_id", "shared"), ("reply_to_post_id", "reply")):
        ref = table.column(name, -1).astype(np.int64)
        if np.any(seconds[ref[ref >= 0]] > seconds[ref >= 0]):
            raise AssertionError(f"a {name} post precedes its original")
        outside = table.column("shared_outside", "") if name == "shared" else ""
        columns[column] = np.where(ref >= 0, post_id[np.maximum(ref, 0)], outside)
    columns["urls"] = table.column("urls", "")
    columns["hashtags"] = table.column("hashtags", "")
    out = [columns[name][order].tolist() for name in HEADER]
    groups = [sorted(ids[g].tolist()) for g in scenario.groups]
    truth = {
        "planted_accounts": sorted({a for g in groups for a in g}),
        "planted_groups": groups,
        "notes": scenario.notes,
    }
    return out, truth


# --- scenarios ----------------------------------------------------------------------------------------


def planted(n_before: int, size: int) -> np.ndarray:
    return np.arange(n_before, n_before + size)


def group_clock(rng: np.random.Generator, tz: np.ndarray, members: np.ndarray) -> np.ndarray:
    """An operation works from one place: its members' posts and bursts follow one time zone's day."""
    tz[members] = account_timezones(rng, 1)[0]
    return utc_minute_weights(float(tz[members[0]]))


def group_bursts(
    rng: np.random.Generator, tz: np.ndarray, members: np.ndarray, n_bursts: int, window: float
) -> Burst:
    """The group's bursts at times of its own day, all posts of a burst within ``window`` s."""
    return burst_rows(
        rng, members, burst_starts(rng, n_bursts, group_clock(rng, tz, members), window), (0, window)
    )


def crowd_block(
    rng: np.random.Generator, n_accounts: int, n_posts: int, members: np.ndarray, tz: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Crowd authors and diurnal times; planted members post in it too, at the median rate."""
    account = crowd_accounts(rng, n_accounts, n_posts, typical=members)
    return account, diurnal_times(rng, tz[account])


def short_templated(rng: np.random.Generator, scale: float) -> Scenario:
    n_org, size, n_bursts, window = round(5000 * scale), 12, 30, 20.0
    members = planted(n_org, size)
    tz = account_timezones(rng, n_org + size)
    table = Table()
    rows = group_bursts(rng, tz, members, n_bursts, window)
    text = cat(near_copies(rng, slot_messages(rng, n_bursts), rows), " #news")
    table.add(Block(rows.account, rows.time, text, hashtags=np.full(len(text), "news")))
    n = round(65_000 * scale) - table.size
    account, when = crowd_block(rng, n_org + size, n, members, tz)
    prefix = pick(rng, ["breaking update ", "live update ", "news update "], n, [0.7, 0.2, 0.1])
    tag = pick(rng, ["news", "breaking"], n, [0.85, 0.15])
    text = cat(prefix, rng.integers(10_000, 100_000, n).astype(str), " #", tag)
    table.add(Block(account, when, text, hashtags=tag))
    notes = (
        f"{n_org} crowd accounts post one-token-apart texts ('breaking update 48213 #news'); "
        f"a group of {size} posts near-identical 14-word messages (one word swapped, or two reordered, "
        f"per copy) within {window:.0f} s, {n_bursts} times; each member joins ~80% of bursts."
    )
    return Scenario(table, n_org + size, [members], notes)


def identical_texts(rng: np.random.Generator, scale: float) -> Scenario:
    n_org, size, n_bursts, window = round(2500 * scale), 10, 25, 10.0
    members = planted(n_org, size)
    tz = account_timezones(rng, n_org + size)
    table = Table()
    rows = group_bursts(rng, tz, members, n_bursts, window)
    message = "Stop the harbor bridge toll hike! Sign the petition before Friday."
    table.add(Block(rows.account, rows.time, np.full(len(rows.time), message)))
    n = round(20_000 * scale) - table.size
    account, when = crowd_block(rng, n_org + size, n, members, tz)
    table.add(Block(account, when, np.full(n, "Good morning!")))
    notes = (
        f"every crowd post (and the members' other posts) is 'Good morning!' at diurnal times; "
        f"a group of {size} posts one other identical text within {window:.0f} s, {n_bursts} times."
    )
    return Scenario(table, n_org + size, [members], notes)


ONE_WORDS = ["yes", "no", "lol", "same", "wow", "this", "true", "facts", "mood", "agreed", "nope"]
ONE_WORDS += ["why", "ok"]
ONE_WORDS += ["what", "omg", "exactly", "sure", "thanks", "congrats", "amazing", "sad", "finally", "never"]
ONE_WORDS += ["always", "maybe", "hmm", "yikes", "bruh", "love", "nice", "great", "ugh", "seriously"]
ONE_WORDS += ["indeed", "bravo", "correct", "wrong", "shame", "respect", "classic", "big", "legend", "oof"]
ONE_WORDS += ["tragic", "iconic", "noted", "unreal", "priceless", "outrageous", "disgraceful"]


def one_word(rng: np.random.Generator, scale: float) -> Scenario:
    n_org, size, n_bursts, window = round(2000 * scale), 8, 20, 15.0
    members = planted(n_org, size)
    tz = account_timezones(rng, n_org + size)
    table = Table()
    rows = group_bursts(rng, tz, members, n_bursts, window)
    rare = np.asarray(ONE_WORDS[-5:])[rng.integers(0, 5, n_bursts)]
    table.add(Block(rows.account, rows.time, rare[rows.burst]))
    n = round(20_000 * scale) - table.size
    account, when = crowd_block(rng, n_org + size, n, members, tz)
    word = np.asarray(ONE_WORDS)[rng.choice(len(ONE_WORDS), n, p=zipf_weights(len(ONE_WORDS), 1.07))]
    table.add(Block(account, when, word))
    notes = (
        f"one-word posts from {len(ONE_WORDS)} words with Zipf frequencies; a group of {size} posts the same "
        f"word (one of the 5 rarest, drawn per burst) within {window:.0f} s, {n_bursts} times."
    )
    return Scenario(table, n_org + size, [members], notes)


def order_texts(rng: np.random.Generator, order: np.ndarray, place: np.ndarray) -> np.ndarray:
    verb = pick(rng, ["shipped", "delivered", "dispatched"], len(order), [0.7, 0.2, 0.1])
    return cat("Order #", order.astype(str), " ", verb, " to ", place.astype(str))


def numbered_template(rng: np.random.Generator, scale: float) -> Scenario:
    n_org, size, n_bursts, window = round(3000 * scale), 10, 20, 30.0
    members = planted(n_org, size)
    tz = account_timezones(rng, n_org + size)
    table = Table()
    rows = group_bursts(rng, tz, members, n_bursts, window)
    order, place = rng.integers(10_000, 100_000, (2, n_bursts))
    table.add(Block(rows.account, rows.time, order_texts(rng, order[rows.burst], place[rows.burst])))
    n = round(30_000 * scale) - table.size
    account, when = crowd_block(rng, n_org + size, n, members, tz)
    order, place = rng.integers(10_000, 100_000, (2, n))
    table.add(Block(account, when, order_texts(rng, order, place)))
    notes = (
        f"'Order #12345 shipped to 67890' texts with random 5-digit numbers (the verb varies); a group of "
        f"{size} posts the same two numbers within {window:.0f} s, {n_bursts} times (verb drawn per post)."
    )
    return Scenario(table, n_org + size, [members], notes)


def operation_only(rng: np.random.Generator, scale: float) -> Scenario:
    size = 8
    n_targets, n_loose = max(5, round(40 * scale)), max(3, round(20 * scale))
    n_own = round(0.35 * n_targets)  # amplified posts written by a member; the rest come from outside
    members = np.arange(size)
    # An office: weekdays 09-18 at UTC+3, with a trickle at other hours.
    minute = np.arange(WEEK // 60)
    hour = (minute % 1440) / 60
    office = np.where((minute // 1440 < 5) & (hour >= 9) & (hour < 18), 1.0, 0.01)
    clock = utc_minute_weights(3.0, office)
    handles = cat("user", rng.integers(100_000, 999_999, size).astype(str))
    outside_handles = np.asarray(["harborvoice_21", "truthdesk_live", "the_real_mariner", "cityinsider_09"])
    table = Table()
    starts = burst_starts(rng, n_targets, clock, 40.0)
    message = join_words(slot_messages(rng, n_targets))
    author = rng.integers(0, size, n_targets)
    own = np.zeros(n_targets, dtype=bool)
    own[rng.choice(n_targets, n_own, replace=False)] = True
    first = table.add(Block(author[own], starts[own], message[own]))
    row_of = np.full(n_targets, -1)
    row_of[own] = first + np.arange(n_own)
    rows = burst_rows(rng, members, starts, (5.0, 40.0))
    keep = ~own[rows.burst] | (rows.account != author[rows.burst])  # nobody shares their own post
    burst = rows.burst[keep]
    outside_time = starts - rng.lognormal(np.log(1800), 1.0, n_targets)
    outside_id = snowflakes(np.maximum(outside_time, -DAY), rng.integers(0, 4096, n_targets)).astype(str)
    source = np.where(own, handles[author], outside_handles[rng.integers(0, 4, n_targets)])
    table.add(
        Block(
            rows.account[keep],
            rows.time[keep],
            cat("RT @", source[burst], ": ", message[burst]),
            shared=row_of[burst],
            shared_outside=np.where(own[burst], "", outside_id[burst]),
        )
    )
    loose = times_from_minutes(rng, n_loose, clock)
    table.add(Block(rng.integers(0, size, n_loose), loose, join_words(slot_messages(rng, n_loose))))
    notes = (
        f"a takedown archive with only the {size} operation accounts: {n_targets} posts ({n_own} by members, "
        f"the rest from outside the archive) each shared by ~80% of members 5-40 s after it appears, "
        f"plus {n_loose} unshared originals; office hours at UTC+3."
    )
    return Scenario(table, size, [members], notes)


def viral_link(rng: np.random.Generator, n_accounts: int) -> Block:
    """90% of all accounts share one link (a tenth of them twice) in a cascade from day 2, 13:00 UTC that
    peaks within hours and slows down at night."""
    sharers = rng.choice(n_accounts, round(0.9 * n_accounts), replace=False)
    sharers = np.concatenate([sharers, rng.choice(sharers, round(0.1 * len(sharers)), replace=False)])
    n = len(sharers)
    when = np.empty(0)
    while len(when) < n:
        more = DAY + 13 * 3600 + rng.lognormal(np.log(6 * 3600), 1.2, 4 * n)
        when = np.concatenate([when, thin_to_daytime(rng, more[more < WEEK])])
    url = np.full(n, "https://www.worldbrief.example/world/the-video-everyone-is-talking-about-1")
    return Block(sharers, rng.permutation(when[:n]), maybe_append(rng, comments(rng, n), url, 0.5), urls=url)


def one_object_everyone(rng: np.random.Generator, scale: float) -> Scenario:
    n_org, size, n_bursts, window = round(3000 * scale), 10, 25, 20.0
    n_all = n_org + size
    members = planted(n_org, size)
    tz = account_timezones(rng, n_all)
    table = Table()
    rows = group_bursts(rng, tz, members, n_bursts, window)
    sites = np.asarray(["patriot-ledger-now", "freedomwatch-daily", "realtruthreport"])
    path = np.char.mod("%08x", rng.integers(0, 2**32, n_bursts))
    obscure = cat("https://", sites[rng.integers(0, 3, n_bursts)], ".example/p/", path)
    url = obscure[rows.burst]
    table.add(Block(rows.account, rows.time, maybe_append(rng, comments(rng, len(url)), url, 0.5), urls=url))
    # A few ordinary people find each obscure link hours later.
    later = rng.poisson(0.7, n_bursts)
    burst = np.repeat(np.arange(n_bursts), later)
    when = clip_to_week(rng, rows.start[burst], rows.start[burst] + rng.uniform(3600, 48 * 3600, len(burst)))
    url = obscure[burst]
    text = maybe_append(rng, comments(rng, len(url)), url, 0.5)
    table.add(Block(rng.integers(0, n_org, len(url)), when, text, urls=url))
    table.add(viral_link(rng, n_all))
    n = round(30_000 * scale) - table.size
    account, when = crowd_block(rng, n_all, n, members, tz)
    table.add(link_posts(rng, account, when, url_pool(rng, max(50, round(5000 * scale))), 0.6, 0.08))
    notes = (
        f"one viral link shared by 90% of the {n_all} accounts over the week (a cascade from day 2, "
        f"13:00 UTC); a group of {size} shares {n_bursts} obscure links within {window:.0f} s, each link "
        f"also picked up by a few crowd accounts hours later; the rest of the crowd shares Zipf-popular news "
        f"links."
    )
    return Scenario(table, n_all, [members], notes)


@dataclass
class NewsBot:
    """The bot's posts, the first block of the table, so its post i is row i."""

    time: np.ndarray
    title: np.ndarray
    article: np.ndarray
    popularity: np.ndarray

    def reactions(
        self,
        rng: np.random.Generator,
        account: np.ndarray,
        when: np.ndarray,
        row: np.ndarray,
        retweet: np.ndarray,
    ) -> Block:
        """Shares of the bot's post ``row``: a retweet of it, or a post of its link with a comment."""
        url = self.article[row]
        said = maybe_append(rng, comments(rng, len(url)), url, 0.5)
        text = np.where(retweet, cat("RT @newsfeed24: ", self.title[row], " ", url), said)
        return Block(account, when, text, urls=url, shared=np.where(retweet, row, -1))


def news_bot(rng: np.random.Generator, table: Table, account: int, n: int) -> NewsBot:
    """A feed that posts an article link every WEEK/n seconds, day and night."""
    when = np.minimum(np.floor(np.arange(n) * (WEEK / n)) + rng.uniform(0, 20, n), WEEK - 1)
    title = headlines(rng, n)
    day = np.datetime_as_string(START + when.astype("timedelta64[s]"), unit="D")
    slug = np.char.replace(np.char.lower(title), " ", "-")
    number = np.arange(700_001, 700_001 + n).astype(str)
    article = cat("https://newsfeed24.example/", np.char.replace(day, "-", "/"), "/", slug, "-", number)
    if table.add(Block(np.full(n, account), when, cat(title, " ", article), urls=article)) != 0:
        raise AssertionError("the bot's block must come first")
    return NewsBot(when, title, article, rng.lognormal(0.0, 1.5, n))


def one_heavy_account(rng: np.random.Generator, scale: float) -> Scenario:
    n_org, size, n_bursts, window = round(4000 * scale), 9, 25, 15.0
    members = planted(n_org, size)
    n_all = n_org + size + 1  # the last account is the bot
    tz = account_timezones(rng, n_all)
    table = Table()
    n_bot = round(0.6 * 40_000 * scale)
    bot = news_bot(rng, table, n_all - 1, n_bot)
    minute = (bot.time // 60).astype(np.int64)
    # The group co-shares articles posted in its waking hours, a few minutes to an hour after the bot.
    seen = bot.popularity * group_clock(rng, tz, members)[minute] * (bot.time < WEEK - 2 * 3600)
    target = np.sort(rng.choice(n_bot, n_bursts, replace=False, p=seen / seen.sum()))
    rows = burst_rows(rng, members, bot.time[target] + rng.uniform(120, 3600, n_bursts), (0.0, window))
    table.add(bot.reactions(rng, rows.account, rows.time, target[rows.burst], rows.burst % 2 == 0))
    n = round(0.4 * 40_000 * scale) - (table.size - n_bot)
    account, when = crowd_block(rng, n_all - 1, n, members, tz)
    kind = rng.choice(4, n, p=[0.45, 0.25, 0.05, 0.25])  # link, retweet, reply, own post
    # The crowd reacts to popular articles posted while it is awake, minutes to hours later.
    awake = bot.popularity * MINUTE_W[minute]
    row = rng.choice(n_bot, n, p=awake / awake.sum())
    reacting = kind < 3
    later = clip_to_week(rng, bot.time[row], bot.time[row] + rng.lognormal(np.log(900), 1.3, n))
    when = np.where(reacting, later, when)
    share = kind < 2
    table.add(bot.reactions(rng, account[share], when[share], row[share], kind[share] == 1))
    reply = kind == 2
    table.add(Block(account[reply], when[reply], comments(rng, int(reply.sum())), reply=row[reply]))
    own = ~reacting
    table.add(link_posts(rng, account[own], when[own], url_pool(rng, max(50, round(3000 * scale))), 0.3, 0.1))
    notes = (
        f"a news bot writes 60% of posts ({n_bot}), an article link every ~25 s around the clock; the crowd "
        f"shares, retweets and replies to its articles minutes later; a group of {size} co-shares {n_bursts} "
        f"of the bot's articles within {window:.0f} s (alternate bursts by link and by retweet of the bot's "
        f"post)."
    )
    return Scenario(table, n_all, [members], notes)


def link_posts(
    rng: np.random.Generator,
    account: np.ndarray,
    when: np.ndarray,
    pool: np.ndarray,
    links: float,
    tags: float,
) -> Block:
    """Everyday posts: a comment, with a Zipf-popular link from ``pool`` in a share ``links`` of them."""
    n = len(account)
    url = np.where(rng.random(n) < links, pool[rng.choice(len(pool), n, p=zipf_weights(len(pool), 1.0))], "")
    text = np.where(url != "", maybe_append(rng, comments(rng, n), url, 0.5), comments(rng, n))
    return Block(account, when, text, urls=url, hashtags=some_hashtags(rng, n, tags))


SCENARIOS: dict[str, Callable[[np.random.Generator, float], Scenario]] = {
    "short-templated": short_templated,
    "identical-texts": identical_texts,
    "one-word": one_word,
    "numbered-template": numbered_template,
    "operation-only": operation_only,
    "one-object-everyone": one_object_everyone,
    "one-heavy-account": one_heavy_account,
}


def write(folder: Path, name: str, columns: list[list[str]], truth: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "posts.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(zip(*columns, strict=True))
    (folder / "truth.json").write_text(
        json.dumps({"scenario": name, **truth}, indent=1) + "\n", encoding="utf-8"
    )
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--out", type=Path, required=True, help="folder for posts.csv and truth.json")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies the organic crowd (default 1)")
    args = parser.parse_args()
    if not 0.05 <= args.scale <= 20:
        # Below 0.05 the planted group outnumbers the crowd; above 20 the text arrays no longer fit well.
        parser.error("--scale must be between 0.05 and 20")
    started = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    columns, truth = finish(rng, SCENARIOS[args.scenario](rng, args.scale))
    truth.update(seed=args.seed, scale=args.scale, rows=len(columns[0]))
    write(args.out, args.scenario, columns, truth)
    summary = {
        "scenario": args.scenario,
        "rows": len(columns[0]),
        "accounts": len(set(columns[1])),
        "planted": len(truth["planted_accounts"]),
        "wall_s": round(time.perf_counter() - started, 2),
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
