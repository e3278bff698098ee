"""The ``telegram`` reader (Telegram Desktop ``result.json``) and the streaming JSON reader under it."""

from __future__ import annotations

import copy
import json
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import posts_by_id as posts
from conftest import quarantined as quarantine
from conftest import staged_rows
from unmask.case import Case
from unmask.errors import FormatError
from unmask.ingest import import_files, jsonstream
from unmask.ingest.jsonstream import JsonStream
from unmask.ingest.telegram import TelegramReader

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SAMPLE = DATA / "samples" / "telegram" / "result.json"

GROUP = {
    "name": "Test Group",
    "type": "private_supergroup",
    "id": 1001,
    "messages": [
        {
            "id": 1,
            "type": "message",
            "date": "2023-11-14T23:13:20",
            "date_unixtime": "1700000000",
            "from": "Alice",
            "from_id": "user11",
            "text": [
                "Read ",
                {"type": "link", "text": "https://example.com/a?utm_source=x"},
                " and ",
                {"type": "text_link", "text": "this", "href": "https://example.org/b"},
                " ",
                {"type": "hashtag", "text": "#Vote"},
                " ",
                {"type": "mention", "text": "@Bob_B"},
                " ",
                {"type": "mention_name", "text": "Carol", "user_id": 33},
            ],
            "text_entities": [
                {"type": "plain", "text": "Read "},
                {"type": "link", "text": "https://example.com/a?utm_source=x"},
                {"type": "plain", "text": " and "},
                {"type": "text_link", "text": "this", "href": "https://example.org/b"},
                {"type": "plain", "text": " "},
                {"type": "hashtag", "text": "#Vote"},
                {"type": "plain", "text": " "},
                {"type": "mention", "text": "@Bob_B"},
                {"type": "plain", "text": " "},
                {"type": "mention_name", "text": "Carol", "user_id": 33},
            ],
        },
        {
            "id": 2,
            "type": "message",
            "date": "2023-11-14T23:14:00",
            "date_unixtime": "1700000040",
            "from": "Bob",
            "from_id": "user22",
            "reply_to_message_id": 1,
            "text": "agreed",
            "text_entities": [{"type": "plain", "text": "agreed"}],
        },
        {
            "id": 3,
            "type": "message",
            "date": "2023-11-14T23:15:00",
            "date_unixtime": "1700000100",
            "from": "Alice",
            "from_id": "user11",
            "forwarded_from": "News Channel",
            "forwarded_from_id": "channel777",
            "text": "Breaking   news\n today",
            "text_entities": [{"type": "plain", "text": "Breaking   news\n today"}],
        },
        {
            "id": 4,
            "type": "service",
            "date": "2023-11-14T23:16:00",
            "date_unixtime": "1700000160",
            "actor": "Alice",
            "actor_id": "user11",
            "action": "pin_message",
            "message_id": 1,
            "text": "",
            "text_entities": [],
        },
        {
            "id": 5,
            "type": "message",
            "date": "2023-11-14T23:17:00",
            "from": "Bob",
            "from_id": "user22",
            "text": "no unixtime here",
            "text_entities": [{"type": "plain", "text": "no unixtime here"}],
        },
        {
            "id": 6,
            "type": "message",
            "date": "2023-11-14T23:18:00",
            "date_unixtime": "1700000280",
            "from": "Bob",
            "from_id": "user22",
            "reply_to_message_id": 50,
            "reply_to_peer_id": "channel777",
            "text": "replying across chats",
            "text_entities": [{"type": "plain", "text": "replying across chats"}],
        },
        {
            "id": 7,
            "type": "message",
            "date": "2023-11-14T23:19:00",
            "date_unixtime": "1700000340",
            "from": "Dave",
            "from_id": "user44",
            "text": "old layout #FromText hello @dave_d",
        },
        {
            "id": 8,
            "type": "message",
            "date": "2023-11-14T23:20:00",
            "date_unixtime": "1700000400",
            "from": "Bob",
            "from_id": "user22",
            "forwarded_from": "News Channel",
            "forwarded_from_id": "channel777",
            "text": "Breaking news today",
            "text_entities": [{"type": "plain", "text": "Breaking news today"}],
        },
    ],
}

CHANNEL = {
    "name": "News Channel",
    "type": "public_channel",
    "id": 777,
    "messages": [
        {
            "id": 50,
            "type": "message",
            "date": "2023-11-14T20:00:00",
            "date_unixtime": "1699990000",
            "from": "News Channel",
            "text": "Breaking news today",
            "text_entities": [{"type": "plain", "text": "Breaking news today"}],
        },
        {
            "id": 51,
            "type": "message",
            "date": "2023-11-14T20:01:00",
            "date_unixtime": "1699990060",
            "from": "News Channel",
            "from_id": "channel777",
            "text": "second post",
            "text_entities": [{"type": "plain", "text": "second post"}],
        },
    ],
}

LEFT = {
    "name": "Old Group",
    "type": "private_group",
    "id": 42,
    "messages": [
        {
            "id": 9,
            "type": "message",
            "date": "2023-11-14T10:00:00",
            "date_unixtime": "1699950000",
            "from": "Eve",
            "from_id": "user55",
            "text": "bye",
            "text_entities": [{"type": "plain", "text": "bye"}],
        }
    ],
}


# Message 2's sender and reply, to be replaced by invalid JSON.
BOB_REPLY = '"from": "Bob",\n   "from_id": "user22",\n   "reply_to_message_id": 1,'


def dump(obj: object) -> str:
    """Pretty-printed as Telegram Desktop writes it: one space a level."""
    return json.dumps(obj, indent=1, ensure_ascii=False)


def write(tmp_path: Path, obj: object, name: str = "result.json") -> Path:
    path = tmp_path / name
    path.write_text(dump(obj) if not isinstance(obj, str) else obj, encoding="utf-8")
    return path


def start_line(text: str, message_id: int) -> int:
    """The line of the '{' of the message with this id (the line before its "id" member)."""
    return text[: text.index(f'"id": {message_id},')].count("\n")


def staged(path: Path) -> list[dict]:
    return staged_rows(TelegramReader(), path)


def test_single_chat_maps_every_field(case, tmp_path):
    path = write(tmp_path, GROUP)
    text = path.read_text(encoding="utf-8")
    [result] = import_files(case, "telegram", [path])
    assert (result.loaded, result.quarantined) == (6, 2)
    got = posts(case)
    assert list(got) == ["1001/1", "1001/2", "1001/3", "1001/6", "1001/7", "1001/8"]

    first = got["1001/1"]
    assert first["platform"] == "telegram"
    assert first["account_id"] == "user11"
    assert first["created_at"] == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert first["text"] == "Read https://example.com/a?utm_source=x and this #Vote @Bob_B Carol"
    assert first["urls_original"] == ["https://example.com/a?utm_source=x", "https://example.org/b"]
    assert first["urls"] == ["https://example.com/a", "https://example.org/b"]
    assert first["hashtags"] == ["vote"]
    assert first["mentions"] == ["bob_b"]  # mention_name (no username) is not a mention
    assert first["shared_post_id"] is None and first["reply_to_post_id"] is None

    assert got["1001/2"]["reply_to_post_id"] == "1001/1"
    assert got["1001/2"]["urls"] == [] and got["1001/2"]["hashtags"] == []
    assert got["1001/6"]["reply_to_post_id"] == "777/50"

    # Two forwards of the same original, written with different white space: one synthetic object.
    forwarded = got["1001/3"]["shared_post_id"]
    assert forwarded.startswith("fwd:channel777:")
    assert got["1001/8"]["shared_post_id"] == forwarded

    # No text_entities and a plain string: the lists come from the text.
    assert got["1001/7"]["hashtags"] == ["fromtext"]
    assert got["1001/7"]["mentions"] == ["dave_d"]

    assert quarantine(case) == [
        (4, start_line(text, 4), "type", "service message: not a post"),
        (
            5,
            start_line(text, 5),
            "date_unixtime",
            "missing date_unixtime ('date' is the exporting machine's local time and is not read)",
        ),
    ]
    raw = case.con.execute("SELECT raw FROM quarantine WHERE record_no = 5").fetchall()[0][0]
    assert json.loads(raw)["text"] == "no unixtime here"

    accounts = case.con.execute(
        "SELECT account_id, handle, display_name, profile FROM accounts ORDER BY account_id"
    ).fetchall()
    assert [a[0] for a in accounts] == ["user11", "user22", "user44"]
    assert accounts[0][1] is None and accounts[0][2] == "Alice"
    assert json.loads(accounts[0][3]) == {
        "chat_id": 1001,
        "chat_name": "Test Group",
        "chat_type": "private_supergroup",
    }
    assert any("2 forwards" in n for n in result.notes)


def test_whole_account_export_with_channel_posts(case, tmp_path):
    export = {
        "about": "Here is the data you requested.",
        "personal_information": {"user_id": 11, "first_name": "Alice", "phone_number": "+1 555"},
        "contacts": {"about": "contacts", "list": [{"user_id": 22, "first_name": "Bob"}]},
        "chats": {"about": "chats", "list": [GROUP, CHANNEL]},
        "left_chats": {"about": "left", "list": [LEFT]},
    }
    path = write(tmp_path, export)
    text = path.read_text(encoding="utf-8")
    [result] = import_files(case, "telegram", [path])
    assert (result.loaded, result.quarantined) == (9, 2)
    got = posts(case)
    assert {"777/50", "777/51", "42/9"} <= set(got)
    assert got["777/50"]["account_id"] == "channel777"  # a channel post without from_id: the channel
    assert got["777/51"]["account_id"] == "channel777"
    assert got["42/9"]["record_no"] == 11
    assert case.con.execute("SELECT line_no FROM quarantine WHERE record_no = 5").fetchall() == [
        (start_line(text, 5),)
    ]
    channel = case.con.execute(
        "SELECT display_name, profile FROM accounts WHERE account_id = 'channel777'"
    ).fetchall()
    assert channel[0][0] == "News Channel"
    assert json.loads(channel[0][1])["chat_type"] == "public_channel"
    assert "whole-account export: read 3 chats" in result.notes


def test_invalid_message_is_quarantined_and_the_rest_loads(case, tmp_path):
    text = dump(GROUP).replace(BOB_REPLY, '"from": Bob,')
    path = write(tmp_path, text)
    [result] = import_files(case, "telegram", [path])
    assert (result.loaded, result.quarantined) == (5, 3)
    [(_, line_no, field, reason)] = [q for q in quarantine(case) if q[0] == 2]
    assert field is None
    assert line_no == start_line(text, 2)
    assert reason == f"invalid JSON: Expecting value on line {line_no + 5}"
    assert "1001/3" in posts(case)


def test_message_that_is_not_an_object_and_message_without_id(case, tmp_path):
    chat = copy.deepcopy(GROUP)
    chat["messages"] = ["just a string", {k: v for k, v in GROUP["messages"][1].items() if k != "id"}]
    [result] = import_files(case, "telegram", [write(tmp_path, chat)])
    assert (result.loaded, result.quarantined) == (0, 2)
    assert [q[3] for q in quarantine(case)] == ["not a JSON object (a message)", "missing post id"]


def test_truncated_export_keeps_what_was_complete(case, tmp_path):
    text = dump(GROUP)
    cut = text.index('"id": 6,') + 20
    path = write(tmp_path, text[:cut])
    [result] = import_files(case, "telegram", [path])
    assert (result.loaded, result.quarantined) == (3, 3)
    last = quarantine(case)[-1]
    assert last[:2] == (6, start_line(text, 6))
    assert last[3].startswith("truncated record: the file ends inside it")
    assert any("it was cut" in n for n in result.notes)


def test_invalid_utf8_quarantines_one_message(case, tmp_path):
    data = dump(GROUP).encode("utf-8").replace(b"agreed", b"agr\xffed")
    path = tmp_path / "result.json"
    path.write_bytes(data)
    [result] = import_files(case, "telegram", [path])
    assert (result.loaded, result.quarantined) == (5, 3)
    text = data.decode("utf-8", errors="replace")
    bad_line = text[: text.index("agr\ufffded")].count("\n") + 1
    assert (2, start_line(text, 2), None, f"invalid UTF-8 on line {bad_line}") in quarantine(case)


def test_chat_without_id_quarantines_its_messages(case, tmp_path):
    chat = {k: v for k, v in LEFT.items() if k != "id"}
    [result] = import_files(case, "telegram", [write(tmp_path, chat)])
    assert (result.loaded, result.quarantined) == (0, 1)
    assert quarantine(case)[0][2:] == (
        "id",
        "the chat has no 'id' before its messages: message ids are only unique within a chat",
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"name": "x", "about": {"messages": 3}}', "neither 'messages' nor 'chats.list'"),
        ("[1, 2, 3]", "not a Telegram Desktop export"),
        ("", "empty file"),
        ('{"name": "x", "messages": 5}', "'messages' is not a list"),
        ('{"id": 1, "messages": []} {"id": 2}', "more data after the end"),
        ('{"id": 1, "messages": [], "type": tru }', "invalid JSON"),
    ],
)
def test_not_a_telegram_export(case, tmp_path, content, message):
    path = write(tmp_path, content)
    with pytest.raises(FormatError, match=message) as info:
        import_files(case, "telegram", [path])
    assert info.value.path == str(path)
    if content:
        assert info.value.line is not None


def test_binary_file_is_refused(case, tmp_path):
    path = tmp_path / "result.json"
    path.write_bytes(b"{\x00\x01\x02")
    with pytest.raises(FormatError, match="not a text file"):
        import_files(case, "telegram", [path])


def test_reimport_is_skipped(case, tmp_path):
    path = write(tmp_path, GROUP)
    [first] = import_files(case, "telegram", [path])
    [again] = import_files(case, "telegram", [path])
    assert again.skipped and again.source_id == first.source_id
    assert case.con.execute("SELECT count(*) FROM posts").fetchall()[0][0] == first.loaded


# -- the streaming reader ---------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)


@contextmanager
def chunk_size(size: int):
    """Read files ``size`` bytes at a time, so that values and UTF-8 sequences straddle the chunks."""
    original = jsonstream.CHUNK_BYTES
    jsonstream.CHUNK_BYTES = size
    try:
        yield
    finally:
        jsonstream.CHUNK_BYTES = original


@settings(max_examples=150, deadline=None)
@given(values=st.lists(json_values, max_size=8), chunk=st.integers(1, 40))
def test_stream_reads_every_element_at_its_line(tmp_path_factory, values, chunk):
    lines = []
    doc = '{"k": [1, {"a": "é"}], "items": ['
    for i, value in enumerate(values):
        doc += ("," if i else "") + "\n  "
        lines.append(doc.count("\n") + 1)
        doc += json.dumps(value, indent=1, ensure_ascii=False)
    doc += "\n ]}\n"
    path = tmp_path_factory.mktemp("s") / "doc.json"
    path.write_text(doc, encoding="utf-8")
    seen = []
    with chunk_size(chunk), JsonStream(path) as stream:
        for key in stream.object_keys():
            if key == "items":
                for line in stream.array_items():
                    item = stream.read_item()
                    assert item.error is None
                    assert item.line_no == line
                    assert json.loads(item.raw) == item.value
                    seen.append((item.value, item.line_no))
        assert not stream.finish()
        assert not stream.truncated
    assert seen == list(zip(values, lines, strict=True))


@pytest.mark.parametrize("chunk", [1, 3, 7, 64, 1 << 20])
def test_import_is_the_same_whatever_the_chunk_size(tmp_path, chunk):
    text = dump(GROUP).replace(BOB_REPLY, '"from": Bob,')
    path = tmp_path / "result.json"
    path.write_bytes(text.encode("utf-8").replace(b"Dave", b"D\xc3\xa4ve\xff"))
    with chunk_size(chunk), Case.open(tmp_path / "c.duckdb") as case:
        [result] = import_files(case, "telegram", [path])
        assert (result.loaded, result.quarantined) == (4, 4)
        assert [q[:2] for q in quarantine(case)] == [(n, start_line(text, n)) for n in (2, 4, 5, 7)]


# -- the shared sample -------------------------------------------------------------------------------


@pytest.mark.data
@pytest.mark.skipif(not SAMPLE.is_file(), reason=f"the shared data set is absent ({SAMPLE})")
def test_sample_export(case):
    # 4 messages in one personal chat (id 5965280513), from two accounts, all with date_unixtime.
    [result] = import_files(case, "telegram", [SAMPLE])
    assert (result.loaded, result.quarantined, result.accounts_added) == (4, 0, 2)
    got = posts(case)
    assert list(got) == ["5965280513/1", "5965280513/2", "5965280513/3", "5965280513/4"]
    assert got["5965280513/1"]["account_id"] == "user123450513"
    assert got["5965280513/1"]["text"] == "i refuse to converse with you"
    # date_unixtime 1692821483; 'date' says 13:11:23, the exporting machine's local time (UTC-7).
    assert got["5965280513/1"]["created_at"] == datetime(2023, 8, 23, 20, 11, 23, tzinfo=UTC)
    assert got["5965280513/2"]["account_id"] == "user6565661032"
    # The '{' of each message is on lines 6, 21, 36 and 51 of the file.
    rows = staged(SAMPLE)
    assert [(r["record_no"], r["line_no"]) for r in rows] == [(1, 6), (2, 21), (3, 36), (4, 51)]
    assert json.loads(rows[0]["raw"])["date_unixtime"] == "1692821483"
    names = dict(case.con.execute("SELECT account_id, display_name FROM accounts").fetchall())
    assert names == {"user123450513": "Jimmeny Marvelton", "user6565661032": "Batman & Robin"}


@pytest.mark.parametrize("chunk", [5, 1 << 20])
def test_a_file_cut_anywhere_keeps_every_message_it_started(tmp_path, chunk):
    text = dump(GROUP)
    starts = [text.index(f'"id": {m["id"]},') - len("{\n   ") for m in GROUP["messages"]]
    assert all(text[i] == "{" for i in starts)
    path = tmp_path / "result.json"
    with chunk_size(chunk):
        for cut in range(1, len(text), 1 if chunk > 5 else 7):
            path.write_text(text[:cut], encoding="utf-8")
            rows = staged(path)
            started = sum(1 for i in starts if i < cut)
            assert [r["record_no"] for r in rows] == list(range(1, started + 1)), cut
            if started and cut < text.index("\n  }", starts[started - 1]) + len("\n  }"):
                assert rows[-1]["error"].startswith("truncated record"), cut
            elif started:
                assert not rows[-1].get("error", "").startswith("truncated"), cut
