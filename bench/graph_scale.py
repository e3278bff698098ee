"""The case graph at platform scale, through the CLI: import, engines, the graph's build and ``explain``.

Issue 16, Performance: on a generated case of 1M posts whose planted groups push links to sites that
generated records name, building the case graph (after the engines' runs, timed separately) takes < 60 s
and < 2 GiB, and ``explain`` answers in < 1 s.

The generator was written from the issue, the input formats (``../shared/FORMATS.md``, docs/formats.md,
docs/attribution.md) and docs/graph.md, before its author read the graph's or the coordination engine's
code. Everything is invented and seeded; domains end in ``.example`` (RFC 2606) and page ids start 7100.

- **Posts** (``posts.csv``, the ``posts-csv`` format): ``--posts`` posts by ``posts / 20`` accounts (at least
  200) of heavy-tailed activity over 30 days. Organic posts are text (some with hashtags, one of them on
  a large share of posts), links to 150 news sites of Zipf popularity (``www.``, ``m.`` and bare hosts,
  some with ``utm_`` parameters) and shares of earlier posts (a few go viral). One of them, the *popular
  site*, takes 10 % of all links, so that a large share of the accounts link it; a WHOIS record and an ad
  record name it, so it is a site of the case.
- **Planted groups** (20 groups of 15 accounts at 1M posts; fewer in small runs): each group pushes two
  *campaign sites* of its own. In each episode one member posts an article of a group site and the others
  (80 % of them) post the same article within 30 s, with near-identical text; ordinary accounts later
  share (retweet) a few of those posts, the URL carried along. Planted accounts post organically too.
- **Records**: a WHOIS text or RDAP JSON record per campaign site naming its registrant (a person and the
  *registrant organisation* of the group's operator; every fourth group's sites are privacy-redacted), one
  for the popular site and for 25 of the news sites; an Ad Library JSONL whose pages carry the campaign
  sites as link captions and are paid for by the operator's *payer* (another company), plus 200 ordinary
  pages with their own payers (half of them captioned with one of 20 news sites) and the popular site's page.
- **The control account**: an ordinary account that shares campaign posts but never itself posts a link
  to a site that a record names. Issue 16: it must have no path to a campaign's organisation.

Then, each in its own process under ``/usr/bin/time`` (``bench/peak.py``), with every default:
``unmask import`` of each file, ``unmask coordination --out DIR``, ``unmask attribution run``, and
``unmask explain --json``: first from a planted account to its operator's registrant organisation (the
first command after the runs: it builds the graph, whose own seconds the case's ``runs`` table holds,
engine ``graph``), then, with the graph built, from that account to the operator's payer, from the control
account to the same organisation (expected ``[]``), and from an account that links the popular site to the
popular site's owner (the hop across the popular site says so).

Prints one JSON line a step and a summary line (graph sizes, the planted path, the targets).

    python bench/graph_scale.py [--posts 1000000] [--seed 1] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from peak import run_unmask

START = datetime(2024, 3, 1, tzinfo=UTC)
DAYS = 30
POSTS_PER_ACCOUNT = 20
MIN_ACCOUNTS = 200
GROUP_SIZE = 15
MAX_GROUPS = 20
SITES_PER_GROUP = 2
GROUPS_PER_OPERATOR = 4
PLANTED_SHARE = 0.01  # of all posts: episodes per group follow from it
MIN_EPISODES = 8
PARTICIPATION = 0.8
JITTER_S = 30
NEWS_SITES = 150
NAMED_NEWS = 25  # news sites a WHOIS record names
CAPTIONED_NEWS = 20  # news sites an ordinary page's ads link to
POPULAR_LINK_SHARE = 0.10
ORDINARY_PAGES = 200
KINDS = ("text", "link", "share")
KIND_P = (0.40, 0.35, 0.25)
BUILD_LIMIT_S = 60.0
BUILD_LIMIT_MB = 2048
EXPLAIN_LIMIT_S = 1.0

_SYLLABLES = ("ka", "lo", "mi", "ten", "ra", "vo", "sel", "du", "an", "pre", "qui", "mor", "the", "ul", "bri")
_PLACES = ("valley", "river", "harbor", "summit", "prairie", "lakeside", "heartland", "frontier", "granite")
_NOUNS = ("voice", "report", "herald", "truth", "watch", "post", "courier", "gazette", "digest", "sentinel")
_MODIFIERS = ("free", "true", "our", "real", "open", "plain", "clear", "honest")
_OPERATORS = ("Brackenfold", "Quillmarsh", "Ashcombe Vey", "Fernhollow", "Marrowdale", "Tessingham")
_ORG_FORMS = ("Civic Media LLC", "Outreach Group Inc", "Public Affairs LLC", "Strategy Partners Inc")
_PAYER_WORDS = ("Lanternway", "Orrisfield", "Corbel", "Pellamy", "Wrenhaven", "Stilbury")
_FIRST = (
    "Odile",
    "Caspar",
    "Maren",
    "Ivo",
    "Rosalind",
    "Teodor",
    "Wilhelmina",
    "Anselm",
    "Liesel",
    "Evander",
)
_LAST = ("Farthingale", "Oakhurst", "Pemberly", "Quiller", "Ravensworth", "Stroud", "Thistlewood", "Underhay")


@dataclass
class Group:
    """A planted group: its accounts (indices), its sites, its operator (index)."""

    accounts: list[int]
    sites: list[str]
    operator: int
    redacted: bool
    episodes: list[dict] = field(default_factory=list)


@dataclass
class Plan:
    """What the generator planted, and the names the benchmark's questions use."""

    n_accounts: int
    groups: list[Group]
    operators: list[dict]
    news: list[str]
    named_news: list[str]  # by a WHOIS record
    captioned_news: list[str]  # by an ordinary page's ads
    popular: dict
    control: int


def account_id(i: int) -> str:
    return str(1_000_000_000 + i)


def vocabulary(rng: np.random.Generator, size: int = 4000) -> np.ndarray:
    """Pseudo-words of 2–4 syllables, distinct: the organic texts' words."""
    words: set[str] = set()
    while len(words) < size:
        n = int(rng.integers(2, 5))
        words.add("".join(_SYLLABLES[int(s)] for s in rng.integers(0, len(_SYLLABLES), n)))
    return np.array(sorted(words))


def zipf_weights(n: int, s: float) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** s
    return w / w.sum()


def texts(rng: np.random.Generator, vocab: np.ndarray, n: int) -> list[str]:
    """``n`` texts of 6–25 Zipf-drawn words."""
    lengths = rng.integers(6, 26, n)
    words = vocab[rng.choice(len(vocab), int(lengths.sum()), p=zipf_weights(len(vocab), 1.05))]
    bounds = np.concatenate(([0], np.cumsum(lengths)))
    return [" ".join(words[bounds[i] : bounds[i + 1]]) for i in range(n)]


def site_names(rng: np.random.Generator, n: int, taken: set[str]) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        name = (
            f"{_MODIFIERS[rng.integers(len(_MODIFIERS))]}{_PLACES[rng.integers(len(_PLACES))]}"
            f"{_NOUNS[rng.integers(len(_NOUNS))]}.example"
        )
        if name not in taken:
            taken.add(name)
            out.append(name)
    return out


def person(rng: np.random.Generator) -> str:
    return f"{_FIRST[rng.integers(len(_FIRST))]} {_LAST[rng.integers(len(_LAST))]}"


def plan(rng: np.random.Generator, posts: int) -> Plan:
    n_accounts = max(MIN_ACCOUNTS, posts // POSTS_PER_ACCOUNT)
    n_groups = min(MAX_GROUPS, max(2, n_accounts // 100))
    n_operators = max(1, -(-n_groups // GROUPS_PER_OPERATOR))
    chosen = rng.choice(n_accounts, n_groups * GROUP_SIZE + 1, replace=False)
    control = int(chosen[-1])
    taken: set[str] = set()
    news = [f"{w}news.example" for w in vocabulary(rng, NEWS_SITES)]
    taken.update(news)
    operators = []
    for k in range(n_operators):
        base = _OPERATORS[k % len(_OPERATORS)] + ("" if k < len(_OPERATORS) else f" {k}")
        operators.append(
            {
                "registrant_org": f"{base} {_ORG_FORMS[k % len(_ORG_FORMS)]}",
                "registrants": [person(rng), person(rng)],
                "email_domain": f"{base.lower().replace(' ', '')}-mail.example",
                "ns": f"{base.lower().replace(' ', '')}host.example",
                "payer": f"{_PAYER_WORDS[k % len(_PAYER_WORDS)]} Digital Services Ltd"
                + (f" {k}" if k >= 6 else ""),
                "created": START - timedelta(days=int(rng.integers(60, 400))),
            }
        )
    groups = []
    for g in range(n_groups):
        members = [int(a) for a in chosen[g * GROUP_SIZE : (g + 1) * GROUP_SIZE]]
        groups.append(Group(members, site_names(rng, SITES_PER_GROUP, taken), g % n_operators, g % 4 == 3))
    # WHOIS records name the five most linked news sites (big outlets) and 20 others; ads link 20 more.
    named = news[:5] + [
        news[int(i)] for i in rng.choice(np.arange(5, NEWS_SITES), NAMED_NEWS - 5, replace=False)
    ]
    captioned = [news[int(i)] for i in rng.choice(NEWS_SITES, CAPTIONED_NEWS, replace=False)]
    popular = {
        "site": "dailyledger.example",
        "org": "Ledger Media Holdings Inc",
        "person": person(rng),
        "page": "The Daily Ledger",
    }
    return Plan(n_accounts, groups, operators, news, named, captioned, popular, control)


def iso(seconds: np.ndarray) -> np.ndarray:
    """Seconds after START as ISO 8601 UTC strings."""
    stamps = np.datetime64(START.replace(tzinfo=None), "s") + seconds.astype(np.int64).astype(
        "timedelta64[s]"
    )
    return np.char.add(np.datetime_as_string(stamps, unit="s"), "Z")


def link_url(rng: np.random.Generator, site: str, article: int, slug: str) -> str:
    """A link to an article of ``site`` as people post it: www., m. or bare, sometimes with utm_."""
    draw = rng.random()
    host = f"www.{site}" if draw < 0.6 else (f"m.{site}" if draw < 0.75 else site)
    tail = "?utm_source=twitter&utm_medium=social" if rng.random() < 0.2 else ""
    return f"https://{host}/{slug}/{article}{tail}"


def planted_posts(rng: np.random.Generator, p: Plan, vocab: np.ndarray, posts: int) -> dict[str, list]:
    """The groups' episodes: one article, posted by most members within seconds."""
    cols: dict[str, list] = {k: [] for k in ("account", "t", "text", "urls", "hashtags", "shared")}
    per_group = max(MIN_EPISODES, round(PLANTED_SHARE * posts / (len(p.groups) * GROUP_SIZE * PARTICIPATION)))
    for gi, group in enumerate(p.groups):
        slogan = " ".join(vocab[rng.choice(len(vocab), 4)])
        for e in range(per_group):
            site = group.sites[e % len(group.sites)]
            t0 = float(rng.uniform(0, DAYS * 86400 - 3600))
            headline = " ".join(vocab[rng.choice(len(vocab), 6)])
            article = int(rng.integers(10_000, 99_999))
            members = [a for a in group.accounts if rng.random() < PARTICIPATION] or group.accounts[:2]
            rng.shuffle(members)
            offsets = np.concatenate(([0.0], np.sort(rng.uniform(1, JITTER_S, len(members) - 1))))
            first = len(cols["account"])
            for a, off in zip(members, offsets, strict=True):
                cols["account"].append(a)
                cols["t"].append(t0 + off)
                cols["text"].append(f"{headline} {slogan} {vocab[rng.integers(len(vocab))]}")
                cols["urls"].append(link_url(rng, site, article, f"g{gi}-story"))
                cols["hashtags"].append("")
                cols["shared"].append(None)
            group.episodes.append({"row": first, "site": site, "t": t0})
    return cols


def organic_posts(rng: np.random.Generator, p: Plan, vocab: np.ndarray, n: int) -> dict[str, Any]:
    """``n`` organic posts (shares refer to rows of the table by index, resolved later)."""
    activity = rng.lognormal(0.0, 1.0, p.n_accounts)
    counts = 1 + rng.multinomial(n - p.n_accounts, activity / activity.sum())
    account = np.repeat(np.arange(p.n_accounts), counts)
    rng.shuffle(account)
    hour_w = 0.4 + np.sin(np.linspace(0, np.pi, 24)) ** 2
    t = (
        rng.integers(0, DAYS, n) * 86400
        + rng.choice(24, n, p=hour_w / hour_w.sum()) * 3600
        + rng.uniform(0, 3600, n)
    )
    kind = rng.choice(len(KINDS), n, p=KIND_P)
    text = np.array(texts(rng, vocab, n), dtype=object)
    urls = np.full(n, "", dtype=object)
    hashtags = np.full(n, "", dtype=object)
    shared = np.full(n, -1, dtype=np.int64)

    links = np.flatnonzero(kind == 1)
    popular = rng.random(len(links)) < POPULAR_LINK_SHARE
    news_i = rng.choice(NEWS_SITES, len(links), p=zipf_weights(NEWS_SITES, 1.1))
    named = set(p.named_news) | set(p.captioned_news)
    unnamed = [i for i, s in enumerate(p.news) if s not in named]
    for row, pop, ni in zip(links, popular, news_i, strict=True):
        if account[row] == p.control and (pop or p.news[ni] in named):
            pop, ni = (
                False,
                unnamed[int(rng.integers(len(unnamed)))],
            )  # the control never links the case's sites
        site = p.popular["site"] if pop else p.news[ni]
        urls[row] = link_url(rng, site, int(rng.integers(0, 3000)), "news")

    tagged = np.flatnonzero((kind == 0) & (rng.random(n) < 0.3))
    tags = np.array([f"tag{w}" for w in vocab[:500]])
    tag_w = zipf_weights(len(tags), 1.2)
    for row in tagged:
        hashtags[row] = " ".join(dict.fromkeys(tags[rng.choice(len(tags), int(rng.integers(1, 3)), p=tag_w)]))

    # Shares: of earlier own posts of others, by a Zipf popularity over the originals (some go viral).
    shares = np.flatnonzero(kind == 2)
    originals = np.flatnonzero(kind != 2)
    ranked = rng.permutation(originals)
    picked = ranked[rng.choice(len(ranked), len(shares), p=zipf_weights(len(ranked), 1.0))]
    shared[shares] = picked
    t[shares] = np.minimum(t[picked] + rng.exponential(3 * 3600, len(shares)) + 60, DAYS * 86400 - 1)
    text[shares] = text[picked]
    urls[shares] = urls[picked]
    hashtags[shares] = hashtags[picked]
    return {"account": account, "t": t, "text": text, "urls": urls, "hashtags": hashtags, "shared": shared}


def retweets_of_campaign(rng: np.random.Generator, p: Plan, planted: dict[str, list]) -> dict[str, list]:
    """Ordinary accounts sharing a few campaign posts, minutes to hours later, the URL carried along."""
    cols: dict[str, list] = {k: [] for k in planted}
    in_groups = {a for g in p.groups for a in g.accounts}
    episodes = [e for g in p.groups for e in g.episodes]
    sharers = [(int(rng.integers(p.n_accounts)), e) for e in episodes for _ in range(rng.poisson(1.5))]
    sharers += [(p.control, episodes[int(i)]) for i in rng.choice(len(episodes), 3, replace=False)]
    for a, e in sharers:
        if a in in_groups:
            continue
        row = e["row"]
        cols["account"].append(a)
        cols["t"].append(min(e["t"] + 600 + float(rng.exponential(7200)), DAYS * 86400 - 1))
        cols["text"].append(planted["text"][row])
        cols["urls"].append(planted["urls"][row])
        cols["hashtags"].append("")
        cols["shared"].append(row)
    return cols


def write_posts(
    rng: np.random.Generator, p: Plan, vocab: np.ndarray, posts: int, path: Path
) -> dict[str, Any]:
    """Write ``posts.csv``: planted episodes, their retweets and organic posts, in time order."""
    planted = planted_posts(rng, p, vocab, posts)
    retweets = retweets_of_campaign(rng, p, planted)
    n_organic = max(p.n_accounts, posts - len(planted["account"]) - len(retweets["account"]))
    organic = organic_posts(rng, p, vocab, n_organic)
    n_planted, n_rt = len(planted["account"]), len(retweets["account"])
    # Rows: planted first, then their retweets, then organic; shares point at row numbers of that order.
    offset = n_planted + n_rt
    account = np.concatenate([planted["account"], retweets["account"], organic["account"]]).astype(np.int64)
    t = np.concatenate([planted["t"], retweets["t"], organic["t"]])
    shared_row = np.concatenate(
        [
            np.full(n_planted, -1),
            np.array(retweets["shared"], dtype=np.int64),
            np.where(organic["shared"] >= 0, organic["shared"] + offset, -1),
        ]
    )
    post_ids = np.array([str(7_000_000_000_000 + i * 7919) for i in range(len(account))], dtype=object)
    handles = np.array([f"{vocab[i % len(vocab)]}{i}" for i in range(p.n_accounts)], dtype=object)
    order = np.argsort(t, kind="stable")
    shared = np.where(shared_row >= 0, post_ids[np.maximum(shared_row, 0)], None)
    table = pa.table(
        {
            "post_id": post_ids[order],
            "account_id": np.array([account_id(int(a)) for a in account], dtype=object)[order],
            "handle": handles[account][order],
            "created_at": iso(t)[order],
            "text": np.concatenate([planted["text"], retweets["text"], organic["text"]])[order],
            "shared_post_id": shared[order],
            "urls": np.concatenate([planted["urls"], retweets["urls"], organic["urls"]])[order],
            "hashtags": np.concatenate([planted["hashtags"], retweets["hashtags"], organic["hashtags"]])[
                order
            ],
        }
    )
    pacsv.write_csv(table, path)
    return {
        "posts": table.num_rows,
        "planted_posts": n_planted,
        "campaign_retweets": n_rt,
        "handles": {int(a): str(handles[a]) for a in [p.control, *(a for g in p.groups for a in g.accounts)]},
        "links_by_account": _links_by_account(account, urls=table["urls"], order=order, shared=shared_row),
    }


def _links_by_account(
    account: np.ndarray, urls: pa.ChunkedArray, order: np.ndarray, shared: np.ndarray
) -> dict:
    """For each account, its own (not shared) posts' hosts: to pick the accounts the questions start from."""
    own = shared[order] < 0
    hosts: dict[int, set[str]] = {}
    for a, u, o in zip(account[order], urls.to_pylist(), own, strict=True):
        if o and u:
            hosts.setdefault(int(a), set()).add(u.split("/")[2])
    return hosts


def whois_text(domain: str, reg: dict | None, created: datetime, n: int) -> str:
    """An ICANN-style WHOIS record; ``reg`` None is a privacy-redacted one."""
    head = (
        f"Domain Name: {domain.upper()}\nRegistry Domain ID: D{n:07d}-BENCH\n"
        f"Registrar WHOIS Server: whois.registrar.example\nUpdated Date: {created:%Y-%m-%dT%H:%M:%SZ}\n"
        f"Creation Date: {created:%Y-%m-%dT%H:%M:%SZ}\n"
        f"Registry Expiry Date: {created + timedelta(days=365):%Y-%m-%dT%H:%M:%SZ}\n"
        "Registrar: Example Registrar, Inc.\n"
    )
    if reg is None:
        body = (
            "Registrant Name: REDACTED FOR PRIVACY\n"
            "Registrant Organization: Privacy service provided by Withheld for Privacy ehf\n"
            "Registrant Email: Please query the RDAP service of the registrar of record\n"
            "Name Server: NS1.PRIVATEHOST.EXAMPLE\n"
        )
    else:
        body = (
            f"Registrant Name: {reg['name']}\nRegistrant Organization: {reg['org']}\n"
            f"Registrant Street: {n % 90 + 1} Ridge Road\nRegistrant City: Arlington\n"
            f"Registrant State/Province: VA\nRegistrant Postal Code: {22200 + n % 9}\n"
            "Registrant Country: US\n"
            f"Registrant Phone: +1.55555501{n % 100:02d}\nRegistrant Email: {reg['email']}\n"
            f"Name Server: NS1.{reg['ns'].upper()}\nName Server: NS2.{reg['ns'].upper()}\n"
        )
    return head + body + f">>> Last update of WHOIS database: {created:%Y-%m-%dT%H:%M:%SZ} <<<\n"


def rdap_json(domain: str, reg: dict, created: datetime, n: int) -> str:
    """An RDAP domain response (RFC 9083) naming the registrant by vCard."""
    card = [
        ["version", {}, "text", "4.0"],
        ["fn", {}, "text", reg["name"]],
        ["org", {}, "text", reg["org"]],
        ["email", {}, "text", reg["email"]],
        [
            "adr",
            {},
            "text",
            ["", "", f"{n % 90 + 1} Ridge Road", "Arlington", "VA", f"{22200 + n % 9}", "US"],
        ],
    ]
    doc = {
        "objectClassName": "domain",
        "handle": f"D{n:07d}-BENCH",
        "ldhName": domain,
        "status": ["active"],
        "events": [
            {"eventAction": "registration", "eventDate": f"{created:%Y-%m-%dT%H:%M:%SZ}"},
            {"eventAction": "expiration", "eventDate": f"{created + timedelta(days=365):%Y-%m-%dT%H:%M:%SZ}"},
            {"eventAction": "last changed", "eventDate": f"{created:%Y-%m-%dT%H:%M:%SZ}"},
        ],
        "nameservers": [{"objectClassName": "nameserver", "ldhName": f"ns{k}.{reg['ns']}"} for k in (1, 2)],
        "entities": [
            {"objectClassName": "entity", "roles": ["registrant"], "vcardArray": ["vcard", card]},
            {
                "objectClassName": "entity",
                "roles": ["registrar"],
                "vcardArray": [
                    "vcard",
                    [["version", {}, "text", "4.0"], ["fn", {}, "text", "Example Registrar, Inc."]],
                ],
            },
        ],
    }
    return json.dumps(doc, indent=1)


def write_whois(rng: np.random.Generator, p: Plan, folder: Path) -> int:
    """One record a file: the campaign sites (text or RDAP), the popular site and the named news sites."""
    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    for group in p.groups:
        op = p.operators[group.operator]
        for site in group.sites:
            n += 1
            created = op["created"] + timedelta(hours=int(rng.integers(0, 72)))
            if group.redacted:
                (folder / f"{site}.txt").write_text(whois_text(site, None, created, n), encoding="utf-8")
                continue
            reg = {
                "name": op["registrants"][n % 2],
                "org": op["registrant_org"],
                "email": f"domains@{op['email_domain']}",
                "ns": op["ns"],
            }
            if n % 3 == 0:
                (folder / f"{site}.json").write_text(rdap_json(site, reg, created, n), encoding="utf-8")
            else:
                (folder / f"{site}.txt").write_text(whois_text(site, reg, created, n), encoding="utf-8")
    sites = [(p.popular["site"], p.popular["org"], p.popular["person"])]
    sites += [(s, f"{s.split('news.')[0].title()} News Media Inc", person(rng)) for s in p.named_news]
    for k, (site, org, name) in enumerate(sites):
        n += 1
        created = datetime(2005, 1, 1, tzinfo=UTC) + timedelta(days=int(rng.integers(0, 5000)))
        reg = None if k % 5 == 4 else {"name": name, "org": org, "email": f"hostmaster@{site}", "ns": site}
        (folder / f"{site}.txt").write_text(whois_text(site, reg, created, n), encoding="utf-8")
    return n


def write_ads(rng: np.random.Generator, p: Plan, path: Path) -> int:
    """Ad Library ``ads_archive`` records, one a line: campaign pages, the popular site's, ordinary ones."""
    ads: list[dict] = []

    def ad(page_id: str, page: str, payer: str, start: datetime, caption: str | None) -> None:
        record: dict[str, Any] = {
            "id": f"81{len(ads):010d}",
            "page_id": page_id,
            "page_name": page,
            "ad_creation_time": f"{start - timedelta(days=1):%Y-%m-%d}",
            "ad_delivery_start_time": f"{start:%Y-%m-%d}",
            "ad_delivery_stop_time": f"{start + timedelta(days=int(rng.integers(3, 20))):%Y-%m-%d}",
            "currency": "USD",
            "spend": {"lower_bound": "100", "upper_bound": "199"},
            "impressions": {"lower_bound": "1000", "upper_bound": "1999"},
            "publisher_platforms": ["facebook", "instagram"],
            "languages": ["en"],
            "bylines": payer,
            "ad_creative_bodies": [f"{page}: read the story they will not tell you."],
        }
        if caption:
            record["ad_creative_link_captions"] = [caption]
        ads.append(record)

    page_no = 0
    for group in p.groups:
        op = p.operators[group.operator]
        for site in group.sites:
            page_no += 1
            title = site.removesuffix(".example").title()
            for k in range(3):
                ad(f"7100{page_no:06d}", title, op["payer"], START - timedelta(days=20 - 7 * k), site)
    ad("7100900000", p.popular["page"], p.popular["org"], START - timedelta(days=40), p.popular["site"])
    for i in range(ORDINARY_PAGES):
        start = START - timedelta(days=int(rng.integers(0, 300)))
        caption = p.captioned_news[i % CAPTIONED_NEWS] if i % 2 == 0 else None
        candidate = f"{person(rng)} for Ward {i}"
        for k in range(int(rng.integers(1, 4))):
            ad(f"7101{i:06d}", candidate, f"Friends of {candidate}", start + timedelta(days=10 * k), caption)
    path.write_text("".join(json.dumps(a) + "\n" for a in ads), encoding="utf-8")
    return len(ads)


def generate(posts: int, seed: int, folder: Path) -> dict[str, Any]:
    """Write the case's inputs into ``folder``; return the truth the questions need."""
    rng = np.random.default_rng(seed)
    p = plan(rng, posts)
    vocab = vocabulary(rng)
    folder.mkdir(parents=True, exist_ok=True)
    written = write_posts(rng, p, vocab, posts, folder / "posts.csv")
    records = write_whois(rng, p, folder / "whois")
    ads = write_ads(rng, p, folder / "ads_archive.jsonl")
    return {"plan": p, "records": records, "ads": ads, **written}


def questions(truth: dict[str, Any]) -> dict[str, Any]:
    """The accounts and organisations the explain steps ask about."""
    p: Plan = truth["plan"]
    links = truth["links_by_account"]
    group = next(g for g in p.groups if not g.redacted)
    op = p.operators[group.operator]

    def linked_sites(a: int) -> set[str]:
        return {s for s in group.sites if any(h == s or h.endswith("." + s) for h in links.get(a, ()))}

    # The member who posted links to its group's sites most often is the one a reader would start from.
    planted = max(group.accounts, key=lambda a: (len(linked_sites(a)), -a))
    popular_site = p.popular["site"]
    popular_linker = min(
        a
        for a, hosts in links.items()
        if a not in {m for g in p.groups for m in g.accounts} and any(h.endswith(popular_site) for h in hosts)
    )
    return {
        "planted": "@" + truth["handles"][planted],
        "planted_sites": sorted(linked_sites(planted)),
        "registrant_org": op["registrant_org"],
        "payer": op["payer"],
        "control": "@" + truth["handles"][p.control],
        "popular_linker": account_id(popular_linker),
        "popular_site": popular_site,
        "popular_org": p.popular["org"],
    }


def graph_runs(case: Path) -> list[dict]:
    """The case's runs of engine ``graph`` (the case graph's builds)."""
    from unmask.case import Case

    with Case.open(case, read_only=True) as c:
        return c.query("SELECT run_id, seconds, counts FROM runs WHERE engine = 'graph' ORDER BY run_id")


def case_sizes(case: Path) -> dict[str, Any]:
    from unmask.case import Case

    with Case.open(case, read_only=True) as c:
        return {
            "posts": c.scalar("SELECT count(*) FROM posts"),
            "accounts": c.scalar("SELECT count(*) FROM accounts"),
            "graph_nodes": c.scalar("SELECT count(*) FROM graph_nodes"),
            "graph_links": c.scalar("SELECT count(*) FROM graph_links"),
            "graph_links_by_kind": {
                r["kind"]: r["n"]
                for r in c.query("SELECT kind, count(*) AS n FROM graph_links GROUP BY kind ORDER BY kind")
            },
            "findings_by_kind": {
                r["kind"]: r["n"]
                for r in c.query("SELECT kind, count(*) AS n FROM findings GROUP BY kind ORDER BY kind")
            },
        }


def step(name: str, args: list[str], case: Path, seen: set[int]) -> tuple[dict, str]:
    """Run one command; its row (with any graph build it made) and its standard output."""
    done, seconds, peak_mb = run_unmask(args)
    row: dict[str, Any] = {
        "bench": "graph_scale",
        "step": name,
        "command": "unmask " + " ".join(Path(a).name if "/" in a else a for a in args),
        "seconds": round(seconds, 2),
        "peak_mb": peak_mb,
    }
    if case.exists():
        for run in graph_runs(case):
            if run["run_id"] not in seen:
                seen.add(run["run_id"])
                row.setdefault("graph_builds", []).append(
                    {"run_id": run["run_id"], "seconds": run["seconds"]}
                )
    return row, done.stdout


def emit(row: dict) -> None:
    print(json.dumps({k: v for k, v in row.items() if k != "answer"}), flush=True)


def hops(paths: list) -> list[list[str]]:
    """Paths as explain prints them: ``A -relation-> B``, or ``A <-relation- B`` where the record says it
    the other way."""
    return [
        [
            f"{h['from']['name']} <-{h['relation']}- {h['to']['name']}"
            if h.get("reverse")
            else f"{h['from']['name']} -{h['relation']}-> {h['to']['name']}"
            for h in path
        ]
        for path in paths
    ]


def planted_path_found(answer: dict, q: dict[str, Any], target: str) -> bool:
    """A path that starts at the planted account, crosses one of its group's sites and ends at ``target``."""
    for path in answer["paths"]:
        names = {h["from"]["name"] for h in path} | {h["to"]["name"] for h in path}
        if names & set(q["planted_sites"]) and path[-1]["to"]["name"].casefold() == target.casefold():
            return True
    return False


def run_case(folder: Path, truth: dict[str, Any]) -> list[dict]:
    case = folder / "case.duckdb"
    case.unlink(missing_ok=True)
    c = ["--case", str(case)]
    seen: set[int] = set()
    commands = [
        ("import posts", ["import", "posts-csv", str(folder / "posts.csv"), *c]),
        ("import whois", ["import", "whois", str(folder / "whois"), *c]),
        ("import ads", ["import", "meta-ads", str(folder / "ads_archive.jsonl"), *c]),
        ("coordination", ["coordination", *c, "--out", str(folder / "coordination")]),
        ("attribution run", ["attribution", "run", *c]),
    ]
    rows = []
    for name, args in commands:
        rows.append(step(name, args, case, seen)[0])
        emit(rows[-1])
    q = questions(truth)
    asks = [
        ("explain (builds the graph)", q["planted"], q["registrant_org"]),
        ("explain", q["planted"], q["payer"]),
        ("explain control", q["control"], q["registrant_org"]),
        ("explain popular", q["popular_linker"], q["popular_org"]),
    ]
    for name, a, b in asks:
        row, out = step(name, ["explain", a, b, *c, "--json"], case, seen)
        answer = json.loads(out)
        row |= {"from": a, "to": b, "paths": len(answer["paths"]), "first_path": hops(answer["paths"][:1])}
        rows.append(row | {"answer": answer})
        emit(row)
    return rows


def summary(rows: list[dict], truth: dict[str, Any], case: Path) -> dict[str, Any]:
    q = questions(truth)
    by = {r["step"]: r for r in rows}
    builds = [b for r in rows for b in r.get("graph_builds", [])]
    first = by["explain (builds the graph)"]
    answers = [by["explain"], by["explain control"], by["explain popular"]]
    popular_hops = [
        h["relation"]
        for path in by["explain popular"]["answer"]["paths"]
        for h in path
        if q["popular_site"] in (h["from"]["name"], h["to"]["name"])
    ]
    build_s = sum(b["seconds"] or 0 for b in first.get("graph_builds", []))
    p: Plan = truth["plan"]
    return {
        "bench": "graph_scale",
        "summary": True,
        "posts_written": truth["posts"],
        "planted_groups": len(p.groups),
        "planted_accounts": sum(len(g.accounts) for g in p.groups),
        "planted_posts": truth["planted_posts"],
        "records": {"whois_files": truth["records"], "ads": truth["ads"]},
        **case_sizes(case),
        "graph_builds": builds,
        "graph_build_seconds": round(build_s, 2),
        "graph_build_step_seconds": first["seconds"],
        "graph_build_step_peak_mb": first["peak_mb"],
        "explain_seconds": [r["seconds"] for r in answers],
        "planted_path_found": planted_path_found(first["answer"], q, q["registrant_org"]),
        "payer_path_found": planted_path_found(by["explain"]["answer"], q, q["payer"]),
        "control_paths": by["explain control"]["paths"],
        "popular_hop_relations": sorted(set(popular_hops)),
        "questions": q,
        "targets": {
            "build_under_60_s": bool(builds) and build_s < BUILD_LIMIT_S,
            "build_under_2_gib": first["peak_mb"] < BUILD_LIMIT_MB,
            "explain_under_1_s": max(r["seconds"] for r in answers) < EXPLAIN_LIMIT_S,
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000, help="posts to generate (default 1000000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, help="keep the inputs and the case in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="unmask-graph-bench-") as tmp:
        folder = args.work or Path(tmp)
        truth = generate(args.posts, args.seed, folder)
        rows = run_case(folder, truth)
        print(json.dumps(summary(rows, truth, folder / "case.duckdb")), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
