"""Shared funders and synchronised launches: pages paid for by one entity, and pages that start together.

**Shared funder.** Ads are FtM ``Payment`` entities from a payer to a page. Payers merged by resolution
count as one funder (a disclaimer "Brightline Civic Strategies" and the registered company "BRIGHTLINE
CIVIC STRATEGIES LTD"). Two or more pages under one funder make a finding; its confidence says how much a
shared payer tells about common control (0.9 for a payer named once; the lowest merge score along the way
when the funder was joined by resolution; less for agency and platform-wide payers, see
:mod:`unmask.attribution.payers`). Placeholders make no finding. The evidence names every page's ad
record, each merge with its rule, and the funder's officers and what the records say they do elsewhere
(the officer / donor chain).

**Synchronised launch.** A page's launch is the earliest delivery start of its ads. Pages of one funder
whose launches fall within ``window_days`` of each other are tested against the case's base rate: if ``q``
is the share of the case's other pages launching in that window, the chance that ``k`` of the funder's
``n`` pages do so is the binomial tail ``P(X >= k)``, multiplied by the number of windows tried
(Bonferroni). Every funder with two or more dated pages is one test; the funders' p-values are corrected
by Benjamini–Hochberg over that number, and a finding is written only where the corrected value (``q``)
is at most :data:`ALPHA`. Its confidence is ``1 - q``, at most :data:`MAX_LAUNCH_CONFIDENCE`: the share of
launch findings this strong expected to be real departures from the case's launch rate, which says
nothing of who controls the pages. The confidences of both kinds are not calibrated on labelled cases.

Pages and payers with a placeholder id (:func:`unmask.attribution.payers.placeholder_ids`) take part in
neither.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date

import duckdb
import numpy as np
from scipy.stats import binom, false_discovery_control

from unmask.attribution.payers import classify
from unmask.findings import Evidence, Finding

METHOD_VERSION = "2"
MAX_EVIDENCE = 60
SPECIFIC_CONFIDENCE = 0.9
# A synchronised launch is written when its p-value, corrected over windows (Bonferroni) and then over the
# funders tested (Benjamini–Hochberg), is at most ALPHA.
ALPHA = 0.01
# The binomial null treats launches as independent; real launches bunch around events (an election, a
# campaign's start), so the smallest p-values overstate and the confidence stops short of certainty.
MAX_LAUNCH_CONFIDENCE = 0.999
PLACEHOLDER_ID = "placeholder-id"  # the class of an entity whose id is a placeholder (payers.placeholder_ids)


def ad_payments(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(payer id, payer canonical id, page id, start date, source_id, record_no) of every ad payment."""
    return con.execute(
        """
        SELECT s.value, coalesce(e.canonical_id, s.value), t.value,
               min(d.value) FILTER (WHERE d.prop = 'startDate'), s.source_id, s.record_no
        FROM statements s
        JOIN statements t ON t.entity_id = s.entity_id AND t.prop = 'beneficiary'
             AND t.source_id = s.source_id AND t.record_no = s.record_no
        JOIN statements pu ON pu.entity_id = s.entity_id AND pu.prop = 'purpose' AND pu.value ILIKE '%ads%'
             AND pu.source_id = s.source_id AND pu.record_no = s.record_no
        LEFT JOIN statements d ON d.entity_id = s.entity_id AND d.prop = 'startDate'
             AND d.source_id = s.source_id AND d.record_no = s.record_no
        LEFT JOIN entities e ON e.entity_id = s.value
        WHERE s.schema = 'Payment' AND s.prop = 'payer'
        GROUP BY ALL
        ORDER BY s.source_id, s.record_no
        """
    ).fetchall()


def payer_classes(
    con: duckdb.DuckDBPyConnection, payments: list[tuple] | None = None, placeholders: Collection[str] = ()
) -> dict[str, str]:
    """Each ad payer's class (placeholder, platform-wide, agency, specific), by its own disclaimer text;
    and ``placeholder-id`` for every entity in ``placeholders`` (ids that are placeholders, payers or not),
    which links and findings leave out."""
    placeholders = set(placeholders)
    payments = ad_payments(con) if payments is None else payments
    pages: dict[str, set[str]] = defaultdict(set)
    for payer, _, page, *_ in payments:
        if payer not in placeholders and page not in placeholders:
            pages[payer].add(page)
    all_pages = len({p for s in pages.values() for p in s})
    names = dict(
        con.execute(
            "SELECT entity_id, first(value ORDER BY source_id, record_no) FROM statements"
            " WHERE prop = 'name' AND entity_id IN (SELECT unnest(?)) GROUP BY entity_id",
            [list(pages)],
        ).fetchall()
    )
    classes = {p: classify(names.get(p, ""), len(s), all_pages).kind for p, s in pages.items()}
    return classes | dict.fromkeys(placeholders, PLACEHOLDER_ID)


def _usable_payments(con: duckdb.DuckDBPyConnection) -> tuple[list[tuple], dict[str, str]]:
    """The ad payments whose payer and page have real ids, and the entities' payer classes."""
    classes = dict(
        con.execute("SELECT entity_id, payer_class FROM entities WHERE payer_class IS NOT NULL").fetchall()
    )
    payments = [p for p in ad_payments(con) if PLACEHOLDER_ID not in (classes.get(p[0]), classes.get(p[2]))]
    return payments, classes


def _names(con: duckdb.DuckDBPyConnection, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    return dict(
        con.execute(
            "SELECT entity_id, name FROM entities WHERE entity_id IN (SELECT unnest(?))", [sorted(ids)]
        ).fetchall()
    )


def _cluster_merges(con: duckdb.DuckDBPyConnection, members: list[str]) -> list[dict]:
    return [
        dict(zip(("left_id", "right_id", "score", "rule", "decision"), row, strict=True))
        for row in con.execute(
            "SELECT left_id, right_id, score, rule, decision FROM resolutions"
            " WHERE decision IN ('auto', 'accepted') AND left_id IN (SELECT unnest(?))"
            " AND right_id IN (SELECT unnest(?)) ORDER BY left_id, right_id",
            [members, members],
        ).fetchall()
    ]


def _chain(con: duckdb.DuckDBPyConnection, members: list[str]) -> list[tuple]:
    """The funder's officers, and what the records say they do elsewhere: (officer, relation, target,
    source_id, record_no, via) rows, officers first."""
    return con.execute(
        """
        WITH officers AS (
            SELECT l.from_id AS officer, l.relation, l.to_id, l.source_id, l.record_no
            FROM links l WHERE l.kind = 'record' AND l.to_id IN (SELECT unnest($members))
              AND l.relation LIKE '% of' AND l.relation NOT LIKE 'paid%'
        ),
        same AS (
            SELECT o.officer, e2.entity_id AS alias
            FROM officers o JOIN entities e1 ON e1.entity_id = o.officer
            JOIN entities e2 ON e2.canonical_id = e1.canonical_id
        ),
        elsewhere AS (
            SELECT s.officer, l.relation, l.to_id, l.source_id, l.record_no, s.alias
            FROM same s JOIN links l ON l.from_id = s.alias AND l.kind = 'record'
            WHERE l.to_id NOT IN (SELECT unnest($members))
              AND (l.relation LIKE 'employed by%' OR l.relation LIKE 'member of%'
                   OR l.relation = 'donated to' OR l.relation LIKE 'represents%'
                   OR l.relation LIKE '% of')
        )
        SELECT officer, relation, to_id, source_id, record_no, NULL FROM officers
        UNION ALL
        SELECT officer, relation, to_id, source_id, record_no, alias FROM elsewhere
        -- Officers first; then what they do elsewhere, a job or membership before a donation.
        ORDER BY 6 NULLS FIRST,
                 CASE WHEN relation LIKE 'employed by%' THEN 0 WHEN relation LIKE 'member of%' THEN 1
                      WHEN relation LIKE 'represents%' THEN 2 WHEN relation LIKE '% of' THEN 3 ELSE 4 END,
                 1, 2, 3
        """,
        {"members": members},
    ).fetchall()


def shared_funder_findings(con: duckdb.DuckDBPyConnection, *, apply_rule: bool = True) -> list[Finding]:
    """One finding a funder of two or more pages (see the module docstring).

    ``apply_rule=False`` treats every payer as specific (placeholders included): the count the benchmark
    compares with.
    """
    payments, classes = _usable_payments(con)
    by_funder: dict[str, dict[str, tuple]] = defaultdict(dict)
    payers_of: dict[str, set[str]] = defaultdict(set)
    for payer, funder, page, _start, source_id, record_no in payments:
        by_funder[funder].setdefault(page, (payer, source_id, record_no))
        payers_of[funder].add(payer)
    all_pages = len({p for pages in by_funder.values() for p in pages})
    findings = []
    for funder, pages in sorted(by_funder.items()):
        if len(pages) < 2:
            continue
        members = sorted(payers_of[funder])
        kinds = {classes.get(m, "specific") for m in members}
        names = _names(con, set(pages) | set(members) | {funder})
        funder_name = names.get(funder) or names.get(members[0]) or funder
        rule, confidence = "", SPECIFIC_CONFIDENCE
        if apply_rule:
            if "placeholder" in kinds:
                continue
            klass = classify(funder_name, len(pages), all_pages)
            if "platform-wide" in kinds and klass.kind != "platform-wide":
                klass = classify(funder_name, 10**9, all_pages)
            if klass.confidence is not None:
                rule, confidence = klass.rule, klass.confidence
        cluster = sorted(set(members) | {funder})
        merges = _cluster_merges(con, cluster) if len(cluster) > 1 else []
        if merges:
            confidence = min(confidence, min(m["score"] for m in merges) * SPECIFIC_CONFIDENCE / 0.97)
        page_names = sorted(names.get(p) or p for p in pages)
        shown = ", ".join(repr(n) for n in page_names[:8]) + (
            f" and {len(pages) - 8} more" if len(pages) > 8 else ""
        )
        claim = f"{len(pages)} pages ran ads paid for by one funder, {funder_name!r}: {shown}."
        if rule:
            claim += f" Down-weighted: {rule}."
        evidence = [
            Evidence(
                source_id,
                record_no,
                "statements",
                {"page": page, "page_name": names.get(page), "payer": payer, "payer_name": names.get(payer)},
            )
            for page, (payer, source_id, record_no) in sorted(pages.items(), key=lambda kv: kv[1][1:])
        ][:MAX_EVIDENCE]
        if len(pages) > MAX_EVIDENCE:
            evidence.append(Evidence(note=f"{len(pages) - MAX_EVIDENCE} more pages: see the links table"))
        for m in merges:
            evidence.append(Evidence(table_name="resolutions", values=m, note="the funder's records joined"))
        chain = _chain(con, cluster) if not rule else []
        chain_names = _names(con, {r[0] for r in chain} | {r[2] for r in chain})
        for officer, relation, target, source_id, record_no, alias in chain[:20]:
            evidence.append(
                Evidence(
                    source_id,
                    record_no,
                    "links",
                    {
                        "from": officer,
                        "from_name": chain_names.get(officer),
                        "relation": relation,
                        "to": target,
                        "to_name": chain_names.get(target),
                        "as_record_of": alias,
                    },
                )
            )
        affiliations = [r for r in chain if r[5] is not None]
        if affiliations:
            officer, relation, target = affiliations[0][:3]
            claim += (
                f" The funder's {chain[0][1].removesuffix(' of')} {chain_names.get(officer) or officer!r} is "
                f"recorded as {relation} {chain_names.get(target) or target!r}."
            )
        findings.append(
            Finding(
                kind="shared-funder",
                claim=claim,
                confidence=round(confidence, 4),
                subjects=sorted(set(pages) | set(cluster)),
                method="attribution.shared-funder",
                method_version=METHOD_VERSION,
                calibrated=False,
                parameters={"generic_payer_rule": apply_rule, "pages": len(pages), "payers": members},
                evidence=evidence,
                limitations=(
                    "A shared payer is a fact of the ad library; common control is an inference. Agencies "
                    "and platform-wide labels pay for unrelated pages. The confidence is a heuristic, not "
                    "calibrated on labelled cases."
                ),
            )
        )
    return findings


def _best_window(
    dated: list[tuple[date, str]], others: list[date], window_days: int
) -> tuple[float, list[str], date] | None:
    """The funder's window with the smallest p-value, times the number of windows tried (Bonferroni):
    (p, its pages, its first day); None when no two pages launch within ``window_days``."""
    best: tuple[float, list[str], date] | None = None
    for day, _ in dated:
        group = [p for d, p in dated if 0 <= (d - day).days <= window_days]
        if len(group) < 2:
            continue
        in_window = sum(1 for d in others if abs((d - day).days) <= window_days)
        q = (in_window + 1) / (len(others) + 2)  # add-one: a case with no other launches proves little
        p_value = min(1.0, float(binom.sf(len(group) - 1, len(dated), q)) * len(dated))
        if best is None or p_value < best[0]:
            best = (p_value, group, day)
    return best


def synchronised_launch_findings(
    con: duckdb.DuckDBPyConnection, *, window_days: int = 1, alpha: float = ALPHA
) -> list[Finding]:
    """Pages of one (non-placeholder) funder whose first ads start within ``window_days`` of each other,
    where the test passes ``alpha`` after the corrections over windows and funders (module docstring)."""
    payments, classes = _usable_payments(con)
    launch: dict[str, tuple[date, int, int]] = {}
    funders: dict[str, set[str]] = defaultdict(set)
    for payer, funder, page, start, source_id, record_no in payments:
        if start:
            day = date.fromisoformat(start[:10])
            if page not in launch or day < launch[page][0]:
                launch[page] = (day, source_id, record_no)
        if classes.get(payer) not in ("placeholder", "platform-wide"):
            funders[funder].add(page)
    all_pages = sorted(launch)
    tests = []  # (funder, pages with a launch, best window or None): every funder with two dated pages
    for funder, pages in sorted(funders.items()):
        dated = sorted((launch[p][0], p) for p in pages if p in launch)
        if len(dated) >= 2:
            others = [launch[p][0] for p in all_pages if p not in pages]
            tests.append((funder, dated, _best_window(dated, others, window_days)))
    if not tests:
        return []
    q_values = false_discovery_control(
        np.array([1.0 if best is None else best[0] for *_, best in tests]), method="bh"
    )
    findings = []
    for (funder, dated, best), q_value in zip(tests, q_values, strict=True):
        if best is None or q_value > alpha:
            continue
        p_value, group, day = best
        names = _names(con, set(group) | {funder})
        findings.append(
            Finding(
                kind="synchronised-launch",
                claim=(
                    f"{len(group)} of the {len(dated)} pages paid for by {names.get(funder) or funder!r} "
                    f"started running ads within {window_days} day(s) of {day.isoformat()}: "
                    + ", ".join(repr(names.get(p) or p) for p in group)
                    + f" (chance under the case's launch rate: p = {p_value:.2g}; q = {q_value:.2g} over the "
                    f"{len(tests)} funders tested)."
                ),
                confidence=round(min(MAX_LAUNCH_CONFIDENCE, 1 - float(q_value)), 4),
                subjects=sorted(set(group) | {funder}),
                method="attribution.synchronised-launch",
                method_version=METHOD_VERSION,
                calibrated=False,
                parameters={
                    "window_days": window_days,
                    "pages_with_launch": len(dated),
                    "other_pages": len(all_pages) - len(dated),
                    "p_value": p_value,
                    "q_value": float(q_value),
                    "funders_tested": len(tests),
                    "alpha": alpha,
                },
                evidence=[
                    Evidence(
                        launch[p][1],
                        launch[p][2],
                        "statements",
                        {"page": p, "page_name": names.get(p), "first_ad_start": launch[p][0].isoformat()},
                    )
                    for p in group
                ],
                limitations=(
                    "Launch dates come from the ads in the case: a page's earlier ads outside the export "
                    "move its launch. The base rate is the case's own, so a small case tests little. The "
                    "confidence is 1 - q (Benjamini–Hochberg over the funders tested): about launch timing "
                    "against the case's rate, not calibrated on labelled cases and not a probability of "
                    "common control."
                ),
            )
        )
    return findings
