"""Entity resolution: the same person or organisation across registers, donations, ad libraries and WHOIS.

:class:`Resolver` compares the matchable entities of a case (FtM ``Person``, ``Company``, ``Organization``,
``LegalEntity``) pairwise within blocks (a shared identifier, surname spelling or rare name word), scores
each pair by its names (:mod:`unmask.attribution.names`) and what else the records say, and decides:

- **automatic merge** at ``auto`` (0.95) or above, except between two entities of one register that gives
  its own ids (two Companies House officer ids, two FEC donors at different ZIP codes): the register has
  already said they are two, so the pair is a candidate;
- **candidate** for review between ``candidate`` (0.70) and ``auto``;
- nothing below.

What else the records say: a shared registration number, FEC id or tax number merges outright (score 1);
different years of birth forbid a merge; the same date of birth, e-mail, phone or postcode adds 0.03 each
(to at most 0.99), so that a middle name against its initial (0.92) and one such detail merge. Every
pair keeps its score and its rule in words.

Pages (``facebook-page-…``) are accounts, not legal persons, and are not resolved.

Example::

    >>> r = Resolver().fit([
    ...     EntityRecord("gb-officer-1", "Person", ["HALVORSEN, Marit Elise"]),
    ...     EntityRecord("fec-donor-2", "Person", ["HALVORSEN, MARIT ELISE"]),
    ... ])
    >>> [(p.decision, p.score, p.rule) for p in r.pairs_]
    [('auto', 0.97, 'same name: case')]
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

from followthemoney import model

from unmask.attribution.names import AUTO_MERGE, CANDIDATE, Match, compare_names, parse_org, parse_person

MATCHABLE = ("Person", "Company", "Organization", "LegalEntity")
# Registers whose ids already tell two entities apart: two such ids are never merged automatically.
REGISTER_PREFIXES = (
    "gb-company-",
    "gb-officer-",
    "fec-committee-",
    "fec-candidate-",
    "fec-donor-",
    "google-advertiser-",
)
NOT_RESOLVED_PREFIXES = ("facebook-page-",)
CORROBORATION = 0.03
IDENTIFIER_PROPS = ("registrationNumber", "idNumber", "taxNumber", "leiCode", "vatCode")
_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|\d{5})\b")


@dataclass
class EntityRecord:
    """What resolution reads of one entity."""

    entity_id: str
    schema: str
    names: list[str]
    identifiers: list[str] = field(default_factory=list)
    birth_dates: list[str] = field(default_factory=list)
    contacts: list[str] = field(default_factory=list)  # e-mails and phones
    addresses: list[str] = field(default_factory=list)


@dataclass
class Pair:
    left_id: str
    right_id: str
    schema: str
    score: float
    rule: str
    decision: str  # auto | candidate


def register(entity_id: str) -> str | None:
    return next((p for p in REGISTER_PREFIXES if entity_id.startswith(p)), None)


def _schema_pair(a: str, b: str) -> str | None:
    """The schema both can be, or None where they cannot be one entity (a person is not a company)."""
    try:
        return model.common_schema(a, b).name
    except Exception:
        return None


def _postcodes(addresses: Iterable[str]) -> set[str]:
    return {m.replace(" ", "") for a in addresses for m in _POSTCODE.findall(a.upper())}


def _block_keys(rec: EntityRecord) -> set[str]:
    keys = {"id:" + i.strip().upper() for i in rec.identifiers if i.strip()}
    for name in rec.names[:5]:
        if rec.schema == "Person":
            for reading in parse_person(name):
                for part in reading.family:
                    keys.update("fam:" + s for s in part)
        else:
            keys.update("org:" + w for w in parse_org(name).core if len(w) >= 3)
            if rec.schema == "LegalEntity":  # may be a person's name
                for reading in parse_person(name)[:1]:
                    for part in reading.family:
                        keys.update("fam:" + s for s in part)
    return keys


class Resolver:
    """Score pairs of entities that may be one; decide automatic merges and candidates.

    Parameters
    ----------
    auto:
        Score at or above which a pair is merged without review.
    candidate:
        Score at or above which a pair is listed for review.
    max_block:
        Blocks (entities sharing one key) larger than this are skipped: a word in thousands of names
        ("party", "smith") joins nothing on its own.

    Attributes
    ----------
    pairs_:
        The pairs at or above ``candidate``, each with score, rule and decision.
    """

    def __init__(self, auto: float = AUTO_MERGE, candidate: float = CANDIDATE, max_block: int = 400):
        self.auto = auto
        self.candidate = candidate
        self.max_block = max_block

    def fit(self, records: list[EntityRecord]) -> Resolver:
        records = [r for r in records if not r.entity_id.startswith(NOT_RESOLVED_PREFIXES) and r.names]
        blocks: dict[str, list[int]] = defaultdict(list)
        for i, rec in enumerate(records):
            for key in _block_keys(rec):
                blocks[key].append(i)
        seen: set[tuple[int, int]] = set()
        self.pairs_: list[Pair] = []
        for key, members in sorted(blocks.items()):
            if len(members) < 2 or (len(members) > self.max_block and not key.startswith("id:")):
                continue
            for i, j in combinations(members, 2):
                if (i, j) in seen:
                    continue
                seen.add((i, j))
                pair = self.compare(records[i], records[j])
                if pair is not None:
                    self.pairs_.append(pair)
        self.pairs_.sort(key=lambda p: (-p.score, p.left_id, p.right_id))
        return self

    def compare(self, a: EntityRecord, b: EntityRecord) -> Pair | None:
        """The scored pair, or None below the candidate threshold or for incompatible schemata."""
        schema = _schema_pair(a.schema, b.schema)
        if schema is None:
            return None
        left, right = sorted((a, b), key=lambda r: r.entity_id)
        shared_ids = {i.strip().upper() for i in a.identifiers} & {i.strip().upper() for i in b.identifiers}
        if shared_ids:
            return Pair(
                left.entity_id,
                right.entity_id,
                schema,
                1.0,
                f"same identifier {sorted(shared_ids)[0]}",
                "auto",
            )
        as_person = "Person" in (a.schema, b.schema)
        best = Match(0.0, "no match")
        for x in a.names[:5]:
            for y in b.names[:5]:
                m = compare_names(x, y, "Person" if as_person else "Company")
                if m.score > best.score:
                    best = m
        score, rules = best.score, [best.rule]
        if score < self.candidate:
            return None
        births_a = {d[:7] for d in a.birth_dates}
        births_b = {d[:7] for d in b.birth_dates}
        if births_a and births_b:
            if not births_a & births_b and not {d[:4] for d in births_a} & {d[:4] for d in births_b}:
                return None  # different people: the records give different years of birth
            if births_a & births_b:
                score, rules = score + CORROBORATION, [*rules, "same date of birth"]
        if {c.lower() for c in a.contacts} & {c.lower() for c in b.contacts}:
            score, rules = score + CORROBORATION, [*rules, "same e-mail or phone"]
        if _postcodes(a.addresses) & _postcodes(b.addresses):
            score, rules = score + CORROBORATION, [*rules, "same postcode"]
        score = round(min(score, 0.99), 4)
        decision = "auto" if score >= self.auto else "candidate"
        same_register = register(a.entity_id)
        if decision == "auto" and same_register and same_register == register(b.entity_id):
            decision = "candidate"
            rules.append(f"both from one register ({same_register.rstrip('-')}), which tells them apart")
        return Pair(left.entity_id, right.entity_id, schema, score, "; ".join(rules), decision)


def clusters(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Union-find over merged pairs: entity id → its cluster's canonical id (the smallest id in it)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {x: find(x) for x in parent}
