"""Where a record puts a person: country, US state, postcode and its area, town, street — read from addresses.

Entity resolution needs more than a name (:mod:`unmask.attribution.resolve`): two "SMITH, JOHN" records
are one person only when something else agrees and nothing conflicts. Addresses supply most of both. The
registers write them in a few shapes — FEC ``"STREET, CITY, ST 12345"``, Companies House
``"premises, line 1, locality, region, POSTCODE, country"``, WHOIS ``"street, city, state, postcode,
country"`` — and :func:`place` reads what it can of each, leaving the rest unknown. An unknown part never
conflicts.

Postcode areas: a US ZIP code's first three digits (its sectional centre), a UK postcode's letters (``BS``
for Bristol). Streets are compared after folding case, punctuation and the usual abbreviations
(``STREET``/``ST``, ``P.O. BOX``/``PO BOX``), and only together with the postcode or town, since "1 HIGH
STREET" is in every town.

Example::

    >>> place("1 Harbour Row, Bristol, BS1 4DJ, England")
    Place(country='gb', state=None, postcode='BS14DJ', area='BS', town='BRISTOL', street='1 HARBOUR ROW')
    >>> place("PORTLAND, OR 972011234").state
    'OR'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rigour.text import ascii_text

_STATES = """AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ
NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI AA AE AP"""
US_STATES = frozenset(_STATES.split())
_US_TAIL = re.compile(r"(?:^|,)\s*([^,]*?),?\s+([A-Z]{2}),?\s+(\d{5})(?:-?\d{4})?\s*$")
_UK_POSTCODE = re.compile(r"\b([A-Z]{1,2})(\d[A-Z\d]?) ?(\d[A-Z]{2})\b")
_COUNTRY_WORDS = {
    "USA": "us",
    "US": "us",
    "UNITED STATES": "us",
    "UNITED STATES OF AMERICA": "us",
    "UNITED KINGDOM": "gb",
    "UK": "gb",
    "GREAT BRITAIN": "gb",
    "ENGLAND": "gb",
    "SCOTLAND": "gb",
    "WALES": "gb",
    "NORTHERN IRELAND": "gb",
}
_STREET_WORDS = {
    "STREET": "ST",
    "ROAD": "RD",
    "AVENUE": "AVE",
    "BOULEVARD": "BLVD",
    "DRIVE": "DR",
    "LANE": "LN",
    "SUITE": "STE",
    "NORTH": "N",
    "SOUTH": "S",
    "EAST": "E",
    "WEST": "W",
    "PLACE": "PL",
    "COURT": "CT",
    "FLOOR": "FL",
}


@dataclass(frozen=True)
class Place:
    """What an address says of where it is; ``None`` where it does not say."""

    country: str | None  # ISO 3166-1 alpha-2, lower case
    state: str | None  # a US state's two letters
    postcode: str | None  # US ZIP5, or a UK postcode without its space
    area: str | None  # ZIP3, or a UK postcode's letters
    town: str | None
    street: str | None  # the parts with a number and a letter in them, folded


def country(value: str) -> str:
    """An FtM country code as one country (``gb-wls`` is ``gb``)."""
    return value.lower().split("-", 1)[0]


def _fold(text: str) -> str:
    words = re.sub(r"[^A-Z0-9 ]", " ", ascii_text(text).upper().replace("P.O.", "PO")).split()
    return " ".join(_STREET_WORDS.get(w, w) for w in words)


def place(address: str) -> Place:
    """Read ``address``: see the module documentation for the shapes read."""
    text = " ".join(ascii_text(address).upper().split())
    parts = [p.strip() for p in text.split(",") if p.strip()]
    found_country = None
    while parts and parts[-1].strip(". ") in _COUNTRY_WORDS:
        found_country = found_country or _COUNTRY_WORDS[parts[-1].strip(". ")]
        parts.pop()
    joined = ", ".join(parts)
    state = postcode = area = town = None
    us = _US_TAIL.search(joined)
    if us and us.group(2) in US_STATES and found_country in (None, "us"):
        found_country, state, postcode = "us", us.group(2), us.group(3)
        area, town = postcode[:3], us.group(1).strip() or None
        parts = [p.strip() for p in joined[: us.start(1)].split(",") if p.strip()]
    elif (uk := _UK_POSTCODE.search(joined)) and found_country in (None, "gb"):
        found_country, area = "gb", uk.group(1)
        postcode = uk.group(1) + uk.group(2) + uk.group(3)
        before = [p.strip() for p in joined[: uk.start()].split(",") if p.strip()]
        town = next((p for p in reversed(before) if not re.search(r"\d", p)), None)
        parts = before
    # Companies House writes the house number as its own part ("7, Larkspur Court").
    parts = [f"{p} {parts[i + 1]}" if p.isdigit() and i + 1 < len(parts) else p for i, p in enumerate(parts)]
    street = " ".join(_fold(p) for p in parts if re.search(r"\d", p) and re.search(r"[A-Z]", p))
    return Place(found_country, state, postcode, area, town and _fold(town), street or None)
