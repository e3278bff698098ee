"""Entity resolution: the same person or organisation across registers, donations, ad libraries and WHOIS.

:class:`Resolver` compares the matchable entities of a case (FtM ``Person``, ``Company``, ``Organization``,
``LegalEntity``) pairwise within blocks (a shared identifier, surname spelling or rare name word), scores
each pair by its names (:mod:`unmask.names`) and what else the records say, and decides:

- **automatic merge** at ``auto`` (0.95) or above, except between two entities of one register that gives
  its own ids (two Companies House officer ids, two FEC donors at different ZIP codes): the register has
  already said they are two, so the pair is a candidate;
- **candidate** for review between ``candidate`` (0.70) and ``auto``;
- nothing below.

A shared registration number, FEC id or tax number merges outright (score 1). People need more than a name
(a common name alone merged strangers into accusation paths). Two Person records merge automatically only
when their names agree (0.90 or more: a middle name against its initial or on one side only counts) and

- **(a)** something besides the name agrees — the month and year of birth, a postcode or street address,
  an e-mail or phone, the employer or the occupation in the same town — and nothing conflicts: a different
  month of birth, country, US state or postcode area, or a generational suffix on one side only; or
- **(b)** the name agrees in full (0.95 or more) and is rare: fewer than 0.01 people expected to share it
  (:class:`~unmask.attribution.rarity.NameRarity`, from the 1990 US Census and the case's own people), and
  nothing conflicts, nor do the places where the two act (a treasurer's committee address included).

A treasurer of a candidate's own committee agrees with that candidate (the records tie them); a name that
stands for nobody ("TBD, TBD") never matches.

Every other same-name pair of people is a candidate, which ``explain`` walks only when asked. Different
years of birth forbid even a candidate. Where a record's role puts a person at an organisation's address
(an FEC committee's treasurer, who files from it), that address corroborates the person but never conflicts
with where they live. Each agreement adds 0.03 to the score (to at most 0.99) and each conflict takes 0.05
off, so review lists the better-supported pairs first; the decision is the rule's. Every pair keeps its
score, its rule in words and what agreed and conflicted.

Pages (``facebook-page-…``) are accounts, not legal persons, and are not resolved.

Example::

    >>> r = Resolver().fit([
    ...     EntityRecord("gb-officer-1", "Person", ["HALVORSEN, Marit Elise"]),
    ...     EntityRecord("fec-donor-2", "Person", ["HALVORSEN, MARIT ELISE"]),
    ...     EntityRecord("gb-officer-3", "Person", ["SMITH, John"], addresses=["Bristol, BS1 4DJ"]),
    ...     EntityRecord("fec-donor-4", "Person", ["SMITH, JOHN"], addresses=["PORTLAND, OR 97201"]),
    ... ])
    >>> [(p.decision, p.rule, p.conflict) for p in r.pairs_]  # doctest: +NORMALIZE_WHITESPACE
    [('auto', 'same name: case; a rare name (7.8e-06 namesakes expected)', []),
     ('candidate', 'same name: case', ['different countries (gb, us)'])]
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

from followthemoney import model
from rigour.text import ascii_text

from unmask.attribution.places import Place, country, place
from unmask.attribution.rarity import NameRarity
from unmask.names import (
    AUTO_MERGE,
    CANDIDATE,
    Match,
    PersonName,
    compare_names,
    parse_org,
    parse_person,
)

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
CONFLICT = 0.05
# A name agreeing this well (a middle name against its initial, or on one side only) merges with a second
# attribute; a full agreement (AUTO_MERGE) may merge alone when the name is rare.
CORROBORATED_NAME = 0.90
# Words that fill a name field when no name is known.
PLACEHOLDER_WORDS = frozenset(
    ["tbd", "tba", "unknown", "none", "na", "n", "a", "null", "test", "xxx", "x", "name", "information",
     "requested", "not", "provided", "available", "treasurer", "vacant"]
)  # fmt: skip
# Occupations that say nothing of where or for whom someone works.
GENERIC_OCCUPATIONS = frozenset(
    ["retired", "not employed", "unemployed", "none", "homemaker", "student", "self", "self employed",
     "self-employed", "information requested", "requested", "n/a", "na", "director", "company director"]
)  # fmt: skip
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
    countries: list[str] = field(default_factory=list)
    occupations: list[str] = field(default_factory=list)
    employers: list[str] = field(default_factory=list)  # employers' names
    # Where a role puts the person (an FEC treasurer: the committee's address): corroborates, never conflicts.
    work_addresses: list[str] = field(default_factory=list)
    # Entities the records tie this one to through one organisation (a treasurer: the candidate whose own
    # committee it is): a pair that the records tie so agrees beyond the name.
    related: list[str] = field(default_factory=list)


@dataclass
class Pair:
    left_id: str
    right_id: str
    schema: str
    score: float
    rule: str
    decision: str  # auto | candidate
    agree: list[str] = field(default_factory=list)
    conflict: list[str] = field(default_factory=list)
    grouping: str = ""  # candidates are reviewed in groups: the schema and the folded name


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


def block_keys(rec: EntityRecord) -> set[str]:
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
        ("party", "smith") joins nothing on its own. What was skipped is in ``skipped_blocks_``.
    rarity:
        The estimate of a name's namesakes (:class:`~unmask.attribution.rarity.NameRarity`), refitted on
        the people of the records ``fit`` is given.

    Attributes
    ----------
    pairs_:
        The pairs at or above ``candidate``, each with score, rule, decision, what agreed and conflicted.
    skipped_blocks_:
        ``(key, entities)`` of each block left out for its size, largest first: their names were compared
        with nothing (a surname key ``fam:smith``, an organisation word ``org:party``).
    """

    def __init__(
        self,
        auto: float = AUTO_MERGE,
        candidate: float = CANDIDATE,
        max_block: int = 400,
        rarity: NameRarity | None = None,
    ):
        self.auto = auto
        self.candidate = candidate
        self.max_block = max_block
        self.rarity = rarity

    def fit(self, records: list[EntityRecord]) -> Resolver:
        records = [r for r in records if not r.entity_id.startswith(NOT_RESOLVED_PREFIXES) and r.names]
        self.fit_rarity(records)
        blocks: dict[str, list[int]] = defaultdict(list)
        for i, rec in enumerate(records):
            for key in block_keys(rec):
                blocks[key].append(i)
        seen: set[tuple[int, int]] = set()
        self.pairs_: list[Pair] = []
        self.skipped_blocks_: list[tuple[str, int]] = []
        for key, members in sorted(blocks.items()):
            if len(members) > self.max_block and not key.startswith("id:"):
                self.skipped_blocks_.append((key, len(members)))
                continue
            for i, j in combinations(members, 2):
                if (i, j) in seen:
                    continue
                seen.add((i, j))
                pair = self.compare(records[i], records[j])
                if pair is not None:
                    self.pairs_.append(pair)
        self.pairs_.sort(key=lambda p: (-p.score, p.left_id, p.right_id))
        self.skipped_blocks_.sort(key=lambda b: (-b[1], b[0]))
        return self

    def fit_rarity(self, records: list[EntityRecord]) -> Resolver:
        """Count the name parts of the people in ``records`` (``fit`` does this first)."""
        self.rarity_ = (self.rarity or NameRarity()).fit(
            parse_person(r.names[0])[0] for r in records if r.schema == "Person" and r.names
        )
        return self

    def compare(self, a: EntityRecord, b: EntityRecord) -> Pair | None:
        """The scored pair, or None below the candidate threshold or for incompatible schemata."""
        schema = _schema_pair(a.schema, b.schema)
        if schema is None:
            return None
        left, right = sorted((a, b), key=lambda r: r.entity_id)
        shared_ids = {i.strip().upper() for i in a.identifiers} & {i.strip().upper() for i in b.identifiers}
        if shared_ids:
            rule = f"same identifier {sorted(shared_ids)[0]}"
            if _several_of_a_kind(a.identifiers) or _several_of_a_kind(b.identifiers):
                # A joint fundraising committee's advertiser gives each member's FEC id: merging on each
                # would make its members one.
                joint = "one side carries several identifiers of this kind (a joint or umbrella entity)"
                group = _grouping(schema, a.names[0] if a.names else "")
                return Pair(left.entity_id, right.entity_id, schema, 0.9, f"{rule}; {joint}", "candidate",
                            [rule], [joint], grouping=group)  # fmt: skip
            return Pair(left.entity_id, right.entity_id, schema, 1.0, rule, "auto", [rule], [])
        as_person = "Person" in (a.schema, b.schema)
        best, best_names = Match(0.0, "no match"), (a.names[0], b.names[0])
        for x in a.names[:5]:
            for y in b.names[:5]:
                m = compare_names(x, y, "Person" if as_person else "Company")
                if m.score > best.score:
                    best, best_names = m, (x, y)
        if best.score < self.candidate or _placeholder(best_names[0]) or _placeholder(best_names[1]):
            return None
        births_a, births_b = {d[:4] for d in a.birth_dates}, {d[:4] for d in b.birth_dates}
        if births_a and births_b and not births_a & births_b:
            return None  # different people: the records give different years of birth
        agree, conflict = _evidence(a, b)
        if as_person and "suffix on one side only" in best.rule:
            conflict.append("a generational suffix (Jr, Sr, III) on one side only")
        rules = [best.rule, *agree]
        score = round(min(best.score + CORROBORATION * len(agree), 0.99) - CONFLICT * len(conflict), 4)
        if not as_person:
            decision = "auto" if score >= self.auto and not conflict else "candidate"
        elif conflict:
            decision = "candidate"
        elif agree and best.score >= CORROBORATED_NAME:
            decision = "auto"
        elif best.score >= self.auto and (rare := self._rare(best_names)) is not None:
            # A name alone, however rare, does not cross places: where the records act (a treasurer's
            # committee address included) in different states or postcode areas, a reviewer decides.
            if apart := _places_apart(a, b):
                decision, conflict = "candidate", apart
            else:
                decision, rules = "auto", [*rules, f"a rare name ({rare:.2g} namesakes expected)"]
        else:
            decision = "candidate"
        same_register = register(a.entity_id)
        if decision == "auto" and same_register and same_register == register(b.entity_id):
            decision = "candidate"
            rules.append(f"both from one register ({same_register.rstrip('-')}), which tells them apart")
        if decision == "candidate" and score < self.candidate:
            return None
        return Pair(
            left.entity_id,
            right.entity_id,
            schema,
            score,
            "; ".join(rules),
            decision,
            agree,
            conflict,
            grouping=_grouping(schema, best_names[0]),
        )

    def _rare(self, names: tuple[str, str]) -> float | None:
        """The expected namesakes of the two names, if below the threshold: of their commonest reading, since
        a name whose split is unclear ("Marit Elise Halvorsen") is only as rare as its likeliest sense."""
        readings: list[PersonName] = [r for n in names for r in parse_person(n)]
        expected = max(self.rarity_.namesakes(r) for r in readings)
        return expected if expected < self.rarity_.threshold else None


def _several_of_a_kind(identifiers: list[str]) -> bool:
    """Whether two different identifiers have one shape (letters as A, digits as 9): two FEC ids, say."""
    shapes = [re.sub(r"\d", "9", re.sub(r"[A-Za-z]", "A", i.strip())) for i in set(identifiers)]
    return len(shapes) != len(set(shapes))


def _placeholder(name: str) -> bool:
    """A name that stands for nobody yet ("TBD, TBD", "UNKNOWN", "N/A"): it never matches."""
    words = re.split(r"[^a-z]+", ascii_text(name).lower())
    return all(w in PLACEHOLDER_WORDS for w in words if w)


def _places(addresses: Iterable[str]) -> list[Place]:
    return [place(a) for a in addresses]


def _folded(values: Iterable[str]) -> set[str]:
    return {" ".join(v.lower().replace(".", " ").split()) for v in values} - {""}


def _differ(what: str, x: set, y: set) -> list[str]:
    return [f"different {what} ({', '.join(sorted(x | y))})"] if x and y and not x & y else []


def _evidence(a: EntityRecord, b: EntityRecord) -> tuple[list[str], list[str]]:
    """What agrees besides the name, and what tells the two apart (see the module documentation)."""
    home_a, home_b = _places(a.addresses), _places(b.addresses)
    all_a, all_b = home_a + _places(a.work_addresses), home_b + _places(b.work_addresses)
    agree: list[str] = []
    months_a = {d[:7] for d in a.birth_dates if len(d) >= 7}
    months_b = {d[:7] for d in b.birth_dates if len(d) >= 7}
    if months_a & months_b:
        agree.append(f"same month of birth ({sorted(months_a & months_b)[0]})")
    if b.entity_id in a.related or a.entity_id in b.related:
        agree.append("treasurer of this candidate's own committee")
    if shared := {c.lower() for c in a.contacts} & {c.lower() for c in b.contacts}:
        agree.append(f"same e-mail or phone ({sorted(shared)[0]})")
    streets = {(p.street, p.postcode or p.town) for p in all_a if p.street} & {
        (p.street, p.postcode or p.town) for p in all_b if p.street
    }
    postcodes = {p.postcode for p in home_a if p.postcode} & {p.postcode for p in home_b if p.postcode}
    if streets:
        agree.append(f"same street address ({', '.join(x for x in sorted(streets)[0] if x)})")
    elif postcodes:
        agree.append(f"same postcode ({sorted(postcodes)[0]})")
    towns = {(p.state or p.area, p.town) for p in all_a if p.town} & {
        (p.state or p.area, p.town) for p in all_b if p.town
    }
    if towns and (employers := _folded(a.employers) & _folded(b.employers)):
        agree.append(f"same employer ({sorted(employers)[0]}) in the same town")
    elif towns and (jobs := (_folded(a.occupations) & _folded(b.occupations)) - GENERIC_OCCUPATIONS):
        agree.append(f"same occupation ({sorted(jobs)[0]}) in the same town")
    countries_a = {country(c) for c in a.countries} | {p.country for p in home_a if p.country}
    countries_b = {country(c) for c in b.countries} | {p.country for p in home_b if p.country}
    conflict = _differ("countries", countries_a, countries_b)
    conflict += _differ("months of birth", months_a, months_b)
    if not conflict:
        states_a, states_b = {p.state for p in home_a if p.state}, {p.state for p in home_b if p.state}
        conflict += _differ("US states", states_a, states_b)
    if not conflict:
        conflict += _differ(
            "postcode areas", {p.area for p in home_a if p.area}, {p.area for p in home_b if p.area}
        )
    return agree, conflict


def _places_apart(a: EntityRecord, b: EntityRecord) -> list[str]:
    """Different US states, else postcode areas, over every address of the two (work addresses too)."""
    places_a = _places(a.addresses + a.work_addresses)
    places_b = _places(b.addresses + b.work_addresses)
    states_a, states_b = {p.state for p in places_a if p.state}, {p.state for p in places_b if p.state}
    areas_a, areas_b = {p.area for p in places_a if p.area}, {p.area for p in places_b if p.area}
    return _differ("states where they act", states_a, states_b) or _differ(
        "postcode areas where they act", areas_a, areas_b
    )


def _grouping(schema: str, name: str) -> str:
    """The key candidates are reviewed under: the schema and the name's words, folded and sorted."""
    words = sorted(w for w in re.split(r"[^a-z0-9]+", ascii_text(name).lower()) if w)
    return f"{schema}: {' '.join(words)}"


def clusters(
    pairs: Iterable[tuple[str, str] | tuple[str, str, float]], rejected: Iterable[tuple[str, str]] = ()
) -> tuple[dict[str, str], list[tuple[str, str, tuple[str, str]]]]:
    """Clusters of merged entities that never hold a pair a reviewer rejected.

    ``pairs`` are ``(a, b)`` or ``(a, b, score)`` merges; they are taken strongest first (Kruskal's order),
    and a merge that would put both sides of a rejected pair into one cluster is refused: the cluster is
    split at the weakest merge joining them. Returns entity id → its cluster's canonical id (the smallest id
    in it), and the refused merges as ``(a, b, the rejected pair)``.
    """
    parent: dict[str, str] = {}
    members: dict[str, set[str]] = {}
    apart: dict[str, set[str]] = defaultdict(set)
    for a, b in rejected:
        apart[a].add(b)
        apart[b].add(a)

    def find(x: str) -> str:
        if x not in parent:
            parent[x], members[x] = x, {x}
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    refused: list[tuple[str, str, tuple[str, str]]] = []
    ordered = sorted(pairs, key=lambda p: (-(p[2] if len(p) > 2 else 1.0), p[0], p[1]))  # type: ignore[misc]
    for pair in ordered:
        a, b = pair[0], pair[1]
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        small, large = sorted((members[ra], members[rb]), key=len)
        crossing = next(((x, y) for x in small for y in apart.get(x, ()) if y in large), None)
        if crossing is not None:
            refused.append((a, b, tuple(sorted(crossing))))  # type: ignore[arg-type]
            continue
        keep, gone = min(ra, rb), max(ra, rb)
        parent[gone] = keep
        members[keep] |= members.pop(gone)
    return {x: find(x) for x in parent}, refused
