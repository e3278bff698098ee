"""persona rhythm: the weekly histogram, the UTC offset, office-hours score and two-operator test on
simulated personas, and reading a byline's or an account's times from a case (with the refusal of times
whose zone is unknown)."""

import itertools
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from sklearn.base import clone
from typer.testing import CliRunner

from unmask.case import Case
from unmask.cli import app
from unmask.errors import OptionError
from unmask.ingest import import_files
from unmask.persona.rhythm import (
    DEFAULT_OFFSETS,
    MIXTURE_MIN_DAYS,
    RhythmEstimator,
    SubjectTimes,
    activity_histogram,
    diurnal_template,
    mixture_threshold,
    refusal,
    subject_times,
)

HOUR_US = 3_600_000_000
START = np.datetime64("2024-01-01", "D")  # a Monday


def local_times(days: np.ndarray, local_hours: np.ndarray, offset: float) -> np.ndarray:
    """UTC datetime64[us] of events at ``local_hours`` on local ``days`` in UTC+``offset``."""
    return days.astype("datetime64[us]") + ((local_hours - offset) * HOUR_US).astype("timedelta64[us]")


def office(seed: int, *, offset: float = 3.0, n: int = 300, weeks: int = 10, workdays=range(5)) -> np.ndarray:
    """An operation working 09:00-18:00 local on ``workdays`` (Monday = 0), ``n`` events over ``weeks``."""
    rng = np.random.default_rng(seed)
    days = np.arange(START, START + 7 * weeks)
    days = days[np.isin((days.astype(np.int64) + 3) % 7, list(workdays))]
    return local_times(rng.choice(days, n), rng.uniform(9, 18, n), offset)


def organic(seed: int, *, offset: float = -5.0, n: int = 400, weeks: int = 10) -> np.ndarray:
    """A person posting every day, most in the evening, asleep 01:00-07:00 local."""
    rng = np.random.default_rng(seed)
    weights = np.repeat([1.0, 2.0, 4.0], [5, 6, 7])  # 07-12, 12-18, 18-01 local
    hours = 7 + rng.choice(18, n, p=weights / weights.sum()) + rng.uniform(0, 1, n)
    return local_times(rng.choice(np.arange(START, START + 7 * weeks), n), hours, offset)


# -- the histogram -----------------------------------------------------------------------------------------


def test_histogram_places_weekday_and_hour() -> None:
    times = np.array(
        ["2024-01-01T00:30", "2024-01-03T12:00", "2024-01-03T12:59:59", "2024-01-07T23:59", "NaT"],
        dtype="datetime64[s]",
    )
    hist = activity_histogram(times)
    assert hist.shape == (7, 24) and np.issubdtype(hist.dtype, np.integer)
    assert (hist[0, 0], hist[2, 12], hist[6, 23]) == (1, 2, 1)
    assert hist.sum() == 4  # NaT skipped
    assert activity_histogram(np.array([], dtype="datetime64[us]")).sum() == 0


@pytest.mark.parametrize(
    ("utc", "offset", "cell"),
    [
        ("2024-01-01T23:40", 5.5, (1, 5)),  # Monday 23:40 UTC is Tuesday 05:10 in India
        ("2024-01-01T02:00", -3.5, (6, 22)),  # back over the week's start: Sunday 22:30
        ("2024-01-07T18:20", 5.75, (0, 0)),  # Sunday 18:20 UTC is Monday 00:05 in Nepal
        ("2024-01-03T10:00", 0.0, (2, 10)),
    ],
)
def test_histogram_shifts_by_fractional_offsets(utc: str, offset: float, cell: tuple[int, int]) -> None:
    hist = activity_histogram(np.array([utc], dtype="datetime64[us]"), offset)
    assert hist[cell] == 1 and hist.sum() == 1


def test_histogram_reads_pyarrow_timestamps() -> None:
    values = [np.datetime64("2024-01-02T07:15", "us").astype(object), None]
    zoned = pa.array(values, type=pa.timestamp("us", tz="UTC"))
    nanos = pa.chunked_array([pa.array(values, type=pa.timestamp("ns"))])
    for array in (zoned, nanos):
        hist = activity_histogram(array)
        assert hist[1, 7] == 1 and hist.sum() == 1
    with pytest.raises(TypeError, match="timestamps"):
        activity_histogram(pa.array([1, 2]))
    with pytest.raises(TypeError, match="datetime64"):
        activity_histogram(np.array([1.5]))


def test_template_sleeps_at_night() -> None:
    rates = diurnal_template(np.arange(24) + 0.5)
    assert rates[3:6].max() < 0.1 < 0.9 < rates[9:18].min()
    assert np.allclose(diurnal_template(np.array([3.0, 27.0, -21.0])), diurnal_template(3.0))


# -- the estimate ------------------------------------------------------------------------------------------


def test_an_office_in_utc_plus_3_is_placed_and_scores_high() -> None:
    est = RhythmEstimator().fit(office(0))
    assert est.utc_offset_hours_ == 3.0 and est.offset_determined_
    low, high = est.offset_interval_
    assert low <= 3.0 <= high and high - low <= 2
    assert est.office_hours_score_ > 0.8 and est.office_hours_interval_[0] > 0.6
    assert est.warnings_ == []
    assert (est.n_events_, est.histogram_.sum(), est.histogram_local_.sum()) == (300, 300, 300)
    assert est.histogram_local_[5:].sum() == 0 and est.histogram_local_[:, 9:18].sum() == 300
    assert est.histogram_[:, 6:15].sum() == 300  # UTC: 09-18 in UTC+3 is 06-15
    assert 40 <= est.n_days_ <= 50
    assert est.posterior_.shape == est.offsets_.shape and est.posterior_.sum() == pytest.approx(1.0)
    assert est.offsets_[np.argmax(est.posterior_)] == 3.0


def test_an_organic_user_in_utc_minus_5_is_placed_and_scores_low() -> None:
    est = RhythmEstimator().fit(organic(1))
    assert abs(est.utc_offset_hours_ + 5.0) <= 1.0 and est.offset_determined_
    assert est.offset_interval_[0] <= est.utc_offset_hours_ <= est.offset_interval_[1]
    assert est.office_hours_score_ < 0.2 and est.office_hours_interval_[1] < 0.4
    assert est.warnings_ == []


def test_flat_activity_leaves_the_offset_undetermined() -> None:
    rng = np.random.default_rng(2)
    times = START.astype("datetime64[us]") + (rng.uniform(0, 70 * 24, 500) * HOUR_US).astype(
        "timedelta64[us]"
    )
    est = RhythmEstimator().fit(times)
    assert not est.offset_determined_
    low, high = est.offset_interval_
    assert high - low == 24.0 and low <= est.utc_offset_hours_ <= high
    assert any("undetermined" in w for w in est.warnings_)
    assert est.office_hours_score_ < 0.2
    assert est.describe()[0].startswith("UTC offset undetermined")


def test_few_events_give_a_warning_but_an_estimate() -> None:
    est = RhythmEstimator().fit(office(3, n=12, weeks=1))
    assert est.n_events_ == 12 and est.n_days_ <= 5
    assert any("only 12 events (fewer than 30)" in w for w in est.warnings_)
    assert any(f"only {est.n_days_} active days" in w for w in est.warnings_)
    assert any("no weekend day" in w for w in est.warnings_)  # Monday to Friday only
    assert 0.0 <= est.office_hours_score_ <= 1.0
    with pytest.raises(ValueError, match="no times"):
        RhythmEstimator().fit(np.array([], dtype="datetime64[us]"))


def test_the_weekend_is_a_parameter() -> None:
    times = office(4, offset=4.0, workdays=(6, 0, 1, 2, 3))  # Sunday to Thursday, as in the Gulf
    friday_saturday = RhythmEstimator(weekend=(4, 5)).fit(times)
    assert friday_saturday.utc_offset_hours_ == 4.0
    assert friday_saturday.office_hours_score_ > 0.8
    assert RhythmEstimator().fit(times).office_hours_score_ < friday_saturday.office_hours_score_ - 0.3
    assert "follows Sunday–Thursday working hours" in friday_saturday.describe()[1]


def test_offsets_a_day_apart_are_one_candidate_and_the_date_line_wraps() -> None:
    est = RhythmEstimator(offsets=[13, -11, 12, -12, 11, 10]).fit(office(5, offset=12.0))
    assert est.offsets_.tolist() == [-11.0, 10.0, 11.0, 12.0]
    assert est.utc_offset_hours_ == 12.0
    assert est.offset_interval_[0] <= 12.0 <= est.offset_interval_[1]
    assert "most likely UTC+12:00 (the same clock hours as UTC-12:00)" in est.describe()[0]
    with pytest.raises(ValueError, match="quarter hours"):
        RhythmEstimator(offsets=[5.6]).fit(office(5))
    assert {5.75, -3.5, 14.0, -12.0} <= set(DEFAULT_OFFSETS)


def test_the_estimate_is_a_reproducible_sklearn_estimator() -> None:
    times = organic(6, n=150)
    a = RhythmEstimator(n_bootstrap=50, random_state=7).fit(times)
    b = clone(a).fit(times)
    assert a.get_params()["n_bootstrap"] == 50
    assert (a.offset_interval_, a.office_hours_interval_) == (b.offset_interval_, b.office_hours_interval_)
    assert np.array_equal(a.posterior_, b.posterior_)
    assert not hasattr(RhythmEstimator(), "utc_offset_hours_")


def test_to_dict_and_describe() -> None:
    est = RhythmEstimator().fit(office(0))
    data = json.loads(json.dumps(est.to_dict("Jane Roe")))
    assert data["subject"] == "Jane Roe" and data["histogram_zone"] == "UTC"
    assert data["utc_offset_hours"] == 3.0 and data["offset_interval"][0] <= 3.0 <= data["offset_interval"][1]
    assert np.array(data["histogram"]).shape == (7, 24) and sum(map(sum, data["histogram"])) == 300
    assert all(isinstance(v, int) for row in data["histogram"] for v in row)
    assert set(data) >= {
        "office_hours_score",
        "office_hours_interval",
        "n_events",
        "n_days",
        "mixture",
        "warnings",
        "method",
    }
    assert set(data["mixture"]) == {
        "flag",
        "reason",
        "first_offset",
        "second_offset",
        "share",
        "statistic",
        "threshold",
        "false_flag_rate",
    }
    lines = est.describe("posts")
    assert lines[0].startswith("most likely UTC+03:00 (90 % interval UTC+")
    assert f"from 300 posts on {est.n_days_} days" in lines[0]
    assert lines[1].startswith("office-hours score ") and "Monday–Friday working hours" in lines[1]


# -- two operators ----------------------------------------------------------------------------------------


def two_operators(seed: int, *, weeks: int = 8, per_day: int = 20) -> np.ndarray:
    """Operators in UTC+3 and UTC-5 (8 h apart) taking turns by week, each awake 07:00-01:00 local."""
    rng = np.random.default_rng(seed)
    days = np.repeat(np.arange(START, START + 7 * weeks), per_day)
    offset = np.where((days - START).astype(np.int64) // 7 % 2 == 0, 3.0, -5.0)
    return np.sort(local_times(days, rng.uniform(7, 25, days.size), offset))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_operators_8_hours_apart_are_flagged(seed: int) -> None:
    est = RhythmEstimator().fit(two_operators(seed))
    mix = est.mixture_
    assert mix.reason is None and mix.flag
    assert mix.statistic > mix.threshold == mixture_threshold(est.n_days_)
    assert abs(abs(mix.second_offset - mix.first_offset) - 8.0) <= 1.0
    assert min(abs(mix.first_offset + 5.0), abs(mix.first_offset - 3.0)) <= 1.0
    assert mix.share == pytest.approx(0.5, abs=0.15) and mix.false_flag_rate == 0.05
    assert any("two clocks" in w for w in est.warnings_)
    line = next(x for x in est.describe("posts") if x.startswith("two clocks: "))
    assert "of the active days" in line and "5 % false flags" in line


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_operator_is_not_flagged(seed: int) -> None:
    # The same days and hours as above, all at UTC+3; and a 9-to-6 office.
    rng = np.random.default_rng(seed)
    days = np.repeat(np.arange(START, START + 56), 20)
    for times in (local_times(days, rng.uniform(7, 25, days.size), 3.0), office(seed, n=600)):
        est = RhythmEstimator().fit(times)
        assert est.n_days_ >= MIXTURE_MIN_DAYS and est.mixture_.reason is None
        assert not est.mixture_.flag and est.mixture_.statistic < est.mixture_.threshold
        assert not any("two clocks" in w for w in est.warnings_)
        assert any(x.startswith("two-operator test: no second clock") for x in est.describe())


def test_the_two_operator_test_abstains_on_too_few_days() -> None:
    times = two_operators(0)
    est = RhythmEstimator().fit(times[times < np.datetime64("2024-01-19")])  # 18 days, two turns
    mix = est.mixture_
    assert est.n_days_ < MIXTURE_MIN_DAYS
    assert not mix.flag and mix.statistic is None and mix.threshold is None
    assert (
        mix.reason
        == f"only {est.n_days_} active days (fewer than 20): too few to tell two operators from one"
    )
    assert f"two-operator test not made: {mix.reason}" in est.describe()
    assert (
        RhythmEstimator(offsets=[0, 1, 2]).fit(times).mixture_.reason
        == "no two candidate offsets 3 hours apart"
    )


def test_the_two_operator_test_abstains_on_a_post_or_two_a_day() -> None:
    """Unmixed accounts this sparse were falsely flagged 12-21 % of the time (IRA test half)."""
    est = RhythmEstimator().fit(two_operators(0, per_day=2))
    assert est.n_days_ >= MIXTURE_MIN_DAYS and not est.mixture_.flag
    assert "active quarter hours a day on average (fewer than 3)" in est.mixture_.reason


def test_the_cut_falls_with_the_days_and_stays_outside_the_table() -> None:
    cuts = [mixture_threshold(n) for n in (20, 22, 40, 100, 164, 1000)]
    assert cuts[0] == cuts[1] and cuts[-2] == cuts[-1]
    assert all(a >= b for a, b in itertools.pairwise(cuts)) and cuts[0] > cuts[-1]


def test_the_cli_shows_the_two_operator_test(tmp_path: Path) -> None:
    times = two_operators(0, weeks=6)
    path = tmp_path / "posts.csv"
    path.write_text(
        POSTS_HEADER
        + "".join(f"{i},op,{np.datetime_as_string(t, unit='s')}Z,hi,,\n" for i, t in enumerate(times))
    )
    case = str(tmp_path / "c.duckdb")
    assert CliRunner().invoke(app, ["import", "posts-csv", str(path), "--case", case]).exit_code == 0
    shown = CliRunner().invoke(app, ["persona", "rhythm", "--case", case, "--account", "op"])
    assert shown.exit_code == 0, shown.output
    assert "two clocks: " in shown.output and "5 % false flags" in " ".join(shown.output.split())
    data = json.loads(
        CliRunner().invoke(app, ["persona", "rhythm", "--case", case, "--account", "op", "--json"]).output
    )
    mix = data["mixture"]
    assert mix["flag"] is True and mix["reason"] is None and mix["false_flag_rate"] == 0.05
    assert (
        mix["statistic"] > mix["threshold"] and abs(abs(mix["second_offset"] - mix["first_offset"]) - 8) <= 1
    )
    assert 0.0 < mix["share"] <= 0.5


# -- times from a case -------------------------------------------------------------------------------------


def articles(path: Path, stamps: list[str | None], byline: str = "Jane Roe", prefix: str = "d") -> Path:
    rows = []
    for i, stamp in enumerate(stamps):
        row = {"id": f"{prefix}{i}", "byline": byline, "text": f"text number {i}"}
        if stamp is not None:
            row["published_at"] = stamp
        rows.append(json.dumps(row) + "\n")
    path.write_text("".join(rows), encoding="utf-8")
    return path


@pytest.fixture
def case(tmp_path: Path):
    with Case.open(tmp_path / "c.duckdb") as c:
        yield c


def test_zone_less_times_imported_without_a_zone_are_refused(case: Case, tmp_path: Path) -> None:
    path = articles(tmp_path / "a.jsonl", ["2024-01-01T10:00:00", "2024-01-02 11:30", "2024-01-03"])
    import_files(case, "articles", [path])
    got = subject_times(case, byline="Jane   Roe")
    assert got.subject == "Jane Roe" and got.kind == "documents"
    assert got.unknown_zone_sources == [str(path)] and got.dropped_date_only == 1
    message = refusal(got)
    assert message is not None and str(path) in message and "--timezone ZONE" in message


def test_a_stated_zone_is_read_and_not_refused(case: Case, tmp_path: Path) -> None:
    path = articles(tmp_path / "a.jsonl", ["2024-01-01T10:00:00", "2024-07-01 10:00", "2024-01-05"])
    import_files(case, "articles", [path], timezone="Europe/Berlin")
    got = subject_times(case, byline="Jane Roe")
    assert refusal(got) is None and got.unknown_zone_sources == []
    assert got.times.dtype == np.dtype("datetime64[us]")
    assert got.times.tolist() == [
        np.datetime64("2024-01-01T09:00", "us").astype(object),  # CET
        np.datetime64("2024-07-01T08:00", "us").astype(object),  # CEST
    ]
    assert got.dropped_date_only == 1


def test_zoned_times_need_no_stated_zone_and_dates_alone_do_not_refuse(case: Case, tmp_path: Path) -> None:
    # A date alone is naive too, but it is dropped from the hours, so it cannot make them unreadable.
    path = articles(
        tmp_path / "a.jsonl",
        ["2024-01-01T10:00:00Z", "2024-01-02T12:00:00+02:00", "2024-01-03", "1704276000", None],
    )
    import_files(case, "articles", [path])
    got = subject_times(case, byline="Jane Roe")
    assert refusal(got) is None
    assert got.dropped_date_only == 1
    assert [str(t) for t in got.times] == [
        "2024-01-01T10:00:00.000000",
        "2024-01-02T10:00:00.000000",
        "2024-01-03T10:00:00.000000",
    ]


def test_only_the_source_without_a_zone_is_named(case: Case, tmp_path: Path) -> None:
    stated = articles(tmp_path / "stated.jsonl", ["2024-01-01T10:00:00"], prefix="s")
    unstated = articles(tmp_path / "unstated.jsonl", ["2024-01-02T10:00:00"], prefix="u")
    import_files(case, "articles", [stated], timezone="UTC")
    import_files(case, "articles", [unstated])
    got = subject_times(case, byline="Jane Roe")
    assert got.unknown_zone_sources == [str(unstated)] and len(got.times) == 2


def test_bylines_without_timed_documents_are_errors(case: Case, tmp_path: Path) -> None:
    import_files(case, "articles", [articles(tmp_path / "a.jsonl", ["2024-01-03", None])])
    with pytest.raises(OptionError, match="none with a time of day"):
        subject_times(case, byline="Jane Roe")
    with pytest.raises(OptionError, match="no documents under the byline 'Nobody'"):
        subject_times(case, byline="Nobody")
    with pytest.raises(OptionError, match="a byline or an account"):
        subject_times(case, byline="Jane Roe", account="x")
    with pytest.raises(OptionError, match="a byline or an account"):
        subject_times(case)


POSTS_HEADER = "post_id,account_id,created_at,text,shared_post_id,platform\n"


def test_posts_without_a_zone_are_refused_unless_stated(case: Case, tmp_path: Path) -> None:
    naive = tmp_path / "naive.csv"
    naive.write_text(POSTS_HEADER + "1,alice,2024-01-01 10:00,hi,,\n2,alice,2024-01-02 11:00,,1,\n")
    import_files(case, "posts-csv", [naive])
    got = subject_times(case, account="alice")
    assert got.subject == "generic:alice" and got.kind == "posts"
    assert len(got.times) == 2  # a share is activity too
    assert got.unknown_zone_sources == [str(naive)] and str(naive) in refusal(got)

    stated = tmp_path / "stated.csv"
    stated.write_text(POSTS_HEADER + "3,bob,2024-01-01 10:00,hi,,\n")
    import_files(case, "posts-csv", [stated], timezone="Asia/Tokyo")
    got = subject_times(case, account="bob")
    assert refusal(got) is None and str(got.times[0]) == "2024-01-01T01:00:00.000000"


def test_zoned_posts_and_older_cases_are_not_refused(case: Case, tmp_path: Path) -> None:
    zoned = tmp_path / "zoned.csv"
    zoned.write_text(POSTS_HEADER + "1,carol,2024-01-01T10:00:00Z,hi,,\n2,carol,1704103200,yo,,\n")
    naive = tmp_path / "naive.csv"
    naive.write_text(POSTS_HEADER + "3,dave,2024-01-01 10:00,hi,,\n")
    import_files(case, "posts-csv", [zoned, naive])
    assert refusal(subject_times(case, account="carol")) is None
    # A case made before imports counted zone-less times: posts are taken as zoned.
    case.con.execute("UPDATE sources SET options = json_object('timezone', 'UTC', 'timezone_stated', false)")
    assert refusal(subject_times(case, account="dave")) is None


def test_an_account_on_two_platforms_needs_one(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(POSTS_HEADER + "1,acc,2024-01-01T10:00:00Z,a,,web\n2,acc,2024-01-02T10:00:00Z,b,,forum\n")
    import_files(case, "posts-csv", [path])
    with pytest.raises(OptionError, match=r"several platforms \(forum, web\)"):
        subject_times(case, account="acc")
    got = subject_times(case, account="acc", platform="forum")
    assert got.subject == "forum:acc" and len(got.times) == 1
    with pytest.raises(OptionError, match="no posts of the account 'acc' on mastodon"):
        subject_times(case, account="acc", platform="mastodon")


def test_subject_times_feed_the_estimator(case: Case, tmp_path: Path) -> None:
    times = office(8, n=60)
    stamps = [f"{np.datetime_as_string(t, unit='s')}Z" for t in times]
    import_files(case, "articles", [articles(tmp_path / "a.jsonl", stamps)])
    got = subject_times(case, byline="Jane Roe")
    assert refusal(got) is None
    est = RhythmEstimator().fit(got.times)
    assert est.n_events_ == 60 and est.to_dict(got.subject)["subject"] == "Jane Roe"
    assert refusal(SubjectTimes("x", got.times)) is None
