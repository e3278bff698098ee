"""whois and html: domain records and saved pages become a site (an FtM Asset), the people and
organisations that registered it, and the infrastructure it shows."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from conftest import case_contents as snapshot
from conftest import entity_ids
from conftest import entity_props as props
from conftest import quarantined as quarantine_rows
from unmask.errors import FormatError
from unmask.ingest import import_files
from unmask.ingest.record_stage import make_id, name_key

# A historic record in the ICANN 2013-RAA layout, for invented people under the reserved .example TLD.
HISTORIC = """\
Domain Name: EXAMPLE-NEWS.EXAMPLE
Registry Domain ID: 1234567_DOMAIN_EXAMPLE-VRSN
Registrar WHOIS Server: whois.registrar.example
Updated Date: 2008-06-01T10:00:00Z
Creation Date: 2005-03-20T12:59:17Z
Registrar Registration Expiration Date: 2010-03-20T12:59:17Z
Registrar: Example Registrar, Inc.
Registrar IANA ID: 9999
Domain Status: clientTransferProhibited
Registrant Name: Jane Q. Sample
Registrant Organization: Sample Media Group
Registrant Street: 1 Invented Way
Registrant City: Springfield
Registrant State/Province: ST
Registrant Postal Code: 00000
Registrant Country: US
Registrant Phone: +1.2025550143
Registrant Email: Jane.Sample@mail.example
Admin Name: John Admin
Admin Organization: Sample Media Group
Admin Email: admin@mail.example
Tech Name: REDACTED FOR PRIVACY
Name Server: NS2.HOST.EXAMPLE
Name Server: NS1.HOST.EXAMPLE
DNSSEC: unsigned
"""
REDACTED = """\
Domain Name: hidden-news.example
Registrar: Example Registrar, Inc.
Creation Date: 2019-03-20T12:59:17Z
Registry Expiry Date: 2026-03-20T12:59:17Z
Registrant Name: REDACTED FOR PRIVACY
Registrant Organization: Withheld for Privacy ehf
Registrant Email: Please query the RDDS service of the Registrar of Record identified in this output for \
information on how to contact the Registrant
Registrant Phone: REDACTED FOR PRIVACY
Name Server: ns1.host.example
"""
RDAP = {
    "objectClassName": "domain",
    "ldhName": "rdap-news.example",
    "events": [
        {"eventAction": "registration", "eventDate": "2012-05-01T00:00:00Z"},
        {"eventAction": "expiration", "eventDate": "2027-05-01T00:00:00Z"},
        {"eventAction": "last update of RDAP database", "eventDate": "2025-01-15T08:00:00Z"},
    ],
    "nameservers": [
        {"objectClassName": "nameserver", "ldhName": "NS1.HOST.EXAMPLE"},
        {"objectClassName": "nameserver", "ldhName": "ns2.host.example"},
    ],
    "entities": [
        {
            "objectClassName": "entity",
            "roles": ["registrar"],
            "vcardArray": [
                "vcard",
                [["version", {}, "text", "4.0"], ["fn", {}, "text", "Example Registrar, Inc."]],
            ],
        },
        {
            "objectClassName": "entity",
            "roles": ["registrant"],
            "vcardArray": [
                "vcard",
                [
                    ["version", {}, "text", "4.0"],
                    ["fn", {}, "text", "Jane Sample"],
                    ["org", {}, "text", "Sample Media Group"],
                    ["email", {}, "text", "Jane@Mail.example"],
                    ["tel", {"type": "voice"}, "uri", "tel:+1.2025550143"],
                    ["adr", {}, "text", ["", "", "1 Invented Way", "Springfield", "ST", "00000", "US"]],
                ],
            ],
        },
    ],
}
PAGE = """\
<html><head>
<link rel="canonical" href="https://www.Example-News.example/story/1">
<script>gtag('config', 'G-ABC1234XYZ');</script>
<script>fbq('init', '123456789012345');</script>
</head><body>
<script>ga('create', 'UA-12345678-2', 'auto');</script>
<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-ABCD12"></iframe></noscript>
<a href="https://twitter.com/examplenews">X</a>
</body></html>
"""


def infrastructure(case, entity_id: str | None = None) -> list[tuple]:
    """(kind, value, as_of) of every infrastructure row (of one entity), sorted."""
    return case.con.execute(
        "SELECT kind, value, as_of FROM infrastructure WHERE ? IS NULL OR entity_id = ? ORDER BY kind, value",
        [entity_id, entity_id],
    ).fetchall()


def person_id(name: str, email: str) -> str:
    return make_id("whois-person", name_key(name), email)


def org_id(name: str) -> str:
    return make_id("whois-org", name_key(name))


# -- whois -------------------------------------------------------------------------------------------------


def test_historic_whois_record(case, write) -> None:
    path = write("example-news.example.txt", HISTORIC)
    [result] = import_files(case, "whois", [path], as_of="2009-01-01")
    assert (result.loaded, result.quarantined) == (1, 0)
    site = "site-example-news.example"
    assert props(case, site) == {
        "description": ["website"],
        "name": ["example-news.example"],
        "sourceUrl": ["https://example-news.example/"],
    }
    jane = person_id("Jane Q. Sample", "jane.sample@mail.example")
    group = org_id("Sample Media Group")
    jane_props = props(case, jane)
    assert jane_props["name"] == ["Jane Q. Sample"]
    assert jane_props["email"] == ["jane.sample@mail.example"]
    assert jane_props["address"] == ["1 Invented Way, Springfield, ST, 00000, US"]
    assert jane_props["country"] == ["us"]
    assert props(case, group) == {"name": ["Sample Media Group"]}

    # The registrant is the person, a member of the organisation the record names with them.
    memberships = {props(case, m)["member"][0]: props(case, m) for m in entity_ids(case, "Membership")}
    assert memberships[jane]["organization"] == [group]
    assert memberships[jane]["role"] == ["registrant organisation in WHOIS"]
    [ownership] = entity_ids(case, "Ownership")
    assert props(case, ownership) == {
        "asset": [site],
        "date": ["2009-01-01"],
        "endDate": ["2010-03-20"],
        "owner": [jane],
        "role": ["domain registrant"],
        "startDate": ["2005-03-20"],
        "summary": ["registrar: Example Registrar, Inc."],
    }
    # The administrative contact is linked, not an owner; the redacted technical contact is nothing.
    [admin_link] = entity_ids(case, "UnknownLink")
    assert props(case, admin_link)["subject"] == [person_id("John Admin", "admin@mail.example")]
    assert props(case, admin_link)["role"] == ["administrative contact of the domain"]
    assert case.scalar("SELECT count(*) FROM statements WHERE value ILIKE '%redacted%'") == 0
    assert len(entity_ids(case, "Person")) == 2

    as_of = dt.date(2009, 1, 1)
    assert infrastructure(case, site) == [
        ("nameserver", "ns1.host.example", as_of),
        ("nameserver", "ns2.host.example", as_of),
        ("nameserver-set", "ns1.host.example,ns2.host.example", as_of),
        ("registrant-email", "jane.sample@mail.example", as_of),
        ("registrant-phone", "+12025550143", as_of),
        ("registrar", "Example Registrar, Inc.", as_of),
    ]
    assert json.loads(case.scalar("SELECT options FROM sources"))["as_of"] == "2009-01-01"


def test_record_date_without_as_of_is_its_updated_date(case, write) -> None:
    import_files(case, "whois", [write("example-news.example.txt", HISTORIC)])
    assert {row[2] for row in infrastructure(case)} == {dt.date(2008, 6, 1)}
    [ownership] = entity_ids(case, "Ownership")
    assert props(case, ownership)["date"] == ["2008-06-01"]
    assert "as_of" not in json.loads(case.scalar("SELECT options FROM sources"))


def test_registrant_name_with_a_legal_form_is_an_organisation(case, write) -> None:
    text = HISTORIC.replace("Registrant Name: Jane Q. Sample", "Registrant Name: Example Media LLC")
    text = text.replace("Registrant Organization: Sample Media Group\n", "")
    import_files(case, "whois", [write("example-news.example.txt", text)])
    owner = org_id("Example Media LLC")
    assert props(case, owner)["name"] == ["Example Media LLC"]
    # An organisation is no member of anything: the one Membership is the administrative contact's.
    members = [props(case, m)["member"] for m in entity_ids(case, "Membership")]
    assert members == [[person_id("John Admin", "admin@mail.example")]]
    [ownership] = entity_ids(case, "Ownership")
    assert props(case, ownership)["owner"] == [owner]
    assert person_id("Example Media LLC", "jane.sample@mail.example") not in entity_ids(case, "Person")


def test_redacted_record_names_no_one(case, write) -> None:
    [result] = import_files(case, "whois", [write("hidden-news.example.txt", REDACTED)])
    assert (result.loaded, result.quarantined) == (1, 0)
    assert entity_ids(case, "Person") == entity_ids(case, "Organization") == []
    assert entity_ids(case, "Ownership") == entity_ids(case, "Membership") == []
    assert entity_ids(case, "Asset") == ["site-hidden-news.example"]
    kinds = [row[0] for row in infrastructure(case)]
    assert kinds == ["nameserver", "nameserver-set", "registrar"]
    stored = case.query("SELECT value FROM statements UNION ALL SELECT value FROM infrastructure")
    assert not [v for v in stored if "redacted" in v["value"].lower() or "privacy" in v["value"].lower()]


def test_files_that_are_not_whois_are_quarantined(case, tmp_path: Path) -> None:
    # A no-match answer and an RDAP error are a WHOIS server's and an RDAP service's: the folder is whois.
    folder = tmp_path / "answers"
    folder.mkdir()
    (folder / "a-nothing.example.txt").write_text(
        'No match for domain "NOTHING.EXAMPLE".\n>>> Last update <<<\n'
    )
    (folder / "b-page.txt").write_text(
        "<html><head><title>WHOIS lookup</title></head><body>Try again</body></html>"
    )
    (folder / "c-broken.json").write_text('{"objectClassName": "domain", ')
    (folder / "d-error.json").write_text(json.dumps({"errorCode": 404, "title": "Not Found"}))
    [result] = import_files(case, "whois", [folder])
    assert (result.loaded, result.quarantined) == (0, 4)
    rows = quarantine_rows(case)
    assert [r[:3] for r in rows] == [(n, 1, "record") for n in range(1, 5)]
    reasons = [r[3] for r in rows]
    assert all(reason.startswith("not a WHOIS or RDAP record") for reason in reasons)
    assert "no-match answer" in reasons[0]
    assert "an HTML or XML page" in reasons[1]
    assert "invalid RDAP JSON" in reasons[2]
    assert "error 404 Not Found" in reasons[3]
    assert result.reasons == {"not a WHOIS or RDAP record": 4}
    # The quarantine keeps the file's name and text.
    assert case.scalar("SELECT raw FROM quarantine WHERE record_no = 1").startswith(
        "a-nothing.example.txt\nNo match"
    )
    assert case.scalar("SELECT count(*) FROM statements") == 0
    # Alone, a page is no WHOIS answer at all: it is refused, and says what it may be.
    with pytest.raises(
        FormatError, match=r"no record has the shape of whois.*unmask import html b-page\.txt"
    ):
        import_files(case, "whois", [folder / "b-page.txt"])


def test_a_record_too_large_is_quarantined_without_reading_it_all(case, write) -> None:
    big = write("big.example.txt", "Domain Name: BIG.EXAMPLE\n" + "% padding\n" * 200_000)
    [result] = import_files(case, "whois", [big])
    assert (result.loaded, result.quarantined) == (0, 1)
    [(record_no, line_no, field, reason)] = quarantine_rows(case)
    assert (record_no, line_no, field) == (1, 1, "record")
    assert reason == "not a WHOIS or RDAP record: a record of more than 1,000,000 bytes"


def test_rdap_record_with_a_registrant_vcard(case, write) -> None:
    [result] = import_files(case, "whois", [write("rdap-news.example.json", json.dumps(RDAP))])
    assert (result.loaded, result.quarantined) == (1, 0)
    site = "site-rdap-news.example"
    jane = person_id("Jane Sample", "jane@mail.example")
    assert props(case, jane)["email"] == ["jane@mail.example"]
    assert props(case, jane)["phone"] == ["+12025550143"]
    [membership] = entity_ids(case, "Membership")
    assert props(case, membership)["organization"] == [org_id("Sample Media Group")]
    [ownership] = entity_ids(case, "Ownership")
    own = props(case, ownership)
    assert own["owner"] == [jane] and own["asset"] == [site]
    assert (own["startDate"], own["endDate"], own["date"]) == (["2012-05-01"], ["2027-05-01"], ["2025-01-15"])
    rows = infrastructure(case, site)
    assert ("registrant-email", "jane@mail.example", dt.date(2025, 1, 15)) in rows
    assert ("registrar", "Example Registrar, Inc.", dt.date(2025, 1, 15)) in rows
    assert ("nameserver-set", "ns1.host.example,ns2.host.example", dt.date(2025, 1, 15)) in rows


def test_as_of_overrides_the_rdap_date(case, write) -> None:
    import_files(case, "whois", [write("rdap-news.example.json", json.dumps(RDAP))], as_of="2020-02-02")
    assert {row[2] for row in infrastructure(case)} == {dt.date(2020, 2, 2)}


def test_folder_of_records(case, write, tmp_path: Path) -> None:
    folder = tmp_path / "whois"
    folder.mkdir()
    (folder / "b-hidden-news.example.txt").write_text(REDACTED, encoding="utf-8")
    (folder / "a-example-news.example.txt").write_text(HISTORIC, encoding="utf-8")
    (folder / ".DS_Store").write_bytes(b"\x00\x01")
    [result] = import_files(case, "whois", [folder], as_of="2009-01-01")
    assert (result.loaded, result.quarantined) == (2, 0)
    # One record a file, numbered in name order.
    rows = case.query(
        "SELECT DISTINCT entity_id, record_no FROM statements WHERE schema = 'Asset' ORDER BY 2"
    )
    assert [(r["entity_id"], r["record_no"]) for r in rows] == [
        ("site-example-news.example", 1),
        ("site-hidden-news.example", 2),
    ]
    assert {row[2] for row in infrastructure(case)} == {dt.date(2009, 1, 1)}

    before = snapshot(case)
    [again] = import_files(case, "whois", [folder], as_of="2009-01-01")
    assert again.skipped and snapshot(case) == before
    # A changed file is a changed folder: it is read again.
    (folder / "c-rdap-news.example.json").write_text(json.dumps(RDAP), encoding="utf-8")
    [changed] = import_files(case, "whois", [folder])
    assert not changed.skipped and changed.loaded == 3


def test_empty_folder_raises_format_error(case, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(FormatError, match="empty folder"):
        import_files(case, "whois", [tmp_path / "empty"])
    assert case.scalar("SELECT count(*) FROM sources") == 0


def test_folder_skips_hidden_folders(case, tmp_path: Path) -> None:
    folder = tmp_path / "whois"
    (folder / ".git").mkdir(parents=True)
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    (folder / "example-news.example.txt").write_text(HISTORIC, encoding="utf-8")
    [result] = import_files(case, "whois", [folder])
    assert (result.loaded, result.quarantined) == (1, 0)


def test_registrant_phone_is_normalised(case, tmp_path: Path) -> None:
    folder = tmp_path / "whois"
    folder.mkdir()
    (folder / "a.txt").write_text(HISTORIC, encoding="utf-8")
    other = HISTORIC.replace("EXAMPLE-NEWS.EXAMPLE", "OTHER-NEWS.EXAMPLE").replace(
        "+1.2025550143", "+1 202-555-0143"
    )
    (folder / "b.txt").write_text(other, encoding="utf-8")
    import_files(case, "whois", [folder])
    phones = {row[1] for row in infrastructure(case) if row[0] == "registrant-phone"}
    assert len(phones) == 1, phones


def test_whois_hostile_values_are_stored_as_plain_text(case, write) -> None:
    name = "Jane \u202eelpmaS"
    org = "<script>alert(1)</script> Media"
    text = HISTORIC.replace("Jane Q. Sample", name).replace(
        "Registrant Organization: Sample Media Group", f"Registrant Organization: {org}"
    )
    [result] = import_files(case, "whois", [write("example-news.example.txt", text)])
    assert result.loaded == 1
    assert props(case, person_id(name, "jane.sample@mail.example"))["name"] == [name]
    assert props(case, org_id(org))["name"] == [org]


@pytest.mark.data
def test_real_whois_folder(case, shared_data: Path) -> None:
    folder = shared_data / "records" / "whois_rdap" / "whois_raw"
    files = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]
    assert len(files) == 66
    [result] = import_files(case, "whois", [folder])
    assert result.loaded + result.quarantined == 66
    assert result.loaded >= 60
    sites = entity_ids(case, "Asset")
    assert len(sites) >= 60 and all(s.startswith("site-") for s in sites)
    kinds = {row["kind"] for row in case.query("SELECT DISTINCT kind FROM infrastructure")}
    assert {"nameserver", "nameserver-set", "registrar"} <= kinds
    # The records are modern and redacted: no privacy placeholder becomes an identity.
    names = case.query(
        "SELECT value FROM statements WHERE prop = 'name' AND schema IN ('Person', 'Organization')"
    )
    assert not [n for n in names if "redacted" in n["value"].lower()]
    before = case.scalar("SELECT count(*) FROM statements")
    [again] = import_files(case, "whois", [folder])
    assert again.skipped and case.scalar("SELECT count(*) FROM statements") == before


@pytest.mark.data
def test_real_rdap_samples(case, shared_data: Path) -> None:
    files = sorted((shared_data / "samples" / "rdap").glob("*.json"))
    results = import_files(case, "whois", files)
    assert [(r.loaded, r.quarantined) for r in results] == [(1, 0)] * len(files)
    assert {"site-lemonde.fr", "site-microsoft.click"} <= set(entity_ids(case, "Asset"))
    owners = case.query(
        "SELECT s.value AS name FROM statements o"
        " JOIN statements s ON s.entity_id = o.value AND s.prop = 'name'"
        " WHERE o.schema = 'Ownership' AND o.prop = 'owner' ORDER BY 1"
    )
    assert [o["name"] for o in owners] == ["Microsoft Corporation", "SOCIETE EDITRICE DU MONDE"]
    registrars = case.query("SELECT DISTINCT value FROM infrastructure WHERE kind = 'registrar' ORDER BY 1")
    assert [r["value"] for r in registrars] == ["MarkMonitor Inc.", "NAMESHIELD"]


# -- html --------------------------------------------------------------------------------------------------


def test_page_with_canonical_link(case, write) -> None:
    [result] = import_files(case, "html", [write("saved.html", PAGE)])
    assert (result.loaded, result.quarantined) == (1, 0)
    site = "site-example-news.example"
    assert props(case, site) == {
        "description": ["website"],
        "name": ["example-news.example"],
        "sourceUrl": ["https://example-news.example/"],
    }
    assert infrastructure(case, site) == [
        ("fb-pixel", "123456789012345", None),
        ("ga-account", "12345678", None),
        ("ga-ua", "UA-12345678-2", None),
        ("ga4", "G-ABC1234XYZ", None),
        ("gtm", "GTM-ABCD12", None),
        ("social", "x:examplenews", None),
    ]
    # Each observation keeps a snippet of the page as evidence, as plain text.
    contexts = case.query("SELECT context FROM infrastructure")
    assert all(c["context"] and "<" not in c["context"] for c in contexts)


def test_page_with_og_url_and_as_of(case, write) -> None:
    page = '<meta property="og:url" content="https://other-news.example/a"><p>UA-12345678-3</p>'
    [result] = import_files(case, "html", [write("p.html", page)], as_of="2024-05-06")
    assert result.loaded == 1
    assert infrastructure(case, "site-other-news.example") == [
        ("ga-account", "12345678", dt.date(2024, 5, 6)),
        ("ga-ua", "UA-12345678-3", dt.date(2024, 5, 6)),
    ]


def test_domain_from_the_file_name(case, write) -> None:
    # The name regex takes lower-case labels of letters, digits and inner hyphens and a letters-only TLD:
    # the name is folded to lower case and "www." dropped first; underscores and spaces are no domain.
    # (Each page differs: a file whose bytes were imported before is skipped, whatever its name.)
    names = [
        "example-news.example.html",
        "WWW.Second-News.Example.HTM",
        "example_news.example.html",
        "Example News.html",
        "index.html",
    ]
    paths = [write(name, f"<html><body><p>UA-12345678-{i}</p></body></html>") for i, name in enumerate(names)]
    results = import_files(case, "html", paths)
    assert [(r.loaded, r.quarantined) for r in results] == [(1, 0), (1, 0), (0, 1), (0, 1), (0, 1)]
    assert entity_ids(case, "Asset") == ["site-example-news.example", "site-second-news.example"]
    reasons = [r[3] for r in quarantine_rows(case)]
    assert reasons[0] == (
        "no domain: the page has no canonical link or og:url, and the file name 'example_news.example.html'"
        " is not one"
    )
    assert all(r.startswith("no domain") for r in reasons)
    assert results[2].reasons == {"no domain": 1}
    # A canonical link wins over the file name.
    [canonical] = import_files(case, "html", [write("third-news.example.html", PAGE)])
    assert canonical.loaded == 1
    assert "site-third-news.example" not in entity_ids(case, "Asset")


def test_same_page_saved_for_two_domains(case, write) -> None:
    page = "<html><body><p>UA-12345678-2</p></body></html>"
    paths = [write("example-news.example.html", page), write("second-news.example.html", page)]
    results = import_files(case, "html", paths)
    assert [(r.loaded, r.skipped) for r in results] == [(1, False), (1, False)]


def test_file_name_that_only_looks_dotted_is_no_domain(case, write) -> None:
    [result] = import_files(case, "html", [write("index.en.html", "<p>UA-12345678-2</p>")])
    assert (result.loaded, result.quarantined) == (0, 1)


def test_file_name_with_an_idn_tld(case, write) -> None:
    [result] = import_files(case, "html", [write("xn--e1afmkfd.xn--p1ai.html", "<p>UA-12345678-2</p>")])
    assert (result.loaded, result.quarantined) == (1, 0)


def test_folder_of_pages(case, tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    (folder / "sub").mkdir(parents=True)
    (folder / "b-news.example.html").write_text("<p>UA-12345678-2 GTM-ABCD12</p>", encoding="utf-8")
    (folder / "sub" / "a-news.example.htm").write_text("<p>UA-12345678-5</p>", encoding="utf-8")
    (folder / "no-domain.html").write_text("<p>UA-12345678-6</p>", encoding="utf-8")
    (folder / "notes.txt").write_text("UA-99999999-1", encoding="utf-8")
    [result] = import_files(case, "html", [folder])
    assert (result.loaded, result.quarantined) == (2, 1)
    assert entity_ids(case, "Asset") == ["site-a-news.example", "site-b-news.example"]
    # The two sites share a Google Analytics account: that is what the rows are for.
    shared = case.query(
        "SELECT value FROM infrastructure WHERE kind = 'ga-account' GROUP BY value HAVING count(*) = 2"
    )
    assert [s["value"] for s in shared] == ["12345678"]
    assert not case.query("SELECT * FROM infrastructure WHERE value LIKE '%99999999%'")
    [(_record_no, _line, field, reason)] = quarantine_rows(case)
    assert field == "domain" and reason.startswith("no domain") and "'no-domain.html'" in reason
    before = snapshot(case)
    [again] = import_files(case, "html", [folder])
    assert again.skipped and snapshot(case) == before


def test_folder_without_pages_raises_format_error(case, tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "notes.txt").write_text("hello", encoding="utf-8")
    with pytest.raises(FormatError, match=r"pages: a folder with no saved pages"):
        import_files(case, "html", [folder])


def test_html_hostile_values_and_reimport(case, write) -> None:
    page = (
        '<link rel="canonical" href="https://example-news.example/">'
        "<p>Call \u202e<script>alert(1)</script> UA-12345678-2</p>"
    )
    path = write("saved.html", page)
    [first] = import_files(case, "html", [path])
    assert first.loaded == 1
    # The evidence snippet is plain text: no markup, no bidirectional override.
    [context] = [r["context"] for r in case.query("SELECT context FROM infrastructure WHERE kind = 'ga-ua'")]
    assert "<" not in context and "\u202e" not in context and "UA-12345678-2" in context
    before = snapshot(case)
    statements = case.scalar("SELECT count(*) FROM statements")
    [again] = import_files(case, "html", [path])
    assert again.skipped and snapshot(case) == before
    assert case.scalar("SELECT count(*) FROM statements") == statements


@pytest.mark.data
def test_real_saved_pages(case, shared_data: Path) -> None:
    folder = shared_data / "samples" / "html"
    [result] = import_files(case, "html", [folder])
    assert (result.loaded, result.quarantined) == (2, 0)
    values = {(row["kind"], row["value"]) for row in case.query("SELECT kind, value FROM infrastructure")}
    assert {("ga-ua", "UA-41822557-1"), ("ga-account", "41822557"), ("gtm", "GTM-V9PX")} <= values
    assert ("ga4", "G-DZHTJVDKRZ") in values
    assert "fb-pixel" in {kind for kind, _ in values}
    assert len(entity_ids(case, "Asset")) == 2
