"""fec: FEC bulk files and CSV tables become FtM statements; broken records are quarantined."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pytest

from conftest import entity_ids
from conftest import entity_props as props
from conftest import entity_schema as schema_of
from unmask.errors import FormatError
from unmask.ingest import import_files
from unmask.ingest.fec import CM, CN, ITCONT, split_name
from unmask.ingest.record_stage import make_id, name_key

# The lead registers the reader in unmask.ingest; until then the tests do.

ITCONT_LINES = [
    # CMTE_ID|AMNDT|RPT|PGI|IMAGE_NUM|TX_TP|ENTITY_TP|NAME|CITY|STATE|ZIP|EMPLOYER|OCCUPATION|DT|AMT|OTHER_ID|
    # TRAN_ID|FILE_NUM|MEMO_CD|MEMO_TEXT|SUB_ID
    "C00177436|N|M2|P|201702039042410894|15|IND|DEEHAN, WILLIAM N MR.|ALPHARETTA|GA|300047357|UNUM|"
    "SVP, SALES|01312017|384||PR2283873845050|1147350||P/R DEDUCTION|4020820171370029337",
    "C00384818|N|M2|P|201702039042412112|15|IND|ABBOTT JR, JOSEPH|WOONSOCKET|RI|028956146|RETIRED|RETIRED|"
    "01122017|250||2017020211435-887|1147467|||4020820171370030285",
    "C00384818|N|M2|P|201702039042412113|15|ORG|ACME HOLDINGS LLC|WOONSOCKET|RI|02895|||"
    "01132017|1000||2017020211435-888|1147467|||4020820171370030286",
]


def itcont(*lines: str) -> str:
    return "".join(line + "\n" for line in lines)


def csv_text(columns: list[str], *rows: dict) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return buf.getvalue()


INDIVIDUALS = [
    "cmte_id",
    "amndt_ind",
    "rpt_tp",
    "transaction_pgi",
    "transaction_tp",
    "entity_tp",
    "name",
    "city",
    "state",
    "zip_code",
    "employer",
    "occupation",
    "transaction_dt",
    "transaction_amt",
    "other_id",
    "tran_id",
]
COMMITTEES = list(CM)  # the committee table's columns, as the reader knows them
CANDIDATES = list(CN)  # the candidate table's columns, as the reader knows them
CONTRIBUTIONS = [
    "cmte_id",
    "amndt_ind",
    "rpt_tp",
    "transaction_pgi",
    "transaction_tp",
    "entity_tp",
    "name",
    "city",
    "state",
    "zip_code",
    "transaction_dt",
    "transaction_amt",
    "other_id",
    "cand_id",
    "tran_id",
]


def donor_id(name: str, zip_code: str) -> str:
    return make_id("fec-donor", name_key(name), zip_code[:5])


def test_split_name_drops_honorifics_and_keeps_suffixes() -> None:
    assert split_name("ADAMS, JAMES C. MR.") == ("ADAMS", "JAMES", "C.", None)
    assert split_name("SMITH JR, JOHN") == ("SMITH", "JOHN", None, "JR")
    assert split_name("DOE, JANE ANN III") == ("DOE", "JANE", "ANN", "III")
    assert split_name("ACME HOLDINGS LLC") is None


def test_raw_itcont_maps_contributions(case, write) -> None:
    path = write("itcont.txt", itcont(*ITCONT_LINES))
    [result] = import_files(case, "fec", [path])
    assert (result.loaded, result.quarantined) == (3, 0)
    # Headerless: the first line is record 1.
    assert [r["record_no"] for r in case.query("SELECT DISTINCT record_no FROM statements ORDER BY 1")] == [
        1,
        2,
        3,
    ]

    deehan = donor_id("DEEHAN, WILLIAM N MR.", "30004")
    assert schema_of(case, deehan) == "Person"
    assert props(case, deehan) == {
        "address": ["ALPHARETTA, GA 300047357"],
        "country": ["us"],
        "firstName": ["WILLIAM"],
        "lastName": ["DEEHAN"],
        "middleName": ["N"],
        "name": ["DEEHAN, WILLIAM N MR."],
        "position": ["SVP, SALES"],
    }
    payment = props(case, make_id("fec-contribution", "4020820171370029337"))
    committee = make_id("fec-committee", "C00177436")
    assert payment["payer"] == [deehan]
    assert payment["beneficiary"] == [committee]
    assert payment["amount"] == ["384"]
    assert payment["currency"] == ["USD"]
    assert payment["date"] == ["2017-01-31"]
    assert payment["recordId"] == ["4020820171370029337"]
    assert payment["purpose"] == ["contribution (transaction type 15)"]
    assert payment["description"] == ["P/R DEDUCTION"]
    assert props(case, committee) == {"idNumber": ["C00177436"]}

    unum = make_id("fec-org", name_key("UNUM"))
    assert props(case, unum) == {"name": ["UNUM"]}
    job = props(case, make_id("fec-employment", deehan, unum))
    assert job["employee"] == [deehan] and job["employer"] == [unum]
    assert job["role"] == ["SVP, SALES"]
    assert job["startDate"] == job["endDate"] == ["2017-01-31"]

    abbott = props(case, donor_id("ABBOTT JR, JOSEPH", "02895"))
    assert (abbott["lastName"], abbott["firstName"], abbott["nameSuffix"]) == (["ABBOTT"], ["JOSEPH"], ["JR"])
    acme = donor_id("ACME HOLDINGS LLC", "02895")
    assert schema_of(case, acme) == "Organization"
    assert "lastName" not in props(case, acme)


def test_generic_employers_make_no_organisation(case, write) -> None:
    rows = [
        ("RETIRED", "RETIRED"),
        ("SELF-EMPLOYED", "CONSULTANT"),
        ("Information Requested Per Best Efforts", "INFORMATION REQUESTED"),
        ("NOT EMPLOYED", "NOT EMPLOYED"),
        ("N/A", "HOMEMAKER"),
        ("ATTORNEY", "ATTORNEY"),  # the occupation written again: no employer named
        ("", "TEACHER"),
        ("BOEING", "ENGINEER"),
    ]
    text = csv_text(
        INDIVIDUALS,
        *(
            {
                "cmte_id": "C00401224",
                "transaction_tp": "15",
                "entity_tp": "IND",
                "name": f"DONOR, NUMBER{i}",
                "zip_code": "98101",
                "employer": employer,
                "occupation": occupation,
                "transaction_dt": "2020-08-31",
                "transaction_amt": "25.0",
                "tran_id": f"T{i}",
            }
            for i, (employer, occupation) in enumerate(rows)
        ),
    )
    [result] = import_files(case, "fec", [write("individuals.csv", text)])
    assert (result.loaded, result.quarantined) == (len(rows), 0)
    orgs = [e for e in entity_ids(case, "Organization") if e.startswith("fec-org-")]
    assert orgs == [make_id("fec-org", "boeing")]
    assert len(entity_ids(case, "Employment")) == 1
    # The CSV tables' ISO dates and "25.0" amounts read as the bulk files' do.
    payment = props(case, make_id("fec-contribution", "T0", "C00401224"))
    assert payment["date"] == ["2020-08-31"] and payment["amount"] == ["25"]
    assert payment["recordId"] == ["T0"]


def test_ids_are_stable_across_files_and_layouts(case, write) -> None:
    raw = write("itcont.txt", itcont(ITCONT_LINES[0]))
    individuals = write(
        "individuals.csv.gz",
        gzip.compress(
            csv_text(
                INDIVIDUALS,
                {
                    "cmte_id": "C00003418",
                    "entity_tp": "IND",
                    "name": "Deehan,  William N Mr.",  # another case and spacing, the same ZIP5
                    "zip_code": "30004",
                    "employer": "Unum",
                    "occupation": "SVP",
                    "transaction_dt": "2019-06-27",
                    "transaction_amt": "10.0",
                    "tran_id": "SA.1",
                },
            ).encode()
        ),
    )
    committees = write(
        "committees.csv",
        csv_text(
            COMMITTEES,
            {"cmte_id": "C00177436", "cmte_nm": "UNUM GROUP PAC", "connected_org_nm": "UNUM"},
        ),
    )
    results = import_files(case, "fec", [raw, individuals, committees])
    assert [(r.loaded, r.quarantined) for r in results] == [(1, 0), (1, 0), (1, 0)]
    deehan = donor_id("DEEHAN, WILLIAM N MR.", "30004")
    payers = case.query(
        "SELECT DISTINCT value FROM statements WHERE schema = 'Payment' AND prop = 'payer' ORDER BY 1"
    )
    assert [p["value"] for p in payers] == [deehan]
    assert sorted(props(case, deehan)["name"]) == ["DEEHAN, WILLIAM N MR.", "Deehan, William N Mr."]
    # The donor's employer and the PAC's connected organisation are one entity.
    unum = make_id("fec-org", "unum")
    assert sorted(props(case, unum)["name"]) == ["UNUM", "Unum"]
    [link] = entity_ids(case, "UnknownLink")
    assert props(case, link)["subject"] == [make_id("fec-committee", "C00177436")]
    assert props(case, link)["object"] == [unum]
    # The committee a contribution names is the committee the committees file describes.
    committee = props(case, make_id("fec-committee", "C00177436"))
    assert committee["name"] == ["UNUM GROUP PAC"] and committee["idNumber"] == ["C00177436"]


def test_malformed_records_are_quarantined_with_line_and_reason(case, write) -> None:
    good = ITCONT_LINES[0]
    fields = good.split("|")

    def with_field(i: int, value: str) -> str:
        changed = list(fields)
        changed[i] = value
        return "|".join(changed)

    text = itcont(
        good,
        "|".join(fields[:-1]),  # 20 fields
        with_field(13, "13452017"),
        with_field(14, "12x"),
        with_field(0, ""),
        with_field(7, ""),
        with_field(0, "X123"),
    )
    [result] = import_files(case, "fec", [write("itcont.txt", "\n" + text)])  # a blank first line
    assert (result.loaded, result.quarantined) == (1, 6)
    rows = case.query("SELECT record_no, line_no, field, reason, raw FROM quarantine ORDER BY record_no")
    assert [(r["record_no"], r["line_no"], r["field"]) for r in rows] == [
        (2, 3, None),
        (3, 4, "TRANSACTION_DT"),
        (4, 5, "TRANSACTION_AMT"),
        (5, 6, "CMTE_ID"),
        (6, 7, "NAME"),
        (7, 8, "CMTE_ID"),
    ]
    reasons = [r["reason"] for r in rows]
    assert reasons[0] == "wrong field count: expected 21, found 20"
    assert reasons[1].startswith("unreadable TRANSACTION_DT: 13452017")
    assert reasons[2].startswith("unreadable TRANSACTION_AMT: 12x")
    assert reasons[3].startswith("missing CMTE_ID")
    assert reasons[4].startswith("missing NAME")
    assert reasons[5].startswith("unreadable CMTE_ID: X123")
    assert rows[1]["raw"].startswith("C00177436|")
    assert result.reasons == {
        "missing CMTE_ID": 1,
        "missing NAME": 1,
        "unreadable CMTE_ID": 1,
        "unreadable TRANSACTION_AMT": 1,
        "unreadable TRANSACTION_DT": 1,
        "wrong field count": 1,
    }


def test_file_cut_inside_the_last_record(case, write) -> None:
    text = itcont(ITCONT_LINES[0]) + ITCONT_LINES[1][:40]
    [result] = import_files(case, "fec", [write("itcont.txt", text)])
    assert (result.loaded, result.quarantined) == (1, 1)
    [reason] = [r["reason"] for r in case.query("SELECT reason FROM quarantine")]
    assert reason.startswith("truncated record")


def test_non_utf8_line_is_read_as_windows_1252(case, write) -> None:
    line = ITCONT_LINES[0].replace("DEEHAN", "PE\xd1A").encode("cp1252")
    [result] = import_files(case, "fec", [write("itcont.txt", line + b"\n")])
    assert (result.loaded, result.quarantined) == (1, 0)
    assert any("Windows-1252" in n for n in result.notes)
    assert case.scalar("SELECT count(*) FROM statements WHERE value = 'PEÑA, WILLIAM N MR.'") == 1


def test_committees_and_candidates(case, write) -> None:
    committees = write(
        "committees.csv",
        csv_text(
            COMMITTEES,
            {
                "cmte_id": "C00000422",
                "cmte_nm": "AMERICAN MEDICAL ASSOCIATION POLITICAL ACTION COMMITTEE",
                "tres_nm": "WALKER, KEVIN MR.",
                "cmte_st1": "25 MASSACHUSETTS AVE, NW",
                "cmte_st2": "SUITE 600",
                "cmte_city": "WASHINGTON",
                "cmte_st": "DC",
                "cmte_zip": "200017400",
                "connected_org_nm": "NONE",
            },
            {"cmte_id": "C00607515", "cmte_nm": "LAMB FOR CONGRESS", "cand_id": "H0AK00105"},
        ),
    )
    candidates = write(
        "candidates.csv",
        csv_text(
            CANDIDATES,
            {
                "cand_id": "H0AK00105",
                "cand_name": "LAMB, THOMAS",
                "cand_pty_affiliation": "NNE",
                "cand_election_yr": "2020.0",
                "cand_office_st": "AK",
                "cand_office": "H",
                "cand_office_district": "00",
                "cand_pcc": "C00607515",
                "cand_city": "WASILLA",
                "cand_st": "AK",
                "cand_zip": "99654",
            },
            {"cand_id": "", "cand_name": "NOBODY, NO ID"},
        ),
    )
    results = import_files(case, "fec", [committees, candidates])
    assert [(r.loaded, r.quarantined) for r in results] == [(2, 0), (1, 1)]
    ama = make_id("fec-committee", "C00000422")
    assert props(case, ama)["address"] == ["25 MASSACHUSETTS AVE, NW, SUITE 600, WASHINGTON, DC 200017400"]
    assert props(case, ama)["description"] == ["FEC committee"]
    treasurer = make_id("fec-person", name_key("WALKER, KEVIN MR."), "C00000422")
    assert props(case, treasurer)["lastName"] == ["WALKER"]
    [role] = entity_ids(case, "Directorship")
    assert props(case, role) == {"director": [treasurer], "organization": [ama], "role": ["treasurer"]}
    # "NONE" is no connected organisation.
    assert not [e for e in entity_ids(case, "Organization") if e.startswith("fec-org-")]

    lamb = make_id("fec-candidate", "H0AK00105")
    lamb_props = props(case, lamb)
    assert lamb_props["idNumber"] == ["H0AK00105"]
    assert lamb_props["name"] == ["LAMB, THOMAS"]
    assert lamb_props["description"] == ["FEC candidate for House AK-00 (NNE, 2020)"]
    # The committees file and the candidates file say the same link: one entity with statements from both.
    [link] = entity_ids(case, "UnknownLink")
    assert props(case, link)["subject"] == [lamb]
    assert props(case, link)["object"] == [make_id("fec-committee", "C00607515")]
    assert props(case, link)["role"] == ["candidate's committee"]
    assert case.scalar("SELECT count(DISTINCT source_id) FROM statements WHERE entity_id = ?", [link]) == 2
    [(field, reason)] = [
        (r["field"], r["reason"]) for r in case.query("SELECT field, reason FROM quarantine")
    ]
    assert field == "cand_id" and reason.startswith("missing cand_id")


def test_headerless_committee_master_file(case, write) -> None:
    line = "C00000059|HALLMARK CARDS PAC|SARAH MOE|2501 MCGEE|MD #500|KANSAS CITY|MO|64108|U|Q|UNK|M|C||"
    [result] = import_files(case, "fec", [write("cm.txt", line + "\n")])
    assert (result.loaded, result.quarantined) == (1, 0)
    assert props(case, make_id("fec-committee", "C00000059"))["name"] == ["HALLMARK CARDS PAC"]


def test_bulk_file_with_a_header_line(case, write) -> None:
    header = "|".join(c.upper() for c in ITCONT)
    [result] = import_files(
        case, "fec", [write("itcont.txt", itcont(header, ITCONT_LINES[0], ITCONT_LINES[1]))]
    )
    assert (result.loaded, result.quarantined) == (2, 0)
    rows = case.query("SELECT DISTINCT record_no FROM statements ORDER BY 1")
    assert [r["record_no"] for r in rows] == [1, 2]


def test_committee_contributions(case, write) -> None:
    text = csv_text(
        CONTRIBUTIONS,
        {
            "cmte_id": "C00468314",
            "transaction_tp": "24K",
            "entity_tp": "CCM",
            "name": "BIDEN FOR PRESIDENT",
            "transaction_dt": "2019-11-06",
            "transaction_amt": "30.0",
            "other_id": "C00703975",
            "cand_id": "P80000722",
            "tran_id": "SB23.79849",
        },
        {
            "cmte_id": "C00468314",
            "transaction_tp": "24A",
            "entity_tp": "ORG",
            "name": "GOOGLE LLC",
            "zip_code": "94043",
            "transaction_dt": "2020-10-01",
            "transaction_amt": "1000.0",
            "other_id": "P80001571",
            "cand_id": "P80001571",
            "tran_id": "SB24.1",
        },
        {
            "cmte_id": "C70001318",
            "transaction_tp": "24F",
            "transaction_amt": "506.0",
            "other_id": "P80000722",
            "cand_id": "P80000722",
            "tran_id": "V1",
        },
    )
    [result] = import_files(case, "fec", [write("contributions.csv", text)])
    assert (result.loaded, result.quarantined) == (3, 0)
    to_committee = props(case, make_id("fec-contribution", "SB23.79849", "C00468314"))
    assert to_committee["payer"] == [make_id("fec-committee", "C00468314")]
    assert to_committee["beneficiary"] == [make_id("fec-committee", "C00703975")]
    assert to_committee["purpose"] == ["contribution to a candidate's committee (transaction type 24K)"]
    assert to_committee["summary"] == ["candidate P80000722"]
    assert props(case, make_id("fec-committee", "C00703975"))["name"] == ["BIDEN FOR PRESIDENT"]
    to_vendor = props(case, make_id("fec-contribution", "SB24.1", "C00468314"))
    assert to_vendor["beneficiary"] == [donor_id("GOOGLE LLC", "94043")]
    to_candidate = props(case, make_id("fec-contribution", "V1", "C70001318"))
    assert to_candidate["beneficiary"] == [make_id("fec-candidate", "P80000722")]


def test_non_fec_files_are_refused(case, write) -> None:
    posts = write("posts.csv", "post_id,author,text\n1,a,hello\n")
    with pytest.raises(FormatError, match=r"posts\.csv, line 1: not an FEC file"):
        import_files(case, "fec", [posts])
    pac = write("pac.csv", "cmte_id,cmte_nm,cmte_tp,ttl_receipts\nC00000059,HALLMARK CARDS PAC,Q,1.0\n")
    with pytest.raises(FormatError, match=r"an FEC table unmask does not read: .*unmask reads contributions"):
        import_files(case, "fec", [pac])
    pipes = write("other.txt", "|".join(["x"] * 21) + "\n")
    with pytest.raises(FormatError, match=r"other\.txt, line 1: not an FEC bulk file"):
        import_files(case, "fec", [pipes])
    with pytest.raises(FormatError, match="empty file"):
        import_files(case, "fec", [write("empty.txt", "\n\n")])
    assert case.scalar("SELECT count(*) FROM sources") == 0


def test_reimport_is_skipped(case, write) -> None:
    path = write("itcont.txt", itcont(*ITCONT_LINES))
    [first] = import_files(case, "fec", [path])
    before = case.scalar("SELECT count(*) FROM statements")
    [again] = import_files(case, "fec", [path])
    assert not first.skipped and again.skipped
    assert case.scalar("SELECT count(*) FROM statements") == before


def _records_in(path: Path, header: bool) -> int:
    """The records of a file: its CSV records after the header, or its non-blank lines."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        if header:
            return sum(1 for _ in csv.reader(fh)) - 1
        return sum(1 for line in fh if line.strip())


@pytest.mark.data
def test_real_fec_files(case, shared_data: Path) -> None:
    fec = shared_data / "records" / "fec"
    files = [
        *((p, False) for p in sorted((fec / "raw_itcont").glob("*.txt"))),
        (fec / "committees.csv.gz", True),
        (fec / "individuals.csv.gz", True),
    ]
    results = import_files(case, "fec", [p for p, _ in files])
    for (path, header), result in zip(files, results, strict=True):
        assert result.loaded + result.quarantined == _records_in(path, header), path.name
        assert result.loaded > 0
    # The two raw samples share contributors: one entity each, from both files.
    shared = case.scalar(
        "SELECT count(*) FROM (SELECT entity_id FROM statements WHERE entity_id LIKE 'fec-donor-%'"
        " GROUP BY entity_id HAVING count(DISTINCT source_id) = 2)"
    )
    assert shared > 0
    assert (
        case.scalar("SELECT count(DISTINCT entity_id) FROM statements WHERE schema = 'Directorship'") > 10000
    )
