"""``telegram``: a Telegram Desktop JSON export (``result.json``), one chat or a whole account.

A single-chat export is one object ``{name, type, id, messages: [...]}``; a whole-account export wraps
the chats in ``chats.list[]`` (and ``left_chats.list[]``). Every element of every ``messages`` array is one
record; see ``docs/formats.md`` for the mapping. The file is streamed by
:class:`unmask.ingest.jsonstream.JsonStream` (see there for how and for the limits on memory).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from pathlib import Path

from unmask.errors import FormatError
from unmask.ingest.base import PostReader
from unmask.ingest.jsonstream import FieldTypeError, JsonItem, JsonStream, item_row, json_id, json_str
from unmask.ingest.stage import Stage
from unmask.ingest.textfile import check_text

CHANNEL_TYPES = ("private_channel", "public_channel")
# Fields that tell one forwarded media message from another when the text does not (see _forward_id).
_MEDIA_KEYS = (
    "media_type",
    "mime_type",
    "file_name",
    "file_size",
    "photo_file_size",
    "width",
    "height",
    "duration_seconds",
    "sticker_emoji",
    "performer",
    "title",
)
_PEER = re.compile(r"^(?:user|chat|channel)?(-?\d+)$")


def _flatten_text(value: object) -> str | None:
    """``text`` as plain text: a string, or a list of strings and entity objects ``{type, text, ...}``."""
    if value is None or isinstance(value, str):
        return value
    if not isinstance(value, list):
        raise FieldTypeError("text")
    parts = []
    for part in value:
        if isinstance(part, str):
            parts.append(part)
        elif isinstance(part, dict) and isinstance(part.get("text", ""), str):
            parts.append(part.get("text", ""))
        else:
            raise FieldTypeError("text")
    return "".join(parts)


def _entities(message: dict) -> tuple[list[str], list[str], list[str]] | None:
    """(urls, hashtags, mentions) from ``text_entities`` or the list form of ``text``; None without either."""
    entities = message.get("text_entities")
    field = "text_entities"
    if entities is None:
        if not isinstance(message.get("text"), list):
            return None
        entities = [e for e in message["text"] if isinstance(e, dict)]
        field = "text"
    if not isinstance(entities, list):
        raise FieldTypeError(field)
    urls: list[str] = []
    hashtags: list[str] = []
    mentions: list[str] = []
    for entity in entities:
        if not isinstance(entity, dict):
            raise FieldTypeError(field)
        kind, text = entity.get("type"), entity.get("text")
        if not isinstance(text, str):
            continue
        if kind == "link":
            urls.append(text)
        elif kind == "text_link" and isinstance(entity.get("href"), str):
            urls.append(entity["href"])
        elif kind == "hashtag":
            hashtags.append(text.lstrip("#＃"))
        elif kind == "mention":
            mentions.append(text.lstrip("@"))
        # mention_name (a user without a username: only a user_id), cashtag, email, ...: not read
    return urls, hashtags, mentions


def _forward_id(message: dict, text: str | None) -> str:
    """A stable id of the forwarded original: the export names its source but gives no message id, so the
    original is the source plus a hash of the normalised text and the media fields."""
    source = message.get("forwarded_from_id") or message.get("forwarded_from") or "unknown"
    key = unicodedata.normalize("NFC", " ".join((text or "").split()))
    media = [f"{k}={message[k]}" for k in _MEDIA_KEYS if message.get(k) not in (None, "")]
    poll = message.get("poll")
    if isinstance(poll, dict) and poll.get("question"):
        media.append(f"poll={poll['question']}")
    if media:
        key += "\x1f" + "\x1f".join(media)
    return f"fwd:{source}:{hashlib.sha1(key.encode('utf-8')).hexdigest()[:16]}"


class TelegramReader(PostReader):
    name = "telegram"
    platform = "telegram"
    summary = "Telegram Desktop JSON export (result.json): one chat, or a whole account with chats.list"

    def stage(self, path: Path, stage: Stage) -> None:
        head = check_text(path)
        first = head.lstrip()[:1]
        if not first:
            raise FormatError(path, "empty file")
        if first != b"{":
            shown = first.decode("utf-8", "replace")
            raise FormatError(
                path,
                f"not a Telegram Desktop export (a JSON object): the file starts with {shown!r}",
                line=1,
            )
        self._record_no = 0
        self._chats = 0
        self._forwards = 0
        with JsonStream(path, stage.on_bytes) as stream:
            found = self._stage_chat(stream, stage, top=True)
            if not found and not stream.truncated:
                raise FormatError(
                    path,
                    "neither 'messages' nor 'chats.list': not a Telegram Desktop export "
                    "(result.json of a chat or of the whole account)",
                    line=1,
                )
            if stream.finish():
                raise FormatError(path, "more data after the end of the JSON document", line=stream.line())
            self.notes.extend(stream.notes("message"))
        if self._chats:
            self.notes.append(f"whole-account export: read {self._chats} chats")
        if self._forwards:
            self.notes.append(
                f"{self._forwards} forwards: the export gives no id of the original message, so "
                "shared_post_id is a synthetic 'fwd:<source>:<hash of text and media>' id"
            )

    def _stage_chat(self, stream: JsonStream, stage: Stage, *, top: bool) -> bool:
        """Stage the messages of the chat object at the position (and, at the top, of chats.list)."""
        chat: dict = {}
        found = False
        for key in stream.object_keys():
            if key in ("name", "type", "id"):
                chat[key] = stream.read_value()
            elif key == "messages":
                if stream.peek() not in ("[", ""):
                    raise FormatError(
                        stream.path, "'messages' is not a list", line=stream.line(), field="messages"
                    )
                found = True
                context = self._chat_context(chat)
                for _ in stream.array_items():
                    self._stage_message(stream.read_item(), context, stage)
            elif top and key in ("chats", "left_chats"):
                if stream.peek() not in ("{", ""):
                    raise FormatError(
                        stream.path, f"'{key}' is not an object with a 'list'", line=stream.line(), field=key
                    )
                for sub in stream.object_keys():
                    if sub != "list":
                        continue
                    if stream.peek() not in ("[", ""):
                        raise FormatError(
                            stream.path,
                            f"'{key}.list' is not a list",
                            line=stream.line(),
                            field=f"{key}.list",
                        )
                    found = True
                    for _ in stream.array_items():
                        if stream.peek() != "{":
                            raise FormatError(
                                stream.path,
                                f"an element of '{key}.list' is not a chat object",
                                line=stream.line(),
                                field=f"{key}.list",
                            )
                        self._stage_chat(stream, stage, top=False)
                        self._chats += 1
        return found

    @staticmethod
    def _chat_context(chat: dict) -> dict:
        chat_id = chat.get("id")
        if isinstance(chat_id, bool) or not isinstance(chat_id, int | str) or not str(chat_id).strip():
            chat_id = None
        profile = json.dumps(
            {"chat_id": chat_id, "chat_name": chat.get("name"), "chat_type": chat.get("type")},
            ensure_ascii=False,
        )
        return {
            "id": None if chat_id is None else str(chat_id).strip(),
            "type": chat.get("type"),
            "profile": profile,
        }

    def _stage_message(self, item: JsonItem, chat: dict, stage: Stage) -> None:
        self._record_no += 1

        def read(message: dict, row: dict) -> None:
            self._map_message(message, chat, row)

        stage.append(item_row(self, self._record_no, item, "a message", read))

    def _map_message(self, message: dict, chat: dict, row: dict) -> None:
        chat_id = chat["id"]
        kind = message.get("type")
        message_id = json_id(message.get("id"), "id")
        if chat_id is not None and message_id is not None:
            row["post_id"] = f"{chat_id}/{message_id}"
        service = kind == "service"
        sender = json_id(
            message.get("actor_id" if service else "from_id"), "actor_id" if service else "from_id"
        )
        if sender is None and chat["type"] in CHANNEL_TYPES and chat_id is not None:
            sender = f"channel{chat_id}"
        row["account_id"] = sender
        row["display_name"] = json_str(
            message.get("actor" if service else "from"), "actor" if service else "from"
        )
        row["profile"] = chat["profile"]
        row["created_raw"] = json_id(message.get("date_unixtime"), "date_unixtime")
        text = _flatten_text(message.get("text"))
        row["text"] = text
        found = _entities(message)
        if found is not None:
            row["urls"], row["hashtags"], row["mentions"] = found
        if "forwarded_from" in message or "forwarded_from_id" in message:
            row["shared_post_id"] = _forward_id(message, text)
            self._forwards += 1
        reply_to = json_id(message.get("reply_to_message_id"), "reply_to_message_id")
        if reply_to is not None:
            peer = json_id(message.get("reply_to_peer_id"), "reply_to_peer_id")
            in_chat = chat_id
            if peer is not None:
                match = _PEER.match(peer)
                in_chat = match.group(1) if match else peer
            if in_chat is not None:
                row["reply_to_post_id"] = f"{in_chat}/{reply_to}"
        # The reasons below win over the id and time checks of finalise(): they say what the record is.
        if chat_id is None:
            row["error"], row["error_field"] = (
                ("the chat has no 'id' before its messages: message ids are only unique within a chat"),
                "id",
            )
        elif service:
            row["error"], row["error_field"] = "service message: not a post", "type"
        elif kind == "unsupported":
            row["error"], row["error_field"] = "unsupported message: the export has no content for it", "type"
        elif row["created_raw"] is None:
            row["error"], row["error_field"] = (
                ("missing date_unixtime ('date' is the exporting machine's local time and is not read)"),
                "date_unixtime",
            )
