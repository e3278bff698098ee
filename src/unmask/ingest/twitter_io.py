"""``twitter-io``: the Twitter/X Information Operations archive CSV (31 columns, one file per network).

``tweet_time`` is UTC by the archive's documentation though no zone is written, so ``--timezone`` does not
apply. ``hashtags``, ``urls`` and ``user_mentions`` are bracketed lists (``['a', 'b']``); they are read
with a small tokenizer, never evaluated. ``user_mentions`` holds user ids, not handles, and ``mentions``
keeps them as such. An empty list field means the archive gives none for that tweet; a blank one means
it gives nothing, and the entity is extracted from the text. Profiles (location, description, follower
counts, creation date) go to ``accounts.profile``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from unmask.errors import FormatError
from unmask.ingest.base import PostReader, blank_to_none
from unmask.ingest.stage import Stage
from unmask.ingest.textfile import check_text, csv_records

COLUMNS = (
    "tweetid",
    "userid",
    "user_display_name",
    "user_screen_name",
    "user_reported_location",
    "user_profile_description",
    "user_profile_url",
    "follower_count",
    "following_count",
    "account_creation_date",
    "account_language",
    "tweet_language",
    "tweet_text",
    "tweet_time",
    "tweet_client_name",
    "in_reply_to_userid",
    "in_reply_to_tweetid",
    "quoted_tweet_tweetid",
    "is_retweet",
    "retweet_userid",
    "retweet_tweetid",
    "latitude",
    "longitude",
    "quote_count",
    "reply_count",
    "like_count",
    "retweet_count",
    "hashtags",
    "urls",
    "user_mentions",
    "poll_choices",
)
REQUIRED = ("tweetid", "userid", "tweet_time", "tweet_text")
PROFILE = (
    "user_reported_location",
    "user_profile_description",
    "user_profile_url",
    "follower_count",
    "following_count",
    "account_creation_date",
    "account_language",
)
_ITEM = re.compile(r"""'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|([^,\s\[\]'"][^,\[\]]*)""")


def bracketed_list(value: str) -> list[str] | None:
    """``"['a', 'b']"`` → ``['a', 'b']``; ``"[123, 456]"`` → ``['123', '456']``; blank → None."""
    value = value.strip()
    if not value:
        return None
    inner = value[1:-1] if value.startswith("[") and value.endswith("]") else value
    items = (next(g for g in m.groups() if g is not None) for m in _ITEM.finditer(inner))
    return [item.replace("\\'", "'").replace('\\"', '"').strip() for item in items]


class TwitterIOReader(PostReader):
    name = "twitter-io"
    platform = "twitter"
    summary = "Twitter/X Information Operations archive CSV (31 columns, hashed ids)"

    def stage(self, path: Path, stage: Stage) -> None:
        check_text(path)
        records = csv_records(path, delimiter=",", on_bytes=stage.on_bytes, notes=self.notes)
        header = next(records)
        columns = [c.strip() for c in header.fields or []]
        for col in REQUIRED:
            if col not in columns:
                raise FormatError(
                    path,
                    "required column missing: not a Twitter IO archive file "
                    f"(header: {', '.join(columns[:8])}...)",
                    line=header.line_no,
                    field=col,
                )
        ix = {c: columns.index(c) for c in COLUMNS if c in columns}
        self.notes.append("tweet_time is UTC by the archive's documentation (no zone written)")
        self.stage_records(records, stage, lambda fields: _read(fields, ix))


def _read(fields: list[str], ix: dict[str, int]) -> dict:
    f = {c: fields[i] for c, i in ix.items()}
    is_retweet = f.get("is_retweet", "").strip().lower() == "true"
    time = f["tweet_time"].strip()
    return {
        "post_id": blank_to_none(f["tweetid"]),
        "account_id": blank_to_none(f["userid"]),
        "handle": blank_to_none(f.get("user_screen_name")),
        "display_name": blank_to_none(f.get("user_display_name")),
        "profile": json.dumps({c: f[c] for c in PROFILE if c in f and f[c].strip()}, ensure_ascii=False),
        "created_raw": f"{time} UTC" if time else None,
        "text": f["tweet_text"],
        "shared_post_id": blank_to_none(f.get("retweet_tweetid")) if is_retweet else None,
        "reply_to_post_id": blank_to_none(f.get("in_reply_to_tweetid")),
        "quoted_post_id": blank_to_none(f.get("quoted_tweet_tweetid")),
        "urls": bracketed_list(f.get("urls", "")),
        "hashtags": bracketed_list(f.get("hashtags", "")),
        "mentions": bracketed_list(f.get("user_mentions", "")),
        "lang": blank_to_none(f.get("tweet_language")),
    }
