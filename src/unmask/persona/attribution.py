"""Authorship attribution by several methods at once, weighed by how well each did on held-out texts.

Three methods look at different things: a linear SVM on character and word n-grams
(:class:`~unmask.persona.ngrams.CharNgramClassifier`), the same on topic-masked text, where only function
words, punctuation and word lengths are left (Stamatatos 2017), and Cosine Delta on the 300 most frequent
words (:class:`~unmask.persona.delta.DeltaClassifier`). No one of them is best everywhere: on the
Federalist Papers both SVMs give all twelve disputed papers to Hamilton, who wrote 51 of the 70 known
papers, while Cosine Delta gives them to Madison, the scholarly answer; on Reuters C50 the SVM is right
where Delta is not. (Reuters C50, each author's first 25 texts known and its last 25 to attribute: the SVM
0.712, the topic-masked SVM 0.581, Delta 0.511, the combination 0.733.)

So the methods' scores are combined with weights learnt from the known texts alone. The known authors'
texts are cross-validated on folds that leave authors out (:func:`~unmask.persona.ngrams.author_folds`);
each method scores every held-out text for every author its fold's model knew; the combined score of an
author is ``sum(weight[m] * score[m])`` over the methods (SVM decision values, minus Delta distances), and
``predict_proba`` its softmax. The weights maximise the likelihood of the held-out texts' authors, each
author counting the same however many texts it has (a conditional logit, McFadden 1974; stacking,
Wolpert 1992): a method that held-out texts show to be wrong gets a weight near zero, whatever it answers
on the texts to attribute. Weighing every author the same is what keeps a prolific author from pulling
attributions to itself through the weights. Each method's own probabilities (``predict_methods``) are its
scores alone, with a weight learnt the same way.

Open set: a text is ``unknown_label`` when the log-odds of its top combined probability fall below the
threshold learnt on the same folds (:func:`~unmask.persona.ngrams.unknown_threshold`; target
false-unknown rate ``false_unknown_rate``).

References
----------
Wolpert, D. H. (1992). Stacked generalization. Neural Networks 5(2), 241–259.
McFadden, D. (1974). Conditional logit analysis of qualitative choice behavior. In Zarembka (ed.),
    Frontiers in Econometrics, 105–142.
Stamatatos, E. (2017). Authorship attribution using text distortion. EACL 2017, 1138–1149.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.special import logit, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from unmask.persona.delta import DeltaClassifier
from unmask.persona.ngrams import (
    UNKNOWN,
    CharNgramClassifier,
    _texts,
    author_folds,
    fit_weights,
    rival_log_odds,
    top_log_odds,
    unknown_threshold,
)

METHODS = ("ngrams", "masked", "delta")
METHOD_NAMES = {
    "ngrams": "character and word n-grams, linear SVM",
    "masked": "the same on topic-masked text",
    "delta": "Cosine Delta, 300 most frequent words",
}


class AttributionEnsemble(ClassifierMixin, BaseEstimator):
    """Authorship attribution by n-gram SVMs and Cosine Delta, weighed on held-out texts; closed or open set.

    Fit takes raw texts and their authors. ``predict`` gives the author with the highest combined
    probability, or ``unknown_label`` in an open set when that probability is below ``threshold_``;
    ``predict_proba`` the combined probabilities over ``classes_``; ``predict_methods`` each method's
    own answer and probability, to show where they disagree. See the module docstring for how the
    weights are learnt.

    Parameters
    ----------
    methods : sequence of str, default=("ngrams", "masked", "delta")
        ``ngrams``: :class:`~unmask.persona.ngrams.CharNgramClassifier` with its defaults; ``masked``: the
        same with ``mask_topic=True``; ``delta``: :class:`~unmask.persona.delta.DeltaClassifier` (Cosine
        Delta).
    open_set : bool or "auto", default=False
        Answer ``unknown_label`` for texts no known author fits. ``"auto"``: on when a ``threshold`` is
        given or can be learnt (at least three authors, some with two texts or more).
    threshold : float or None, default=None
        The combined top probability below which a text is unknown; ``None`` learns ``threshold_``.
    false_unknown_rate : float, default=0.1
        The learnt threshold's target false-unknown rate on held-out texts of known authors.
    unknown_label : str, default="<UNK>"
    cv : int, default=3
        Folds of the cross-validation that learns the weights and the threshold.
    random_state : int, default=0
        Seeds the folds and the SVMs.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The known authors.
    estimators_ : dict of str to estimator
        Each method's model, fitted on all the known texts.
    weights_ : dict of str to float
        Each method's weight in the combined score.
    method_weights_ : dict of str to float
        Each method's weight when it is used alone (its probabilities in ``predict_methods``).
    open_set_ : bool
    threshold_ : float or None
        The combined top probability below which a text is unknown (``None`` in a closed set).
    cv_ : dict
        What the cross-validation measured: ``n_known`` and ``n_unknown`` held-out texts, each method's
        and the combination's ``accuracy`` on held-out texts of known authors (each author counting the
        same), and in an open set ``false_unknown`` and ``unknown_recall`` at ``threshold_``.

    Examples
    --------
    >>> texts = ["Well, whilst I agree; indeed.", "Whilst so; indeed, well.", "omg gonna b late!!",
    ...          "lol gonna go!!", "Indeed; whilst raining.", "gonna rain!! omg"]
    >>> model = AttributionEnsemble(methods=("ngrams", "delta")).fit(texts, list("AABBAB"))
    >>> model.predict(["Whilst it rains; indeed.", "omg!! gonna"]).tolist()
    ['A', 'B']
    """

    def __init__(
        self,
        methods: Sequence[str] = METHODS,
        *,
        open_set: bool | str = False,
        threshold: float | None = None,
        false_unknown_rate: float = 0.1,
        unknown_label: str = UNKNOWN,
        cv: int = 3,
        random_state: int | None = 0,
    ):
        self.methods = methods
        self.open_set = open_set
        self.threshold = threshold
        self.false_unknown_rate = false_unknown_rate
        self.unknown_label = unknown_label
        self.cv = cv
        self.random_state = random_state

    def _check_params(self) -> None:
        unknown = [m for m in self.methods if m not in METHODS]
        if not self.methods or unknown or len(set(self.methods)) != len(self.methods):
            raise ValueError(
                f"methods must be distinct names among {', '.join(METHODS)}, not {self.methods!r}"
            )
        if self.open_set not in (True, False, "auto"):
            raise ValueError(f"open_set must be True, False or 'auto', not {self.open_set!r}")
        if self.threshold is not None and not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be a probability in [0, 1], not {self.threshold!r}")
        if not 0.0 < self.false_unknown_rate < 1.0:
            raise ValueError(f"false_unknown_rate must be in (0, 1), not {self.false_unknown_rate!r}")
        if not (isinstance(self.cv, int | np.integer) and self.cv >= 2):
            raise ValueError(f"cv must be an integer >= 2, not {self.cv!r}")

    def fit(self, X: Sequence[str], y: Sequence) -> AttributionEnsemble:
        self._check_params()
        texts = _texts(X)
        y = np.asarray(y)
        if y.ndim != 1 or len(texts) != len(y):
            raise ValueError(f"{len(texts)} texts but {len(y)} authors")
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError("attribution needs texts by at least two authors")
        folds = author_folds(codes, self.cv, self.random_state)
        self.estimators_, held_out = {}, {}
        for method in self.methods:
            self.estimators_[method], held_out[method] = self._fit_method(method, texts, codes, folds)
        # Held-out texts as (their authors' codes, scores: methods x texts x the fold's authors, each text's
        # column or -1), on the folds every method could score (an SVM skips a fold with no frequent n-gram).
        scored = []
        for f in sorted(set.intersection(*(set(h) for h in held_out.values()))):
            test = folds[f][1]
            fold_classes = held_out[self.methods[0]][f][0]
            column = np.full(len(self.classes_), -1)
            column[fold_classes] = np.arange(len(fold_classes))
            scores = np.stack([held_out[m][f][1] for m in self.methods])
            scored.append((codes[test], scores, column[codes[test]]))
        known = [(s[:, t >= 0], t[t >= 0]) for _, s, t in scored]
        fallback = self._fallback_weights()
        self.weights_ = dict(zip(self.methods, fit_weights(known, fallback).tolist(), strict=True))
        self.method_weights_ = {
            m: float(fit_weights([(s[i : i + 1], t) for s, t in known], fallback[i : i + 1])[0])
            for i, m in enumerate(self.methods)
        }
        self._fit_threshold(scored)
        return self

    def _fit_method(self, method: str, texts: list[str], codes: np.ndarray, folds):
        """The method fitted on every text, and ``{fold: (fold's authors, scores of its held-out texts)}``."""
        if method == "delta":
            held = {}
            for f, (train, test) in enumerate(folds):
                fold_classes = np.unique(codes[train])
                if len(fold_classes) < 2 or len(test) == 0:
                    continue
                fold_model = DeltaClassifier().fit([texts[i] for i in train], codes[train])
                held[f] = (fold_classes, fold_model.decision_function([texts[i] for i in test]))
            return DeltaClassifier().fit(texts, codes), held
        # The SVMs' own cross-validation runs on the same folds (same codes, cv and seed).
        model = CharNgramClassifier(mask_topic=method == "masked", cv=self.cv, random_state=self.random_state)
        model.fit(texts, codes)
        return model, {h.fold: (h.classes, h.decision) for h in model.held_out_}

    def _fallback_weights(self) -> np.ndarray:
        """Weights for when no held-out text has its author in its fold (every author has one text): the
        SVMs' own fallback temperature (0.1), and for Delta the spread of its training distances."""
        return np.array(
            [1.0 / self.estimators_[m].temperature_ if m == "delta" else 10.0 for m in self.methods]
        )

    def _fit_threshold(self, scored) -> None:
        """``open_set_``, ``threshold_`` and ``cv_`` from the held-out texts' scores."""
        w = np.array([self.weights_[m] for m in self.methods])
        authors = np.concatenate([a for a, _, _ in scored]) if scored else np.zeros(0, dtype=np.int64)
        target = np.concatenate([t for _, _, t in scored]) if scored else np.zeros(0, dtype=np.int64)
        combined = [np.tensordot(w, s, 1) for _, s, _ in scored]
        odds = np.concatenate([rival_log_odds(z, 1.0) for z in combined]) if scored else np.zeros(0)
        is_known = target >= 0
        learnable = bool(is_known.any() and (~is_known).any())
        open_set = "auto" if isinstance(self.open_set, str) else bool(self.open_set)
        if open_set is True and self.threshold is None and not learnable:
            raise ValueError(
                "learning the open-set threshold needs at least three authors, some with two or more texts "
                "(or give threshold=)"
            )
        self.open_set_ = open_set is not False and (self.threshold is not None or learnable)
        if not self.open_set_:
            self.threshold_ = None
        elif self.threshold is not None:
            self.threshold_ = float(self.threshold)
        else:
            self.threshold_ = unknown_threshold(
                odds[is_known], odds[~is_known], self.false_unknown_rate, len(self.classes_)
            )

        def accuracy(answers: list[np.ndarray]) -> float | None:
            right = np.concatenate(answers) == target if answers else np.zeros(0, dtype=bool)
            return _balanced_mean(right, authors, is_known)

        self.cv_ = {
            "n_known": int(is_known.sum()),
            "n_unknown": int((~is_known).sum()),
            "accuracy": {
                **{
                    m: accuracy([s[i].argmax(axis=1) for _, s, _ in scored])
                    for i, m in enumerate(self.methods)
                },
                "combined": accuracy([z.argmax(axis=1) for z in combined]),
            },
        }
        if self.open_set_ and learnable:
            cut = logit(self.threshold_) + np.log(len(self.classes_) - 1)  # as the folds' rival log-odds
            self.cv_["false_unknown"] = float(np.mean(odds[is_known] < cut))
            self.cv_["unknown_recall"] = float(np.mean(odds[~is_known] < cut))

    def _scores(self, X: Sequence[str]) -> dict[str, np.ndarray]:
        check_is_fitted(self)
        texts = _texts(X)
        return {m: self.estimators_[m].decision_function(texts) for m in self.methods}

    def _combined(self, scores: dict[str, np.ndarray]) -> np.ndarray:
        return sum(self.weights_[m] * scores[m] for m in self.methods)

    def _own(self, scores: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {m: softmax(self.method_weights_[m] * scores[m], axis=1) for m in self.methods}

    def decision_function(self, X: Sequence[str]) -> np.ndarray:
        """The combined score of each text and author, shape (n_texts, n_classes)."""
        return self._combined(self._scores(X))

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """The softmax of the combined scores over the known authors (``classes_``)."""
        return softmax(self.decision_function(X), axis=1)

    def predict(self, X: Sequence[str]) -> np.ndarray:
        return self._answer(self.decision_function(X))

    def _answer(self, combined: np.ndarray) -> np.ndarray:
        authors = self.classes_[combined.argmax(axis=1)]
        if self.threshold_ is None:
            return authors
        # Compared as log-odds, which do not round to 1 as probabilities near 1 do.
        unknown = top_log_odds(combined, 1.0) < logit(self.threshold_)
        authors = authors.astype(object)
        authors[unknown] = self.unknown_label
        return authors

    def predict_methods(self, X: Sequence[str]) -> dict[str, np.ndarray]:
        """Each method's own probabilities over ``classes_`` (its scores alone, weighed by
        ``method_weights_``), ``{method: array of shape (n_texts, n_classes)}``; always a closed set."""
        return self._own(self._scores(X))

    def attribute(self, X: Sequence[str]) -> list[dict]:
        """For each text: ``author`` (the combined answer, or ``unknown_label``), ``score`` (the combined
        probability of the most likely known author), ``best_known`` (that author), ``methods`` (each
        method's ``author`` and ``score``) and ``agree`` (whether every method names the same author)."""
        scores = self._scores(X)
        combined = self._combined(scores)
        answers, proba, own = self._answer(combined), softmax(combined, axis=1), self._own(scores)
        rows = []
        for i, answer in enumerate(answers):
            methods = {
                m: {"author": self.classes_[p[i].argmax()], "score": float(p[i].max())}
                for m, p in own.items()
            }
            rows.append(
                {
                    "author": answer,
                    "score": float(proba[i].max()),
                    "best_known": self.classes_[proba[i].argmax()],
                    "methods": methods,
                    "agree": len({v["author"] for v in methods.values()}) == 1,
                }
            )
        return rows


def _balanced_mean(right: np.ndarray, authors: np.ndarray, mask: np.ndarray) -> float | None:
    """The mean of ``right`` over ``mask``, each author (``authors``) counting the same."""
    if not mask.any():
        return None
    return float(np.mean([right[mask & (authors == a)].mean() for a in np.unique(authors[mask])]))
