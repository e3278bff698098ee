"""Building the case graph: the links between accounts, bylines, networks and the records' sites.

Attribution links the records' entities (``links``). The case graph adds, in ``graph_nodes`` and
``graph_links``, what ties posts, documents and engine runs to them; each link rests on rows of the case
(its ``evidence``, capped at :data:`EVIDENCE_CAP` rows) or on a stored engine run (``source``):

==================  =========================================================================================
kind                the link
==================  =========================================================================================
posted-links-to     account → site: the account's own posts (not its shares of others' posts) link to a
                    domain that is a site of the case (a record names it: WHOIS, a saved page, an ad's link)
profile-links-to    account → site: a URL in the account's profile (X API ``url``, ``entities``, description)
published-on        byline → site: the byline's documents' URLs
acted-together      account — account: a significant edge of the latest coordination run (kind, q)
member-of           account → network: a member of a network of the latest coordination run
same-writer         byline — byline: a ``shared-writer`` finding of ``persona link``
same-as             account ≡ page: the same page id in a posts export and the ad library; site → account:
                    the site names the account as its own (``twitter:site``, a social link)
==================  =========================================================================================

Sites match by registrable domain (:mod:`unmask.graph.domains`): ``www.`` and subdomains count for it. Only
sites of the case are nodes, so accounts never meet through a news site everyone links: they meet through
significant coordination edges and through sites the records name. A site of the case that a large share
of the accounts link (more than :data:`POPULAR_SHARE` of them, and more than :data:`POPULAR_MIN`) costs more
to cross, as generic payers do, and the hop says so.

:func:`ensure` rebuilds the graph when what it reads changed (the sources, the reviewer's decisions, the
latest run of each engine, the persona findings): its digest is kept as a run of the engine ``graph``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Iterable

import duckdb
import pyarrow as pa

from unmask.case import Case
from unmask.graph.domains import host, registrable
from unmask.runs import record_run
from unmask.sources import source_fingerprints

ENGINE = "graph"
EVIDENCE_CAP = 5
POPULAR_SHARE = 0.05
POPULAR_MIN = 20
COST = {"link": 1.0, "popular": 6.0, "run": 1.0}
_URLS = r"https?://[^\s\"'<>\\]+"
_HOST_RE = "'^[a-zA-Z][a-zA-Z0-9+.-]*://(?:[^@/?#]*@)?([^/:?#]+)'"  # the host of an absolute URL, in SQL


def data_state(con: duckdb.DuckDBPyConnection) -> str:
    """A digest of everything the graph reads."""
    sources = source_fingerprints(con)
    decisions = con.execute(
        "SELECT left_id, right_id, decision FROM resolutions WHERE decision IN ('accepted', 'rejected')"
        " ORDER BY ALL"
    ).fetchall()
    runs = con.execute(
        f"SELECT engine, max(run_id) FROM runs WHERE engine <> '{ENGINE}' GROUP BY engine ORDER BY engine"
    ).fetchall()
    writers = con.execute(
        "SELECT finding_id FROM findings WHERE kind = 'shared-writer' ORDER BY 1"
    ).fetchall()
    return hashlib.sha256(json.dumps([sources, decisions, runs, writers], default=str).encode()).hexdigest()


def is_stale(case: Case) -> bool:
    if case.schema_version() < 8:
        return False
    rows = case.con.execute(
        f"SELECT input_digest FROM runs WHERE engine = '{ENGINE}' ORDER BY run_id DESC LIMIT 1"
    ).fetchall()
    return not rows or rows[0][0] != data_state(case.con)


def ensure(case: Case) -> dict | None:
    """Rebuild the graph if what it reads changed; its counts, or None when it was up to date."""
    if not is_stale(case):
        return None
    return build(case)


def build(case: Case) -> dict:
    """Rebuild ``graph_nodes`` and ``graph_links`` in one transaction; the counts by kind."""
    started = time.perf_counter()
    case.con.register("_unmask_sites", _sites(case.con))
    try:
        with case.transaction() as con:
            con.execute("DELETE FROM graph_nodes")
            con.execute("DELETE FROM graph_links")
            for step in (_account_nodes, _posted_links, _profile_links, _published_on, _coordination,
                         _same_writer, _same_as):  # fmt: skip
                step(con)
            counts = _record(con, time.perf_counter() - started)
    finally:
        case.con.unregister("_unmask_sites")
    return counts


def _record(con: duckdb.DuckDBPyConnection, seconds: float) -> dict:
    """The build's row in ``runs`` (its digest is what :func:`is_stale` compares); the counts by kind."""
    counts = dict(
        con.execute("SELECT kind, count(*) FROM graph_links GROUP BY kind ORDER BY kind").fetchall()
    )
    record_run(con, ENGINE, digest=data_state(con), counts=counts, seconds=seconds)
    return counts


def _sites(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """The case's sites (website ``Asset`` entities, named by their domain) by registrable domain."""
    rows = con.execute(
        "SELECT DISTINCT entity_id, lower(value) FROM statements WHERE schema = 'Asset' AND prop = 'name'"
        " AND entity_id LIKE 'site-%'"
    ).fetchall()
    pairs = [(eid, d) for eid, name in rows if (d := registrable(name))]
    return pa.table({"site_id": [p[0] for p in pairs], "domain": [p[1] for p in pairs]})


def _domains(con: duckdb.DuckDBPyConnection, hosts: Iterable[str]) -> None:
    """``_unmask_hosts(host, domain)``: the registrable domain of each host under a site's domain."""
    sites = {r[0] for r in con.execute("SELECT domain FROM _unmask_sites").fetchall()}
    pairs = [(h, d) for h in hosts if h and (d := registrable(h)) in sites]
    table = pa.table({"host": pa.array([p[0] for p in pairs], pa.string()),
                      "domain": pa.array([p[1] for p in pairs], pa.string())})  # fmt: skip
    con.register("_unmask_hosts", table)


def _unregister(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Unregister a view even in an aborted transaction, so that the error that aborted it is the one
    reported."""
    with contextlib.suppress(duckdb.Error):
        con.unregister(name)


def _account_nodes(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        INSERT INTO graph_nodes
        SELECT 'account:' || platform || ':' || account_id, 'Account',
               coalesce('@' || handle, display_name, account_id),
               json_object('platform', platform, 'account_id', account_id, 'handle', handle)
        FROM accounts
        """
    )


def _evidence_sql(source: str, record: str, order: str) -> str:
    """A JSON list of at most EVIDENCE_CAP ``{source, row}``, the first by ``order``."""
    return (
        f"to_json(list({{'source': s.path, 'row': {record}}} ORDER BY {order})[1:{EVIDENCE_CAP}])"
        if source
        else "NULL"
    )


def _posted_links(con: duckdb.DuckDBPyConnection) -> None:
    """account → site, from the account's own posts; popular sites cost more."""
    # A view, not a table: the posts are read twice (their hosts, then the links), never copied.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW _unmask_post_hosts AS
        SELECT platform, account_id, created_at, source_id, record_no,
               lower(regexp_extract(unnest(urls), {_HOST_RE}, 1)) AS host
        FROM posts WHERE shared_post_id IS NULL AND len(urls) > 0
        """
    )
    hosts = [r[0] for r in con.execute("SELECT DISTINCT host FROM _unmask_post_hosts").fetchall()]
    _domains(con, hosts)
    try:
        accounts = con.execute("SELECT count(*) FROM accounts").fetchall()[0][0] or 1
        con.execute(
            f"""
            INSERT INTO graph_links
            WITH linked AS (
                SELECT p.platform, p.account_id, h.domain, p.created_at, p.source_id, p.record_no
                FROM _unmask_post_hosts p JOIN _unmask_hosts h USING (host)
            ),
            reach AS (
                SELECT domain, count(DISTINCT (platform, account_id)) AS accounts FROM linked GROUP BY 1
            )
            SELECT 'account:' || l.platform || ':' || l.account_id, st.site_id,
                   'posted links to' || CASE WHEN r.accounts > {POPULAR_MIN}
                        AND r.accounts > {POPULAR_SHARE} * {accounts}
                       THEN ' (a site ' || r.accounts || ' accounts of the case link to)' ELSE '' END,
                   'posted-links-to',
                   CASE WHEN r.accounts > {POPULAR_MIN} AND r.accounts > {POPULAR_SHARE} * {accounts}
                        THEN {COST["popular"]} ELSE {COST["link"]} END,
                   NULL,
                   {_evidence_sql("s", "l.record_no", "l.created_at, l.source_id, l.record_no")},
                   json_object('posts', count(*), 'first', min(l.created_at), 'last', max(l.created_at),
                               'accounts_linking_site', any_value(r.accounts))
            FROM linked l JOIN reach r USING (domain) JOIN _unmask_sites st USING (domain)
            JOIN sources s ON s.source_id = l.source_id
            GROUP BY l.platform, l.account_id, st.site_id, r.accounts
            """
        )
    finally:
        _unregister(con, "_unmask_hosts")
        with contextlib.suppress(duckdb.Error):  # an aborted transaction drops it with itself
            con.execute("DROP VIEW IF EXISTS _unmask_post_hosts")


def _profile_links(con: duckdb.DuckDBPyConnection) -> None:
    """account → site, from URLs anywhere in the account's profile."""
    rows = con.execute(
        "SELECT platform, account_id, unnest(regexp_extract_all(CAST(profile AS VARCHAR), ?))"
        " FROM accounts WHERE profile IS NOT NULL",
        [_URLS],
    ).fetchall()
    hosts = {r[2]: host(r[2]) for r in rows}
    _domains(con, {h for h in hosts.values() if h})
    table = pa.table({
        "platform": [r[0] for r in rows], "account_id": [r[1] for r in rows],
        "host": pa.array([hosts[r[2]] for r in rows], pa.string()),
    })  # fmt: skip
    con.register("_unmask_profile_urls", table)
    try:
        con.execute(
            f"""
            INSERT INTO graph_links
            SELECT DISTINCT 'account:' || u.platform || ':' || u.account_id, st.site_id, 'profile links to',
                   'profile-links-to', {COST["link"]}, NULL,
                   to_json([{{'source': s.path, 'row': a.record_no}}]), NULL
            FROM _unmask_profile_urls u JOIN _unmask_hosts h USING (host) JOIN _unmask_sites st USING (domain)
            JOIN accounts a ON a.platform = u.platform AND a.account_id = u.account_id
            JOIN sources s ON s.source_id = a.source_id
            """
        )
    finally:
        _unregister(con, "_unmask_profile_urls")
        _unregister(con, "_unmask_hosts")


def _published_on(con: duckdb.DuckDBPyConnection) -> None:
    """byline → site, from the byline's documents' URLs; the byline nodes."""
    con.execute(
        """
        INSERT INTO graph_nodes
        SELECT 'byline:' || byline, 'Byline', byline, json_object('documents', count(*))
        FROM documents WHERE byline IS NOT NULL GROUP BY byline
        """
    )
    hosts = [r[0] for r in con.execute(
        f"SELECT DISTINCT lower(regexp_extract(url, {_HOST_RE}, 1))"
        " FROM documents WHERE url IS NOT NULL"
    ).fetchall()]  # fmt: skip
    _domains(con, hosts)
    try:
        con.execute(
            f"""
            INSERT INTO graph_links
            SELECT 'byline:' || d.byline, st.site_id, 'published on', 'published-on', {COST["link"]}, NULL,
                   {_evidence_sql("s", "d.record_no", "d.published_at, d.source_id, d.record_no")},
                   json_object('documents', count(*))
            FROM documents d
            JOIN _unmask_hosts h
                 ON h.host = lower(regexp_extract(d.url, {_HOST_RE}, 1))
            JOIN _unmask_sites st USING (domain) JOIN sources s ON s.source_id = d.source_id
            WHERE d.byline IS NOT NULL
            GROUP BY d.byline, st.site_id
            """
        )
    finally:
        _unregister(con, "_unmask_hosts")


def _coordination(con: duckdb.DuckDBPyConnection) -> None:
    """acted-together and member-of, from the latest coordination run's stored edges and members."""
    rows = con.execute("SELECT max(run_id) FROM runs WHERE engine = 'coordination'").fetchall()
    run_id = rows[0][0] if rows else None
    if run_id is None:
        return
    # Coordination keys accounts by id alone: an id is matched to the case's accounts on every platform.
    con.execute(
        f"""
        INSERT INTO graph_nodes
        SELECT 'network:' || network_id, 'Network',
               'network ' || network_id || ' (' || count(*) || ' accounts)',
               json_object('run_id', {run_id}, 'accounts', count(*), 'score', avg(score))
        FROM coordination_members WHERE run_id = {run_id} GROUP BY network_id
        """
    )
    con.execute(
        f"""
        INSERT INTO graph_links
        SELECT 'account:' || a.platform || ':' || m.account_id, 'network:' || m.network_id, 'member of',
               'member-of', {COST["run"]}, 'run:{run_id}', to_json([]), json_object('score', m.score)
        FROM coordination_members m JOIN accounts a ON a.account_id = m.account_id
        WHERE m.run_id = {run_id}
        """
    )
    con.execute(
        f"""
        INSERT INTO graph_links
        WITH edges AS (
            SELECT account_a, account_b, list(kind ORDER BY q_value) AS kinds, min(q_value) AS q,
                   sum(weight) AS objects
            FROM coordination_edges WHERE run_id = {run_id} AND tested AND q_value IS NOT NULL
            GROUP BY account_a, account_b
        ),
        ev AS (
            SELECT e.account_a, e.account_b,
                   list({{'source': sa.path, 'row': e.record_no_a}} ORDER BY e.kind, e.seq)[1:{EVIDENCE_CAP}]
                       AS a_rows,
                   list({{'source': sb.path, 'row': e.record_no_b}} ORDER BY e.kind, e.seq)[1:{EVIDENCE_CAP}]
                       AS b_rows
            FROM coordination_evidence e
            LEFT JOIN sources sa ON sa.source_id = e.source_id_a
            LEFT JOIN sources sb ON sb.source_id = e.source_id_b
            WHERE e.run_id = {run_id} GROUP BY e.account_a, e.account_b
        )
        SELECT 'account:' || pa.platform || ':' || e.account_a,
               'account:' || pb.platform || ':' || e.account_b,
               'acted together (' || array_to_string(list_distinct(e.kinds), ', ') || '; q = '
                   || printf('%.2g', e.q) || ')',
               'acted-together', {COST["run"]}, 'run:{run_id}',
               to_json(list_concat(coalesce(v.a_rows, []), coalesce(v.b_rows, []))[1:{EVIDENCE_CAP}]),
               json_object('kinds', list_distinct(e.kinds), 'q', e.q, 'objects', e.objects)
        FROM edges e LEFT JOIN ev v USING (account_a, account_b)
        JOIN accounts pa ON pa.account_id = e.account_a JOIN accounts pb ON pb.account_id = e.account_b
        """
    )


def _same_writer(con: duckdb.DuckDBPyConnection) -> None:
    """byline — byline, from ``persona link``'s shared-writer findings."""
    con.execute(
        f"""
        INSERT INTO graph_links
        SELECT 'byline:' || substr(f.subjects[1], 8), 'byline:' || substr(f.subjects[2], 8),
               'same writer as (p = ' || printf('%.2f', f.confidence) || ')', 'same-writer', {COST["run"]},
               'finding:' || f.finding_id,
               to_json(coalesce((
                   SELECT list({{'source': s.path, 'row': e.record_no}} ORDER BY e.source_id, e.record_no)
                   FROM evidence e JOIN sources s USING (source_id) WHERE e.finding_id = f.finding_id
               ), [])[1:{EVIDENCE_CAP}]),
               json_object('confidence', f.confidence)
        FROM findings f
        WHERE f.kind = 'shared-writer' AND len(f.subjects) = 2
          AND f.subjects[1] LIKE 'byline:%' AND f.subjects[2] LIKE 'byline:%'
        """
    )


def _same_as(con: duckdb.DuckDBPyConnection) -> None:
    """Identities the data states: a posts export's page id in the ad library; a site's own account."""
    con.execute(
        f"""
        INSERT INTO graph_links
        SELECT 'account:' || a.platform || ':' || a.account_id, e.entity_id,
               'same as (the same page id in the posts and the ad library)', 'same-as', {COST["link"]}, NULL,
               to_json([{{'source': s.path, 'row': a.record_no}}]), NULL
        FROM accounts a JOIN entities e ON e.entity_id = 'facebook-page-' || a.account_id
        JOIN sources s ON s.source_id = a.source_id
        WHERE a.platform IN ('facebook', 'instagram')
        """
    )
    con.execute(
        f"""
        INSERT INTO graph_links
        SELECT DISTINCT i.entity_id, 'account:' || a.platform || ':' || a.account_id,
               'names as its account (' || i.value || ')', 'same-as', {COST["link"]}, NULL,
               to_json([{{'source': s.path, 'row': i.record_no}}]), NULL
        FROM infrastructure i
        JOIN accounts a ON i.kind = 'social'
             AND (lower(i.value) = lower(a.platform || ':' || coalesce(a.handle, ''))
                  OR lower(i.value) = lower(a.platform || ':' || a.account_id))
        JOIN sources s ON s.source_id = i.source_id
        """
    )


def refresh(path, *, on_stage=lambda stage: None) -> bool:
    """Bring attribution and the case graph up to date before a command reads them, where the case can be
    written; False on a write-protected case whose stored results are stale."""
    from unmask.attribution import state

    with Case.open(path, read_only=True) as case:
        if not state.is_stale(case) and not is_stale(case):
            return True
    if not Case.writable(path):
        return False
    from unmask.attribution import engine as attribution  # only now: it loads followthemoney and scipy

    with Case.open(path) as case:
        attribution.ensure(case, on_stage=on_stage)
        if is_stale(case):
            on_stage("graph: linking accounts, bylines, networks and sites")
            build(case)
    return True
