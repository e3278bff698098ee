"""coortweet: both CooRTweet layouts."""

import gzip
from datetime import UTC, datetime

import pytest

from unmask.errors import FormatError
from unmask.ingest import import_files


def test_shares_layout(case, write) -> None:
    path = write(
        "c.csv",
        "object_id,account_id,content_id,timestamp_share\n"
        "obj1,acc1,c1,1623881091.0\nobj1,acc2,c2,1623881095\nobj2,acc1,c1,1623881099\n,acc3,c3,x\n",
    )
    [result] = import_files(case, "coortweet", [path])
    assert (result.loaded, result.quarantined) == (2, 2)
    assert case.con.execute(
        "SELECT post_id, account_id, shared_post_id, created_at FROM posts ORDER BY 1"
    ).fetchall() == [
        ("c1", "acc1", "obj1", datetime.fromtimestamp(1623881091, UTC)),
        ("c2", "acc2", "obj1", datetime.fromtimestamp(1623881095, UTC)),
    ]
    reasons = [r[0] for r in case.con.execute("SELECT reason FROM quarantine ORDER BY record_no").fetchall()]
    assert reasons == ["duplicate post id: first at record 1 of this file", 'unparseable timestamp "x"']


def test_object_layout_merges_rows_of_a_post(case, write) -> None:
    path = write(
        "g.csv.gz",
        gzip.compress(
            b"account_id,post_id,url_id,hashtag_id,domain_id,phash_id,timestamp\n"
            b"fb_1,p1,u1,,d1,,1629589836.0\n"
            b"fb_1,p1,,h1,,,1629589836.0\n"
            b"fb_1,p1,,h2,,ph9,1629589836.0\n"
            b"tw_2,p2,,,,,1629589900\n"
            b"tw_2,p3,,,,\n"
        ),
    )
    [result] = import_files(case, "coortweet", [path])
    assert (result.loaded, result.quarantined) == (2, 1)
    rows = case.con.execute(
        "SELECT post_id, urls, hashtags, extra::VARCHAR, record_no FROM posts ORDER BY 1"
    ).fetchall()
    assert rows[0][:3] == ("p1", ["u1"], ["h1", "h2"]) and rows[0][4] == 1
    assert '"domain_id":["d1"]' in rows[0][3] and '"phash_id":["ph9"]' in rows[0][3]
    assert rows[1][:3] == ("p2", [], [])
    assert any("5 rows (one per post and object) merged into 3 records" in n for n in result.notes)


def test_neither_layout(case, write) -> None:
    with pytest.raises(FormatError, match="not a CooRTweet table"):
        import_files(case, "coortweet", [write("c.csv", "a,b\n1,2\n")])


@pytest.mark.data
def test_shared_russian_retweets(case, shared_data) -> None:
    [result] = import_files(
        case, "coortweet", [shared_data / "coordination/coortweet/russian_coord_tweets.csv.gz"]
    )
    assert result.loaded + result.quarantined == 35_125
    assert result.loaded == 35_085  # distinct content ids; repeated ones are quarantined as duplicates
    assert case.scalar("SELECT count(DISTINCT shared_post_id) FROM posts") > 7000


@pytest.mark.data
def test_shared_german_elections(case, shared_data) -> None:
    [result] = import_files(
        case, "coortweet", [shared_data / "coordination/coortweet/german_elections.csv.gz"]
    )
    assert result.loaded == 194_323
    assert result.loaded + result.quarantined == 194_326
