"""Authorship attribution with a linear model on character and word n-grams, closed and open set.

Texts become sublinear TF-IDF vectors of their character 1–4-grams (case, punctuation and spacing kept)
and of their word uni- and bigrams (unmask's tokens, punctuation marks included), each block scaled to
length 1 and the two joined with equal weight; a linear SVM (one against the rest) attributes them.
Character n-grams with a linear SVM are the PAN 2018 baseline (Kestemont et al. 2018, character 3-grams);
adding word n-grams follows Custódio & Paraboni (2018), the best system of that task. Topic masking
(Stamatatos 2017) is an option.

``predict_proba`` is the softmax of the SVM's decision values divided by a temperature (temperature
scaling, Guo et al. 2017), learnt in ``fit`` from cross-validated decision values, so that the maximum
probability of a text whose author is known is about as often right as it says. Softmax and temperature
are monotone: the most probable author is the SVM's answer.

Open set: ``predict`` answers ``unknown_label`` when the top probability is below ``threshold_`` (compared
as log-odds, which do not round to 1 as probabilities near 1 do). The threshold is learnt in ``fit`` without
any text to be attributed, by leaving authors out (:func:`author_folds`): in each of ``cv`` folds a share of
the known authors (``1/cv``) is set aside and their texts play unknown authors, and a share of the remaining
authors' texts (``1/cv`` of each author's) is held out as texts of known authors; a model fitted on the rest
scores both, as log-odds against an average rival (:func:`rival_log_odds`), which do not grow as the folds'
models know fewer authors than the final one. The threshold (:func:`unknown_threshold`) is the lower of two
cuts: the one below which ``false_unknown_rate`` (10 %) of the held-out texts of known authors fall, its
target false-``<UNK>`` rate, and the one above which only that share of the left-out authors' texts rise.
Where the two kinds of held-out texts overlap (Reuters C50, PAN 2018) the first decides; where they separate
cleanly, the second puts the cut just above the unknown authors' texts instead of deep in the known authors'
tail, which held-out texts of the same kind as the training texts make look very sure: a threshold learnt to
maximise balanced accuracy there was 0.99999 and turned away texts scoring 0.9999 for their right author.
Texts of another kind than the training texts (another genre, topic or period) score lower, so the
false-``<UNK>`` rate met on them is higher than the target (PAN 2018, across fandoms: see
``docs/benchmarks.md``). (PAN 2019's baseline instead rejects when the two top probabilities differ by less
than a fixed 0.1; Kestemont et al. 2019.)

The folds need no second tokenisation: the n-grams of all training texts are counted once, and a fold's
features are the counts of its training texts' vocabulary (``min_df`` counted within them), weighed with
their inverse document frequencies, as a vectoriser refitted on the fold would give.

Character n-grams are counted with numpy over the concatenated code points of all texts (no Python loop
over n-grams; a few times faster than scikit-learn's analysers), exactly as scikit-learn's
``CountVectorizer(analyzer="char")`` counts them, and keep their names.

References
----------
Stamatatos, E. (2009). A survey of modern authorship attribution methods. Journal of the American Society
    for Information Science and Technology 60(3), 538–556.
Stamatatos, E. (2017). Authorship attribution using text distortion. EACL 2017, 1138–1149.
Guo, C., Pleiss, G., Sun, Y. & Weinberger, K. Q. (2017). On calibration of modern neural networks. ICML 2017.
Kestemont, M., Tschuggnall, M., Stamatatos, E., Daelemans, W., Specht, G., Stein, B. & Potthast, M. (2018).
    Overview of the author identification task at PAN-2018: cross-domain authorship attribution and style
    change detection. CLEF 2018 Working Notes.
Custódio, J. E. & Paraboni, I. (2018). EACH-USP ensemble cross-domain authorship attribution. CLEF 2018
    Working Notes.
Kestemont, M., Stamatatos, E., Manjavacas, E., Daelemans, W., Potthast, M. & Stein, B. (2019). Overview of
    the cross-domain authorship attribution task at PAN 2019. CLEF 2019 Working Notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.special import expit, logit, logsumexp, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from unmask.persona.features import char_ngram_counts, word_ngram_counts
from unmask.persona.features import mask_topic as _mask_topic

UNKNOWN = "<UNK>"

# Stopping tolerances of the SVM's dual coordinate descent. scikit-learn's default 1e-4 took 50 % longer on
# C50 than 1e-2 for the same accuracy (0.896 either way on one fold); liblinear's own default, 0.1, is a
# third faster again but cost PAN 2018 0.017 macro-F1, so it only serves the models of the cross-validation,
# whose decision values need less precision.
_SVM_TOL = 1e-2
_CV_SVM_TOL = 0.1
# fit_weights: weights in units of each method's spread of held-out scores, their bounds, and the penalty
# on their squares. The penalty hardly moves the weights where held-out texts overlap (Reuters C50, PAN
# 2018's 20-author problems), and caps them where they separate perfectly: on PAN 2018's problems of three
# known authors, the open-set thresholds went from 1 - 1e-9 to 0.8-0.99 (1e-4 left some at 0.9999; 1e-2
# lowered the C50 thresholds too).
_WEIGHT_BOUNDS = (1e-3, 1e3)
_PENALTY = 1e-3
# A learnt threshold is kept below 1 - 1e-13 in probability, where float64 still tells it from 1.
_MAX_LOG_ODDS = 30.0


class NgramVectorizer(TransformerMixin, BaseEstimator):
    """Sublinear TF-IDF of character n-grams and word n-grams, with names, as one row per text.

    Each block (characters, words) is weighed as scikit-learn's ``TfidfVectorizer(sublinear_tf=True)``
    does (``1 + log(count)`` times ``log((1 + n) / (1 + df)) + 1``) and scaled to length 1; the blocks are
    joined and the row scaled to length 1 again, so both weigh the same.

    Parameters
    ----------
    ngram_range : (int, int), default=(1, 4)
        Lengths of the character n-grams (white-space runs read as one space).
    word_ngram_range : (int, int) or None, default=(1, 2)
        Lengths of the word n-grams (:func:`~unmask.persona.features.tokens`, punctuation marks included);
        ``None``: characters only.
    lowercase : bool, default=False
        Lower-case the texts before counting character n-grams (words are lower-case anyway).
    min_df : int, default=2
        Keep the n-grams found in at least this many fitted texts.
    max_features : int or None, default=None
        Keep at most this many n-grams of each block, the most frequent in the fitted texts.
    mask_topic : bool, default=False
        Mask topic words first (:func:`~unmask.persona.features.mask_topic`, Stamatatos 2017).
    language : str, sequence of str or None, default=None
        Languages of the function words kept by ``mask_topic`` (``None``: all five).

    Attributes
    ----------
    vocabularies_ : dict of str to dict
        ``"char"`` and (with word n-grams) ``"word"``: each n-gram's column within its block.
    idf_ : ndarray of shape (n_features,)
        Inverse document frequencies, the character block first.

    Example::

        >>> vec = NgramVectorizer((1, 2), min_df=1).fit(["The cat.", "the dog!"])
        >>> X = vec.transform(["The dog."])
        >>> X.shape == (1, len(vec.get_feature_names_out())), round(float(X.multiply(X).sum()), 6)
        (True, 1.0)
    """

    def __init__(
        self,
        ngram_range: tuple[int, int] = (1, 4),
        *,
        word_ngram_range: tuple[int, int] | None = (1, 2),
        lowercase: bool = False,
        min_df: int = 2,
        max_features: int | None = None,
        mask_topic: bool = False,
        language: str | Sequence[str] | None = None,
    ):
        self.ngram_range = ngram_range
        self.word_ngram_range = word_ngram_range
        self.lowercase = lowercase
        self.min_df = min_df
        self.max_features = max_features
        self.mask_topic = mask_topic
        self.language = language

    def _prepared(self, X) -> list[str]:
        texts = _texts(X)
        return [_mask_topic(t, language=self.language) for t in texts] if self.mask_topic else texts

    def _count(self, texts: list[str], vocabularies: dict[str, dict[str, int]] | None = None):
        """The counts of each block: ``{block: (counts, names)}``, over the vocabularies if given."""
        v = vocabularies or {}
        blocks = {
            "char": char_ngram_counts(
                texts, self.ngram_range, lowercase=self.lowercase, vocabulary=v.get("char")
            )
        }
        if self.word_ngram_range is not None:
            blocks["word"] = word_ngram_counts(texts, self.word_ngram_range, vocabulary=v.get("word"))
        return blocks

    def _select(self, blocks, rows: np.ndarray | None = None):
        """For each block, the columns a vectoriser fitted on ``rows`` keeps and their idf."""
        if self.min_df < 1:
            raise ValueError(f"min_df must be a count of texts >= 1, not {self.min_df!r}")
        chosen = {}
        for block, (counts, _) in blocks.items():
            sub = counts if rows is None else counts[rows]
            df = np.bincount(sub.indices, minlength=sub.shape[1])
            cols = np.flatnonzero(df >= self.min_df)
            if self.max_features is not None and len(cols) > self.max_features:
                totals = np.asarray(sub.sum(axis=0)).ravel()[cols]
                cols = np.sort(cols[np.argsort(-totals, kind="stable")[: self.max_features]])
            chosen[block] = (cols, np.log((1.0 + sub.shape[0]) / (1.0 + df[cols])) + 1.0)
        if not any(len(cols) for cols, _ in chosen.values()):
            raise ValueError(f"no n-gram occurs in {self.min_df} or more of the texts: lower min_df")
        return chosen

    @staticmethod
    def _weigh(blocks, chosen, rows: np.ndarray | None = None, *, selected: bool = False) -> sp.csr_matrix:
        """TF-IDF of ``rows`` (all if None); ``selected``: the counts have the chosen columns only."""
        parts = []
        for block, (counts, _) in blocks.items():
            cols, idf = chosen[block]
            sub = counts if rows is None else counts[rows]
            sub = (sub if selected else sub[:, cols]).astype(np.float64)
            sub.data = 1.0 + np.log(sub.data)
            parts.append(normalize(sub @ sp.diags(idf)))
        return normalize(sp.hstack(parts, format="csr"))

    def _fit_counts(self, blocks, rows: np.ndarray | None = None) -> sp.csr_matrix:
        chosen = self._select(blocks, rows)
        self.vocabularies_ = {
            block: {names[c]: i for i, c in enumerate(chosen[block][0].tolist())}
            for block, (_, names) in blocks.items()
        }
        self.idf_ = np.concatenate([idf for _, idf in chosen.values()])
        return self._weigh(blocks, chosen, rows)

    def fit(self, X: Sequence[str], y=None) -> NgramVectorizer:
        self._fit_counts(self._count(self._prepared(X)))
        return self

    def fit_transform(self, X: Sequence[str], y=None) -> sp.csr_matrix:
        return self._fit_counts(self._count(self._prepared(X)))

    def transform(self, X: Sequence[str]) -> sp.csr_matrix:
        check_is_fitted(self)
        blocks = self._count(self._prepared(X), self.vocabularies_)
        chosen, start = {}, 0
        for block, vocab in self.vocabularies_.items():
            chosen[block] = (None, self.idf_[start : start + len(vocab)])
            start += len(vocab)
        return self._weigh(blocks, chosen, selected=True)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """``char:`` or ``word:`` and the n-gram, in column order."""
        check_is_fitted(self)
        names = [
            f"{block}:{name}"
            for block, vocab in self.vocabularies_.items()
            for name in sorted(vocab, key=vocab.get)
        ]
        return np.asarray(names, dtype=object)


class CharNgramClassifier(ClassifierMixin, BaseEstimator):
    """Authorship attribution by a linear SVM on character and word n-grams; closed or open set.

    Fit takes raw texts and their authors. ``predict`` gives the most probable author, or
    ``unknown_label`` when the open set is on and the top probability is below ``threshold_``;
    ``predict_proba`` gives probabilities over the known authors (``classes_``).

    The defaults were chosen by measurement on PAN 2018's training set (``bench/pan18.py``: macro-F1
    averaged over its ten cross-domain problems) and on Reuters C50 (``bench/c50_attribution.py``: accuracy
    of 5-fold cross-validation within its training half); neither ships, the defaults are constants.
    PAN 2018: character 1–4-grams alone 0.63, 2–5-grams alone 0.68, word 1–2-grams alone 0.68, character
    1–4- with word 1–2-grams 0.71 (the default; 2–5 with words 0.72 at twice the cost), the default
    topic-masked 0.63, ``min_df=1`` 0.69, ``C=3`` 0.72, logistic regression instead of the SVM 0.65 and
    several times slower; Cosine Delta 0.44. C50 is less sensitive: 0.88–0.90 on two folds for every
    unmasked setting, topic-masked characters 0.80; the default on five folds 0.88, Cosine Delta 0.67.

    Open set on PAN 2018 with a third of each problem's candidates withheld (``bench/pan18.py``): macro-F1
    with ``<UNK>`` as a class 0.57 (0.52 with the earlier threshold, the best balanced accuracy on the
    folds), texts of withheld authors answered ``<UNK>`` 0.60 (0.74), texts of known authors answered
    ``<UNK>`` 0.29 (0.46) against a target of 0.10. The texts to attribute there come from another fandom
    than the training texts, so they fit their authors less well than the held-out training texts the
    threshold is learnt from: across domains the threshold rejects more than its target.

    Parameters
    ----------
    ngram_range : (int, int), default=(1, 4)
        Lengths of the character n-grams.
    word_ngram_range : (int, int) or None, default=(1, 2)
        Lengths of the word n-grams; ``None`` for character n-grams only.
    lowercase : bool, default=False
        Lower-case texts before counting character n-grams.
    min_df : int, default=2
        Keep n-grams found in at least this many training texts.
    max_features : int or None, default=None
        Keep at most this many n-grams of each block (the most frequent).
    mask_topic : bool, default=False
        Mask topic words first (Stamatatos 2017); did not help on PAN 2018 or C50.
    language : str, sequence of str or None, default=None
        Languages of the function words kept by ``mask_topic`` (``None``: en, fr, it, pl and es).
    C : float, default=1.0
        Inverse regularisation strength of the SVM.
    open_set : bool or "auto", default=False
        Answer ``unknown_label`` for texts that no known author fits. ``"auto"``: on when a ``threshold``
        is given or can be learnt (at least three authors, some with two or more texts), else off.
    threshold : float or None, default=None
        The top probability below which a text is unknown; ``None`` learns ``threshold_`` in fit by
        leaving authors out (see the module docstring).
    false_unknown_rate : float, default=0.1
        The learnt threshold's target false-``unknown_label`` rate: at most this share of the held-out
        texts of known authors fall below it (see :func:`unknown_threshold`).
    unknown_label : str, default="<UNK>"
        The answer for unknown authors.
    temperature : float or None, default=None
        ``predict_proba`` is ``softmax(decision_function / temperature)``; ``None`` learns
        ``temperature_`` in fit by maximum likelihood on cross-validated decision values, each author
        counting the same (:func:`fit_weights`).
    cv : int, default=3
        Folds of the cross-validation that learns the temperature and threshold.
    random_state : int, default=0
        Seeds the folds and the SVM's coordinate descent.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The known authors.
    vectorizer_ : NgramVectorizer
        The fitted features (``vectorizer_.get_feature_names_out()`` names the columns of ``svm_.coef_``).
    svm_ : LinearSVC
        The fitted SVM.
    temperature_ : float
        The softmax temperature of ``predict_proba``.
    open_set_ : bool
        Whether ``predict`` may answer ``unknown_label``.
    threshold_ : float or None
        The top probability below which a text is unknown (``None`` in a closed set).
    cv_ : dict
        What the cross-validation in fit measured: ``n_known`` and ``n_unknown`` held-out texts, the
        ``known_accuracy`` and ``unknown_recall`` at ``threshold_`` (closed set: accuracy only).
    held_out_ : list of HeldOut
        The cross-validation's decision values, fold by fold (what the temperature and threshold are
        learnt from; :class:`~unmask.persona.attribution.AttributionEnsemble` weighs methods with them).

    References
    ----------
    Stamatatos (2009, 2017); Guo et al. (2017); Kestemont et al. (2018, 2019); Custódio & Paraboni (2018):
    see the module docstring.

    Examples
    --------
    >>> texts = ["Well, whilst I agree; indeed.", "Whilst so; indeed, well.", "omg gonna b late!!",
    ...          "lol gonna go!!", "Indeed; whilst raining.", "gonna rain!! omg"]
    >>> clf = CharNgramClassifier(min_df=1).fit(texts, ["A", "A", "B", "B", "A", "B"])
    >>> clf.predict(["Whilst it rains; indeed.", "omg!! gonna"]).tolist()
    ['A', 'B']
    """

    def __init__(
        self,
        ngram_range: tuple[int, int] = (1, 4),
        *,
        word_ngram_range: tuple[int, int] | None = (1, 2),
        lowercase: bool = False,
        min_df: int = 2,
        max_features: int | None = None,
        mask_topic: bool = False,
        language: str | Sequence[str] | None = None,
        C: float = 1.0,
        open_set: bool | str = False,
        threshold: float | None = None,
        unknown_label: str = UNKNOWN,
        false_unknown_rate: float = 0.1,
        temperature: float | None = None,
        cv: int = 3,
        random_state: int | None = 0,
    ):
        self.ngram_range = ngram_range
        self.word_ngram_range = word_ngram_range
        self.lowercase = lowercase
        self.min_df = min_df
        self.max_features = max_features
        self.mask_topic = mask_topic
        self.language = language
        self.C = C
        self.open_set = open_set
        self.threshold = threshold
        self.unknown_label = unknown_label
        self.false_unknown_rate = false_unknown_rate
        self.temperature = temperature
        self.cv = cv
        self.random_state = random_state

    def _svm(self, tol: float = _SVM_TOL) -> LinearSVC:
        return LinearSVC(C=self.C, tol=tol, random_state=self.random_state)

    def fit(self, X: Sequence[str], y: Sequence) -> CharNgramClassifier:
        texts = _texts(X)
        y = np.asarray(y)
        if y.ndim != 1 or len(texts) != len(y):
            raise ValueError(f"{len(texts)} texts but {len(y)} authors")
        if self.open_set not in (True, False, "auto"):
            raise ValueError(f"open_set must be True, False or 'auto', not {self.open_set!r}")
        open_set = "auto" if isinstance(self.open_set, str) else bool(self.open_set)
        if self.threshold is not None and not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be a probability in [0, 1], not {self.threshold!r}")
        if not 0.0 < self.false_unknown_rate < 1.0:
            raise ValueError(f"false_unknown_rate must be in (0, 1), not {self.false_unknown_rate!r}")
        if self.temperature is not None and not self.temperature > 0:
            raise ValueError(f"temperature must be positive, not {self.temperature!r}")
        if not (isinstance(self.cv, int | np.integer) and self.cv >= 2):
            raise ValueError(f"cv must be an integer >= 2, not {self.cv!r}")
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError("attribution needs texts by at least two authors")
        self.vectorizer_ = NgramVectorizer(
            self.ngram_range,
            word_ngram_range=self.word_ngram_range,
            lowercase=self.lowercase,
            min_df=self.min_df,
            max_features=self.max_features,
            mask_topic=self.mask_topic,
            language=self.language,
        )
        # Counted once for the final model and every fold of the cross-validation.
        blocks = self.vectorizer_._count(self.vectorizer_._prepared(texts))
        self.svm_ = self._svm().fit(self.vectorizer_._fit_counts(blocks), codes)

        wants_threshold = self.threshold is None and open_set is not False
        wants_folds = self.temperature is None or wants_threshold
        self.held_out_ = self._cross_validate(blocks, codes) if wants_folds else []
        folds = [(h.decision, h.target(codes)) for h in self.held_out_]
        if self.temperature is not None:
            self.temperature_ = float(self.temperature)
        else:
            # Without held-out texts (every author has one text) the temperature is 0.1: decision values of a
            # text's own author sit about 1 above the others', so one author gets about e^10 times the others.
            known = [(d[None, t >= 0], t[t >= 0]) for d, t in folds]
            self.temperature_ = float(1.0 / fit_weights(known, np.array([10.0]))[0])
        odds, right, is_known = _held_out_scores(folds, self.temperature_)
        learnable = bool(is_known.any() and (~is_known).any())
        if open_set is False:
            self.open_set_ = False
        elif self.threshold is not None or learnable:
            self.open_set_ = True
        elif open_set is True:
            raise ValueError(
                "learning the open-set threshold needs at least three authors, some with two or more texts "
                "(or give threshold=)"
            )
        else:  # "auto", and nothing to learn the threshold from
            self.open_set_ = False
        if not self.open_set_:
            self.threshold_ = None
        elif self.threshold is not None:
            self.threshold_ = float(self.threshold)
        else:
            self.threshold_ = unknown_threshold(
                odds[is_known], odds[~is_known], self.false_unknown_rate, len(self.classes_)
            )
        # The threshold as the folds' rival log-odds.
        cut = -np.inf if self.threshold_ is None else logit(self.threshold_) + np.log(len(self.classes_) - 1)
        self.cv_ = {
            "n_known": int(is_known.sum()),
            "n_unknown": int((~is_known).sum()),
            "known_accuracy": float(np.mean(right & (odds >= cut), where=is_known))
            if is_known.any()
            else None,
            "unknown_recall": float(np.mean(odds < cut, where=~is_known))
            if self.open_set_ and learnable
            else None,
        }
        return self

    def _cross_validate(self, blocks, codes: np.ndarray) -> list[HeldOut]:
        """Decision values of held-out texts, fold by fold (:func:`author_folds`), over each fold's authors;
        a fold whose training texts have fewer than two authors, or no n-gram frequent enough, is skipped."""
        out = []
        for fold, (train, test) in enumerate(author_folds(codes, self.cv, self.random_state)):
            fold_classes = np.unique(codes[train])
            if len(fold_classes) < 2 or len(test) == 0:
                continue
            try:
                chosen = self.vectorizer_._select(blocks, train)
            except ValueError:  # no n-gram frequent enough in this fold's texts
                continue
            svm = self._svm(_CV_SVM_TOL).fit(NgramVectorizer._weigh(blocks, chosen, train), codes[train])
            dec = _two_columns(svm.decision_function(NgramVectorizer._weigh(blocks, chosen, test)))
            out.append(HeldOut(fold, test, fold_classes, dec))
        return out

    def _features(self, X: Sequence[str]) -> sp.csr_matrix:
        check_is_fitted(self)
        return self.vectorizer_.transform(X)

    def decision_function(self, X: Sequence[str]) -> np.ndarray:
        """The SVM's decision value for each text and author, shape (n_texts, n_classes)."""
        return _two_columns(self.svm_.decision_function(self._features(X)))

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """``softmax(decision_function / temperature_)`` over the known authors (``classes_``)."""
        return softmax(self.decision_function(X) / self.temperature_, axis=1)

    def predict(self, X: Sequence[str]) -> np.ndarray:
        decision = self.decision_function(X)
        authors = self.classes_[decision.argmax(axis=1)]
        if self.threshold_ is None:
            return authors
        # Compared as log-odds, which do not round to 1 as probabilities near 1 do.
        unknown = top_log_odds(decision, self.temperature_) < logit(self.threshold_)
        if authors.dtype.kind == "U" and isinstance(self.unknown_label, str):
            return np.where(unknown, self.unknown_label, authors)
        authors = authors.astype(object)
        authors[unknown] = self.unknown_label
        return authors


@dataclass(frozen=True)
class HeldOut:
    """The decision values of one cross-validation fold's held-out texts.

    ``test`` are the texts' positions in the training set, ``classes`` the codes (positions in
    ``classes_``) of the authors the fold's model knew, one column each of ``decision``.
    """

    fold: int
    test: np.ndarray
    classes: np.ndarray
    decision: np.ndarray

    def target(self, codes: np.ndarray) -> np.ndarray:
        """Each held-out text's column of ``decision`` (its author's), or -1 when the fold left it out."""
        column = np.full(int(codes.max()) + 1, -1)
        column[self.classes] = np.arange(len(self.classes))
        return column[codes[self.test]]


def author_folds(
    codes: np.ndarray, k: int, random_state: int | None = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``k`` folds ``(train, test)`` of positions that leave authors out, for learning an open-set threshold.

    With three or more authors (``codes`` 0..n-1), each fold leaves out ``1/k`` of them: all their texts are
    in ``test``. Of the other authors' texts, ``1/k`` of each author's are in ``test`` too; ``train`` is the
    rest. With two authors, none is left out. The same codes and seed give the same folds, so that several
    methods can be cross-validated on them alike.
    """
    rng = np.random.default_rng(random_state)
    n_classes = int(codes.max()) + 1
    author_fold = rng.permutation(n_classes) % k if n_classes >= 3 else np.full(n_classes, -1)
    # Each text's fold: its rank among its author's texts in a random order, plus a random offset per
    # author so that authors with fewer than k texts are not all held out in the same fold.
    order = rng.permutation(len(codes))
    order = order[np.argsort(codes[order], kind="stable")]
    grouped = codes[order]
    rank = np.arange(len(codes)) - np.searchsorted(grouped, grouped)
    text_fold = np.empty(len(codes), dtype=np.int64)
    text_fold[order] = (rank + rng.integers(0, k, n_classes)[grouped]) % k
    folds = []
    for fold in range(k):
        test = (author_fold[codes] == fold) | (text_fold == fold)
        folds.append((np.flatnonzero(~test), np.flatnonzero(test)))
    return folds


def unknown_threshold(known: np.ndarray, unknown: np.ndarray, rate: float, n_classes: int) -> float:
    """The open-set threshold of a model of ``n_classes`` authors, as a top probability, from the
    :func:`rival_log_odds` of held-out texts by authors their fold's model knew (``known``) and by authors
    it did not (``unknown``).

    The lower of the cut below which ``rate`` of the known authors' texts fall (the target
    false-unknown rate) and the cut above which ``rate`` of the unknown authors' texts rise: where the two
    kinds separate, the cut sits just above the unknown ones, leaving room for texts of another kind that
    fit their author less well than held-out training texts do.
    """
    cut = float(np.quantile(known, rate))
    if len(unknown):
        cut = min(cut, float(np.quantile(unknown, 1.0 - rate)))
    return float(expit(min(cut - np.log(max(n_classes - 1, 1)), _MAX_LOG_ODDS)))


def _two_columns(decision: np.ndarray) -> np.ndarray:
    """A binary SVM's one column of decisions (for the second class) as two, one per class."""
    return np.column_stack([-decision, decision]) if decision.ndim == 1 else decision


def rival_log_odds(decision: np.ndarray, temperature: float) -> np.ndarray:
    """:func:`top_log_odds` plus ``log(n_classes - 1)``: the log-odds of the top author against an average
    rival rather than all of them. They do not grow as a model knows fewer authors, as the models of a
    cross-validation that leaves authors out do; a threshold learnt on them holds for the final model."""
    return top_log_odds(decision, temperature) + np.log(max(decision.shape[1] - 1, 1))


def top_log_odds(decision: np.ndarray, temperature: float) -> np.ndarray:
    """``log(p / (1 - p))`` of each row's top probability ``p`` of ``softmax(decision / temperature)``."""
    z = decision / temperature
    rows, best = np.arange(len(z)), z.argmax(axis=1)
    rest = z.copy()
    rest[rows, best] = -np.inf
    return z[rows, best] - logsumexp(rest, axis=1)


def _held_out_scores(folds, temperature: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The :func:`rival_log_odds` of each held-out text, whether its top author is right, and whether its
    author is known (in the fold)."""
    if not folds:
        return np.zeros(0), np.zeros(0, dtype=bool), np.zeros(0, dtype=bool)
    odds = np.concatenate([rival_log_odds(d, temperature) for d, _ in folds])
    target = np.concatenate([t for _, t in folds])
    right = np.concatenate([d.argmax(axis=1) for d, _ in folds]) == target
    return odds, right, target >= 0


def fit_weights(known: list[tuple[np.ndarray, np.ndarray]], fallback: np.ndarray) -> np.ndarray:
    """The non-negative weights of several methods' scores that maximise the likelihood of the held-out
    texts' authors under ``softmax(sum(weight * score))``, each author counting the same, less a small
    penalty. With one method, the weight is one over a softmax temperature (Guo et al. 2017).

    ``known`` holds, fold by fold, the scores (methods x texts x the fold's authors) and each text's
    column. Each method's scores are first divided by their spread over the held-out texts, so that the
    penalty (``_PENALTY`` times the sum of the squared weights in these units) weighs the methods alike; it
    keeps the weights finite where held-out texts separate perfectly, which on three authors of seven
    texts each (PAN 2018) made every probability round to 1 and the open-set threshold with them. Without
    held-out texts, ``fallback``.
    """
    known = [(s, t) for s, t in known if len(t)]
    if not known:
        return fallback
    spread = np.array([np.concatenate([s[m].ravel() for s, _ in known]).std() for m in range(len(fallback))])
    spread = np.where(spread > 0, spread, 1.0)
    # Each author's held-out texts weigh 1 in all, however many it has.
    weight = []
    for _, t in known:
        counts = np.bincount(t)
        weight.append(1.0 / counts[t])
    total = sum(float(w.sum()) for w in weight)

    def loss(log_w: np.ndarray) -> float:
        w = np.exp(log_w) / spread
        nll = 0.0
        for (s, t), tw in zip(known, weight, strict=True):
            z = np.tensordot(w, s, 1)
            nll += float(((logsumexp(z, axis=1) - z[np.arange(len(t)), t]) * tw).sum())
        return nll / total + _PENALTY * float(np.exp(2 * log_w).sum())

    bounds = [tuple(np.log(_WEIGHT_BOUNDS))] * len(fallback)
    return np.exp(minimize(loss, np.zeros(len(fallback)), method="L-BFGS-B", bounds=bounds).x) / spread


def _texts(X) -> list[str]:
    if isinstance(X, str):
        raise TypeError("X must be a sequence of texts, not one string")
    return [str(x) for x in X]
