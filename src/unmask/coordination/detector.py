"""The coordination engine: from a case's posts to networks of accounts that act together.

Example::

    >>> from unmask.case import Case
    >>> with Case.open("demo.duckdb") as case:                     # doctest: +SKIP
    ...     found = Coordination(kinds=("share", "link"), window=30).fit(case)
    ...     [(n["network_id"], n["size"]) for n in found.networks_]
    [(0, 11)]
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from unmask.case import Case
from unmask.coordination import actions, attach, nearduplicates, null, pairs
from unmask.coordination.calibration import calibrate
from unmask.coordination.communities import leiden_partition
from unmask.coordination.sql import DuckDBExecutor, Executor, literal
from unmask.coordination.window import DEFAULT_WINDOWS, estimate_window, time_resolution
from unmask.errors import OptionError

VERSION = "2"
_POSTS = "_unmask_cposts"
WORK = "unmask_work"  # the scratch database of a run (Case.scratch)
MAX_AUTO_WINDOW_S = 600
# Without a crowd the null cannot test (see Coordination.no_baseline_): fewer accounts than this in the case.
MIN_BASELINE_ACCOUNTS = 50
# Kinds whose null counts timing by default (see unmask.coordination.null). Texts and hashtags are left out:
# there, independent automated accounts polling one feed post the same headline and hashtag within seconds of
# one another often enough that, at 1M posts of the planted benchmark, timing flagged 62 of its news bots
# (precision 0.909); counted for these four kinds only, 0.995 (docs/coordination.md §3).
TIMED_KINDS = ("share", "reply", "mention", "link")
_EDGES = "unmask_work.edges"  # the scored edges (a view of _ROWS without the null model)
_ROWS = "unmask_work.edge_rows"  # every kind's edges, with the null model's expected and p_null
ACCOUNTS = "unmask_work.accounts"  # account (its name) and aid, the dense integer id a run works with


@dataclass
class KindRun:
    """What one kind did: actions, co-actions, edges, objects set aside, seconds."""

    kind: str
    actions: int = 0
    coactions: int = 0
    pairs: int = 0  # account pairs that co-acted at least once: the hypotheses of the FDR correction
    window_pairs: list[int] = field(default_factory=list)  # of them, those within each window (tested)
    edges: int = 0  # pairs stored: with the null model, those with two occasions or more (tested)
    significant: int = 0
    joined: int = 0  # accounts that joined a network through the network test of this kind (attach)
    capped_objects: int = 0  # objects set aside by max_object_accounts
    capped_examples: list[dict] = field(default_factory=list)
    bursts_set_aside: int = 0  # bursts of more than max_burst_actions actions (pairs.coaction_sql)
    burst_examples: list[dict] = field(default_factory=list)
    seconds: float = 0.0


class Coordination:
    """Find networks of accounts that act together more than chance allows.

    Parameters
    ----------
    kinds:
        Co-action kinds (see :mod:`unmask.coordination.actions`): share, link, text, near_text, hashtag,
        hashtag_set, reply, mention, or ``column:NAME``.
    window:
        Seconds within which two actions on one object are a co-action; several (a sequence, or a string
        such as ``"10,60,300"``) to test every window and keep each pair's best, Bonferroni-corrected for
        the number of windows; or ``"auto"`` to estimate one as CooRnet does
        (:func:`unmask.coordination.window.estimate_window`). Default :data:`DEFAULT_WINDOWS`.
    null:
        Test every edge against the time-stratified configuration null (:mod:`unmask.coordination.null`);
        False keeps every edge of weight ≥ ``min_weight``, as the peer tools do.
    alpha:
        False discovery rate of each kind's significant edges: each kind is corrected on its own
        (Benjamini–Hochberg over that kind's pairs, at ``alpha / W`` for each of W windows), so the rate over
        K kinds together is at most K × ``alpha``.
    min_weight:
        Fewest distinct objects an edge needs to be tested (or, without the null, kept).
    episode_s, stratum_s:
        The null model's episode (an hour) and stratum (a day): see :mod:`unmask.coordination.null`.
    max_object_accounts:
        Leave out of the pairs the objects acted on by more accounts than this (None: keep all); reported
        per kind. The null model still counts them (:func:`unmask.coordination.pairs.coaction_sql`).
    max_burst_actions:
        Leave out of the pairs the bursts of more actions than this on one object within one window
        (:data:`unmask.coordination.pairs.MAX_BURST_ACTIONS`; None: keep all), which bounds the pairs one
        burst can make; reported per kind, counted by the null model as above. Identical on every engine.
    near_text_threshold, near_text_min_tokens:
        Jaccard threshold and fewest words for near-duplicate texts.
    min_network_size, resolution, seed:
        Networks smaller than this are not reported; Leiden's resolution and seed.
    evidence_per_edge:
        Co-actions kept as evidence for each edge (the tightest first).
    timing:
        Kinds for which acting within the window counts, against each account's own habit
        (:mod:`unmask.coordination.null`): default :data:`TIMED_KINDS`; True for every kind; False for none
        (joining the same occasion only).
    attach:
        Test every account outside the networks against each network as one account, and let those
        significant join it (:mod:`unmask.coordination.attach`).

    Attributes
    ----------
    windows_ : the windows tested, in seconds, ascending. Several windows, and an automatic estimate
        (capped at MAX_AUTO_WINDOW_S), are never below ``time_resolution_``, the coarsest unit all times are
        multiples of (1 s, 60 s or 1 h).
    window_ : the widest of ``windows_``: co-actions and edges are those within it.
    tested_ : whether edges were tested against the null model: False with ``null=False``, or when the
        case has no baseline.
    no_baseline_ : None, or why the null model could not test, with the statistic's value: fewer than
        MIN_BASELINE_ACCOUNTS accounts in the case (``baseline_accounts_``). Then, as with ``null=False``,
        the edges are the pairs that co-acted on two occasions or more, untested.
    runs_ : a :class:`KindRun` per kind.
    account_scores_ : pyarrow table (account_id, best_q) of every account in a tested edge, flagged or not,
        with the smallest q-value of its edges: what the calibration is fitted on (``bench/``), since the
        flagged accounts alone are nearly all positives. Empty when untested.
    networks_ : list of dicts (network_id, size, accounts, kinds, density, median_gap_s, first_time,
        last_time, top_objects, score, joined (how many accounts are in it through the network test only),
        example_posts); when untested, ranked by their edges' episodes, then
        weight (network_id follows the rank).
    accounts_ : pyarrow table (account_id, network_id, score): the score is 1 − the account's best q,
        calibrated on planted runs (:mod:`unmask.coordination.calibration`); 0 when untested. A network's
        score is the mean of its accounts'.
    edges_ : pyarrow table of the kept edges (significant, or weight ≥ min_weight when untested, then
        ranked by episodes, then weight); ``window_s`` is the window at which a tested edge did best;
        ``test`` says which test kept it: 'pair', or 'network' for a joined account's edges with the
        members of its network, which carry that test's p and q (see :mod:`unmask.coordination.attach`).
    """

    def __init__(
        self,
        kinds: tuple[str, ...] = actions.DEFAULT_KINDS,
        window: float | str | Sequence[float] = DEFAULT_WINDOWS,
        null: bool = True,
        alpha: float = 0.01,
        min_weight: int = 1,
        episode_s: float = 86400,
        stratum_s: float = 86400,
        max_object_accounts: int | None = None,
        max_burst_actions: int | None = pairs.MAX_BURST_ACTIONS,
        near_text_threshold: float = 0.6,
        near_text_min_tokens: int = 1,
        min_network_size: int = 3,
        resolution: float = 0.05,
        seed: int = 0,
        evidence_per_edge: int = 20,
        timing: bool | Sequence[str] = TIMED_KINDS,
        attach: bool = True,
    ):
        self.kinds = kinds
        self.window = window
        self.null = null
        self.alpha = alpha
        self.min_weight = min_weight
        self.episode_s = episode_s
        self.stratum_s = stratum_s
        self.max_object_accounts = max_object_accounts
        self.max_burst_actions = max_burst_actions
        self.near_text_threshold = near_text_threshold
        self.near_text_min_tokens = near_text_min_tokens
        self.min_network_size = min_network_size
        self.resolution = resolution
        self.seed = seed
        self.evidence_per_edge = evidence_per_edge
        self.timing = timing
        self.attach = attach

    def get_params(self) -> dict[str, Any]:
        return {
            k: getattr(self, k)
            for k in (
                "kinds",
                "window",
                "null",
                "alpha",
                "min_weight",
                "episode_s",
                "stratum_s",
                "max_object_accounts",
                "max_burst_actions",
                "near_text_threshold",
                "near_text_min_tokens",
                "min_network_size",
                "resolution",
                "seed",
                "evidence_per_edge",
                "timing",
                "attach",
            )
        }

    # -- fitting -----------------------------------------------------------------------------------

    def fit(self, case: Case, *, on_stage: Callable[[str], None] = lambda stage: None) -> Coordination:
        """Run every step on the case's posts. ``on_stage`` is told each step's name as it starts (a
        progress display: a large case takes minutes)."""
        self.check_params()
        with case.scratch(WORK):
            return self._fit(DuckDBExecutor(case.con), "posts", on_stage)

    def fit_executor(
        self, ex: Executor, posts: str = "posts", *, on_stage: Callable[[str], None] = lambda stage: None
    ) -> Coordination:
        """Run every step through ``ex`` (for example :class:`unmask.coordination.spark.SparkExecutor`) on
        the relation ``posts``, which has the columns of a case's posts table. ``ex`` provides the work
        schema :data:`WORK`."""
        self.check_params()
        return self._fit(ex, posts, on_stage)

    def _fit(self, ex: Executor, posts: str, on_stage: Callable[[str], None]) -> Coordination:
        n = len(self.kinds)
        started = time.perf_counter()
        self.multi_platform_ = _posts_view(ex, posts)
        columns = ex.columns(_POSTS)
        self.runs_ = [KindRun(k) for k in self.kinds]
        for i, run in enumerate(self.runs_):
            t = time.perf_counter()
            on_stage(f"coordination: {run.kind}: actions (kind {i + 1} of {n})")
            if run.kind == actions.NEAR_TEXT:
                on_stage(f"coordination: {run.kind}: similar texts (kind {i + 1} of {n})")
                self.near_text_docs_, self.near_text_pairs_, self.near_text_oversized_ = (
                    nearduplicates.similar_docs(
                        ex,
                        _POSTS,
                        threshold=self.near_text_threshold,
                        min_tokens=self.near_text_min_tokens,
                        seed=self.seed,
                    )
                )
                sql = nearduplicates.near_text_actions_sql()
            else:
                sql = actions.kind_sql(run.kind, columns, _POSTS, ex.dialect)
            ex.create_table(f"unmask_work.act_{i}", sql)
            run.actions = ex.scalar(f"SELECT count(*) FROM unmask_work.act_{i}")
            run.seconds += time.perf_counter() - t
        self.windows_ = self._resolve_windows(ex, on_stage)
        self.window_ = self.windows_[-1]
        rows = f"{pairs.EDGE_COLUMNS}, expected DOUBLE, p_null DOUBLE, window_s DOUBLE, p_windows DOUBLE[]"
        ex.create_empty(_ROWS, rows)
        for i, run in enumerate(self.runs_):
            t = time.perf_counter()
            on_stage(f"coordination: {run.kind}: pairs among {run.actions:,} actions (kind {i + 1} of {n})")
            self._edges_of_kind(ex, i, run)
            run.seconds += time.perf_counter() - t
        t = time.perf_counter()
        self.no_baseline_ = self._check_baseline(ex) if self.null else None
        self.tested_ = self.null and self.no_baseline_ is None
        on_stage("coordination: significance")
        self._significance(ex)
        if self.tested_ and self.attach:
            on_stage("coordination: accounts against each network")
            self._attach(ex)
        self.account_scores_ = self._account_scores(ex)
        on_stage("coordination: evidence")
        self._evidence(ex)
        on_stage(f"coordination: networks among {sum(r.significant for r in self.runs_):,} edges")
        self._networks(ex)
        for i in range(len(self.runs_)):
            ex.drop(f"unmask_work.coact_{i}", f"unmask_work.act_{i}")
        self.seconds_ = {
            "kinds": {r.kind: round(r.seconds, 3) for r in self.runs_},
            "significance_and_networks": round(time.perf_counter() - t, 3),
            "total": round(time.perf_counter() - started, 3),
        }
        return self

    @property
    def version_(self) -> str:
        return VERSION

    def _timed(self, kind: str) -> bool:
        """Whether the null counts timing for this kind (see :data:`TIMED_KINDS`)."""
        return self.timing is True or (not isinstance(self.timing, bool) and kind in self.timing)

    def check_params(self) -> None:
        unknown = [k for k in self.kinds if k not in actions.ALL_KINDS and not k.startswith("column:")]
        if unknown or not self.kinds:
            raise OptionError(f"unknown kinds {unknown}; known: {', '.join(actions.ALL_KINDS)}")
        self._given_windows()
        if not 0 < self.alpha < 1:
            raise OptionError("--alpha must be between 0 and 1")
        if self.min_weight < 1:
            raise OptionError("--min-weight must be at least 1")
        if not 0 < self.near_text_threshold <= 1:
            raise OptionError("--near-text-threshold must be in (0, 1]")

    def _given_windows(self) -> tuple[float, ...] | None:
        """The windows asked for, ascending and distinct; None for ``"auto"``."""
        if isinstance(self.window, str) and self.window.strip() == "auto":
            return None
        given = self.window.split(",") if isinstance(self.window, str) else self.window
        try:
            seconds = [float(w) for w in (given if isinstance(given, Sequence) else [given])]
            if not seconds or any(not 0 <= w < float("inf") for w in seconds):
                raise ValueError
        except (TypeError, ValueError):
            raise OptionError(
                f"--window {self.window!r}: seconds (≥ 0), several (10,60,300) or auto"
            ) from None
        return tuple(sorted(set(seconds)))

    def _resolve_windows(self, con: Executor, on_stage: Callable[[str], None]) -> tuple[float, ...]:
        """The windows to test: as given (several floored at the times' resolution), or estimated."""
        given = self._given_windows()
        if given is not None and len(given) == 1:
            return given
        union = " UNION ALL ".join(
            f"SELECT object, t_ms FROM unmask_work.act_{i}" for i in range(len(self.runs_))
        )
        # Some exports keep only the minute (the FiveThirtyEight IRA tweets): a window finer than the times
        # would hide half of the co-actions, so none is below their resolution.
        self.time_resolution_ = time_resolution(con, f"({union})")
        if given is not None:
            return tuple(sorted({max(w, float(self.time_resolution_)) for w in given}))
        on_stage("coordination: estimating the window")
        # Objects reused for days (a site's front page, a weekly hashtag) can push the estimate to hours,
        # where co-action no longer means acting together: the estimate is capped, and says so.
        self.window_estimate_ = estimate_window(con, f"({union})")
        return (float(max(min(self.window_estimate_, MAX_AUTO_WINDOW_S), self.time_resolution_)),)

    def _edges_of_kind(self, con: Executor, i: int, run: KindRun) -> None:
        act, coact = f"unmask_work.act_{i}", f"unmask_work.coact_{i}"
        set_aside = None
        if self.max_object_accounts:
            # Set aside from the pairs only: the null model still counts these objects' crowd.
            set_aside = f"{WORK}.set_aside"
            con.create_table(
                set_aside,
                f"SELECT oid, min(object) AS object, count(DISTINCT account) AS accounts FROM {act} "
                f"GROUP BY oid HAVING count(DISTINCT account) > {int(self.max_object_accounts)}",
            )
            capped = con.rows(f"SELECT object, accounts FROM {set_aside} ORDER BY accounts DESC, object")
            run.capped_objects = len(capped)
            run.capped_examples = [{"object": o, "accounts": n} for o, n in capped[:20]]
        if self.max_burst_actions is not None:
            bursts = con.rows(pairs.bursts_sql(act, self.window_, self.max_burst_actions))
            run.bursts_set_aside = len(bursts)
            run.burst_examples = [{"object": o, "start_ms": t, "actions": n} for o, t, n in bursts[:20]]
        bounds = {"max_burst": self.max_burst_actions, "set_aside": set_aside}
        if run.kind == actions.NEAR_TEXT:
            con.create_table(
                coact, nearduplicates.near_text_coaction_sql(self.window_, con.dialect, **bounds)
            )
        else:
            pairs.create_coactions(con, act, self.window_, coact, **bounds)
        if set_aside:
            con.drop(set_aside)
        run.coactions = con.scalar(f"SELECT count(*) FROM {coact}")
        if not self.null:
            run.pairs = pairs.aggregate_edges(
                con, coact, run.kind, self.episode_s, _ROWS, single=self.min_weight < 2, work=WORK
            )
            run.edges = con.scalar(f"SELECT count(*) FROM {_ROWS} WHERE kind = {literal(run.kind)}")
            return
        kind_edges = f"{WORK}.kind_edges"
        con.create_empty(kind_edges, pairs.EDGE_COLUMNS)
        run.pairs = pairs.aggregate_edges(
            con, coact, run.kind, self.episode_s, kind_edges, single=False, work=WORK
        )
        con.delete_where(kind_edges, "episodes < 2")
        run.window_pairs = pairs.window_pairs(con, coact, self.windows_, run.pairs)
        null.create_surprise(
            con,
            act,
            coact,
            kind_edges,
            f"{WORK}.surprise",
            self.episode_s,
            self.stratum_s,
            WORK,
            windows=self.windows_,
            timing=self._timed(run.kind),
        )
        tested = null.tested_edges_sql(kind_edges, f"{WORK}.surprise", self.windows_, self._timed(run.kind))
        con.insert(_ROWS, tested)
        run.edges = con.scalar(f"SELECT count(*) FROM {kind_edges}")
        con.drop(kind_edges, f"{WORK}.surprise")

    def _check_baseline(self, con: Executor) -> str | None:
        """Why the null model cannot test this case, or None: fewer than :data:`MIN_BASELINE_ACCOUNTS`
        accounts.

        The null measures chance co-action against the crowd around the accounts. An export of the
        operation alone (a takedown archive) has none: the accounts fill every occasion between them, p_U is
        near 1 everywhere, and no pair can be surprising however tightly it co-acts. Such a case is reported
        as untested, never as clean. (The share of tested occasions with p_U ≥ 1/2 was considered and
        rejected: one object that the whole crowd uses, a two-hashtag topic, pushes it over 1/2 in large
        crowds.)
        """
        accounts = con.scalar(f"SELECT count(*) FROM {ACCOUNTS}")
        self.baseline_accounts_ = accounts
        if accounts >= MIN_BASELINE_ACCOUNTS:
            return None
        return (
            f"no baseline: {accounts} accounts in the case, fewer than {MIN_BASELINE_ACCOUNTS}; without a "
            "crowd to compare with, chance co-action cannot be estimated"
        )

    def _evidence(self, con: Executor) -> None:
        """Median gaps and evidence co-actions for the kept edges only."""
        con.create_empty(
            "unmask_work.evidence",
            "account_a INTEGER, account_b INTEGER, "
            "kind VARCHAR, median_gap_s DOUBLE, evidence STRUCT(object VARCHAR, gap_s DOUBLE, "
            "post_id_a VARCHAR, post_id_b VARCHAR, source_id_a INTEGER, record_no_a BIGINT, "
            "source_id_b INTEGER, record_no_b BIGINT)[]",
        )
        for i, run in enumerate(self.runs_):
            kind = literal(run.kind)
            kept = f"(SELECT account_a, account_b FROM {_EDGES} WHERE significant AND kind = {kind})"
            con.insert(
                "unmask_work.evidence",
                pairs.evidence_sql(
                    f"unmask_work.coact_{i}",
                    f"unmask_work.act_{i}",
                    _POSTS,
                    kept,
                    run.kind,
                    self.evidence_per_edge,
                    con.dialect,
                ),
            )

    def _significance(self, con: Executor) -> None:
        """p-values from the null; q-values kind by kind (see :meth:`_q_values`).

        Only tested edges (two occasions or more) leave the database; the others have p = 1 and count in
        the correction through ``m``.
        """
        if self.tested_:
            tested = (
                f"SELECT kind, account_a, account_b, p_null, p_windows FROM {_ROWS} WHERE episodes >= 2 "
                f"AND weight >= {int(self.min_weight)} AND p_null IS NOT NULL"
            )
            columns = "coalesce(x.p_value, 1.0) AS p_value, coalesce(x.q_value, 1.0) AS q_value"
            edges = (
                f"SELECT e.*, {columns}, coalesce(x.q_value <= {float(self.alpha)!r}, false) AS significant, "
                f"'pair' AS test FROM {_ROWS} e LEFT JOIN {{pq}} x USING (kind, account_a, account_b)"
            )
            if con.in_process:
                with con.registered(
                    "_unmask_pq", self._q_table(con.arrow(f"{tested} ORDER BY 1, 2, 3"))
                ) as pq:
                    con.create_table(_EDGES, edges.format(pq=pq))
            else:
                # Where the tested pairs do not fit the driver: the same q-values by a global sort.
                runs = {r.kind: r.window_pairs for r in self.runs_}
                null.create_q_values(con, tested, runs, len(self.windows_), f"{WORK}.pq")
                con.create_table(_EDGES, edges.format(pq=f"{WORK}.pq"))
                con.drop(f"{WORK}.pq")
        else:
            # Millions of edges without the null model: a view, not another copy. With it but no baseline,
            # the stored edges are those of two occasions or more.
            con.create_view(
                _EDGES,
                f"SELECT *, NULL::DOUBLE AS p_value, "
                f"NULL::DOUBLE AS q_value, weight >= {int(self.min_weight)} AS significant, "
                f"NULL::VARCHAR AS test FROM {_ROWS}",
            )
        self._count_significant(con)

    def _count_significant(self, con: Executor) -> None:
        counts = dict(con.rows(f"SELECT kind, count(*) FROM {_EDGES} WHERE significant GROUP BY kind"))
        for run in self.runs_:
            run.significant = int(counts.get(run.kind, 0))

    def _q_table(self, keys: pa.Table) -> pa.Table:
        """(kind, account_a, account_b, p_value, q_value) of the tested pairs ``keys``."""
        p = keys.column("p_null").to_numpy().astype(float)
        by_window = np.array(keys.column("p_windows").to_pylist(), dtype=float).reshape(
            len(p), len(self.windows_)
        )
        q = self._q_values(keys.column("kind").to_numpy(zero_copy_only=False), by_window)
        return pa.table(
            {
                "kind": keys.column("kind"),
                "account_a": keys.column("account_a"),
                "account_b": keys.column("account_b"),
                "p_value": p,
                "q_value": q,
            }
        )

    def _q_values(self, kinds: np.ndarray, p: np.ndarray) -> np.ndarray:
        """q-values of edges whose p-values at each window are the columns of ``p``.

        One family of hypotheses per kind and window: Benjamini–Hochberg over the family's pairs (m: every
        pair of the kind that co-acted within the window, tested or not) at alpha / W for W windows. An edge's
        q is the smallest over its windows of W × its family's BH q, so that q ≤ alpha is the test: each
        kind's false discovery rate is ≤ alpha (see docs/coordination.md for why, and for all kinds).
        Pooling every kind into one correction let a kind with millions of pointless pairs (a hashtag
        everyone uses) drown the kind that carries the signal.
        """
        q = np.ones(len(p))
        for run in self.runs_:
            mine = np.flatnonzero(kinds == run.kind)
            q[mine] = null.window_q_values(p[mine], run.window_pairs)
        return q

    def _account_scores(self, con: Executor) -> pa.Table:
        """Every account in a tested edge with the smallest q of its edges (empty when untested)."""
        return con.arrow(
            f"SELECT n.account AS account_id, x.best_q FROM (SELECT aid, min(q) AS best_q FROM ("
            f"SELECT account_a AS aid, q_value AS q FROM {_EDGES} WHERE q_value < 1 UNION ALL "
            f"SELECT account_b, q_value FROM {_EDGES} WHERE q_value < 1) GROUP BY aid) x "
            f"JOIN {ACCOUNTS} n ON n.aid = x.aid ORDER BY account_id"
        )

    def _attach(self, con: Executor) -> None:
        """Accounts in no network, tested against each network as one account (:mod:`.attach`). Those
        significant (q ≤ alpha within the kind) join the network with the smallest q: their edges with its
        members are kept as significant, with that test's p and q and ``test`` 'network'."""
        # Ordered: Leiden's result depends on the order of the edges, which no engine promises otherwise.
        sig = con.arrow(
            f"SELECT account_a, account_b, q_value FROM {_EDGES} WHERE significant "
            "ORDER BY account_a, account_b, kind"
        )
        if not sig.num_rows:
            return
        part = self._partition(
            sig.column("account_a").to_numpy(),
            sig.column("account_b").to_numpy(),
            _evidence_weight(sig.column("q_value").to_numpy().astype(float)),
        )
        keep = part.membership >= 0
        if not keep.any():
            return
        members = pa.table(
            {
                "aid": pa.array(np.array(part.accounts, dtype=np.int64)[keep], pa.int32()),
                "network": pa.array(part.membership[keep], pa.int64()),
            }
        )
        con.create_from_arrow(f"{WORK}.members", members)
        base = con.scalar(f"SELECT max(aid) + 1 FROM {ACCOUNTS}")
        found = []
        for i, run in enumerate(self.runs_):
            account, network, p, q_, window_s = attach.test_kind(
                con,
                f"unmask_work.act_{i}",
                f"unmask_work.coact_{i}",
                f"{WORK}.members",
                int(base),
                windows=self.windows_,
                episode_s=self.episode_s,
                stratum_s=self.stratum_s,
                timing=self._timed(run.kind),
                work=WORK,
            )
            ok = q_ <= self.alpha
            found += [
                (int(a), int(n), run.kind, float(pv), float(qv), float(w))
                for a, n, pv, qv, w in zip(account[ok], network[ok], p[ok], q_[ok], window_s[ok], strict=True)
            ]
        best: dict[int, int] = {}
        for a, n, *_ in sorted(found, key=lambda r: (r[4], r[1])):
            best.setdefault(a, n)
        joined = [r for r in found if best[r[0]] == r[1]]
        for run in self.runs_:
            run.joined = len({r[0] for r in joined if r[2] == run.kind})
        if joined:
            self._keep_joined_edges(con, joined)

    def _keep_joined_edges(
        self, con: Executor, joined: list[tuple[int, int, str, float, float, float]]
    ) -> None:
        """The joined accounts' edges with their network's members, kind by kind, as significant edges."""
        columns = list(zip(*joined, strict=True))
        types = (pa.int32(), pa.int64(), pa.string(), pa.float64(), pa.float64(), pa.float64())
        names = ("account", "network", "kind", "p", "q", "window_s")
        con.create_from_arrow(
            f"{WORK}.joined",
            pa.table({n: pa.array(c, t) for n, c, t in zip(names, columns, types, strict=True)}),
        )
        for i, run in enumerate(self.runs_):
            if not run.joined:
                continue
            con.create_table(
                f"{WORK}.joined_coact",
                f"""SELECT c.* FROM unmask_work.coact_{i} c SEMI JOIN (
                        SELECT least(j.account, m.aid) AS account_a, greatest(j.account, m.aid) AS account_b
                        FROM {WORK}.joined j JOIN {WORK}.members m ON m.network = j.network
                        WHERE j.kind = {literal(run.kind)}) USING (account_a, account_b)""",
            )
            con.create_empty(f"{WORK}.joined_edges", pairs.EDGE_COLUMNS)
            pairs.aggregate_edges(
                con,
                f"{WORK}.joined_coact",
                run.kind,
                self.episode_s,
                f"{WORK}.joined_edges",
                single=True,
                work=WORK,
            )
            con.delete_where(
                _EDGES,
                f"EXISTS (SELECT 1 FROM {WORK}.joined_edges x WHERE e.kind = x.kind "
                "AND e.account_a = x.account_a AND e.account_b = x.account_b)",
                alias="e",
            )
            con.insert(
                _EDGES,
                f"""SELECT x.*, NULL::DOUBLE AS expected, j.p AS p_null, j.window_s, j.p AS p_value,
                           j.q AS q_value, true AS significant, 'network' AS test
                    FROM {WORK}.joined_edges x JOIN {WORK}.joined j
                      ON j.kind = x.kind AND j.account IN (x.account_a, x.account_b)""",
                f"{pairs.EDGE_NAMES}, expected, p_null, window_s, p_value, q_value, significant, test",
            )
        self._count_significant(con)

    def _partition(self, a: np.ndarray, b: np.ndarray, weight: np.ndarray):
        """Leiden communities of the edges (a, b) with the run's seed, resolution and smallest size."""
        return leiden_partition(
            a, b, weight, seed=self.seed, resolution=self.resolution, min_size=self.min_network_size
        )

    def _networks(self, con: Executor) -> None:
        kept = con.arrow(
            f"SELECT na.account AS account_a, nb.account AS account_b, e.kind, e.weight, e.coactions, "
            f"e.episodes, "
            f"{con.dialect.timestamp_ms('e.first_ms')} AS first_time, "
            f"{con.dialect.timestamp_ms('e.last_ms')} AS last_time, "
            f"x.median_gap_s, e.expected, e.p_value, e.q_value, e.window_s, e.test, x.evidence "
            f"FROM {_EDGES} e JOIN unmask_work.evidence x USING (account_a, account_b, kind) "
            f"JOIN {ACCOUNTS} na ON na.aid = e.account_a JOIN {ACCOUNTS} nb ON nb.aid = e.account_b "
            f"WHERE e.significant ORDER BY e.account_a, e.account_b, e.kind"
        )
        a = kept.column("account_a").to_numpy(zero_copy_only=False)
        b = kept.column("account_b").to_numpy(zero_copy_only=False)
        if self.tested_:
            q = kept.column("q_value").to_numpy(zero_copy_only=False).astype(float)
            evidence = _evidence_weight(q)
        else:
            evidence = kept.column("weight").to_numpy().astype(float)
        part = self._partition(a, b, evidence)
        network_of = dict(zip(part.accounts, part.membership.tolist(), strict=True))
        net_a = np.array([network_of.get(x, -1) for x in a.tolist()], dtype=np.int64)
        net_b = np.array([network_of.get(x, -1) for x in b.tolist()], dtype=np.int64)
        internal = (net_a == net_b) & (net_a >= 0)
        if not self.tested_:
            network_of = _rank_untested(kept, internal, net_a, network_of)
            net_a = np.array([network_of.get(x, -1) for x in a.tolist()], dtype=np.int64)
        edges = kept.append_column("network_id", pa.array(np.where(internal, net_a, -1)))
        if not self.tested_:
            edges = edges.take(pa.array(_untested_order(edges), pa.int64()))
            internal = edges.column("network_id").to_numpy() >= 0
            net_a = edges.column("network_id").to_numpy()
        self.edges_ = edges
        self.networks_, self.accounts_ = _describe(self.edges_, internal, net_a, network_of, self.tested_)


def _evidence_weight(q: np.ndarray) -> np.ndarray:
    """An edge's weight in the account graph: −log10 q."""
    return -np.log10(np.maximum(q, 1e-300))


def _untested_order(edges: pa.Table) -> np.ndarray:
    """Untested edges, most episodes first, then weight, then the accounts (a stable, engine-free order)."""
    cols = [edges.column(c).to_numpy(zero_copy_only=False) for c in ("account_b", "account_a", "kind")]
    return np.lexsort((*cols, -edges.column("weight").to_numpy(), -edges.column("episodes").to_numpy()))


def _rank_untested(
    edges: pa.Table, internal: np.ndarray, net_a: np.ndarray, network_of: dict[str, int]
) -> dict[str, int]:
    """Networks renumbered by their internal edges' episodes, then weight, then size: without a test, how
    often the accounts acted together is what ranks them."""
    episodes = edges.column("episodes").to_numpy()[internal]
    weight = edges.column("weight").to_numpy()[internal]
    nets = sorted({n for n in network_of.values() if n >= 0})
    size = {n: 0 for n in nets}
    for n in network_of.values():
        if n >= 0:
            size[n] += 1
    totals = {
        n: (int(episodes[net_a[internal] == n].sum()), int(weight[net_a[internal] == n].sum())) for n in nets
    }
    order = sorted(nets, key=lambda n: (-totals[n][0], -totals[n][1], -size[n], n))
    rank = {n: i for i, n in enumerate(order)}
    return {acc: (rank[n] if n >= 0 else -1) for acc, n in network_of.items()}


def _posts_view(case: Case | Executor, posts: str = "posts") -> bool:
    """The posts the engine reads: ``account`` is the run's integer id of the author (see
    :data:`ACCOUNTS`), ``t_ms`` the time in epoch milliseconds."""
    ex = DuckDBExecutor(case.con) if isinstance(case, Case) else case
    multi = ex.scalar(f"SELECT count(DISTINCT platform) FROM {posts}") > 1
    name = "p.platform || ':' || p.account_id" if multi else "p.account_id"
    # Ids follow the names' order, so that account_a < account_b means the same for ids and names.
    ex.create_numbered(
        ACCOUNTS, f"SELECT DISTINCT {name} AS account FROM {posts} p", "account", "aid", sql_type="INTEGER"
    )
    ex.create_view(
        _POSTS,
        f"SELECT p.*, i.aid AS account, {ex.dialect.epoch_ms('p.created_at')} AS t_ms "
        f"FROM {posts} p JOIN {ACCOUNTS} i ON i.account = {name}",
    )
    return multi


def _describe(
    edges: pa.Table, internal: np.ndarray, net_a: np.ndarray, network_of: dict[str, int], with_null: bool
) -> tuple[list[dict], pa.Table]:
    """Per-network statistics and per-account scores from the internal edges of each network."""
    rows = edges.filter(pa.array(internal)).to_pylist()
    by_net: dict[int, list[dict]] = {}
    for row in rows:
        by_net.setdefault(row["network_id"], []).append(row)
    members: dict[int, list[str]] = {}
    for account, net in network_of.items():
        if net >= 0:
            members.setdefault(net, []).append(account)
    best_q: dict[str, float] = {}
    for row in rows:
        q = row["q_value"] if with_null else 1.0
        for acc in (row["account_a"], row["account_b"]):
            best_q[acc] = min(best_q.get(acc, 1.0), q)
    # Calibrated on planted runs (unmask.coordination.calibration); without a test there is nothing to
    # calibrate, and the score is 0 like the finding's confidence.
    accounts_all = sorted(acc for acc, net in network_of.items() if net >= 0)
    raw = np.array([1.0 - best_q.get(acc, 1.0) for acc in accounts_all])
    calibrated = calibrate(raw) if with_null and len(raw) else np.zeros(len(raw))
    score_of = dict(zip(accounts_all, calibrated.tolist(), strict=True))
    networks = []
    for net in sorted(members):
        accs = sorted(members[net])
        net_rows = by_net.get(net, [])
        pairs_ = {(r["account_a"], r["account_b"]) for r in net_rows}
        n = len(accs)
        objects: dict[str, int] = {}
        examples = []
        for r in net_rows:
            for ev in r["evidence"] or []:
                objects[ev["object"]] = objects.get(ev["object"], 0) + 1
                if len(examples) < 10:
                    examples.append(
                        {
                            "kind": r["kind"],
                            "object": ev["object"],
                            "gap_s": ev["gap_s"],
                            "post_a": ev["post_id_a"],
                            "post_b": ev["post_id_b"],
                            "account_a": r["account_a"],
                            "account_b": r["account_b"],
                        }
                    )
        scores = [score_of[acc] for acc in accs]
        by_pair = {
            acc for r in net_rows if r.get("test") == "pair" for acc in (r["account_a"], r["account_b"])
        }
        networks.append(
            {
                "network_id": net,
                "size": n,
                "accounts": accs,
                "kinds": sorted({r["kind"] for r in net_rows}),
                "edges": len(pairs_),
                "density": round(2 * len(pairs_) / (n * (n - 1)), 4) if n > 1 else 0.0,
                "median_gap_s": float(np.median([r["median_gap_s"] for r in net_rows])) if net_rows else None,
                "first_time": min(r["first_time"] for r in net_rows).isoformat() if net_rows else None,
                "last_time": max(r["last_time"] for r in net_rows).isoformat() if net_rows else None,
                "top_objects": [
                    {"object": o, "coactions": c}
                    for o, c in sorted(objects.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
                ],
                "score": round(float(np.mean(scores)), 6) if scores else 0.0,
                # Accounts in the network only through the network test (see unmask.coordination.attach).
                "joined": sum(1 for acc in accs if acc not in by_pair) if with_null else 0,
                "example_posts": examples,
            }
        )
    account_rows = sorted((acc, net, round(score_of[acc], 6)) for acc, net in network_of.items() if net >= 0)
    accounts = pa.table(
        {
            "account_id": pa.array([r[0] for r in account_rows], pa.string()),
            "network_id": pa.array([r[1] for r in account_rows], pa.int64()),
            "score": pa.array([r[2] for r in account_rows], pa.float64()),
        }
    )
    return networks, accounts
