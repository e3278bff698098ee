"""WHOIS and RDAP records of domains: who registered a site, through whom, on which name servers.

A file is one record: raw WHOIS text (current or historic, any registry layout that
:mod:`unmask.ingest.whois` reads) or an RDAP JSON object; a folder is every file in it. The record's
date is given by ``--as-of``, else its "Last update of WHOIS database" line, else its "Updated Date" (RDAP:
its events).

The domain becomes a website, an FtM ``Asset`` (as :mod:`unmask.ingest.html_pages` makes it); the
registrant an FtM ``Person`` or ``Organization`` (both, joined by a ``Membership``, when the record names a
person and an organisation) that owns it through an ``Ownership`` dated by the registration; the
administrative and technical contacts are ``UnknownLink`` s. Redacted and privacy-service values are not
identities and become nothing: the parser drops them. Name servers (each, and the set), IPs, the registrar
and the registrant's e-mail and phone become ``infrastructure`` rows on the site.

Contacts of a service are not the operator's either, and become no entity, no link and no contact value:
only a ``service-contact`` row on the site, which links nothing (:func:`service_reason`). They are an
administrative or technical contact that is the registrar's (its organisation or name is the registrar's
name or a registrar or abuse contact's, or its e-mail is at the registrar's domain), and any contact,
the registrant included, of a brand-protection or corporate-domain service (:data:`DOMAIN_SERVICES`),
which registers and manages domains for many unrelated companies.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from followthemoney.proxy import EntityProxy
from followthemoney.types import registry

from unmask.errors import FormatError
from unmask.ingest.base import file_sha256, files_in, folder_sha256
from unmask.ingest.record_stage import RecordReader, make_id, name_key, new_entity, site_entity
from unmask.ingest.stage import Stage
from unmask.ingest.whois import Contact, DomainRecord, parse_rdap, parse_whois
from unmask.names import parse_org

MAX_RECORD_BYTES = 1_000_000
# Answers that are a WHOIS server's or an RDAP service's though they describe no domain: the file is of
# this format (the reasons parse_whois and parse_rdap give them).
_ANSWERS = ("no-match answer", "rate-limit or access notice", "not an RDAP object: error")
# Brand-protection and corporate-domain services, by name and e-mail domain. They register and manage the
# domains of many unrelated companies (MarkMonitor is the technical contact of Google's, Microsoft's and
# Amazon's), so a contact of theirs says nothing about who runs a site.
DOMAIN_SERVICES = re.compile(
    r"\bmark ?monitor\b|\bcorporation service company\b|\bcsc corporate domains\b|\bcom ?laude\b"
    r"|\bcorsearch\b|\bsafenames\b|\bbrandsight\b|\bnameshield\b|\bebrand services\b|\blexsynergy\b"
    r"|\bsafebrands\b|\bauthentic web\b"
    r"|@(?:[\w-]+\.)*(?:markmonitor|cscglobal|cscinfo|cscdbs|comlaude|corsearch|safenames|brandsight"
    r"|nameshield|ebrand|lexsynergy|safebrands|authenticweb)\.",
    re.IGNORECASE,
)
_WEB_SUFFIX = re.compile(r"\.(?:com|net|org|biz|info)\b", re.IGNORECASE)  # "GoDaddy.com, LLC"
_SECOND_LEVEL = frozenset(["co", "com", "net", "org", "ac", "gov", "edu", "or", "ne", "go"])  # co.uk, com.br


def _org_words(name: str | None) -> tuple[str, ...]:
    """An organisation's name words, folded, without its legal form or a web suffix."""
    return parse_org(_WEB_SUFFIX.sub("", name)).core if name else ()


def _leads(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether the shorter word list opens the longer ("MarkMonitor" / "MarkMonitor International")."""
    n = min(len(a), len(b))
    return n > 0 and a[:n] == b[:n]


def _mail_domain(email: str | None) -> tuple[str, str] | None:
    """(registrable domain, its main label) of an e-mail address: ``ccops@markmonitor.com`` →
    ("markmonitor.com", "markmonitor"); two-level suffixes such as ``co.uk`` are kept whole."""
    if not email or "@" not in email:
        return None
    labels = email.rsplit("@", 1)[1].lower().strip(".").split(".")
    keep = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL else 2
    if len(labels) < keep:
        return None
    return ".".join(labels[-keep:]), labels[-keep]


def service_reason(contact: Contact, record: DomainRecord) -> str | None:
    """Why ``contact`` is a service's and not the operator's (see the module docstring), or None."""
    said = " ".join(v for v in (contact.organization, contact.name, contact.email) if v)
    found = DOMAIN_SERVICES.search(said)
    if found:
        return f"a brand-protection or corporate-domain service ({found.group(0).strip('@.')})"
    if contact.role not in ("administrative", "technical"):
        return None
    registrars = [c for c in record.contacts if c.role in ("registrar", "abuse")]
    names = [record.registrar, *(v for c in registrars for v in (c.organization, c.name))]
    registrar_words = [w for w in map(_org_words, names) if w]
    for value in (contact.organization, contact.name):
        words = _org_words(value)
        if any(_leads(words, r) for r in registrar_words):
            return f"the registrar's ({value})"
    mail = _mail_domain(contact.email)
    if mail is None:
        return None
    domains = {d[0] for d in map(_mail_domain, (c.email for c in registrars)) if d}
    keys = {"".join(r[:n]) for r in registrar_words for n in range(1, len(r) + 1)}
    if mail[0] in domains or (len(mail[1]) >= 5 and mail[1] in keys):
        return f"the registrar's (e-mail at {mail[0]})"
    return None


def _contact_entities(contact: Contact, site_id: str | None) -> tuple[EntityProxy | None, list[EntityProxy]]:
    """The contact's main entity (a person, else an organisation) and every entity made for it."""
    made: list[EntityProxy] = []
    org = None
    if contact.organization:
        org = new_entity("Organization", make_id("whois-org", name_key(contact.organization)))
        org.add("name", contact.organization)
        made.append(org)
    person = None
    if contact.name and not (
        contact.organization and name_key(contact.name) == name_key(contact.organization)
    ):
        if parse_org(contact.name).legal:  # "Registrant Name: Example Media LLC"
            person = new_entity("Organization", make_id("whois-org", name_key(contact.name)))
        else:
            person = new_entity(
                "Person", make_id("whois-person", name_key(contact.name), contact.email or "")
            )
        person.add("name", contact.name)
        made.append(person)
    main = person or org
    if main is None:
        return None, []
    main.add("email", contact.email)
    main.add("phone", contact.phone)
    address = ", ".join(
        p for p in (contact.street, contact.city, contact.state, contact.postcode, contact.country) if p
    )
    main.add("address", address or None)
    main.add("country", contact.country, fuzzy=True)
    if person is not None and org is not None and person.schema.name == "Person":
        link = new_entity("Membership", make_id("whois-membership", person.id, org.id))
        link.add("member", person.id)
        link.add("organization", org.id)
        link.add("role", f"{contact.role} organisation in WHOIS")
        made.append(link)
    return main, made


def record_entities(record: DomainRecord) -> tuple[list[EntityProxy], list[tuple]]:
    """FtM entities and infrastructure observations of one domain record."""
    entities: list[EntityProxy] = []
    observations: list[tuple] = []
    site = site_entity(record.domain) if record.domain else None
    if site is not None:
        entities.append(site)
        for ns in record.name_servers:
            observations.append((site.id, "nameserver", ns, record.as_of, None))
        if record.name_servers:
            observations.append(
                (site.id, "nameserver-set", ",".join(record.name_servers), record.as_of, None)
            )
        for ip in record.ip_addresses:
            observations.append((site.id, "ip", ip, record.as_of, None))
        if record.registrar:
            observations.append((site.id, "registrar", record.registrar, record.as_of, None))
    for contact in record.contacts:
        if contact.role not in ("registrant", "administrative", "technical"):
            continue
        reason = service_reason(contact, record)
        if reason is not None:
            if site is not None:
                value = contact.organization or contact.name or contact.email
                observations.append(
                    (site.id, "service-contact", value, record.as_of, f"{contact.role}: {reason}")
                )
            continue
        main, made = _contact_entities(contact, site.id if site else None)
        entities.extend(made)
        if site is None or main is None:
            continue
        if contact.role == "registrant":
            link = new_entity("Ownership", make_id("whois-registration", main.id, site.id, record.created))
            link.add("owner", main.id)
            link.add("asset", site.id)
            link.add("role", "domain registrant")
            link.add("startDate", record.created)
            link.add("endDate", record.expires)
            link.add("date", record.as_of)
            link.add("summary", f"registrar: {record.registrar}" if record.registrar else None)
            phone = registry.phone.clean(contact.phone) if contact.phone else None
            phone = phone or (re.sub(r"[^\d+]", "", contact.phone) if contact.phone else None)
            for kind, value in (("registrant-email", contact.email), ("registrant-phone", phone)):
                if value:
                    observations.append((site.id, kind, value.lower(), record.as_of, None))
        else:
            link = new_entity("UnknownLink", make_id("whois-contact", main.id, site.id, contact.role))
            link.add("subject", main.id)
            link.add("object", site.id)
            link.add("role", f"{contact.role} contact of the domain")
            link.add("date", record.as_of)
        entities.append(link)
    return entities, observations


class WhoisReader(RecordReader):
    """``whois``: raw WHOIS text or RDAP JSON, one record a file (or a folder of them)."""

    name = "whois"
    summary = "WHOIS text (current or historic) or RDAP JSON, one record a file; --as-of dates them"
    reads_folders = True

    @classmethod
    def fingerprint(cls, path: Path) -> str:
        if not path.is_dir():
            return file_sha256(path)
        return folder_sha256(files_in(path))

    def stage(self, path: Path, stage: Stage) -> None:
        files = files_in(path)
        if not files:
            raise FormatError(path, "an empty folder")
        shaped = 0  # records that are WHOIS or RDAP answers, or that cannot tell (empty, too large)
        for record_no, (name, file) in enumerate(files.items(), start=1):
            try:
                # One byte more than a record may have tells a file too large, without reading all of it.
                with file.open("rb") as fh:
                    data = fh.read(MAX_RECORD_BYTES + 1)
            except OSError as exc:
                raise FormatError(file, f"cannot read the file: {exc.strerror or exc}") from None
            stage.on_bytes(len(data))
            text = data.decode("utf-8", errors="replace")
            row = self.new_row(record_no, 1, f"{name}\n{text}")
            too_large = len(data) > MAX_RECORD_BYTES
            try:
                if too_large:
                    raise ValueError(f"a record of more than {MAX_RECORD_BYTES:,} bytes")
                if text.lstrip().startswith("{"):
                    try:
                        obj = json.loads(text)
                    except json.JSONDecodeError as exc:
                        raise ValueError(f"invalid RDAP JSON: {exc.msg} at line {exc.lineno}") from None
                    if not isinstance(obj, dict):
                        raise ValueError("RDAP JSON that is not an object")
                    record = parse_rdap(obj, as_of=self.as_of)
                else:
                    record = parse_whois(text, as_of=self.as_of)
            except ValueError as exc:
                shaped += too_large or not data.strip() or any(answer in str(exc) for answer in _ANSWERS)
                row["error"], row["error_field"] = f"not a WHOIS or RDAP record: {exc}", "record"
                stage.append(row)
                continue
            shaped += 1
            entities, observations = record_entities(record)
            if not entities and not observations:
                row["error"], row["error_field"] = "no domain and no contact in the record", "record"
            else:
                self.put(row, entities, observations)
            stage.append(row)
        self.refuse_shapeless(
            path, len(files), shaped, "a WHOIS answer (a domain name, registrar or date) or an RDAP object"
        )
