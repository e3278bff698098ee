"""PNG figures of persona forensics: a weekly activity heatmap, a dendrogram and a 2-D map of documents.

Figures are made with :class:`matplotlib.figure.Figure` and the Agg canvas, never through ``pyplot``: no
global figure state, nothing left open, the same output in a server as on a desktop.

Every label and title may come from hostile input (a byline, a document id, a cluster name). Matplotlib
reads text between two ``$`` as mathematics and LaTeX under ``text.usetex``, where a crafted name could
fail to parse or run LaTeX; so every ``$`` is escaped (shown as written) and every figure is drawn with
``text.usetex`` off, whatever the user's matplotlibrc says.

Example::

    >>> import numpy as np
    >>> from pathlib import Path
    >>> hist = np.zeros((7, 24), dtype=int); hist[:5, 6:15] = 3
    >>> rhythm_heatmap(hist, Path("/tmp/rhythm.png"), title="Jane Roe", offset_hours=3.0)  # doctest: +SKIP
    PosixPath('/tmp/rhythm.png')
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib as mpl
import numpy as np
import scipy.sparse as sp
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from scipy.cluster.hierarchy import dendrogram as _scipy_dendrogram
from sklearn.decomposition import PCA

from unmask.outfiles import atomic

WEEKDAY_ABBREVIATIONS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
LABEL_CHARS = 30  # leaf and point labels are cut to this many characters
_DPI = 120
_MAX_LEAF_LABELS = 300  # past this many documents the leaves are unreadable anyway: drawn without labels
_MAX_POINT_LABELS = 60
_MAX_LEGEND = 20
TITLE_CHARS = 120  # a title from a byline of any length must not widen the figure without end
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def plain(text: object, limit: int | None = None) -> str:
    """``text`` as plain matplotlib text: on one line, cut to ``limit`` characters (with …), ``$`` escaped.

    Matplotlib shows ``\\$`` as ``$`` and reads no mathematics in a string whose ``$`` are all escaped.
    Line breaks and other control characters become spaces, so that a label cannot grow a figure tall.
    """
    s = _CONTROL.sub(" ", str(text))
    if limit is not None and len(s) > limit:
        s = s[: limit - 1] + "…"
    return s.replace("$", r"\$")


@contextmanager
def _figure(width: float, height: float) -> Iterator[Figure]:
    # usetex would hand labels to LaTeX; the rc values are read when artists are made, so the whole
    # figure is made and saved inside the context.
    with mpl.rc_context({"text.usetex": False, "text.parse_math": True}):
        fig = Figure(figsize=(width, height), dpi=_DPI)
        FigureCanvasAgg(fig)
        yield fig


def _save(fig: Figure, path: str | Path) -> Path:
    # atomic applies the rule of every output (at most the last folder level is created) and makes the
    # file appear whole or not at all.
    path = Path(path)
    with atomic(path) as tmp:
        fig.savefig(tmp, format="png", bbox_inches="tight")
    return path


def _hour_label(hours: float) -> str:
    minutes = round(float(hours) * 60) % (24 * 60)
    return f"{minutes // 60:02d}" if minutes % 60 == 0 else f"{minutes // 60:02d}:{minutes % 60:02d}"


def _offset_label(hours: float) -> str:
    minutes = round(float(hours) * 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def rhythm_heatmap(
    histogram: np.ndarray, path: str | Path, *, title: str, offset_hours: float | None = None
) -> Path:
    """A heatmap of a (7, 24) UTC activity histogram (weekday rows Monday to Sunday, hour columns).

    The bottom axis is the UTC hour; with ``offset_hours`` a top axis gives the local hour at that offset
    (the rows stay UTC weekdays). Returns ``path``.
    """
    hist = np.asarray(histogram)
    if hist.shape != (7, 24):
        raise ValueError(f"histogram must have shape (7, 24), not {hist.shape}")
    with _figure(11.0, 4.2) as fig:
        ax = fig.subplots()
        image = ax.imshow(hist, aspect="auto", cmap="viridis", interpolation="nearest")
        ax.set_yticks(range(7), WEEKDAY_ABBREVIATIONS)
        ax.set_xticks(range(24), [f"{h:02d}" for h in range(24)])
        ax.set_xlabel("hour (UTC)")
        ax.set_ylabel("weekday (UTC)")
        ax.set_title(plain(title, TITLE_CHARS))
        fig.colorbar(image, ax=ax, label="events", pad=0.02)
        if offset_hours is not None:
            top = ax.secondary_xaxis("top")
            top.set_xticks(
                range(24), [_hour_label(h + offset_hours) for h in range(24)], fontsize=7, rotation=90
            )
            top.set_xlabel(f"local hour ({_offset_label(offset_hours)})")
        return _save(fig, path)


def _palette(clusters: Sequence[Hashable]) -> tuple[list[Hashable], dict[Hashable, tuple], np.ndarray]:
    """The distinct clusters (in order of first appearance), a colour for each, and each item's index."""
    order = list(dict.fromkeys(clusters))
    cmap = mpl.colormaps["tab10" if len(order) <= 10 else "tab20"]
    colours = {c: cmap(i % cmap.N) for i, c in enumerate(order)}
    index = {c: i for i, c in enumerate(order)}
    return order, colours, np.array([index[c] for c in clusters], dtype=np.int64)


def _legend(ax, order: list[Hashable], colours: dict[Hashable, tuple], title: str) -> None:
    shown = order[:_MAX_LEGEND]
    handles = [
        Line2D([], [], marker="o", linestyle="", color=colours[c], label=plain(c, LABEL_CHARS)) for c in shown
    ]
    if len(order) > len(shown):
        handles.append(Line2D([], [], linestyle="", label=f"… {len(order) - len(shown)} more"))
    ax.legend(handles=handles, title=title, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)


def dendrogram(
    linkage_matrix: np.ndarray,
    labels: Sequence[object],
    path: str | Path,
    *,
    title: str,
    colors: Sequence[Hashable] | None = None,
) -> Path:
    """A dendrogram of documents from a scipy linkage matrix; leaves labelled by ``labels`` (doc ids).

    ``colors``, if given, is one cluster label per document (in the order of ``labels``): the leaf labels
    are coloured by cluster and a legend names the clusters. Labels are cut to 30 characters; past 300
    documents the leaves are drawn without labels. Returns ``path``.
    """
    z = np.asarray(linkage_matrix, dtype=np.float64)
    n = len(labels)
    if z.ndim != 2 or z.shape[1] != 4 or z.shape[0] != n - 1:
        raise ValueError(f"a linkage matrix of {n} documents has shape ({n - 1}, 4), not {z.shape}")
    if colors is not None and len(colors) != n:
        raise ValueError(f"{len(colors)} colors for {n} documents")
    show = n <= _MAX_LEAF_LABELS
    with _figure(9.0, min(max(3.0, 0.22 * n + 1.2), 60.0)) as fig:
        ax = fig.subplots()
        ax.set_title(plain(title, TITLE_CHARS))
        if n == 1:  # nothing to join: scipy cannot draw a single leaf
            ax.text(0.5, 0.5, plain(labels[0], LABEL_CHARS), ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
            return _save(fig, path)
        # Links in one grey: colour tells clusters (the leaf labels), not scipy's distance threshold.
        tree = _scipy_dendrogram(
            z,
            labels=[plain(label, LABEL_CHARS) for label in labels],
            orientation="right",  # leaves and their labels on the left, the legend free on the right
            no_labels=not show,
            color_threshold=0,
            above_threshold_color="0.35",
            ax=ax,
        )
        ax.set_xlabel("distance")
        for side in ("top", "left", "right"):  # only the distance axis means anything
            ax.spines[side].set_visible(False)
        if colors is not None:
            order, colours, index = _palette(list(colors))
            leaf_colour = [colours[order[i]] for i in index[tree["leaves"]]]
            if show:
                for tick, colour in zip(ax.get_yticklabels(), leaf_colour, strict=True):
                    tick.set_color(colour)
            _legend(ax, order, colours, "cluster")
        return _save(fig, path)


def document_map(
    coords_2d: np.ndarray,
    clusters: Sequence[Hashable],
    labels: Sequence[object],
    path: str | Path,
    *,
    title: str,
) -> Path:
    """A scatter plot of documents at ``coords_2d`` (e.g. from :func:`project_2d`), coloured by cluster.

    Up to 60 documents are labelled (cut to 30 characters); a legend names the clusters. Returns ``path``.
    """
    xy = np.asarray(coords_2d, dtype=np.float64)
    n = len(labels)
    if xy.shape != (n, 2):
        raise ValueError(f"coords_2d of {n} documents has shape ({n}, 2), not {xy.shape}")
    if len(clusters) != n:
        raise ValueError(f"{len(clusters)} clusters for {n} documents")
    with _figure(9.0, 6.5) as fig:
        ax = fig.subplots()
        ax.set_title(plain(title, TITLE_CHARS))
        if n:
            order, colours, index = _palette(list(clusters))
            ax.scatter(xy[:, 0], xy[:, 1], c=[colours[order[i]] for i in index], s=36, edgecolors="white")
            if n <= _MAX_POINT_LABELS:  # matplotlib draws texts one by one; there are few
                for (x, y), label in zip(xy, labels, strict=True):
                    ax.annotate(
                        plain(label, LABEL_CHARS),
                        (x, y),
                        xytext=(4, 3),
                        textcoords="offset points",
                        fontsize=7,
                    )
            _legend(ax, order, colours, "cluster")
        ax.set_xlabel("component 1")
        ax.set_ylabel("component 2")
        return _save(fig, path)


def project_2d(X) -> np.ndarray:
    """Documents (rows of a dense or sparse ``X``) projected on their first two principal components.

    Always shape (n, 2): with fewer than three documents, or fewer than two features, the components that
    do not exist are 0. Sparse input is not densified (ARPACK on the implicitly centred matrix) unless it
    is too small for ARPACK.
    """
    sparse = sp.issparse(X)
    data = X.tocsr() if sparse else np.asarray(X, dtype=np.float64)
    if data.ndim != 2:
        raise ValueError(f"X must be 2-D, not of shape {data.shape}")
    n, m = data.shape
    out = np.zeros((n, 2))
    k = min(2, n - 1, m)  # n points span at most n - 1 dimensions after centring
    if k < 1:
        return out
    if sparse and k < min(n, m):
        pca = PCA(n_components=k, svd_solver="arpack", random_state=0)
    else:
        data = data.toarray() if sparse else data
        pca = PCA(n_components=k, svd_solver="full")
    out[:, :k] = pca.fit_transform(data.astype(np.float64) if sparse else data)
    return out
