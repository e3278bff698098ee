"""Google political ads transparency report: ``creative_stats`` and ``advertiser_stats`` CSVs.

The table is told from its header (column names in any case):

- ``creative_stats``: each ad becomes an FtM ``Payment`` from its advertiser, dated by when it was first
  served (else the start of its date range) to the end of the range, for the lower bound of its spend
  range in USD; the spend range, the impressions bucket and the regions are its ``summary``.
- ``advertiser_stats``: each advertiser with its public ids: an FEC id is an ``idNumber`` (and the FEC
  committee or candidate it names is emitted with that id, as the ``fec`` reader keys it, so that
  attribution can join the advertiser to the FEC's records); an EIN is a ``taxNumber``.

An advertiser is a ``LegalEntity`` keyed by Google's advertiser id: the report does not say whether it is
a person or an organisation.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from followthemoney.proxy import EntityProxy

from unmask.errors import FormatError
from unmask.ingest.fec import candidate_entity, committee_entity
from unmask.ingest.record_stage import BadField, RecordReader, make_id, new_entity
from unmask.ingest.stage import Stage
from unmask.ingest.textfile import check_text

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_LEADING_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:$|[ T])")
_PUBLIC_ID = re.compile(r"^(?P<kind>.+?)\s+ID\s+(?P<value>\S.*)$", re.IGNORECASE)
_COMMITTEE_ID = re.compile(r"^C\d{8}$")
_CANDIDATE_ID = re.compile(r"^[HSP][0-9A-Z]{8}$")

READS = "creative_stats (ad_id, advertiser_id, …) and advertiser_stats (advertiser_id, public_ids_list, …)"


def advertiser_entity(advertiser_id: str, name: str | None) -> EntityProxy:
    advertiser = new_entity("LegalEntity", make_id("google-advertiser", advertiser_id))
    advertiser.add("name", name)
    advertiser.add("description", "Google political advertiser")
    advertiser.add("sourceUrl", f"https://adstransparency.google.com/advertiser/{advertiser_id}")
    return advertiser


def public_ids(text: str) -> list[tuple[str, str]]:
    """``[(kind, id), ...]`` of a Public_IDs_List: "FEC ID C00495861, FEC ID C00484642" → FEC twice."""
    found = []
    for part in re.split(r"[,;]", text):
        part = part.strip()
        if not part:
            continue
        m = _PUBLIC_ID.match(part)
        found.append((m.group("kind").strip().upper(), m.group("value").strip()) if m else ("", part))
    return found


class GoogleAdsReader(RecordReader):
    """``google-ads``: the Google political ads transparency report's creative_stats or advertiser_stats."""

    name = "google-ads"
    summary = "Google political ads transparency report CSVs (creative_stats, advertiser_stats)"

    def stage(self, path: Path, stage: Stage) -> None:
        head = check_text(path)
        if not head.strip():
            raise FormatError(path, "empty file: no header line", line=1)
        records, columns, header_line = self.open_table(path, head, stage)
        given = self.columns_given
        cols = set(columns)
        if {"ad_id", "advertiser_id"} <= cols:
            read_record = self._creative
        elif "advertiser_id" in cols and cols & {"public_ids_list", "total_creatives"}:
            read_record = self._advertiser
        else:
            shown = ", ".join(given[:12]) + (", …" if len(given) > 12 else "")
            what = (
                "a Google ads table unmask does not read"
                if "advertiser_id" in cols
                else "not a Google ads file"
            )
            raise FormatError(
                path, f"{what}: its columns are {shown}; unmask reads {READS}", line=header_line
            )

        self.stage_table(records, columns, read_record, stage)

    # -- fields --------------------------------------------------------------------------------------

    def _required(self, r: dict[str, str], key: str) -> str:
        value = r.get(key, "")
        if not value:
            raise BadField(self.column(key), f"missing {self.column(key)}")
        return value

    def _number(self, r: dict[str, str], key: str) -> str | None:
        value = r.get(key, "")
        if not value:
            return None
        if not _NUMBER.match(value):
            raise BadField(self.column(key), f"unreadable {self.column(key)}: {value} is not a number")
        return value

    def _date(self, r: dict[str, str], key: str) -> str | None:
        """The date a value starts with: "2019-05-31", "2019-05-31 14:00:00 UTC" → 2019-05-31."""
        value = r.get(key, "")
        if not value:
            return None
        found = _LEADING_DATE.match(value)
        try:
            if not found:
                raise ValueError
            return date(int(found.group(1)), int(found.group(2)), int(found.group(3))).isoformat()
        except ValueError:
            raise BadField(
                self.column(key), f"unreadable {self.column(key)}: {value} is not a date"
            ) from None

    # -- records -------------------------------------------------------------------------------------

    def _creative(self, r: dict[str, str]) -> list[EntityProxy]:
        ad_id = self._required(r, "ad_id")
        advertiser_id = self._required(r, "advertiser_id")
        low, high = self._number(r, "spend_range_min_usd"), self._number(r, "spend_range_max_usd")
        first_served = self._date(r, "first_served_timestamp")
        start, end = self._date(r, "date_range_start"), self._date(r, "date_range_end")
        advertiser = advertiser_entity(advertiser_id, r.get("advertiser_name") or None)
        ad = new_entity("Payment", make_id("google-ad", ad_id))
        ad.add("payer", advertiser.id)
        ad.add("recordId", ad_id)
        ad_type = r.get("ad_type", "")
        ad.add("purpose", f"Google political ads ({ad_type})" if ad_type else "Google political ads")
        ad.add("startDate", first_served or start)
        ad.add("endDate", end)
        ad.add("amount", low)
        ad.add("currency", "USD")
        ad.add("sourceUrl", r.get("ad_url"))
        summary = []
        if low is not None or high is not None:
            summary.append(f"spend {low or '?'}–{high or ''} USD")
        elif r.get("spend_usd"):
            # Before the spend ranges the report gave one bucket ("≤ 100", "100-1k").
            summary.append(f"spend {r['spend_usd']} USD")
        if r.get("impressions"):
            summary.append(f"impressions {r['impressions']}")
        if r.get("regions"):
            summary.append(f"regions {r['regions']}")
        if r.get("ad_campaigns_list"):
            summary.append(f"campaigns {r['ad_campaigns_list']}")
        ad.add("summary", "; ".join(summary) or None)
        return [advertiser, ad]

    def _advertiser(self, r: dict[str, str]) -> list[EntityProxy]:
        advertiser_id = self._required(r, "advertiser_id")
        spend_key = "spend_usd" if "spend_usd" in r else "total_spend_usd"
        creatives, spend = self._number(r, "total_creatives"), self._number(r, spend_key)
        advertiser = advertiser_entity(advertiser_id, r.get("advertiser_name") or None)
        entities = [advertiser]
        for kind, value in public_ids(r.get("public_ids_list", "")):
            if kind == "EIN":
                advertiser.add("taxNumber", value)
                continue
            advertiser.add("idNumber", value)
            if kind == "FEC" and _COMMITTEE_ID.match(value):
                entities.append(committee_entity(value))
            elif kind == "FEC" and _CANDIDATE_ID.match(value):
                entities.append(candidate_entity(value))
        summary = []
        if creatives is not None:
            summary.append(f"{creatives} creatives")
        if spend is not None:
            summary.append(f"spend {spend} USD")
        for key in ("regions", "elections"):
            if r.get(key):
                summary.append(f"{key} {r[key]}")
        advertiser.add("summary", "; ".join(summary) or None)
        return entities
