"""The ``x-api-v2`` reader: X API v2 responses as a JSON document or as JSON Lines (twarc2)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import posts_by_id as posts
from conftest import quarantined as quarantine
from conftest import staged_rows
from unmask.errors import FormatError
from unmask.ingest import import_files
from unmask.ingest.x_api_v2 import XApiV2Reader

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SEARCH = DATA / "samples" / "x_api_v2" / "python-twitter_search_tweets_query.json"
TWARC_SAMPLE = DATA / "samples" / "x_api_v2" / "twarc-csv_mentions_tweet.jsonl"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason=f"the shared data sets are absent ({DATA})")

USERS = [
    {
        "id": "101",
        "username": "alice",
        "name": "Alice A",
        "description": "hi there",
        "location": "Here",
        "created_at": "2010-01-01T00:00:00.000Z",
        "public_metrics": {"followers_count": 5},
    },
    {"id": "102", "username": "bob", "name": "Bob B", "created_at": "2011-01-01T00:00:00.000Z"},
]
ORIGINAL = {
    "id": "1",
    "author_id": "101",
    "created_at": "2023-01-02T03:04:05.000Z",
    "lang": "en",
    "text": "Look https://t.co/a https://t.co/b https://t.co/c #Vote @bob",
    "entities": {
        "urls": [
            {
                "url": "https://t.co/a",
                "expanded_url": "https://bit.ly/x",
                "unwound_url": "https://example.com/final?utm_source=tw",
            },
            {"url": "https://t.co/b", "expanded_url": "https://example.org/b"},
            {"url": "https://t.co/c"},
        ],
        "hashtags": [{"start": 50, "end": 55, "tag": "Vote"}],
        "mentions": [{"start": 56, "end": 60, "username": "bob", "id": "102"}],
    },
}
RETWEET = {
    "id": "2",
    "author_id": "102",
    "created_at": "2023-01-02T03:05:00.000Z",
    "lang": "en",
    "text": "RT @carol: the full text of this is in includes.tweets and it is cut h…",
    "referenced_tweets": [{"type": "retweeted", "id": "900"}],
    "entities": {"mentions": [{"username": "carol", "id": "105"}]},
}
QUOTE_REPLY = {
    "id": "3",
    "author_id": "101",
    "created_at": "2023-01-02T03:06:00.000Z",
    "lang": "en",
    "text": "@bob quoting this",
    "referenced_tweets": [{"type": "quoted", "id": "901"}, {"type": "replied_to", "id": "2"}],
    "entities": {"mentions": [{"username": "bob", "id": "102"}]},
}
NO_ENTITIES = {
    "id": "4",
    "author_id": "103",
    "created_at": "2023-01-02T03:07:00.000Z",
    "text": "#FromText by @dave see www.example.net/p",
}
NO_ID = {"author_id": "101", "created_at": "2023-01-02T03:08:00.000Z", "text": "lost id"}
REFERENCED = [
    {
        "id": "900",
        "author_id": "105",
        "text": "the full text of this is in includes.tweets and it is cut here",
    },
    {"id": "901", "author_id": "105", "text": "quoted one"},
    {"id": "2", "author_id": "102", "text": RETWEET["text"]},  # also in data: loaded from there
]
RESPONSE = {
    "data": [ORIGINAL, RETWEET, QUOTE_REPLY, NO_ENTITIES, NO_ID, "oops"],
    "includes": {"users": USERS, "tweets": REFERENCED},
    "meta": {"result_count": 6, "newest_id": "4", "oldest_id": "1"},
}
ERRORS_ONLY = {
    "errors": [
        {"resource_id": "5", "title": "Not Found Error", "detail": "Could not find tweet with ids: [5]."},
        {"resource_id": "6", "title": "Authorization Error"},
    ]
}
TWARC_META = {"url": "https://api.twitter.com/2/tweets/search/recent?query=x", "version": "2.13.0"}


def staged(path: Path) -> list[dict]:
    return staged_rows(XApiV2Reader(), path)


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_document_maps_every_field(case, tmp_path):
    path = tmp_path / "search.json"
    path.write_text(json.dumps([RESPONSE, ERRORS_ONLY], indent=2, ensure_ascii=False), encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    [result] = import_files(case, "x-api-v2", [path])
    assert (result.loaded, result.quarantined) == (4, 2)
    got = posts(case)
    assert list(got) == ["1", "2", "3", "4"]

    first = got["1"]
    assert (first["platform"], first["account_id"], first["lang"]) == ("twitter", "101", "en")
    assert first["created_at"] == datetime(2023, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert first["text"] == ORIGINAL["text"]
    assert first["urls_original"] == [
        "https://example.com/final?utm_source=tw",  # unwound over expanded over t.co
        "https://example.org/b",
        "https://t.co/c",
    ]
    assert first["urls"] == ["https://example.com/final", "https://example.org/b", "https://t.co/c"]
    assert (first["hashtags"], first["mentions"]) == (["vote"], ["bob"])
    assert first["shared_post_id"] is first["quoted_post_id"] is first["reply_to_post_id"] is None

    retweet = got["2"]
    assert retweet["shared_post_id"] == "900"
    assert retweet["text"] == RETWEET["text"]  # the retweet's own (cut) text
    assert (retweet["urls"], retweet["hashtags"], retweet["mentions"]) == ([], [], ["carol"])

    assert (got["3"]["quoted_post_id"], got["3"]["reply_to_post_id"]) == ("901", "2")

    # No entities at all: the lists come from the text.
    assert (got["4"]["hashtags"], got["4"]["mentions"]) == (["fromtext"], ["dave"])
    assert got["4"]["urls_original"] == ["www.example.net/p"]

    assert quarantine(case) == [
        (5, line_of(text, '"text": "lost id"') - 3, "post_id", "missing post id"),
        (6, line_of(text, '"oops"'), None, "not a JSON object (a tweet)"),
    ]
    raw = case.con.execute("SELECT raw FROM quarantine WHERE record_no = 5").fetchall()[0][0]
    assert json.loads(raw) == NO_ID

    accounts = {
        a[0]: a[1:]
        for a in case.con.execute("SELECT account_id, handle, display_name, profile FROM accounts").fetchall()
    }
    assert set(accounts) == {"101", "102", "103"}
    assert accounts["101"][:2] == ("alice", "Alice A")
    assert json.loads(accounts["101"][2]) == {
        "description": "hi there",
        "location": "Here",
        "created_at": "2010-01-01T00:00:00.000Z",
        "public_metrics": {"followers_count": 5},
    }
    assert accounts["103"] == (None, None, None)
    assert result.notes == [
        "2 referenced tweets in includes.tweets were not loaded as posts: the query did not collect them "
        "(their ids are kept as shared, quoted or replied-to ids)",
        '1 retweets: their text is the retweet\'s own, cut "RT @user: …"; the full text is in '
        "includes.tweets, not loaded",
        "2 API error objects (deleted, protected or missing tweets) skipped: they are not tweets",
        "1 tweets whose author is not in includes.users: no handle or display name",
    ]


def test_document_lines_of_tweets(tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps(RESPONSE, indent=4), encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    rows = staged(path)
    assert [r["record_no"] for r in rows] == [1, 2, 3, 4, 5, 6]
    # the '{' of each tweet is on the line before its "id" (the first in data, includes come after)
    assert [r["line_no"] for r in rows[:4]] == [
        line_of(text, f'"id": "{n}",') - 1 for n in ("1", "2", "3", "4")
    ]
    assert json.loads(rows[0]["raw"]) == ORIGINAL


def test_includes_before_data_and_concatenated_responses(case, tmp_path):
    first = {"includes": {"users": USERS}, "data": {**ORIGINAL}}
    second = {"data": [QUOTE_REPLY], "includes": {"users": USERS}}
    path = tmp_path / "jq.json"  # `jq .` output: pretty-printed responses one after the other
    path.write_text(
        json.dumps(first, indent=2) + "\n" + json.dumps(second, indent=2) + "\n", encoding="utf-8"
    )
    [result] = import_files(case, "x-api-v2", [path])
    assert (result.loaded, result.quarantined) == (2, 0)
    assert case.con.execute("SELECT handle FROM accounts").fetchall() == [("alice",)]


def test_list_of_bare_tweets(case, tmp_path):
    path = tmp_path / "tweets.json"
    path.write_text(json.dumps([ORIGINAL, {**RETWEET, "author": USERS[1]}], indent=1), encoding="utf-8")
    [result] = import_files(case, "x-api-v2", [path])
    assert (result.loaded, result.quarantined) == (2, 0)
    assert case.con.execute("SELECT account_id, handle FROM accounts ORDER BY 1").fetchall() == [
        ("101", None),
        ("102", "bob"),
    ]


def test_json_lines_of_responses_and_bare_tweets(case, tmp_path):
    flat = {
        "id": "8",
        "author_id": "104",
        "created_at": "2023-01-02T04:00:00.000Z",
        "text": "flat tweet",
        "author": {"id": "104", "username": "erin", "name": "Erin E", "location": "There"},
        "__twarc": TWARC_META,
    }
    lines = [
        json.dumps({"data": [ORIGINAL, RETWEET], "includes": {"users": USERS}, "__twarc": TWARC_META}),
        '{"data": [{"id": "7", "text": "broken',
        json.dumps(flat),
        "",
        json.dumps({**ERRORS_ONLY, "__twarc": TWARC_META}),
        json.dumps({"data": {**QUOTE_REPLY, "id": "9"}, "includes": {"users": USERS[:1]}}),
    ]
    path = tmp_path / "twarc.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    [result] = import_files(case, "x-api-v2", [path])
    assert (result.loaded, result.quarantined) == (4, 1)
    got = posts(case)
    assert [(p, got[p]["record_no"]) for p in got] == [("1", 1), ("2", 2), ("8", 4), ("9", 5)]
    [(record_no, line_no, field, reason)] = quarantine(case)
    assert (record_no, line_no, field) == (3, 2, None)
    assert reason.startswith("invalid JSON: ")
    erin = case.con.execute(
        "SELECT handle, display_name, profile FROM accounts WHERE account_id = '104'"
    ).fetchall()
    assert erin[0][:2] == ("erin", "Erin E")
    assert json.loads(erin[0][2]) == {"location": "There"}
    assert [(r["record_no"], r["line_no"]) for r in staged(path)] == [(1, 1), (2, 1), (3, 2), (4, 3), (5, 6)]
    assert (
        "2 API error objects (deleted, protected or missing tweets) skipped: they are not tweets"
        in result.notes
    )


def test_invalid_tweet_inside_a_document_is_quarantined(case, tmp_path):
    text = json.dumps(RESPONSE, indent=2).replace('"text": "@bob quoting this"', '"text": @bob quoting this')
    path = tmp_path / "broken.json"
    path.write_text(text, encoding="utf-8")
    [result] = import_files(case, "x-api-v2", [path])
    assert (result.loaded, result.quarantined) == (3, 3)
    assert quarantine(case)[0] == (
        3,
        line_of(text, '"id": "3"') - 1,
        None,
        f"invalid JSON: Expecting value on line {line_of(text, '@bob quoting this')}",
    )
    assert case.con.execute("SELECT handle FROM accounts WHERE account_id = '102'").fetchall() == [("bob",)]


def test_truncated_document(case, tmp_path):
    text = json.dumps(RESPONSE, indent=2)
    path = tmp_path / "cut.json"
    path.write_text(text[: text.index("quoting this")], encoding="utf-8")
    [result] = import_files(case, "x-api-v2", [path])
    assert (result.loaded, result.quarantined) == (2, 1)
    [(record_no, line_no, _, reason)] = quarantine(case)
    assert (record_no, line_no) == (3, line_of(text, '"id": "3"') - 1)
    assert reason.startswith("truncated record: the file ends inside it")
    assert any("it was cut" in note for note in result.notes)
    # includes came after the cut: no handles, and the notes say so
    assert "2 tweets whose author is not in includes.users: no handle or display name" in result.notes


def test_tweet_fields_of_unexpected_types(case, tmp_path):
    bad = [
        {**ORIGINAL, "id": "10", "text": ["not", "text"]},
        {**ORIGINAL, "id": "11", "entities": "none"},
        {**ORIGINAL, "id": "12", "referenced_tweets": {"type": "quoted"}},
        {**ORIGINAL, "id": 13},  # a number: read as the string "13"
    ]
    path = tmp_path / "types.jsonl"
    path.write_text("\n".join(json.dumps(t) for t in bad) + "\n", encoding="utf-8")
    [result] = import_files(case, "x-api-v2", [path])
    assert (result.loaded, result.quarantined) == (1, 3)
    assert [q[2:] for q in quarantine(case)] == [
        ("text", "field 'text' has an unexpected type"),
        ("entities", "field 'entities' has an unexpected type"),
        ("referenced_tweets", "field 'referenced_tweets' has an unexpected type"),
    ]
    assert list(posts(case)) == ["13"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.json", '{"foo": 1, "bar": [1, 2]}', "not X API v2 output"),
        ("a.jsonl", '{"foo": 1}\n{"data": []}\n', "not X API v2 output"),
        ("a.json", "[1, 2]", "not X API v2 output"),
        ("a.json", "hello", "not JSON"),
        ("a.json", "", "empty file"),
        (
            "result.json",
            '{\n "name": "chat",\n "type": "personal_chat",\n "id": 5,\n "messages": []\n}',
            "not X API",
        ),
        ("a.json", '{"data": [], "meta": {"x": tru }}', "invalid JSON"),
    ],
)
def test_not_x_api_v2(case, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FormatError, match=message) as info:
        import_files(case, "x-api-v2", [path])
    assert info.value.path == str(path)
    if content:
        assert info.value.line is not None


def test_later_unrecognised_value_is_quarantined(case, tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        json.dumps({"data": [ORIGINAL]}) + "\n" + json.dumps({"foo": 1}) + "\n[1]\n", encoding="utf-8"
    )
    [result] = import_files(case, "x-api-v2", [path])
    assert (result.loaded, result.quarantined) == (1, 2)
    assert [q[:2] for q in quarantine(case)] == [(2, 2), (3, 3)]
    assert quarantine(case)[0][3] == "a JSON object that is neither an API response nor a tweet"


def test_reimport_is_skipped(case, tmp_path):
    path = tmp_path / "search.json"
    path.write_text(json.dumps(RESPONSE), encoding="utf-8")
    [first] = import_files(case, "x-api-v2", [path])
    [again] = import_files(case, "x-api-v2", [path])
    assert again.skipped and again.source_id == first.source_id
    assert case.con.execute("SELECT count(*) FROM posts").fetchall()[0][0] == first.loaded == 4


def test_duplicate_tweet_in_two_pages_is_quarantined(case, tmp_path):
    page = {"data": [ORIGINAL], "includes": {"users": USERS}}
    path = tmp_path / "pages.jsonl"
    path.write_text(json.dumps(page) + "\n" + json.dumps(copy.deepcopy(page)) + "\n", encoding="utf-8")
    [result] = import_files(case, "x-api-v2", [path])
    assert (result.loaded, result.quarantined) == (1, 1)
    assert quarantine(case)[0][:2] == (2, 2)
    assert quarantine(case)[0][3].startswith("duplicate post id: first at record 1")


# -- the shared samples ------------------------------------------------------------------------------


@pytest.mark.data
@needs_data
def test_sample_search_response(case):
    # The documented recent-search response: 4 tweets in data, all replies; 3 users; includes.tweets holds
    # 3 referenced tweets, one of which (1275653067283759104) is also in data.
    [result] = import_files(case, "x-api-v2", [SEARCH])
    assert (result.loaded, result.quarantined, result.accounts_added) == (4, 0, 3)
    got = posts(case)
    assert list(got) == [
        "1276035977375477760",
        "1275882613572583424",
        "1275763727908798470",
        "1275653067283759104",
    ]
    first = got["1276035977375477760"]
    assert first["account_id"] == "63046977"
    assert first["reply_to_post_id"] == "1275653067283759104"
    assert first["mentions"] == ["snowman"]
    assert first["urls"] == ["https://twitter.com/happycamper/status/1276035977375477760/photo/1"]
    assert first["created_at"] == datetime(2020, 6, 25, 6, 14, 19, tzinfo=UTC)
    assert got["1275763727908798470"]["lang"] == "und"
    handles = dict(case.con.execute("SELECT account_id, handle FROM accounts").fetchall())
    assert handles == {"63046977": "happycamper", "17200003": "snowman", "196883832": "jellybeanjones"}
    assert result.notes[0].startswith("2 referenced tweets in includes.tweets were not loaded")
    # Each tweet object opens on lines 3, 45, 61 and 108 of the file.
    assert [r["line_no"] for r in staged(SEARCH)] == [3, 45, 61, 108]


@pytest.mark.data
@needs_data
def test_sample_twarc_line(case):
    # One twarc2 line: a retweet by BaldManGamer (68401342) of 1589671906718134272 by S3NT1N3L17.
    [result] = import_files(case, "x-api-v2", [TWARC_SAMPLE])
    assert (result.loaded, result.quarantined, result.accounts_added) == (1, 0, 1)
    [post] = posts(case).values()
    assert post["post_id"] == "1589681856941002753"
    assert post["shared_post_id"] == "1589671906718134272"
    assert post["text"].startswith("RT @S3NT1N3L17: Looking for gaming mutuals")
    assert post["mentions"] == ["s3nt1n3l17"]
    assert post["created_at"] == datetime(2022, 11, 7, 18, 11, 4, tzinfo=UTC)
    [(handle, name, profile)] = case.con.execute(
        "SELECT handle, display_name, profile FROM accounts"
    ).fetchall()
    assert (handle, name) == ("BaldManGamer", "BmG")
    assert json.loads(profile)["location"] == "North West, England"
    assert [(r["record_no"], r["line_no"]) for r in staged(TWARC_SAMPLE)] == [(1, 1)]
