"""persona plots: each figure is a PNG; hostile labels are shown as written, never read as mathematics."""

from pathlib import Path

import matplotlib as mpl
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.cluster.hierarchy import linkage

from unmask.persona.plots import dendrogram, document_map, plain, project_2d, rhythm_heatmap

PNG = b"\x89PNG\r\n\x1a\n"
# Valid mathtext, broken mathtext (an unknown command, an unclosed group), HTML and a lone dollar.
HOSTILE = [
    "$\\frac{a}{b}$ <script>alert(1)</script>",
    "$\\notacommand{x}$",
    "price $5 and $\\frac{1}{$",
    "a\\$b$c$",
    "x" * 80,
]


def is_png(path: Path) -> bool:
    return path.stat().st_size > 1000 and path.read_bytes()[:8] == PNG


def test_plain_escapes_every_dollar_and_cuts() -> None:
    assert plain("$x$") == r"\$x\$"
    assert plain("abcdef", 4) == "abc…" and plain("abc", 4) == "abc"
    assert plain(12) == "12"
    assert plain("a\nb\x00\tc") == "a b c"  # one line: a label cannot grow a figure tall


def test_rhythm_heatmap(tmp_path: Path) -> None:
    hist = np.zeros((7, 24), dtype=int)
    hist[:5, 6:15] = 4
    # With usetex on, matplotlib would hand the title to LaTeX (and fail without a LaTeX installation).
    with mpl.rc_context({"text.usetex": True}):
        out = rhythm_heatmap(hist, tmp_path / "h.png", title=HOSTILE[2], offset_hours=5.75)
    assert out == tmp_path / "h.png" and is_png(out)
    long_title = "$" + "\n".join(["very long byline"] * 500)
    assert is_png(rhythm_heatmap(hist, tmp_path / "utc.png", title=long_title))
    with pytest.raises(ValueError, match=r"\(7, 24\)"):
        rhythm_heatmap(np.zeros((24, 7)), tmp_path / "bad.png", title="x")


def test_dendrogram(tmp_path: Path) -> None:
    X = np.random.default_rng(0).normal(size=(len(HOSTILE) + 3, 4))
    labels = [*HOSTILE, "d1", "d2", "d3"]
    z = linkage(X, "average")
    out = dendrogram(z, labels, tmp_path / "d.png", title=HOSTILE[1], colors=[0, 0, 1, 1, "$x$", 2, 2, 0])
    assert out == tmp_path / "d.png" and is_png(out)
    assert is_png(dendrogram(np.zeros((0, 4)), ["only $one$"], tmp_path / "one.png", title="one"))
    with pytest.raises(ValueError, match="linkage matrix"):
        dendrogram(z, labels[:3], tmp_path / "bad.png", title="x")
    with pytest.raises(ValueError, match="colors"):
        dendrogram(z, labels, tmp_path / "bad.png", title="x", colors=[0])


def test_many_leaves_are_drawn_without_labels(tmp_path: Path) -> None:
    X = np.random.default_rng(1).normal(size=(301, 3))
    out = dendrogram(linkage(X, "ward"), [f"doc-{i}" for i in range(301)], tmp_path / "big.png", title="big")
    assert is_png(out)


def test_document_map(tmp_path: Path) -> None:
    # Hostile labels, points and cluster names alike, and more clusters than the legend lists.
    labels = HOSTILE * 6
    clusters = [*range(len(labels) - 2), HOSTILE[1], HOSTILE[1]]
    coords = project_2d(np.random.default_rng(2).normal(size=(len(labels), 6)))
    out = document_map(coords, clusters, labels, tmp_path / "m.png", title=HOSTILE[0])
    assert out == tmp_path / "m.png" and is_png(out)
    with pytest.raises(ValueError, match="coords_2d"):
        document_map(coords[:, :1], clusters, labels, tmp_path / "bad.png", title="x")
    with pytest.raises(ValueError, match="clusters"):
        document_map(coords, [0], labels, tmp_path / "bad.png", title="x")


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_project_2d_dense_and_sparse(n: int) -> None:
    X = np.random.default_rng(n).random((n, 40))
    X[X < 0.6] = 0.0
    dense, sparse = project_2d(X), project_2d(sp.csr_matrix(X))
    assert dense.shape == sparse.shape == (n, 2)
    assert np.allclose(np.abs(dense), np.abs(sparse))  # the same up to the sign of each component
    assert np.allclose(dense.mean(axis=0), 0.0)
    if n == 2:
        assert dense[0, 0] == pytest.approx(-dense[1, 0]) and np.all(dense[:, 1] == 0)


def test_project_2d_keeps_distances_of_planar_points() -> None:
    X = np.zeros((4, 5))
    X[:, :2] = [[0, 0], [3, 0], [0, 4], [3, 4]]
    Y = project_2d(X)
    d = lambda A: np.linalg.norm(A[:, None] - A[None], axis=2)  # noqa: E731
    assert np.allclose(d(X), d(Y))
