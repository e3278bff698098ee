"""Attribution never links two parties through a stranger (issue 15, items 3–6): placeholder ids, "Paid for
by" prefixes, registrar and brand-protection contacts, and the level a synchronised launch must pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import entity_ids, quarantined
from conftest import entity_props as props
from unmask.attribution.engine import run
from unmask.attribution.payers import MAX_NAMES_PER_ID, classify, strip_disclaimer
from unmask.case import Case
from unmask.findings import read_findings
from unmask.graph.paths import explain
from unmask.ingest import import_files
from unmask.ingest.record_stage import make_id, name_key

REPORT_NAME = "FacebookAdLibraryReport_2025-07-02_HU_last_30_days_advertisers.csv"
REPORT_HEADER = "Page ID,Page name,Disclaimer,Amount spent (HUF),Number of ads in Library\n"


def jsonl(records: list[dict]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def ad(n: int, page_id: str, page_name: str, payer: str, start: str = "2024-01-01") -> dict:
    return {
        "id": f"9{n:05d}",
        "page_id": page_id,
        "page_name": page_name,
        "bylines": payer,
        "ad_delivery_start_time": start,
    }


def links_touching(case: Case, entity_id: str) -> int:
    return case.scalar("SELECT count(*) FROM links WHERE ? IN (from_id, to_id)", [entity_id])


# -- 3. placeholder ids ------------------------------------------------------------------------------------


def test_a_placeholder_page_id_is_keyed_by_the_page_name_and_counted(case: Case, write) -> None:
    rows = [f"0,Instagram User {n},These ads ran without a disclaimer,100,1\n" for n in range(12)]
    rows += [
        "-1,Another Page,Someone,100,1\n",
        "N/A,,Someone,100,1\n",
        "476513375537233,Real Page,Someone,1,1\n",
    ]
    [result] = import_files(case, "meta-ads", [write(REPORT_NAME, REPORT_HEADER + "".join(rows))])
    assert (result.loaded, result.quarantined) == (14, 1)
    pages = entity_ids(case, "LegalEntity")
    assert "facebook-page-0" not in pages and "facebook-page--1" not in pages
    first = make_id("facebook-page", "name", name_key("Instagram User 0"))
    assert props(case, first)["name"] == ["Instagram User 0"]
    assert props(case, first)["notes"] == ["page id given as '0', a placeholder: keyed by its name"]
    assert "sourceUrl" not in props(case, first)
    assert len({p for p in pages if p.startswith("facebook-page-")}) == 14
    assert "13 records had a placeholder page id" in " ".join(result.notes)
    [(_, _, field, reason)] = quarantined(case)
    assert (field, reason) == ("Page ID", "placeholder Page ID 'N/A' and no page name")


def test_a_placeholder_page_id_in_api_records(case: Case, write) -> None:
    ads = [ad(1, "0", "Instagram User 1", "X"), ad(2, 0, "Instagram User 2", "X"), ad(3, "null", None, "X")]
    [result] = import_files(case, "meta-ads", [write("ads.jsonl", jsonl(ads))])
    assert (result.loaded, result.quarantined) == (2, 1)
    assert "facebook-page-0" not in entity_ids(case, "LegalEntity")
    assert "2 records had a placeholder page id" in " ".join(result.notes)


def shared_id_case(case: Case, write, names: int) -> None:
    """One page id carried by ``names`` different page names, and a second page, all paid for by one fund;
    a company with the first page name's name, registered under one number with ``names`` names."""
    ads = [ad(n, "123456", f"Scraped Page {n}", "One Fund") for n in range(names)]
    ads.append(ad(99, "777", "Second Page", "One Fund"))
    profiles = [
        {"company_number": "ZZ000001", "company_name": f"Alpha Widgets {n} Ltd"} for n in range(names)
    ]
    import_files(
        case, "meta-ads", [write("ads.jsonl", jsonl([*ads, ad(98, "888", "Third", "Alpha Widgets 0 Ltd")]))]
    )
    import_files(case, "companies-house", [write("profiles.jsonl", jsonl(profiles))])


def test_an_id_on_more_than_ten_names_merges_and_links_nothing_and_is_reported(case: Case, write) -> None:
    shared_id_case(case, write, MAX_NAMES_PER_ID + 1)
    result = run(case)
    assert result.placeholder_ids == [("facebook-page-123456", 11), ("gb-company-ZZ000001", 11)]
    for placeholder in ("facebook-page-123456", "gb-company-ZZ000001"):
        assert links_touching(case, placeholder) == 0
        assert (
            case.scalar("SELECT count(*) FROM resolutions WHERE ? IN (left_id, right_id)", [placeholder]) == 0
        )
    # One Fund's second page is its only page with a real id: no shared funder.
    assert result.findings == {}
    assert not any("One Fund" in f.claim for f in read_findings(case))


def test_a_page_renamed_a_few_times_keeps_its_id(case: Case, write) -> None:
    shared_id_case(case, write, 3)
    result = run(case)
    assert result.placeholder_ids == []
    assert links_touching(case, "facebook-page-123456") == 1  # paid for by One Fund
    [funder] = [f for f in read_findings(case) if f.kind == "shared-funder"]
    assert "facebook-page-123456" in funder.subjects
    merged = "SELECT count(*) FROM resolutions WHERE 'gb-company-ZZ000001' IN (left_id, right_id)"
    assert case.scalar(merged) >= 1


# -- 4. disclaimer prefixes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "payer"),
    [
        ("Paid for by Liberty Bridge Ltd", "Liberty Bridge Ltd"),
        ("PAID FOR BY  Liberty Bridge Ltd", "Liberty Bridge Ltd"),
        ("Sponsored by: Liberty Bridge", "Liberty Bridge"),
        ("Pagado por Fundación Puente", "Fundación Puente"),
        ("Pago por Associação Ponte", "Associação Ponte"),
        ("Payé par Les Amis du Pont", "Les Amis du Pont"),
        ("Paye par Les Amis du Pont", "Les Amis du Pont"),
        ("Finanziert von Brücke e.V.", "Brücke e.V."),
        ("Bezahlt von Brücke e.V.", "Brücke e.V."),
        ("Pagato da Ponte S.r.l.", "Ponte S.r.l."),
        ("Betaald door Stichting Brug", "Stichting Brug"),
        ("Opłacone przez Fundacja Most", "Fundacja Most"),
        ("Plătit de Asociația Pod", "Asociația Pod"),
        ("Fizetett hirdető: Híd Egyesület", "Híd Egyesület"),
        # Not a prefix: kept as written.
        ("Paid for by", "Paid for by"),
        ("Paidfor Media Ltd", "Paidfor Media Ltd"),
        ("Sponsored Content Ltd", "Sponsored Content Ltd"),
        ("Liberty Bridge Ltd, paid for by members", "Liberty Bridge Ltd, paid for by members"),
    ],
)
def test_strip_disclaimer(written: str, payer: str) -> None:
    assert strip_disclaimer(written) == payer


def test_a_prefixed_placeholder_is_a_placeholder() -> None:
    assert classify("Paid for by N/A", 5, 10).kind == "placeholder"


def test_paid_for_by_x_and_x_are_one_payer_named_as_written(case: Case, write) -> None:
    import_files(
        case, "meta-ads", [write("a.jsonl", jsonl([ad(1, "11", "Page A", "Paid for by Liberty Bridge Ltd")]))]
    )
    import_files(case, "meta-ads", [write("b.jsonl", jsonl([ad(2, "12", "Page B", "LIBERTY BRIDGE LTD")]))])
    payer = make_id("meta-payer", name_key("Liberty Bridge Ltd"))
    assert props(case, payer)["name"] == ["LIBERTY BRIDGE LTD", "Paid for by Liberty Bridge Ltd"]
    assert [p for p in entity_ids(case, "LegalEntity") if p.startswith("meta-payer")] == [payer]
    run(case)
    [funder] = [f for f in read_findings(case) if f.kind == "shared-funder"]
    assert {"facebook-page-11", "facebook-page-12"} <= set(funder.subjects)


def test_paid_for_by_x_matches_the_company_x(case: Case, write) -> None:
    import_files(
        case, "meta-ads", [write("a.jsonl", jsonl([ad(1, "11", "Page A", "Paid for by Liberty Bridge Ltd")]))]
    )
    profile = {"company_number": "ZZ000002", "company_name": "LIBERTY BRIDGE LTD"}
    import_files(case, "companies-house", [write("profile.json", json.dumps(profile))])
    run(case)
    payer = make_id("meta-payer", name_key("Liberty Bridge Ltd"))
    assert (
        case.scalar(
            "SELECT count(DISTINCT canonical_id) FROM entities WHERE entity_id IN (?, 'gb-company-ZZ000002')",
            [payer],
        )
        == 1
    )


# -- 5. registrar and brand-protection contacts ------------------------------------------------------------


def whois(domain: str, registrant: str, *, registrar: str = "Example Registrar, Inc.", tech: str = "",
          org: str = "") -> str:  # fmt: skip
    lines = [
        f"Domain Name: {domain.upper()}",
        f"Registrar: {registrar}",
        "Creation Date: 2020-01-01T00:00:00Z",
        f"Registrant Name: {registrant}",
        *([f"Registrant Organization: {org}"] if org else []),
        f"Registrant Email: {name_key(registrant).replace(' ', '.')}@{domain}",
        tech,
        ">>> Last update of WHOIS database: 2024-01-01T00:00:00Z <<<",
    ]
    return "\n".join(lines) + "\n"


def tech_contact(org: str, email: str, name: str = "Hostmaster") -> str:
    return f"Tech Name: {name}\nTech Organization: {org}\nTech Email: {email}\nTech Phone: +1.2025550100"


REGISTRANTS = ["Ada Kestrel", "Bruno Fenwick", "Cleo Marsh", "Dmitri Vale", "Esme Thorn", "Felix Rowan"]


def import_whois(case: Case, tmp_path: Path, records: dict[str, str]) -> None:
    folder = tmp_path / "whois"
    folder.mkdir()
    for domain, text in records.items():
        (folder / f"{domain}.txt").write_text(text, encoding="utf-8")
    import_files(case, "whois", [folder])


def test_the_registrars_technical_contact_is_not_the_operators(case: Case, tmp_path: Path) -> None:
    registrar = "Acme Registrar, Inc."
    tech = [tech_contact("ACME REGISTRAR INC", "noc@acmeregistrar.example", f"NOC {n}") for n in range(6)]
    records = {
        f"site{n}.example": whois(f"site{n}.example", name, registrar=registrar, tech=tech[n])
        for n, name in enumerate(REGISTRANTS)
    }
    import_whois(case, tmp_path, records)
    assert (
        case.scalar("SELECT count(*) FROM statements WHERE prop <> 'summary' AND value ILIKE '%acme%'") == 0
    )
    assert entity_ids(case, "UnknownLink") == []
    rows = case.query("SELECT DISTINCT value, context FROM infrastructure WHERE kind = 'service-contact'")
    assert rows == [
        {"value": "ACME REGISTRAR INC", "context": "technical: the registrar's (ACME REGISTRAR INC)"}
    ]
    result = run(case)
    assert "shared-infrastructure" not in result.findings


@pytest.mark.parametrize(
    ("tech", "registrant"),
    [
        (tech_contact("MarkMonitor Inc.", "ccops@markmonitor.com"), "Ada Kestrel"),
        (tech_contact("", "ccops@markmonitor.com"), "Ada Kestrel"),
        ("", "MarkMonitor Inc"),  # a brand-protection firm as registrant owns nothing
    ],
)
def test_brand_protection_contacts_make_no_entity(case: Case, write, tech: str, registrant: str) -> None:
    import_files(case, "whois", [write("brand.example.txt", whois("brand.example", registrant, tech=tech))])
    assert case.scalar("SELECT count(*) FROM statements WHERE value ILIKE '%markmonitor%'") == 0
    assert case.scalar("SELECT count(*) FROM infrastructure WHERE kind = 'service-contact'") == 1


def test_the_registrants_own_technical_contact_is_kept(case: Case, write) -> None:
    text = whois("own.example", "Ada Kestrel", tech=tech_contact("Kestrel Media", "tech@own.example"))
    import_files(case, "whois", [write("own.example.txt", text)])
    assert len(entity_ids(case, "UnknownLink")) == 1
    assert case.scalar("SELECT count(*) FROM infrastructure WHERE kind = 'service-contact'") == 0


def reseller_records(registrants: list[str], orgs: list[str] | None = None) -> dict[str, str]:
    """Domains of ``registrants`` whose technical contact is one reseller, not named as the registrar."""
    orgs = orgs or [""] * len(registrants)
    return {
        f"site{n}.example": whois(
            f"site{n}.example",
            name,
            # The reseller's staff are named differently in each record: without the rule their shared
            # e-mail would join the six sites.
            tech=tech_contact("Hilltop Web Services", "ops@hilltopweb.example", f"Hostmaster {n}"),
            org=orgs[n],
        )
        for n, name in enumerate(registrants)
    }


def test_a_contact_shared_by_many_unrelated_registrants_is_a_service(case: Case, tmp_path: Path) -> None:
    import_whois(case, tmp_path, reseller_records(REGISTRANTS))
    result = run(case)
    reseller = case.scalar("SELECT entity_id FROM entities WHERE name = 'Hilltop Web Services'")
    assert [tuple(s) for s in result.services] == [
        ("contact", "Hilltop Web Services", 6, reseller),
        ("email", "ops@hilltopweb.example", 6, None),
        ("phone", "+12025550100", 6, None),
    ]
    assert links_touching(case, reseller) == 0
    assert explain(case, "site0.example", "site1.example")["paths"] == []
    assert case.scalar("SELECT count(*) FROM links WHERE kind = 'shared-value'") == 0
    assert "shared-infrastructure" not in result.findings


def test_a_contact_of_a_few_registrants_still_links_them(case: Case, tmp_path: Path) -> None:
    import_whois(case, tmp_path, reseller_records(REGISTRANTS[:4]))
    result = run(case)
    assert result.services == []
    assert result.findings["shared-infrastructure"] == 1


def test_registrants_of_one_name_are_one_registrant(case: Case, tmp_path: Path) -> None:
    orgs = ["Kestrel LLC", "Kestrel Inc.", "Kestrel Ireland Holdings", "KESTREL LLC", "Kestrel Brasil Ltda",
            "Kestrel Media"]  # fmt: skip
    import_whois(case, tmp_path, reseller_records(REGISTRANTS, orgs))
    result = run(case)
    assert result.services == []
    assert result.findings["shared-infrastructure"] == 1


# -- 6. synchronised launch --------------------------------------------------------------------------------


def launch_case(case: Case, write, *, others: int, in_window: int, apart_funders: int = 0) -> None:
    """Funder F's two pages launch on 2024-03-01; ``others`` pages of one-page funders launch elsewhere
    (``in_window`` of them that day); ``apart_funders`` funders have two pages launched 30 days apart."""
    ads = [ad(1, "101", "F one", "F Fund", "2024-03-01"), ad(2, "102", "F two", "F Fund", "2024-03-01")]
    for n in range(others):
        start = "2024-03-01" if n < in_window else f"2023-{1 + n % 12:02d}-{1 + 2 * (n // 12):02d}"
        ads.append(ad(100 + n, f"2{n:03d}", f"Other {n}", f"Other Fund {n}", start))
    for n in range(apart_funders):
        ads.append(ad(200 + n, f"3{n:03d}", f"Apart {n} a", f"Apart Fund {n}", "2022-01-01"))
        ads.append(ad(300 + n, f"4{n:03d}", f"Apart {n} b", f"Apart Fund {n}", "2022-01-31"))
    import_files(case, "meta-ads", [write("ads.jsonl", jsonl(ads))])


def launches(case: Case) -> list:
    run(case)
    return read_findings(case, kind="synchronised-launch")


def test_a_launch_that_chance_explains_is_no_finding(case: Case, write) -> None:
    launch_case(case, write, others=14, in_window=6)  # p = 2 (7/16)^2 = 0.38
    assert launches(case) == []


def test_a_launch_passing_alpha_is_a_finding_with_confidence_one_minus_q(case: Case, write) -> None:
    launch_case(case, write, others=18, in_window=0)  # p = 2 (1/20)^2 = 0.005, one funder tested
    [launch] = launches(case)
    assert launch.parameters["funders_tested"] == 1
    assert launch.parameters["q_value"] == pytest.approx(0.005)
    assert launch.confidence == pytest.approx(0.995)


def test_the_correction_over_funders_tested(case: Case, write) -> None:
    # The same p = 0.005, but three funders tested: q = 0.015 > alpha = 0.01.
    launch_case(case, write, others=14, in_window=0, apart_funders=2)
    assert launches(case) == []
