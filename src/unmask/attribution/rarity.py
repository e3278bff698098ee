"""How many other people carry a full name: the estimate that lets a rare name merge on its own.

Two records named "SMITH, JOHN" say nothing about being one person: tens of thousands of Americans carry the
name. Two records named "HALVORSEN, Marit Elise" almost certainly do. :class:`NameRarity` puts a number on
it: the **expected number of namesakes**, other people who carry the same full name,

    namesakes = population * f(first name) * f(each middle name written out) * f(each surname part)

with each part's frequency ``f`` the larger of two estimates:

- the **1990 US Census** frequencies of first names (men's and women's averaged) and surnames, as shipped
  by the ``names`` package (MIT). The census rounds to 0.001 %; a surname's frequency is read from the
  slope of the cumulative column around its rank instead, which resolves the 70,000 surnames printed as
  0.000. A part the census does not list gets the frequency of the rarest it lists (first names
  2.5e-5, surnames 1e-6): unlisted is rarer than that in the US, but names of other countries are often
  unlisted and common at home, so the floor errs towards "common";
- the part's frequency **among the case's own people** (each entity once, the two compared left out),
  which catches names common in the case's population that the census does not know.

Initials add nothing (an initial is shared by a twentieth of the population or more). ``population`` is
the census's, 330 million; names are compared at that scale whatever their country. A name is rare when
its expected namesakes are below ``threshold`` (0.01): two records of it are then one person about 99 times
in 100, the precision automatic merges aim at. The independence of first and last names is an
approximation (name pairs cluster by origin), which is why the floor and the case frequencies lean to
"common".

Example::

    >>> r = NameRarity().fit([])
    >>> int(round(r.namesakes(parse_person("SMITH, JOHN")[0]), -3))
    54000
    >>> r.is_rare(parse_person("HALVORSEN, Marit Elise")[0])
    True
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import cache
from importlib.resources import files

import numpy as np

from unmask.names import PersonName, parse_person  # noqa: F401  (parse_person: the example)

POPULATION = 330_000_000
RARE = 0.01
FIRST_FLOOR = 2.5e-5  # the census's last listed first names: men 0.004 %, women 0.001 %, averaged
LAST_FLOOR = 1e-6  # the slope of the surname list's cumulative column at its end (0.0001 % a name)
_SLOPE_SPAN = 500  # ranks either side over which a surname's frequency is read from the cumulative column


def _read(name: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    names, freq, cum = [], [], []
    for line in files("names").joinpath(name).read_text(encoding="ascii").splitlines():
        fields = line.split()
        if len(fields) >= 3:
            names.append(fields[0].lower())
            freq.append(float(fields[1]) / 100)
            cum.append(float(fields[2]) / 100)
    return names, np.array(freq), np.array(cum)


@cache
def census() -> tuple[dict[str, float], dict[str, float]]:
    """(first-name, surname) frequencies from the 1990 US Census lists of the ``names`` package."""
    first: Counter[str] = Counter()
    for sheet in ("dist.male.first", "dist.female.first"):
        names, freq, _ = _read(sheet)
        for n, f in zip(names, freq.tolist(), strict=True):
            first[n] += f / 2
    names, freq, cum = _read("dist.all.last")
    rank = np.arange(len(names))
    lo, hi = np.maximum(rank - _SLOPE_SPAN, 0), np.minimum(rank + _SLOPE_SPAN, len(names) - 1)
    slope = (cum[hi] - cum[lo]) / np.maximum(hi - lo, 1)
    # Where the printed frequency resolves the name (0.001 % or more) it is kept; below, the slope.
    last = np.where(freq > 0, freq, np.maximum(slope, LAST_FLOOR))
    return dict(first), dict(zip(names, last.tolist(), strict=True))


class NameRarity:
    """Expected namesakes of a person's full name, from the census and the case's people.

    Parameters
    ----------
    population : int, default=330_000_000
    threshold : float, default=0.01
        ``is_rare`` below this many expected namesakes.

    Attributes
    ----------
    n_people_ : int
        The people the case frequencies were counted over.
    """

    def __init__(self, population: int = POPULATION, threshold: float = RARE):
        self.population = population
        self.threshold = threshold

    def fit(self, people: Iterable[PersonName]) -> NameRarity:
        """Count the name parts of the case's people (one reading of each entity's name)."""
        self.first_: Counter[str] = Counter()
        self.last_: Counter[str] = Counter()
        self.n_people_ = 0
        for name in people:
            self.n_people_ += 1
            self.first_.update({min(s) for s in name.given if len(min(s)) > 1})
            self.last_.update({min(s) for s in name.family})
        return self

    def _frequency(
        self, part: frozenset[str], census: dict[str, float], floor: float, case: Counter
    ) -> float:
        key = min(part)
        in_census = max((census.get(s, 0.0) for s in part), default=0.0) or floor
        # The two records compared are left out, so a name only they carry is not common in the case.
        others = max(case.get(key, 0) - 2, 0)
        return max(in_census, others / self.n_people_ if self.n_people_ else 0.0)

    def namesakes(self, name: PersonName) -> float:
        """The expected number of other people with this full name (inf without a first name)."""
        if not name.given or len(min(name.given[0])) <= 1 or not name.family:
            return float("inf")
        first, last = census()
        f = self._frequency(name.given[0], first, FIRST_FLOOR, self.first_)
        for middle in name.given[1:]:
            if len(min(middle)) > 1:
                f *= self._frequency(middle, first, FIRST_FLOOR, self.first_)
        for part in name.family:
            f *= self._frequency(part, last, LAST_FLOOR, self.last_)
        return self.population * f

    def is_rare(self, name: PersonName) -> bool:
        return bool(self.namesakes(name) < self.threshold)
