"""Style features of documents: tokens, most-frequent-word profiles, character n-grams, function words,
punctuation and sentence-length statistics, and topic masking.

Tokenisation works for English, French, Italian, Polish and Spanish: a word is a run of Unicode letters
(digits and ``_`` are not words), lower-cased; an apostrophe (``'`` or ``’``, stored as ``'``) inside a word
is kept (``don't``, ``o'clock``), except after the elided articles and pronouns of French and Italian, which
become tokens of their own (``l'homme`` → ``l'``, ``homme``; ``dell'anno`` → ``dell'``, ``anno``), because
they are function words and the word after them is not.

Topic masking follows Stamatatos (2017): every word that is not a function word is replaced by asterisks,
one per letter (his DV-MA: the length survives, the topic does not), or by a single asterisk (DV-SA), and
digits by ``#``; punctuation and white space are kept.

References
----------
Stamatatos, E. (2017). Authorship attribution using text distortion. EACL 2017, 1138–1149.

Example::

    >>> tokens("L'homme n'a pas dit: «don't»!")
    ["l'", 'homme', "n'", 'a', 'pas', 'dit', "don't"]
    >>> mask_topic("The harbour was closed in 1998.", language="en")
    'The ******* was ****** in ####.'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pyarrow as pa
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

LANGUAGES = ("en", "fr", "it", "pl", "es")


def _words(listing: str) -> frozenset[str]:
    return frozenset(listing.split())


# Short function-word lists written for unmask (articles, pronouns, prepositions, conjunctions, auxiliaries,
# frequent adverbs and particles). Elided forms are listed with their apostrophe, as tokens() yields them.
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": _words(
        """a about above after again against all also although am an and any are as at be because been
        before being below between both but by can could did do does doing down during each either even
        ever every few for from further had has have having he her here hers herself him himself his how
        however i if in into is it its itself just may me might more most much must my myself neither no
        nor not now of off on once only or other ought our ours ourselves out over own rather same shall
        she should since so some such than that the their theirs them themselves then there therefore these
        they this those though through thus to too under until up upon us very was we were what when where
        whether which while who whom whose why will with within without would yet you your yours"""
    ),
    "fr": _words(
        """à afin ai ainsi alors après as au aucun aussi autre aux avait avant avec avoir c' ce cela celle
        celui ces cet cette chaque chez comme comment d' dans de depuis des donc dont du elle elles en
        encore entre est et été être eu eux fait il ils j' je jusqu' l' la le les leur leurs lorsqu' lui
        m' ma mais me même mes moi mon n' ne ni nos notre nous on ont ou où par parce pas peu plus pour
        pourquoi qu' quand que quel quelle qui s' sa sans se ses si sinon son sont sous sur t' ta te tes
        toi ton tous tout toute toutes très tu un une vers vos votre vous y"""
    ),
    "it": _words(
        """a abbiamo ad agli ai al all' alla alle allo anche ancora avere aveva c' che chi ci come con
        contro così cui d' da dai dal dall' dalla dalle degli dei del dell' della delle dello di dopo dove
        e è ed era erano essere fra gli ha hanno ho i il in io l' la le lei li lo loro lui ma mi mia mio
        molto ne nei nel nell' nella nelle noi non nostro o ogni per perché però più poi quale quando
        quanto quel quell' quella quelle quello questa queste questi questo quest' se sempre si sia sono
        su sua sue sui sul sull' sulla suo tra tu tutti tutto un un' una uno vi voi"""
    ),
    "pl": _words(
        """a aby ale bardzo bez bo by był była było były być czy dla do gdy gdzie go i ich ile im ja
        jak jako je jednak jego jej jest jeszcze jeśli już ją każdy kiedy kto która które który ku lub
        ma mi mnie może mu my na nad nam nas nawet nic nie niż o od oraz po pod ponieważ przed przez przy
        się są ta tak także tam te tego tej ten to tu tylko tym u w we wszystko z za ze że żeby"""
    ),
    "es": _words(
        """a al algo algunos ante antes aquí así aunque cada como con contra cual cuando de del desde donde
        dos e el él ella ellas ellos en entre era es esa ese eso esta está este esto estos fue ha hasta hay
        la las le les lo los más me mi muy nada ni no nos o otra otro para pero poco por porque pues que
        qué quien se sea ser si sí sin sino sobre son su sus también tan te tiene todo todos tu un una
        uno unos y ya yo"""
    ),
}
ALL_FUNCTION_WORDS: frozenset[str] = frozenset().union(*FUNCTION_WORDS.values())

# Elided forms split off as tokens of their own (French and Italian), longest first for the regex.
_ELISIONS = sorted(
    {w[:-1] for words in (FUNCTION_WORDS["fr"], FUNCTION_WORDS["it"]) for w in words if w.endswith("'")}
    | {"nell", "sull", "coll", "quest", "bell", "puisqu", "quoiqu", "presqu"},
    key=len,
    reverse=True,
)
_LETTERS = r"[^\W\d_]"
_WORD = rf"{_LETTERS}+(?:'{_LETTERS}+)*"
_WORD_RE = re.compile(_WORD)
_WORD_OR_PUNCT_RE = re.compile(rf"{_WORD}|[^\w\s]")
_ELISION_RE = re.compile(rf"(?:{'|'.join(_ELISIONS)})'(?={_LETTERS})")
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'"})

# Sentence ends: . ! ? … (runs of them) followed by white space or the end; abbreviations are not guarded
# against, which makes sentence lengths a little short for every author alike.
_SENTENCE_END_RE = re.compile(r"[.!?…]+(?=\s|$)")
PUNCTUATION_MARKS = (",", ";", ":", ".", "!", "?", "—", "-", "(", '"', "'", "…")


def tokens(text: str, *, punctuation: bool = False) -> list[str]:
    """The lower-cased word tokens of ``text`` (and its punctuation marks, one token each, if asked)."""
    pattern = _WORD_OR_PUNCT_RE if punctuation else _WORD_RE
    found = pattern.findall(text.translate(_APOSTROPHES).lower())
    if "'" not in text and "’" not in text:
        return found
    out = []
    for token in found:
        while "'" in token and (m := _ELISION_RE.match(token)):  # l'homme -> l', homme; qu'un -> qu', un
            out.append(m.group(0))
            token = token[m.end() :]
        out.append(token)
    return out


def function_words(language: str | Sequence[str] | None = None) -> frozenset[str]:
    """The function words of one language, of several, or (``None``) of all five."""
    if language is None:
        return ALL_FUNCTION_WORDS
    languages = [language] if isinstance(language, str) else list(language)
    unknown = [lang for lang in languages if lang not in FUNCTION_WORDS]
    if unknown:
        raise ValueError(f"no function words for {unknown}: known are {', '.join(LANGUAGES)}")
    return frozenset().union(*(FUNCTION_WORDS[lang] for lang in languages))


def mask_token(token: str, keep: frozenset[str] | set[str], *, mode: str = "multiple") -> str:
    """``token`` if it is in ``keep`` or is punctuation, else its mask (``mode`` as in :func:`mask_topic`)."""
    if token in keep or not token[:1].isalpha():
        return token
    return "*" * len(token) if mode == "multiple" else "*"


def mask_topic(
    text: str,
    *,
    language: str | Sequence[str] | None = None,
    keep: Iterable[str] | None = None,
    mode: str = "multiple",
) -> str:
    """``text`` with its topic words masked (Stamatatos 2017 text distortion).

    Words not in ``keep`` (by default the function words of ``language``, all five languages if ``None``),
    compared lower-cased, become one asterisk per letter (``mode="multiple"``, DV-MA) or one asterisk
    (``mode="single"``, DV-SA); digits become ``#``. Punctuation, white space and the case of kept words stay.
    """
    if mode not in ("multiple", "single"):
        raise ValueError(f"mode must be 'multiple' or 'single', not {mode!r}")
    kept = frozenset(w.lower() for w in keep) if keep is not None else function_words(language)

    def masked(word: str) -> str:
        lower = word.lower()
        if lower in kept:
            return word
        if "'" in word and (m := _ELISION_RE.match(lower)):  # l'homme: l' is a word of its own
            return (word[: m.end()] if m.group(0) in kept else masked(word[: m.end() - 1]) + "'") + masked(
                word[m.end() :]
            )
        return "*" * len(word) if mode == "multiple" else "*"

    return re.sub(r"\d", "#", _WORD_RE.sub(lambda m: masked(m.group(0)), text.translate(_APOSTROPHES)))


class MFWVectorizer(TransformerMixin, BaseEstimator):
    """Relative frequencies of the most frequent words (the profile of Burrows' Delta).

    Fit finds the ``n_words`` words with the highest mean relative frequency over the fitted documents
    (each document weighs the same, whatever its length); transform gives each document's relative
    frequency of each of them (count / the document's number of tokens), a dense array.

    Parameters
    ----------
    n_words : int, default=300
        Number of most frequent words kept (fewer if the corpus has fewer).
    punctuation : bool, default=False
        Count punctuation marks as tokens too.
    mask_topic : bool, default=False
        Replace every token that is not a function word by its length-class mask (``*`` per letter, see
        :func:`mask_topic`) before counting, so that profiles hold function words, punctuation and word
        lengths but no topic words.
    language : str, sequence of str or None, default=None
        Languages of the function words kept by ``mask_topic`` (``None``: all five).
    min_df : float, default=0.0
        Culling: a word must occur in at least this share of the fitted documents to be kept.

    Attributes
    ----------
    vocabulary_ : list of str
        The kept words, most frequent first.
    mean_frequency_ : ndarray of shape (n_features,)
        Their mean relative frequency over the fitted documents.
    """

    def __init__(
        self,
        n_words: int = 300,
        *,
        punctuation: bool = False,
        mask_topic: bool = False,
        language: str | Sequence[str] | None = None,
        min_df: float = 0.0,
    ):
        self.n_words = n_words
        self.punctuation = punctuation
        self.mask_topic = mask_topic
        self.language = language
        self.min_df = min_df

    def _tokens(self, texts: Iterable[str]) -> list[list[str]]:
        docs = [tokens(t, punctuation=self.punctuation) for t in texts]
        if self.mask_topic:
            keep = function_words(self.language)
            docs = [[mask_token(t, keep) for t in doc] for doc in docs]
        return docs

    @staticmethod
    def _relative(counts: sp.csr_matrix, docs: list[list[str]]) -> sp.csr_matrix:
        lengths = np.fromiter((len(d) for d in docs), dtype=np.float64, count=len(docs))
        return sp.diags(1.0 / np.maximum(lengths, 1.0)) @ counts.astype(np.float64)

    def fit(self, X: Iterable[str], y=None) -> MFWVectorizer:
        self._fit(self._tokens(X))
        return self

    def fit_transform(self, X: Iterable[str], y=None) -> np.ndarray:
        docs = self._tokens(X)
        return self._fit(docs)._relative(self._counter.transform(docs), docs).toarray()

    def _fit(self, docs: list[list[str]]) -> MFWVectorizer:
        counter = CountVectorizer(analyzer=_identity, min_df=self.min_df or 1)
        counts = counter.fit_transform(docs)
        freqs = np.asarray(self._relative(counts, docs).mean(axis=0)).ravel()
        names = counter.get_feature_names_out()
        order = np.lexsort((names, -freqs))[: self.n_words]  # most frequent first, ties alphabetical
        self.vocabulary_ = [str(w) for w in names[order]]
        self.mean_frequency_ = freqs[order]
        self._counter = CountVectorizer(analyzer=_identity, vocabulary=self.vocabulary_)
        return self

    def transform(self, X: Iterable[str]) -> np.ndarray:
        docs = self._tokens(X)
        return self._relative(self._counter.transform(docs), docs).toarray()

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.asarray(self.vocabulary_, dtype=object)


def _identity(doc: list[str]) -> list[str]:
    return doc


def char_ngram_vectorizer(
    ngram_range: tuple[int, int] = (2, 4), *, max_features: int | None = 20_000, mask: bool = False, **kwargs
) -> TfidfVectorizer:
    """A TF-IDF vectoriser of character n-grams (sublinear tf, within word boundaries padded by spaces).

    With ``mask``, texts are topic-masked first (:func:`mask_topic`, all five languages' function words), so
    the n-grams see function words, affixes of masked length, punctuation and spacing only.
    """
    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=ngram_range,
        lowercase=True,
        sublinear_tf=True,
        max_features=max_features,
        preprocessor=(lambda t: mask_topic(t).lower()) if mask else None,
        dtype=np.float32,
        **kwargs,
    )


def function_word_vectorizer(language: str | Sequence[str] | None = None) -> CountVectorizer:
    """Counts of the function words of ``language`` (all five if ``None``), with unmask's tokenisation."""
    return CountVectorizer(analyzer=tokens, vocabulary=sorted(function_words(language)))


STYLE_STATISTICS = (
    "sentence_length_mean",
    "sentence_length_sd",
    "word_length_mean",
    "type_token_ratio",
    *(f"per_1000_words {m}" for m in PUNCTUATION_MARKS),
)


def style_statistics(texts: Iterable[str]) -> np.ndarray:
    """Punctuation and sentence-length statistics, one row a text, columns ``STYLE_STATISTICS``.

    Sentence lengths are in words (sentences end at ``.``, ``!``, ``?`` or ``…`` before white space);
    punctuation marks are counted per 1,000 words; the type-token ratio is over the first 1,000 words (it
    falls with length, so longer texts are cut to compare like with like).
    """
    rows = []
    for text in texts:
        text = text.translate(_APOSTROPHES)
        sentences = [s for s in _SENTENCE_END_RE.split(text) if _WORD_RE.search(s)]
        lengths = np.array([len(_WORD_RE.findall(s)) for s in sentences] or [0], dtype=np.float64)
        words = tokens(text)
        n = max(len(words), 1)
        marks = [text.count(m) for m in PUNCTUATION_MARKS]
        head = words[:1000]
        rows.append(
            [
                lengths.mean(),
                lengths.std(),
                float(np.mean([len(w) for w in words])) if words else 0.0,
                len(set(head)) / max(len(head), 1),
                *(1000.0 * c / n for c in marks),
            ]
        )
    return np.asarray(rows, dtype=np.float64).reshape(-1, len(STYLE_STATISTICS))


# As scikit-learn's character analyser: runs of two or more white-space characters become one space.
_WHITE_SPACES = re.compile(r"\s\s+")
# Key spaces up to this size are made dense with a lookup table (linear time, 64 MB at most); larger ones
# by sorting.
_DENSE_KEYS = 1 << 24


def _dense_ids(keys: np.ndarray, size: int) -> tuple[np.ndarray, int]:
    """Ids 0..k-1 of the distinct values of ``keys`` (integers in ``[0, size)``), in value order, and k."""
    if size <= _DENSE_KEYS:
        table = np.zeros(size, dtype=np.int32)
        table[keys] = 1
        np.cumsum(table, out=table)
        return table[keys].astype(np.int64) - 1, int(table[-1]) if size else 0
    distinct, ids = np.unique(keys, return_inverse=True)
    return ids.reshape(-1), len(distinct)


def ngram_counts(
    symbols: np.ndarray,
    lengths: np.ndarray,
    ngram_range: tuple[int, int],
    name: Callable[[int, int], str],
    vocabulary: dict[str, int] | None = None,
) -> tuple[sp.csr_matrix, list[str]]:
    """Counts of the n-grams of sequences of symbols, one row a sequence.

    ``symbols`` are the sequences concatenated (non-negative integers), ``lengths`` their lengths;
    ``name(position, n)`` is the name of the n-gram that starts at ``position`` of the concatenation. No
    n-gram crosses from one sequence into the next. With a ``vocabulary`` (name -> column) the columns are
    its, and other n-grams are dropped; without, the columns are every n-gram seen, sorted by name, and
    their names are returned too. Each n-gram length takes one pass of vectorised integer operations
    (an n-gram's id is made from the id of its first n - 1 symbols and its last symbol); Python only
    touches distinct n-grams, to name them.
    """
    symbols = np.asarray(symbols, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    n_docs = len(lengths)
    ends = np.cumsum(lengths)
    doc = np.repeat(np.arange(n_docs), lengths)
    base = int(symbols.max()) + 1 if len(symbols) else 1
    lo, hi = ngram_range
    rows, cols, names = [], [], []
    gram, n_grams = symbols, base
    for n in range(1, hi + 1):
        if len(gram) < 2 and n > 1:
            break
        if n > 1:
            gram, n_grams = _dense_ids(gram[:-1] * base + symbols[n - 1 :], n_grams * base)
        if n < lo:
            continue
        d = doc[: len(gram)]
        at = np.flatnonzero(np.arange(len(gram)) + n <= ends[d])  # n-grams inside one sequence
        g = gram[at]
        first = np.zeros(n_grams, dtype=np.int64)
        first[g] = at  # some occurrence of each n-gram, to name it
        seen = np.zeros(n_grams, dtype=bool)
        seen[g] = True
        ids = np.flatnonzero(seen)
        found = [name(p, n) for p in first[ids].tolist()]
        column = np.full(n_grams, -1, dtype=np.int64)
        if vocabulary is None:
            column[ids] = np.arange(len(ids)) + len(names)
            names.extend(found)
        else:
            column[ids] = np.fromiter((vocabulary.get(s, -1) for s in found), dtype=np.int64, count=len(ids))
        c, d = column[g], d[at]
        if vocabulary is not None:
            kept = c >= 0
            c, d = c[kept], d[kept]
        rows.append(d)
        cols.append(c)
    n_cols = len(names) if vocabulary is None else len(vocabulary)
    r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    # Built transposed (one row an n-gram): its documents arrive in order, so no row needs sorting.
    counts_t = sp.csr_matrix((np.ones(len(r), dtype=np.float32), (c, r)), shape=(n_cols, n_docs))
    if vocabulary is None:
        order = np.argsort(np.asarray(names, dtype=object), kind="stable")
        return counts_t[order].T.tocsr(), [names[i] for i in order]
    return counts_t.T.tocsr(), names


def char_ngram_counts(
    texts: Sequence[str],
    ngram_range: tuple[int, int] = (1, 4),
    *,
    lowercase: bool = False,
    vocabulary: dict[str, int] | None = None,
) -> tuple[sp.csr_matrix, list[str]]:
    """Counts of the character n-grams of ``texts`` (white-space runs read as one space), and their names.

    The same counts and names as scikit-learn's ``CountVectorizer(analyzer="char", ngram_range=...,
    lowercase=...)``, computed with numpy over all texts at once.

    Example::

        >>> counts, names = char_ngram_counts(["abab", "ba"], (2, 2))
        >>> names, counts.toarray().tolist()
        (['ab', 'ba'], [[2.0, 1.0], [0.0, 1.0]])
    """
    texts = [_WHITE_SPACES.sub(" ", t.lower() if lowercase else t) for t in texts]
    joined = "".join(texts)
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
    symbols = _dense_ids(codes, int(codes.max()) + 1)[0] if len(codes) else codes
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    return ngram_counts(symbols, lengths, ngram_range, lambda p, n: joined[p : p + n], vocabulary)


def word_ngram_counts(
    texts: Sequence[str], ngram_range: tuple[int, int] = (1, 2), *, vocabulary: dict[str, int] | None = None
) -> tuple[sp.csr_matrix, list[str]]:
    """Counts of the word n-grams of ``texts`` (:func:`tokens` with punctuation marks, joined by a space)."""
    docs = [tokens(t, punctuation=True) for t in texts]
    flat = [w for doc in docs for w in doc]
    symbols = pa.array(flat, type=pa.string()).dictionary_encode().indices.to_numpy(zero_copy_only=False)
    lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    return ngram_counts(symbols, lengths, ngram_range, lambda p, n: " ".join(flat[p : p + n]), vocabulary)
