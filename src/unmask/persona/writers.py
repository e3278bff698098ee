"""Is a byline one writer or several? A test calibrated on single- and multi-writer bylines of a reference.

A byline's documents are placed in the :class:`~unmask.persona.space.StyleSpace` fitted on a reference
corpus of documents whose writers are known, and their stylistic dispersion is summarised by a few
statistics of the document-to-document distances (in the word view, the character view and both): the mean
distance, how far the most outlying document sits from the rest, and how well the best split into two
groups separates them (between- over within-group distance, average linkage).

Dispersion alone means little: long texts vary less than short ones, some genres vary more than others.
So the test compares like with like. It draws, from the reference, bylines **of the same size** (number of
documents) **and length** (reference documents are cut into segments of the byline's median length when
they are longer) written by one reference writer, and as many mixing two or three reference writers; a
logistic regression on the statistics, fitted on these simulated bylines, gives ``p_multiple``: the
probability that the byline has more than one writer, with even prior odds. The output names the reference
and the simulated bylines it was compared with.

When a byline has more than ``max_size`` documents, it is tested on ``n_subsets`` random subsets of that
size and ``p_multiple`` is their mean, which understates a second writer who wrote only a few documents.
Where ``p_multiple`` is at least 0.5, the documents are clustered by average linkage on the style distances
and the number of writers is the number of clusters with the best silhouette (Rousseeuw 1987).

References
----------
Stamatatos, E. (2017). Authorship attribution using text distortion. EACL 2017.
Evert, S. et al. (2017). Understanding and explaining Delta measures for authorship attribution. DSH 32.
Koppel, M., Akiva, N., Dershowitz, I. & Dershowitz, N. (2011). Unsupervised decomposition of a document into
    authorial components. ACL 2011, 1356–1364 (clustering a text's parts by writer).
Rousseeuw, P. J. (1987). Silhouettes: a graphical aid to the interpretation and validation of cluster
    analysis. Journal of Computational and Applied Mathematics 20, 53–65.

Example::

    >>> from unmask.persona.reference import federalist
    >>> fed = [r for r in federalist().to_pylist() if r["byline"] in ("HAMILTON", "MADISON", "JAY")]
    >>> test = WritersTest().fit([r["text"] for r in fed], [r["byline"] for r in fed])  # doctest: +SKIP
    >>> test.test([r["text"] for r in fed[:6]]).p_multiple                               # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import silhouette_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from unmask.persona.space import StyleSpace, cosine_distances

STATISTICS = tuple(
    f"{view}_{name}" for view in ("words", "chars", "both") for name in ("mean", "outlier", "split")
)
# Simulated single-writer bylines come from at least this many reference writers (where it has them).
MIN_SINGLE_WRITERS = 5
METHOD = "persona.writers"
METHOD_VERSION = "1"


@dataclass
class WritersResult:
    """The verdict on one byline (see :class:`WritersTest`)."""

    byline: str
    doc_ids: list[str]
    p_multiple: float
    writers: int
    clusters: dict[str, int]
    reference: str
    compared_with: dict[str, Any]
    statistics: dict[str, float]
    distinctive: list[dict[str, Any]] = field(default_factory=list)
    linkage: np.ndarray | None = None
    vectors: np.ndarray | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "byline": self.byline,
            "documents": len(self.doc_ids),
            "p_multiple": round(self.p_multiple, 4),
            "writers": self.writers,
            "clusters": self.clusters,
            "reference": self.reference,
            "compared_with": self.compared_with,
            "statistics": {k: round(v, 4) for k, v in self.statistics.items()},
            "distinctive": self.distinctive,
            "method": {"name": METHOD, "version": METHOD_VERSION},
        }


class WritersTest(BaseEstimator):
    """The multiple-writer test of a byline, fitted on a reference of documents with known writers.

    Parameters
    ----------
    n_words, mask_topic, word_weight :
        The :class:`StyleSpace`, fitted on the reference with its writers.
    n_simulations : int, default=200
        Simulated single-writer bylines, and as many multi-writer ones, per byline size and length.
    max_size : int, default=12
        Largest byline tested whole; larger ones are tested on random subsets of this size.
    n_subsets : int, default=25
        Subsets tested for a large byline.
    max_writers : int, default=5
        Most clusters tried when counting writers.
    length_tolerance : float, default=1.5
        Reference documents longer than this many times the byline's median length are cut into segments.
    random_state : int, default=0

    Attributes
    ----------
    space_ : StyleSpace
        Fitted on the reference documents.
    reference_name_ : str
    """

    def __init__(
        self,
        *,
        n_words: int = 300,
        mask_topic: bool = False,
        word_weight: float = 0.5,
        n_simulations: int = 200,
        max_size: int = 12,
        n_subsets: int = 25,
        max_writers: int = 5,
        length_tolerance: float = 1.5,
        random_state: int = 0,
    ):
        self.n_words = n_words
        self.mask_topic = mask_topic
        self.word_weight = word_weight
        self.n_simulations = n_simulations
        self.max_size = max_size
        self.n_subsets = n_subsets
        self.max_writers = max_writers
        self.length_tolerance = length_tolerance
        self.random_state = random_state

    def fit(self, X: Sequence[str], y: Sequence[str], *, name: str = "reference") -> WritersTest:
        """Fit on reference documents ``X`` written by ``y`` (one writer each)."""
        texts = [str(t) for t in X]
        writers = np.asarray([str(a) for a in y])
        if len(texts) != len(writers):
            raise ValueError(f"{len(texts)} texts but {len(writers)} writers")
        counts = np.unique(writers, return_counts=True)[1]
        if (counts >= 2).sum() < 2:
            raise ValueError("the reference needs at least two writers with two documents or more each")
        self.space_ = StyleSpace(self.n_words, mask_topic=self.mask_topic, word_weight=self.word_weight)
        self.units_: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {
            0: (self.space_.fit_transform(texts, writers), writers, np.arange(len(texts)))
        }
        self.reference_texts_ = texts
        self.reference_writers_ = writers
        self.reference_words_ = np.array([len(t.split()) for t in texts])
        self.reference_name_ = name
        self.calibrators_: dict[tuple[int, int], Any] = {}
        self.per_writer_: dict[int, dict[str, np.ndarray]] = {}
        return self

    # --- the test -----------------------------------------------------------------------------------------

    def test(
        self, texts: Sequence[str], doc_ids: Sequence[str] | None = None, *, byline: str = ""
    ) -> WritersResult:
        """Test one byline's documents."""
        check_is_fitted(self)
        texts = [str(t) for t in texts]
        ids = [str(i) for i in doc_ids] if doc_ids is not None else [str(i) for i in range(len(texts))]
        if len(texts) < 2:
            raise ValueError(f"byline {byline!r} has {len(texts)} document: the test needs two or more")
        length = int(np.median([len(t.split()) for t in texts]))
        X = self.space_.transform(texts)
        distances = _distances(self.space_, X)
        size, model, compared = self._calibrator(len(texts), length)
        rng = np.random.default_rng(self.random_state)
        subsets = (
            [np.arange(len(texts))]
            if len(texts) <= size
            else [rng.choice(len(texts), size, replace=False) for _ in range(self.n_subsets)]
        )
        stats = np.stack([_statistics(_sub(distances, units)) for units in subsets])
        p = float(model.predict_proba(stats)[:, 1].mean())
        apart = distances["both"]
        tree = linkage(squareform(apart, checks=False), method="average")
        writers, labels = (1, np.zeros(len(texts), dtype=int)) if p < 0.5 else self._clusters(apart, tree)
        return WritersResult(
            byline=byline,
            doc_ids=ids,
            p_multiple=p,
            writers=writers,
            clusters=dict(zip(ids, labels.tolist(), strict=True)),
            reference=self.reference_name_,
            compared_with=compared,
            statistics=dict(zip(STATISTICS, stats.mean(axis=0).tolist(), strict=True)),
            distinctive=self.distinctive(texts, labels) if writers > 1 else [],
            linkage=tree,
            vectors=X,
        )

    def predict_proba(self, X: Sequence[Sequence[str]]) -> np.ndarray:
        """For each byline (a sequence of texts), ``[p_single, p_multiple]``."""
        p = np.array([self.test(texts).p_multiple for texts in X])
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Sequence[Sequence[str]]) -> np.ndarray:
        """The likely number of writers of each byline."""
        return np.array([self.test(texts).writers for texts in X])

    def score(self, X: Sequence[Sequence[str]], y: Sequence[bool]) -> float:
        """Accuracy of "more than one writer" (``p_multiple >= 0.5``) against ``y``."""
        return float(np.mean((self.predict_proba(X)[:, 1] >= 0.5) == np.asarray(y, dtype=bool)))

    # --- calibration on simulated bylines ------------------------------------------------------------------

    def _calibrator(self, n_docs: int, length: int) -> tuple[int, Any, dict[str, Any]]:
        """The byline size tested, the model calibrated on simulated bylines of that size, and what they
        were."""
        segment = self._segment_length(length)
        X, writers, docs = self._reference_units(segment)
        if segment not in self.per_writer_:
            self.per_writer_[segment] = {w: np.unique(docs[writers == w]) for w in np.unique(writers)}
        per_writer = self.per_writer_[segment]
        # The size is one that at least MIN_SINGLE_WRITERS reference writers reach (all but one of them if
        # fewer, at least two), so that single-writer bylines do not all come from the most prolific writer.
        reach = np.sort([len(d) for d in per_writer.values()])[::-1]
        need = min(MIN_SINGLE_WRITERS, max(2, len(reach) - 1), len(reach))
        size = min(n_docs, self.max_size, int(reach[need - 1]))
        if size < 2:
            raise ValueError("the reference has too few writers with two documents or more")
        key = (size, segment)
        if key not in self.calibrators_:
            model, compared = self._simulate(X, docs, per_writer, size)
            compared["words_each"] = segment or int(np.median(self.reference_words_))
            self.calibrators_[key] = (model, compared)
        return size, *self.calibrators_[key]

    def _segment_length(self, length: int) -> int:
        """0 (whole documents) unless the reference is much longer than the byline; then the byline's length
        rounded down to one of a few steps (each 1.25 times the last from 50 words), so that bylines of
        similar length share one calibration."""
        if np.median(self.reference_words_) <= self.length_tolerance * max(length, 1):
            return 0
        steps = np.round(50 * 1.25 ** np.arange(20), -1).astype(int)
        return int(steps[max(np.searchsorted(steps, length, side="right") - 1, 0)])

    def _reference_units(self, segment: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The reference as units (documents, or segments of ``segment`` words, several per document)."""
        if segment in self.units_:
            return self.units_[segment]
        texts, writers, docs = [], [], []
        for i, (text, writer) in enumerate(zip(self.reference_texts_, self.reference_writers_, strict=True)):
            words = text.split()
            for start in range(0, max(len(words) - segment + 1, 1), segment):
                texts.append(" ".join(words[start : start + segment]))
                writers.append(writer)
                docs.append(i)
        self.units_[segment] = (self.space_.transform(texts), np.asarray(writers), np.asarray(docs))
        return self.units_[segment]

    def _simulate(self, X, docs, per_writer, size) -> tuple[Any, dict[str, Any]]:
        rng = np.random.default_rng(self.random_state)
        units_of = {d: np.flatnonzero(docs == d) for d in np.unique(docs)}
        singles = [w for w, d in per_writer.items() if len(d) >= size]
        names = sorted(per_writer)

        def draw(parts: list[tuple[str, int]]) -> np.ndarray:
            # One unit per distinct document: segments of one document are likelier alike than a writer's
            # documents are, which would make single writers look too uniform.
            chosen = [rng.choice(per_writer[w], n, replace=False) for w, n in parts]
            return np.array([rng.choice(units_of[d]) for d in np.concatenate(chosen)])

        drawn: list[np.ndarray] = []
        labels = []
        for _ in range(self.n_simulations):
            w = singles[rng.integers(len(singles))]
            drawn.append(draw([(w, size)]))
            labels.append(0)
            for _attempt in range(20):
                m = 2 if size < 3 or len(names) < 3 or rng.random() < 0.5 else 3
                group = rng.choice(names, m, replace=False)
                cuts = np.sort(rng.choice(np.arange(1, size), m - 1, replace=False))
                split = np.diff(np.concatenate([[0], cuts, [size]]))
                if all(len(per_writer[g]) >= n for g, n in zip(group, split, strict=True)):
                    drawn.append(draw(list(zip(group, split.tolist(), strict=True))))
                    labels.append(1)
                    break
        used = np.unique(np.concatenate(drawn))
        position = np.full(X.shape[0], -1)
        position[used] = np.arange(len(used))
        distances = _distances(self.space_, X[used])
        rows = [_statistics(_sub(distances, position[units])) for units in drawn]
        y = np.asarray(labels)
        if y.min() == y.max():
            raise ValueError(f"the reference cannot make multi-writer bylines of {size} documents")
        model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))
        model.fit(np.stack(rows), y)
        compared = {
            "single_writer_bylines": int((y == 0).sum()),
            "multi_writer_bylines": int((y == 1).sum()),
            "documents_each": size,
            "single_writers": sorted(str(w) for w in singles),
        }
        return model, compared

    # --- writers and their habits --------------------------------------------------------------------------

    def _clusters(self, apart: np.ndarray, tree: np.ndarray) -> tuple[int, np.ndarray]:
        n = apart.shape[0]
        if n <= 3:
            return 2, fcluster(tree, 2, criterion="maxclust") - 1
        best, best_labels = -2.0, None
        for c in range(2, min(self.max_writers, n - 1) + 1):
            labels = fcluster(tree, c, criterion="maxclust") - 1
            if len(np.unique(labels)) < 2:
                continue
            s = silhouette_score(apart, labels, metric="precomputed")
            if s > best:
                best, best_labels = s, labels
        if best_labels is None:
            best_labels = fcluster(tree, 2, criterion="maxclust") - 1
        return len(np.unique(best_labels)), best_labels

    def distinctive(self, texts: Sequence[str], labels: np.ndarray, top: int = 8) -> list[dict[str, Any]]:
        """The words whose use differs most between the two largest clusters, with their rates per 1,000
        words in each: what an editor can check in the texts themselves."""
        labels = np.asarray(labels)
        sizes = np.bincount(labels)
        a, b = np.argsort(-sizes, kind="stable")[:2]
        z = self.space_.zscores(texts)
        rates = self.space_.words_.transform(texts) * 1000.0
        diff = z[labels == a].mean(axis=0) - z[labels == b].mean(axis=0)
        words = self.space_.words_.vocabulary_
        order = [i for i in np.argsort(-np.abs(diff)) if "*" not in words[i]][:top]
        return [
            {
                "feature": words[i],
                f"per_1000_cluster_{a}": round(float(rates[labels == a, i].mean()), 2),
                f"per_1000_cluster_{b}": round(float(rates[labels == b, i].mean()), 2),
                "z_difference": round(float(diff[i]), 2),
            }
            for i in order
        ]


def _distances(space: StyleSpace, X: np.ndarray) -> dict[str, np.ndarray]:
    views = space.views(X)
    return {
        "words": cosine_distances(views["words"]),
        "chars": cosine_distances(views["chars"]),
        "both": cosine_distances(X),
    }


def _sub(distances: dict[str, np.ndarray], units: np.ndarray) -> dict[str, np.ndarray]:
    """The distances among ``units``, in each view."""
    return {view: D[np.ix_(units, units)] for view, D in distances.items()}


def _statistics(distances: dict[str, np.ndarray]) -> np.ndarray:
    """Mean distance, outlier excess and best two-group separation, in each view."""
    out = []
    for D in distances.values():
        k = D.shape[0]
        off = ~np.eye(k, dtype=bool)
        mean = D[off].mean()
        if k < 3:
            out += [mean, 0.0, 1.0]
            continue
        outlier = (D.sum(axis=1) / (k - 1)).max() - mean
        labels = fcluster(linkage(squareform(D, checks=False), method="average"), 2, criterion="maxclust")
        same = labels[:, None] == labels[None, :]
        within = D[same & off]
        between = D[~same]
        # Ties can leave one cluster (no pair between) or only singletons (no pair within): no split then.
        split = between.mean() / within.mean() if between.size and within.size and within.mean() > 0 else 1.0
        out += [mean, outlier, split]
    return np.asarray(out, dtype=np.float64)
