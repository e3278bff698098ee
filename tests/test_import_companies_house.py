"""companies-house: company profiles, officer lists and officer appointments become Companies, officers and
Directorships; an officer is one entity whichever response names them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import case_contents as snapshot
from conftest import entity_ids
from conftest import entity_props as props
from conftest import entity_schema as schema_of
from conftest import quarantined as quarantine_rows
from unmask.errors import FormatError
from unmask.ingest import import_files
from unmask.ingest.record_stage import make_id

REGISTER = "https://find-and-update.company-information.service.gov.uk"

# Invented companies and people, in the layouts the API returns.
PROFILE = {
    "company_name": "EXAMPLE MEDIA LIMITED",
    "company_number": "00000042",
    "company_status": "active",
    "date_of_creation": "2001-01-10",
    "type": "ltd",
    "registered_office_address": {
        "premises": "1",
        "address_line_1": "Invented Street",
        "locality": "London",
        "postal_code": "EC1A 1AA",
        "country": "United Kingdom",
    },
    "sic_codes": ["58130", "63120"],
    "previous_company_names": [{"name": "EXAMPLE NEWS PLC", "ceased_on": "2007-03-20"}],
    "links": {"self": "/company/00000042"},
}
OFFICER_ID = "Ab_cD-1234567"  # the API's officer ids carry underscores and dashes
OFFICER_LIST = {
    "kind": "officer-list",
    "links": {"self": "/company/00000042/officers"},
    "items": [
        {
            "name": "SAMPLE, Jane Quinn",
            "officer_role": "director",
            "appointed_on": "2020-01-02",
            "date_of_birth": {"month": 3, "year": 1975},
            "nationality": "British",
            "country_of_residence": "England",
            "occupation": "Publisher",
            "address": {"premises": "1", "address_line_1": "Invented Street", "locality": "London"},
            "links": {
                "self": "/company/00000042/appointments/xyz",
                "officer": {"appointments": f"/officers/{OFFICER_ID}/appointments"},
            },
        },
        {
            "name": "EXAMPLE HOLDINGS LTD",
            "officer_role": "corporate-secretary",
            "appointed_on": "2019-05-06",
            "resigned_on": "2021-05-06",
            "links": {"officer": {"appointments": "/officers/CORP0000001/appointments"}},
        },
    ],
}
APPOINTMENTS = {
    "kind": "personal-appointment",
    "name": "Jane Quinn SAMPLE",
    "date_of_birth": {"month": 3, "year": 1975},
    "is_corporate_officer": False,
    "links": {"self": f"/officers/{OFFICER_ID}/appointments"},
    "items": [
        {
            "appointed_on": "2020-01-02",
            "appointed_to": {
                "company_name": "EXAMPLE MEDIA LIMITED",
                "company_number": "00000042",
                "company_status": "active",
            },
            "name": "Jane Quinn SAMPLE",
            "name_elements": {"forename": "Jane", "middle_name": "Quinn", "surname": "SAMPLE", "title": "Ms"},
            "officer_role": "director",
        },
        {
            "appointed_on": "2015-02-03",
            "resigned_on": "2018-09-19",
            "appointed_to": {"company_name": "EXAMPLE PRINT LIMITED", "company_number": "SC000043"},
            "name": "Jane Quinn SAMPLE",
            "officer_role": "secretary",
        },
    ],
}


def officer_id(officer: str) -> str:
    return make_id("gb-officer", officer)


def test_company_profile(case, write) -> None:
    [result] = import_files(case, "companies-house", [write("profile.json", json.dumps(PROFILE, indent=2))])
    assert (result.loaded, result.quarantined) == (1, 0)
    company = "gb-company-00000042"
    assert props(case, company) == {
        "address": ["1, Invented Street, London, EC1A 1AA, United Kingdom"],
        "incorporationDate": ["2001-01-10"],
        "jurisdiction": ["gb"],
        "legalForm": ["ltd"],
        "name": ["EXAMPLE MEDIA LIMITED"],
        "previousName": ["EXAMPLE NEWS PLC"],
        "registrationNumber": ["00000042"],
        "sector": ["58130", "63120"],
        "sourceUrl": [f"{REGISTER}/company/00000042"],
        "status": ["active"],
    }
    assert schema_of(case, company) == "Company"


def test_officer_list(case, write) -> None:
    [result] = import_files(case, "companies-house", [write("officers.json", json.dumps(OFFICER_LIST))])
    assert (result.loaded, result.quarantined) == (2, 0)
    jane = officer_id(OFFICER_ID)
    assert jane.startswith("gb-officer-")
    assert schema_of(case, jane) == "Person"
    assert props(case, jane) == {
        "address": ["1, Invented Street, London"],
        "birthDate": ["1975-03"],  # month and year only, as the register gives it
        "country": ["gb"],
        "name": ["SAMPLE, Jane Quinn"],
        "nationality": ["gb"],
        "position": ["Publisher"],
        "sourceUrl": [f"{REGISTER}/officers/{OFFICER_ID}/appointments"],
    }
    # The list names its company only in links.self: the company has its number and no name.
    assert props(case, "gb-company-00000042")["registrationNumber"] == ["00000042"]
    assert "name" not in props(case, "gb-company-00000042")

    corporate = officer_id("CORP0000001")
    assert schema_of(case, corporate) == "Company"
    assert "birthDate" not in props(case, corporate)
    roles = {props(case, d)["role"][0]: props(case, d) for d in entity_ids(case, "Directorship")}
    assert roles["director"]["director"] == [jane]
    assert roles["director"]["organization"] == ["gb-company-00000042"]
    assert roles["director"]["startDate"] == ["2020-01-02"]
    assert roles["corporate-secretary"]["director"] == [corporate]
    assert roles["corporate-secretary"]["endDate"] == ["2021-05-06"]


def test_appointments_join_the_officer_list(case, write) -> None:
    officers = write("officers.json", json.dumps(OFFICER_LIST))
    appointments = write("appointments.json", json.dumps(APPOINTMENTS))
    results = import_files(case, "companies-house", [officers, appointments])
    assert [(r.loaded, r.quarantined) for r in results] == [(2, 0), (2, 0)]
    jane = officer_id(OFFICER_ID)
    # links.officer.appointments of the list and links.self of the appointments name one officer.
    assert jane in entity_ids(case, "Person", results[1].source_id)
    assert entity_ids(case, "Person") == [jane]
    jane_props = props(case, jane)
    assert jane_props["name"] == ["Jane Quinn SAMPLE", "SAMPLE, Jane Quinn"]
    assert jane_props["firstName"] == ["Jane"] and jane_props["middleName"] == ["Quinn"]
    assert jane_props["lastName"] == ["SAMPLE"] and jane_props["title"] == ["Ms"]
    # The envelope's date of birth stands for the items', which do not repeat it.
    assert jane_props["birthDate"] == ["1975-03"]

    # The one appointment both responses describe is one Directorship, with statements from both.
    both = case.query(
        "SELECT entity_id FROM statements WHERE schema = 'Directorship'"
        " GROUP BY entity_id HAVING count(DISTINCT source_id) = 2"
    )
    expected = make_id("gb-appointment", jane, "gb-company-00000042", "director", "2020-01-02")
    assert [r["entity_id"] for r in both] == [expected]
    assert props(case, "gb-company-00000042")["name"] == ["EXAMPLE MEDIA LIMITED"]

    past = props(case, make_id("gb-appointment", jane, "gb-company-SC000043", "secretary", "2015-02-03"))
    assert past["role"] == ["secretary"]
    assert (past["startDate"], past["endDate"]) == (["2015-02-03"], ["2018-09-19"])
    assert props(case, "gb-company-SC000043")["name"] == ["EXAMPLE PRINT LIMITED"]


def test_birth_date_without_a_month_is_the_year(case, write) -> None:
    officers = json.loads(json.dumps(OFFICER_LIST))
    officers["items"][0]["date_of_birth"] = {"year": 1975}
    import_files(case, "companies-house", [write("officers.json", json.dumps(officers))])
    assert props(case, officer_id(OFFICER_ID))["birthDate"] == ["1975"]


def test_officer_without_an_officer_link_gets_a_stable_id(case, write) -> None:
    officers = json.loads(json.dumps(OFFICER_LIST))
    del officers["items"][0]["links"]["officer"]
    first = write("a.json", json.dumps(officers))
    officers["etag"] = "another page of the same list"
    second = write("b.json", json.dumps(officers))
    import_files(case, "companies-house", [first, second])
    # Without an officer id the same name, birth date and address make the same person in both files.
    people = entity_ids(case, "Person")
    assert len(people) == 1 and people[0].startswith("gb-officer-")
    assert "sourceUrl" not in props(case, people[0])


def test_records_without_a_company_are_quarantined(case, write) -> None:
    no_number = write("no-number.json", json.dumps({"company_name": "NO NUMBER LTD"}))
    blank = write("blank.json", json.dumps({**PROFILE, "company_number": "  "}))
    no_link = {
        "kind": "officer-list",
        "links": {"self": "/officers"},
        "items": [{**item, "links": {"officer": item["links"]["officer"]}} for item in OFFICER_LIST["items"]],
    }
    text = json.dumps(no_link, indent=2)
    officers = write("officers.json", text)
    # The items of the pretty-printed list start where a brace opens at their indentation.
    starts = [i for i, line in enumerate(text.split("\n"), start=1) if line == "    {"]
    appointments = write(
        "appointments.json",
        json.dumps(
            {
                **APPOINTMENTS,
                "name": None,  # else the envelope's name stands for an item's
                "items": [
                    {"name": "X", "officer_role": "director"},
                    {"name": "X", "appointed_to": {"company_name": "NO NUMBER"}},
                    {"appointed_to": {"company_number": "00000042"}},
                ],
            }
        ),
    )
    results = import_files(case, "companies-house", [no_number, blank, officers, appointments])
    assert [(r.loaded, r.quarantined) for r in results] == [(0, 1), (0, 1), (0, 2), (0, 3)]
    assert quarantine_rows(case) == [
        (
            1,
            1,
            "company_number",
            "not a company profile, officer list or appointments response: no company_number",
        ),
        (1, 1, "company_number", "missing company_number"),
        (1, starts[0], "links.self", "officer list without a company number in links.self"),
        (2, starts[1], "links.self", "officer list without a company number in links.self"),
        (1, 1, "appointed_to", "missing appointed_to (the company)"),
        (2, 1, "appointed_to.company_number", "missing company number"),
        (3, 1, "name", "missing officer name"),
    ]
    assert results[2].reasons == {"officer list without a company number in links.self": 2}
    assert case.scalar("SELECT count(*) FROM statements") == 0


def test_company_number_from_the_items_own_link(case, write) -> None:
    # An officer list saved without its envelope's links still names the company in each item's links.self.
    officers = {**OFFICER_LIST, "links": {}}
    [result] = import_files(case, "companies-house", [write("officers.json", json.dumps(officers))])
    assert (result.loaded, result.quarantined) == (1, 1)
    assert props(case, "gb-company-00000042")["registrationNumber"] == ["00000042"]


def test_concatenated_responses_in_one_file(case, write) -> None:
    text = json.dumps(PROFILE) + "\n" + json.dumps(OFFICER_LIST) + "\n" + json.dumps(APPOINTMENTS) + "\n"
    [result] = import_files(case, "companies-house", [write("all.json", text)])
    assert (result.loaded, result.quarantined) == (5, 0)
    assert entity_ids(case, "Person") == [officer_id(OFFICER_ID)]


@pytest.mark.parametrize("layout", ["array", "jsonl"])
def test_array_or_json_lines_of_responses(case, write, layout: str) -> None:
    responses = [PROFILE, OFFICER_LIST, APPOINTMENTS]
    if layout == "array":
        path = write("responses.json", json.dumps(responses))
    else:
        path = write("responses.jsonl", "".join(json.dumps(r) + "\n" for r in responses))
    [result] = import_files(case, "companies-house", [path])
    assert (result.loaded, result.quarantined) == (5, 0)


def test_truncated_response_keeps_the_items_before_the_cut(case, write) -> None:
    text = json.dumps(APPOINTMENTS, indent=2)
    cut = text[: text.index('"EXAMPLE PRINT LIMITED"')]
    [result] = import_files(case, "companies-house", [write("appointments.json", cut)])
    assert (result.loaded, result.quarantined) == (1, 1)
    [(record_no, _line, _field, reason)] = quarantine_rows(case)
    assert record_no == 2 and reason.startswith("truncated record")
    assert entity_ids(case, "Person") == [officer_id(OFFICER_ID)]


def test_response_cut_between_items_says_so(case, write) -> None:
    text = json.dumps(APPOINTMENTS, indent=2)
    cut = text[: text.index('"EXAMPLE PRINT LIMITED"')]
    cut = cut[: cut.rindex("{", 0, cut.rindex("{"))]  # before the second item's opening brace
    [result] = import_files(case, "companies-house", [write("appointments.json", cut)])
    assert (result.loaded, result.quarantined) == (1, 0)
    assert any("cut" in note for note in result.notes), result.notes


def test_unreadable_files_raise_format_error(case, write) -> None:
    with pytest.raises(FormatError, match=r"bad\.json, line 3: invalid JSON"):
        import_files(case, "companies-house", [write("bad.json", '{\n "items": []\n "x": 1}')])
    with pytest.raises(FormatError, match=r"text\.json, line 1: expected a JSON object or list"):
        import_files(case, "companies-house", [write("text.json", "company number 00000042\n")])
    assert case.scalar("SELECT count(*) FROM sources") == 0


def test_hostile_values_are_stored_as_plain_text(case, write) -> None:
    script = "<script>alert(1)</script> LIMITED"
    rtl = "SAMPLE\u202e, Jane"
    officers = json.loads(json.dumps(OFFICER_LIST))
    officers["items"][0]["name"] = rtl
    profile = write("profile.json", json.dumps({**PROFILE, "company_name": script}))
    results = import_files(case, "companies-house", [profile, write("officers.json", json.dumps(officers))])
    assert [r.loaded for r in results] == [1, 2]
    assert props(case, "gb-company-00000042")["name"] == [script]
    assert props(case, officer_id(OFFICER_ID))["name"] == [rtl]


def test_reimport_is_skipped_and_changes_nothing(case, write) -> None:
    path = write("appointments.json", json.dumps(APPOINTMENTS))
    [first] = import_files(case, "companies-house", [path])
    before = snapshot(case)
    statements = case.scalar("SELECT count(*) FROM statements")
    [again] = import_files(case, "companies-house", [path])
    assert not first.skipped and again.skipped
    assert case.scalar("SELECT count(*) FROM statements") == statements > 0
    assert snapshot(case) == before


# -- the real samples -------------------------------------------------------------------------------------


@pytest.mark.data
def test_real_companies_house_samples(case, shared_data: Path) -> None:
    folder = shared_data / "samples" / "companies_house"
    names = ["company_profile.json", "company_profile_2015_layout.json", "officers_list.json"]
    names.append("officer_appointments.json")
    results = dict(
        zip(names, import_files(case, "companies-house", [folder / n for n in names]), strict=True)
    )
    assert {n: (r.loaded, r.quarantined) for n, r in results.items()} == {
        "company_profile.json": (1, 0),
        "company_profile_2015_layout.json": (1, 0),
        "officers_list.json": (5, 0),
        "officer_appointments.json": (9, 0),
    }
    royal_mail = props(case, "gb-company-04138203")
    assert royal_mail["name"] == ["ROYAL MAIL GROUP LIMITED"]
    assert royal_mail["incorporationDate"] == ["2001-01-10"]
    assert "ROYAL MAIL GROUP PLC" in royal_mail["previousName"]
    old = props(case, "gb-company-02894655")
    assert old["status"] == ["dissolved"] and old["dissolutionDate"] == ["1996-09-03"]

    # The officer the appointments file describes is the one the officer list links to.
    appointments = json.loads((folder / "officer_appointments.json").read_text(encoding="utf-8"))
    officers = json.loads((folder / "officers_list.json").read_text(encoding="utf-8"))
    own = appointments["links"]["self"].split("/")[2]
    [listed] = [o for o in officers["items"] if o["links"]["officer"]["appointments"].split("/")[2] == own]
    ablin = officer_id(own)
    assert entity_ids(case, "Person", results["officer_appointments.json"].source_id) == [ablin]
    assert ablin in entity_ids(case, "Person", results["officers_list.json"].source_id)
    assert props(case, ablin)["birthDate"] == ["1975-03"]
    assert sorted(props(case, ablin)["name"]) == sorted({appointments["name"], listed["name"]})

    # Nine appointments, and the one at Royal Mail is the Directorship the officer list gives.
    directorships = case.query(
        "SELECT DISTINCT entity_id FROM statements WHERE prop = 'director' AND value = ?", [ablin]
    )
    assert len(directorships) == 9
    shared = make_id("gb-appointment", ablin, "gb-company-04138203", "director", listed["appointed_on"])
    sources = case.query("SELECT DISTINCT source_id FROM statements WHERE entity_id = ? ORDER BY 1", [shared])
    assert [s["source_id"] for s in sources] == sorted(
        [results["officers_list.json"].source_id, results["officer_appointments.json"].source_id]
    )
    # Every officer's birth date is a month, never a made-up day.
    births = case.query("SELECT DISTINCT value FROM statements WHERE prop = 'birthDate'")
    assert births and all(len(b["value"]) == 7 for b in births)
