"""twitter-io: the Twitter/X Information Operations archive CSV."""

import csv
import io
from datetime import UTC, datetime

import pytest

from unmask.errors import FormatError
from unmask.ingest import import_files
from unmask.ingest.twitter_io import COLUMNS, bracketed_list


def archive(*rows: dict) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in COLUMNS})
    return buf.getvalue()


BASE = {
    "userid": "hash1",
    "user_screen_name": "hash1",
    "user_display_name": "Inside Story",
    "user_reported_location": "Nowhere",
    "follower_count": "12",
    "account_creation_date": "2015-11-06",
    "tweet_language": "en",
    "tweet_time": "2017-08-06 08:15",
    "is_retweet": "false",
}


@pytest.mark.parametrize(
    ("value", "items"),
    [
        ("['SyrianArmy', 'Hama']", ["SyrianArmy", "Hama"]),
        ("[2876420003, 11]", ["2876420003", "11"]),
        ("[]", []),
        ("", None),
        ("['it\\'s', \"a,b\"]", ["it's", "a,b"]),
        ("['http://x.example/a,b']", ["http://x.example/a,b"]),
    ],
)
def test_bracketed_lists_are_tokenised_not_evaluated(value, items) -> None:
    assert bracketed_list(value) == items


def test_fields_map(case, write) -> None:
    path = write(
        "io.csv",
        archive(
            {
                **BASE,
                "tweetid": "1",
                "tweet_text": "New #Convoy https://t.co/x",
                "hashtags": "['Convoy']",
                "urls": "['http://en.site.example/2017/a?utm_source=tw']",
                "user_mentions": "[2876420003]",
            },
            {
                **BASE,
                "tweetid": "2",
                "tweet_text": "RT @a: hi",
                "is_retweet": "true",
                "retweet_tweetid": "1",
                "hashtags": "[]",
                "urls": "[]",
                "user_mentions": "[]",
            },
            {
                **BASE,
                "tweetid": "3",
                "tweet_text": "reply #Blank",
                "in_reply_to_tweetid": "1",
                "quoted_tweet_tweetid": "2",
            },
        ),
    )
    [result] = import_files(case, "twitter-io", [path])
    assert (result.loaded, result.quarantined) == (3, 0)
    rows = case.con.execute(
        "SELECT post_id, account_id, created_at, shared_post_id, reply_to_post_id,"
        " quoted_post_id, urls, hashtags, mentions, lang, platform FROM posts ORDER BY 1"
    ).fetchall()
    t = datetime(2017, 8, 6, 8, 15, tzinfo=UTC)
    assert rows == [
        (
            "1",
            "hash1",
            t,
            None,
            None,
            None,
            ["http://en.site.example/2017/a"],
            ["convoy"],
            ["2876420003"],
            "en",
            "twitter",
        ),
        ("2", "hash1", t, "1", None, None, [], [], [], "en", "twitter"),
        # blank list fields: the archive gives nothing, so entities come from the text
        ("3", "hash1", t, None, "1", "2", [], ["blank"], [], "en", "twitter"),
    ]
    [(handle, name, profile)] = case.con.execute(
        "SELECT handle, display_name, profile FROM accounts"
    ).fetchall()
    assert (handle, name) == ("hash1", "Inside Story") and '"follower_count": "12"' in profile


def test_time_is_utc_whatever_the_timezone_option(case, write) -> None:
    path = write("io.csv", archive({**BASE, "tweetid": "1", "tweet_text": "x"}))
    [result] = import_files(case, "twitter-io", [path], timezone="Asia/Tokyo")
    assert case.scalar("SELECT created_at FROM posts") == datetime(2017, 8, 6, 8, 15, tzinfo=UTC)
    assert result.naive_timestamps == 0


def test_truncated_last_record(case, write) -> None:
    text = archive(
        {**BASE, "tweetid": "1", "tweet_text": "one\ntwo"}, {**BASE, "tweetid": "2", "tweet_text": "x"}
    )
    cut = text[: text.index('"2",') + 40]
    [result] = import_files(case, "twitter-io", [write("io.csv", cut)])
    assert (result.loaded, result.quarantined) == (1, 1)
    [(record_no, line_no, reason)] = case.con.execute(
        "SELECT record_no, line_no, reason FROM quarantine"
    ).fetchall()
    assert (record_no, line_no) == (2, 4) and reason.startswith("truncated record: the file ends inside it")


def test_not_an_archive(case, write) -> None:
    with pytest.raises(FormatError, match="line 1, field 'tweetid': required column missing"):
        import_files(case, "twitter-io", [write("io.csv", "a,b,c\n1,2,3\n")])


@pytest.mark.data
def test_shared_sample_loads_407_and_quarantines_the_cut_record(case, shared_data) -> None:
    path = shared_data / "coordination/formats/twitter_io_archive_sample.csv"
    [result] = import_files(case, "twitter-io", [path])
    assert (result.loaded, result.quarantined) == (407, 1)
    [(record_no, line_no, reason, raw)] = case.con.execute(
        "SELECT record_no, line_no, reason, raw FROM quarantine"
    ).fetchall()
    assert record_no == 408
    # The line where the cut record starts, counted in the file itself.
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[line_no - 1].startswith('"929990851115212800"')
    assert reason == "truncated record: the file ends inside it (wrong field count: expected 31, found 13)"
    assert raw.startswith('"929990851115212800"')
    assert case.scalar("SELECT count(*) FROM posts WHERE shared_post_id IS NOT NULL") == 3
    assert case.scalar("SELECT count(*) FROM posts WHERE 'سورية_النظر_من_الداخل' IN hashtags") > 0
