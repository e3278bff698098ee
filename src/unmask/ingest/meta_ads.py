"""Meta Ad Library: the API's ``ads_archive`` records (JSON, JSON Lines) and the country Report CSVs.

Each ad becomes an FtM ``Payment`` from its payer (``bylines``, older clients ``funding_entity``; EU
``beneficiary_payers``) to its page; a Report row becomes a ``Payment`` of the amount spent in the report's
period. Pages and payers are ``LegalEntity``: the library does not say whether a page or a disclaimer
name is a person or an organisation, and entity resolution may later match them to a ``Company`` or a
``Person``. A page's id is its Facebook page id; a payer's id is its disclaimer text without a "Paid for
by" prefix (:func:`unmask.names.strip_disclaimer`) and folded for case and white space, so
every page paid for under one disclaimer points at one payer, whether the file writes "Paid for by X" or
"X" (the payer's name keeps the text as written).

A page id that is a placeholder (:data:`PLACEHOLDER_PAGE_ID`: ``0``, ``-1``, "N/A", "none", "null" …;
Meta's reports give ``0`` to many unrelated "Instagram User …" advertisers) is not an identifier: the page
is keyed by its folded name instead (``facebook-page-<sha1 of "name" and the name>``), keeps the id as
written in ``notes``, and the import's notes say how many records had one. A record with no page id at
all, or a placeholder and no page name, is quarantined.

Access tokens in ``ad_snapshot_url`` are removed before the URL is stored.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from followthemoney.proxy import EntityProxy

from unmask.errors import FormatError
from unmask.ingest.jsonstream import FieldTypeError, item_row, json_id, json_records, json_str
from unmask.ingest.record_stage import RecordReader, make_id, name_key, new_entity, site_entity
from unmask.ingest.stage import Stage
from unmask.ingest.textfile import check_text
from unmask.names import strip_disclaimer

_REPORT_NAME = re.compile(r"_(\d{4}-\d{2}-\d{2})_([A-Z]{2})_")
_AMOUNT = re.compile(r"^amount spent \((\w+)\)$", re.IGNORECASE)
# A link caption that is a bare domain ("www.example.org"): the site the ad sends people to.
_CAPTION_DOMAIN = re.compile(
    r"^(?:https?://)?(?:www\.)?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})/?$"
)
# Page ids that identify nothing: Meta's reports give 0 to advertisers without a page (Instagram accounts).
PLACEHOLDER_PAGE_ID = re.compile(
    r"^(?:0+|-0*1|n/?a|none|null|nil|nan|undefined|unknown|-+|\.+)$", re.IGNORECASE
)
# Fields only an ad of the Ad Library API has (an "id" alone could be anything's).
AD_KEYS = frozenset(
    {"page_id", "page_name", "ad_snapshot_url", "ad_creation_time", "ad_delivery_start_time", "bylines"}
)


def is_placeholder_id(page_id: str) -> bool:
    return bool(PLACEHOLDER_PAGE_ID.match(page_id.strip()))


def page_entity(page_id: str, name: str | None, platform: str = "facebook") -> EntityProxy:
    """The page; one with a placeholder id (and a name) is keyed by its folded name."""
    if is_placeholder_id(page_id) and name and name.strip():
        page = new_entity("LegalEntity", make_id(f"{platform}-page", "name", name_key(name)))
        page.add("notes", f"page id given as {page_id!r}, a placeholder: keyed by its name")
    else:
        page = new_entity("LegalEntity", make_id(f"{platform}-page", page_id))
        page.add("sourceUrl", f"https://www.facebook.com/{page_id}" if platform == "facebook" else None)
    page.add("name", name)
    page.add("description", f"{platform.title()} page")
    return page


def payer_entity(name: str, prefix: str = "meta-payer") -> EntityProxy:
    payer = new_entity("LegalEntity", make_id(prefix, name_key(strip_disclaimer(name))))
    payer.add("name", name.strip())
    payer.add("description", "ad payer (disclaimer)")
    return payer


def strip_token(url: str | None) -> str | None:
    """The URL without ``access_token`` (API snapshot URLs carry the downloader's token)."""
    if not url:
        return url
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "access_token"]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _bounds(value: object, field: str) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    if not isinstance(value, dict):
        raise FieldTypeError(field)
    lo, hi = value.get("lower_bound"), value.get("upper_bound")
    return (str(lo) if lo is not None else None, str(hi) if hi is not None else None)


def _strings(value: object, field: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FieldTypeError(field)
    return value


class MetaAdsReader(RecordReader):
    """``meta-ads``: Ad Library API ``ads_archive`` records, or an Ad Library Report ``_advertisers.csv``."""

    name = "meta-ads"
    summary = "Meta Ad Library API records (JSON/JSONL) or Ad Library Report CSVs"

    def stage(self, path: Path, stage: Stage) -> None:
        head = check_text(path)
        self._placeholder_ids = 0  # records whose page id is a placeholder, keyed by page name instead
        if head.lstrip()[:1] in (b"{", b"["):
            self._stage_api(path, stage)
        else:
            self._stage_report(path, head, stage)
        if self._placeholder_ids:
            n = self._placeholder_ids
            self.notes.append(
                f"{n:,} record{'s' if n > 1 else ''} had a placeholder page id (0, -1, N/A, …), which is not "
                "an identifier: the page is keyed by its name"
            )

    def _page(self, page_id: str, name: str | None, row: dict, field: str) -> EntityProxy | None:
        """The record's page; None (and the row an error) for a placeholder id without a page name."""
        if not is_placeholder_id(page_id):
            return page_entity(page_id, name)
        if not (name and name.strip()):
            row["error"], row["error_field"] = f"placeholder {field} {page_id!r} and no page name", field
            return None
        return page_entity(page_id, name)

    # -- API records ---------------------------------------------------------------------------------

    def _stage_api(self, path: Path, stage: Stage) -> None:
        records = shaped = 0
        for item in json_records(path, on_bytes=stage.on_bytes, notes=self.notes):
            records += 1
            shaped += isinstance(item.value, dict) and not AD_KEYS.isdisjoint(item.value)
            stage.append(item_row(self, records, item, "an ad", self._read_ad))
        keys = ", ".join(sorted(AD_KEYS))
        self.refuse_shapeless(path, records, shaped, f"an ad (a JSON object with one of {keys})")

    def _read_ad(self, ad: dict, row: dict) -> None:
        ad_id = json_id(ad.get("id", ad.get("_id")), "id")
        page_id = json_id(ad.get("page_id"), "page_id")
        if not ad_id:
            row["error"], row["error_field"] = "missing ad id", "id"
            return
        if not page_id:
            row["error"], row["error_field"] = "missing page_id", "page_id"
            return
        page = self._page(page_id, json_str(ad.get("page_name"), "page_name"), row, "page_id")
        if page is None:
            return
        entities = [page]
        payment = new_entity("Payment", make_id("meta-ad", ad_id))
        payment.add("recordId", ad_id)
        payment.add("beneficiary", page.id)
        payment.add("purpose", "ads on Meta platforms")
        payment.add("date", json_str(ad.get("ad_creation_time"), "ad_creation_time"))
        payment.add("startDate", json_str(ad.get("ad_delivery_start_time"), "ad_delivery_start_time"))
        payment.add("endDate", json_str(ad.get("ad_delivery_stop_time"), "ad_delivery_stop_time"))
        payment.add("currency", json_str(ad.get("currency"), "currency"))
        payment.add("sourceUrl", strip_token(json_str(ad.get("ad_snapshot_url"), "ad_snapshot_url")))
        spend = _bounds(ad.get("spend"), "spend")
        impressions = _bounds(ad.get("impressions"), "impressions")
        payment.add("amount", spend[0])
        summary = []
        if spend != (None, None):
            summary.append(f"spend {spend[0] or '?'}–{spend[1] or ''} {ad.get('currency') or ''}".strip())
        if impressions != (None, None):
            summary.append(f"impressions {impressions[0] or '?'}–{impressions[1] or ''}")
        platforms = _strings(ad.get("publisher_platforms"), "publisher_platforms")
        if platforms:
            summary.append("platforms " + ", ".join(platforms))
        languages = _strings(ad.get("languages"), "languages")
        if languages:
            summary.append("languages " + ", ".join(languages))
        payment.add("summary", "; ".join(summary) or None)
        for body in _strings(ad.get("ad_creative_bodies"), "ad_creative_bodies")[:3]:
            payment.add("description", body[:2000])
        payers = []
        byline = json_str(ad.get("bylines", ad.get("funding_entity")), "bylines")
        if byline and byline.strip():
            payers.append(byline)
        beneficiary_payers = ad.get("beneficiary_payers")
        if isinstance(beneficiary_payers, list):
            for bp in beneficiary_payers:
                if isinstance(bp, dict) and isinstance(bp.get("payer"), str) and bp["payer"].strip():
                    payers.append(bp["payer"])
        for name in dict.fromkeys(p.strip() for p in payers):
            payer = payer_entity(name)
            payment.add("payer", payer.id)
            entities.append(payer)
        entities.append(payment)
        captions = _strings(ad.get("ad_creative_link_captions"), "ad_creative_link_captions")
        for caption in dict.fromkeys(c.strip().lower() for c in captions[:5]):
            found = _CAPTION_DOMAIN.match(caption)
            if found:
                site = site_entity(found.group(1))
                link = new_entity("UnknownLink", make_id("meta-ad-link", page.id, site.id))
                link.add("subject", page.id)
                link.add("object", site.id)
                link.add("role", "its ads link to the site")
                entities.extend([site, link])
        self._placeholder_ids += is_placeholder_id(page_id)
        self.put(row, entities)

    # -- Report CSVs -----------------------------------------------------------------------------------

    def _stage_report(self, path: Path, head: bytes, stage: Stage) -> None:
        records, lower, header_line = self.open_table(path, head, stage)
        columns = self.columns_given
        if "location name" in lower:
            raise FormatError(
                path,
                "an Ad Library Report per-location file names no pages: import the _advertisers.csv file",
                line=1,
            )
        for needed in ("page id", "page name", "disclaimer"):
            if needed not in lower:
                raise FormatError(
                    path,
                    f"required column missing: {needed!r}; the header has {', '.join(columns)}",
                    line=header_line,
                )
        index = {c: lower.index(c) for c in ("page id", "page name", "disclaimer")}
        amount_col = next((i for i, c in enumerate(columns) if _AMOUNT.match(c)), None)
        currency = _AMOUNT.match(columns[amount_col]).group(1) if amount_col is not None else None  # type: ignore[union-attr]
        ads_col = lower.index("number of ads in library") if "number of ads in library" in lower else None
        found = _REPORT_NAME.search(path.name)
        report_date, country = (found.group(1), found.group(2)) if found else (None, None)
        if not found:
            self.notes.append("the file name does not give the report's date and country")

        def read(fields: list[str]) -> dict:
            row: dict = {}
            page_id = fields[index["page id"]].strip()
            if not page_id:
                return {"error": "missing Page ID", "error_field": "Page ID"}
            page = self._page(page_id, fields[index["page name"]].strip() or None, row, "Page ID")
            if page is None:
                return row
            page.add("country", country)
            entities = [page]
            disclaimer = fields[index["disclaimer"]].strip()
            # A placeholder id names no page: the payment is the named page's.
            page_key = page.id if is_placeholder_id(page_id) else page_id
            spend = new_entity("Payment", make_id("meta-report", page_key, disclaimer, report_date, country))
            spend.add("beneficiary", page.id)
            spend.add("purpose", "ads on Meta platforms")
            spend.add("date", report_date)
            spend.add("currency", currency)
            if amount_col is not None:
                amount = fields[amount_col].strip()
                spend.add("amount", None if amount.startswith("≤") else amount)
                if amount.startswith("≤"):
                    spend.add("summary", f"amount spent {amount} {currency}")
            if ads_col is not None:
                spend.add("summary", f"{fields[ads_col].strip()} ads in the Ad Library")
            spend.add("description", f"Ad Library Report{' ' + country if country else ''}")
            if disclaimer:
                payer = payer_entity(disclaimer)
                spend.add("payer", payer.id)
                entities.append(payer)
            entities.append(spend)
            self._placeholder_ids += is_placeholder_id(page_id)
            self.put(row, entities)
            return row

        self.stage_records(records, stage, read)
