"""``fivethirtyeight-ira``: the FiveThirtyEight / Clemson IRA tweets, as their CSV or the per-author parquet.

What the data lacks, and what the import does about it:

- **No retweeted-tweet id.** A retweet's ``content`` is the retweeted text, so the object a retweet shares
  is that text: ``shared_post_id`` is ``text:`` + the MD5 of the lower-cased, space-collapsed content. Two
  retweets of the same tweet therefore share an object, as they would with ids.
- **Ids damaged by spreadsheets.** Copies saved through a spreadsheet carry ``tweet_id`` in scientific
  notation (``9.1458E+17``), which collides. The real id is recovered from ``article_url``
  (``.../statuses/<id>``); a row whose id is damaged and not recoverable is quarantined.
- **No tweet id at all** in the parquet repacking: ``post_id`` is ``ira:`` + the MD5 of author, minute and
  content. Rows that repeat all three (harvest duplicates) are quarantined as duplicates.
- **Accounts** are keyed by the lower-cased handle (``author`` / ``author_id``), which both layouts share.
- ``publish_date`` states no zone: it is read in ``--timezone`` (UTC by default), and the import says so.

The parquet is read by DuckDB directly, never row by row in Python.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from unmask.errors import FormatError
from unmask.ingest.base import PostReader, blank_to_none
from unmask.ingest.stage import Stage
from unmask.ingest.textfile import check_text, csv_records

CSV_REQUIRED = ("author", "content", "publish_date")
PARQUET_REQUIRED = ("author_id", "content", "publish_date")
_STATUS = re.compile(r"/status(?:es)?/(\d{5,25})")
_CLEAN_ID = re.compile(r"^\d{1,25}$")
_SHARES_NOTE = (
    "retweets carry no retweeted-tweet id: their shared object is the retweeted text "
    "(shared_post_id = 'text:' + MD5 of the lower-cased, space-collapsed text)"
)


class FiveThirtyEightReader(PostReader):
    name = "fivethirtyeight-ira"
    platform = "twitter"
    summary = "FiveThirtyEight/Clemson IRA tweets: the 21-column CSV, or the per-author parquet"

    def stage(self, path: Path, stage: Stage) -> None:
        if path.suffix.lower() == ".parquet":
            self._stage_parquet(path, stage)
        else:
            self._stage_csv(path, stage)
        self.notes.append(_SHARES_NOTE)

    def _stage_csv(self, path: Path, stage: Stage) -> None:
        check_text(path)
        records = csv_records(path, delimiter=",", on_bytes=stage.on_bytes, notes=self.notes)
        header = next(records)
        columns = [c.strip() for c in header.fields or []]
        for col in CSV_REQUIRED:
            if col not in columns:
                raise FormatError(
                    path,
                    "required column missing: not a FiveThirtyEight IRA file "
                    f"(header: {', '.join(columns[:8])}...)",
                    line=header.line_no,
                    field=col,
                )
        ix = {c: i for i, c in enumerate(columns)}
        recovered = 0

        def read(fields: list[str]) -> dict:
            nonlocal recovered
            f = {c: fields[i] for c, i in ix.items()}
            post_id, was_recovered = _post_id(f.get("tweet_id", ""), f.get("article_url", ""))
            recovered += was_recovered
            handle = blank_to_none(f["author"])
            row = {
                "post_id": post_id,
                "account_id": handle.lower() if handle else None,
                "handle": handle,
                "profile": _profile(f),
                "created_raw": blank_to_none(f["publish_date"]),
                "text": f["content"],
                "shares_text": f.get("post_type", "").strip().upper() in ("RETWEET", "R"),
                "lang": blank_to_none(f.get("language")),
            }
            if post_id is None:
                row["error_field"] = "tweet_id"
                row["error"] = (
                    "tweet id damaged (scientific notation from a spreadsheet) and no status URL "
                    "to recover it from"
                )
            return row

        self.stage_records(records, stage, read)
        if recovered:
            self.notes.append(
                f"{recovered} tweet ids damaged by a spreadsheet were recovered from article_url"
            )

    def _stage_parquet(self, path: Path, stage: Stage) -> None:
        source = "read_parquet(?, file_row_number = true)"
        try:
            columns = [
                r[0] for r in stage.con.execute(f"DESCRIBE SELECT * FROM {source}", [str(path)]).fetchall()
            ]
        except Exception as exc:  # duckdb raises several error types for a file that is not parquet
            raise FormatError(path, f"cannot read as parquet: {str(exc).splitlines()[0]}") from None
        for col in PARQUET_REQUIRED:
            if col not in columns:
                raise FormatError(
                    path,
                    "required column missing: not the FiveThirtyEight IRA parquet "
                    f"(columns: {', '.join(columns[:8])}...)",
                    field=col,
                )
        optional = {
            c: c if c in columns else "NULL"
            for c in ("language", "region", "following", "followers", "post_type")
        }
        stage.insert_select(
            f"""
            SELECT file_row_number + 1 AS record_no,
                   NULL AS line_no,
                   NULL AS raw,
                   'twitter' AS platform,
                   'ira:' || md5(concat_ws(chr(31), lower(author_id), publish_date::VARCHAR, content))
                       AS post_id,
                   lower(author_id) AS account_id,
                   author_id AS handle,
                   CAST(json_object('region', {optional["region"]}, 'following', {optional["following"]},
                                    'followers', {optional["followers"]}) AS VARCHAR) AS profile,
                   strftime(publish_date, '%Y-%m-%d %H:%M:%S') AS created_raw,
                   content AS text,
                   upper(coalesce({optional["post_type"]}, '')) IN ('R', 'RETWEET') AS shares_text,
                   {optional["language"]} AS lang
            FROM {source}
            """,
            [str(path)],
        )
        stage.on_bytes(path.stat().st_size)
        self.notes.append("the parquet has no tweet ids: post_id = 'ira:' + MD5 of author, minute and text")


def _post_id(tweet_id: str, article_url: str) -> tuple[str | None, bool]:
    """The tweet id, recovered from the status URL when a spreadsheet turned it into 9.1458E+17."""
    tweet_id = tweet_id.strip()
    if _CLEAN_ID.match(tweet_id):
        return tweet_id, False
    m = _STATUS.search(article_url or "")
    if m:
        return m.group(1), bool(tweet_id)
    return None, False


def _profile(f: dict[str, str]) -> str:
    keys = ("region", "following", "followers", "account_type", "account_category", "external_author_id")
    return json.dumps({k: f[k] for k in keys if f.get(k, "").strip()}, ensure_ascii=False)
