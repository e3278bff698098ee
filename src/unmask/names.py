"""Comparing names of people and organisations across registers, donation records, ad libraries and WHOIS.

Names are split into parts before they are compared: "SURNAME, Forenames" (Companies House officer lists,
FEC), "Forenames SURNAME" (Companies House appointments), "First Middle Last" (WHOIS, ad disclaimers);
titles (Mr, Dr) are dropped and generational suffixes (Jr, Sr, III) kept apart, since a father and a son
share everything else. Parts are folded to ASCII with rigour (so "José" is "jose" and "Александр" is
"aleksandr"); German umlauts also match their "ue" spelling. Organisation names lose their legal form
(rigour's org-type table: "Limited" is "ltd"), which is compared separately.

Each comparison returns a :class:`Match`: a score and the rule that made it, in words. The scores are
fixed per rule, not fitted, so that a merge can always be explained:

=====================================================  =======  =====================================
what agrees                                             score    decision at the default thresholds
=====================================================  =======  =====================================
every part, after case, order, punctuation,             0.97     automatic merge (>= 0.95)
diacritics, legal form or script
a non-Latin name and its romanisation (skeleton)        0.96     automatic merge
organisation core words, legal form on one side only    0.96     automatic merge (two or more words)
middle name against its initial                         0.92     candidate for review (>= 0.70)
middle name on one side only                            0.90     candidate
one-letter slip in a part of five letters or more       0.88     candidate
spelling variant of a Latin name (Aleksandr/Alexander)  0.85     candidate
one surname of a double surname (Garcia/Garcia-Lopez)   0.85     candidate
first name against its initial                          0.75     candidate
different given names, middle names, suffixes,          0.0-0.6  nothing
legal forms; one company name inside another
=====================================================  =======  =====================================

A payer's name in an ad library may carry the disclaimer it was written with: :func:`strip_disclaimer`
takes "Paid for by" off "Paid for by Liberty Bridge Ltd", in the ad library's languages
(:data:`DISCLAIMER_PREFIXES`), before names are compared or payers keyed.

Example::

    >>> compare_names("HALVORSEN, Marit Elise", "Marit Elise Halvorsen", "Person")
    Match(score=0.97, rule='same name: order, case, punctuation')
    >>> compare_names("Acme Digital Media Ltd", "Acme Digital Outreach Ltd", "Company").score
    0.0
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import product

from rigour.names import NamePartTag, NameTypeTag, analyze_names
from rigour.text import ascii_text

AUTO_MERGE = 0.95
CANDIDATE = 0.70

TITLES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "professor",
        "sir",
        "dame",
        "lord",
        "lady",
        "rev",
        "revd",
        "hon",
        "mme",
        "mlle",
        "herr",
        "frau",
        "esq",
        "phd",
        "md",
        "cbe",
        "obe",
        "mbe",
        "qc",
        "kc",
    ]
)
# A title that says a man or a woman: "MRS. THOMAS FAIRBAIRN" in an FEC record is his wife.
GENDERED_TITLES = {"mr": "m", "herr": "m", "sir": "m", "lord": "m", "mrs": "f", "ms": "f", "miss": "f",
                   "mme": "f", "mlle": "f", "frau": "f", "dame": "f", "lady": "f"}  # fmt: skip
# Letters that fold to one ASCII letter but are also written as two ("Søren" is "Soeren" too).
_EXPANSIONS = {
    "ä": "ae",
    "ö": "oe",
    "ü": "ue",
    "ø": "oe",
    "æ": "ae",
    "å": "aa",
    "đ": "dj",
    "ß": "ss",
    "œ": "oe",
}
_DASHES = re.compile("[\u2010-\u2015\u2212]")
SUFFIXES = {"jr": "jr", "jnr": "jr", "junior": "jr", "sr": "sr", "snr": "sr", "senior": "sr",
            "ii": "ii", "iii": "iii", "iv": "iv", "2nd": "ii", "3rd": "iii"}  # fmt: skip
PARTICLES = frozenset(
    [
        "van",
        "von",
        "der",
        "den",
        "de",
        "da",
        "das",
        "dos",
        "del",
        "della",
        "di",
        "du",
        "le",
        "la",
        "al",
        "el",
        "bin",
        "ibn",
        "ben",
        "st",
    ]
)
ORG_STOPWORDS = frozenset(["the", "and", "of", "for", "a", "an", "und", "et", "y"])
# Words rigour does not tag as a legal form but which only say "a company".
GENERIC_ORG_WORDS = frozenset(["company", "co", "corp", "corporation", "incorporated"])
_INITIALS = re.compile(r"^(?:[A-Za-z]\.){2,}$")
_SPLIT = re.compile(r"[\s,]+")


@dataclass(frozen=True)
class Match:
    score: float
    rule: str


NO_MATCH = Match(0.0, "no match")


@dataclass(frozen=True)
class PersonName:
    """A person's name in parts, each part as a set of ASCII spellings."""

    given: tuple[frozenset[str], ...]  # first name, then middle names (or initials)
    gender: str | None  # from a title (Mr, Mrs), where one is given
    family: tuple[frozenset[str], ...]  # the surname's parts (a double surname has two)
    suffix: str | None
    raw: str
    latin: bool  # written in the Latin script (with or without diacritics)


@dataclass(frozen=True)
class OrgName:
    core: tuple[str, ...]  # the words that name it, folded
    legal: str | None  # its legal form, folded ("ltd", "llc", "gmbh")
    raw: str


@lru_cache(maxsize=262144)
def _spellings(token: str) -> frozenset[str]:
    """The ASCII spellings of one name part: rigour's folding, and umlauts as ae/oe/ue."""
    base = re.sub(r"[^a-z0-9]", "", ascii_text(token).lower())
    forms = {base}
    low = token.lower()
    if any(ch in _EXPANSIONS for ch in low):
        expanded = "".join(_EXPANSIONS.get(ch, ch) for ch in low)
        forms.add(re.sub(r"[^a-z0-9]", "", ascii_text(expanded)))
    return frozenset(f for f in forms if f)


def _is_latin(text: str) -> bool:
    return all(
        not ch.isalpha() or unicodedata.name(ch, "").startswith("LATIN") for ch in text if not ch.isspace()
    )


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    for tok in _SPLIT.split(text.strip()):
        if not tok:
            continue
        if _INITIALS.match(tok):  # "M.E." is two initials
            out.extend(c for c in tok if c.isalpha())
        else:
            out.append(tok)
    return out


def _clean(tok: str) -> str:
    return tok.strip(".'\"()[]")


@lru_cache(maxsize=65536)
def parse_person(raw: str) -> tuple[PersonName, ...]:
    """The readings of a person's name: one, or two where the split into first and last is unclear.

    "SURNAME, Forenames" splits at the comma; "Forenames SURNAME" (mixed case, the surname in capitals)
    at the capitals; otherwise the last part is the surname, with particles ("van", "de") before it, and a
    second reading takes the last two parts as a double surname ("Anna Garcia Lopez").
    """
    text = " ".join(_DASHES.sub("-", unicodedata.normalize("NFC", raw)).split())
    suffix: str | None = None
    gender: str | None = None

    def strip(tokens: list[str]) -> list[str]:
        nonlocal suffix, gender
        kept = []
        for tok in tokens:
            low = _clean(tok).lower()
            if low in TITLES or low.rstrip(".") in TITLES:
                gender = GENDERED_TITLES.get(low.rstrip("."), gender)
                continue
            if low.rstrip(".") in SUFFIXES:
                suffix = SUFFIXES[low.rstrip(".")]
                continue
            if _clean(tok):
                kept.append(_clean(tok))
        return kept

    def split_hyphens(tokens: list[str], drop_particles: bool = False) -> tuple[frozenset[str], ...]:
        return tuple(
            s
            for t in tokens
            for part in t.split("-")
            if (s := _spellings(part)) and not (drop_particles and part.lower() in PARTICLES)
        )

    latin = _is_latin(text)
    readings: list[tuple[list[str], list[str]]] = []
    head, _, tail = text.partition(",")
    tail_words = [_clean(t).lower().rstrip(".") for t in _tokens(tail)]
    if tail_words and all(w in TITLES or w in SUFFIXES for w in tail_words):
        text = head + " " + tail  # "Gerald Whitcomb, Jr.": the comma sets off a suffix, not the surname
    if "," in text:
        family_text, _, given_text = text.partition(",")
        family, given = strip(_tokens(family_text)), strip(_tokens(given_text))
        readings.append((given, family))
    else:
        tokens = strip(_tokens(text))
        caps = [t for t in tokens if t.isupper() and len(t) > 1]
        if caps and len(caps) < len(tokens) and any(not t.isupper() for t in tokens if len(t) > 1):
            readings.append(([t for t in tokens if t not in caps], caps))
        elif len(tokens) >= 2:
            i = len(tokens) - 1
            while i > 1 and tokens[i - 1].lower() in PARTICLES:
                i -= 1
            readings.append((tokens[:i], tokens[i:]))
            if len(tokens) >= 3 and i == len(tokens) - 1 and len(tokens[-2]) > 1:
                readings.append((tokens[:-2], tokens[-2:]))
        else:
            readings.append(([], tokens))
    return tuple(
        PersonName(split_hyphens(g), gender, split_hyphens(fam, drop_particles=True) or split_hyphens(fam),
                   suffix, raw, latin)
        for g, fam in readings
    )  # fmt: skip


def _skeleton(form: str) -> str:
    """A romanisation-insensitive key: the letters that differ between transliteration systems merged."""
    s = form
    for a, b in (("sch", "s"), ("ks", "x"), ("kh", "h"), ("ph", "f"), ("th", "t"), ("ck", "k"), ("ch", "c"),
                 ("sh", "s"), ("zh", "z"), ("ts", "z"), ("tz", "z"), ("ou", "u"), ("oo", "u"), ("ee", "i"),
                 ("y", "i"), ("j", "i"), ("w", "v"), ("q", "k"), ("c", "k")):  # fmt: skip
        s = s.replace(a, b)
    s = re.sub(r"(.)\1+", r"\1", s)
    return re.sub(r"(?<=.)[aeiou]", "", s)


def _edit1(a: str, b: str) -> bool:
    """Whether a and b differ by one substitution, insertion, deletion or swap of neighbours."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _part_match(a: frozenset[str], b: frozenset[str], scripts_differ: bool) -> str | None:
    """How two name parts agree: 'same', 'initial', 'translit', 'variant', 'typo', or None."""
    if a & b:
        return "same"
    if any(len(x) == 1 for x in a | b):
        return "initial" if {x[0] for x in a} & {x[0] for x in b} else None
    if {_skeleton(x) for x in a} & {_skeleton(x) for x in b}:
        return "translit" if scripts_differ else "variant"
    if any(min(len(x), len(y)) >= 5 and _edit1(x, y) for x, y in product(a, b)):
        return "typo"
    return None


_PART_SCORE = {"translit": 0.96, "variant": 0.85, "typo": 0.88}


def _joined_parts(parts: tuple[frozenset[str], ...]) -> set[str]:
    return {"".join(p) for p in product(*(sorted(x) for x in parts))} if len(parts) <= 4 else set()


def _compare_person_readings(a: PersonName, b: PersonName) -> Match:
    if a.suffix and b.suffix and a.suffix != b.suffix:
        return Match(0.0, f"different suffixes ({a.suffix}, {b.suffix})")
    if a.gender and b.gender and a.gender != b.gender:
        return Match(0.0, "titles of different genders (Mr, Mrs)")
    if not a.family or not b.family:
        return NO_MATCH
    scripts_differ = a.latin != b.latin
    score, rules = 0.97, []
    # Surnames: the same parts, or one surname of a double surname.
    fam = [_part_match(x, y, scripts_differ) for x, y in zip(a.family, b.family, strict=False)]
    if len(a.family) == len(b.family) and all(fam):
        for kind in fam:
            if kind in _PART_SCORE:
                score = min(score, _PART_SCORE[kind])
                rules.append({"translit": "transliteration", "variant": "spelling variant"}.get(kind, kind))
            elif kind == "initial":
                return NO_MATCH
    elif _joined_parts(a.family) & _joined_parts(b.family):
        rules.append("punctuation")  # "Garcia-Lopez" and "GARCIALOPEZ"
    else:
        short, long_ = (a.family, b.family) if len(a.family) < len(b.family) else (b.family, a.family)
        if short and all(any(s & x for x in long_) for s in short):
            score, rules = min(score, 0.85), [*rules, "one surname of a double surname"]
        else:
            return NO_MATCH
    # Given names: the first must agree; middle names agree, or are initials, or are missing on one side.
    if not a.given or not b.given:
        return Match(0.5, "surname only")
    first = _part_match(a.given[0], b.given[0], scripts_differ)
    if first is None:
        return Match(0.0, "different given names")
    if first == "initial":
        score, rules = min(score, 0.75), [*rules, "first name against its initial"]
    elif first in _PART_SCORE:
        score = min(score, _PART_SCORE[first])
        rules.append({"translit": "transliteration", "variant": "spelling variant"}.get(first, first))
    ma, mb = a.given[1:], b.given[1:]
    for x, y in zip(ma, mb, strict=False):
        kind = _part_match(x, y, scripts_differ)
        if kind is None:
            return Match(0.0, "different middle names")
        if kind == "initial":
            score, rules = min(score, 0.92), [*rules, "middle name against its initial"]
        elif kind in _PART_SCORE:
            score = min(score, _PART_SCORE[kind])
            rules.append("middle name " + kind)
    if len(ma) != len(mb):
        score, rules = min(score, 0.90), [*rules, "middle name on one side only"]
    if (a.suffix is None) != (b.suffix is None):
        rules.append("suffix on one side only")
    return Match(score, "same name" + (": " + ", ".join(dict.fromkeys(rules)) if rules else ""))


def _folded_words(text: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", ascii_text(text).lower()) if w]


def _surface(a: str, b: str) -> list[str]:
    """What differs between two names that match exactly: the words for the rule."""
    if a == b:
        return []
    if a.casefold() == b.casefold():
        return ["case"]
    out = []
    wa, wb = _folded_words(a), _folded_words(b)
    if ("," in a) != ("," in b) or (sorted(wa) == sorted(wb) and wa != wb):
        out.append("order")
    raw_a = {w for w in re.split(r"[^A-Za-z0-9]+", ascii_text(a)) if w}
    raw_b = {w for w in re.split(r"[^A-Za-z0-9]+", ascii_text(b)) if w}
    lower_b = {w.lower(): w for w in raw_b}
    if any(w.lower() in lower_b and lower_b[w.lower()] != w for w in raw_a):
        out.append("case")
    if _is_latin(a) != _is_latin(b):
        out.append("script")
    elif ascii_text(a) != a or ascii_text(b) != b:
        out.append("diacritics")
    if ("".join(wa) == "".join(wb) and wa != wb) or re.sub(r"[\w\s]", "", a) != re.sub(r"[\w\s]", "", b):
        out.append("punctuation")
    return out


def _joined(name: PersonName, family_first: bool) -> set[str]:
    parts = (*name.family, *name.given) if family_first else (*name.given, *name.family)
    return {"".join(p) for p in product(*(sorted(x) for x in parts))} if len(parts) <= 6 else set()


def compare_people(a: str, b: str) -> Match:
    """The best agreement between any reading of ``a`` and any reading of ``b`` (people's names)."""
    if " ".join(unicodedata.normalize("NFKC", a).casefold().split()) == " ".join(
        unicodedata.normalize("NFKC", b).casefold().split()
    ):
        return Match(0.97, "same name" + (": case" if a.strip() != b.strip() else ""))
    best: Match | None = None
    for x, y in product(parse_person(a), parse_person(b)):
        m = _compare_person_readings(x, y)
        if best is None or m.score > best.score:
            best = m
    assert best is not None
    if best.score >= 0.97 and best.rule == "same name":
        words = _surface(a.strip(), b.strip())
        best = Match(best.score, "same name" + (": " + ", ".join(words) if words else ""))
    elif best.score < 0.96 and _is_latin(a) != _is_latin(b):
        # Names in scripts without spaces between given and family names (Chinese, Japanese, Korean) are
        # romanised with the family name first and the given name run together or split by syllable.
        x, y = parse_person(a)[0], parse_person(b)[0]
        if any(_joined(x, f) & _joined(y, g) for f in (True, False) for g in (True, False)):
            best = Match(0.96, "same name: script, order")
    elif best.score < 0.85 and "," not in a + b:
        # Given and family names swapped with no comma to say so (Hungarian order, or a slip): possible.
        x, y = parse_person(a)[0], parse_person(b)[0]
        if (
            len(x.given) == len(y.family) == 1
            and len(y.given) == len(x.family) == 1
            and (x.given[0] & y.family[0] and x.family[0] & y.given[0])
        ):
            best = Match(0.85, "same name: given and family names swapped")
    return best


@lru_cache(maxsize=65536)
def parse_org(raw: str) -> OrgName:
    """An organisation's name words and legal form; ``S.A.``-style dotted forms and dashes folded first."""
    text = _DASHES.sub("-", unicodedata.normalize("NFC", raw))
    # Without rewriting, legal forms keep their country: rigour's compare form makes "Pty Ltd", "Ltda"
    # and "Lda" all "ltd", while they are companies of different countries.
    names = analyze_names(NameTypeTag.ORG, [text], rewrite=False)
    if not names:
        return OrgName((), None, raw)
    name = max(names, key=lambda n: len(n.parts))
    parts = list(name.parts)
    # A legal form closes a name ("Acme Ltd"); only a few open one ("OOO Romashka"). A legal-looking word
    # elsewhere is part of the name: "SP Stadt Zürich" is a party, not a partnership.
    trailing = len(parts)
    while trailing > 0 and (parts[trailing - 1].tag == NamePartTag.LEGAL
                            or _word(parts[trailing - 1]) in GENERIC_ORG_WORDS):  # fmt: skip
        trailing -= 1
    core: list[str] = []
    legal: list[str] = []
    for i, part in enumerate(parts):
        word = _word(part)
        if not word:
            continue
        if i >= trailing or (i == 0 and part.tag == NamePartTag.LEGAL and word in LEADING_LEGAL_FORMS):
            written = re.sub(r"[^a-z0-9 ]", "", ascii_text(part.form).lower()).strip()
            legal.append(_LEGAL_EQUIVALENT.get(written, written))
        elif word not in ORG_STOPWORDS:
            core.append(part.form)
    return OrgName(tuple(core), " ".join(legal) or None, raw)


LEADING_LEGAL_FORMS = frozenset(["ooo", "oao", "zao", "pao", "ao", "tov", "pt", "cv", "jsc", "ojsc"])


def _word(part) -> str:
    return re.sub(r"[^a-z0-9]", "", part.comparable)


_LEGAL_EQUIVALENT = {"limited": "ltd", "corp": "inc", "corporation": "inc", "incorporated": "inc",
                     "co": "company"}  # fmt: skip


def _words_match(x: tuple[str, ...], y: tuple[str, ...]) -> str | None:
    """'same' when every word agrees in some spelling (or the words run together agree), 'typo' for one
    one-letter slip in a word of five letters or more, else None."""
    sx, sy = [_spellings(w) for w in x], [_spellings(w) for w in y]
    if len(sx) == len(sy) and all(p & q for p, q in zip(sx, sy, strict=True)):
        return "same"
    if _joined_parts(tuple(sx)) & _joined_parts(tuple(sy)):
        return "same"
    if len(sx) == len(sy):
        diffs = [(p, q) for p, q in zip(sx, sy, strict=True) if not p & q]
        if len(diffs) == 1:
            p, q = diffs[0]
            if any(min(len(u), len(v)) >= 5 and _edit1(u, v) for u, v in product(p, q)):
                return "typo"
    return None


def compare_orgs(a: str, b: str) -> Match:
    """Agreement of two organisation names: core words, then legal form."""
    x, y = parse_org(a), parse_org(b)
    if not x.core or not y.core:
        return NO_MATCH
    words = _words_match(x.core, y.core)
    if words is None:
        return Match(0.0, "different names")
    if x.legal and y.legal and x.legal != y.legal:
        return Match(0.5, f"different legal forms ({x.legal}, {y.legal})")
    if words == "typo":
        return Match(0.88, "one-letter slip")
    if not (x.legal and y.legal) and len(x.core) < 2:
        return Match(0.85, "same single word, legal form on one side only")
    said = _surface(a.strip(), b.strip())
    if x.legal != y.legal:
        said.append("legal form on one side only")
    elif x.legal and a.casefold().split()[-1:] != b.casefold().split()[-1:]:
        said.append("legal form")
    return Match(
        0.97 if x.legal and y.legal else 0.96, "same name" + (": " + ", ".join(said) if said else "")
    )


def compare_names(a: str, b: str, schema: str) -> Match:
    """Compare two names as people (``Person``) or organisations (anything else)."""
    return compare_people(a, b) if schema == "Person" else compare_orgs(a, b)


# "Paid for by" as the ad library's web page writes it, in the languages of its interface, folded to ASCII
# lower case (so "Payé par" and "Paye par" both match). The prefix must be followed by a name.
DISCLAIMER_PREFIXES = (
    "paid for by", "sponsored by",  # English
    "pagado por", "financiado por", "patrocinado por", "pago de",  # Spanish
    "pago por", "pago pelo", "pago pela",  # Portuguese
    "paye par", "finance par",  # French
    "finanziert von", "bezahlt von", "gesponsert von",  # German
    "pagato da", "finanziato da",  # Italian
    "betaald door",  # Dutch
    "oplacone przez", "sfinansowane przez",  # Polish
    "platit de", "finantat de",  # Romanian
    "fizetett hirdeto",  # Hungarian ("Fizetett hirdető: X")
    "betalat av", "betalt av", "betalt af",  # Swedish, Norwegian, Danish
)  # fmt: skip
_PREFIX_WORDS = "|".join(p.replace(" ", r"\s+") for p in DISCLAIMER_PREFIXES)
_DISCLAIMER = re.compile(rf"^\s*(?:{_PREFIX_WORDS})(?:\s*[:\-–—]\s*|\s+)(?=\S)")
_LONGEST_PREFIX = 48  # characters of a name folded to look for a prefix: the longest, with spaces to spare
# Letters whose ASCII form is not their decomposition's first character.
_FOLD = {"ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ß": "s"}


def _fold_char(c: str) -> str:
    """One character folded to one lower-case ASCII-ish character (so positions match the original)."""
    return _FOLD.get(c) or unicodedata.normalize("NFKD", c)[:1].lower()


@lru_cache(maxsize=65536)
def strip_disclaimer(name: str) -> str:
    """``name`` without a disclaimer prefix ("Paid for by Liberty Bridge Ltd" → "Liberty Bridge Ltd").

    The prefixes are :data:`DISCLAIMER_PREFIXES`, matched without regard to case or accents, followed by
    white space or a colon and then a name; a name that is only a prefix ("Paid for by") is returned
    unchanged (it is a placeholder, see :data:`unmask.attribution.payers.PLACEHOLDERS`).

    >>> strip_disclaimer("Paid for by Liberty Bridge Ltd"), strip_disclaimer("Payé par : Les Amis")
    ('Liberty Bridge Ltd', 'Les Amis')
    >>> strip_disclaimer("Paid for by"), strip_disclaimer("Paidfor Media")
    ('Paid for by', 'Paidfor Media')
    """
    text = unicodedata.normalize("NFC", name)
    folded = "".join(_fold_char(c) for c in text[:_LONGEST_PREFIX])
    found = _DISCLAIMER.match(folded)
    return text[found.end() :].strip() if found else name
