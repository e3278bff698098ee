"""Calibrated coordination scores: the raw account score 1 − q mapped to a probability of being planted.

The detector's raw score of an account is 1 − q of its best edge. On planted data it is far too confident
(four in five accounts in a tested edge score above 0.9; under two in five of those are planted), so the
shipped map, ``unmask/data/coordination_calibration.json``, is an isotonic regression of "planted" on that
raw score (each block's rate smoothed to (k + 1) / (n + 2), so never exactly 0 or 1), fitted by
``bench/coordination_calibration.py`` on planted runs of ``bench/planted.py`` across scenarios, with one
seed held out to measure it (docs/coordination.md). :func:`calibrate` applies it: piecewise linear between
the fitted points, flat beyond them, so monotone and within [0, 1]. It was fitted on planted scenarios only
(:func:`note` says on which): on real operations the calibrated score is a better founded scale
than 1 − q, not a measured probability.

The JSON is read on first use, not on import: a missing or malformed file raises :class:`CalibrationError`
from :func:`calibrate` or :func:`note`.

Example::

    >>> import numpy as np
    >>> from unmask.coordination import calibration
    >>> calibration.calibrate(np.array([0.0, 0.99, 0.999, 1.0])).round(4)   # doctest: +SKIP
    array([0.0156, 0.0593, 0.2436, 0.9997])
    >>> "calibrated on planted scenarios only" in calibration.note()
    True
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from unmask.errors import UnmaskError

RESOURCE = "coordination_calibration.json"
_REFIT = "reinstall unmask, or re-fit it with bench/coordination_calibration.py --write-params"


class CalibrationError(UnmaskError):
    """The shipped calibration parameters are missing or malformed (a broken install, not the input)."""


@dataclass(frozen=True)
class Calibration:
    """The fitted map (``thresholds`` strictly increasing in [0, 1], ``values`` non-decreasing in [0, 1])
    and what it was fitted on."""

    thresholds: np.ndarray
    values: np.ndarray
    scenarios: tuple[str, ...]
    seeds: tuple[int, ...]
    holdout_seed: int | None
    posts: tuple[int, ...]


def parse(text: str, where: str = RESOURCE) -> Calibration:
    """Check and read the parameters' JSON; :class:`CalibrationError` naming ``where`` if malformed."""
    try:
        doc = json.loads(text)
        if not isinstance(doc, dict):
            raise ValueError("not a JSON object")
        thresholds = _points(doc, "thresholds")
        values = _points(doc, "values")
        if len(thresholds) != len(values) or len(thresholds) < 2:
            raise ValueError("thresholds and values need the same length, at least 2")
        if np.any(np.diff(thresholds) <= 0):
            raise ValueError("thresholds are not strictly increasing")
        if np.any(np.diff(values) < 0):
            raise ValueError("values decrease: the map would not be monotone")
        scenarios = tuple(_listed(doc, "scenarios", str))
        seeds = tuple(_listed(doc, "seeds", int))
        posts = doc.get("posts")
        posts = tuple(_listed({"posts": posts if isinstance(posts, list) else [posts]}, "posts", int))
        holdout = doc.get("holdout_seed")
        if holdout is not None and not isinstance(holdout, int):
            raise ValueError("holdout_seed is not an integer")
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        raise CalibrationError(f"coordination calibration {where}: malformed ({exc}); {_REFIT}") from None
    for array in (thresholds, values):
        array.flags.writeable = False  # shared by every caller through the cache
    return Calibration(thresholds, values, scenarios, seeds, holdout, posts)


def _points(doc: dict[str, Any], key: str) -> np.ndarray:
    raw = doc.get(key)
    if not isinstance(raw, list) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in raw
    ):
        raise ValueError(f"{key} is not a list of numbers")
    points = np.asarray(raw, dtype=float)
    if not np.all((points >= 0) & (points <= 1)):  # also rejects NaN
        raise ValueError(f"{key} outside [0, 1]")
    return points


def _listed(doc: dict[str, Any], key: str, kind: type) -> list:
    raw = doc.get(key)
    if not isinstance(raw, list) or not raw or not all(isinstance(v, kind) for v in raw):
        raise ValueError(f"{key} is not a non-empty list of {kind.__name__}")
    return raw


@functools.cache
def parameters() -> Calibration:
    """The shipped parameters, read once (a failed read is not cached: it raises again next time)."""
    try:
        text = resources.files("unmask.data").joinpath(RESOURCE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CalibrationError(
            f"coordination calibration unmask/data/{RESOURCE} cannot be read ({exc}); {_REFIT}"
        ) from None
    return parse(text, f"unmask/data/{RESOURCE}")


def calibrate(raw: np.ndarray) -> np.ndarray:
    """Calibrated scores of raw account scores (1 − best q): clipped to [0, 1], then interpolated between
    the fitted points. Monotone, within [0, 1]; NaN stays NaN. Calibrate the unrounded 1 − q: the map
    changes fastest between 0.999 and 1."""
    fitted = parameters()
    return np.interp(np.clip(np.asarray(raw, dtype=float), 0.0, 1.0), fitted.thresholds, fitted.values)


def note() -> str:
    """One sentence for limitations texts: calibrated on planted scenarios only, and on which."""
    fitted = parameters()
    posts = (
        f"{fitted.posts[0]:,} posts each"
        if len(fitted.posts) == 1
        else f"{min(fitted.posts):,}–{max(fitted.posts):,} posts"
    )
    held = f", checked on held-out seed {fitted.holdout_seed}" if fitted.holdout_seed is not None else ""
    return (
        "Account and network scores are calibrated on planted scenarios only: an isotonic map of 1 − q "
        f"fitted on synthetic runs of bench/planted.py (scenarios {', '.join(fitted.scenarios)}; seeds "
        f"{', '.join(map(str, fitted.seeds))}{held}; {posts}), not on real operations."
    )
