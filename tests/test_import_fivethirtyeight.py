"""fivethirtyeight-ira: the damaged CSV and the per-author parquet."""

import csv
import io
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from unmask.errors import FormatError
from unmask.ingest import import_files

CSV_COLUMNS = [
    "external_author_id",
    "author",
    "content",
    "region",
    "language",
    "publish_date",
    "harvested_date",
    "following",
    "followers",
    "updates",
    "post_type",
    "account_type",
    "retweet",
    "account_category",
    "new_june_2018",
    "alt_external_id",
    "tweet_id",
    "article_url",
    "tco1_step1",
    "tco2_step1",
    "tco3_step1",
]


def ira_csv(*rows: dict) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in CSV_COLUMNS})
    return buf.getvalue()


def test_csv_recovers_spreadsheet_damaged_ids(case, write) -> None:
    path = write(
        "ira.csv",
        ira_csv(
            {
                "author": "10_GOP",
                "content": "Hello #MAGA",
                "publish_date": "10/1/17 19:58",
                "tweet_id": "9.1458E+17",
                "article_url": "http://twitter.com/905/statuses/914580356430536707",
                "language": "English",
            },
            {
                "author": "10_GOP",
                "content": "Shared  text",
                "publish_date": "10/1/2017 22:43",
                "post_type": "RETWEET",
                "retweet": "1",
                "tweet_id": "914621840496189440",
            },
            {
                "author": "other",
                "content": "shared text",
                "publish_date": "10/2/17 1:00",
                "post_type": "RETWEET",
                "tweet_id": "9.1E+17",
                "article_url": "",
            },
        ),
    )
    [result] = import_files(case, "fivethirtyeight-ira", [path])
    assert (result.loaded, result.quarantined) == (2, 1)
    rows = case.con.execute(
        "SELECT post_id, account_id, created_at, shared_post_id FROM posts ORDER BY 1"
    ).fetchall()
    assert rows[0][:3] == ("914580356430536707", "10_gop", datetime(2017, 10, 1, 19, 58, tzinfo=UTC))
    assert rows[1][2] == datetime(2017, 10, 1, 22, 43, tzinfo=UTC) and rows[1][3].startswith("text:")
    [(field, reason)] = case.con.execute("SELECT field, reason FROM quarantine").fetchall()
    assert field == "tweet_id" and reason.startswith("tweet id damaged")
    assert any("recovered from article_url" in n for n in result.notes)
    assert any("read as UTC" in n for n in result.notes)


def test_parquet_is_read_by_duckdb(case, tmp_path) -> None:
    table = pa.table(
        {
            "author_id": ["a_troll", "a_troll", "b_troll", "b_troll"],
            "content": ["Original #Tag", "Shared Text", "shared   text", "Original #Tag"],
            "region": ["US"] * 4,
            "language": ["English"] * 4,
            "publish_date": pa.array(
                [datetime(2016, 1, 1, 10, 0)] * 3 + [datetime(2016, 1, 1, 10, 0)], pa.timestamp("us")
            ),
            "harvested_date": pa.array([datetime(2016, 1, 1)] * 4, pa.timestamp("us")),
            "following": [1, 1, 2, 2],
            "followers": [3, 3, 4, 4],
            "updates": [1, 2, 1, 2],
            "post_type": ["", "R", "R", ""],
            "retweet": [0, 1, 1, 0],
        }
    )
    path = tmp_path / "ira.parquet"
    pq.write_table(table, path)
    [result] = import_files(case, "fivethirtyeight-ira", [path], timezone="America/New_York")
    assert (result.loaded, result.quarantined) == (4, 0)
    shared = case.con.execute(
        "SELECT DISTINCT shared_post_id FROM posts WHERE shared_post_id IS NOT NULL"
    ).fetchall()
    assert len(shared) == 1  # the two retweets of the same text share one object
    assert case.scalar("SELECT min(created_at) FROM posts") == datetime(2016, 1, 1, 15, 0, tzinfo=UTC)
    assert case.scalar("SELECT hashtags FROM posts WHERE record_no = 1") == ["tag"]


def test_parquet_duplicates_are_quarantined(case, tmp_path) -> None:
    when = pa.array([datetime(2016, 1, 1, 10, 0)] * 2, pa.timestamp("us"))
    path = tmp_path / "ira.parquet"
    pq.write_table(
        pa.table({"author_id": ["a", "a"], "content": ["same", "same"], "publish_date": when}), path
    )
    [result] = import_files(case, "fivethirtyeight-ira", [path])
    assert (result.loaded, result.quarantined) == (1, 1)
    [(record_no, reason, raw)] = case.con.execute("SELECT record_no, reason, raw FROM quarantine").fetchall()
    assert record_no == 2 and reason == "duplicate post id: first at record 1 of this file"
    assert '"text":"same"' in raw and '"account_id":"a"' in raw


def test_parquet_without_required_columns(case, tmp_path) -> None:
    path = tmp_path / "x.parquet"
    pq.write_table(pa.table({"author_id": ["a"]}), path)
    with pytest.raises(FormatError, match="field 'content'"):
        import_files(case, "fivethirtyeight-ira", [path])


def test_not_parquet(case, write) -> None:
    with pytest.raises(FormatError, match="cannot read as parquet"):
        import_files(case, "fivethirtyeight-ira", [write("x.parquet", "hello")])


@pytest.mark.data
def test_shared_damaged_sample(case, shared_data) -> None:
    [result] = import_files(
        case, "fivethirtyeight-ira", [shared_data / "coordination/formats/fivethirtyeight_ira_sample.csv"]
    )
    assert (result.loaded, result.quarantined) == (100, 0)
    assert case.scalar("SELECT count(DISTINCT post_id) FROM posts") == 100
    assert case.scalar("SELECT count(*) FROM posts WHERE shared_post_id LIKE 'text:%'") == 33


@pytest.mark.data
def test_shared_parquet_streams_into_the_case(case, shared_data) -> None:
    [result] = import_files(
        case, "fivethirtyeight-ira", [shared_data / "coordination/ira/ira_tweets_half_a.parquet"]
    )
    assert result.loaded + result.quarantined == 1_296_971
    assert set(result.reasons) <= {"duplicate post id"}
    assert case.scalar("SELECT count(DISTINCT account_id) FROM posts") == 1325
