"""The bundled demo case: entirely fictional, generated deterministically from a seed.

No account, page, outlet or person in it exists; handles are built from invented word pairs and the
domains use the reserved ``.example`` top-level domain (RFC 2606), so nothing the demo shows can point at
anyone real. The posts are an organic crowd (uneven activity, popular links and hashtags, viral reshares)
with one planted network of accounts that share the same posts and links within seconds of each other.

Example::

    >>> posts = generate_posts(seed=7)
    >>> len(posts) > 1000
    True
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from unmask.demo.records import ORGANISATION, SITES
from unmask.ingest.posts_csv import CORE_COLUMNS

_FIRST = (
    "amber",
    "brisk",
    "cedar",
    "dune",
    "ember",
    "fjord",
    "gale",
    "harbor",
    "iris",
    "juniper",
    "kestrel",
    "lumen",
    "meadow",
    "nimbus",
    "orchid",
    "pebble",
    "quartz",
    "rowan",
    "sable",
    "tundra",
    "umber",
    "vale",
    "willow",
    "yarrow",
    "zephyr",
)
_SECOND = ("fox", "lark", "otter", "heron", "moth", "wren", "lynx", "finch", "hare", "newt", "owl", "seal")
_TOPICS = (
    "transit fares",
    "the river cleanup",
    "library hours",
    "the harvest fair",
    "bike lanes",
    "school lunches",
    "the new bridge",
    "park lighting",
    "market stalls",
    "the choir concert",
)
_HASHTAGS = (
    "localnews",
    "weekend",
    "community",
    "weather",
    "sports",
    "music",
    "food",
    "cityhall",
    "traffic",
    "volunteer",
)
_SITES = ("dailyheron.example", "valleyledger.example", "northgazette.example", "pebblepost.example")
# The planted network pushes the site of the demo's records (registered in 2009 by the council's
# spokesperson): one story from accounts acting together to the organisation behind the pages' funder.
CAMPAIGN_SITE = SITES["7000000101"]
CAMPAIGN_HASHTAG = "beaconrising"
START = datetime(2024, 3, 1, tzinfo=UTC)
DAYS = 14


@dataclass(frozen=True)
class DemoPost:
    post_id: str
    account_id: str
    created_at: datetime
    text: str
    shared_post_id: str = ""
    reply_to_post_id: str = ""
    urls: str = ""
    hashtags: str = ""


def _handles(rng: random.Random, n: int) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        name = f"{rng.choice(_FIRST)}_{rng.choice(_SECOND)}{rng.randrange(10, 99)}"
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def generate_posts(
    seed: int = 7, *, organic_accounts: int = 1000, network_size: int = 12, campaign_actions: int = 30
) -> list[DemoPost]:
    """The demo's posts, in time order: an organic crowd plus one planted network (see module docstring)."""
    rng = random.Random(seed)
    handles = _handles(rng, organic_accounts + network_size)
    organic, network = handles[:organic_accounts], handles[organic_accounts:]
    posts: list[DemoPost] = []
    counter = 0

    def new_id() -> str:
        nonlocal counter
        counter += 1
        return f"d{counter:06d}"

    span = DAYS * 86400
    # Organic: a few loud accounts and many quiet ones; popular sites and tags; some posts go viral.
    for account in organic + network:
        for _ in range(max(1, int(rng.paretovariate(1.3) * 3))):
            when = START + timedelta(seconds=rng.randrange(span))
            topic = rng.choice(_TOPICS)
            tags = rng.sample(_HASHTAGS, k=rng.choice((0, 0, 1, 1, 2)))
            site = rng.choices(_SITES, weights=(8, 4, 2, 1))[0]
            url = (
                f"https://{site}/{topic.replace(' ', '-')}-{rng.randrange(40)}" if rng.random() < 0.3 else ""
            )
            text = f"Thoughts on {topic} today" + "".join(f" #{t}" for t in tags) + (f" {url}" if url else "")
            posts.append(DemoPost(new_id(), account, when, text, urls=url, hashtags=" ".join(tags)))
    originals = list(posts)
    for original in rng.sample(originals, k=40):
        for account in rng.sample(organic, k=int(rng.paretovariate(1.1) * 3) % len(organic)):
            delay = timedelta(seconds=int(rng.lognormvariate(7, 1.5)))
            posts.append(
                DemoPost(
                    new_id(),
                    account,
                    original.created_at + delay,
                    f"RT @{original.account_id}: {original.text}",
                    shared_post_id=original.post_id,
                )
            )
    # The planted network: every member reshares the campaign's posts and links within seconds.
    for action in range(campaign_actions):
        when = START + timedelta(seconds=rng.randrange(span))
        lead = rng.choice(network)
        url = f"https://{CAMPAIGN_SITE}/story-{action}"
        seed_post = DemoPost(
            new_id(),
            lead,
            when,
            f"They don't want you to read this #{CAMPAIGN_HASHTAG} {url}",
            urls=url,
            hashtags=CAMPAIGN_HASHTAG,
        )
        posts.append(seed_post)
        for member in network:
            if member == lead or rng.random() < 0.1:
                continue
            posts.append(
                DemoPost(
                    new_id(),
                    member,
                    when + timedelta(seconds=rng.randrange(2, 40)),
                    f"RT @{lead}: {seed_post.text}",
                    shared_post_id=seed_post.post_id,
                )
            )
    posts.sort(key=lambda p: (p.created_at, p.post_id))
    return posts


def write_posts_csv(posts: list[DemoPost], path: Path) -> Path:
    """Write posts in the ``posts-csv`` format, so the demo goes through the same import as real data."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(CORE_COLUMNS)
        for p in posts:
            writer.writerow(
                [
                    p.post_id,
                    p.account_id,
                    p.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    p.text,
                    p.shared_post_id,
                    p.reply_to_post_id,
                    p.urls,
                    p.hashtags,
                ]
            )
    return path


# Two records an export might really contain, to show that nothing is lost: both are quarantined.
BROKEN_ROWS = (
    ["d999998", "", "2024-03-02T10:00:00Z", "a post whose account id the export lost", "", "", "", ""],
    ["d999999", "ember_owl42", "yesterday", "a post with a timestamp no one can read", "", "", "", ""],
)


def build_demo(out_dir: Path, *, seed: int = 7) -> dict:
    """Generate the demo's files in ``out_dir`` and build ``out_dir/demo.duckdb`` from them, afresh."""
    from unmask.case import Case
    from unmask.coordination.run import run as run_coordination
    from unmask.info import case_info
    from unmask.ingest import import_files
    from unmask.report import write_report

    out_dir.mkdir(parents=True, exist_ok=True)
    posts_path = write_posts_csv(generate_posts(seed), out_dir / "posts.csv")
    with posts_path.open("a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(BROKEN_ROWS)
    case_path = out_dir / "demo.duckdb"
    for stale in (case_path, case_path.with_name(case_path.name + ".wal")):
        stale.unlink(missing_ok=True)
    with Case.open(case_path) as case:
        results = import_files(case, "posts-csv", [posts_path])
        # A fixed window: the demo's invented crowd reuses its links and hashtags for days, which would
        # stretch an estimated window to the cap.
        # The engine's defaults, as a user runs it: the demo shows what they find.
        found = run_coordination(case, out_dir=out_dir / "coordination").found
        persona = _persona(case, out_dir, seed)
        attribution = _attribution(case, out_dir, seed)
        report = write_report(case, out_dir / "report.html")
        return {
            "case": str(case_path),
            "imports": results,
            "info": case_info(case, top=5),
            "coordination": found,
            "planted": sorted(_planted_accounts(seed)),
            "persona": persona,
            "attribution": attribution,
            "report": str(report),
        }


def _persona(case, out_dir: Path, seed: int) -> list:
    """Import the demo's columns, test their bylines against the demo's reference columnists, keep the
    findings, and return the results."""
    import json

    from unmask.demo.columns import generate_columns
    from unmask.persona.run import WRITERS, run

    docs, reference = generate_columns(seed)
    paths = {}
    for name, rows in (("columns.jsonl", docs), ("reference-columnists.jsonl", reference)):
        paths[name] = out_dir / name
        paths[name].write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    # As `unmask persona writers --docs columns.jsonl --reference reference-columnists.jsonl` runs it.
    return run(
        case, WRITERS, docs=paths["columns.jsonl"], reference=paths["reference-columnists.jsonl"]
    ).results


def _attribution(case, out_dir: Path, seed: int) -> dict:
    """Import the demo's records, run attribution, and explain the planted chain from them alone."""
    from unmask.attribution.engine import run
    from unmask.demo import records
    from unmask.graph.build import build as build_graph
    from unmask.graph.paths import explain
    from unmask.ingest import import_files

    files = records.write_records(out_dir / "records", seed=seed)
    imports = []
    for kind, paths in files.items():
        imports.extend(import_files(case, records.FORMATS[kind], paths))
    result = run(case)
    build_graph(case)
    questions = [
        (records.PAGES["7000000102"], records.ORGANISATION),
        (records.SITES["7000000101"], records.ORGANISATION),
        (records.SITES["7000000101"], records.SITES["7000000102"]),
    ]
    # The whole story: from an account of the planted network, through the site it pushes, to the
    # organisation behind the pages' funder.
    story = explain(case, f"account:generic:{min(_planted_leads(seed))}", ORGANISATION, max_paths=1)
    return {
        "imports": imports,
        "run": result,
        "explained": [explain(case, a, b, max_paths=1) for a, b in questions],
        "story": story,
    }


def _planted_leads(seed: int) -> set[str]:
    """The planted accounts that posted the campaign's links themselves (not only shared others' posts)."""
    return {p.account_id for p in generate_posts(seed) if CAMPAIGN_SITE in p.urls and not p.shared_post_id}


def _planted_accounts(seed: int) -> set[str]:
    """The accounts of the planted network: those that posted the campaign's links (the answer key)."""
    return {p.account_id for p in generate_posts(seed) if CAMPAIGN_SITE in p.text}
