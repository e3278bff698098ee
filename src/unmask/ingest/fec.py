"""US Federal Election Commission (FEC) records: contributions, committees, candidates and expenditures.

The layout is told from the content, not the file name (``.gz`` is read too):

- the FEC's bulk files as published: ``|``-separated, without a header and without quoting. ``itcont``
  (contributions by individuals, 21 columns; ``itoth``, between committees, has the same layout),
  ``itpas2`` (contributions from committees to candidates, 22), ``cm`` (committees, 15) and ``cn``
  (candidates, 15). The same files with a header line of the FEC's column names are read too.
- CSV tables of the same with a header of lower-case FEC column names: ``individuals``/``transactions``,
  ``contributions`` (committee to candidate), ``committees``, ``candidates`` and ``expenditures``.

What each record becomes (FollowTheMoney schemata):

- a contribution is a ``Payment`` from the contributor to the committee (the committee to the named
  recipient for committee contributions and expenditures), in USD, dated, with the FEC's record id;
- a contributor is a ``Person`` (``ENTITY_TP`` IND, CAN or blank), an ``Organization`` (ORG, PAC, PTY, COM,
  CCM) or a ``LegalEntity``, whose id is the name (folded) and the five-digit ZIP code: the FEC gives
  contributors no id, and the same name at the same ZIP code in two files is taken to be one contributor;
- a contributor's employer is an ``Organization`` with an ``Employment`` dated at the contribution (the
  record shows the job on that day only), unless the employer is a word such as RETIRED (see
  :data:`GENERIC_EMPLOYERS`); the employer's id is its folded name, the same as a committee's connected
  organisation, so that a donor's employer and a PAC's sponsor of one name are one entity;
- a committee is an ``Organization`` keyed by its FEC id; its treasurer a ``Person`` with a
  ``Directorship`` (role treasurer); its connected organisation an ``Organization`` with an
  ``UnknownLink``; a candidate a ``Person`` keyed by the FEC candidate id, linked to the candidate's
  committee by an ``UnknownLink``.

A record with the wrong number of fields, no committee id, no contributor name, or an amount or date that
cannot be read is quarantined with the field and the value. The FEC's older filings are not all UTF-8:
a line that is not is read as Windows-1252 and counted in the import notes instead of being quarantined.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

from followthemoney.proxy import EntityProxy

from unmask.errors import FormatError
from unmask.ingest.record_stage import BadField, RecordReader, make_id, name_key, new_entity
from unmask.ingest.stage import Stage
from unmask.ingest.textfile import LineFeed, LongLine, Record, check_text, cut_note, truncated

# The FEC's bulk file layouts (https://www.fec.gov/campaign-finance-data/), in column order.
ITCONT = [
    "cmte_id",
    "amndt_ind",
    "rpt_tp",
    "transaction_pgi",
    "image_num",
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
    "file_num",
    "memo_cd",
    "memo_text",
    "sub_id",
]
ITPAS2 = [*ITCONT[:16], "cand_id", *ITCONT[16:]]
CM = [
    "cmte_id",
    "cmte_nm",
    "tres_nm",
    "cmte_st1",
    "cmte_st2",
    "cmte_city",
    "cmte_st",
    "cmte_zip",
    "cmte_dsgn",
    "cmte_tp",
    "cmte_pty_affiliation",
    "cmte_filing_freq",
    "org_tp",
    "connected_org_nm",
    "cand_id",
]
CN = [
    "cand_id",
    "cand_name",
    "cand_pty_affiliation",
    "cand_election_yr",
    "cand_office_st",
    "cand_office",
    "cand_office_district",
    "cand_ici",
    "cand_status",
    "cand_pcc",
    "cand_st1",
    "cand_st2",
    "cand_city",
    "cand_st",
    "cand_zip",
]

TABLES = {
    "individuals": "contributions to committees (itcont, individuals, transactions)",
    "contributions": "committee contributions to candidates (itpas2, contributions)",
    "committees": "committees (cm, committees)",
    "candidates": "candidates (cn, candidates)",
    "expenditures": "operating expenditures (expenditures)",
}

# Employer values that name no organisation. Made into an Organization they would be the "employer" of
# every retiree and every self-employed donor, and join thousands of unrelated people in one place.
GENERIC_EMPLOYERS = frozenset(
    {
        "",
        "-",
        "DISABLED",
        "HOMEMAKER",
        "INFO REQUESTED",
        "INFORMATION REQUESTED",
        "INFORMATION REQUESTED PER BEST EFFORT",
        "INFORMATION REQUESTED PER BEST EFFORTS",
        "N/A",
        "NA",
        "NONE",
        "NOT APPLICABLE",
        "NOT EMPLOYED",
        "NULL",
        "REFUSED",
        "REQUESTED",
        "RETIRED",
        "SELF",
        "SELF EMPLOYED",
        "SELF-EMPLOYED",
        "SELFEMPLOYED",
        "STUDENT",
        "UNEMPLOYED",
        "UNKNOWN",
    }
)
# A committee's CONNECTED_ORG_NM of these says it has none.
_NO_ORG = frozenset({"", "NONE", "N/A", "NA", "NULL"})

PERSON_TYPES = frozenset({"", "IND", "CAN"})  # CAN: a candidate giving to their own campaign
ORG_TYPES = frozenset({"ORG", "PAC", "PTY", "COM", "CCM"})

_HONORIFICS = frozenset({"MR", "MRS", "MS", "MISS", "DR"})
_SUFFIXES = frozenset({"JR", "SR", "II", "III", "IV"})

_COMMITTEE_ID = re.compile(r"^C\d{8}$")
_CANDIDATE_ID = re.compile(r"^[HSP][0-9A-Z]{8}$")
_AMOUNT = re.compile(r"^-?\d+(\.\d+)?$")
_MMDDYYYY = re.compile(r"^(\d{2})(\d{2})(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?$")

# What the committee-to-candidate transaction types are (FEC transaction type codes).
_COMMITTEE_TX = {
    "24A": "independent expenditure opposing a candidate",
    "24C": "coordinated party expenditure",
    "24E": "independent expenditure advocating a candidate",
    "24F": "communication cost for a candidate",
    "24K": "contribution to a candidate's committee",
    "24N": "communication cost against a candidate",
    "24Z": "in-kind contribution",
}


def split_name(name: str) -> tuple[str, str | None, str | None, str | None] | None:
    """(last, first, middle, suffix) of a name written "LAST, FIRST MIDDLE", or None if it has no comma.

    Honorifics (MR, MRS, MS, MISS, DR) are dropped; JR, SR, II, III and IV are the suffix, wherever they are
    written ("SMITH JR, JOHN" and "SMITH, JOHN JR." alike).
    """
    last, sep, rest = name.partition(",")
    if not sep or not last.strip():
        return None
    last_words = last.split()
    suffixes = []
    if len(last_words) > 1 and last_words[-1].strip(".").upper() in _SUFFIXES:
        suffixes.append(last_words.pop())
    given = []
    for word in rest.replace(",", " ").split():
        key = word.strip(".").upper()
        if key in _HONORIFICS:
            continue
        if key in _SUFFIXES:
            suffixes.append(word.strip("."))
        else:
            given.append(word)
    return (
        " ".join(last_words),
        given[0] if given else None,
        " ".join(given[1:]) or None,
        " ".join(suffixes) or None,
    )


def add_person_name(person: EntityProxy, name: str) -> None:
    """The name as written, and its parts where it is written "LAST, FIRST MIDDLE"."""
    person.add("name", name)
    parts = split_name(name)
    if parts:
        person.add("lastName", parts[0])
        person.add("firstName", parts[1])
        person.add("middleName", parts[2])
        person.add("nameSuffix", parts[3])


def committee_entity(cmte_id: str) -> EntityProxy:
    """The committee as far as a transaction names it: its id; the committees file gives the rest."""
    committee = new_entity("Organization", make_id("fec-committee", cmte_id))
    committee.add("idNumber", cmte_id)
    return committee


def candidate_entity(cand_id: str) -> EntityProxy:
    candidate = new_entity("Person", make_id("fec-candidate", cand_id))
    candidate.add("idNumber", cand_id)
    return candidate


def org_entity(name: str) -> EntityProxy:
    """An organisation known by name only (an employer, a connected organisation): one id a folded name."""
    org = new_entity("Organization", make_id("fec-org", name_key(name)))
    org.add("name", name)
    return org


def party_entity(name: str, zip_code: str, entity_tp: str) -> EntityProxy:
    """A contributor or payee: the FEC gives them no id, so their id is the folded name and the ZIP5."""
    tp = entity_tp.upper()
    schema = "Person" if tp in PERSON_TYPES else "Organization" if tp in ORG_TYPES else "LegalEntity"
    party = new_entity(schema, make_id("fec-donor", name_key(name), zip_code[:5]))
    if schema == "Person":
        add_person_name(party, name)
    else:
        party.add("name", name)
    party.add("country", "us")
    return party


def address(*parts: str, state: str = "", zip_code: str = "") -> str | None:
    """ "STREET, CITY, STATE ZIP" from the parts that are given."""
    tail = " ".join(p for p in (state, zip_code) if p)
    text = ", ".join(p for p in (*parts, tail) if p)
    return text or None


def generic_employer(employer: str, occupation: str) -> bool:
    """Whether an EMPLOYER value names no organisation (RETIRED, SELF, or the occupation written again)."""
    key = " ".join(employer.upper().split()).strip(".")
    return key in GENERIC_EMPLOYERS or key == " ".join(occupation.upper().split()).strip(".")


class FecReader(RecordReader):
    """``fec``: FEC bulk files (itcont, itpas2, cm, cn) and CSV tables of contributions, committees,
    candidates and expenditures; see the module documentation for the mapping."""

    name = "fec"
    summary = "US FEC bulk files (itcont, itpas2, cm, cn) and CSV tables of contributions and committees"

    def __init__(self, *, mapping: dict[str, str] | None = None, as_of: str | None = None):
        super().__init__(mapping=mapping, as_of=as_of)
        self._legacy_lines = 0

    def stage(self, path: Path, stage: Stage) -> None:
        head = check_text(path)
        lines = [ln for ln in head.decode("utf-8", errors="replace").splitlines() if ln.strip()]
        if not lines:
            raise FormatError(path, "empty file: no record", line=1)
        if lines[0].count("|") >= 14:
            self._stage_bulk(path, head, lines, stage)
        else:
            self._stage_csv(path, head, stage)
        if self._legacy_lines:
            self.notes.append(f"{self._legacy_lines} lines were not UTF-8: read as Windows-1252")

    # -- layouts -------------------------------------------------------------------------------------

    def _stage_bulk(self, path: Path, head: bytes, lines: list[str], stage: Stage) -> None:
        first = [f.strip() for f in lines[0].split("|")]
        if first[0].upper() in ("CMTE_ID", "CAND_ID"):
            columns = [f.lower() for f in first]
            self.column_names = dict(zip(columns, first, strict=True))
            table = self._table(path, columns, line=1)
            self._stage_fields(
                self._bulk_records(path, stage, len(columns), header=True), columns, table, stage
            )
            return
        # The head may end inside a line: leave that one out of the count.
        cut = len(lines) > 1 and not head.endswith(b"\n")
        sample = (lines[:-1] if cut else lines)[:20]
        counts = Counter(len(ln.split("|")) for ln in sample)
        n = counts.most_common(1)[0][0]
        ids = [ln.split("|", 1)[0].strip() for ln in sample]
        columns: list[str] | None = None
        if n in (len(ITCONT), len(ITPAS2)) and any(_COMMITTEE_ID.match(i) for i in ids):
            columns, table = (ITCONT, "individuals") if n == len(ITCONT) else (ITPAS2, "contributions")
        elif n == len(CM) and any(_COMMITTEE_ID.match(i) for i in ids):
            columns, table = CM, "committees"
        elif n == len(CN) and any(_CANDIDATE_ID.match(i) for i in ids):
            columns, table = CN, "candidates"
        if columns is None:
            raise FormatError(
                path,
                f"not an FEC bulk file: its lines have {n} '|'-separated fields and no FEC id first;"
                f" unmask reads itcont (21 fields), itpas2 (22), cm and cn (15)",
                line=1,
            )
        self.column_names = {c: c.upper() for c in columns}
        self._stage_fields(self._bulk_records(path, stage, len(columns), header=False), columns, table, stage)

    def _stage_csv(self, path: Path, head: bytes, stage: Stage) -> None:
        records, columns, header_line = self.open_table(path, head, stage)
        table = self._table(path, columns, line=header_line)
        self._stage_fields(records, columns, table, stage)

    @staticmethod
    def _table(path: Path, columns: list[str], line: int) -> str:
        """Which FEC table a header is, or a FormatError that says what is read."""
        cols = set(columns)
        if {"cmte_id", "name", "transaction_amt"} <= cols:
            if "cand_id" in cols:
                return "contributions"
            if "employer" in cols:
                return "individuals"
            if "purpose" in cols:
                return "expenditures"
        if {"cmte_id", "cmte_nm", "tres_nm"} <= cols:
            return "committees"
        if {"cand_id", "cand_name", "cand_pcc"} <= cols:
            return "candidates"
        reads = "; ".join(TABLES.values())
        shown = ", ".join(columns[:12]) + (", …" if len(columns) > 12 else "")
        if cols & {"cmte_id", "cand_id"}:
            message = f"an FEC table unmask does not read: its columns are {shown}; unmask reads {reads}"
        else:
            message = f"not an FEC file: its columns are {shown}; unmask reads {reads}"
        raise FormatError(path, message, line=line)

    def _bulk_records(self, path: Path, stage: Stage, expected: int, *, header: bool) -> Iterator[Record]:
        """Each line of a bulk file as a record; record 1 is the first data line.

        The FEC writes no quotes around fields and a '"' is text ('SMITH, JOHN "JACK"'), so lines are split
        on '|' rather than read with the csv module, which would take a leading quote as the start of a
        field that can run over many lines.
        """
        record_no = 0
        feed = LineFeed(path, stage.on_bytes)
        try:
            while True:
                try:
                    data = feed.read_line()
                except LongLine as exc:
                    record_no += 1
                    yield Record(record_no, feed.lines_read, feed.take(), None, str(exc))
                    continue
                if not data:
                    break
                record = self._bulk_record(data, feed, expected, skip=header and feed.lines_read == 1)
                if record is not None:
                    record_no += 1
                    record.record_no = record_no
                    yield record
            if feed.cut:
                self.notes.append(cut_note(feed.lines_read))
        finally:
            feed.close()

    def _bulk_record(self, data: bytes, feed: LineFeed, expected: int, *, skip: bool) -> Record | None:
        """The record of one line of a bulk file (numbered by the caller); None for a blank line."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
            self._legacy_lines += 1
        line = text.rstrip("\r\n")
        if not line.strip() or skip:
            return None
        fields = line.split("|")
        error = None
        if b"\x00" in data:
            error = f"a NUL byte on line {feed.lines_read}: binary data inside a text record"
        elif len(fields) != expected:
            error = f"wrong field count: expected {expected}, found {len(fields)}"
            if len(fields) < expected and not feed.line_ended:
                error = truncated(error, feed.cut)
        elif feed.cut and not feed.line_ended:
            error = truncated("its last field may be cut short", cut=True)
        return Record(0, feed.lines_read, text, fields, error)

    def _stage_fields(self, records: Iterator[Record], columns: list[str], table: str, stage: Stage) -> None:
        readers: dict[str, Callable[[dict[str, str]], list[EntityProxy]]] = {
            "individuals": self._individual,
            "contributions": self._committee_contribution,
            "committees": self._committee,
            "candidates": self._candidate,
            "expenditures": self._expenditure,
        }
        self.stage_table(records, columns, readers[table], stage)

    # -- fields --------------------------------------------------------------------------------------

    def _committee_id(self, r: dict[str, str], key: str = "cmte_id") -> str:
        value = r.get(key, "")
        if not value:
            raise BadField(self.column(key), f"missing {self.column(key)} (the committee id)")
        if not _COMMITTEE_ID.match(value):
            raise BadField(
                self.column(key), f"unreadable {self.column(key)}: {value} is not an FEC committee id"
            )
        return value

    def _amount(self, r: dict[str, str]) -> str | None:
        value = r.get("transaction_amt", "")
        if not value:
            return None
        if not _AMOUNT.match(value):
            col = self.column("transaction_amt")
            raise BadField(col, f"unreadable {col}: {value} is not an amount")
        # "25.0" (the CSV tables) and "25" (the bulk files) are one amount.
        return value.rstrip("0").rstrip(".") if "." in value else value

    def _date(self, r: dict[str, str]) -> str | None:
        """TRANSACTION_DT as YYYY-MM-DD: MMDDYYYY in the bulk files, ISO in the CSV tables."""
        value = r.get("transaction_dt", "")
        if not value:
            return None
        found = _MMDDYYYY.match(value)
        ymd = (found.group(3), found.group(1), found.group(2)) if found else None
        if ymd is None and (iso := _ISO_DATE.match(value)):
            ymd = iso.group(1), iso.group(2), iso.group(3)
        try:
            if ymd is None:
                raise ValueError
            return date(int(ymd[0]), int(ymd[1]), int(ymd[2])).isoformat()
        except ValueError:
            col = self.column("transaction_dt")
            raise BadField(col, f"unreadable {col}: {value} is not a date (MMDDYYYY or YYYY-MM-DD)") from None

    def _party(self, r: dict[str, str]) -> EntityProxy:
        party = party_entity(r["name"], r.get("zip_code", ""), r.get("entity_tp", ""))
        party.add(
            "address", address(r.get("city", ""), state=r.get("state", ""), zip_code=r.get("zip_code", ""))
        )
        return party

    @staticmethod
    def _payment(
        payment_id: str, payer: EntityProxy, beneficiary: EntityProxy, r: dict[str, str]
    ) -> EntityProxy:
        payment = new_entity("Payment", payment_id)
        payment.add("payer", payer.id)
        payment.add("beneficiary", beneficiary.id)
        payment.add("currency", "USD")
        payment.add("recordId", r.get("sub_id") or r.get("tran_id"))
        payment.add("transactionNumber", r.get("tran_id"))
        payment.add("description", r.get("memo_text"))
        image = r.get("image_num", "")
        if image.isdigit():
            payment.add("sourceUrl", f"https://docquery.fec.gov/cgi-bin/fecimg/?{image}")
        return payment

    @staticmethod
    def _transaction_id(prefix: str, r: dict[str, str]) -> str:
        """SUB_ID (the bulk files' unique record id), else the committee's TRAN_ID, else the record itself."""
        if r.get("sub_id"):
            return make_id(prefix, r["sub_id"])
        if r.get("tran_id"):
            return make_id(prefix, r["tran_id"], r["cmte_id"])
        # Neither id: the whole record is the key, so the same record in two files is one payment.
        return make_id(prefix, "record", *r.values())

    # -- records -------------------------------------------------------------------------------------

    def _individual(self, r: dict[str, str]) -> list[EntityProxy]:
        """A contribution to a committee (itcont, individuals): contributor → committee."""
        cmte_id = self._committee_id(r)
        if not r.get("name"):
            raise BadField(self.column("name"), f"missing {self.column('name')} (the contributor)")
        amount, when = self._amount(r), self._date(r)
        committee = committee_entity(cmte_id)
        donor = self._party(r)
        occupation = r.get("occupation", "")
        if donor.schema.name == "Person":
            donor.add("position", occupation)
        entities = [committee, donor]
        employer = r.get("employer", "")
        if donor.schema.name == "Person" and not generic_employer(employer, occupation):
            org = org_entity(employer)
            job = new_entity("Employment", make_id("fec-employment", donor.id, org.id))
            job.add("employee", donor.id)
            job.add("employer", org.id)
            job.add("role", occupation)
            # The record shows the job on the day of the contribution only.
            job.add("startDate", when)
            job.add("endDate", when)
            entities += [org, job]
        payment = self._payment(self._transaction_id("fec-contribution", r), donor, committee, r)
        payment.add("amount", amount)
        payment.add("date", when)
        tx = r.get("transaction_tp", "")
        payment.add("purpose", f"contribution (transaction type {tx})" if tx else "contribution")
        summary = []
        if r.get("other_id"):
            summary.append(f"other FEC id {r['other_id']}")
        if r.get("memo_cd", "").upper() == "X":
            summary.append("memo entry (not counted in the committee's totals)")
        payment.add("summary", "; ".join(summary) or None)
        entities.append(payment)
        return entities

    def _committee_contribution(self, r: dict[str, str]) -> list[EntityProxy]:
        """A committee's transaction for a candidate (itpas2, contributions): committee → recipient.

        The recipient is the committee OTHER_ID names; else the payee NAME (a vendor paid for an independent
        expenditure); else the candidate.
        """
        cmte_id = self._committee_id(r)
        amount, when = self._amount(r), self._date(r)
        committee = committee_entity(cmte_id)
        other, cand_id = r.get("other_id", ""), r.get("cand_id", "")
        if _COMMITTEE_ID.match(other):
            recipient = committee_entity(other)
            recipient.add("name", r.get("name"))
        elif r.get("name"):
            recipient = self._party(r)
        elif cand_id or _CANDIDATE_ID.match(other):
            recipient = candidate_entity(cand_id or other)
        else:
            raise BadField(self.column("name"), f"missing {self.column('name')} (the recipient)")
        payment = self._payment(self._transaction_id("fec-contribution", r), committee, recipient, r)
        payment.add("amount", amount)
        payment.add("date", when)
        tx = r.get("transaction_tp", "")
        label = _COMMITTEE_TX.get(tx.upper(), "committee contribution")
        payment.add("purpose", f"{label} (transaction type {tx})" if tx else label)
        payment.add("summary", f"candidate {cand_id}" if cand_id else None)
        return [committee, recipient, payment]

    def _expenditure(self, r: dict[str, str]) -> list[EntityProxy]:
        """An operating expenditure: committee → payee."""
        cmte_id = self._committee_id(r)
        if not r.get("name"):
            raise BadField(self.column("name"), f"missing {self.column('name')} (the payee)")
        amount, when = self._amount(r), self._date(r)
        committee = committee_entity(cmte_id)
        payee = self._party(r)
        payment = self._payment(self._transaction_id("fec-expenditure", r), committee, payee, r)
        payment.add("amount", amount)
        payment.add("date", when)
        payment.add("purpose", r.get("purpose") or "operating expenditure")
        payment.add("summary", r.get("category_desc"))
        return [committee, payee, payment]

    def _committee(self, r: dict[str, str]) -> list[EntityProxy]:
        """A committee, its treasurer, its connected organisation and its candidate."""
        cmte_id = self._committee_id(r)
        committee = committee_entity(cmte_id)
        # A committee without a name is still known by its id: it is loaded, not quarantined.
        committee.add("name", r.get("cmte_nm"))
        committee.add("description", "FEC committee")
        committee.add("country", "us")
        committee.add(
            "address",
            address(
                r.get("cmte_st1", ""),
                r.get("cmte_st2", ""),
                r.get("cmte_city", ""),
                state=r.get("cmte_st", ""),
                zip_code=r.get("cmte_zip", ""),
            ),
        )
        entities = [committee]
        treasurer = r.get("tres_nm", "")
        if treasurer:
            # A treasurer is known by name within one committee only: the same name elsewhere is not
            # taken to be the same person here (entity resolution may match them later).
            person = new_entity("Person", make_id("fec-person", name_key(treasurer), cmte_id))
            add_person_name(person, treasurer)
            role = new_entity("Directorship", make_id("fec-treasurer", cmte_id, person.id))
            role.add("director", person.id)
            role.add("organization", committee.id)
            role.add("role", "treasurer")
            entities += [person, role]
        connected = r.get("connected_org_nm", "")
        if connected.upper() not in _NO_ORG:
            org = org_entity(connected)
            link = new_entity("UnknownLink", make_id("fec-connected", cmte_id, org.id))
            link.add("subject", committee.id)
            link.add("object", org.id)
            link.add("role", "connected organization")
            entities += [org, link]
        cand_id = r.get("cand_id", "")
        if cand_id:
            candidate = candidate_entity(cand_id)
            entities += [candidate, candidate_link(candidate, committee)]
        return entities

    def _candidate(self, r: dict[str, str]) -> list[EntityProxy]:
        """A candidate and their principal campaign committee."""
        cand_id, name = r.get("cand_id", ""), r.get("cand_name", "")
        if not cand_id:
            raise BadField(self.column("cand_id"), f"missing {self.column('cand_id')} (the candidate id)")
        if not name:
            raise BadField(
                self.column("cand_name"), f"missing {self.column('cand_name')} (the candidate's name)"
            )
        candidate = candidate_entity(cand_id)
        add_person_name(candidate, name)
        candidate.add("country", "us")
        candidate.add(
            "address",
            address(
                r.get("cand_st1", ""),
                r.get("cand_st2", ""),
                r.get("cand_city", ""),
                state=r.get("cand_st", ""),
                zip_code=r.get("cand_zip", ""),
            ),
        )
        office = {"H": "House", "S": "Senate", "P": "President"}.get(r.get("cand_office", "").upper())
        where = "-".join(p for p in (r.get("cand_office_st", ""), r.get("cand_office_district", "")) if p)
        details = ", ".join(
            p
            for p in (r.get("cand_pty_affiliation", ""), r.get("cand_election_yr", "").removesuffix(".0"))
            if p
        )
        text = "FEC candidate" + (f" for {office}" if office else "") + (f" {where}" if where else "")
        candidate.add("description", text + (f" ({details})" if details else ""))
        entities = [candidate]
        pcc = r.get("cand_pcc", "")
        if pcc:
            committee = committee_entity(pcc)
            entities += [committee, candidate_link(candidate, committee)]
        return entities


def candidate_link(candidate: EntityProxy, committee: EntityProxy) -> EntityProxy:
    link = new_entity("UnknownLink", make_id("fec-candidate-committee", candidate.id, committee.id))
    link.add("subject", candidate.id)
    link.add("object", committee.id)
    link.add("role", "candidate's committee")
    return link
