"""Shared fixtures: a fresh case, file writers, and the real data sets in ../shared/data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from unmask.case import Case

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or a skip that says why: the data-marked tests run where the data sets are."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the shared data sets are not at {SHARED_DATA} (they come with the project's shared/)")
    return SHARED_DATA


@pytest.fixture
def case(tmp_path: Path) -> Iterator[Case]:
    with Case.open(tmp_path / "case.duckdb") as c:
        yield c


@pytest.fixture
def write(tmp_path: Path):
    """write(name, text_or_bytes) → the path of a new file in the test's folder."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
        return path

    return _write


def case_contents(case: Case) -> dict[str, list]:
    """Every row of every case table, for asserting that something changed nothing."""
    tables = (
        "sources",
        "quarantine",
        "accounts",
        "posts",
        "documents",
        "statements",
        "infrastructure",
        "findings",
        "evidence",
    )
    return {t: sorted(map(repr, case.con.execute(f"SELECT * FROM {t}").fetchall())) for t in tables}


class _Collect:
    """A stand-in for the staging table: keeps the rows a reader stages, to test a reader alone."""

    def __init__(self) -> None:
        self.rows: list[dict] = []

    def on_bytes(self, n: int) -> None:
        pass

    def append(self, row: dict) -> None:
        self.rows.append(row)


def staged_rows(reader, path: Path) -> list[dict]:
    """The rows ``reader`` stages for ``path``, without a case."""
    collect = _Collect()
    reader.stage(path, collect)
    return collect.rows


def quarantined(case: Case) -> list[tuple]:
    """(record_no, line_no, field, reason) of every quarantined record, in file order."""
    return case.con.execute(
        "SELECT record_no, line_no, field, reason FROM quarantine ORDER BY source_id, record_no"
    ).fetchall()


def posts_by_id(case: Case) -> dict[str, dict]:
    """Every stored post as a dict, keyed by post id."""
    return {row["post_id"]: row for row in case.query("SELECT * FROM posts ORDER BY record_no")}


def entity_props(case: Case, entity_id: str) -> dict[str, list[str]]:
    """Every property of an imported FtM entity with its distinct values, sorted."""
    rows = case.query(
        "SELECT DISTINCT prop, value FROM statements WHERE entity_id = ? ORDER BY prop, value", [entity_id]
    )
    out: dict[str, list[str]] = {}
    for row in rows:
        out.setdefault(row["prop"], []).append(row["value"])
    return out


def entity_schema(case: Case, entity_id: str) -> str:
    return case.scalar("SELECT any_value(schema) FROM statements WHERE entity_id = ?", [entity_id])


def entity_ids(case: Case, schema: str, source_id: int | None = None) -> list[str]:
    """The ids of the imported entities of ``schema`` (from one source, if given), sorted."""
    rows = case.query(
        "SELECT DISTINCT entity_id FROM statements"
        " WHERE schema = ? AND (? IS NULL OR source_id = ?) ORDER BY 1",
        [schema, source_id, source_id],
    )
    return [r["entity_id"] for r in rows]


# Values an adversary would put in posts, names and URLs: script, event handlers, javascript: URLs, CSS
# injection, template syntax, a right-to-left override and broken Unicode. A report must show each as text.
HOSTILE = (
    "<script>window.__pwned = 1</script>",
    '<img src=x onerror="window.__pwned = 2">',
    "javascript:window.__pwned = 3",
    "</style><style>body { display: none }</style>",
    "{{ 7 * 7 }} ${7*7}",
    "\u202eexe.live\u202c",
    "e\u0301\u0301\u0301 \ufffd \u200b",
    "]]></script><!--",
)


def hostile_case(path: Path) -> Path:
    """A case whose posts, accounts, pages, payers, bylines and findings all carry :data:`HOSTILE` values:
    posts imported, ads imported and attributed, and a network and a persona finding over them."""
    import csv
    import io
    import json

    from unmask.attribution.engine import run
    from unmask.findings import Evidence, Finding, write_findings
    from unmask.ingest import import_files

    folder = path.parent
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(["post_id", "account_id", "created_at", "text", "urls", "handle"])
    for i, value in enumerate(HOSTILE):
        writer.writerow([f"p{i}", f"acct{i}{value}", f"2024-03-01T10:00:{i:02d}Z", value, value, value])
    posts = folder / "posts.csv"
    posts.write_text(rows.getvalue(), encoding="utf-8")
    ads = [
        {
            "id": f"a{i}",
            "page_id": f"9{i}",
            "page_name": value,
            "bylines": "Hostile Payer " + value,
            "ad_delivery_start_time": "2024-02-12",
            "ad_snapshot_url": value,
        }
        for i, value in enumerate(HOSTILE)
    ]
    shared = "Shared Payer <b>Ltd</b>"
    ads += [
        {"id": "b1", "page_id": "91", "page_name": HOSTILE[1], "bylines": shared},
        {"id": "b2", "page_id": "92", "page_name": HOSTILE[2], "bylines": shared},
    ]
    ads_path = folder / "ads.jsonl"
    ads_path.write_text("".join(json.dumps(a) + "\n" for a in ads), encoding="utf-8")
    docs = folder / "docs.jsonl"
    docs.write_text(
        "".join(
            json.dumps(
                {
                    "id": f"d{i}",
                    "byline": HOSTILE[0],
                    "title": value,
                    "text": "words " * 50 + value,
                    "published_at": f"2024-03-0{1 + i % 5}T0{i}:00:00Z",
                }
            )
            + "\n"
            for i, value in enumerate(HOSTILE)
        ),
        encoding="utf-8",
    )
    with Case.open(path) as case:
        import_files(case, "posts-csv", [posts])
        import_files(case, "meta-ads", [ads_path])
        import_files(case, "articles", [docs])
        run(case)
        accounts = [r[0] for r in case.con.execute("SELECT account_id FROM accounts ORDER BY 1").fetchall()]
        write_findings(
            case,
            [
                Finding(
                    kind="coordinated-network",
                    claim="accounts acted together: " + " ".join(HOSTILE),
                    confidence=0.97,
                    subjects=accounts,
                    method="coordination.test " + HOSTILE[0],
                    method_version="1",
                    calibrated=True,
                    parameters={"window_s": HOSTILE[1]},
                    evidence=[
                        Evidence(
                            1,
                            i + 1,
                            "posts",
                            {"account": a, "object": HOSTILE[i], "kind": HOSTILE[3]},
                            note=HOSTILE[5],
                        )
                        for i, a in enumerate(accounts)
                    ],
                    limitations=HOSTILE[4],
                ),
                Finding(
                    kind="group-persona",
                    claim="a byline written by several people: " + HOSTILE[0],
                    confidence=0.9,
                    subjects=["byline:" + HOSTILE[0]],
                    method="persona.writers",
                    method_version="1",
                    evidence=[
                        Evidence(3, i + 1, "documents", {"doc_id": f"d{i}", "cluster": i % 2, "title": value})
                        for i, value in enumerate(HOSTILE)
                    ],
                    limitations="",
                ),
            ],
        )
    return path


CAMPAIGN_WHOIS = """Domain Name: VALLEYVOICE.EXAMPLE
Registrar: Example Registrar, Inc.
Creation Date: 2009-05-20T00:00:00Z
Registrant Name: Tobias Quenby
Registrant Organization: Alder Ridge Energy Council
Registrant Street: 1 Ridge Rd
Registrant City: Arlington
Registrant State/Province: VA
Registrant Postal Code: 22201
Registrant Country: US
"""


def network_campaign_case(folder: Path) -> Path:
    """A campaign of two findings: a coordinated network (a stored run: two accounts, their edge) whose
    accounts post links to a site a WHOIS record names, and a byline publishing on that site."""
    import json

    from unmask.findings import Finding, write_findings
    from unmask.graph.build import ensure
    from unmask.ingest import import_files

    folder.mkdir(parents=True, exist_ok=True)
    posts = [
        {"post_id": str(i), "account_id": a, "created_at": f"2024-01-01T10:0{i}:00Z",
         "urls": ["https://www.valleyvoice.example/a"], "text": "read"}
        for i, a in enumerate(["op1", "op2"], start=1)
    ]  # fmt: skip
    doc = {"id": "d1", "byline": "Rowan Ashdown", "url": "https://valleyvoice.example/c", "text": "A column."}
    (folder / "valleyvoice.example.txt").write_text(CAMPAIGN_WHOIS)
    (folder / "posts.jsonl").write_text("".join(json.dumps(p) + "\n" for p in posts))
    (folder / "docs.jsonl").write_text(json.dumps(doc) + "\n")
    path = folder / "case.duckdb"
    with Case.open(path) as case:
        import_files(case, "whois", [folder / "valleyvoice.example.txt"])
        import_files(case, "posts-csv", [folder / "posts.jsonl"])
        import_files(case, "articles", [folder / "docs.jsonl"])
        store_coordination_run(case, "op1", "op2")
        write_findings(
            case,
            [
                Finding("coordinated-network", "2 accounts acted together", 0.97, ["op1", "op2"],
                        "coordination", "1"),
                Finding("group-persona", "a byline of several writers", 0.95, ["byline:Rowan Ashdown"],
                        "persona.writers", "1"),
            ],
        )  # fmt: skip
        from unmask.attribution.engine import ensure as attribute

        attribute(case)
        ensure(case)
    return path


def store_coordination_run(
    case: Case, a: str, b: str, kind: str = "share", evidence: tuple | None = None
) -> int:
    """A stored coordination run with one significant edge between accounts ``a`` and ``b`` (both members of
    network 0), as `unmask coordination` writes it; ``evidence`` a co-action row's values after the run id,
    pair and kind (seq, object, gap, post a, source a, record a, post b, source b, record b)."""
    [(run_id,)] = case.con.execute(
        "INSERT INTO runs (engine, counts, scope) VALUES ('coordination', '{}', 'case') RETURNING run_id"
    ).fetchall()
    case.con.execute(
        "INSERT INTO coordination_edges VALUES (?, ?, ?, ?, 3, 3, 3, 0.1, 1e-5, 1e-4, true, NULL, NULL, 5,"
        " 60, 0, 'pair')",
        [run_id, a, b, kind],
    )
    if evidence is not None:
        case.con.execute(
            "INSERT INTO coordination_evidence VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, a, b, kind, *evidence],
        )
    case.con.execute(
        "INSERT INTO coordination_members VALUES (?, 0, ?, 0.9), (?, 0, ?, 0.9)", [run_id, a, run_id, b]
    )
    return run_id
