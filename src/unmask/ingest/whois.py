"""WHOIS text and RDAP JSON, read into one :class:`DomainRecord`: registrar, dates, name servers, contacts.

Pure parsing: no network, no database. :func:`parse_whois` reads the port-43 text of a domain query in the
layouts registries actually use (the ICANN 2013-RAA "Key: Value" layout, the old Verisign/registrar pair,
RIPE-style objects with ``nic-hdl`` handles (.fr .at .br .ar .co.cr .il .ua), indented blocks (.uk .it .nl
.eu .tw .mx), bracketed keys (.jp .lv .de), dotted keys (.fi .kz) and free-form contact blocks);
:func:`parse_rdap` reads an RFC 9083 object (``domain``, ``nameserver``, ``entity``, ``ip network``).

Redaction is part of the contract: a value that is a privacy placeholder ("REDACTED FOR PRIVACY", "Not
Disclosed", "Please query the RDDS service …") or a privacy / proxy service ("Domains By Proxy, LLC",
"…@withheldforprivacy.com") is never returned as a contact's value, so it can never make two domains look
like they share an owner. The field's name goes to :attr:`Contact.redacted` instead. When a contact *is* a
proxy service, all of its fields are the proxy's (its street, its phone), so all of them are withheld.

Example::

    >>> rec = parse_whois("Domain Name: example-news.org\\nRegistrar: Example Registrar, Inc.\\n"
    ...                   "Creation Date: 2014-03-20T12:59:17Z\\nRegistrant Name: REDACTED FOR PRIVACY\\n")
    >>> rec.domain, rec.registrar, rec.created, rec.privacy_service
    ('example-news.org', 'Example Registrar, Inc.', '2014-03-20', True)
    >>> rec.contacts[0].name, rec.contacts[0].redacted
    (None, ['name'])
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

MAX_TEXT_BYTES = 1_000_000
"""Texts over this many bytes (UTF-8) are refused: a WHOIS answer is a few kilobytes."""

_MAX_LINE = 4096  # longer lines are cut: no WHOIS field is that long, and it bounds every regex
_MAX_RDAP_DEPTH = 6  # nested RDAP entities (registrar → abuse contact is depth 2)
_MAX_RDAP_ITEMS = 2000  # entities and name servers read from one RDAP object

ROLES = ("registrant", "administrative", "technical", "registrar", "abuse")


@dataclass
class Contact:
    """One contact of a record: values as the record gives them, blanks collapsed, e-mail in lower case.

    ``redacted`` names the fields whose value was withheld: a privacy placeholder, or (when the contact is
    a privacy / proxy service) every field the service filled in.
    """

    role: str  # "registrant" | "administrative" | "technical" | "registrar" | "abuse"
    name: str | None = None
    organization: str | None = None
    email: str | None = None
    phone: str | None = None
    street: str | None = None
    city: str | None = None
    state: str | None = None
    postcode: str | None = None
    country: str | None = None
    redacted: list[str] = field(default_factory=list)  # fields whose value was a privacy redaction / proxy


@dataclass
class DomainRecord:
    """What one WHOIS or RDAP answer says about a domain (or, for RDAP, a name server, entity or network)."""

    domain: str | None  # lower case, IDNA/ASCII form, no trailing dot
    registrar: str | None
    created: str | None  # ISO 8601 date "YYYY-MM-DD" (date only)
    updated: str | None
    expires: str | None
    name_servers: list[str]  # lower case, no trailing dot, sorted, deduplicated, no IPs glued on
    status: list[str]  # EPP codes only ("clientTransferProhibited"), no URLs
    contacts: list[Contact]
    ip_addresses: list[str]  # from RDAP nameserver ipAddresses / name-server lines with glue IPs
    as_of: str | None  # the date the record describes (ISO date)
    as_of_from: str | None  # "option" | "last-update-line" | "updated-date" | "rdap-event" | None
    privacy_service: bool  # the registrant is a privacy/proxy service or redacted


# --------------------------------------------------------------------------------------------------------
# Redaction
# --------------------------------------------------------------------------------------------------------

# Placeholders: the registry withholds the value.
_PLACEHOLDER = re.compile(
    r"\bredact(?:ed|ion)\b|\bdata protected\b|\bnot disclosed\b|\bnon-?public\b|\bstatutory masking\b"
    r"|\bgdpr\b|\bmasked\b|\bwithheld\b|\bhidden upon\b|^hidden\b|\bhidden!|\bano nymous\b"
    r"|^(?:private person|private individual|individual|private|anonymous|not available|"
    r"information not available|data not available)\.?$"
    r"|\bplease (?:query|contact|use|visit|see)\b.{0,120}\b(?:rdds|rdap|whois|registrar|web ?form|"
    r"contact form)\b"
    r"|\b(?:query|use) the (?:rdds|rdap)\b|\bvisit\b.{0,80}\bto contact\b|\bweb-based whois\b"
    r"|^https?://\S*(?:contact|form|whois|privacy|registrant)\S*$",
    re.IGNORECASE,
)
# Privacy and proxy services: the value is real, but it is the service's, shared by many registrants.
_PROXY = re.compile(
    r"domains? ?by ?proxy|withheld ?for ?privacy|contact ?privacy inc|whois ?privacy|privacy ?protect"
    r"|\bprivacy (?:service|services|guardian|hero|ehf)\b|privacyguardian|whoisguard|whois ?proxy"
    r"|\b(?:domain|data|identity|super|perfect|registrant|contact) privacy\b|\bprivate ?by ?design\b"
    r"|\bidentity protection\b|\bdomain protection services\b|\bregistration private\b"
    r"|\bprivate registrant\b|\bprivate registration\b|proxy\.dreamhost\.com|\bproxy service\b"
    r"|@(?:[\w-]+\.)*(?:domainsbyproxy|withheldforprivacy|contactprivacy|whoisprivacyprotect|"
    r"privacyprotect|whoisguard|privacyguardian|whoisproxy|anonymize|protecteddomainservices|"
    r"identity-protect|privacy-link|proxy\.dreamhost)\.",
    re.IGNORECASE,
)


def is_redacted(value: str | None) -> bool:
    """Whether ``value`` is a privacy redaction or a privacy/proxy service rather than a real identity.

    True for placeholders ("REDACTED FOR PRIVACY", "Data Protected", "Not Disclosed", "Statutory Masking
    Enabled", "Please query the RDAP service of the registrar of record", a web contact-form URL) and for
    privacy services by name or e-mail domain ("Domains By Proxy, LLC", "Contact Privacy Inc. Customer …",
    "…@withheldforprivacy.com"). False for None, empty strings and ordinary values.
    """
    if not value:
        return False
    text = value.strip()[:_MAX_LINE]
    return bool(text) and (_PLACEHOLDER.search(text) is not None or _PROXY.search(text) is not None)


def _is_proxy(value: str) -> bool:
    return _PROXY.search(value[:_MAX_LINE]) is not None


# --------------------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------------------

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("jan", "january", "janv", "ene", "enero"),
            ("feb", "february", "fev", "févr", "febr"),
            ("mar", "march", "mars", "marzo"),
            ("apr", "april", "avr", "abr", "abril"),
            ("may", "mai", "mayo"),
            ("jun", "june", "juin", "junio"),
            ("jul", "july", "juil", "julio"),
            ("aug", "august", "aout", "août", "ago", "agosto"),
            ("sep", "sept", "september", "septiembre"),
            ("oct", "october", "octobre", "octubre"),
            ("nov", "november", "novembre", "noviembre"),
            ("dec", "december", "décembre", "dic", "diciembre"),
        ]
    )
    for m in names
}
_MON = r"(?P<mon>[A-Za-zéû]{3,9})"
_DATE_FORMATS = [
    # 2014-03-20T12:59:17.0Z, 1997-09-15 00:00:00, 2014.03.20, 2025/05/26, 2002-12-04 00:00:00+02,
    # 2007. 02. 16. (.kr)
    re.compile(r"(?P<y>\d{4})(?P<sep>[-./]) ?(?P<m>\d{1,2})(?P=sep) ?(?P<d>\d{1,2})(?!\d)"),
    # 20110426 17:57:27 (.at), 19990518 #162310 (.br)
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?!\d)"),
    # 20-Mar-2014, 29-APR-05, 05-Oct-1997 04:00:00 UTC, 15-Nov-2007.
    re.compile(r"(?P<d>\d{1,2})[-./ ]" + _MON + r"[-./ ,]+(?P<y>\d{4}|\d{2})(?!\d)"),
    # 2001-Aug-23. (.tr)
    re.compile(r"(?P<y>\d{4})[-./ ]" + _MON + r"[-./ ](?P<d>\d{1,2})(?!\d)"),
    # 26.03.2008 16:18:03, 18.7.2012, 30/10/2002, 05-06-1999: day first unless that cannot be
    re.compile(r"(?P<a>\d{1,2})(?P<sep>[-./])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4})(?!\d)"),
    # Tue Feb 10 09:42:42 2004 (.kg), Wed Mar  5 00:13:49 2025
    re.compile(
        r"(?:[A-Za-z]{3},?\s+)?" + _MON + r"\s+(?P<d>\d{1,2})\s+[\d:]+\s+(?:[A-Z]{2,5}\s+)?(?P<y>\d{4})"
    ),
    # Thu, 26 Jun 2008 21:39:08 EDT
    re.compile(r"(?:[A-Za-z]{3},?\s+)?(?P<d>\d{1,2})\s+" + _MON + r"\s+(?P<y>\d{4})"),
    # March 20, 2014
    re.compile(_MON + r"\.?\s+(?P<d>\d{1,2}),?\s+(?P<y>\d{4})"),
]
_LEADING_TIME = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?\s+")


def parse_date(value: str | None) -> str | None:
    """The ISO date ("YYYY-MM-DD") a WHOIS or RDAP date string starts with, or None.

    The calendar date is the one written (no time-zone shift). A value that does not start with a date
    ("before Aug-1996", "see at www.register.bg", "2019") gives None rather than a guess.
    """
    if not value:
        return None
    text = _LEADING_TIME.sub("", value.strip()[:200])
    for pattern in _DATE_FORMATS:
        m = pattern.match(text)
        if not m:
            continue
        parts = m.groupdict()
        if parts.get("a") is not None:
            a, b = int(parts["a"]), int(parts["b"])
            day, month = (b, a) if b > 12 >= a else (a, b)  # "03/25/2010" can only be month first
        else:
            found = _MONTHS.get(parts["mon"].lower()) if parts.get("mon") is not None else int(parts["m"])
            if found is None:
                continue
            day, month = int(parts["d"]), found
        year = int(parts["y"])
        if year < 100:
            year += 2000 if year < 70 else 1900
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            return None
    return None


# --------------------------------------------------------------------------------------------------------
# Small value helpers
# --------------------------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_EMPTY_VALUES = {"", "-", "--", "n/a", "na", "none", "null", "nil", ".", "not applicable", "unknown"}
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+")
_PHONE = re.compile(r"^\+?\s?[\d(][\d\s().\-/]{4,30}\d(?:\s*(?:x|ext\.?)\s*\d{1,6})?$", re.IGNORECASE)
_FAX_TAIL = re.compile(r"\s*(?:\(fax\)|\bfax\b\s*:?|\[fax\]).*$", re.IGNORECASE)
_HOSTNAME = re.compile(
    r"^(?=.{3,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$"
)
_EPP_CODES = {
    c.lower(): c
    for c in _words(
        "ok inactive clientDeleteProhibited clientHold clientRenewProhibited clientTransferProhibited "
        "clientUpdateProhibited pendingCreate pendingDelete pendingRenew pendingTransfer pendingUpdate "
        "serverDeleteProhibited serverHold serverRenewProhibited serverTransferProhibited "
        "serverUpdateProhibited addPeriod autoRenewPeriod renewPeriod transferPeriod redemptionPeriod "
        "pendingRestore"
    )
}
# RFC 8056: RDAP status names for the EPP codes; "active" is EPP's "ok".
_RDAP_STATUS = {re.sub(r"(?<!^)([A-Z])", r" \1", v).lower(): v for v in _EPP_CODES.values()} | {
    "active": "ok"
}
_ORG_WORDS = re.compile(
    r"\b(?:inc|incorporated|llc|l\.l\.c|ltd|ltda|limited|corp|corporation|company|co|gmbh|mbh|ag|kg|sa|s\.a|"
    r"sas|sarl|srl|s\.r\.o|spa|s\.p\.a|bv|b\.v|nv|n\.v|oy|oyj|ab|as|a/s|aps|plc|pty|pte|ead|ad|ood|jsc|jsco|"
    r"llp|lp|doo|d\.o\.o|z o\.o|kft|zrt|sl|s\.l|cv|c\.v|group|grupa|holdings?|universit\w*|univ|institute|"
    r"instituto|society|association|foundation|fundacion|council|agency|department|ministry|government|"
    r"office|registry|registrar|services?|bank|media|networks?|technolog\w+|solutions|systems|trust|club|"
    r"church|school|college|hospital|cent(?:er|re)s?|communications|telecom\w*|magazine|press|news|"
    r"enterprises?|industries|international|partners|studio|labs?|hosting)\b\.?"
    r"|verwaltung\b|gesellschaft\b",
    re.IGNORECASE,
)
_STREET_WORDS = re.compile(
    r"\b(?:street|st|road|rd|avenue|ave|av|blvd|boulevard|lane|ln|drive|dr|way|square|sq|parkway|pkwy|plaza|"
    r"place|pl|court|ct|suite|ste|floor|fl|box|po|p\.o|building|bldg|highway|hwy|terrace|quay|strasse|"
    r"straße|str|ul|bul|calle|rue|via|platz|weg|gasse|laan|straat|apartado|piso|house|unit|"
    r"centre|center|tower|park|hall|dept|department|attn|c/o)\b\.?|\d",
    re.IGNORECASE,
)
_COUNTRY_CODES = set(
    _words(
        "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS "
        "BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE "
        "EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM "
        "HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC "
        "LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA "
        "NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW "
        "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO "
        "TR TT TV TW TZ UA UG UK UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW EU"
    )
)
_COUNTRY_NAMES = set(
    """united states|united states of america|usa|u.s.a.|united kingdom|great britain|england|scotland|
    wales|germany|deutschland|france|italy|italia|spain|espana|españa|portugal|netherlands|the netherlands|
    nederland|belgium|belgique|luxembourg|switzerland|schweiz|suisse|austria|osterreich|österreich|
    liechtenstein|ireland|iceland|norway|sweden|denmark|finland|poland|polska|czech republic|czechia|
    slovakia|slovenia|hungary|romania|bulgaria|serbia|croatia|bosnia and herzegovina|montenegro|albania|
    greece|cyprus|malta|turkey|turkiye|türkiye|estonia|latvia|lithuania|belarus|ukraine|russia|
    russian federation|moldova|georgia|armenia|azerbaijan|kazakhstan|kyrgyzstan|uzbekistan|canada|mexico|
    brazil|brasil|argentina|chile|colombia|peru|venezuela|ecuador|bolivia|uruguay|paraguay|costa rica|
    panama|honduras|guatemala|el salvador|nicaragua|dominican republic|cuba|puerto rico|jamaica|china|
    hong kong|hong kong (hk)|taiwan|japan|korea|south korea|republic of korea|india|pakistan|bangladesh|
    sri lanka|nepal|indonesia|malaysia|singapore|thailand|vietnam|viet nam|philippines|australia|
    new zealand|south africa|nigeria|kenya|egypt|morocco|tunisia|algeria|israel|saudi arabia|
    united arab emirates|uae|qatar|kuwait|bahrain|oman|jordan|lebanon|iran|iraq|syria|yemen|
    united states of america (the)|korea (the republic of)""".replace("\n", "")
    .replace("    ", "")
    .split("|")
)
_NO_REGISTRAR = re.compile(r"^(?:no registrar|not available|none|n/a|unknown|-)", re.IGNORECASE)


def _clean(value: str | None) -> str | None:
    """``value`` stripped, inner runs of blanks made one space; None for placeholders of absence."""
    if value is None:
        return None
    text = " ".join(_CONTROL.sub(" ", value).split())
    return None if text.lower() in _EMPTY_VALUES else text


def _org_like(text: str) -> bool:
    return _ORG_WORDS.search(text) is not None


def _is_country(text: str) -> bool:
    t = text.strip().rstrip(".,")
    return t.upper() in _COUNTRY_CODES if len(t) == 2 else t.lower() in _COUNTRY_NAMES


def _ip(text: str) -> str | None:
    """The canonical form of an IP address written in ``text`` (a /32 or /128 suffix allowed), or None."""
    t = text.strip("[](),;|").split("/")[0]
    if not t or not (":" in t or t.count(".") == 3):
        return None
    if t.count(".") == 3 and ":" not in t:
        # RDAP from ARIN writes "074.125.000.000"; ipaddress refuses leading zeros since Python 3.9.5.
        parts = t.split(".")
        if not all(p.isdigit() for p in parts):
            return None
        t = ".".join(str(int(p)) for p in parts)
    try:
        return str(ipaddress.ip_address(t))
    except ValueError:
        return None


def _hostname(text: str) -> str | None:
    """``text`` as a lower-case host name without its trailing dot, or None if it is not one."""
    t = text.strip().strip("[](),;|").lower().rstrip(".")
    if not t or _ip(t) is not None:
        return None
    if not t.isascii():
        try:
            t = t.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return t if _HOSTNAME.match(t) else None


def _split_name_server(value: str) -> tuple[str | None, list[str]]:
    """A name-server line ("ns1.x.pl. [1.2.3.4]", "ns.x.rs - 1.2.3.4", "ns.x.ar (1.2.3.4/32)") → host, IPs."""
    host: str | None = None
    ips: list[str] = []
    for token in re.split(r"[\s,|\[\]()]+", value.strip().lstrip("-* ")):
        if not token:
            continue
        ip = _ip(token)
        if ip is not None:
            ips.append(ip)
        elif host is None:
            host = _hostname(token)
    return host, ips


def _epp_codes(value: str) -> list[str]:
    codes = []
    for token in re.split(r"[\s,;]+", value):
        code = _EPP_CODES.get(token.strip(".").lower())
        if code:
            codes.append(code)
    if not codes:
        squashed = re.sub(r"https?://\S+", "", value).replace(" ", "").lower()
        if squashed in _EPP_CODES:
            codes.append(_EPP_CODES[squashed])
    return codes


def _idna_domain(value: str | None) -> str | None:
    if not value:
        return None
    text = value.strip().split()[0].strip(".").lower() if value.strip() else ""
    if not text:
        return None
    if not text.isascii():
        try:
            text = text.encode("idna").decode("ascii")
        except UnicodeError:
            return text
    return text


def _sorted_ips(ips: Iterable[str]) -> list[str]:
    """Addresses or CIDR blocks, deduplicated, IPv4 first, in numeric order."""
    return sorted(set(ips), key=lambda s: (":" in s, ipaddress.ip_network(s, strict=False)))


# --------------------------------------------------------------------------------------------------------
# WHOIS keys
# --------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _norm_key(key: str) -> str:
    """A key as compared: lower case, no accents, "(s)" and "'s" dropped, punctuation made spaces."""
    text = key.lower()
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = re.sub(r"['’]s\b", "", text.replace("(s)", ""))
    text = re.sub(r"[-_/.()\[\]'’*:]+", " ", text)
    return " ".join(text.split())


_DOMAIN_KEYS = {"domain name", "domain", "domainname", "nombre de dominio", "domain information name"}
_REGISTRAR_KEYS = {
    "registrar",
    "registrar name",
    "sponsoring registrar",
    "registration service provider",
    "current registar",
    "authorized agency",
    "current registrar",
    "registrar of record",
    "registrar organization",
    "sponsoring registrar organization",
}
_CREATED_KEYS = {
    "creation date",
    "created",
    "created on",
    "created date",
    "creation",
    "registered",
    "registered on",
    "registered date",
    "registration date",
    "registration time",
    "record created",
    "record created on",
    "domain created",
    "domain created on",
    "domain registration date",
    "assigned",
    "fecha de creacion",
    "domain name commencement date",
    "commencement date",
    "first registration date",
    "registration",
    "activated on",
    "domain record activated",
}
_UPDATED_KEYS = {
    "updated date",
    "updated",
    "last updated",
    "last updated on",
    "last update",
    "last updated date",
    "last modified",
    "modified",
    "modification date",
    "changed",
    "last changed",
    "record last updated on",
    "record last updated",
    "domain last updated",
    "ultima actualizacion",
    "last modified date",
    "domain record last updated",
}
_EXPIRES_KEYS = {
    "registry expiry date",
    "registrar registration expiration date",
    "expiration date",
    "expiry date",
    "expires",
    "expires on",
    "expire",
    "expire date",
    "expired",
    "expiration",
    "valid until",
    "validity",
    "paid till",
    "renewal date",
    "record expires on",
    "domain expires on",
    "domain expires",
    "fecha de vencimiento",
    "expires at",
    "expiry",
    "domain expiration date",
    "registrar expiration date",
    "expiration time",
}
_NS_KEYS = {
    "name server",
    "name servers",
    "nameserver",
    "nameservers",
    "nserver",
    "nservers",
    "ns",
    "dns",
    "hostname",
    "name server information",
    "name servers information",
    "domain servers in listed order",
    "domain servers",
    "domain nameservers",
    "domain name servers",
    "dns servers",
    "name servers in the listed order",
    "name servers in listed order",
    "nameserver in listed order",
    "nameservers in listed order",
    "servidor es de nombres de dominio",
    "primary server",
    "secondary server",
}
_GLUE_KEYS = {"primary ip address", "secondary ip address"}
_STATUS_KEYS = {"domain status", "status", "eppstatus", "epp status", "state", "registration status"}
_AS_OF_KEYS = {"as of", "whois updated"}
_REFERENCE_KEYS = {
    "registrant": "registrant",
    "holder": "registrant",
    "owner": "registrant",
    "holder c": "registrant",
    "owner c": "registrant",
    "registrant c": "registrant",
    "admin c": "administrative",
    "admin contact": "administrative",
    "administrative contact": "administrative",
    "tech c": "technical",
    "tech contact": "technical",
    "technical contact": "technical",
    "zone c": "technical",
    "billing c": "billing",
    "billing contact": "billing",
}
# Role words as key prefixes ("Registrant Name", "Admin Email", "Owner Locality") and as section headers.
_ROLE_PREFIXES = [
    ("registrar abuse contact", "abuse"),
    ("registrant contact information", "registrant"),
    ("registrant contact", "registrant"),
    ("registrant", "registrant"),
    ("holder of domain name", "registrant"),
    ("domain holder", "registrant"),
    ("holder", "registrant"),
    ("owner", "registrant"),
    ("titular", "registrant"),
    ("organization using domain name", "registrant"),
    ("administrative contact information", "administrative"),
    ("administrative contact agent", "administrative"),
    ("administrative contact", "administrative"),
    ("administrative contacts", "administrative"),
    ("administrative", "administrative"),
    ("admin contact", "administrative"),
    ("admin", "administrative"),
    ("contacto administrativo", "administrative"),
    ("technical contact information", "technical"),
    ("technical contacts", "technical"),
    ("technical contact", "technical"),
    ("technical", "technical"),
    ("tech contact", "technical"),
    ("tech", "technical"),
    ("contacto tecnico", "technical"),
    ("zone contact", "technical"),
    ("zone", "technical"),
    ("billing contact", "billing"),
    ("billing", "billing"),
    ("contacto de cobranza", "billing"),
    ("abuse contact", "abuse"),
    ("abuse", "abuse"),
    ("registration service provider", "registrar"),
    ("domain services provided by", "registrar"),
    ("registrar", "registrar"),
    ("reseller", "reseller"),
]
_ROLE_HEADERS = {p: r for p, r in _ROLE_PREFIXES} | {
    "tech c": "technical",
    "zone c": "technical",
    "admin c": "administrative",
    "registrant contact": "registrant",
}
_FIELD_KEYS = {
    "name": "name",
    "person": "name",
    "personname": "name",
    "person loc": "name",
    "contact name": "name",
    "full name": "name",
    "given name": "given",
    "family name": "family",
    "responsible": "name",
    "nombre": "name",
    "organization": "organization",
    "organisation": "organization",
    "organization loc": "organization",
    "org": "organization",
    "org name": "organization",
    "organization name": "organization",
    "organisation name": "organization",
    "company": "organization",
    "company name": "organization",
    "email": "email",
    "e mail": "email",
    "email address": "email",
    "mail": "email",
    "contact email": "email",
    "customer service email": "email",
    "phone": "phone",
    "telephone": "phone",
    "tel": "phone",
    "phone number": "phone",
    "voice": "phone",
    "street": "street",
    "address": "street",
    "address loc": "street",
    "street address": "street",
    "addr": "street",
    "address line": "street",
    "city": "city",
    "town": "city",
    "locality": "city",
    "state": "state",
    "state province": "state",
    "province": "state",
    "region": "state",
    "postal code": "postcode",
    "postalcode": "postcode",
    "postal code loc": "postcode",
    "postcode": "postcode",
    "post code": "postcode",
    "zip": "postcode",
    "zip code": "postcode",
    "zipcode": "postcode",
    "country": "country",
    "country code": "country",
    "countrycode": "country",
    "country loc": "country",
    "descr": "free",
    "type": "type",
    "anonymous": "anonymous",
    "org country": "country",
}


@lru_cache(maxsize=4096)
def _field_of(key: str) -> str | None:
    """The contact field a (role-less) key names: "street1" is street, "company english name (…)" org."""
    base = re.sub(r"\s*\d+$", "", key)
    found = _FIELD_KEYS.get(base)
    if found is None and base.startswith(("company english name", "company name")):
        found = "organization"
    return found


@lru_cache(maxsize=4096)
def _split_role(key: str) -> tuple[str | None, str | None]:
    """A key as (role, field): "registrant street1" is (registrant, street); "registrant" has no field."""
    for prefix, role in _ROLE_PREFIXES:
        if key == prefix:
            return role, None
        if key.startswith(prefix + " "):
            fld = _field_of(key[len(prefix) + 1 :])
            if fld is not None:
                return role, fld
    return None, _field_of(key)


# --------------------------------------------------------------------------------------------------------
# WHOIS lines
# --------------------------------------------------------------------------------------------------------

_AS_OF_LINE = re.compile(
    r"^(?:>>>\s*)?(?P<key>last update of (?:the )?whois database|whois lookup made at|whois timestamp|"
    r"timestamp|last update of (?:the )?(?:rdap )?database|database last updated(?: on)?)"
    r"\s*:?\s*(?P<value>.*?)\s*(?:<<<)?$",
    re.IGNORECASE,
)
_BRACKET_LINE = re.compile(r"^(?:[a-z]\.\s*)?\[(?P<key>[^\]\[]{1,60})\]\s*(?P<value>.*)$")
_KEY_LINE = re.compile(
    r"^(?P<key>[^\W\d_][\w \t'’/()&,.#+-]{0,199}?)[ \t]*(?:\.{2,}[ \t]*)?:(?!//)[ \t]*(?P<value>.*)$"
)
_ON_LINE = re.compile(r"^(?P<key>[A-Za-z][A-Za-z ]{1,40}?\s+on)\s*:?\s+(?P<value>\d.*)$")
_KG_DOMAIN = re.compile(r"^Domain\s+(?P<value>[A-Za-z0-9.-]+\.[A-Za-z]{2,})(?:\s+\(.*\))?$")
_SPACED_KEY = re.compile(r"^(?P<key>address|phone|e-mail|fax-no|person|org)\s{2,}(?P<value>\S.*)$")
_DECORATION = re.compile(r"^[\s\-=*_#~+%]*$")


@dataclass(slots=True)
class _Line:
    indent: int
    key: str | None  # normalised key, None for a free line
    value: str  # the value of a keyed line, the text of a free line
    para: int  # paragraph number (blank lines, separators, comments and "source:" end paragraphs)
    first: bool  # first line of its paragraph
    blank_before: bool  # a blank line, separator or comment comes right before it
    raw_key: str | None = None
    comment_role: str | None = None  # "% Registrant:" and the like (.ua); "end" for other comments
    bracket: bool = False


_PARENS = re.compile(r"\([^)]*\)")
_NOT_IN_KEY = re.compile(r"\w\.\w|(?:^|\s)www\.|@")


def _key_ok(key: str) -> bool:
    """Whether the text before a colon is a key, not a host with glue IPs, a time or a URL."""
    bare = _PARENS.sub(" ", key)
    words = bare.split()
    return 0 < len(words) <= 12 and not words[-1].isdigit() and _NOT_IN_KEY.search(bare) is None


def _read_line(line: str) -> tuple[str | None, str, str | None, bool]:
    """(normalised key or None, value or text, raw key, bracket key) of one stripped line."""
    if line.startswith("** "):
        line = line[3:]
    m = _AS_OF_LINE.match(line)
    if m:
        return "as of", m["value"], m["key"], False
    m = _BRACKET_LINE.match(line)
    if m and not line.startswith("[ "):
        return _norm_key(m["key"]), m["value"].strip(), m["key"], True
    for pattern in (_KG_DOMAIN, _ON_LINE):
        m = pattern.match(line)
        if m:
            key = m.groupdict().get("key") or "domain"
            return _norm_key(key), m["value"].strip(), key, False
    m = _KEY_LINE.match(line)
    if m and _key_ok(m["key"]):
        return _norm_key(m["key"]), m["value"].strip(), m["key"], False
    m = _SPACED_KEY.match(line)
    if m:
        return _norm_key(m["key"]), m["value"].strip(), m["key"], False
    return None, line.removesuffix("<<<").strip().removeprefix("- ").strip(), None, False


def _lines(text: str) -> list[_Line]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Verisign's thin answers glue the registrar's first line onto their last: "Registrars.Registrant:"
    text = re.sub(r"(?m)^(Registrars\.)(?=\S)", r"\1\n", text)
    out: list[_Line] = []
    para = 0
    blank = True
    skip_iana = False
    for raw in text.split("\n"):
        raw = _CONTROL.sub(" ", raw[:_MAX_LINE].expandtabs(8)).rstrip()
        stripped = raw.strip()
        if blank and stripped.lower().startswith("refer:"):
            skip_iana = True
        if skip_iana:
            # IANA's referral block describes the TLD, not the domain: skip it up to its "source: IANA"
            if re.match(r"(?i)^source:\s*IANA\b", stripped) or stripped.startswith("# whois"):
                skip_iana = False
            blank = True
            continue
        if not stripped or _DECORATION.match(stripped):
            blank = True
            continue
        if stripped[0] in "%#" or (stripped.startswith("[ ") and stripped.endswith("]")):
            body = stripped.lstrip("%#").strip()
            m = _AS_OF_LINE.match(body)
            if m and parse_date(m["value"]):  # "% Timestamp: Tue Apr 16 06:51:27 2019" (FRED)
                para += 1
                out.append(_Line(0, "as of", m["value"], para, True, True, raw_key=m["key"]))
            elif (role := _ROLE_HEADERS.get(_norm_key(body.rstrip(":")))) is not None:
                para += 1
                out.append(_Line(-1, None, "", para, True, True, comment_role=role))
            elif out and out[-1].comment_role is None:
                out.append(_Line(-1, None, "", para, False, True, comment_role="end"))
            blank = True
            continue
        key, value, raw_key, bracket = _read_line(stripped)
        if blank:
            para += 1
        indent = len(raw) - len(raw.lstrip())
        out.append(_Line(indent, key, value, para, blank, blank, raw_key=raw_key, bracket=bracket))
        # RIPE-style objects end with "source:"; some answers have no blank line between them (.at)
        blank = key == "source"
    return out


# --------------------------------------------------------------------------------------------------------
# WHOIS structure: entries, sections and contact groups
# --------------------------------------------------------------------------------------------------------


@dataclass
class _Group:
    roles: list[str]
    handle: str | None = None
    items: list[tuple[str, str]] = field(default_factory=list)  # (field, value)
    free: list[str] = field(default_factory=list)  # unkeyed lines: name, organisation, address …
    address: list[str] = field(default_factory=list)  # unkeyed lines known to be address lines


@dataclass(slots=True)
class _Entry:
    key: str
    value: str
    group: int | None  # the contact group the line sits in, if any


@dataclass
class _Section:
    key: str
    kind: str  # "role", "ns", "other"
    indent: int
    group: int | None
    plural: bool
    free_field: str | None = None  # "street" for "Registrant's address:" blocks
    content: bool = False


class _Parse:
    """One pass over the lines: domain-level entries, contact groups, and references to handles."""

    def __init__(self, lines: list[_Line]) -> None:
        self.lines = lines
        self.entries: list[_Entry] = []
        self.groups: list[_Group] = []
        self.refs: list[tuple[str, str]] = []  # (role, handle)
        self.implicit: dict[str, int] = {}  # role → group of its prefixed keys ("Registrant Name")
        self.opened: dict[tuple[str, ...], int] = {}  # roles → group of the last block headed by them
        self.by_para: dict[int, list[_Line]] = {}
        self.para_handle: dict[int, str] = {}  # the first nic-hdl of each paragraph
        for ln in lines:
            self.by_para.setdefault(ln.para, []).append(ln)
            if ln.key in ("nic hdl", "nic hdl br") and ln.value:
                self.para_handle.setdefault(ln.para, ln.value)
        self._objects: dict[int, bool] = {}
        self.handles = self._handles()
        self._walk()

    def _handles(self) -> set[str]:
        """Handles of RIPE-style objects: nic-hdl values, and "contact:"/"registrar:" opening an object."""
        handles = {ln.value for ln in self.lines if ln.key in ("nic hdl", "nic hdl br") and ln.value}
        refs = {ln.value for ln in self.lines if ln.key in _REFERENCE_KEYS and ln.value}
        for ln in self.lines:
            if not ln.value:
                continue
            opens = ln.key == "contact" and (ln.first or ln.value in refs)
            if opens or (ln.key == "registrar" and ln.first and self._is_object(ln.para)):
                handles.add(ln.value)
        return handles

    def _group(self, roles: list[str], handle: str | None = None) -> int:
        self.groups.append(_Group(roles, handle))
        return len(self.groups) - 1

    def _implicit(self, role: str) -> int:
        if role not in self.implicit:
            self.implicit[role] = self._group([role])
        return self.implicit[role]

    # ---- RIPE-style objects (.at .fr .br .ar .co.cr .il .sk .ua): one contact per object
    def _is_object(self, para: int) -> bool:
        if para not in self._objects:
            self._objects[para] = self._object_paragraph(para)
        return self._objects[para]

    def _object_paragraph(self, para: int) -> bool:
        keyed = [ln for ln in self.by_para.get(para, []) if ln.key]
        keys = [ln.key for ln in keyed]
        if any(k in ("nic hdl", "nic hdl br") for k in keys):
            return True
        if keys and keys[0] == "registrar" and keyed[0].value and not any(k in _DOMAIN_KEYS for k in keys):
            # "registrar: FAJN-0002" opening its own block of name, address, phone (.sk, .fr, .ua)
            fields = {_field_of(k) for k in keys[1:] if k}
            return len(fields & {"name", "organization", "street", "phone", "email"}) >= 2
        return False

    def _starts_object(self, ln: _Line) -> bool:
        if ln.key == "contact" and ln.value and ln.value in self.handles:
            return True
        return ln.first and self._is_object(ln.para)

    def _object_group(self, first: _Line) -> int:
        if first.key == "registrar":
            return self._group(["registrar"], first.value)
        role = _ROLE_HEADERS.get(_norm_key(first.value)) if first.key == "contact" else None
        if role is not None:  # IANA's "contact: administrative"
            return self._group([role])
        handle = self.para_handle.get(first.para) or (first.value if first.key == "contact" else None)
        return self._group([], handle)

    def _object_line(self, ln: _Line, group: int, last_key: tuple[str, int, int | None] | None) -> None:
        g = self.groups[group]
        if ln.key is None:
            # .il writes "address      Google Inc." lines under a keyed one: continuation of that key
            if last_key is not None and last_key[2] == group and (fld := _field_of(last_key[0])):
                g.items.append((fld, ln.value))
            return
        self.entries.append(_Entry(ln.key, ln.value, group))
        if ln.key in ("nic hdl", "nic hdl br"):
            return
        if ln.key == "contact":
            # "contact: CON-66" names the object (.co.cr); "contact: Jane Doe" is its name (.fr)
            if ln.value != g.handle and not _ROLE_HEADERS.get(_norm_key(ln.value)):
                g.items.append(("name", ln.value))
            return
        if ln.key == "registrar":
            if g.roles == ["registrar"]:
                g.items.append(("self", ln.value))
            return
        fld = _field_of(ln.key[:-4] if ln.key.endswith(" loc") else ln.key)
        if fld is not None:
            g.items.append((fld, ln.value))
            return
        role, fld = _split_role(ln.key)
        if role is not None and fld is not None:
            self.groups[self._implicit(role)].items.append((fld, ln.value))

    # ---- headers and sections
    def _header(self, i: int) -> tuple[str, list[str], str | None] | None:
        """If line ``i`` opens a block: (kind, roles, free-line field). Kinds: role, ns, other."""
        ln = self.lines[i]
        nxt = self.lines[i + 1] if i + 1 < len(self.lines) else None
        nxt_same = nxt if nxt is not None and not nxt.blank_before else None  # next line, same paragraph
        if ln.key is None:
            text = ln.value.rstrip(":").strip()
            key = _norm_key(text)
            if ln.value.endswith(":") or key in _ROLE_HEADERS or key in _NS_KEYS:
                return self._header_kind(key, require_known=not ln.value.endswith(":"))
            return None
        if ln.value:
            # "Registrant: Roda grupa doo" opening a paragraph whose next lines are its fields (.rs)
            role = _ROLE_HEADERS.get(ln.key)
            if (
                role is not None
                and ln.first
                and ln.value not in self.handles
                and nxt_same is not None
                and nxt_same.key is not None
                and _split_role(nxt_same.key)[0] is None
                and _split_role(nxt_same.key)[1] not in (None, "type", "anonymous")
            ):
                return "role", [role], None
            return None
        if ln.bracket:
            return self._header_kind(ln.key, require_known=False)
        kind = self._header_kind(ln.key, require_known=True)
        if kind is not None and kind[0] != "other" and kind[2] is None:
            return kind  # a role or name-server heading: "Registrant:", "Name servers:"
        if nxt is not None and (nxt.key is None or (nxt.indent > ln.indent and not nxt.blank_before)):
            # a key whose values are the lines under it: "Registrant's address:", "Domain name:" (Nominet);
            # an empty "Registrant Street3:" followed by the next key is just empty
            return kind or ("other", [], None)
        return None

    @staticmethod
    def _header_kind(key: str, require_known: bool) -> tuple[str, list[str], str | None] | None:
        if key in _NS_KEYS:
            return "ns", [], None
        parts = [p.strip() for p in re.split(r",| and |&|/", key) if p.strip()]
        if parts and all(p in _ROLE_HEADERS for p in parts):
            return "role", list(dict.fromkeys(_ROLE_HEADERS[p] for p in parts)), None
        role, fld = _split_role(key)
        if role is not None and fld == "street":
            return "role", [role], "street"  # Nominet's "Registrant's address:"
        if role is not None and fld is not None:
            return "other", [], None
        return None if require_known else ("other", [], None)

    def _open(self, head: tuple[str, list[str], str | None], ln: _Line) -> _Section:
        kind, roles, free_field = head
        key = ln.key or _norm_key(ln.value.rstrip(":"))
        group = None
        if kind == "role":
            # "Registrant's address:" belongs to the contact that "Registrant:" opened (Nominet)
            group = self.opened.get(tuple(roles)) if free_field is not None else None
            if group is None:
                group = self.opened[tuple(roles)] = self._group(roles)
        raw = (ln.raw_key or ln.value).lower()
        plural = "contacts" in raw or "contact(s)" in raw
        section = _Section(key, kind, ln.indent, group, plural=plural, free_field=free_field)
        if ln.key is not None:
            self.entries.append(_Entry(ln.key, ln.value, None))
            if ln.value and group is not None:
                self.groups[group].items.append(("self", ln.value))
        return section

    @staticmethod
    def _continues(section: _Section, ln: _Line) -> bool:
        if not ln.blank_before or not section.content:
            return True  # same paragraph, or the blank line right under the header (.hk, .bg)
        # "TECHNICAL CONTACT(S):" blocks hold one contact per paragraph (.bg)
        return section.plural and ln.indent > section.indent

    def _walk(self) -> None:
        section: _Section | None = None
        comment: int | None = None  # group of a "% Registrant:" comment header (.ua)
        obj: tuple[int, int] | None = None  # (paragraph, group) of a RIPE-style object
        last_key: tuple[str, int, int | None] | None = None  # key, indent, group: for continuation lines
        skip_para = -1
        for i, ln in enumerate(self.lines):
            if ln.comment_role is not None:
                section, obj, last_key = None, None, None
                comment = None if ln.comment_role == "end" else self._group([ln.comment_role])
                continue
            if ln.para == skip_para:
                continue
            if ln.first and ln.key == "server name":
                # Verisign's "Server Name:" blocks are hosts named after the domain, with their own registrars
                skip_para = ln.para
                continue
            next_object = ln.key == "contact" and ln.value in self.handles  # .ar: no blank line between
            if obj is not None and (ln.para != obj[0] or ln.key in _OBJECT_END or next_object):
                obj = None
            if obj is None and comment is None and self._starts_object(ln):
                section, obj = None, (ln.para, self._object_group(ln))
            if obj is not None:
                self._object_line(ln, obj[1], last_key)
                if ln.key is not None:
                    last_key = (ln.key, ln.indent, obj[1])
                continue
            head = self._header(i) if comment is None else None
            if section is not None:
                host_line = section.kind == "ns" and ln.key is None and _hostname(ln.value) is not None
                if (head is not None and not host_line) or not self._continues(section, ln):
                    section = None
                elif ln.blank_before and section.plural and section.content and section.group is not None:
                    section.group = self._group(self.groups[section.group].roles)
            if head is not None and section is None:
                section = self._open(head, ln)
                last_key = None
                continue
            group = section.group if section is not None else comment
            if section is not None:
                section.content = True
            if ln.key is not None:
                key = "whois " + ln.key if section is not None and section.key == "whois" else ln.key
                self._emit(key, ln.value, group)
                last_key = (key, ln.indent, group)
            elif last_key is not None and ln.indent > last_key[1] and not ln.blank_before:
                self._emit(last_key[0], ln.value, last_key[2], continuation=True)
            elif section is not None and section.kind == "ns":
                self.entries.append(_Entry("name servers", ln.value, None))
            elif section is not None and section.kind == "role" and group is not None:
                g = self.groups[group]
                (g.address if section.free_field else g.free).append(ln.value)
            elif section is not None:
                self.entries.append(_Entry(section.key, ln.value, None))

    def _emit(self, key: str, value: str, group: int | None, continuation: bool = False) -> None:
        self.entries.append(_Entry(key, value, group))
        role, fld = _split_role(key)
        if group is not None:
            g = self.groups[group]
            if role is not None and fld is None:
                # "registrar: X" inside the registrar's own block names it; other role keys point elsewhere
                if role in g.roles and value:
                    g.items.append(("self", value))
            elif fld is not None and (role is None or role in g.roles):
                g.items.append((fld, value))
            elif role is not None and fld is not None:
                self.groups[self._implicit(role)].items.append((fld, value))
            return
        if key in _REFERENCE_KEYS and value:
            if value in self.handles:
                self.refs.append((_REFERENCE_KEYS[key], value))
            elif not _handle_like(value) and not continuation:
                self.groups[self._implicit(_REFERENCE_KEYS[key])].items.append(("self", value))
            return
        if role is not None and fld is not None:
            self.groups[self._implicit(role)].items.append((fld, value))
        elif role is None and (fld in _HOLDER_FIELDS or key == "person") and value:
            # Unprefixed identity keys outside any block describe the holder (.ru "org", .il "descr", .by)
            self.groups[self._implicit("registrant")].items.append((fld, value))


_OBJECT_END = {"nserver", "domain", "nsset", "keyset"}
_HOLDER_FIELDS = {"organization", "email", "phone", "free", "country"}


def _handle_like(value: str) -> bool:
    v = value.strip()
    return " " not in v and (any(c.isdigit() for c in v) or ("-" in v and v.upper() == v))


# --------------------------------------------------------------------------------------------------------
# Contacts
# --------------------------------------------------------------------------------------------------------

_ZIP = r"(?:[A-Z]{1,3}-)?\d{3,6}(?:-\d{3,4})?|\d{4} ?[A-Z]{2}"
_US_LINE = re.compile(
    r"^(?P<city>[^\W\d][^\d,]*?),?\s+(?P<state>[A-Z]{2}|[A-Z][a-z]+(?: [A-Z][a-z]+)?)"
    r"\s+(?P<zip>\d{5}(?:-\d{4})?)$"
)
_ZIP_CITY = re.compile(r"^(?P<zip>" + _ZIP + r")\s+(?P<city>[^\W\d][^\d,]*)$")
_CITY_ZIP = re.compile(r"^(?P<city>[^\W\d][^\d,]*),\s*(?P<zip>" + _ZIP + r")$")
_CITY_STATE = re.compile(r"^(?P<city>[^\W\d][^\d,]*?),?\s+(?P<state>[A-Z]{2})$")
_POSTCODE = re.compile(r"^(?:[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}|" + _ZIP + r")$")
_PROSE_START = re.compile(r"(?i)^(?:please|for |visit|learn|promote|get |see |note|notice|http|www\.|<)")


_STATE_CODES = set(  # US states and territories, Canadian provinces
    _words(
        "US AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
        "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AB BC MB NB NL NS NT NU ON "
        "PE QC SK YT"
    )
)


def _locality(line: str) -> dict[str, str] | None:
    """City / state / postcode from one line ("Redmond, WA 98052", "LI-9490 Vaduz", "SOFIA, 1592")."""
    for pattern in (_US_LINE, _ZIP_CITY, _CITY_ZIP, _CITY_STATE):
        m = pattern.match(line)
        if m:
            found = {{"zip": "postcode"}.get(k, k): v.strip() for k, v in m.groupdict().items()}
            state = found.get("state", "")
            if pattern is _CITY_STATE and state not in _STATE_CODES and state in _COUNTRY_CODES:
                found["country"] = found.pop("state")  # "London GB"
            return found
    return None


def _parse_address(lines: list[str]) -> dict[str, str]:
    """Street, city, state, postcode and country from address lines in their usual orders.

    Reads from the end: a country line, then locality lines (postcode, state, "City, ST 12345",
    "12345 City"); whatever is left above is the street. One comma-separated line is read as several.
    """
    lines = [ln.strip(" ,") for ln in lines if ln.strip(" ,") and not re.match(r"(?i)^out of turkey", ln)]
    if len(lines) == 1 and lines[0].count(",") >= 2:
        lines = [part.strip() for part in lines[0].split(",") if part.strip()]
    out: dict[str, str] = {}
    if lines and _is_country(lines[-1]):
        out["country"] = lines.pop()
    elif lines and "," in lines[-1] and _is_country(lines[-1].rsplit(",", 1)[1]):
        lines[-1], out["country"] = (part.strip() for part in lines[-1].rsplit(",", 1))  # "…0047,Japan"
    elif lines:
        # "Mountain View, CA  US": a country code or name after the locality
        words = lines[-1].split()
        for n in (1, 2, 3, 4):
            if len(words) > n and _is_country(" ".join(words[-n:])) and _locality(" ".join(words[:-n])):
                out["country"] = " ".join(words[-n:])
                lines[-1] = " ".join(words[:-n])
                break
    j = len(lines)
    while j > 0:
        line = lines[j - 1]
        found = _locality(line) if "city" not in out else None
        if found is not None:
            for k, v in found.items():
                out.setdefault(k, v)
            j -= 1
            break
        if _POSTCODE.match(line) and "postcode" not in out:
            out["postcode"] = line
        elif re.fullmatch(r"[A-Z]{2}", line) and "state" not in out and "city" not in out:
            out["state"] = line
        elif not _STREET_WORDS.search(line) and len(line.split()) <= 4 and j > 1:
            above = lines[j - 2]
            above2 = lines[j - 3] if j > 2 else None
            if _POSTCODE.match(above) and above2 and not _STREET_WORDS.search(above2) and "state" not in out:
                out["state"] = line  # city, postcode, state (.co.cr, .it)
            else:
                out["city"] = line
                j -= 1
                if j > 0 and "postcode" not in out and _POSTCODE.match(lines[j - 1]):
                    out["postcode"] = lines[j - 1]  # postcode, city (.fi)
                    j -= 1
                elif j > 0 and "state" not in out and re.fullmatch(r"[A-Z]{2}", lines[j - 1]):
                    out["state"] = lines[j - 1]  # state, city (.ua)
                    j -= 1
                break
        else:
            break
        j -= 1
    if j > 0:
        out["street"] = ", ".join(lines[:j])
    return out


def _prose(line: str) -> bool:
    words = line.split()
    if _PROSE_START.match(line) or len(words) >= 12:
        return True
    return len(words) >= 5 and line.endswith(".") and not any(c.isdigit() for c in line)


def _free_lines(lines: list[str], redacted: set[str]) -> tuple[dict[str, list[str]], bool]:
    """Fields from unkeyed contact lines: e-mail and phone by their form, then name/organisation, address."""
    vals: dict[str, list[str]] = {}
    proxy = False
    text_lines: list[str] = []
    for raw in lines:
        line = _clean(raw)
        if not line:
            continue
        if is_redacted(line):
            redacted.add("name" if not text_lines else "street")
            proxy = proxy or _is_proxy(line)
            continue
        for email in _EMAIL.findall(line):
            vals.setdefault("email", []).append(email)
        line = _EMAIL.sub(" ", line)
        if re.match(r"(?i)^please contact\b", line):
            # "Please contact contact-admin@example.com 1600 Main Street" (MarkMonitor): keep the address
            line = re.sub(r"(?i)^please contact\s*", "", line) if any(c.isdigit() for c in line) else ""
        line = _FAX_TAIL.sub("", line).strip(" ,;:")
        line = re.sub(r"(?i)^(?:tel|phone)\s*:?\s*", "", line)
        if not line or _prose(line):
            continue
        phone = line.strip(" -")
        if _PHONE.match(phone) and sum(c.isdigit() for c in phone) >= 6:
            vals.setdefault("phone", []).append(phone)
            continue
        text_lines.append(" ".join(line.split()))
    ident: list[str] = []
    i = 0
    # The first line of a contact block is its name: "switchplus AG" is not a city and a state.
    while i < len(text_lines) and len(ident) < 2 and (i == 0 or not _address_like(text_lines[i])):
        ident.append(text_lines[i])
        i += 1
    if len(ident) == 1:
        vals.setdefault("organization" if _org_like(ident[0]) else "name", []).append(ident[0])
    elif len(ident) == 2:
        a, b = ident
        if _org_like(a) and not _org_like(b):
            vals.setdefault("organization", []).append(a)
            vals.setdefault("name", []).append(b)
        else:
            vals.setdefault("name", []).append(a)
            vals.setdefault("organization", []).append(b)
    if i < len(text_lines):
        vals.setdefault("address", []).extend(text_lines[i:])
    return vals, proxy


def _address_like(line: str) -> bool:
    return bool(_STREET_WORDS.search(line)) or _is_country(line) or _locality(line) is not None


_CONTACT_FIELDS = ("name", "organization", "email", "phone", "street", "city", "state", "postcode", "country")


def _make_contact(role: str, group: _Group) -> Contact | None:
    """A contact from a group's keyed values and free lines; redactions and proxies withheld."""
    redacted: set[str] = set()
    proxy = False
    vals: dict[str, list[str]] = {}
    selves: list[str] = []
    kind = ""
    anonymous = False
    for fld, raw in group.items:
        value = _clean(raw)
        if fld == "type":
            kind = (value or "").lower()
            continue
        if fld == "anonymous":
            anonymous = (value or "").lower() in ("yes", "true", "1")
            continue
        if not value:
            continue
        if fld == "email" and "@" not in value and re.search(r"\sAT\s", value):
            value = re.sub(r"\s+AT\s+", "@", value)  # .il writes "dns-admin AT google.com"
        target = {"given": "name", "family": "name", "self": "name"}.get(fld, fld)
        if is_redacted(value) or (target == "email" and "@" not in value):
            redacted.add("street" if target == "free" else target)
            proxy = proxy or _is_proxy(value)
            continue
        if fld == "self":
            selves.append(value)
        elif fld == "family" and vals.get("name"):
            vals["name"][-1] = f"{vals['name'][-1]} {value}"
        else:
            vals.setdefault(target, []).append(value)
    vals = {k: list(dict.fromkeys(v)) for k, v in vals.items()}
    more, free_proxy = _free_lines(list(group.free) + vals.pop("free", []), redacted)
    proxy = proxy or free_proxy
    for k, v in more.items():
        vals.setdefault("street" if k == "address" else k, []).extend(v)
    if selves and not vals.get("name") and not vals.get("organization"):
        # The value of the role key itself ("Registrant: Acme Ltd", "registrar: X" in its own block)
        vals["organization" if _org_like(selves[0]) else "name"] = selves[:1]
    address = []
    for a in vals.pop("street", []) + [a for a in (_clean(x) for x in group.address) if a]:
        if is_redacted(a):
            redacted.add("street")
            proxy = proxy or _is_proxy(a)
        else:
            address.append(a)
    explicit = {k for k in ("city", "state", "postcode", "country") if vals.get(k)}
    if address:
        # One keyed street line is a street ("46000 Center Oak Plaza" is not postcode and city) unless it
        # holds the whole address ("1600 Amphitheatre Parkway, Mountain View, CA, 94043, USA", .lv)
        whole = len(address) > 1 or address[0].count(",") >= 2
        parsed = _parse_address(address) if whole else {"street": address[0]}
        for k, v in parsed.items():
            if k == "street" or k not in explicit:
                vals[k] = [v]
    if kind.startswith("org") and vals.get("name") and not vals.get("organization"):
        vals["organization"] = vals.pop("name")
    if len(vals.get("organization", [])) > 1 and not vals.get("name"):
        # .pl "company: DNS Administrator / Grupa Allegro Sp. z o.o.": a person or desk, then the firm
        orgs = vals.pop("organization")
        vals["name"], vals["organization"] = orgs[:1], orgs[1:]
    contact = Contact(role=role)
    for fld in _CONTACT_FIELDS:
        values = list(dict.fromkeys(vals.get(fld, [])))
        if not values:
            continue
        if fld == "email":
            contact.email = values[0].lower()
        elif fld in ("street", "organization"):
            setattr(contact, fld, ", ".join(values))
        else:
            setattr(contact, fld, values[0])
    if anonymous and contact.name:
        contact.name = None  # AFNIC's "anonymous: YES" contacts are named "Ano Nymous"
        redacted.add("name")
    if proxy:
        # The contact is a privacy service: its street, phone and e-mail are the service's, not the owner's
        for fld in _CONTACT_FIELDS:
            if getattr(contact, fld) is not None:
                setattr(contact, fld, None)
                redacted.add(fld)
    contact.redacted = [f for f in _CONTACT_FIELDS if f in redacted]
    if all(getattr(contact, f) is None for f in _CONTACT_FIELDS) and not contact.redacted:
        return None
    return contact


def _contact_key(c: Contact) -> tuple:
    return (c.role, *(getattr(c, f) for f in _CONTACT_FIELDS), tuple(c.redacted))


def _ordered_contacts(contacts: Iterable[Contact]) -> list[Contact]:
    seen: set[tuple] = set()
    out = []
    for c in contacts:
        k = _contact_key(c)
        if c.role in ROLES and k not in seen:
            seen.add(k)
            out.append(c)
    return sorted(out, key=lambda c: ROLES.index(c.role))


# --------------------------------------------------------------------------------------------------------
# parse_whois
# --------------------------------------------------------------------------------------------------------

_NOT_FOUND = re.compile(
    r"no match|not found|no entries found|no data found|no object found|nothing found|domain not registered"
    r"|is available for registration|status:\s*(?:free|available)|no such domain|object does not exist",
    re.IGNORECASE,
)
_RATE_LIMIT = re.compile(
    r"limit exceeded|quota exceeded|too many (?:requests|queries)|rate limit|query rate|try again later"
    r"|access (?:denied|restricted)|blacklisted|temporarily (?:blocked|unavailable)",
    re.IGNORECASE,
)


def _check_as_of(as_of: str | None) -> str | None:
    if as_of is None:
        return None
    parsed = parse_date(as_of)
    if parsed is None:
        raise ValueError(f"as_of is not a date: {as_of[:40]!r}")
    return parsed


def _first(entries: list[_Entry], keys: set[str], convert: Callable[[str], str | None]) -> str | None:
    """The first value of ``keys`` that ``convert`` takes: lines outside contact blocks first, then in."""
    for grouped in (False, True):
        for e in entries:
            if e.key in keys and (e.group is not None) == grouped:
                got = convert(e.value)
                if got:
                    return got
    return None


def _registrar(p: _Parse) -> str | None:
    """The registrar's name: a "Registrar:" value (its handle resolved through its own block, .sk .ua),
    else the name heading the registrar's block (.it .nl .eu .pl .uk), else a registrar key in a block."""

    def clean(value: str) -> str | None:
        v = _clean(re.sub(r"\(\s*https?://[^)]*\)", "", value))
        if not v or _NO_REGISTRAR.match(v) or is_redacted(v):
            return None
        return v

    name = None
    for e in p.entries:
        if e.key in _REGISTRAR_KEYS and e.group is None:
            name = clean(e.value)
            if name:
                break
    registrar_groups = [g for g in p.groups if "registrar" in g.roles]
    for g in registrar_groups:
        if name is None or g.handle == name:
            contact = _make_contact("registrar", g)
            if contact is not None and (contact.organization or contact.name):
                found = clean(contact.organization or contact.name or "")
                if found:
                    return found
    if name is None:
        name = _first(p.entries, _REGISTRAR_KEYS, clean)
    return name


def parse_whois(text: str, *, as_of: str | None = None) -> DomainRecord:
    """Read the text of a WHOIS answer for a domain.

    Returns the domain (lower case, IDNA), registrar, creation / update / expiry dates (ISO dates), name
    servers (lower case, sorted, glue IPs moved to ``ip_addresses``), EPP status codes and the contacts
    the record shows, with redacted and proxy values withheld (see :func:`is_redacted`);
    ``privacy_service`` is True when any registrant field was withheld. ``as_of`` is the
    date the record describes: the ``as_of`` option if given, else the answer's "Last update of WHOIS
    database" line (or its equivalents: "WHOIS lookup made at", "Whois Timestamp"), else its updated date.

    Raises ValueError ("not a WHOIS record: …", with the reason) for texts over 1 MB, HTML pages, and
    answers with neither a domain name, a registrar nor any date (no-match and rate-limit notices);
    ValueError also for an ``as_of`` that is not a date.
    """
    if not isinstance(text, str):
        raise ValueError(f"not a WHOIS record: expected text, got {type(text).__name__}")
    if len(text) > MAX_TEXT_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES:
        raise ValueError(f"not a WHOIS record: over {MAX_TEXT_BYTES:,} bytes")
    option = _check_as_of(as_of)
    head = text.lstrip()[:200].lower()
    if head.startswith(("<!doctype", "<html", "<?xml", "<head", "<body")):
        raise ValueError("not a WHOIS record: an HTML or XML page")
    p = _Parse(_lines(text))
    entries = p.entries

    domain = _first(entries, _DOMAIN_KEYS, _domain_value)
    registrar = _registrar(p)
    created = _first(entries, _CREATED_KEYS, parse_date)
    updated = _first(entries, _UPDATED_KEYS, parse_date)
    expires = _first(entries, _EXPIRES_KEYS, parse_date)
    if domain is None and registrar is None and not (created or updated or expires):
        raise ValueError(f"not a WHOIS record: {_reason(text)}")
    if registrar is None and not (created or updated or expires) and _notice(text):
        raise ValueError(f"not a WHOIS record: {_reason(text)}")

    hosts: set[str] = set()
    ips: list[str] = []
    for grouped in (False, True):
        for e in entries:
            if (e.group is not None) == grouped and e.key in _NS_KEYS:
                host, glue = _split_name_server(e.value)
                if host:
                    hosts.add(host)
                    ips.extend(glue)
            elif (e.group is not None) == grouped and e.key in _GLUE_KEYS:
                ips.extend(ip for ip in (_ip(t) for t in e.value.split()) if ip)
        if hosts:
            break
    codes = (c for e in entries if e.key in _STATUS_KEYS and e.group is None for c in _epp_codes(e.value))
    status = list(dict.fromkeys(codes))

    contacts = _whois_contacts(p)
    registrant = [c for c in contacts if c.role == "registrant"]
    privacy = any(c.redacted for c in registrant)

    as_of_from = None
    if option is not None:
        as_of_value, as_of_from = option, "option"
    else:
        as_of_value = _first(entries, _AS_OF_KEYS, parse_date)
        if as_of_value is not None:
            as_of_from = "last-update-line"
        elif updated is not None:
            as_of_value, as_of_from = updated, "updated-date"
    return DomainRecord(
        domain=domain,
        registrar=registrar,
        created=created,
        updated=updated,
        expires=expires,
        name_servers=sorted(hosts),
        status=status,
        contacts=contacts,
        ip_addresses=_sorted_ips(ips),
        as_of=as_of_value,
        as_of_from=as_of_from,
        privacy_service=privacy,
    )


def _domain_value(value: str) -> str | None:
    got = _idna_domain(value)
    if got is None:
        return None
    return got if "." in got and _hostname(got) else None


def _head(text: str, n: int = 4) -> str:
    """The first ``n`` lines that are not comments or blank: where no-match and rate-limit notices are."""
    lines = (ln.strip() for ln in text[:20_000].splitlines())
    return "\n".join([ln for ln in lines if ln and ln[0] not in "%#"][:n])


def _notice(text: str) -> bool:
    head = _head(text)
    return bool(_NOT_FOUND.search(head) or _RATE_LIMIT.search(head))


def _reason(text: str) -> str:
    head = _head(text)
    if _RATE_LIMIT.search(head):
        kind = "a rate-limit or access notice"
    elif _NOT_FOUND.search(head):
        kind = "a no-match answer"
    elif not text.strip():
        return "empty text"
    else:
        kind = "no domain name, registrar or date found"
    first = next((ln.strip() for ln in text.splitlines() if ln.strip() and ln.strip()[0] not in "%#"), "")
    first = " ".join(_CONTROL.sub(" ", first).split())[:80]
    return f"{kind} (starts {first!r})" if first else kind


def _whois_contacts(p: _Parse) -> list[Contact]:
    """One contact per role of every block, and one per reference to a RIPE-style object ("admin-c: X")."""
    out: list[Contact] = []
    by_handle: dict[str, list[int]] = {}
    for n, g in enumerate(p.groups):
        if g.handle:
            by_handle.setdefault(g.handle, []).append(n)
    for role, handle in dict.fromkeys(p.refs):
        for n in by_handle.get(handle, []):
            if "registrar" in p.groups[n].roles:
                continue
            contact = _make_contact(role, p.groups[n])
            if contact is not None:
                out.append(contact)
    for g in p.groups:
        for role in g.roles:
            contact = _make_contact(role, g)
            if contact is not None:
                out.append(contact)
    return _ordered_contacts(out)


# --------------------------------------------------------------------------------------------------------
# RDAP
# --------------------------------------------------------------------------------------------------------


def _vcard(entity: dict) -> dict[str, list]:
    """vCard properties of an RDAP entity: name → [(parameters, value), …]."""
    out: dict[str, list] = {}
    card = entity.get("vcardArray")
    if not (isinstance(card, list) and len(card) == 2 and isinstance(card[1], list)):
        return out
    for prop in card[1][:200]:
        if isinstance(prop, list) and len(prop) >= 4 and isinstance(prop[0], str):
            params = prop[1] if isinstance(prop[1], dict) else {}
            out.setdefault(prop[0].lower(), []).append((params, prop[3] if len(prop) == 4 else prop[3:]))
    return out


def _text(value: object) -> str | None:
    if isinstance(value, str):
        return _clean(value[:_MAX_LINE])
    if isinstance(value, list):
        parts = [t for t in (_text(v) for v in value[:20]) if t]
        return ", ".join(parts) or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


_RDAP_REDACTION_FIELDS = {
    "name": "name",
    "organization": "organization",
    "organisation": "organization",
    "email": "email",
    "phone": "phone",
    "fax": None,
    "street": "street",
    "city": "city",
    "state": "state",
    "province": "state",
    "postal": "postcode",
    "country": "country",
}


def _rdap_redacted_fields(obj: dict) -> dict[str, set[str]]:
    """RFC 9537 ``redacted`` members: role → fields ("Registrant Email" → registrant: email)."""
    out: dict[str, set[str]] = {}
    items = obj.get("redacted")
    if not isinstance(items, list):
        return out
    for item in items[:200]:
        if not isinstance(item, dict):
            continue
        name = item.get("name")
        label = name.get("type") or name.get("description") if isinstance(name, dict) else None
        if not isinstance(label, str):
            continue
        words = _norm_key(label).split()
        role = next((r for p, r in _ROLE_PREFIXES if words and words[0] == p), None)
        fld = next((f for w in words[1:] for k, f in _RDAP_REDACTION_FIELDS.items() if w.startswith(k)), None)
        if role and fld:
            out.setdefault(role, set()).add(fld)
    return out


def _rdap_contact(role: str, entity: dict, extra_redacted: set[str]) -> Contact | None:
    card = _vcard(entity)
    items: list[tuple[str, str]] = []
    address: list[str] = []
    kind = _text(card.get("kind", [({}, None)])[0][1]) or ""
    fn = _text(card["fn"][0][1]) if card.get("fn") else None
    org = _text(card["org"][0][1]) if card.get("org") else None
    if fn:
        items.append(("organization" if kind.lower() == "org" and not org else "name", fn))
    if org:
        items.append(("organization", org))
    for _, value in card.get("email", []):
        if (v := _text(value)) is not None:
            items.append(("email", re.sub(r"^mailto:", "", v, flags=re.IGNORECASE)))
    for params, value in card.get("tel", []):
        types = params.get("type", [])
        types = [types] if isinstance(types, str) else types if isinstance(types, list) else []
        v = _text(value)
        if v is not None and "fax" not in types:
            v = re.sub(r"^tel:", "", v, flags=re.IGNORECASE)
            if sum(c.isdigit() for c in v) >= 5:
                items.append(("phone", v))
    for params, value in card.get("adr", [])[:1]:
        comps = value if isinstance(value, list) else []
        comps = (comps + [None] * 7)[:7]
        street = _text(comps[2]) if comps[2] is not None else None
        if street:
            # JPNIC writes the street's lines joined by a literal backslash-n
            street = ", ".join(part.strip() for part in re.split(r"\\n|\n", street) if part.strip())
        parts = {
            "street": ", ".join(t for t in (_text(comps[0]), _text(comps[1]), street) if t) or None,
            "city": _text(comps[3]),
            "state": _text(comps[4]),
            "postcode": _text(comps[5]),
            "country": _text(comps[6]),
        }
        if any(parts.values()):
            items.extend((k, v) for k, v in parts.items() if v)
        elif isinstance(params.get("label"), str):
            address.extend(line for line in re.split(r"\\n|\n", params["label"][:_MAX_LINE]) if line.strip())
        cc = params.get("cc")
        if isinstance(cc, str) and not parts["country"]:
            items.append(("country", cc))
    group = _Group([role], items=items, address=address)
    contact = _make_contact(role, group)
    redacted = set(extra_redacted)
    for remark in entity.get("remarks", []) if isinstance(entity.get("remarks"), list) else []:
        title = remark.get("title") if isinstance(remark, dict) else None
        if isinstance(title, str) and "redacted" in title.lower():
            if "email" in title.lower():
                redacted.add("email")
            else:
                # ICANN's RDAP profile: "REDACTED FOR PRIVACY" means the personal fields were removed.
                redacted.update({"name", "street", "city", "postcode", "phone", "email"})
    if contact is None:
        contact = Contact(role=role)
    missing = {f for f in redacted if getattr(contact, f) is None}
    contact.redacted = [f for f in _CONTACT_FIELDS if f in set(contact.redacted) | missing]
    if all(getattr(contact, f) is None for f in _CONTACT_FIELDS) and not contact.redacted:
        return None
    return contact


def _rdap_entities(obj: dict) -> list[tuple[dict, list[str]]]:
    """Every entity under ``obj`` (nested ones included) with its roles, in document order.

    At most ``_MAX_RDAP_DEPTH`` levels and ``_MAX_RDAP_ITEMS`` entities in all, whatever the input.
    """
    out: list[tuple[dict, list[str]]] = []

    def visit(parent: dict, depth: int) -> None:
        entities = parent.get("entities")
        if depth >= _MAX_RDAP_DEPTH or not isinstance(entities, list):
            return
        for entity in entities:
            if len(out) >= _MAX_RDAP_ITEMS:
                return
            if isinstance(entity, dict):
                roles = entity.get("roles")
                out.append(
                    (
                        entity,
                        [r.lower() for r in roles if isinstance(r, str)] if isinstance(roles, list) else [],
                    )
                )
                visit(entity, depth + 1)

    visit(obj, 0)
    return out


def _events(obj: dict) -> dict[str, str]:
    out: dict[str, str] = {}
    events = obj.get("events")
    for event in events[:100] if isinstance(events, list) else []:
        if isinstance(event, dict) and isinstance(event.get("eventAction"), str):
            got = parse_date(event.get("eventDate") if isinstance(event.get("eventDate"), str) else None)
            if got:
                out.setdefault(event["eventAction"].lower(), got)
    return out


def _network_cidrs(obj: dict) -> list[str]:
    """An ``ip network``'s range as CIDR strings: its cidr0_cidrs if given, else start–end summarised."""
    cidrs = []
    for item in obj.get("cidr0_cidrs", [])[:64] if isinstance(obj.get("cidr0_cidrs"), list) else []:
        if isinstance(item, dict):
            prefix = item.get("v4prefix") or item.get("v6prefix")
            length = item.get("length")
            if isinstance(prefix, str) and isinstance(length, int):
                ip = _ip(prefix)
                if ip:
                    with contextlib.suppress(ValueError):
                        cidrs.append(str(ipaddress.ip_network(f"{ip}/{length}", strict=False)))
    if cidrs:
        return cidrs
    start = _ip(obj["startAddress"]) if isinstance(obj.get("startAddress"), str) else None
    end = _ip(obj["endAddress"]) if isinstance(obj.get("endAddress"), str) else None
    if start and end:
        try:
            first, last = ipaddress.ip_address(start), ipaddress.ip_address(end)
            if first.version == last.version and first <= last:
                return [str(n) for n in ipaddress.summarize_address_range(first, last)][:64]  # type: ignore[arg-type]
        except (ValueError, TypeError):
            pass
    return [s for s in (start, end) if s]


def parse_rdap(obj: dict, *, as_of: str | None = None) -> DomainRecord:
    """Read an RDAP (RFC 9083) object: a ``domain``, ``nameserver``, ``entity`` or ``ip network``.

    For a domain: its ldhName (or unicodeName in IDNA form), registration / last changed / expiration
    events, name servers and their ``ipAddresses``, EPP status codes (RDAP's "client transfer prohibited"
    is returned as "clientTransferProhibited", "active" as "ok"), the registrar entity's name, and a contact
    for every entity role of registrant, administrative, technical, registrar and abuse (nested entities
    included). Redaction comes from the values themselves, from "REDACTED FOR PRIVACY" remarks and from
    RFC 9537 ``redacted`` members. Other objects give a record with ``domain`` None: a name server its own
    name and addresses, an entity its contact (role "registrant" when it names none of its own), an ip
    network its range as CIDR strings in ``ip_addresses``.

    ``as_of``: the option, else the "last update of RDAP database" event (``as_of_from`` "rdap-event"),
    else the "last changed" event ("updated-date"). Raises ValueError for anything that is not one of
    these objects (error responses, search results, non-dicts) and for an ``as_of`` that is not a date.
    """
    if not isinstance(obj, dict):
        raise ValueError(f"not an RDAP object: expected a JSON object, got {type(obj).__name__}")
    option = _check_as_of(as_of)
    kind = obj.get("objectClassName")
    kind = kind.lower() if isinstance(kind, str) else None
    if kind is None:
        if "startAddress" in obj or "endAddress" in obj:
            kind = "ip network"
        elif "ldhName" in obj and "nameservers" in obj:
            kind = "domain"
    if kind not in ("domain", "nameserver", "entity", "ip network"):
        if "errorCode" in obj:
            title = str(obj.get("title", ""))[:60]
            raise ValueError(f"not an RDAP object: error {str(obj.get('errorCode'))[:10]} {title}".rstrip())
        named = str(obj.get("objectClassName"))[:40]
        raise ValueError(f"not an RDAP object: objectClassName {named!r}")

    events = _events(obj)
    redactions = _rdap_redacted_fields(obj)
    contacts: list[Contact] = []
    registrar = None
    top_roles = obj.get("roles") if kind == "entity" else None
    pairs = list(_rdap_entities(obj))
    if kind == "entity":
        roles = [r.lower() for r in top_roles if isinstance(r, str)] if isinstance(top_roles, list) else []
        pairs.insert(0, (obj, [r for r in roles if r in ROLES] or ["registrant"]))
    for entity, roles in pairs:
        for role in roles:
            if role not in ROLES:
                continue
            contact = _rdap_contact(role, entity, redactions.get(role, set()))
            if contact is not None:
                contacts.append(contact)
            if role == "registrar" and registrar is None:
                handle = entity.get("handle") if isinstance(entity.get("handle"), str) else None
                registrar = (contact.organization or contact.name if contact else None) or _clean(handle)
    contacts = _ordered_contacts(contacts)

    hosts: set[str] = set()
    ips: list[str] = []
    servers = obj.get("nameservers") if kind == "domain" else [obj] if kind == "nameserver" else []
    for ns in servers[:_MAX_RDAP_ITEMS] if isinstance(servers, list) else []:
        if not isinstance(ns, dict):
            continue
        name = ns.get("ldhName") or ns.get("unicodeName")
        host = _hostname(name) if isinstance(name, str) else None
        if host:
            hosts.add(host)
        addresses = ns.get("ipAddresses")
        if isinstance(addresses, dict):
            for version in ("v4", "v6"):
                for a in addresses.get(version, [])[:64] if isinstance(addresses.get(version), list) else []:
                    if isinstance(a, str) and (ip := _ip(a)):
                        ips.append(ip)
    if kind == "ip network":
        ips.extend(_network_cidrs(obj))

    status: list[str] = []
    statuses = obj.get("status") if kind == "domain" and isinstance(obj.get("status"), list) else []
    for s in statuses[:50]:
        if isinstance(s, str):
            code = _RDAP_STATUS.get(" ".join(s.lower().split())) or _EPP_CODES.get(s.lower().replace(" ", ""))
            if code and code not in status:
                status.append(code)

    domain = None
    if kind == "domain":
        name = obj.get("ldhName") if isinstance(obj.get("ldhName"), str) else obj.get("unicodeName")
        domain = _idna_domain(name) if isinstance(name, str) else None

    updated = events.get("last changed")
    if option is not None:
        as_of_value, as_of_from = option, "option"
    elif events.get("last update of rdap database"):
        as_of_value, as_of_from = events["last update of rdap database"], "rdap-event"
    elif updated:
        as_of_value, as_of_from = updated, "updated-date"
    else:
        as_of_value, as_of_from = None, None
    return DomainRecord(
        domain=domain,
        registrar=registrar if kind == "domain" else None,
        created=events.get("registration"),
        updated=updated,
        expires=events.get("expiration"),
        name_servers=sorted(hosts),
        status=status,
        contacts=contacts,
        ip_addresses=_sorted_ips(ips),
        as_of=as_of_value,
        as_of_from=as_of_from,
        privacy_service=any(c.redacted for c in contacts if c.role == "registrant"),
    )
