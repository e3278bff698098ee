"""The style space the persona tests compare documents in: most-frequent-word z-scores and character n-grams.

A document becomes one row of unit length made of two blocks: its most-frequent-word z-scores (the Cosine
Delta profile, z-scored over the fitted reference documents) scaled to length ``sqrt(word_weight)``, and its
character n-gram TF-IDF vector scaled to length ``sqrt(1 - word_weight)``. The dot product of two rows is
then ``word_weight * cos(words) + (1 - word_weight) * cos(chars)``: one matrix product gives the similarity
both views agree on, and each view's own cosine is a product of its block alone.

With ``mask_topic`` (the default) both views see texts whose content words are masked by their length
(Stamatatos 2017, see :func:`unmask.persona.features.mask_topic`): function words, punctuation, word lengths
and spacing remain, so that one writer on two topics still looks like one writer.

Example::

    >>> space = StyleSpace(n_words=50).fit(["the cat sat on the mat.", "a dog, a bone; the end!"] * 3)
    >>> X = space.transform(["the dog sat on a mat."])
    >>> round(float(X.multiply(X).sum()), 6)
    1.0
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

from unmask.persona.features import MFWVectorizer, char_ngram_vectorizer


class StyleSpace(TransformerMixin, BaseEstimator):
    """Documents as unit rows of most-frequent-word z-scores and character n-gram TF-IDF (see module).

    Parameters
    ----------
    n_words : int, default=300
        Most frequent words (or masks) in the word block.
    ngram_range : (int, int), default=(2, 4)
        Character n-gram lengths of the character block.
    max_features : int, default=20000
        Most frequent character n-grams kept.
    mask_topic : bool, default=True
        Mask content words before either view sees them.
    word_weight : float, default=0.5
        Share of the similarity that comes from the word block.

    Attributes
    ----------
    words_ : MFWVectorizer
        The fitted word profile (``mean_`` and ``scale_``: its z-score statistics over the fitted documents).
    chars_ : TfidfVectorizer
        The fitted character n-gram vectoriser.
    n_word_features_ : int
        Width of the word block (the first columns of every row).
    """

    def __init__(
        self,
        n_words: int = 300,
        *,
        ngram_range: tuple[int, int] = (2, 4),
        max_features: int = 20_000,
        mask_topic: bool = True,
        word_weight: float = 0.5,
    ):
        self.n_words = n_words
        self.ngram_range = ngram_range
        self.max_features = max_features
        self.mask_topic = mask_topic
        self.word_weight = word_weight

    def fit(self, X: Sequence[str], y=None) -> StyleSpace:
        texts = _texts(X)
        if not 0.0 <= self.word_weight <= 1.0:
            raise ValueError(f"word_weight must be in [0, 1], not {self.word_weight}")
        self.words_ = MFWVectorizer(self.n_words, punctuation=True, mask_topic=self.mask_topic)
        freqs = self.words_.fit_transform(texts)
        self.mean_ = freqs.mean(axis=0)
        scale = freqs.std(axis=0, ddof=1) if len(texts) > 1 else np.zeros(freqs.shape[1])
        self.scale_ = np.where(scale > 0, scale, 1.0)
        self.chars_ = char_ngram_vectorizer(
            self.ngram_range, max_features=self.max_features, mask=self.mask_topic
        ).fit(texts)
        self.n_word_features_ = freqs.shape[1]
        return self

    def zscores(self, X: Sequence[str]) -> np.ndarray:
        """The word-block z-scores of ``X`` (columns ``words_.vocabulary_``), before scaling to length 1."""
        check_is_fitted(self)
        return (self.words_.transform(_texts(X)) - self.mean_) / self.scale_

    def transform(self, X: Sequence[str]) -> sp.csr_matrix:
        texts = _texts(X)
        words = normalize(self.zscores(texts)) * np.sqrt(self.word_weight)
        chars = normalize(self.chars_.transform(texts)) * np.sqrt(1.0 - self.word_weight)
        return sp.hstack([sp.csr_matrix(words), chars], format="csr", dtype=np.float64)

    def views(self, X: sp.csr_matrix) -> dict[str, sp.csr_matrix]:
        """The word and character blocks of transformed rows, each rescaled to unit length."""
        w = self.n_word_features_
        return {
            "words": normalize(X[:, :w]),
            "chars": normalize(X[:, w:]),
        }


def cosine_distances(a: sp.spmatrix, b: sp.spmatrix | None = None) -> np.ndarray:
    """``1 - a @ b.T`` for rows of unit length, as a dense array clipped to [0, 2] (zero diagonal when
    ``b`` is ``a``)."""
    sim = a @ (a if b is None else b).T
    sim = sim.toarray() if sp.issparse(sim) else np.asarray(sim)
    out = np.clip(1.0 - sim, 0.0, 2.0)
    if b is None:
        np.fill_diagonal(out, 0.0)
    return out


def _texts(X) -> list[str]:
    if isinstance(X, str):
        raise TypeError("X must be a sequence of texts, not one string")
    return [str(x) for x in X]
