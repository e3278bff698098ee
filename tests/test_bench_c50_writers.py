"""bench/c50_writers.py's byline drawing: composites of a given number of distinct authors (issue 14)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np


def _draw():
    path = Path(__file__).resolve().parents[1] / "bench" / "c50_writers.py"
    spec = importlib.util.spec_from_file_location("c50_writers", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.draw


def test_composites_of_a_given_number_of_distinct_authors() -> None:
    draw = _draw()
    by_author = {f"a{i}": np.arange(i * 100, i * 100 + 50) for i in range(20)}
    author = {int(d): name for name, docs in by_author.items() for d in docs}
    rng = np.random.default_rng(0)
    ten = draw(rng, by_author, 10, True, 10)
    assert len(ten) == 10 and len({author[int(d)] for d in ten}) == 10
    four = draw(rng, by_author, 10, True, 4)
    assert len(four) == 10 and len({author[int(d)] for d in four}) == 4
    one = draw(rng, by_author, 5, False)
    assert len({author[int(d)] for d in one}) == 1
