"""Which ad payers say nothing about who is behind a page: placeholders, platform-wide and agency payers.

Ad libraries put text in the payer field that is not a payer: "These ads ran without a disclaimer" stands
for 8,906 unrelated pages in fourteen country reports, and the Ukrainian reports name "an advertiser in
Ukraine" for hundreds. Treated as funders they would join every page into one network. The rules, each
stated in the findings they change:

- **placeholder**: the text matches :data:`PLACEHOLDERS` (no payer was declared). No link, no finding.
- **platform-wide**: the payer funds at least ``platform_pages`` pages, or ``platform_share`` of all pages
  in the case with a payer: a label the platform or a registration scheme gives many advertisers. Its
  findings get confidence 0.1.
- **agency**: the name says it sells advertising or marketing (:data:`AGENCY_WORDS`) and it funds at least
  three pages: it buys ads for clients, who need not be related. Confidence 0.35.
- **specific**: everything else.

Two rules concern the text and the ids of payers and pages rather than what they fund:

- **disclaimer prefixes** (:func:`unmask.names.strip_disclaimer`): files built from the ad library's web
  page, and third-party scrapers, write "Paid for by Liberty Bridge Ltd" where the API writes "Liberty
  Bridge Ltd". The prefix, in the ad library's languages (:data:`unmask.names.DISCLAIMER_PREFIXES`), is not
  part of the payer's name when names are compared or payers keyed; the statements keep the text as written.
- **placeholder ids** (:func:`placeholder_ids`): an id the statements show with more than
  :data:`MAX_NAMES_PER_ID` different names is not an identifier (Meta's reports give page id ``0`` to
  over a thousand unrelated "Instagram User …" advertisers). Its entity is not resolved, makes no link and
  no finding, and the run reports it. A page renamed a few times keeps its id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

from unmask.names import strip_disclaimer

PLACEHOLDERS = re.compile(
    r"ran without a disclaimer|without disclaimer|no disclaimer|^disclaimer$|^paid for by$|"
    r"^an advertiser in\b|^(none|null|n/?a|na|unknown|not provided|not available|-+|\.+|\?+|test)$",
    re.IGNORECASE,
)
AGENCY_WORDS = re.compile(
    r"\b(agency|agencia|agência|agence|agentur|agenzia|advertising|publicidad|publicidade|publicité|"
    r"werbung|marketing|media buying|ads|adverti[sz]ing|digital media|comunica[cç][aã]o|comunicación|"
    r"propaganda|pr agency|public relations)\b",
    re.IGNORECASE,
)


# An id the statements show with more names than this (case and spaces folded) is a placeholder.
MAX_NAMES_PER_ID = 10


def placeholder_ids(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    """``(entity id, names)`` of every id the statements show with more than :data:`MAX_NAMES_PER_ID`
    names (lower case, white space collapsed), most names first: an id given to unrelated entities."""
    return [
        (eid, int(n))
        for eid, n in con.execute(
            r"""
            SELECT entity_id, count(DISTINCT lower(trim(regexp_replace(value, '\s+', ' ', 'g')))) AS n
            FROM statements WHERE prop = 'name' GROUP BY entity_id HAVING n > ? ORDER BY n DESC, entity_id
            """,
            [MAX_NAMES_PER_ID],
        ).fetchall()
    ]


@dataclass(frozen=True)
class PayerClass:
    kind: str  # placeholder | platform-wide | agency | specific
    rule: str  # in words, for the finding
    confidence: float | None  # the confidence a shared-funder finding gets, None for the default


def classify(
    name: str, pages: int, all_pages: int, *, platform_pages: int = 200, platform_share: float = 0.02
) -> PayerClass:
    """The class of a payer named ``name`` that funds ``pages`` of the ``all_pages`` pages with a payer."""
    name = strip_disclaimer(name)
    if PLACEHOLDERS.search(name.strip()):
        return PayerClass("placeholder", f"{name!r} is a placeholder, not a payer: no finding", None)
    if pages >= platform_pages or (all_pages >= 100 and pages >= platform_share * all_pages):
        return PayerClass(
            "platform-wide",
            f"funds {pages:,} of {all_pages:,} pages (rule: at least {platform_pages} pages or "
            f"{platform_share:.0%} of the case's pages): a label given to many advertisers, not evidence of "
            "common control",
            0.1,
        )
    if pages >= 3 and AGENCY_WORDS.search(name):
        return PayerClass(
            "agency",
            "its name says it sells advertising or marketing and it funds several pages: an agency buys ads "
            "for clients who need not be related",
            0.35,
        )
    return PayerClass("specific", "", None)
