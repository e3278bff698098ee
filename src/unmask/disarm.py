"""The DISARM framework's techniques, shipped as package data, and the ids that the 2025 revision retired.

Data: DISARM Foundation, DISARMframeworks (2025-02 revision), https://www.disarm.foundation/ — licensed
CC BY-SA 4.0. The tables in ``unmask/data/disarm/`` are unmodified copies of
``DISARM_FRAMEWORKS_MASTER__techniques.csv`` and ``__tactics.csv``; see ``unmask/data/disarm/NOTICE``.

Example::

    >>> technique("T0049.005").name
    'Conduct Swarming'
    >>> current_ids("T0099.001")
    ('T0143.002', 'T0097.208')
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

ATTRIBUTION = (
    "DISARM framework (2025-02), DISARM Foundation, CC BY-SA 4.0, "
    "https://github.com/DISARMFoundation/DISARMframeworks"
)

# Ids still quoted in published reports that the 2025 revision removed, mapped to the techniques that now
# describe the same behaviour. The mapping is this project's reading of the old and new definitions; the
# framework itself publishes none for these ids.
RETIRED: dict[str, tuple[str, ...]] = {
    # "Create Inauthentic Social Media Pages and Groups"
    "T0007": ("T0151.003", "T0151.002", "T0143.002"),
    # "Create Inauthentic Websites"
    "T0013": ("T0152.004", "T0149.001", "T0143.002"),
    # "Create Inauthentic Accounts"
    "T0090": ("T0146", "T0150.001", "T0143.002"),
    # "Prepare Assets Impersonating Legitimate Entities: Astroturfing"
    "T0099.001": ("T0143.002", "T0097.208"),
}


@dataclass(frozen=True)
class Technique:
    id: str
    name: str
    tactic_id: str
    tactic: str
    summary: str


@cache
def techniques() -> dict[str, Technique]:
    base = resources.files("unmask.data").joinpath("disarm")
    with base.joinpath("tactics.csv").open(encoding="utf-8") as fh:
        tactics = {r["disarm_id"]: r["name"] for r in csv.DictReader(fh)}
    with base.joinpath("techniques.csv").open(encoding="utf-8") as fh:
        return {
            r["disarm_id"]: Technique(
                r["disarm_id"], r["name"], r["tactic_id"], tactics.get(r["tactic_id"], ""), r["summary"]
            )
            for r in csv.DictReader(fh)
        }


def technique(technique_id: str) -> Technique:
    """The technique with this current id; KeyError for an unknown or retired one."""
    return techniques()[technique_id]


def current_ids(technique_id: str) -> tuple[str, ...]:
    """Current ids for ``technique_id``: itself if current, its successors if retired, () if unknown."""
    if technique_id in techniques():
        return (technique_id,)
    return RETIRED.get(technique_id, ())
