"""google-ads: the political ads transparency report's creative and advertiser stats become FtM statements."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from conftest import entity_props as props
from unmask.errors import FormatError
from unmask.ingest import import_files
from unmask.ingest.google_ads import public_ids
from unmask.ingest.record_stage import make_id

# The lead registers the readers in unmask.ingest; until then the tests do.

# The report's creative_stats as BigQuery exports it (capitalised column names), cut to the columns read.
CREATIVES = """\
Ad_ID,Ad_URL,Ad_Type,Regions,Advertiser_ID,Advertiser_Name,Ad_Campaigns_List,Date_Range_Start,\
Date_Range_End,Num_of_Days,Impressions,First_Served_Timestamp,Last_Served_Timestamp,Spend_Range_Min_USD,\
Spend_Range_Max_USD
CR100,https://adstransparency.google.com/advertiser/AR1/creative/CR100,VIDEO,US,AR1,FRIENDS OF SAM,\
CA1,2020-10-01,2020-10-20,20,10k-100k,2020-10-02 14:00:00 UTC,2020-10-20 02:00:00 UTC,100,1000
CR101,https://adstransparency.google.com/advertiser/AR1/creative/CR101,TEXT,"US, CA",AR1,FRIENDS OF SAM,\
,2020-10-05,2020-10-06,2,≤ 10k,,,0,100
CR102,,IMAGE,US,AR1,FRIENDS OF SAM,,2020-10-05,2020-10-06,2,≤ 10k,,,12x,100
,,IMAGE,US,AR1,FRIENDS OF SAM,,2020-10-05,2020-10-06,2,≤ 10k,,,0,100
CR104,,IMAGE,US,,NOBODY,,2020-10-05,2020-10-06,2,≤ 10k,,,0,100
CR105,,IMAGE,US,AR2,OTHER,,2020-13-05,2020-10-06,2,≤ 10k,,,0,100
CR106,,IMAGE,US,AR2
CR107,,IMAGE,US,AR1,FRIENDS OF SAM,,2020-10-05,2020-10-06,2,≤ 10k,,,0,100
"""

ADVERTISERS = """\
Advertiser_ID,Advertiser_Name,Public_IDs_List,Total_Creatives,Total_Spend_USD
AR100996740080992256,FreedomWorks Inc,EIN ID 52-1349353,120,10900
AR101427748639080448,FINANCE COMMITTEE FOR THOMAS OH,FEC ID C00669507,3,700
AR2,TWO COMMITTEES,"FEC ID C00495861, FEC ID C00484642",1,0
AR3,A CANDIDATE,FEC ID H8VA01147,1,0
AR4,NO SPEND,,1,lots
"""


def test_public_ids() -> None:
    assert public_ids("FEC ID C00495861, FEC ID C00484642") == [("FEC", "C00495861"), ("FEC", "C00484642")]
    assert public_ids("EIN ID 52-1349353") == [("EIN", "52-1349353")]
    assert public_ids("") == []


def test_creative_stats(case, write) -> None:
    [result] = import_files(case, "google-ads", [write("creative-stats.csv", CREATIVES)])
    assert (result.loaded, result.quarantined) == (3, 5)

    advertiser = make_id("google-advertiser", "AR1")
    assert props(case, advertiser) == {
        "description": ["Google political advertiser"],
        "name": ["FRIENDS OF SAM"],
        "sourceUrl": ["https://adstransparency.google.com/advertiser/AR1"],
    }
    video = props(case, make_id("google-ad", "CR100"))
    assert video["payer"] == [advertiser]
    assert video["purpose"] == ["Google political ads (VIDEO)"]
    assert video["startDate"] == ["2020-10-02"]  # first served, not the start of the range
    assert video["endDate"] == ["2020-10-20"]
    assert video["amount"] == ["100"]
    assert video["currency"] == ["USD"]
    assert video["recordId"] == ["CR100"]
    assert video["sourceUrl"] == ["https://adstransparency.google.com/advertiser/AR1/creative/CR100"]
    assert video["summary"] == ["spend 100–1000 USD; impressions 10k-100k; regions US; campaigns CA1"]
    text = props(case, make_id("google-ad", "CR101"))
    assert text["startDate"] == ["2020-10-05"]  # never served: the start of the range
    assert text["summary"] == ["spend 0–100 USD; impressions ≤ 10k; regions US, CA"]

    rows = case.query("SELECT record_no, line_no, field, reason FROM quarantine ORDER BY record_no")
    assert [(r["record_no"], r["line_no"], r["field"]) for r in rows] == [
        (3, 4, "Spend_Range_Min_USD"),
        (4, 5, "Ad_ID"),
        (5, 6, "Advertiser_ID"),
        (6, 7, "Date_Range_Start"),
        (7, 8, None),
    ]
    assert rows[0]["reason"].startswith("unreadable Spend_Range_Min_USD: 12x")
    assert rows[3]["reason"].startswith("unreadable Date_Range_Start: 2020-13-05")
    assert rows[4]["reason"].startswith("wrong field count")
    assert result.reasons == {
        "missing Ad_ID": 1,
        "missing Advertiser_ID": 1,
        "unreadable Date_Range_Start": 1,
        "unreadable Spend_Range_Min_USD": 1,
        "wrong field count": 1,
    }


def test_advertiser_stats_join_fec_committees_by_id(case, write) -> None:
    committees = write(
        "committees.csv",
        "cmte_id,cmte_nm,tres_nm,cmte_st1,cmte_st2,cmte_city,cmte_st,cmte_zip,cmte_dsgn,cmte_tp,"
        "cmte_pty_affiliation,cmte_filing_freq,org_tp,connected_org_nm,cand_id\n"
        "C00669507,FINANCE COMMITTEE FOR THOMAS OH,,,,,,,,,,,,,\n",
    )
    import_files(case, "fec", [committees])
    [result] = import_files(case, "google-ads", [write("advertiser-stats.csv", ADVERTISERS)])
    assert (result.loaded, result.quarantined) == (4, 1)

    freedomworks = props(case, make_id("google-advertiser", "AR100996740080992256"))
    assert freedomworks["taxNumber"] == ["52-1349353"]
    assert "idNumber" not in freedomworks
    assert freedomworks["summary"] == ["120 creatives; spend 10900 USD"]

    oh = props(case, make_id("google-advertiser", "AR101427748639080448"))
    assert oh["idNumber"] == ["C00669507"]
    # The committee the advertiser names is the entity the FEC committees file describes.
    committee = props(case, make_id("fec-committee", "C00669507"))
    assert committee["idNumber"] == ["C00669507"]
    assert committee["name"] == ["FINANCE COMMITTEE FOR THOMAS OH"]
    assert (
        case.scalar(
            "SELECT count(DISTINCT source_id) FROM statements WHERE entity_id = ?",
            [make_id("fec-committee", "C00669507")],
        )
        == 2
    )

    assert props(case, make_id("google-advertiser", "AR2"))["idNumber"] == ["C00484642", "C00495861"]
    assert props(case, make_id("fec-committee", "C00484642")) == {"idNumber": ["C00484642"]}
    assert props(case, make_id("fec-candidate", "H8VA01147")) == {"idNumber": ["H8VA01147"]}
    [(field, reason)] = [
        (r["field"], r["reason"]) for r in case.query("SELECT field, reason FROM quarantine")
    ]
    assert field == "Total_Spend_USD" and reason.startswith("unreadable Total_Spend_USD: lots")


def test_other_files_are_refused(case, write) -> None:
    weekly = write(
        "weekly.csv", "Advertiser_ID,Advertiser_Name,Week_Start_Date,Spend_USD\nAR1,X,2020-01-06,100\n"
    )
    with pytest.raises(FormatError, match=r"weekly\.csv, line 1: a Google ads table unmask does not read"):
        import_files(case, "google-ads", [weekly])
    posts = write("posts.csv", "post_id,author,text\n1,a,hello\n")
    with pytest.raises(FormatError, match=r"not a Google ads file: .*unmask reads creative_stats"):
        import_files(case, "google-ads", [posts])
    with pytest.raises(FormatError, match="empty file"):
        import_files(case, "google-ads", [write("empty.csv", "")])
    assert case.scalar("SELECT count(*) FROM sources") == 0


def test_reimport_is_skipped(case, write) -> None:
    path = write("advertiser-stats.csv", ADVERTISERS)
    [first] = import_files(case, "google-ads", [path])
    [again] = import_files(case, "google-ads", [path])
    assert not first.skipped and again.skipped
    assert case.scalar("SELECT count(*) FROM sources") == 1


@pytest.mark.data
def test_real_advertiser_stats(case, shared_data: Path) -> None:
    path = shared_data / "samples" / "google_ads" / "google-political-ads-advertiser-stats.csv"
    [result] = import_files(case, "google-ads", [path])
    with path.open(encoding="utf-8", newline="") as fh:
        records = sum(1 for _ in csv.reader(fh)) - 1
    assert result.loaded + result.quarantined == records
    assert result.loaded == records
    with_fec = case.scalar(
        "SELECT count(DISTINCT entity_id) FROM statements WHERE entity_id LIKE 'fec-committee-%'"
    )
    assert with_fec > 250
