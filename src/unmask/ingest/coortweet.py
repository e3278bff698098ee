"""``coortweet``: the two table layouts of the CooRTweet R package.

- ``object_id, account_id, content_id, timestamp_share``: one row per share. ``content_id`` is the post,
  ``object_id`` what it shares (``shared_post_id``), ``timestamp_share`` epoch seconds.
- ``account_id, post_id, url_id, hashtag_id, domain_id, phash_id, timestamp``: one row per post *and*
  object (a post with two hashtags has two rows). Rows of one post (same post, account and time) are merged
  into one post whose ``urls`` and ``hashtags`` hold the url and hashtag ids; ``domain_id`` and
  ``phash_id`` (image hash) lists go to ``extra``. A record of this layout is therefore a post: the import
  reports how many rows were merged.

Ids are anonymised: the platform is recorded as ``coortweet``. Files may be gzipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from unmask.errors import FormatError
from unmask.ingest.base import PostReader, blank_to_none
from unmask.ingest.stage import STAGE_TABLE, Stage
from unmask.ingest.textfile import Record, check_text, csv_records, sniff_delimiter

SHARES = ("object_id", "account_id", "content_id", "timestamp_share")
OBJECTS = ("account_id", "post_id", "url_id", "hashtag_id", "domain_id", "phash_id", "timestamp")


class CoorTweetReader(PostReader):
    name = "coortweet"
    platform = "coortweet"
    summary = (
        "CooRTweet tables: object_id/account_id/content_id/timestamp_share, or one row per post and object"
    )

    def stage(self, path: Path, stage: Stage) -> None:
        head = check_text(path)
        records = csv_records(
            path, delimiter=sniff_delimiter(path, head), on_bytes=stage.on_bytes, notes=self.notes
        )
        header = next(records)
        columns = [c.strip() for c in header.fields or []]
        if all(c in columns for c in SHARES):
            self._stage_shares(records, columns, stage)
        elif all(c in columns for c in ("account_id", "post_id", "timestamp")):
            self._stage_objects(records, columns, stage)
        else:
            missing = next(c for c in SHARES if c not in columns)
            raise FormatError(
                path,
                f"not a CooRTweet table: expected the columns {', '.join(SHARES)} or {', '.join(OBJECTS)}",
                line=header.line_no,
                field=missing,
            )

    def _stage_shares(self, records: Iterator[Record], columns: list[str], stage: Stage) -> None:
        ix = {c: columns.index(c) for c in SHARES}

        def read(f: list[str]) -> dict:
            return {
                "post_id": blank_to_none(f[ix["content_id"]]),
                "account_id": blank_to_none(f[ix["account_id"]]),
                "created_raw": blank_to_none(f[ix["timestamp_share"]]),
                "shared_post_id": blank_to_none(f[ix["object_id"]]),
                "urls": [],
                "hashtags": [],
                "mentions": [],
            }

        self.stage_records(records, stage, read)

    def _stage_objects(self, records: Iterator[Record], columns: list[str], stage: Stage) -> None:
        ix = {c: columns.index(c) for c in OBJECTS if c in columns}

        def read(fields: list[str]) -> dict:
            f = {c: fields[i].strip() for c, i in ix.items()}
            return {
                "post_id": f["post_id"] or None,
                "account_id": f["account_id"] or None,
                "created_raw": f["timestamp"] or None,
                "urls": [f["url_id"]] if f.get("url_id") else [],
                "hashtags": [f["hashtag_id"]] if f.get("hashtag_id") else [],
                "mentions": [],
                "extra": json.dumps({k: [f[k]] for k in ("domain_id", "phash_id") if f.get(k)}),
            }

        self.stage_records(records, stage, read)
        stage.flush()
        rows = stage.records
        # One post a group of rows; broken rows stay records of their own, to be quarantined.
        stage.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _unmask_merged AS
            SELECT min(record_no) AS record_no, min(line_no) AS line_no,
                   string_agg(raw, '' ORDER BY record_no) AS raw,
                   any_value(platform) AS platform, post_id, account_id, created_raw,
                   flatten(list(urls ORDER BY record_no)) AS urls,
                   flatten(list(hashtags ORDER BY record_no)) AS hashtags,
                   []::VARCHAR[] AS mentions,
                   to_json({{
                       'domain_id': flatten(list(coalesce(extra::JSON->>'$.domain_id[*]', [])
                                                 ORDER BY record_no)),
                       'phash_id': flatten(list(coalesce(extra::JSON->>'$.phash_id[*]', [])
                                                ORDER BY record_no))
                   }})::VARCHAR AS extra
            FROM {STAGE_TABLE}
            WHERE error IS NULL
            GROUP BY post_id, account_id, created_raw
            """
        )
        stage.con.execute(f"DELETE FROM {STAGE_TABLE} WHERE error IS NULL")
        stage.con.execute(f"INSERT INTO {STAGE_TABLE} BY NAME SELECT * FROM _unmask_merged")
        stage.con.execute("DROP TABLE _unmask_merged")
        posts = stage.con.execute(f"SELECT count(*) FROM {STAGE_TABLE}").fetchall()[0][0]
        self.notes.append(f"{rows} rows (one per post and object) merged into {posts} records, one per post")
