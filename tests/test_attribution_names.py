"""Name comparison and entity resolution: each rule on names whose answer is known, and the labelled set."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from unmask.attribution.payers import classify
from unmask.attribution.resolve import EntityRecord, Resolver, clusters
from unmask.names import AUTO_MERGE, CANDIDATE, compare_names, parse_person

NAME_PAIRS = Path(__file__).resolve().parents[1] / "bench" / "data" / "name_pairs.csv"


@pytest.mark.parametrize(
    ("a", "b", "schema", "rule_has"),
    [
        ("HALVORSEN, Marit Elise", "Marit Elise Halvorsen", "Person", "order"),
        ("Paul ABLIN", "ABLIN, Paul", "Person", "order"),
        ("José Müller", "JOSE MUELLER", "Person", "diacritics"),
        ("Søren Kjærgaard", "SOEREN KJAERGAARD", "Person", "diacritics"),
        ("Александр Иванов", "Aleksandr Ivanov", "Person", "script"),
        ("Anna Garcia-Lopez", "GARCIA LOPEZ, ANNA", "Person", "punctuation"),
        ("WHITCOMB, GERALD JR.", "Gerald Whitcomb, Jr.", "Person", "same name"),
        ("Acme Digital Media Ltd", "ACME DIGITAL MEDIA LIMITED", "Company", "legal form"),
        ("Brightline Civic Strategies", "BRIGHTLINE CIVIC STRATEGIES LTD", "Company", "legal form"),
    ],
)
def test_variants_of_one_name_merge_automatically(a: str, b: str, schema: str, rule_has: str) -> None:
    match = compare_names(a, b, schema)
    assert match.score >= AUTO_MERGE
    assert rule_has in match.rule


@pytest.mark.parametrize(
    ("a", "b", "schema", "rule_has"),
    [
        ("THORNBURY, MARY E", "Mary Ellen Thornbury", "Person", "initial"),
        ("Marian Whitlock", "WHITLOCK, Marian Elizabeth", "Person", "one side only"),
        ("J. Smith", "John Smith", "Person", "first name against its initial"),
        ("Aleksandr Ivanov", "Alexander Ivanov", "Person", "spelling variant"),
        ("Anna Garcia", "Anna Garcia-Lopez", "Person", "double surname"),
        ("Acme Digital Media Ltd", "Acme Digtial Media Ltd", "Company", "slip"),
    ],
)
def test_uncertain_variants_are_candidates_for_review(a: str, b: str, schema: str, rule_has: str) -> None:
    match = compare_names(a, b, schema)
    assert CANDIDATE <= match.score < AUTO_MERGE
    assert rule_has in match.rule


@pytest.mark.parametrize(
    ("a", "b", "schema"),
    [
        ("SMITH, John", "SMITH, Mary", "Person"),  # relatives
        ("John Smith Jr", "John Smith Sr", "Person"),  # father and son
        ("FAIRBAIRN, THOMAS MR.", "FAIRBAIRN, THOMAS MRS.", "Person"),  # his wife, in FEC's convention
        ("John A. Smith", "John B. Smith", "Person"),
        ("Marian Whitlock", "Marian Whitfield", "Person"),
        ("Acme Digital Media Ltd", "Acme Digital Outreach Ltd", "Company"),
        ("Northwind Strategies LLC", "Northwind Strategy Group LLC", "Company"),
        ("Kookaburra Digital Pty Ltd", "Kookaburra Digital Ltd", "Company"),  # Australian and British
        ("Stadt Zürich", "SP Stadt Zürich", "Company"),  # a city and a party, not a legal form
    ],
)
def test_hard_negatives_are_not_merged(a: str, b: str, schema: str) -> None:
    assert compare_names(a, b, schema).score < CANDIDATE


def test_surname_in_capitals_and_after_a_comma_are_both_read_as_the_surname() -> None:
    [ch_list] = parse_person("VANDERSLOOT, Marit Elise")
    [ch_appointment] = parse_person("Marit Elise VANDERSLOOT")
    assert ch_list.family == ch_appointment.family == (frozenset({"vandersloot"}),)
    assert [sorted(g) for g in ch_list.given] == [["marit"], ["elise"]]


def test_labelled_name_pairs_precision_of_automatic_merges() -> None:
    """bench/data/name_pairs.csv was written before the matcher was tuned, by someone who did not see it."""
    rows = list(csv.DictReader(NAME_PAIRS.open(encoding="utf-8")))
    merged = [r for r in rows if compare_names(r["a"], r["b"], r["schema"]).score >= AUTO_MERGE]
    true = sum(r["same"] == "1" for r in merged)
    positives = sum(r["same"] == "1" for r in rows)
    assert len(rows) >= 400
    assert true / len(merged) >= 0.99
    assert true / positives >= 0.6  # measured 0.67: the rest are candidates for review, by design


def _person(entity_id: str, name: str, **kw) -> EntityRecord:
    return EntityRecord(entity_id, "Person", [name], **kw)


def test_resolver_merges_across_sources_and_keeps_the_rule() -> None:
    pairs = (
        Resolver()
        .fit(
            [
                _person("gb-officer-1", "HALVORSEN, Marit Elise"),
                _person("fec-donor-2", "HALVORSEN, MARIT ELISE"),
                _person("fec-donor-3", "SMITH, JOHN"),
            ]
        )
        .pairs_
    )
    assert [(p.left_id, p.right_id, p.decision) for p in pairs] == [("fec-donor-2", "gb-officer-1", "auto")]
    assert pairs[0].rule.startswith("same name: case; a rare name")


def test_two_ids_of_one_register_are_never_merged_automatically() -> None:
    home = ["PORTLAND, OR 97201"]
    donors = [
        _person("fec-donor-1", "SMITH, JOHN", addresses=home),
        _person("fec-donor-2", "SMITH, JOHN", addresses=home),
    ]
    [pair] = Resolver().fit(donors).pairs_
    assert pair.decision == "candidate"
    assert "one register" in pair.rule


def test_different_years_of_birth_forbid_a_merge_and_shared_details_corroborate() -> None:
    born = [
        _person("gb-officer-1", "Marit Elise Halvorsen", birth_dates=["1968-04"]),
        _person("whois-person-2", "Marit Elise Halvorsen", birth_dates=["1971-02"]),
    ]
    assert Resolver().fit(born).pairs_ == []
    initial = [
        _person("gb-officer-1", "Marit Elise Halvorsen", addresses=["1 Quill Yard, London, ZZ1 1ZZ"]),
        _person("fec-donor-2", "HALVORSEN, MARIT E", addresses=["LONDON ZZ1 1ZZ"]),
    ]
    [pair] = Resolver().fit(initial).pairs_
    assert pair.decision == "auto" and "same postcode" in pair.rule and "initial" in pair.rule


def test_a_shared_identifier_merges_and_people_never_merge_with_companies() -> None:
    records = [
        EntityRecord("fec-committee-C00000001", "Organization", ["FRIENDS OF X"], identifiers=["C00000001"]),
        EntityRecord(
            "google-advertiser-AR1", "LegalEntity", ["Friends of X Committee"], identifiers=["C00000001"]
        ),
        EntityRecord("gb-company-1", "Company", ["Marit Halvorsen"]),
        _person("fec-donor-1", "Marit Halvorsen"),
    ]
    pairs = Resolver().fit(records).pairs_
    assert [(p.score, p.rule, p.decision) for p in pairs] == [(1.0, "same identifier C00000001", "auto")]


def test_pages_are_not_resolved_and_clusters_take_the_smallest_id() -> None:
    records = [EntityRecord("facebook-page-1", "LegalEntity", ["Acme Media"]), EntityRecord(
        "meta-payer-1", "LegalEntity", ["Acme Media"])]  # fmt: skip
    assert Resolver().fit(records).pairs_ == []
    assert clusters([("b", "c"), ("a", "b"), ("x", "y")])[0] == {
        "a": "a",
        "b": "a",
        "c": "a",
        "x": "x",
        "y": "x",
    }


@pytest.mark.parametrize(
    ("name", "pages", "kind"),
    [
        ("These ads ran without a disclaimer", 8906, "placeholder"),
        ("an advertiser in Ukraine", 401, "placeholder"),
        ("N/A", 2, "placeholder"),
        ("Some Label", 500, "platform-wide"),
        ("Northstar Digital Marketing Agency", 4, "agency"),
        ("Northstar Digital Marketing Agency", 2, "specific"),
        ("Fidesz", 24, "specific"),
    ],
)
def test_payer_classes(name: str, pages: int, kind: str) -> None:
    assert classify(name, pages, 20_000).kind == kind
