"""When a persona is active, and from which time zone its operators most likely work.

Posting and publication times are binned by weekday and hour of day. People sleep at night, so the hours
in which a persona is quiet tell the clock of whoever runs it: each candidate UTC offset is scored by the
likelihood of the hour-of-day counts under a human diurnal activity curve shifted to that offset (the
approach of time-zone inference from activity, e.g. the diurnal rhythms of Twitter use measured by Golder &
Macy 2011). The uncertainty comes from a bootstrap over active days: the days are resampled, not the events,
because the events of one day (a session, a shift) are not independent.

A second signal is whether the activity looks like office shifts, the mark of a professional operation
rather than of a person posting in spare time: see :class:`RhythmEstimator` for the office-hours score. A
third is whether the active days keep two clocks, as when two operators hours apart take turns on one
account: a latent-class test over days (:class:`MixtureTest`).

Everything is in UTC. The local shift is used only to fit the template and for ``histogram_local_``. Times
read from a file that gave no zone, imported without ``--timezone``, are UTC only by assumption, so their
hours say nothing: :func:`subject_times` finds them and :func:`refusal` words the refusal.

References
----------
Golder, S. A. & Macy, M. W. (2011). Diurnal and seasonal mood vary with work, sleep, and daylength across
    diverse cultures. Science 333(6051), 1878–1881.
Efron, B. & Tibshirani, R. J. (1993). An Introduction to the Bootstrap. Chapman & Hall (ch. 8: resampling
    blocks of dependent observations).
McLachlan, G. J. (1987). On bootstrapping the likelihood ratio test statistic for the number of components
    in a normal mixture. Applied Statistics 36(3), 318–324.
McLachlan, G. J. & Peel, D. (2000). Finite Mixture Models. Wiley (ch. 6: the number of components).

Example::

    >>> rng = np.random.default_rng(1)
    >>> days = rng.integers(0, 70, 400) + np.datetime64("2024-01-01", "D")
    >>> local_hour = rng.uniform(7, 25, 400)                       # awake 07:00-01:00 in UTC-5
    >>> times = days.astype("datetime64[us]") + ((local_hour + 5) * 3600e6).astype("timedelta64[us]")
    >>> est = RhythmEstimator().fit(times)
    >>> est.utc_offset_hours_, est.office_hours_score_
    (-5.0, 0.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from unmask.case import Case
from unmask.documents import require_documents
from unmask.errors import OptionError

# Every whole-hour offset in use, and the half- and three-quarter-hour ones with many people behind them
# (Newfoundland, Iran, Afghanistan, India, Nepal, Myanmar, central Australia).
DEFAULT_OFFSETS: tuple[float, ...] = (
    *(float(h) for h in range(-12, 15)),
    -3.5,
    3.5,
    4.5,
    5.5,
    5.75,
    6.5,
    9.5,
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_US_PER_HOUR = 3_600_000_000
_US_PER_QUARTER = _US_PER_HOUR // 4
_US_PER_DAY = 24 * _US_PER_HOUR
_QUARTERS = 96  # per day: every UTC offset in use is a whole number of quarter hours
_WEEK = 7 * _QUARTERS
_TROUGH_HOUR = 4  # the template's night trough, local time; active days are cut there
# The shifted template must beat flat activity by this log-likelihood (a likelihood ratio of e^2 ~ 7.4)
# before the night trough, and so the offset, counts as found.
_MIN_LOG_RATIO = 2.0
_WIDE_INTERVAL_HOURS = 6.0
# The two-operator test: clocks at least this far apart (closer ones are one person's late and early
# nights, or daylight saving time), each operator with at least a tenth of the active days.
_MIN_SEPARATION_HOURS = 3.0
_SHARES = np.linspace(0.1, 0.9, 9)
MIXTURE_MIN_DAYS = 20
# Below this many active quarter hours per active day the statistic runs high on unmixed accounts (IRA test
# half: 12-21 % false flags under 3, 5 % above; `python bench/rhythm_ira.py`), so the test abstains.
MIXTURE_MIN_QUARTERS_PER_DAY = 3.0
MIXTURE_FALSE_FLAG_RATE = 0.05
# (active days, cut): the 95th percentile of the test statistic on unmixed real accounts seen for that many
# consecutive active days, made non-increasing with the days; between two sizes the cut is interpolated in
# log(days), outside them it stays at the nearest. Measured on the calibration half of the 573 IRA accounts
# with >= 300 posts (three random stretches of each size per account) by `python bench/rhythm_ira.py
# --calibrate`; the bench scores the other half. Beyond 160 days too few accounts were left to measure.
_MIXTURE_CUTS: tuple[tuple[int, float], ...] = (
    (20, 0.129),
    (30, 0.129),
    (40, 0.119),
    (60, 0.113),
    (80, 0.113),
    (120, 0.113),
    (160, 0.087),
)
METHOD = (
    "diurnal-template likelihood over UTC offsets (night trough at 02:00-06:00 local, after Golder & Macy "
    "2011); 90 % intervals from a bootstrap over active days; office-hours score = sqrt(work-hours excess "
    "x weekend drop); two-operator test = latent-class likelihood ratio over active days (the template at "
    "two offsets vs one), cut for 5 % false flags on unmixed IRA accounts"
)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def diurnal_template(hours: np.ndarray | float) -> np.ndarray:
    """Relative human activity at local clock ``hours`` (not normalised; 24-hour periodic).

    A curve written for unmask, not fitted to any data set::

        rate(x) = 0.04 + 0.96 * s((x - 7) / 0.5) * s((25.5 - x) / 0.5) * (1 - 0.15 * s((x - 19) / 0.5))

    with ``s`` the logistic function and ``x`` the hour counted from 04:00 (04:00 to 28:00): a floor of 0.04
    while asleep, waking around 07:00, a day plateau of 1, an evening shoulder of 0.85 after 19:00, and
    falling asleep around 01:30. The night trough, about 02:00 to 06:30, is where Golder & Macy (2011) find
    the least activity in every culture they studied; its position is what places the offset, its depth
    matters little. The evening shoulder places a 9-to-6 shift, whose edges then sit at equal heights, where
    it belongs; on simulated personas (a 9-to-6 office in UTC+3, a person sleeping 01:00-07:00) the
    estimate is right, or an hour off for people who sleep early or late, which no single curve avoids.
    """
    h = np.asarray(hours, dtype=np.float64) % 24.0
    x = (h - _TROUGH_HOUR) % 24.0 + _TROUGH_HOUR  # a template day runs from 04:00 to 04:00 the next day
    awake = _sigmoid((x - 7.0) / 0.5) * _sigmoid((25.5 - x) / 0.5)
    evening = 1.0 - 0.15 * _sigmoid((x - 19.0) / 0.5)
    return 0.04 + 0.96 * awake * evening


def _template_quarters() -> np.ndarray:
    """The template as probabilities of the 96 quarter hours of a local day."""
    t = diurnal_template((np.arange(_QUARTERS) + 0.5) / 4.0)
    return t / t.sum()


def _canonical(offsets: np.ndarray) -> np.ndarray:
    """Offsets in (-12, +12]: +13 and -11 put events on the same clock hours and cannot be told apart."""
    return 12.0 - (12.0 - np.asarray(offsets, dtype=np.float64)) % 24.0 + 0.0  # + 0.0: no -0.0


def _utc_microseconds(times) -> np.ndarray:
    """``times`` (numpy datetime64 or a pyarrow timestamp array, UTC) as int64 microseconds; nulls dropped."""
    if isinstance(times, pa.Array | pa.ChunkedArray):
        if not pa.types.is_timestamp(times.type):
            raise TypeError(f"times must be timestamps, not {times.type}")
        us = pc.cast(pc.drop_null(times), pa.timestamp("us", tz=times.type.tz), safe=False)
        return np.asarray(us.cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)
    arr = np.asarray(times)
    if arr.dtype == object:
        arr = arr.astype("datetime64[us]")
    if not np.issubdtype(arr.dtype, np.datetime64):
        raise TypeError(f"times must be numpy datetime64 (UTC) or a pyarrow timestamp array, not {arr.dtype}")
    arr = arr.ravel().astype("datetime64[us]")
    return arr[~np.isnat(arr)].view(np.int64)


def _weekday(days: np.ndarray) -> np.ndarray:
    return (days + 3) % 7  # 1970-01-01, day 0, was a Thursday; Monday is 0


def activity_histogram(times, offset_hours: float = 0.0) -> np.ndarray:
    """Counts of ``times`` by weekday (rows, Monday to Sunday) and hour (columns), shape (7, 24).

    ``times`` are UTC (numpy datetime64 or a pyarrow timestamp array; nulls are skipped); ``offset_hours``
    shifts them first, e.g. 5.5 for the clock of India, so that the histogram is in that local time.

    Example::

        >>> hist = activity_histogram(np.array(["2024-01-01T23:40"], dtype="datetime64[us]"), 5.5)
        >>> hist.shape, int(hist[1, 5])                                 # Monday 23:40 UTC: Tuesday 05:10
        ((7, 24), 1)
    """
    us = _utc_microseconds(times) + round(float(offset_hours) * _US_PER_HOUR)
    cell = _weekday(us // _US_PER_DAY) * 24 + (us // _US_PER_HOUR) % 24
    return np.bincount(cell, minlength=7 * 24).reshape(7, 24)


def _format_offset(hours: float) -> str:
    minutes = round(float(hours) * 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@dataclass(frozen=True)
class MixtureTest:
    """Whether a persona's active days keep two clocks: two operators hours apart taking turns.

    Each active day is taken to come from one operator. One operator: every day's quarter hours follow
    :func:`diurnal_template` at one offset. Two operators: a day follows it at offset ``first_offset`` or,
    with probability ``share``, at ``second_offset``, at least 3 hours apart (a latent-class model over
    days, McLachlan & Peel 2000). ``statistic`` is the log-likelihood ratio of the best two-operator fit
    (offsets, and ``share`` from 0.1 to 0.9 in tenths) over the best one-operator fit, per active quarter
    hour; quarter hours, not events, so that a burst of posts counts once. The ratio has no chi-square
    null distribution (the one-operator model sits on the boundary of the two-operator one, and the
    template fits no real account exactly), so the cut is empirical, after McLachlan (1987): ``threshold``
    is the 95th percentile of the statistic on unmixed real accounts with as many active days, and
    ``false_flag_rate`` the rate that cut is set for. The test abstains (``reason`` says why) on fewer than
    :data:`MIXTURE_MIN_DAYS` active days, or fewer than :data:`MIXTURE_MIN_QUARTERS_PER_DAY` active quarter
    hours per active day on average (a day with one or two posts cannot tell its clock).

    It finds operators on different days. Two operators who share every day (a day and a night shift) leave
    no day with one clock: their account has no night trough, and :class:`RhythmEstimator` says so. A person
    who moved or travelled for part of the time keeps two clocks too.
    """

    flag: bool
    reason: str | None = None  # why the test abstained; None when it was made
    first_offset: float | None = None  # the clock of most active days
    second_offset: float | None = None
    share: float | None = None  # the second clock's share of the active days
    statistic: float | None = None
    threshold: float | None = None
    false_flag_rate: float = MIXTURE_FALSE_FLAG_RATE

    def to_dict(self) -> dict:
        data = asdict(self)
        for key in ("statistic", "threshold"):
            if data[key] is not None:
                data[key] = round(data[key], 4)
        if self.share is not None:
            data["share"] = round(self.share, 2)
        return data


def mixture_threshold(n_days: int) -> float:
    """The cut of :class:`MixtureTest`'s statistic for ``n_days`` active days (see ``_MIXTURE_CUTS``)."""
    days, cuts = zip(*_MIXTURE_CUTS, strict=True)
    return float(np.interp(np.log(max(n_days, 1)), np.log(days), cuts))


def _mixture_test(day_quarters: np.ndarray, offsets: np.ndarray, log_t: np.ndarray) -> MixtureTest:
    """The two-operator test on ``day_quarters`` (active days x 96 UTC quarter hours, true where active).

    ``log_t[b, k]`` is the template's log-probability of UTC quarter ``b`` at ``offsets[k]``.
    """
    n_days = day_quarters.shape[0]
    if n_days < MIXTURE_MIN_DAYS:
        return MixtureTest(
            flag=False,
            reason=f"only {n_days} active days (fewer than {MIXTURE_MIN_DAYS}): too few to tell two "
            "operators from one",
        )
    per_day = float(day_quarters.sum()) / n_days
    if per_day < MIXTURE_MIN_QUARTERS_PER_DAY:
        return MixtureTest(
            flag=False,
            reason=f"{per_day:.1f} active quarter hours a day on average (fewer than "
            f"{MIXTURE_MIN_QUARTERS_PER_DAY:g}): a day's few posts cannot tell which clock it keeps",
        )
    apart = np.abs(_canonical(offsets[:, None] - offsets[None, :])) >= _MIN_SEPARATION_HOURS
    first, second = np.nonzero(np.triu(apart))
    if first.size == 0:
        return MixtureTest(flag=False, reason="no two candidate offsets 3 hours apart")
    # Days with the same active quarters have the same likelihoods: each distinct day once, weighted.
    cells, alike = np.unique(day_quarters, axis=0, return_counts=True)
    ll = cells.astype(np.float64) @ log_t  # (distinct days, offsets)
    one = float((alike @ ll).max())
    # Likelihoods relative to each day's best offset: the template's floor keeps a quarter hour's ratio
    # under 25, so 96 quarters cannot underflow, and a log of a sum is cheaper than logaddexp.
    top = ll.max(axis=1)
    rel = np.exp(ll - top[:, None])
    at_first, at_second = rel[:, first], rel[:, second]
    two = np.stack([alike @ np.log((1.0 - w) * at_first + w * at_second) for w in _SHARES]) + alike @ top
    w_at, pair = np.unravel_index(int(np.argmax(two)), two.shape)
    statistic = (float(two[w_at, pair]) - one) / float(alike @ cells.sum(axis=1))
    threshold = mixture_threshold(n_days)
    share, a, b = float(_SHARES[w_at]), float(offsets[first[pair]]), float(offsets[second[pair]])
    if share > 0.5:
        share, a, b = 1.0 - share, b, a
    return MixtureTest(
        flag=statistic > threshold,
        first_offset=a,
        second_offset=b,
        share=share,
        statistic=statistic,
        threshold=threshold,
    )


class RhythmEstimator(BaseEstimator):
    """The UTC offset of a persona's operators and how much its activity looks like office shifts.

    **Offset.** Hours of day are counted in quarter-hour bins (UTC). For each candidate offset the counts
    are scored by their multinomial log-likelihood under :func:`diurnal_template` shifted to that offset;
    the best is ``utc_offset_hours_``. It assumes the operators sleep at night: a round-the-clock operation
    (shifts around the clock, a scheduler) has no night trough, and then the offset is undetermined: the
    shifted template must explain the hours better than flat activity does (log-likelihood ratio above 2),
    or a warning says so and ``offset_interval_`` spans the whole day. Offsets 24 hours apart (+13 and -11)
    put events on the same clock hours; the one in (-12, +12] is reported. Daylight saving time moves the
    clock an hour for part of the year, which widens the interval by up to an hour.

    **Uncertainty.** Active days, cut at the template's trough (04:00 at the estimated offset, so that a
    late evening stays with its day), are resampled with replacement ``n_bootstrap`` times and everything
    is estimated again. ``offset_interval_`` holds the central 90 % of the bootstrap offsets, measured
    around the estimate on the 24-hour circle: ``low <= estimate <= high`` always, and an end beyond +14 or
    -12 is read round the date line ((11.0, 13.0) is UTC+11 to UTC+13). The interval is sampling
    uncertainty only: it does not cover a persona that the template fits badly (people who sleep early or
    late read about an hour east or west; a 9-to-6 shift is placed by the edges of its day).

    **Office-hours score.** In local time at the estimated offset, with W the workdays (every day not in
    ``weekend``) and [s, e) the ``work_hours``:

    - work-hours excess ``a = clip((p - q) / (1 - q), 0, 1)``, where ``p`` is the share of events on a
      workday between s and e, and ``q`` the share an organic week would put there: the template's share
      of the hours [s, e), times |W| / 7 (every day alike);
    - weekend drop ``b = clip(1 - r, 0, 1)``, where ``r`` is the events per weekend day divided by the
      events per workday, the days counted in the calendar from the first to the last event (active or
      not, so that a silent weekend counts);
    - ``office_hours_score_ = sqrt(a * b)``: both are needed, so a person who posts in the evening and less
      at weekends scores 0, and so does a round-the-clock operation; a 9-to-6 Monday-to-Friday operation
      scores near 1. Where the span has no weekend day (or no workday), ``b`` cannot be measured and the
      score is ``a`` alone, with a warning.

    The score is a description, not a calibrated probability: read it with ``office_hours_interval_``
    (the same bootstrap) and against personas known to be organic.

    **Two operators.** ``mixture_`` tests whether the active days keep two clocks at least 3 hours apart,
    as when operators in two time zones take turns on one account: the template at two offsets, each day
    from one of them, against the template at one offset (:class:`MixtureTest`). Its cut is set for
    5 % false flags on unmixed real accounts with as many active days; it abstains under
    :data:`MIXTURE_MIN_DAYS` days. When it flags, ``utc_offset_hours_`` may fall between the two clocks,
    and a warning says so.

    Parameters
    ----------
    offsets : sequence of float or None, default=None
        Candidate UTC offsets in hours, whole quarter hours; ``None`` is :data:`DEFAULT_OFFSETS` (every whole
        hour from -12 to +14 and the common half and three-quarter hours).
    n_bootstrap : int, default=200
        Bootstrap resamples of the active days.
    random_state : int or None, default=0
        Seed of the bootstrap.
    min_events : int, default=30
        Fewer events than this gives a warning that the estimate is weak (it is still made).
    min_days : int, default=7
        Fewer active days than this gives the same warning.
    work_hours : (int, int), default=(9, 18)
        Local working hours [start, end) of the office-hours score.
    weekend : sequence of int, default=(5, 6)
        The weekend days, Monday = 0: (5, 6) is Saturday and Sunday; (4, 5), Friday and Saturday, fits a
        Sunday-to-Thursday working week.

    Attributes
    ----------
    offsets_ : ndarray of shape (n_offsets,)
        The candidate offsets, in (-12, +12], sorted, without duplicates modulo 24.
    utc_offset_hours_ : float
        The most likely offset.
    offset_determined_ : bool
        Whether the activity has a night trough that places the offset (see above).
    offset_interval_ : (float, float)
        Central 90 % bootstrap interval of the offset, ``low <= utc_offset_hours_ <= high``.
    posterior_ : ndarray of shape (n_offsets,)
        Share of bootstrap resamples choosing each of ``offsets_`` (a bootstrap distribution, not a
        Bayesian posterior).
    log_likelihood_ : ndarray of shape (n_offsets,)
        Log-likelihood of the hour-of-day counts under the template at each offset, minus that under flat
        activity (above 0: the template explains the hours better than flat activity).
    histogram_ : ndarray of shape (7, 24)
        Events by UTC weekday and hour.
    histogram_local_ : ndarray of shape (7, 24)
        Events by local weekday and hour at ``utc_offset_hours_``.
    office_hours_score_ : float
        In [0, 1]; see above.
    office_hours_interval_ : (float, float)
        Central 90 % bootstrap interval of the score.
    n_events_ : int
    n_days_ : int
        Active days (cut at local 04:00).
    mixture_ : MixtureTest
        The two-operator test.
    warnings_ : list of str
        What makes the estimate weak, in plain words.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> weekdays = np.arange(np.datetime64("2024-01-01"), np.datetime64("2024-03-11"))
    >>> weekdays = weekdays[(weekdays.astype(int) + 3) % 7 < 5]
    >>> days = rng.choice(weekdays, 300)
    >>> hours = rng.uniform(9, 18, 300) - 3                            # 9-to-6 in UTC+3
    >>> times = days.astype("datetime64[us]") + (hours * 3600e6).astype("timedelta64[us]")
    >>> est = RhythmEstimator().fit(times)
    >>> est.utc_offset_hours_, est.office_hours_score_ > 0.8
    (3.0, True)
    """

    def __init__(
        self,
        offsets: Sequence[float] | None = None,
        *,
        n_bootstrap: int = 200,
        random_state: int | None = 0,
        min_events: int = 30,
        min_days: int = 7,
        work_hours: tuple[int, int] = (9, 18),
        weekend: Sequence[int] = (5, 6),
    ):
        self.offsets = offsets
        self.n_bootstrap = n_bootstrap
        self.random_state = random_state
        self.min_events = min_events
        self.min_days = min_days
        self.work_hours = work_hours
        self.weekend = weekend

    def _check_params(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        given = np.asarray(DEFAULT_OFFSETS if self.offsets is None else self.offsets, dtype=np.float64)
        if given.size == 0:
            raise ValueError("offsets: no candidate offsets")
        quarters = given * 4.0
        if not np.allclose(quarters, np.round(quarters)):
            raise ValueError("offsets must be whole quarter hours (UTC offsets in use all are)")
        offsets = np.unique(_canonical(np.round(quarters) / 4.0))
        if self.n_bootstrap < 1:
            raise ValueError(f"n_bootstrap must be at least 1, not {self.n_bootstrap}")
        start, end = self.work_hours
        if not (0 <= start < end <= 24):
            raise ValueError(
                f"work_hours must be (start, end) with 0 <= start < end <= 24, not {self.work_hours}"
            )
        days = list(self.weekend)
        if any(d not in range(7) for d in days):
            raise ValueError(f"weekend days are 0 (Monday) to 6 (Sunday), not {self.weekend}")
        weekend = np.zeros(7, dtype=bool)
        weekend[days] = True
        return offsets, np.round(offsets * 4).astype(np.int64), weekend

    def fit(self, times, y=None) -> RhythmEstimator:
        """Estimate from ``times``, UTC (numpy datetime64 or a pyarrow timestamp array)."""
        offsets, shifts, weekend = self._check_params()
        us = _utc_microseconds(times)
        if us.size == 0:
            raise ValueError("no times to estimate from")
        self.offsets_ = offsets
        self.n_events_ = int(us.size)
        warnings: list[str] = []

        # log_t[b, k]: log-probability of UTC quarter b at offset k, whose local quarter is b + shift.
        log_t = np.log(_template_quarters())[(np.arange(_QUARTERS)[:, None] + shifts[None, :]) % _QUARTERS]
        days = us // _US_PER_DAY
        utc_bin = _weekday(days) * _QUARTERS + (us // _US_PER_QUARTER) % _QUARTERS
        week = np.bincount(utc_bin, minlength=_WEEK).astype(np.float64)
        flat = self.n_events_ * np.log(1.0 / _QUARTERS)
        self.log_likelihood_ = week.reshape(7, _QUARTERS).sum(axis=0) @ log_t - flat
        best = int(np.argmax(self.log_likelihood_))
        self.utc_offset_hours_ = float(offsets[best])
        self.offset_determined_ = bool(self.log_likelihood_[best] > _MIN_LOG_RATIO)

        # Active days cut at the trough of the estimated clock: a night owl's session stays in one day.
        block = (us + (shifts[best] - 4 * _TROUGH_HOUR) * _US_PER_QUARTER) // _US_PER_DAY
        _, block_of = np.unique(block, return_inverse=True)
        self.n_days_ = int(block_of.max()) + 1
        per_day = np.bincount(block_of * _WEEK + utc_bin, minlength=self.n_days_ * _WEEK)
        per_day = per_day.reshape(self.n_days_, _WEEK).astype(np.float64)

        rng = np.random.default_rng(self.random_state)
        draws = rng.multinomial(
            self.n_days_, np.full(self.n_days_, 1.0 / self.n_days_), size=self.n_bootstrap
        )
        boot_week = draws @ per_day  # (n_bootstrap, week bins): each resample's UTC counts
        boot_best = np.argmax(boot_week.reshape(-1, 7, _QUARTERS).sum(axis=1) @ log_t, axis=1)
        self.posterior_ = np.bincount(boot_best, minlength=offsets.size) / self.n_bootstrap
        if self.offset_determined_:
            deviation = (offsets[boot_best] - self.utc_offset_hours_ + 12.0) % 24.0 - 12.0
            low, high = np.quantile(deviation, [0.05, 0.95], method="nearest")
            self.offset_interval_ = (
                self.utc_offset_hours_ + float(low),
                self.utc_offset_hours_ + float(high),
            )
        else:
            self.offset_interval_ = (self.utc_offset_hours_ - 12.0, self.utc_offset_hours_ + 12.0)

        self.histogram_ = week.reshape(7, 24, 4).sum(axis=2).astype(np.int64)
        self.histogram_local_ = activity_histogram(us.astype("datetime64[us]"), self.utc_offset_hours_)

        # Calendar days of each weekday from the first to the last local day, active or not.
        local_days = (us + shifts[best] * _US_PER_QUARTER) // _US_PER_DAY
        span = np.arange(local_days.min(), local_days.max() + 1)
        day_counts = np.bincount(_weekday(span), minlength=7)
        workday, weekend_day = day_counts[~weekend].sum(), day_counts[weekend].sum()
        start, end = self.work_hours
        organic = (~weekend).sum() / 7.0 * _template_quarters()[4 * start : 4 * end].sum()
        score = _office_scores(self.histogram_local_[None], day_counts, weekend, self.work_hours, organic)
        self.office_hours_score_ = float(score[0])
        # Each resample read at its own offset: local week bin j holds UTC bin j - shift.
        local_bin = (np.arange(_WEEK)[None, :] - shifts[boot_best][:, None]) % _WEEK
        boot_local = np.take_along_axis(boot_week, local_bin, axis=1).reshape(-1, 7, 24, 4).sum(axis=3)
        boot_score = _office_scores(boot_local, day_counts, weekend, self.work_hours, organic)
        low, high = np.quantile(boot_score, [0.05, 0.95])
        self.office_hours_interval_ = (float(low), float(high))
        self.mixture_ = _mixture_test(
            per_day.reshape(self.n_days_, 7, _QUARTERS).sum(axis=1) > 0, offsets, log_t
        )

        if self.n_events_ < self.min_events:
            warnings.append(
                f"only {self.n_events_} events (fewer than {self.min_events}): the estimate is weak"
            )
        if self.n_days_ < self.min_days:
            warnings.append(
                f"only {self.n_days_} active days (fewer than {self.min_days}): the estimate is weak"
            )
        if not self.offset_determined_:
            warnings.append(
                "no night trough: the activity is explained no better by a day-and-night rhythm than by flat "
                "activity (round-the-clock shifts, a scheduler, or too few events), so the UTC offset is "
                "undetermined"
            )
        elif (width := self.offset_interval_[1] - self.offset_interval_[0]) > _WIDE_INTERVAL_HOURS:
            warnings.append(f"the offset is poorly determined: its 90 % interval spans {width:g} hours")
        if workday == 0 or weekend_day == 0:
            warnings.append(
                "the events span no weekend day" if weekend_day == 0 else "the events span no workday"
            )
            warnings[-1] += ": the office-hours score measures the working hours alone, not the weekend drop"
        if self.mixture_.flag:
            warnings.append(
                "the active days keep two clocks (two operators, or one who moved): the single offset may "
                "fall between them"
            )
        self.warnings_ = warnings
        return self

    def to_dict(self, subject: str) -> dict:
        """The estimate as JSON-ready data (the ``--json`` output of ``unmask persona rhythm``)."""
        check_is_fitted(self, "utc_offset_hours_")
        return {
            "subject": subject,
            "utc_offset_hours": self.utc_offset_hours_,
            "offset_interval": list(self.offset_interval_),
            "office_hours_score": round(self.office_hours_score_, 3),
            "office_hours_interval": [round(v, 3) for v in self.office_hours_interval_],
            "histogram": self.histogram_.tolist(),
            "histogram_zone": "UTC",
            "n_events": self.n_events_,
            "n_days": self.n_days_,
            "mixture": self.mixture_.to_dict(),
            "warnings": list(self.warnings_),
            "method": METHOD,
        }

    def describe(self, unit: str = "events") -> list[str]:
        """Short plain-English lines for the command line; ``unit`` names the events (posts, documents)."""
        check_is_fitted(self, "utc_offset_hours_")
        counted = f"from {self.n_events_} {unit} on {self.n_days_} day{'s' if self.n_days_ != 1 else ''}"
        if self.offset_determined_:
            low, high = self.offset_interval_
            aliases = [
                _format_offset(o)
                for o in (self.utc_offset_hours_ - 24.0, self.utc_offset_hours_ + 24.0)
                if -12.0 <= o <= 14.0
            ]
            same = f" (the same clock hours as {aliases[0]})" if aliases else ""
            lines = [
                f"most likely {_format_offset(self.utc_offset_hours_)}{same} (90 % interval "
                f"{_format_offset(low)} to {_format_offset(high)}), {counted}"
            ]
        else:
            lines = [f"UTC offset undetermined: no night trough in the activity, {counted}"]
        days = _days_phrase(self.weekend)
        score = self.office_hours_score_
        reading = (
            f"activity follows {days} working hours"
            if score >= 0.6
            else f"activity partly follows {days} working hours"
            if score >= 0.3
            else "activity does not look like office shifts"
        )
        low, high = self.office_hours_interval_
        lines.append(f"office-hours score {score:.2f} ({low:.2f}–{high:.2f}): {reading}")
        lines.append(_describe_mixture(self.mixture_))
        lines.extend(f"warning: {w}" for w in self.warnings_)
        return lines


def _describe_mixture(test: MixtureTest) -> str:
    if test.reason is not None:
        return f"two-operator test not made: {test.reason}"
    cut = (
        f"statistic {test.statistic:.3f}, cut {test.threshold:.3f} for "
        f"{test.false_flag_rate * 100:g} % false flags on unmixed accounts"
    )
    if not test.flag:
        return f"two-operator test: no second clock on other days ({cut})"
    apart = _canonical(test.second_offset - test.first_offset)
    return (
        f"two clocks: {_format_offset(test.first_offset)} on {1 - test.share:.0%} of the active days, "
        f"{_format_offset(test.second_offset)} ({apart:+g} h) on {test.share:.0%} ({cut})"
    )


def _days_phrase(weekend: Sequence[int]) -> str:
    """The workdays in words: "Monday–Friday", "Sunday–Thursday" (the week wraps), else a list."""
    work = [d for d in range(7) if d not in set(weekend)]
    starts = [d for d in work if (d - 1) % 7 not in work]
    if len(starts) != 1:
        return ", ".join(WEEKDAYS[d] for d in work) if work else "no"
    first, last = starts[0], (starts[0] + len(work) - 1) % 7
    return WEEKDAYS[first] if first == last else f"{WEEKDAYS[first]}–{WEEKDAYS[last]}"


def _office_scores(
    hist: np.ndarray, day_counts: np.ndarray, weekend: np.ndarray, work_hours: tuple[int, int], organic: float
) -> np.ndarray:
    """The office-hours score of each local (…, 7, 24) histogram (formula in :class:`RhythmEstimator`)."""
    start, end = work_hours
    total = hist.sum(axis=(-2, -1)).astype(np.float64)
    at_work = hist[..., ~weekend, start:end].sum(axis=(-2, -1))
    share = np.divide(at_work, total, out=np.zeros_like(total), where=total > 0)
    excess = np.clip((share - organic) / (1.0 - organic), 0.0, 1.0)
    workdays, weekend_days = day_counts[~weekend].sum(), day_counts[weekend].sum()
    if workdays == 0 or weekend_days == 0:
        return excess
    per_workday = hist[..., ~weekend, :].sum(axis=(-2, -1)) / workdays
    per_weekend_day = hist[..., weekend, :].sum(axis=(-2, -1)) / weekend_days
    # No workday activity at all is the opposite of an office: ratio infinite, drop 0.
    ratio = np.divide(per_weekend_day, per_workday, out=np.full_like(total, np.inf), where=per_workday > 0)
    drop = np.clip(1.0 - ratio, 0.0, 1.0)
    return np.sqrt(excess * drop)


# -- reading a subject's times from a case ----------------------------------------------------------------


@dataclass
class SubjectTimes:
    """The activity times of one byline or account, and what stands in the way of reading their hours."""

    subject: str
    times: np.ndarray  # datetime64[us], UTC, sorted
    unknown_zone_sources: list[str] = field(default_factory=list)  # source paths whose hours are not known
    unknown_zone_source_ids: list[int] = field(default_factory=list)  # their ids, in the same order
    dropped_date_only: int = 0  # dated with no time of day: left out of the hours
    kind: str = "documents"  # what the times are of: documents or posts


# A time of day was written: a clock time ("10:00"), an ISO "T10", or epoch seconds or milliseconds.
_HAS_TIME_SQL = (
    r"(regexp_matches(published_raw, '\d:\d\d|T\d\d') OR regexp_matches(trim(published_raw), "
    r"'^-?\d{9,13}(\.\d+)?$'))"
)


def subject_times(
    case: Case, *, byline: str | None = None, account: str | None = None, platform: str | None = None
) -> SubjectTimes:
    """The UTC times of a byline's documents (``published_at``) or of an account's posts (``created_at``).

    Documents dated without a time of day are left out (they would all fall at midnight) and counted. A
    document's zone is unknown when its time was written without one (``published_naive``) and its source
    was imported without ``--timezone``. For posts, whose rows do not record this, a source's zone is
    unknown when its import counted timestamps without a zone and no ``--timezone`` was given (cases from
    before this was recorded are taken as zoned, as most platform exports are). All posts count, shares and
    replies too: a share is activity at the operator's clock as much as a post is.

    Raises :class:`~unmask.errors.OptionError` for neither or both of ``byline`` and ``account``, an account
    on several platforms without ``platform``, or a subject without a single timed row.
    """
    if (byline is None) == (account is None):
        raise OptionError("name a byline or an account (one of them)")
    if byline is not None:
        return _byline_times(case, byline)
    return _account_times(case, account, platform)


def _byline_times(case: Case, byline: str) -> SubjectTimes:
    require_documents(case)
    rows = case.con.execute(
        f"""
        SELECT coalesce(epoch_us(d.published_at), 0) AS micros, d.published_at IS NULL AS undated,
               coalesce({_HAS_TIME_SQL}, d.published_raw IS NULL) AS timed,
               coalesce(d.published_naive, false)
                   AND coalesce(s.options->>'timezone_stated', 'false') <> 'true' AS unknown,
               s.path, s.source_id
        FROM documents d JOIN sources s USING (source_id)
        WHERE d.byline = unmask_collapse_space($1)
        """,
        [byline],
    ).fetchnumpy()
    name = case.scalar("SELECT unmask_collapse_space(?)", [byline])
    micros = np.asarray(rows["micros"], dtype=np.int64)
    undated, timed, unknown = (np.asarray(rows[c], dtype=bool) for c in ("undated", "timed", "unknown"))
    if undated.size == 0:
        raise OptionError(f"no documents under the byline {name!r} in the case")
    keep = ~undated & timed
    if not keep.any():
        dated = int((~undated).sum())
        raise OptionError(
            f"the byline {name!r} has {undated.size} documents, none with a time of day"
            + (f" ({dated} are dated without a time)" if dated else " (none is dated)")
        )
    return SubjectTimes(
        subject=name,
        times=np.sort(micros[keep].astype("datetime64[us]")),
        **_unknown_zone(rows, keep & unknown),
        dropped_date_only=int((~undated & ~timed).sum()),
        kind="documents",
    )


def _unknown_zone(rows: dict[str, np.ndarray], unknown: np.ndarray) -> dict[str, list]:
    """The paths and ids of the sources of the ``unknown`` rows, by path."""
    paths = np.asarray(rows["path"], dtype=object)[unknown].tolist()
    ids = np.asarray(rows["source_id"])[unknown].tolist()
    sources = sorted(set(zip(paths, ids, strict=True)))
    return {
        "unknown_zone_sources": [path for path, _ in sources],
        "unknown_zone_source_ids": [int(source_id) for _, source_id in sources],
    }


def _account_times(case: Case, account: str, platform: str | None) -> SubjectTimes:
    platforms = [
        r[0]
        for r in case.con.execute(
            "SELECT DISTINCT platform FROM posts WHERE account_id = ? AND (? IS NULL OR platform = ?)"
            " ORDER BY platform",
            [account, platform, platform],
        ).fetchall()
    ]
    if len(platforms) > 1:
        raise OptionError(f"account {account!r} is on several platforms ({', '.join(platforms)}): name one")
    if not platforms:
        where = f" on {platform}" if platform is not None else ""
        raise OptionError(f"no posts of the account {account!r}{where} in the case")
    [platform] = platforms
    rows = case.con.execute(
        """
        SELECT epoch_us(p.created_at) AS micros,
               coalesce(try_cast(s.options->>'naive_timestamps' AS BIGINT), 0) > 0
                   AND coalesce(s.options->>'timezone_stated', 'false') <> 'true' AS unknown,
               s.path, s.source_id
        FROM posts p JOIN sources s USING (source_id)
        WHERE p.account_id = ? AND p.platform = ?
        """,
        [account, platform],
    ).fetchnumpy()
    micros = np.asarray(rows["micros"], dtype=np.int64)
    unknown = np.asarray(rows["unknown"], dtype=bool)
    return SubjectTimes(
        subject=f"{platform}:{account}",
        times=np.sort(micros.astype("datetime64[us]")),
        **_unknown_zone(rows, unknown),
        dropped_date_only=0,
        kind="posts",
    )


def refusal(subject_times: SubjectTimes) -> str | None:
    """Why the hours of ``subject_times`` cannot be read, or ``None`` when they can.

    Hours are refused when any source gave times without a zone and was imported without ``--timezone``:
    those times were read as UTC by assumption, and an hour-of-day pattern, an offset above all, would be
    an artefact of that assumption.
    """
    sources = subject_times.unknown_zone_sources
    if not sources:
        return None
    one = len(sources) == 1
    ids = subject_times.unknown_zone_source_ids
    remove = "; ".join(f"unmask sources remove {i}" for i in ids) if ids else "unmask sources remove ID"
    return (
        f"cannot read the hours of {subject_times.subject}: {', '.join(sources)} "
        f"{'gives' if one else 'give'} times without a time zone and {'was' if one else 'were'} imported "
        f"without --timezone, so those times are UTC only by assumption. Remove {'it' if one else 'them'} "
        f"({remove}), then import {'it' if one else 'them'} again with --timezone ZONE (the zone the "
        "times are written in, e.g. --timezone Europe/Berlin)."
    )
