"""The demo's public records: a fictional funding chain, written in the real formats the importers read.

The story, all invented: two Facebook pages, "Alder Valley Energy Voice" and "Voters for a Cleaner Alder
Valley", start buying ads on the same day, both paid for by "Quillfeather Civic Strategies Ltd". That company
is in the (fictional) Companies House files with one officer, Marit Elise Vandersloot, who lives in Arlington,
Virginia. An old FEC donation from her ZIP code lists her as a LOBBYIST for the "Alder Ridge Energy Council"
(the name and the ZIP code together join the two records: a name alone would not). The first page's website
was registered in 2009 by Tobias Quenby of the same council (a historic WHOIS record), who also appears in the
FEC file as the council's SPOKESPERSON; the second page's site shares its Google Analytics account. Around
them: forty ordinary pages with their own payers, an agency that buys for four unrelated pages, and pages
whose ads ran without a disclaimer.

Identifiers are made not to exist: the company number has the prefix "ZZ" (Companies House uses none such),
the FEC committee ids start "C99", the domains end in ``.example`` (RFC 2606), the postcode is the dummy
"ZZ1 1ZZ" and the page ids start with 7000000.

Example::

    >>> files = write_records(Path("demo/records"))                  # doctest: +SKIP
    >>> sorted(files)
    ['companies_house', 'fec_committees', 'fec_itcont', 'html', 'meta_ads', 'whois']
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

COMPANY = "QUILLFEATHER CIVIC STRATEGIES LTD"
COMPANY_NUMBER = "ZZ000417"
DISCLAIMER = "Quillfeather Civic Strategies Ltd"
OFFICER_CH = "VANDERSLOOT, Marit Elise"
OFFICER_FEC = "VANDERSLOOT, MARIT ELISE"
SPOKESPERSON = "Tobias Quenby"
ORGANISATION = "Alder Ridge Energy Council"
PAGES = {"7000000101": "Alder Valley Energy Voice", "7000000102": "Voters for a Cleaner Alder Valley"}
SITES = {"7000000101": "aldervalleyvoice.example", "7000000102": "cleaneraldervalley.example"}
GA_ACCOUNT = "31415926"
LAUNCH = date(2024, 2, 12)

_FIRST = (
    "Harbor",
    "Meadow",
    "Granite",
    "Willow",
    "Copper",
    "Juniper",
    "Lantern",
    "Orchard",
    "Summit",
    "Tidewater",
)
_SECOND = ("Families", "Neighbours", "Workers", "Parents", "Growers", "Riders", "Readers", "Builders")
_PAYER_FIRST = ("Elin", "Rufus", "Sable", "Tamsin", "Ubert", "Vesna", "Wendell", "Xanthe", "Yorick", "Zelda")
_PAYER_LAST = ("Ashgrove", "Brackwater", "Cindervale", "Duskmoor", "Emberly", "Fallowmere", "Glimmerton")
_DONOR_FIRST = ("AGNES", "BASIL", "CORA", "DESMOND", "EDWINA", "FLORIAN", "GWENDA")
_DONOR_LAST = ("MARLOWE", "PENROSE", "QUARTERMAIN", "ROWANTREE", "SELWYN")


def _ads(rng: random.Random) -> list[dict]:
    ads: list[dict] = []
    ad_no = 0

    def ad(page_id: str, page_name: str, payer: str | None, start: date, caption: str | None = None) -> None:
        nonlocal ad_no
        ad_no += 1
        record: dict = {
            "id": f"8000000{ad_no:05d}",
            "page_id": page_id,
            "page_name": page_name,
            "ad_creation_time": (start - timedelta(days=1)).isoformat(),
            "ad_delivery_start_time": start.isoformat(),
            "ad_delivery_stop_time": (start + timedelta(days=rng.randint(3, 20))).isoformat(),
            "currency": "USD",
            "spend": {"lower_bound": "100", "upper_bound": "199"},
            "impressions": {"lower_bound": "1000", "upper_bound": "1999"},
            "publisher_platforms": ["facebook", "instagram"],
            "languages": ["en"],
            "ad_creative_bodies": [f"{page_name}: have your say on the valley's future."],
        }
        if payer is not None:
            record["bylines"] = payer
        if caption:
            record["ad_creative_link_captions"] = [caption]
        ads.append(record)

    for page_id, name in PAGES.items():
        for k in range(3):
            ad(page_id, name, DISCLAIMER, LAUNCH + timedelta(days=7 * k), SITES[page_id])
    year = date(2023, 9, 1)
    for i in range(40):  # ordinary pages, each with its own payer, launching through the year
        page_id = f"70000002{i:02d}"
        name = f"{_FIRST[i % 10]} {_SECOND[i % 8]} for the Valley"
        payer = f"{_PAYER_FIRST[i % 10]} {_PAYER_LAST[i % 7]}"
        start = year + timedelta(days=rng.randint(0, 330))
        for k in range(rng.randint(1, 3)):
            ad(page_id, name, payer, start + timedelta(days=10 * k))
    for i in range(4):  # an agency buying for unrelated clients
        ad(
            f"70000003{i:02d}",
            f"{_FIRST[(i + 3) % 10]} Hardware {i + 1}",
            "Northstar Digital Marketing Agency",
            year + timedelta(days=rng.randint(0, 330)),
        )
    for i in range(6):  # pages whose ads ran without a disclaimer
        ad(
            f"70000004{i:02d}",
            f"{_SECOND[i % 8]} Noticeboard {i + 1}",
            "These ads ran without a disclaimer",
            year + timedelta(days=rng.randint(0, 330)),
        )
    return ads


def _companies_house() -> dict[str, dict]:
    address = {
        "premises": "1",
        "address_line_1": "Quill Yard",
        "locality": "London",
        "postal_code": "ZZ1 1ZZ",
        "country": "United Kingdom",
    }
    profile = {
        "company_name": COMPANY,
        "company_number": COMPANY_NUMBER,
        "company_status": "active",
        "type": "ltd",
        "date_of_creation": "2023-11-02",
        "jurisdiction": "england-wales",
        "registered_office_address": address,
        "sic_codes": ["70210"],
        "links": {"self": f"/company/{COMPANY_NUMBER}", "officers": f"/company/{COMPANY_NUMBER}/officers"},
    }
    officers = {
        "kind": "officer-list",
        "active_count": 1,
        "total_results": 1,
        "links": {"self": f"/company/{COMPANY_NUMBER}/officers"},
        "items": [
            {
                "name": OFFICER_CH,
                "officer_role": "director",
                "appointed_on": "2023-11-02",
                "date_of_birth": {"month": 4, "year": 1968},
                "nationality": "British",
                # She lives where she gave to the PAC: the ZIP code, not the name, joins the two records.
                "country_of_residence": "United States",
                "occupation": "Consultant",
                "address": {
                    "premises": "7",
                    "address_line_1": "Larkspur Court",
                    "locality": "Arlington",
                    "region": "VA",
                    "postal_code": "22201",
                    "country": "United States",
                },
                "links": {
                    "self": f"/company/{COMPANY_NUMBER}/appointments/demoappointment1",
                    "officer": {"appointments": "/officers/demoofficer417/appointments"},
                },
            }
        ],
    }
    return {"quillfeather_profile.json": profile, "quillfeather_officers.json": officers}


def _itcont(rng: random.Random) -> str:
    def row(
        cmte: str,
        name: str,
        city: str,
        state: str,
        zip_: str,
        employer: str,
        occupation: str,
        day: date,
        amount: int,
        sub_id: str,
    ) -> str:
        fields = [
            cmte,
            "N",
            "Q1",
            "P",
            "99990000001",
            "15",
            "IND",
            name,
            city,
            state,
            zip_,
            employer,
            occupation,
            day.strftime("%m%d%Y"),
            str(amount),
            "",
            f"DEMO{sub_id}",
            "999001",
            "",
            "",
            sub_id,
        ]
        return "|".join(fields)

    rows = [
        row(
            "C99000001",
            OFFICER_FEC,
            "ARLINGTON",
            "VA",
            "22201",
            ORGANISATION.upper(),
            "LOBBYIST",
            date(2004, 3, 15),
            500,
            "990000000001",
        ),
        row(
            "C99000001",
            "QUENBY, TOBIAS",
            "ARLINGTON",
            "VA",
            "22203",
            ORGANISATION.upper(),
            "SPOKESPERSON",
            date(2008, 6, 2),
            250,
            "990000000002",
        ),
    ]
    for i in range(30):  # ordinary donors to ordinary committees
        last, first = _DONOR_LAST[i % 5], _DONOR_FIRST[(i * 3) % 7]
        rows.append(
            row(
                f"C9900001{i % 5}",
                f"{last}, {first}",
                "SPRINGFIELD",
                "IL",
                f"627{i:02d}",
                rng.choice(["RETIRED", "SELF-EMPLOYED", "VALLEY CO-OP", "ORCHARD CLINIC"]),
                rng.choice(["RETIRED", "NURSE", "TEACHER", "FARMER"]),
                date(2004, 1, 1) + timedelta(days=rng.randint(0, 1500)),
                rng.randint(20, 400),
                f"9900000001{i:02d}",
            )
        )
    return "\n".join(rows) + "\n"


def _committees() -> str:
    header = "cmte_id,cmte_nm,tres_nm,cmte_st1,cmte_st2,cmte_city,cmte_st,cmte_zip,cmte_dsgn,cmte_tp,"
    header += "cmte_pty_affiliation,cmte_filing_freq,org_tp,connected_org_nm,cand_id"
    rows = [
        f'C99000001,ALDER RIDGE ENERGY COUNCIL PAC,"SELWYN, CORA",1 RIDGE RD,,ARLINGTON,VA,22201,U,Q,'
        f"UNK,Q,T,{ORGANISATION.upper()},"
    ]
    for i in range(5):
        rows.append(
            f'C9900001{i},VALLEY CIVIC FUND {i + 1},"PENROSE, BASIL",{i} MAIN ST,,SPRINGFIELD,IL,'
            f"62701,U,N,UNK,Q,,,"
        )
    return header + "\n" + "\n".join(rows) + "\n"


def _whois() -> dict[str, str]:
    historic = f"""Domain Name: {SITES["7000000101"].upper()}
Registry Domain ID: D0000417-DEMO
Registrar WHOIS Server: whois.registrar.example
Updated Date: 2009-05-20T10:00:00Z
Creation Date: 2009-05-18T09:12:00Z
Registry Expiry Date: 2010-05-18T09:12:00Z
Registrar: Example Registrar, Inc.
Registrant Name: {SPOKESPERSON}
Registrant Organization: {ORGANISATION}
Registrant Street: 1 Ridge Road
Registrant City: Arlington
Registrant State/Province: VA
Registrant Postal Code: 22203
Registrant Country: US
Registrant Phone: +1.5555550147
Registrant Email: tquenby@alderridge.example
Name Server: NS1.VALLEYHOST.EXAMPLE
Name Server: NS2.VALLEYHOST.EXAMPLE
>>> Last update of WHOIS database: 2009-05-20T10:00:00Z <<<
"""
    current = f"""Domain Name: {SITES["7000000102"].upper()}
Registry Domain ID: D0000418-DEMO
Updated Date: 2024-01-30T08:00:00Z
Creation Date: 2024-01-29T08:00:00Z
Registry Expiry Date: 2025-01-29T08:00:00Z
Registrar: Example Registrar, Inc.
Registrant Name: REDACTED FOR PRIVACY
Registrant Organization: Privacy service provided by Withheld for Privacy ehf
Registrant Email: Please query the RDAP service of the registrar of record
Name Server: NS1.VALLEYHOST.EXAMPLE
Name Server: NS2.VALLEYHOST.EXAMPLE
>>> Last update of WHOIS database: 2024-02-01T00:00:00Z <<<
"""
    return {SITES["7000000101"] + ".txt": historic, SITES["7000000102"] + ".txt": current}


def _html() -> dict[str, str]:
    pages = {}
    for n, (page_id, domain) in enumerate(SITES.items(), start=1):
        pages[domain + ".html"] = f"""<!doctype html>
<html><head><title>{PAGES[page_id]}</title>
<link rel="canonical" href="https://{domain}/">
<script async src="https://www.googletagmanager.com/gtag/js?id=UA-{GA_ACCOUNT}-{n}"></script>
<script>gtag('config', 'UA-{GA_ACCOUNT}-{n}');</script>
</head><body><h1>{PAGES[page_id]}</h1><p>Independent voices for the valley.</p>
<a href="https://www.facebook.com/{page_id}">Follow us</a></body></html>
"""
    return pages


def write_records(folder: Path, *, seed: int = 7) -> dict[str, list[Path]]:
    """Write the demo's records in their real formats under ``folder``; return the files by format."""
    rng = random.Random(seed)
    files: dict[str, list[Path]] = {}

    def put(kind: str, name: str, text: str) -> None:
        path = folder / kind / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        files.setdefault(kind, []).append(path)

    put("meta_ads", "ads_archive.jsonl", "".join(json.dumps(a) + "\n" for a in _ads(rng)))
    for name, doc in _companies_house().items():
        put("companies_house", name, json.dumps(doc, indent=2))
    put("fec_itcont", "itcont.txt", _itcont(rng))
    put("fec_committees", "committees.csv", _committees())
    for name, text in _whois().items():
        put("whois", name, text)
    for name, text in _html().items():
        put("html", name, text)
    return files


# The importer format of each folder of records.
FORMATS = {
    "meta_ads": "meta-ads",
    "companies_house": "companies-house",
    "fec_itcont": "fec",
    "fec_committees": "fec",
    "whois": "whois",
    "html": "html",
}
