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
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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


@dataclass(frozen=True)
class PayerClass:
    kind: str  # placeholder | platform-wide | agency | specific
    rule: str  # in words, for the finding
    confidence: float | None  # the confidence a shared-funder finding gets, None for the default


def classify(
    name: str, pages: int, all_pages: int, *, platform_pages: int = 200, platform_share: float = 0.02
) -> PayerClass:
    """The class of a payer named ``name`` that funds ``pages`` of the ``all_pages`` pages with a payer."""
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
