"""``x-api-v2``: X (Twitter) API v2 tweet responses, as JSON or as JSON Lines (twarc2 output).

Accepted layouts:

* a JSON document holding one response (``data`` = a tweet or a list of tweets, ``includes.users``,
  ``includes.tweets``, ``meta``, ``errors``), a list of responses, or several responses one after the other;
* JSON Lines where each line is a response (``twarc2 search`` output, with ``__twarc``) or a bare tweet
  (``twarc2 flatten`` output, whose tweets carry their ``author`` object).

Every tweet in ``data`` is a record (``record_no`` counts tweets in file order; ``line_no`` is the line
where the tweet starts in a JSON document, or the line of the response in JSON Lines). Referenced tweets in
``includes.tweets`` are not records: the query did not collect them. A JSON document is read with
:class:`unmask.ingest.jsonstream.JsonStream`, one response at a time; JSON Lines one line at a time. See
``docs/formats.md`` for the mapping.
"""

from __future__ import annotations

import json
from pathlib import Path

from unmask.errors import FormatError
from unmask.ingest.base import PostReader
from unmask.ingest.jsonstream import (
    FieldTypeError,
    JsonItem,
    JsonStream,
    cap_raw,
    item_row,
    json_id,
    json_str,
)
from unmask.ingest.stage import Stage
from unmask.ingest.textfile import MAX_FIELD_CHARS, check_text, jsonl_records, open_bytes

RESPONSE_KEYS = frozenset({"data", "includes", "errors", "meta"})
# A bare tweet has its text (a default field) or, where asked for, its author; an object with only an
# "id" (a Telegram chat, a user) is not one.
TWEET_KEYS = frozenset({"text", "author_id"})
_REFERENCE_FIELDS = {
    "retweeted": "shared_post_id",
    "quoted": "quoted_post_id",
    "replied_to": "reply_to_post_id",
}
_USER_FIELDS_KEPT_APART = ("id", "username", "name")


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _is_json_lines(path: Path) -> bool:
    """JSON Lines when the first line is a whole JSON value, or (its first line broken) a later one of the
    first few lines is a whole object written from the first column. A pretty-printed document's lines
    are not, and a first line too long to be one record is a document written on one line."""
    with open_bytes(path) as fh:
        for n in range(6):
            line = fh.readline(MAX_FIELD_CHARS + 1)
            if not line:
                return False
            if len(line) > MAX_FIELD_CHARS:
                return False
            if n == 0:
                line = line.removeprefix(b"\xef\xbb\xbf")
            elif not line.startswith(b"{"):
                continue
            try:
                json.loads(line)
            except ValueError:
                continue
            return True
    return False


class XApiV2Reader(PostReader):
    name = "x-api-v2"
    platform = "twitter"
    summary = "X/Twitter API v2 responses (JSON, or JSON Lines as twarc2 writes them): data, includes.users"

    def stage(self, path: Path, stage: Stage) -> None:
        head = check_text(path).lstrip()
        if not head:
            raise FormatError(path, "empty file")
        if head[:1] not in (b"{", b"["):
            raise FormatError(
                path,
                "not JSON: an X API v2 file holds JSON objects (responses or tweets), "
                f"this one starts with {head[:1].decode('utf-8', 'replace')!r}",
                line=1,
            )
        self._record_no = 0
        self._recognised = False
        self._api_errors = 0
        self._referenced = 0
        self._retweets = 0
        self._no_author = 0
        if head[:1] == b"{" and _is_json_lines(path):
            self._stage_json_lines(path, stage)
        else:
            self._stage_document(path, stage)
        self.refuse_shapeless(
            path,
            self._record_no,
            self._recognised,
            "an API response ('data', 'includes' or 'errors') or a tweet ('text' or 'author_id')",
        )
        self._write_notes()

    # -- JSON Lines -------------------------------------------------------------------------------

    def _stage_json_lines(self, path: Path, stage: Stage) -> None:
        for rec, value in jsonl_records(path, on_bytes=stage.on_bytes, notes=self.notes):
            if rec.error:
                self._stage_tweet(JsonItem(None, rec.line_no, rec.raw, rec.error), {}, stage)
                continue
            kind = self._kind(value)
            if kind is None:
                what = "a JSON object" if isinstance(value, dict) else "a JSON " + type(value).__name__
                self._unrecognised(path, rec.line_no, rec.raw, what, stage)
            elif kind == "response":
                assert isinstance(value, dict)
                data = value.get("data")
                tweets = data if isinstance(data, list) else [] if data is None else [data]
                items = [JsonItem(t, rec.line_no, cap_raw(_dumps(t))) for t in tweets]
                self._stage_response(items, value, stage)
            else:
                self._stage_tweet(JsonItem(value, rec.line_no, rec.raw), {}, stage)

    # -- a JSON document --------------------------------------------------------------------------

    def _stage_document(self, path: Path, stage: Stage) -> None:
        with JsonStream(path, stage.on_bytes) as stream:
            while not stream.truncated:
                c = stream.peek()
                if c == "":
                    break
                if c == "[":
                    for _ in stream.array_items():
                        self._stage_document_value(stream, stage)
                elif c == "{":
                    self._stage_document_value(stream, stage)
                else:
                    raise FormatError(
                        path, f"expected a JSON object or list, found {c!r}", line=stream.line()
                    )
            stream.finish()
            self.notes.extend(stream.notes("tweet"))

    def _stage_document_value(self, stream: JsonStream, stage: Stage) -> None:
        """Stage the response (or bare tweet) at the position; its ``data`` tweets are read one by one, the
        other members whole, and the tweets staged once the response ends (``includes`` may come last)."""
        line = stream.line()
        if stream.peek() != "{":
            item = stream.read_item()
            what = "a JSON object" if isinstance(item.value, dict) else "a JSON value that is not an object"
            if item.error:
                self._stage_tweet(item, {}, stage)
            else:
                self._unrecognised(stream.path, item.line_no, item.raw, what, stage)
            return
        tweets: list[JsonItem] = []
        members: dict = {}
        since = stream.taken
        for key in stream.object_keys():
            if key == "data" and stream.peek() == "[":
                members["data"] = None
                for _ in stream.array_items():
                    tweets.append(stream.read_item())
                    stream.check_held(since, line, "an API response")
            elif key == "data" and stream.peek() == "{":
                members["data"] = None
                tweets.append(stream.read_item())
            else:
                members[key] = stream.read_value()
            stream.check_held(since, line, "an API response")
        kind = self._kind(members)
        if kind == "response":
            self._stage_response(tweets, members, stage)
        elif kind == "tweet":
            self._stage_tweet(JsonItem(members, line, cap_raw(_dumps(members))), {}, stage)
        else:
            self._unrecognised(stream.path, line, cap_raw(_dumps(members)), "a JSON object", stage)

    # -- records ----------------------------------------------------------------------------------

    def _kind(self, value: object) -> str | None:
        if not isinstance(value, dict):
            return None
        if RESPONSE_KEYS & value.keys():
            self._recognised = True
            return "response"
        if TWEET_KEYS & value.keys():
            self._recognised = True
            return "tweet"
        return None

    def _unrecognised(self, path: Path, line: int, raw: str, what: str, stage: Stage) -> None:
        """A value that is neither a response nor a tweet: the file is not this format if it comes first."""
        if not self._recognised:
            raise FormatError(
                path,
                f"{what} with neither 'data', 'includes' or 'errors' (a response) nor 'text' or "
                "'author_id' (a tweet): not X API v2 output",
                line=line,
                field="data",
            )
        self._record_no += 1
        stage.append(
            {
                "record_no": self._record_no,
                "line_no": line,
                "raw": cap_raw(raw),
                "platform": self.platform,
                "error": f"{what} that is neither an API response nor a tweet",
            }
        )

    def _stage_response(self, tweets: list[JsonItem], response: dict, stage: Stage) -> None:
        includes = response.get("includes")
        includes = includes if isinstance(includes, dict) else {}
        users: dict[str, dict] = {}
        for user in includes.get("users") or []:
            if isinstance(user, dict) and isinstance(user.get("id"), str | int):
                users.setdefault(str(user["id"]), user)
        errors = response.get("errors")
        if isinstance(errors, list):
            self._api_errors += len(errors)
        own = {str(t.value["id"]) for t in tweets if isinstance(t.value, dict) and "id" in t.value}
        referenced = includes.get("tweets") or []
        if isinstance(referenced, list):
            self._referenced += sum(
                1 for t in referenced if not (isinstance(t, dict) and str(t.get("id")) in own)
            )
        for item in tweets:
            self._stage_tweet(item, users, stage)

    def _stage_tweet(self, item: JsonItem, users: dict[str, dict], stage: Stage) -> None:
        self._record_no += 1

        def read(tweet: dict, row: dict) -> None:
            self._map_tweet(tweet, users, row)

        stage.append(item_row(self, self._record_no, item, "a tweet", read))

    def _map_tweet(self, tweet: dict, users: dict[str, dict], row: dict) -> None:
        row["post_id"] = json_id(tweet.get("id"), "id")
        row["account_id"] = json_id(tweet.get("author_id"), "author_id")
        row["created_raw"] = json_str(tweet.get("created_at"), "created_at")
        row["text"] = json_str(tweet.get("text"), "text")
        row["lang"] = json_str(tweet.get("lang"), "lang")
        references = tweet.get("referenced_tweets") or []
        if not isinstance(references, list):
            raise FieldTypeError("referenced_tweets")
        for ref in references:
            if not isinstance(ref, dict):
                raise FieldTypeError("referenced_tweets")
            column = _REFERENCE_FIELDS.get(str(ref.get("type")))
            if column and row.get(column) is None:
                row[column] = json_id(ref.get("id"), "referenced_tweets")
        if row.get("shared_post_id"):
            self._retweets += 1
        entities = tweet.get("entities")
        if entities is not None:
            if not isinstance(entities, dict):
                raise FieldTypeError("entities")
            row["urls"] = [u for u in (_url(e) for e in _entity_list(entities, "urls")) if u]
            row["hashtags"] = [
                e["tag"] for e in _entity_list(entities, "hashtags") if isinstance(e.get("tag"), str)
            ]
            row["mentions"] = [
                e["username"]
                for e in _entity_list(entities, "mentions")
                if isinstance(e.get("username"), str)
            ]
        user = users.get(row["account_id"] or "")
        if user is None and isinstance(tweet.get("author"), dict):
            user = tweet["author"]  # twarc2 flatten puts the author in the tweet
        if user is None:
            self._no_author += 1
            return
        row["handle"] = user.get("username") if isinstance(user.get("username"), str) else None
        row["display_name"] = user.get("name") if isinstance(user.get("name"), str) else None
        row["profile"] = _dumps({k: v for k, v in user.items() if k not in _USER_FIELDS_KEPT_APART})

    def _write_notes(self) -> None:
        if self._referenced:
            self.notes.append(
                f"{self._referenced} referenced tweets in includes.tweets were not loaded as posts: "
                "the query did not collect them (their ids are kept as shared, quoted or "
                "replied-to ids)"
            )
        if self._retweets:
            self.notes.append(
                f'{self._retweets} retweets: their text is the retweet\'s own, cut "RT @user: …"; '
                "the full text is in includes.tweets, not loaded"
            )
        if self._api_errors:
            self.notes.append(
                f"{self._api_errors} API error objects (deleted, protected or missing tweets) "
                "skipped: they are not tweets"
            )
        if self._no_author:
            self.notes.append(
                f"{self._no_author} tweets whose author is not in includes.users: no handle or display name"
            )


def _entity_list(entities: dict, kind: str) -> list[dict]:
    values = entities.get(kind)
    if values is None:
        return []
    if not isinstance(values, list) or not all(isinstance(v, dict) for v in values):
        raise FieldTypeError(f"entities.{kind}")
    return values


def _url(entity: dict) -> str | None:
    """The URL a ``t.co`` link stands for: unwound (after redirects) over expanded over the t.co link."""
    for key in ("unwound_url", "expanded_url", "url"):
        value = entity.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None
