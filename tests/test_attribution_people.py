"""Issue 15: a common name alone never merges two people; corroboration, conflicts, rarity, rejections."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from unmask.attribution.places import place
from unmask.attribution.rarity import NameRarity
from unmask.attribution.resolve import EntityRecord, Resolver, clusters
from unmask.case import Case
from unmask.cli import app
from unmask.names import parse_person

runner = CliRunner()


def _person(entity_id: str, name: str, **kw) -> EntityRecord:
    return EntityRecord(entity_id, "Person", [name], **kw)


def _decision(*records: EntityRecord) -> tuple[str, list[str], list[str]] | None:
    pairs = Resolver().fit(list(records)).pairs_
    return (pairs[0].decision, pairs[0].agree, pairs[0].conflict) if pairs else None


BRISTOL = "1 Harbour Row, Bristol, BS1 4DJ, England"
PORTLAND = "PORTLAND, OR 97201"
DALLAS = "DALLAS, TX 75201"


def test_two_john_smiths_from_different_places_are_candidates_not_merges() -> None:
    officer = _person(
        "gb-officer-1", "SMITH, John", birth_dates=["1979-03"], addresses=[BRISTOL], countries=["gb"]
    )
    portland = _person("fec-person-1", "SMITH, JOHN", addresses=[PORTLAND], employers=["ALDER RIDGE"])
    dallas = _person("whois-person-1", "John Smith", addresses=[DALLAS])
    pairs = Resolver().fit([officer, portland, dallas]).pairs_
    assert len(pairs) == 3 and {p.decision for p in pairs} == {"candidate"}
    conflicts = {(p.left_id, p.right_id): p.conflict for p in pairs}
    assert conflicts[("fec-person-1", "gb-officer-1")] == ["different countries (gb, us)"]
    assert conflicts[("fec-person-1", "whois-person-1")] == ["different US states (OR, TX)"]


def test_a_common_name_with_nothing_else_is_a_candidate() -> None:
    assert _decision(_person("fec-person-1", "SMITH, JOHN"), _person("whois-person-2", "John Smith")) == (
        "candidate",
        [],
        [],
    )


def test_a_rare_full_name_with_a_middle_name_still_merges() -> None:
    pair = Resolver().fit([_person("gb-officer-1", "HALVORSEN, Marit Elise"),
                           _person("fec-person-2", "Marit Elise Halvorsen")]).pairs_[0]  # fmt: skip
    assert pair.decision == "auto" and "a rare name" in pair.rule


@pytest.mark.parametrize(
    ("left", "right", "agrees"),
    [
        ({"birth_dates": ["1979-03"]}, {"birth_dates": ["1979-03-14"]}, "same month of birth (1979-03)"),
        ({"addresses": [PORTLAND]}, {"addresses": ["PORTLAND, OR 97201-1234"]}, "same postcode (97201)"),
        ({"addresses": ["12 Elm St, PORTLAND, OR 97201"]},
         {"addresses": ["12 ELM STREET, PORTLAND, OR 97201"]}, "same street address (12 ELM ST, 97201)"),
        ({"contacts": ["js@example.org"]}, {"contacts": ["JS@example.org"]},
         "same e-mail or phone (js@example.org)"),
        ({"addresses": [PORTLAND], "employers": ["Acme Inc."]}, {"addresses": ["PORTLAND, OR 97209"],
         "employers": ["ACME INC"]}, "same employer (acme inc) in the same town"),
    ],
)  # fmt: skip
def test_a_second_attribute_merges_a_common_name(left: dict, right: dict, agrees: str) -> None:
    decision, agree, conflict = _decision(
        _person("fec-person-1", "SMITH, JOHN", **left), _person("whois-person-2", "John Smith", **right)
    )
    assert (decision, agree, conflict) == ("auto", [agrees], [])


@pytest.mark.parametrize(
    ("left", "right", "conflicts"),
    [
        ({"birth_dates": ["1979-03"], "addresses": [PORTLAND]},
         {"birth_dates": ["1979-05"], "addresses": [PORTLAND]},
         "different months of birth (1979-03, 1979-05)"),
        ({"addresses": [PORTLAND], "contacts": ["a@b.org"]}, {"addresses": [DALLAS], "contacts": ["a@b.org"]},
         "different US states (OR, TX)"),
        ({"addresses": [PORTLAND], "contacts": ["a@b.org"]},
         {"addresses": ["SALEM, OR 97301"], "contacts": ["a@b.org"]}, "different postcode areas (972, 973)"),
        ({"countries": ["gb"], "contacts": ["a@b.org"]}, {"countries": ["us"], "contacts": ["a@b.org"]},
         "different countries (gb, us)"),
    ],
)  # fmt: skip
def test_a_conflicting_attribute_blocks_the_merge(left: dict, right: dict, conflicts: str) -> None:
    decision, _, conflict = _decision(
        _person("fec-person-1", "SMITH, JOHN", **left), _person("whois-person-2", "John Smith", **right)
    )
    assert decision == "candidate" and conflict == [conflicts]


def test_a_suffix_on_one_side_blocks_even_a_rare_name() -> None:
    decision, _, conflict = _decision(
        _person("fec-person-1", "HALVORSEN, MARIT ELISE JR"),
        _person("whois-person-2", "Marit Elise Halvorsen"),
    )
    assert decision == "candidate" and "suffix" in conflict[0]


def test_different_years_of_birth_make_no_pair() -> None:
    assert _decision(_person("a", "SMITH, JOHN", birth_dates=["1979"]), _person("b", "John Smith",
                     birth_dates=["1981-02"])) is None  # fmt: skip


def test_a_treasurers_committee_address_corroborates_but_never_conflicts() -> None:
    box = "PO BOX 1234, BETHESDA, MD 20827"
    one = _person("fec-person-1", "MARTIN, STEVEN", work_addresses=[box])
    two = _person("fec-person-2", "MARTIN, STEVEN", work_addresses=["P.O. Box 1234, Bethesda, MD 20827"])
    assert _decision(one, two) == ("auto", ["same street address (PO BOX 1234, 20827)"], [])
    elsewhere = _person("fec-person-3", "MARTIN, STEVEN", work_addresses=["9 MAIN ST, AUSTIN, TX 78701"],
                        addresses=[PORTLAND])  # fmt: skip
    assert _decision(one, elsewhere) == ("candidate", [], [])


def test_a_name_common_in_the_case_is_not_rare() -> None:
    # Unknown to the census, but five more people of the case carry the surname.
    others = [_person(f"x-{i}", f"QUILLAN, Person{i}") for i in range(5)]
    pair = [
        _person("gb-officer-1", "QUILLAN, Zephyrine Odalys"),
        _person("fec-person-2", "Zephyrine Odalys Quillan"),
    ]
    alone = Resolver().fit(pair).pairs_[0]
    crowded = next(p for p in Resolver().fit(pair + others).pairs_ if p.left_id == "fec-person-2")
    assert alone.decision == "auto" and crowded.decision == "candidate"


def test_rarity_estimates_and_places() -> None:
    r = NameRarity().fit([])
    assert r.namesakes(parse_person("SMITH, JOHN")[0]) > 10_000
    assert not r.is_rare(parse_person("MARTIN, STEVEN")[0])
    assert r.namesakes(parse_person("J SMITH")[0]) == float("inf")  # an initial is no first name
    assert place("PO BOX 1234, BETHESDA, MD 20827").street == "PO BOX 1234"
    assert place("Flat 2, 10 Downing Street, London, SW1A 2AA, United Kingdom").area == "SW"


def test_candidates_are_grouped_by_name() -> None:
    pairs = Resolver().fit([_person("a-1", "SMITH, JOHN"), _person("b-2", "John Smith"),
                            _person("c-3", "Smith, John")]).pairs_  # fmt: skip
    assert {p.grouping for p in pairs} == {"Person: john smith"}


def test_a_rejected_pair_never_ends_in_one_cluster() -> None:
    merges = [("a", "b", 0.99), ("b", "c", 0.97), ("c", "d", 0.99)]
    canonical, refused = clusters(merges, rejected=[("a", "d")])
    assert canonical["a"] != canonical["d"]
    assert refused == [("b", "c", ("a", "d"))]  # the weakest merge on the chain is the one refused
    assert canonical["a"] == canonical["b"] and canonical["c"] == canonical["d"]


# --- the case, in the real formats, through the CLI -----------------------------------------------


def _itcont(name: str, city: str, state: str, zip_: str, employer: str, sub_id: str) -> str:
    fields = ["C99000001", "N", "Q1", "P", "99990000001", "15", "IND", name, city, state, zip_, employer,
              "ANALYST", "03152004", "500", "", f"T{sub_id}", "999001", "", "", sub_id]  # fmt: skip
    return "|".join(fields)


@pytest.fixture
def strangers(tmp_path: Path, write) -> str:
    """A page paid for by a Bristol company whose director is John Smith; two other John Smiths in the FEC
    file, one of them employed by the organisation under investigation."""
    officers = {
        "kind": "officer-list",
        "links": {"self": "/company/ZZ000001/officers"},
        "items": [
            {
                "name": "SMITH, John",
                "officer_role": "director",
                "appointed_on": "2020-01-02",
                "date_of_birth": {"month": 3, "year": 1979},
                "country_of_residence": "England",
                "address": {"premises": "1", "address_line_1": "Harbour Row", "locality": "Bristol",
                            "postal_code": "BS1 4DJ", "country": "United Kingdom"},
                "links": {"officer": {"appointments": "/officers/zzofficer1/appointments"}},
            }
        ],
    }  # fmt: skip
    profile = {"company_name": "HARBOUR ROW CONSULTING LTD", "company_number": "ZZ000001", "type": "ltd"}
    ads = {"id": "1", "page_id": "7000000001", "page_name": "Bristol Voices",
           "bylines": "Harbour Row Consulting Ltd", "ad_delivery_start_time": "2024-05-01"}  # fmt: skip
    itcont = "\n".join(
        [
            _itcont("SMITH, JOHN", "PORTLAND", "OR", "97201", "ALDER RIDGE COUNCIL", "1"),
            _itcont("SMITH, JOHN", "DALLAS", "TX", "75201", "SELF", "2"),
        ]
    )
    case = str(tmp_path / "c.duckdb")
    for fmt, path in [
        ("companies-house", write("officers.json", json.dumps(officers))),
        ("companies-house", write("profile.json", json.dumps(profile))),
        ("meta-ads", write("ads.jsonl", json.dumps(ads) + "\n")),
        ("fec", write("itcont.txt", itcont + "\n")),
    ]:
        result = runner.invoke(app, ["import", fmt, str(path), "--case", case])
        assert result.exit_code == 0, result.output
    return case


def test_explain_has_no_path_through_a_common_name(strangers: str) -> None:
    result = runner.invoke(
        app, ["explain", "Bristol Voices", "ALDER RIDGE COUNCIL", "--case", strangers, "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["paths"] == []
    walked = [
        "explain",
        "Bristol Voices",
        "ALDER RIDGE COUNCIL",
        "--case",
        strangers,
        "--candidates",
        "--json",
    ]
    paths = json.loads(runner.invoke(app, walked).output)["paths"]
    assert paths and all("candidate" in [h.get("decision") for h in path] for path in paths)
    with Case.open(strangers, read_only=True) as c:
        assert c.scalar("SELECT count(*) FROM resolutions WHERE decision = 'auto' AND schema = 'Person'") == 0


def test_explain_says_why_two_records_are_apart(strangers: str) -> None:
    with Case.open(strangers, read_only=True) as c:
        officer, portland = (
            c.scalar("SELECT entity_id FROM statements WHERE value = ? LIMIT 1", [name])
            for name in ("SMITH, John", "SMITH, JOHN")
        )
    result = runner.invoke(app, ["explain", officer, portland, "--case", strangers])
    assert "Not one entity: a candidate merge nobody has reviewed" in result.output
    assert "different countries (gb, us)" in result.output


def test_a_reviewers_rejection_splits_a_chain_of_merges(tmp_path: Path, write) -> None:
    # Three records of one rare name, each pair corroborated; the reviewer rejects the outer pair.
    people = [
        ("MERRIWEATHER, Odalys Quintessa", "1 Harbour Row, Bristol, BS1 4DJ", "gb-officer-a"),
        ("Odalys Quintessa Merriweather", "1 Harbour Row, Bristol, BS1 4DJ", "b"),
        ("MERRIWEATHER, ODALYS QUINTESSA", "1 Harbour Row, Bristol, BS1 4DJ", "c"),
    ]
    records = [EntityRecord(eid, "Person", [name], addresses=[addr]) for name, addr, eid in people]
    merges = [(p.left_id, p.right_id, p.score) for p in Resolver().fit(records).pairs_]
    assert len(merges) == 3
    canonical, refused = clusters(merges, rejected=[("b", "gb-officer-a")])
    assert canonical["b"] != canonical["gb-officer-a"] and len(refused) == 2


def test_a_professional_treasurer_is_a_costly_hop(tmp_path: Path, write) -> None:
    # One treasurer at one office for 12 committees: merged on the shared address, but the role joins
    # clients, not one operation, so crossing it costs what a generic payer's link costs.
    header = "cmte_id,cmte_nm,tres_nm,cmte_st1,cmte_st2,cmte_city,cmte_st,cmte_zip,cmte_dsgn,cmte_tp,"
    header += "cmte_pty_affiliation,cmte_filing_freq,org_tp,connected_org_nm,cand_id"
    rows = [f'C990000{i:02d},FUND {i},"QUILLBY, ODELL",PO BOX 77,,ALEXANDRIA,VA,22313,U,N,UNK,Q,,,'
            for i in range(12)]  # fmt: skip
    case = str(tmp_path / "c.duckdb")
    path = write("committees.csv", header + "\n" + "\n".join(rows) + "\n")
    assert runner.invoke(app, ["import", "fec", str(path), "--case", case]).exit_code == 0
    assert runner.invoke(app, ["attribution", "run", "--case", case]).exit_code == 0
    with Case.open(case, read_only=True) as c:
        links = c.query("SELECT relation, weight FROM links WHERE relation LIKE 'treasurer of%'")
    assert len(links) == 12
    assert all(r["weight"] == 6.0 and "one of 12 organisations" in r["relation"] for r in links)


def test_a_placeholder_name_never_matches_and_the_candidates_own_committee_corroborates() -> None:
    assert _decision(_person("fec-person-1", "TBD, TBD"), _person("fec-person-2", "TBD, TBD")) is None
    candidate = _person("fec-candidate-H1", "SMITH, JOHN", addresses=[PORTLAND])
    treasurer = _person("fec-person-3", "SMITH, JOHN", related=["fec-candidate-H1"])
    assert _decision(candidate, treasurer) == ("auto", ["treasurer of this candidate's own committee"], [])


def test_a_rare_name_alone_does_not_cross_states() -> None:
    one = _person("fec-person-1", "HALVORSEN, Marit Elise", work_addresses=["MOBILE, AL 36602"])
    two = _person("fec-person-2", "HALVORSEN, MARIT ELISE", work_addresses=["PENSACOLA, FL 32505"])
    decision, _, conflict = _decision(one, two)
    assert decision == "candidate" and conflict == ["different states where they act (AL, FL)"]
