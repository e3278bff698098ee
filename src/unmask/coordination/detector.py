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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from unmask.case import Case
from unmask.coordination import actions, nearduplicates, null, pairs
from unmask.coordination.communities import leiden_partition
from unmask.coordination.window import estimate_window, time_resolution
from unmask.errors import OptionError

VERSION = "1"
_POSTS = "_unmask_cposts"
WORK = "unmask_work"
MAX_AUTO_WINDOW_S = 600  # the scratch database of a run (Case.scratch)
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
    edges: int = 0  # pairs stored: with the null model, those with two occasions or more (tested)
    significant: int = 0
    capped_objects: int = 0
    capped_examples: list[dict] = field(default_factory=list)
    seconds: float = 0.0


class Coordination:
    """Find networks of accounts that act together more than chance allows.

    Parameters
    ----------
    kinds:
        Co-action kinds (see :mod:`unmask.coordination.actions`): share, link, text, near_text, hashtag,
        hashtag_set, reply, mention, or ``column:NAME``.
    window:
        Seconds within which two actions on one object are a co-action, or ``"auto"`` to estimate it as
        CooRnet does (:func:`unmask.coordination.window.estimate_window`).
    null:
        Test every edge against the time-stratified configuration null (:mod:`unmask.coordination.null`);
        False keeps every edge of weight ≥ ``min_weight``, as the peer tools do.
    alpha:
        False discovery rate for significant edges.
    min_weight:
        Fewest distinct objects an edge needs to be tested (or, without the null, kept).
    episode_s, stratum_s:
        The null model's episode (an hour) and stratum (a day): see :mod:`unmask.coordination.null`.
    max_object_accounts:
        Set aside objects acted on by more accounts than this (None: keep all); reported per kind.
    near_text_threshold, near_text_min_tokens:
        Jaccard threshold and fewest words for near-duplicate texts.
    min_network_size, resolution, seed:
        Networks smaller than this are not reported; Leiden's resolution and seed.

    Attributes
    ----------
    window_ : the window used, in seconds (an automatic estimate is capped at MAX_AUTO_WINDOW_S and is
        never below ``time_resolution_``, the coarsest unit all times are multiples of: 1 s, 60 s or 1 h).
    runs_ : a :class:`KindRun` per kind.
    networks_ : list of dicts (network_id, size, accounts, kinds, density, median_gap_s, first_time,
        last_time, top_objects, score, example_posts).
    accounts_ : pyarrow table (account_id, network_id, score).
    edges_ : pyarrow table of the kept edges (significant, or weight ≥ min_weight without the null).
    """

    def __init__(
        self,
        kinds: tuple[str, ...] = actions.DEFAULT_KINDS,
        window: float | str = "auto",
        null: bool = True,
        alpha: float = 0.01,
        min_weight: int = 1,
        episode_s: float = 86400,
        stratum_s: float = 86400,
        max_object_accounts: int | None = None,
        near_text_threshold: float = 0.6,
        near_text_min_tokens: int = 1,
        min_network_size: int = 3,
        resolution: float = 0.05,
        seed: int = 0,
        evidence_per_edge: int = 20,
    ):
        self.kinds = kinds
        self.window = window
        self.null = null
        self.alpha = alpha
        self.min_weight = min_weight
        self.episode_s = episode_s
        self.stratum_s = stratum_s
        self.max_object_accounts = max_object_accounts
        self.near_text_threshold = near_text_threshold
        self.near_text_min_tokens = near_text_min_tokens
        self.min_network_size = min_network_size
        self.resolution = resolution
        self.seed = seed
        self.evidence_per_edge = evidence_per_edge

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
                "near_text_threshold",
                "near_text_min_tokens",
                "min_network_size",
                "resolution",
                "seed",
                "evidence_per_edge",
            )
        }

    # -- fitting -----------------------------------------------------------------------------------

    def fit(self, case: Case, *, on_stage: Callable[[str], None] = lambda stage: None) -> Coordination:
        """Run every step on the case's posts. ``on_stage`` is told each step's name as it starts (a
        progress display: a large case takes minutes)."""
        self._check_params()
        with case.scratch(WORK):
            return self._fit(case, on_stage)

    def _fit(self, case: Case, on_stage: Callable[[str], None]) -> Coordination:
        con = case.con
        n = len(self.kinds)
        started = time.perf_counter()
        self.multi_platform_ = _posts_view(case)
        columns = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {_POSTS})").fetchall())
        self.runs_ = [KindRun(k) for k in self.kinds]
        for i, run in enumerate(self.runs_):
            t = time.perf_counter()
            on_stage(f"coordination: {run.kind}: actions (kind {i + 1} of {n})")
            if run.kind == actions.NEAR_TEXT:
                on_stage(f"coordination: {run.kind}: similar texts (kind {i + 1} of {n})")
                self.near_text_docs_, self.near_text_pairs_, self.near_text_oversized_ = (
                    nearduplicates.similar_docs(
                        con,
                        _POSTS,
                        threshold=self.near_text_threshold,
                        min_tokens=self.near_text_min_tokens,
                        seed=self.seed,
                    )
                )
                sql = nearduplicates.near_text_actions_sql()
            else:
                sql = actions.kind_sql(run.kind, columns).format(posts=_POSTS)
            con.execute(f"CREATE OR REPLACE TABLE unmask_work.act_{i} AS {sql}")
            run.actions = con.execute(f"SELECT count(*) FROM unmask_work.act_{i}").fetchall()[0][0]
            run.seconds += time.perf_counter() - t
        if self.window == "auto":
            on_stage("coordination: estimating the window")
            union = " UNION ALL ".join(
                f"SELECT object, t_ms FROM unmask_work.act_{i}" for i in range(len(self.runs_))
            )
            estimate = estimate_window(con, f"({union})") if self.runs_ else 1
            self.time_resolution_ = time_resolution(con, f"({union})") if self.runs_ else 1
            # Objects reused for days (a site's front page, a weekly hashtag) can push the estimate to hours,
            # where co-action no longer means acting together: the estimate is capped, and says so. It is
            # never finer than the times themselves (minute-resolution exports).
            self.window_estimate_ = estimate
            self.window_ = max(min(estimate, MAX_AUTO_WINDOW_S), self.time_resolution_)
        else:
            self.window_ = float(self.window)
        con.execute(f"CREATE OR REPLACE TABLE {_ROWS} ({pairs.EDGE_COLUMNS}, expected DOUBLE, p_null DOUBLE)")
        for i, run in enumerate(self.runs_):
            t = time.perf_counter()
            on_stage(f"coordination: {run.kind}: pairs among {run.actions:,} actions (kind {i + 1} of {n})")
            self._edges_of_kind(con, i, run)
            run.seconds += time.perf_counter() - t
        t = time.perf_counter()
        on_stage("coordination: significance")
        self._significance(con)
        on_stage("coordination: evidence")
        self._evidence(con)
        on_stage(f"coordination: networks among {sum(r.significant for r in self.runs_):,} edges")
        self._networks(con)
        for i in range(len(self.runs_)):
            con.execute(f"DROP TABLE IF EXISTS unmask_work.coact_{i}")
            con.execute(f"DROP TABLE IF EXISTS unmask_work.act_{i}")
        self.seconds_ = {
            "kinds": {r.kind: round(r.seconds, 3) for r in self.runs_},
            "significance_and_networks": round(time.perf_counter() - t, 3),
            "total": round(time.perf_counter() - started, 3),
        }
        return self

    @property
    def version_(self) -> str:
        return VERSION

    def _check_params(self) -> None:
        unknown = [k for k in self.kinds if k not in actions.ALL_KINDS and not k.startswith("column:")]
        if unknown or not self.kinds:
            raise OptionError(f"unknown kinds {unknown}; known: {', '.join(actions.ALL_KINDS)}")
        if self.window != "auto":
            try:
                if float(self.window) < 0:
                    raise ValueError
            except (TypeError, ValueError):
                raise OptionError(f"--window {self.window!r}: seconds (≥ 0) or auto") from None
        if not 0 < self.alpha < 1:
            raise OptionError("--alpha must be between 0 and 1")
        if self.min_weight < 1:
            raise OptionError("--min-weight must be at least 1")
        if not 0 < self.near_text_threshold <= 1:
            raise OptionError("--near-text-threshold must be in (0, 1]")

    def _edges_of_kind(self, con, i: int, run: KindRun) -> None:
        act, coact = f"unmask_work.act_{i}", f"unmask_work.coact_{i}"
        if self.max_object_accounts:
            capped = con.execute(
                f"SELECT any_value(object), count(DISTINCT account) AS accounts FROM {act} GROUP BY oid "
                f"HAVING count(DISTINCT account) > {int(self.max_object_accounts)} ORDER BY accounts DESC"
            ).fetchall()
            run.capped_objects = len(capped)
            run.capped_examples = [{"object": o, "accounts": n} for o, n in capped[:20]]
            if capped:
                con.execute(
                    f"DELETE FROM {act} WHERE oid IN (SELECT oid FROM {act} GROUP BY oid "
                    f"HAVING count(DISTINCT account) > {int(self.max_object_accounts)})"
                )
        if run.kind == actions.NEAR_TEXT:
            sql = nearduplicates.near_text_coaction_sql(self.window_)
            if self.max_object_accounts:
                sql = f"SELECT c.* FROM ({sql}) c SEMI JOIN (SELECT DISTINCT oid FROM {act}) USING (oid)"
            con.execute(f"CREATE OR REPLACE TABLE {coact} AS {sql}")
        else:
            pairs.create_coactions(con, act, self.window_, coact)
        run.coactions = con.execute(f"SELECT count(*) FROM {coact}").fetchall()[0][0]
        if not self.null:
            run.pairs = pairs.aggregate_edges(
                con, coact, run.kind, self.episode_s, _ROWS, single=self.min_weight < 2, work=WORK
            )
            count = f"SELECT count(*) FROM {_ROWS} WHERE kind = ?"
            [(run.edges,)] = con.execute(count, [run.kind]).fetchall()
            return
        kind_edges = f"{WORK}.kind_edges"
        con.execute(f"CREATE OR REPLACE TABLE {kind_edges} ({pairs.EDGE_COLUMNS})")
        run.pairs = pairs.aggregate_edges(
            con, coact, run.kind, self.episode_s, kind_edges, single=False, work=WORK
        )
        con.execute(f"DELETE FROM {kind_edges} WHERE episodes < 2")
        for statement in null.surprise_statements(
            act, coact, kind_edges, f"{WORK}.surprise", self.episode_s, self.stratum_s, WORK
        ):
            con.execute(statement)
        con.execute(
            f"INSERT INTO {_ROWS} SELECT e.*, x.expected, x.p_null FROM {kind_edges} e LEFT JOIN "
            f"(SELECT account_a, account_b, max({null.chernoff_p_sql()}) AS p_null, "
            f"max(expected) AS expected FROM {WORK}.surprise GROUP BY ALL) x USING (account_a, account_b)"
        )
        run.edges = con.execute(f"SELECT count(*) FROM {kind_edges}").fetchall()[0][0]
        con.execute(f"DROP TABLE {kind_edges}")
        con.execute(f"DROP TABLE {WORK}.surprise")

    def _evidence(self, con) -> None:
        """Median gaps and evidence co-actions for the kept edges only."""
        con.execute(
            "CREATE OR REPLACE TABLE unmask_work.evidence (account_a INTEGER, account_b INTEGER, "
            "kind VARCHAR, median_gap_s DOUBLE, evidence STRUCT(object VARCHAR, gap_s DOUBLE, "
            "post_id_a VARCHAR, post_id_b VARCHAR, source_id_a INTEGER, record_no_a BIGINT, "
            "source_id_b INTEGER, record_no_b BIGINT)[])"
        )
        for i, run in enumerate(self.runs_):
            kept = f"(SELECT account_a, account_b FROM {_EDGES} WHERE significant AND kind = '{run.kind}')"
            con.execute(
                "INSERT INTO unmask_work.evidence "
                + pairs.evidence_sql(
                    f"unmask_work.coact_{i}",
                    f"unmask_work.act_{i}",
                    _POSTS,
                    kept,
                    run.kind,
                    self.evidence_per_edge,
                )
            )

    def _significance(self, con) -> None:
        """p-values from the null, q-values over every edge of every kind together.

        Only tested edges (two occasions or more) leave the database; the others have p = 1 and count in
        the correction through ``m``.
        """
        if self.null:
            m = sum(run.pairs for run in self.runs_)
            keys = con.sql(
                f"SELECT kind, account_a, account_b, p_null FROM {_ROWS} WHERE episodes >= 2 "
                f"AND weight >= {int(self.min_weight)} AND p_null IS NOT NULL "
                "ORDER BY kind, account_a, account_b"
            ).to_arrow_table()
            p = keys.column("p_null").to_numpy().astype(float)
            q = null.benjamini_hochberg(p, m=m)
            table = pa.table(
                {
                    "kind": keys.column("kind"),
                    "account_a": keys.column("account_a"),
                    "account_b": keys.column("account_b"),
                    "p_value": p,
                    "q_value": q,
                    "significant": q <= self.alpha,
                }
            )
            con.register("_unmask_pq", table)
            con.execute(
                f"CREATE OR REPLACE TABLE {_EDGES} AS SELECT e.*, "
                f"coalesce(x.p_value, 1.0) AS p_value, coalesce(x.q_value, 1.0) AS q_value, "
                f"coalesce(x.significant, false) AS significant "
                f"FROM {_ROWS} e LEFT JOIN _unmask_pq x USING (kind, account_a, account_b)"
            )
            con.unregister("_unmask_pq")
        else:
            # Millions of edges without the null model: a view, not another copy.
            con.execute(
                f"CREATE OR REPLACE VIEW {_EDGES} AS SELECT *, NULL::DOUBLE AS p_value, "
                f"NULL::DOUBLE AS q_value, weight >= {int(self.min_weight)} AS significant FROM {_ROWS}"
            )
        counts = dict(
            con.execute(f"SELECT kind, count(*) FROM {_EDGES} WHERE significant GROUP BY kind").fetchall()
        )
        for run in self.runs_:
            run.significant = int(counts.get(run.kind, 0))

    def _networks(self, con) -> None:
        kept = con.sql(
            f"SELECT na.account AS account_a, nb.account AS account_b, e.kind, e.weight, e.coactions, "
            f"e.episodes, "
            f"make_timestamptz(e.first_ms * 1000) AS first_time, "
            f"make_timestamptz(e.last_ms * 1000) AS last_time, "
            f"x.median_gap_s, e.expected, e.p_value, e.q_value, x.evidence "
            f"FROM {_EDGES} e JOIN unmask_work.evidence x USING (account_a, account_b, kind) "
            f"JOIN {ACCOUNTS} na ON na.aid = e.account_a JOIN {ACCOUNTS} nb ON nb.aid = e.account_b "
            f"WHERE e.significant ORDER BY e.account_a, e.account_b, e.kind"
        ).to_arrow_table()
        a = kept.column("account_a").to_numpy(zero_copy_only=False)
        b = kept.column("account_b").to_numpy(zero_copy_only=False)
        if self.null:
            q = kept.column("q_value").to_numpy(zero_copy_only=False).astype(float)
            evidence = -np.log10(np.maximum(q, 1e-300))
        else:
            evidence = kept.column("weight").to_numpy().astype(float)
        part = leiden_partition(
            a, b, evidence, seed=self.seed, resolution=self.resolution, min_size=self.min_network_size
        )
        network_of = dict(zip(part.accounts, part.membership.tolist(), strict=True))
        net_a = np.array([network_of.get(x, -1) for x in a.tolist()], dtype=np.int64)
        net_b = np.array([network_of.get(x, -1) for x in b.tolist()], dtype=np.int64)
        internal = (net_a == net_b) & (net_a >= 0)
        self.edges_ = kept.append_column("network_id", pa.array(np.where(internal, net_a, -1)))
        self.networks_, self.accounts_ = _describe(self.edges_, internal, net_a, network_of, self.null)


def _posts_view(case: Case) -> bool:
    """The posts the engine reads: ``account`` is the run's integer id of the author (see
    :data:`ACCOUNTS`), ``t_ms`` the time in epoch milliseconds."""
    multi = case.scalar("SELECT count(DISTINCT platform) FROM posts") > 1
    name = "p.platform || ':' || p.account_id" if multi else "p.account_id"
    # Ids follow the names' order, so that account_a < account_b means the same for ids and names.
    case.con.execute(
        f"CREATE OR REPLACE TABLE {ACCOUNTS} AS SELECT account, "
        f"(row_number() OVER (ORDER BY account))::INTEGER AS aid "
        f"FROM (SELECT DISTINCT {name} AS account FROM posts p)"
    )
    case.con.execute(
        f"CREATE OR REPLACE TEMP VIEW {_POSTS} AS SELECT p.*, i.aid AS account, "
        f"epoch_ms(p.created_at) AS t_ms FROM posts p JOIN {ACCOUNTS} i ON i.account = {name}"
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
        q = row["q_value"] if with_null else 0.0
        for acc in (row["account_a"], row["account_b"]):
            best_q[acc] = min(best_q.get(acc, 1.0), q)
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
        scores = [1.0 - best_q.get(acc, 1.0) for acc in accs]
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
                "score": round(float(np.median(scores)), 6) if scores else 0.0,
                "example_posts": examples,
            }
        )
    account_rows = sorted(
        (acc, net, round(1.0 - best_q.get(acc, 1.0), 6)) for acc, net in network_of.items() if net >= 0
    )
    accounts = pa.table(
        {
            "account_id": pa.array([r[0] for r in account_rows], pa.string()),
            "network_id": pa.array([r[1] for r in account_rows], pa.int64()),
            "score": pa.array([r[2] for r in account_rows], pa.float64()),
        }
    )
    return networks, accounts
