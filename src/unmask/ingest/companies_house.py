"""UK Companies House API responses: company profiles, officer lists and officer appointments (JSON).

A file may hold one response (as the API returns it), an array of them, or JSON Lines of them. Each company
profile is one record; each item of an officer list or of an officer's appointments is one record, read
with the response around it (an officer list names its company only in ``links.self``; an appointments
response names its officer only in its ``links.self`` and ``name``).

Companies become FtM ``Company`` (id from the company number), officers ``Person`` (or ``Company`` for a
corporate officer; id from the officer id in ``links.officer.appointments``), and each appointment a
``Directorship`` with its role and dates.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from followthemoney.proxy import EntityProxy

from unmask.ingest.jsonstream import FieldTypeError, JsonItem, item_row, json_records, json_str
from unmask.ingest.record_stage import RecordReader, make_id, new_entity
from unmask.ingest.stage import Stage
from unmask.ingest.textfile import check_text

_COMPANY_LINK = re.compile(r"/company/([A-Z0-9]{6,10})")
_OFFICER_LINK = re.compile(r"/officers/([A-Za-z0-9_-]{6,64})/appointments")
REGISTER_URL = "https://find-and-update.company-information.service.gov.uk"
# Fields of a company profile, an officer and an appointment: a record with none is another format's.
SHAPE_KEYS = frozenset(
    {"company_number", "company_name", "officer_role", "appointed_to", "appointed_on", "name_elements"}
)
RESPONSE_KINDS = ("officer-list", "personal-appointment")


def _address(value: object) -> str | None:
    if not isinstance(value, dict):
        return None
    keys = ("care_of", "po_box", "premises", "address_line_1", "address_line_2", "locality", "region")
    parts = [
        str(value[k]).strip() for k in keys if isinstance(value.get(k), str | int) and str(value[k]).strip()
    ]
    tail = " ".join(str(value[k]).strip() for k in ("postal_code",) if isinstance(value.get(k), str))
    if tail:
        parts.append(tail)
    if isinstance(value.get("country"), str) and value["country"].strip():
        parts.append(value["country"].strip())
    return ", ".join(parts) or None


def _birth(value: object) -> str | None:
    """Companies House gives month and year of birth only: ``YYYY-MM``."""
    if not isinstance(value, dict) or not isinstance(value.get("year"), int):
        return None
    month = value.get("month")
    return (
        f"{value['year']:04d}-{month:02d}"
        if isinstance(month, int) and 1 <= month <= 12
        else str(value["year"])
    )


def company_entity(number: str, name: str | None = None, status: str | None = None) -> EntityProxy:
    company = new_entity("Company", make_id("gb-company", number.upper()))
    company.add("registrationNumber", number.upper())
    company.add("jurisdiction", "gb")
    company.add("name", name)
    company.add("status", status)
    company.add("sourceUrl", f"{REGISTER_URL}/company/{number.upper()}")
    return company


def _officer(item: dict, officer_id: str | None, name: str, role: str) -> EntityProxy:
    corporate = "corporate" in role or item.get("is_corporate_officer") is True
    key = officer_id or make_id("x", name, str(item.get("date_of_birth")), _address(item.get("address")))
    officer = new_entity("Company" if corporate else "Person", make_id("gb-officer", key))
    officer.add("name", name)
    elements = item.get("name_elements")
    if isinstance(elements, dict) and not corporate:
        officer.add("firstName", json_str(elements.get("forename"), "name_elements.forename"))
        officer.add("middleName", json_str(elements.get("middle_name"), "name_elements.middle_name"))
        officer.add("lastName", json_str(elements.get("surname"), "name_elements.surname"))
        officer.add("title", json_str(elements.get("title"), "name_elements.title"))
    if not corporate:
        officer.add("birthDate", _birth(item.get("date_of_birth")))
        officer.add("nationality", json_str(item.get("nationality"), "nationality"), fuzzy=True)
        officer.add("position", json_str(item.get("occupation"), "occupation"))
    officer.add("country", json_str(item.get("country_of_residence"), "country_of_residence"), fuzzy=True)
    officer.add("address", _address(item.get("address")))
    if officer_id:
        officer.add("sourceUrl", f"{REGISTER_URL}/officers/{officer_id}/appointments")
    return officer


def _directorship(officer: EntityProxy, company: EntityProxy, item: dict) -> EntityProxy:
    """One appointment, with the same id whether read from the officer list or the appointments."""
    role = json_str(item.get("officer_role"), "officer_role") or "officer"
    started = json_str(item.get("appointed_on"), "appointed_on")
    link = new_entity("Directorship", make_id("gb-appointment", officer.id, company.id, role, started))
    link.add("director", officer.id)
    link.add("organization", company.id)
    link.add("role", role)
    link.add("startDate", started)
    link.add("endDate", json_str(item.get("resigned_on"), "resigned_on"))
    return link


def _has_shape(item: JsonItem) -> bool:
    """Whether a record is one of the API's: a field of a profile, an officer or an appointment, or an item
    of an officer list or appointments response."""
    if not isinstance(item.value, dict):
        return False
    envelope = item.envelope or {}
    return not SHAPE_KEYS.isdisjoint(item.value) or envelope.get("kind") in RESPONSE_KINDS


def _link(links: object, key: str) -> str | None:
    return links.get(key) if isinstance(links, dict) and isinstance(links.get(key), str) else None


class CompaniesHouseReader(RecordReader):
    """``companies-house``: company profiles, officer lists and officer appointments from the API."""

    name = "companies-house"
    summary = "UK Companies House API JSON: company profiles, officer lists, officer appointments"

    def stage(self, path: Path, stage: Stage) -> None:
        check_text(path)
        self._records = self._shaped = 0
        for item in json_records(path, on_bytes=stage.on_bytes, member="items", notes=self.notes):
            value = item.value
            if item.envelope is None and isinstance(value, dict) and isinstance(value.get("items"), list):
                # A response inside an array or a JSON Lines file: its items are the records.
                envelope = {k: v for k, v in value.items() if k != "items"}
                for element in value["items"]:
                    raw = json.dumps(element, ensure_ascii=False)
                    self._stage_item(JsonItem(element, item.line_no, raw, None, envelope), stage)
                continue
            self._stage_item(item, stage)
        self.refuse_shapeless(
            path,
            self._records,
            self._shaped,
            "a company profile, an officer list's item or an appointment "
            f"(a JSON object with one of {', '.join(sorted(SHAPE_KEYS))})",
        )

    def _stage_item(self, item: JsonItem, stage: Stage) -> None:
        self._records += 1
        self._shaped += _has_shape(item)
        stage.append(item_row(self, self._records, item, "a Companies House record", self._reader(item)))

    def _reader(self, item: JsonItem):
        envelope = item.envelope or {}
        kind = envelope.get("kind")
        self_link = _link(envelope.get("links"), "self") or ""
        if kind == "personal-appointment" or "/officers/" in self_link:
            return lambda value, row: self._read_appointment(value, envelope, row)
        if envelope:
            return lambda value, row: self._read_officer(value, envelope, row)
        return self._read_top

    def _read_top(self, value: dict, row: dict) -> None:
        if "company_number" in value:
            self._read_profile(value, row)
        else:
            row["error"] = "not a company profile, officer list or appointments response: no company_number"
            row["error_field"] = "company_number"

    def _read_profile(self, value: dict, row: dict) -> None:
        number = json_str(value.get("company_number"), "company_number")
        if not number or not number.strip():
            row["error"], row["error_field"] = "missing company_number", "company_number"
            return
        company = company_entity(
            number.strip(),
            json_str(value.get("company_name"), "company_name"),
            json_str(value.get("company_status"), "company_status"),
        )
        company.add("incorporationDate", json_str(value.get("date_of_creation"), "date_of_creation"))
        company.add("dissolutionDate", json_str(value.get("date_of_cessation"), "date_of_cessation"))
        company.add("legalForm", json_str(value.get("type"), "type"))
        company.add("address", _address(value.get("registered_office_address")))
        sic = value.get("sic_codes")
        if isinstance(sic, list):
            company.add("sector", [s for s in sic if isinstance(s, str)])
        previous = value.get("previous_company_names")
        if isinstance(previous, list):
            company.add(
                "previousName", [p["name"] for p in previous if isinstance(p, dict) and p.get("name")]
            )
        self.put(row, [company])

    def _read_officer(self, item: dict, envelope: dict, row: dict) -> None:
        found = _COMPANY_LINK.search(_link(envelope.get("links"), "self") or "")
        if not found:
            found = _COMPANY_LINK.search(_link(item.get("links"), "self") or "")
        if not found:
            row["error"] = "officer list without a company number in links.self"
            row["error_field"] = "links.self"
            return
        name = json_str(item.get("name"), "name")
        if not name or not name.strip():
            row["error"], row["error_field"] = "missing officer name", "name"
            return
        role = json_str(item.get("officer_role"), "officer_role") or "officer"
        officer_link = item.get("links", {}).get("officer") if isinstance(item.get("links"), dict) else None
        officer_found = _OFFICER_LINK.search(_link(officer_link, "appointments") or "")
        company = company_entity(found.group(1))
        officer = _officer(item, officer_found.group(1) if officer_found else None, name.strip(), role)
        link = _directorship(officer, company, item)
        self.put(row, [company, officer, link])

    def _read_appointment(self, item: dict, envelope: dict, row: dict) -> None:
        appointed = item.get("appointed_to")
        if not isinstance(appointed, dict):
            raise FieldTypeError("appointed_to", "missing appointed_to (the company)")
        number = json_str(appointed.get("company_number"), "appointed_to.company_number")
        if not number or not number.strip():
            row["error"], row["error_field"] = "missing company number", "appointed_to.company_number"
            return
        name = json_str(item.get("name") or envelope.get("name"), "name")
        if not name or not name.strip():
            row["error"], row["error_field"] = "missing officer name", "name"
            return
        officer_found = _OFFICER_LINK.search(_link(envelope.get("links"), "self") or "")
        role = json_str(item.get("officer_role"), "officer_role") or "officer"
        person = dict(item)
        person.setdefault("date_of_birth", envelope.get("date_of_birth"))
        officer = _officer(person, officer_found.group(1) if officer_found else None, name.strip(), role)
        company = company_entity(
            number.strip(),
            json_str(appointed.get("company_name"), "appointed_to.company_name"),
            json_str(appointed.get("company_status"), "appointed_to.company_status"),
        )
        self.put(row, [company, officer, _directorship(officer, company, item)])
