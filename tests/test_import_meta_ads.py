"""meta-ads: Ad Library API records and Ad Library Report CSVs become FtM statements; broken records are
quarantined with their line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from conftest import case_contents as snapshot
from conftest import entity_ids
from conftest import entity_props as props
from conftest import quarantined as quarantine_rows
from unmask.errors import FormatError
from unmask.ingest import import_files
from unmask.ingest.meta_ads import strip_token
from unmask.ingest.record_stage import make_id, name_key

REPORT_NAME = "FacebookAdLibraryReport_2025-07-02_HU_last_30_days_advertisers.csv"
REPORT_HEADER = "Page ID,Page name,Disclaimer,Amount spent (HUF),Number of ads in Library\n"

# An invented ad with every field the reader maps; the token in the snapshot URL must never be stored.
AD = {
    "id": "900000000000001",
    "page_id": "100000000000001",
    "page_name": "Example News",
    "bylines": "Example Media Fund",
    "ad_creation_time": "2024-03-01",
    "ad_delivery_start_time": "2024-03-02",
    "ad_delivery_stop_time": "2024-03-09",
    "currency": "EUR",
    "spend": {"lower_bound": "100", "upper_bound": "199"},
    "impressions": {"lower_bound": "1000", "upper_bound": "1999"},
    "publisher_platforms": ["facebook", "instagram"],
    "languages": ["en"],
    "ad_creative_bodies": ["Read the story."],
    "ad_creative_link_captions": ["www.example-news.example"],
    "ad_snapshot_url": "https://www.facebook.com/ads/archive/render_ad/?id=900000000000001&access_token=SECRET42",
}


def ad(**changes: object) -> dict:
    return {**AD, **changes}


def jsonl(*records: object) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


# -- API records -------------------------------------------------------------------------------------------


def test_strip_token_keeps_the_rest_of_the_url() -> None:
    url = "https://www.facebook.com/ads/archive/render_ad/?id=1&access_token=abc&x=2"
    assert strip_token(url) == "https://www.facebook.com/ads/archive/render_ad/?id=1&x=2"
    assert strip_token(None) is None and strip_token("") == ""


def test_api_ad_maps_page_payer_payment_and_site(case, write) -> None:
    [result] = import_files(case, "meta-ads", [write("ads.jsonl", jsonl(AD))])
    assert (result.loaded, result.quarantined) == (1, 0)

    page = make_id("facebook-page", AD["page_id"])
    payer = make_id("meta-payer", name_key("Example Media Fund"))
    assert props(case, page) == {
        "description": ["Facebook page"],
        "name": ["Example News"],
        "sourceUrl": ["https://www.facebook.com/100000000000001"],
    }
    assert props(case, payer) == {"description": ["ad payer (disclaimer)"], "name": ["Example Media Fund"]}
    payment = props(case, make_id("meta-ad", AD["id"]))
    assert payment["payer"] == [payer] and payment["beneficiary"] == [page]
    assert payment["amount"] == ["100"] and payment["currency"] == ["EUR"]
    assert payment["date"] == ["2024-03-01"]
    assert (payment["startDate"], payment["endDate"]) == (["2024-03-02"], ["2024-03-09"])
    assert payment["recordId"] == [AD["id"]]
    assert payment["description"] == ["Read the story."]
    assert payment["summary"] == [
        "spend 100–199 EUR; impressions 1000–1999; platforms facebook, instagram; languages en"
    ]
    assert payment["sourceUrl"] == ["https://www.facebook.com/ads/archive/render_ad/?id=900000000000001"]

    # The link caption is a bare domain: the page's ads send people to that site.
    assert props(case, "site-example-news.example") == {
        "description": ["website"],
        "name": ["example-news.example"],
        "sourceUrl": ["https://example-news.example/"],
    }
    [link] = entity_ids(case, "UnknownLink")
    assert props(case, link)["subject"] == [page]
    assert props(case, link)["object"] == ["site-example-news.example"]
    assert case.scalar("SELECT count(*) FROM statements WHERE value LIKE '%SECRET42%'") == 0


def test_captions_that_are_not_domains_make_no_site(case, write) -> None:
    captions = ["Read more", "https://www.example-news.example/story/1", "EXAMPLE-NEWS.EXAMPLE"]
    [result] = import_files(
        case, "meta-ads", [write("ads.jsonl", jsonl(ad(ad_creative_link_captions=captions)))]
    )
    assert result.loaded == 1
    # Only the bare domain counts (case folded); prose and deep links are not a site.
    assert entity_ids(case, "Asset") == ["site-example-news.example"]
    assert len(entity_ids(case, "UnknownLink")) == 1


def test_api_response_array_and_bare_object_read_alike(case, write) -> None:
    second = ad(id="900000000000002", page_id="100000000000002", bylines="example media  FUND")
    response = write("response.json", json.dumps({"data": [AD, second], "paging": {"next": "x"}}, indent=2))
    array = write("array.json", json.dumps([ad(id="900000000000003")]))
    bare = AD | {"_id": "900000000000004"}
    del bare["id"]
    single = write("single.json", json.dumps(bare))
    results = import_files(case, "meta-ads", [response, array, single])
    assert [(r.loaded, r.quarantined) for r in results] == [(2, 0), (1, 0), (1, 0)]
    payments = entity_ids(case, "Payment")
    assert payments == [make_id("meta-ad", f"90000000000000{i}") for i in range(1, 5)]
    # One disclaimer in another case and spacing is one payer for both pages.
    assert len(entity_ids(case, "LegalEntity")) == 3  # two pages, one payer
    # Record numbers count the ads of the response, not the members around them.
    rows = case.query(
        "SELECT DISTINCT record_no FROM statements WHERE entity_id = ? ORDER BY 1",
        [make_id("meta-ad", "900000000000002")],
    )
    assert [r["record_no"] for r in rows] == [2]


def test_malformed_records_are_quarantined_with_line_and_reason(case, write) -> None:
    text = jsonl(
        AD,
        '{"id": "900000000000009", "page_id": ',  # broken JSON
        {"id": "900000000000010"},  # no page
        ad(id="900000000000011", spend="100"),  # spend is not an object
        {"page_id": "100000000000003"},  # no ad id
        [1, 2],  # not an object
        ad(id="900000000000012", publisher_platforms=[1]),
    )
    [result] = import_files(case, "meta-ads", [write("ads.jsonl", "\n" + text)])  # a blank first line
    assert (result.loaded, result.quarantined) == (1, 6)
    assert quarantine_rows(case) == [
        (2, 3, None, "invalid JSON: Expecting value at column 38"),
        (3, 4, "page_id", "missing page_id"),
        (4, 5, "spend", "field 'spend' has an unexpected type"),
        (5, 6, "id", "missing ad id"),
        (6, 7, None, "not a JSON object (an ad)"),
        (7, 8, "publisher_platforms", "field 'publisher_platforms' has an unexpected type"),
    ]
    raw = case.scalar("SELECT raw FROM quarantine WHERE record_no = 4")
    assert raw.startswith('{"id": "900000000000011"')
    assert result.reasons["missing page_id"] == 1 and result.reasons["invalid JSON"] == 1
    # Nothing of a quarantined record reaches the statements.
    assert entity_ids(case, "Payment") == [make_id("meta-ad", AD["id"])]


def test_broken_record_inside_a_pretty_printed_response(case, write) -> None:
    good = json.dumps({"data": [AD, ad(id="900000000000002"), ad(id="900000000000003")]}, indent=2)
    lines = good.split("\n")
    # Break the second record: a member without its value, inside the record's own lines.
    at = next(i for i, line in enumerate(lines) if '"900000000000002"' in line)
    lines[at] = '      "id": ,'
    [result] = import_files(case, "meta-ads", [write("response.json", "\n".join(lines))])
    assert (result.loaded, result.quarantined) == (2, 1)
    [(record_no, line_no, _field, reason)] = quarantine_rows(case)
    assert record_no == 2 and reason.startswith("invalid JSON")
    assert lines[line_no - 1].strip() == "{"  # the line where the broken record starts
    assert f"on line {at + 1}" in reason


def test_truncated_document_keeps_the_records_before_the_cut(case, write) -> None:
    doc = json.dumps({"data": [AD, ad(id="900000000000002"), ad(id="900000000000003")]}, indent=2)
    cut = doc[: doc.index('"900000000000003"') + 5]
    [result] = import_files(case, "meta-ads", [write("cut.json", cut)])
    assert (result.loaded, result.quarantined) == (2, 1)
    [(record_no, _line, _field, reason)] = quarantine_rows(case)
    assert record_no == 3 and reason.startswith("truncated record: the file ends inside it")
    assert entity_ids(case, "Payment") == [
        make_id("meta-ad", "900000000000001"),
        make_id("meta-ad", "900000000000002"),
    ]


def test_document_cut_between_records_says_so(case, write) -> None:
    doc = json.dumps({"data": [AD, ad(id="900000000000002"), ad(id="900000000000003")]}, indent=2)
    cut = doc[: doc.index('"900000000000003"')]
    cut = cut[: cut.rindex("{")]  # the file ends after "},": no part of the third record is in it
    [result] = import_files(case, "meta-ads", [write("cut.json", cut)])
    assert (result.loaded, result.quarantined) == (2, 0)
    assert any("cut" in note for note in result.notes), result.notes


def test_unreadable_files_raise_format_error(case, write) -> None:
    with pytest.raises(FormatError, match=r"broken\.json, line 2: invalid JSON: expected ','"):
        import_files(case, "meta-ads", [write("broken.json", '{"data": []\n "x"}')])
    with pytest.raises(FormatError, match=r"binary\.json, line 1: not a text file"):
        import_files(case, "meta-ads", [write("binary.json", b'{"data": \x00}')])
    assert case.scalar("SELECT count(*) FROM sources") == 0


def test_hostile_values_are_stored_as_plain_text(case, write) -> None:
    script = "<script>alert(1)</script>"
    rtl = "Example \u202eswen Fund"
    [result] = import_files(case, "meta-ads", [write("ads.jsonl", jsonl(ad(page_name=script, bylines=rtl)))])
    assert result.loaded == 1
    assert props(case, make_id("facebook-page", AD["page_id"]))["name"] == [script]
    assert props(case, make_id("meta-payer", name_key(rtl)))["name"] == [rtl]


def test_reimport_is_skipped_and_changes_nothing(case, write) -> None:
    path = write("ads.jsonl", jsonl(AD, {"id": "900000000000010"}))
    [first] = import_files(case, "meta-ads", [path])
    before = snapshot(case)
    statements = case.scalar("SELECT count(*) FROM statements")
    [again] = import_files(case, "meta-ads", [path])
    assert not first.skipped and again.skipped
    assert case.scalar("SELECT count(*) FROM statements") == statements > 0
    assert snapshot(case) == before


# -- Ad Library Report CSVs --------------------------------------------------------------------------------


def test_report_rows_become_payments_of_the_period(case, write) -> None:
    text = REPORT_HEADER + (
        "476513375537233,Example Fraktion,Example Frakció,21339626,531\n"
        '100000000000009,"Page, with comma",These ads ran without a disclaimer,≤100,4\n'
        "100000000000010,No Payer,,5000,1\n"
    )
    [result] = import_files(case, "meta-ads", [write(REPORT_NAME, "\ufeff" + text)])
    assert (result.loaded, result.quarantined) == (3, 0)
    page = make_id("facebook-page", "476513375537233")
    assert props(case, page) == {
        "country": ["hu"],
        "description": ["Facebook page"],
        "name": ["Example Fraktion"],
        "sourceUrl": ["https://www.facebook.com/476513375537233"],
    }
    payer = make_id("meta-payer", name_key("Example Frakció"))
    spend = props(case, make_id("meta-report", "476513375537233", "Example Frakció", "2025-07-02", "HU"))
    assert spend["payer"] == [payer] and spend["beneficiary"] == [page]
    assert spend["amount"] == ["21339626"] and spend["currency"] == ["HUF"]
    assert spend["date"] == ["2025-07-02"]
    assert spend["summary"] == ["531 ads in the Ad Library"]
    assert spend["description"] == ["Ad Library Report HU"]
    # "≤100" is a bound, not an amount.
    small = props(
        case,
        make_id("meta-report", "100000000000009", "These ads ran without a disclaimer", "2025-07-02", "HU"),
    )
    assert "amount" not in small
    assert small["summary"] == ["4 ads in the Ad Library", "amount spent ≤100 HUF"]
    assert props(case, make_id("facebook-page", "100000000000009"))["name"] == ["Page, with comma"]
    # No disclaimer: no payer.
    assert "payer" not in props(case, make_id("meta-report", "100000000000010", "", "2025-07-02", "HU"))
    assert case.scalar("SELECT rows_loaded FROM sources") == 3


def test_report_broken_rows_are_quarantined(case, write) -> None:
    text = REPORT_HEADER + (
        "476513375537233,Example Fraktion,Example Frakció,21339626,531\n"
        ",No Page ID,Someone,100,1\n"
        "100000000000011,Too few fields\n"
        '100000000000012,"Cut off,Someone,100,1\n'
    )
    [result] = import_files(case, "meta-ads", [write(REPORT_NAME, text)])
    assert (result.loaded, result.quarantined) == (1, 3)
    rows = quarantine_rows(case)
    assert [(r[0], r[1], r[2]) for r in rows] == [(2, 3, "Page ID"), (3, 4, None), (4, 5, None)]
    assert rows[0][3] == "missing Page ID"
    assert rows[1][3] == "wrong field count: expected 5, found 2"
    assert rows[2][3].startswith("truncated record")


def test_report_file_name_without_date_is_noted(case, write) -> None:
    text = REPORT_HEADER + "476513375537233,Example Fraktion,Example Frakció,100,1\n"
    [result] = import_files(case, "meta-ads", [write("advertisers.csv", text)])
    assert result.loaded == 1
    assert "the file name does not give the report's date and country" in result.notes
    assert case.scalar("SELECT count(*) FROM statements WHERE prop IN ('date', 'country')") == 0


def test_locations_and_other_csvs_are_refused(case, write) -> None:
    locations = write(
        "FacebookAdLibraryReport_2025-07-02_HU_last_30_days_locations.csv",
        "\ufeffLocation name,Amount spent (HUF)\nBaranya County,9516711\n",
    )
    with pytest.raises(FormatError, match=r"_locations\.csv, line 1: .*per-location file names no pages"):
        import_files(case, "meta-ads", [locations])
    other = write("posts.csv", "post_id,author,text\n1,a,hello\n")
    with pytest.raises(FormatError, match=r"posts\.csv, line 1: required column missing: 'page id'"):
        import_files(case, "meta-ads", [other])
    assert case.scalar("SELECT count(*) FROM sources") == 0


def test_report_hostile_values_and_reimport(case, write) -> None:
    name = "<script>alert(1)</script>"
    disclaimer = "Paid \u202eby Nobody"
    path = write(REPORT_NAME, REPORT_HEADER + f"100000000000013,{name},{disclaimer},100,1\n")
    [first] = import_files(case, "meta-ads", [path])
    assert first.loaded == 1
    assert props(case, make_id("facebook-page", "100000000000013"))["name"] == [name]
    assert props(case, make_id("meta-payer", name_key(disclaimer)))["name"] == [disclaimer]
    before = snapshot(case)
    [again] = import_files(case, "meta-ads", [path])
    assert again.skipped and snapshot(case) == before


# -- the real data sets -----------------------------------------------------------------------------------


def _data_rows(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return sum(1 for row in csv.reader(fh) if row) - 1


@pytest.mark.data
def test_real_ad_library_reports_load_every_row(case, shared_data: Path) -> None:
    files = sorted((shared_data / "records" / "meta_ads" / "ad_library_reports").glob("*_advertisers.csv"))
    assert len(files) == 15  # 14 countries; Ukraine twice
    results = import_files(case, "meta-ads", files)
    for path, result in zip(files, results, strict=True):
        assert (result.loaded, result.quarantined) == (_data_rows(path), 0), path.name
        _, report_date, country, *_ = path.name.split("_")
        assert not any("does not give" in note for note in result.notes), result.notes
        dated = case.query(
            "SELECT DISTINCT prop, value FROM statements WHERE source_id = ? AND prop IN ('date', 'country')"
            " ORDER BY prop",
            [result.source_id],
        )
        assert [(r["prop"], r["value"]) for r in dated] == [
            ("country", country.lower()),
            ("date", report_date),
        ]
    # The two Ukrainian snapshots share pages: one entity each, with statements from both files.
    shared = case.scalar(
        """
        SELECT count(*) FROM (
            SELECT entity_id FROM statements
            WHERE entity_id LIKE 'facebook-page-%' AND source_id IN (SELECT source_id FROM sources
                                                                     WHERE path LIKE '%_UA_%')
            GROUP BY entity_id HAVING count(DISTINCT source_id) = 2
        )
        """
    )
    assert shared > 500


@pytest.mark.data
def test_real_locations_report_is_refused(case, shared_data: Path) -> None:
    path = next((shared_data / "records" / "meta_ads" / "ad_library_reports").glob("*_locations.csv"))
    with pytest.raises(FormatError, match=r"import the _advertisers\.csv file"):
        import_files(case, "meta-ads", [path])


@pytest.mark.data
def test_real_api_record_saved_as_a_bare_object(case, shared_data: Path) -> None:
    [result] = import_files(
        case, "meta-ads", [shared_data / "records" / "meta_ads" / "ads_archive_api_record.json"]
    )
    assert (result.loaded, result.quarantined) == (1, 0)
    payment = props(case, make_id("meta-ad", "679808276335343"))
    assert payment["beneficiary"] == [make_id("facebook-page", "6756153498")]
    assert payment["payer"] == [make_id("meta-payer", name_key("Bloomberg Philanthropies"))]
    assert payment["amount"] == ["300"] and payment["currency"] == ["USD"]
    assert payment["summary"] == [
        "spend 300–399 USD; impressions 10000–14999; platforms instagram; languages en"
    ]
    assert props(case, make_id("facebook-page", "6756153498"))["name"] == ["Mike Bloomberg"]
    [link] = entity_ids(case, "UnknownLink")
    assert props(case, link)["object"] == ["site-bloomberg.com"]


@pytest.mark.data
def test_real_api_response_stores_no_access_token(case, shared_data: Path) -> None:
    path = shared_data / "samples" / "meta_ads_api" / "ads_archive_response.json"
    assert "access_token" in path.read_text(encoding="utf-8")
    [result] = import_files(case, "meta-ads", [path])
    assert (result.loaded, result.quarantined) == (20, 0)
    assert len(entity_ids(case, "Payment")) == 20
    assert case.scalar("SELECT count(*) FROM statements WHERE value ILIKE '%access_token%'") == 0
    assert case.scalar("SELECT count(*) FROM statements WHERE value LIKE '%REDACTED%'") == 0
    urls = case.query("SELECT value FROM statements WHERE prop = 'sourceUrl' AND schema = 'Payment'")
    assert len(urls) == 20
    assert all(u["value"].startswith("https://www.facebook.com/ads/archive/render_ad/?id=") for u in urls)
    before = case.scalar("SELECT count(*) FROM statements")
    [again] = import_files(case, "meta-ads", [path])
    assert again.skipped and case.scalar("SELECT count(*) FROM statements") == before
