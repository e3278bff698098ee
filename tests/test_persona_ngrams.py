"""Character and word n-gram attribution: n-gram counts as scikit-learn's, folds as refits, closed- and
open-set attribution of synthetic authors with known habits, estimator conventions."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.feature_extraction.text import CountVectorizer

from unmask.persona.features import tokens
from unmask.persona.ngrams import (
    UNKNOWN,
    CharNgramClassifier,
    NgramVectorizer,
    char_ngram_counts,
    word_ngram_counts,
)

# Authors who write about the same topics with their own habits: words, sentence ends, capitals.
TOPIC = ["harbour", "budget", "council", "river", "school", "market", "bridge", "station", "tax", "park"]
HABITS = {
    "semi": (["whilst", "indeed", "rather", "upon", "thus"], [";", ";", "."], str.capitalize),
    "bang": (["gonna", "lol", "omg", "totally", "wanna"], ["!!", "!!", "!"], str.lower),
    "dash": (["basically", "like", "literally", "anyway", "so"], [" --", ".", " --"], str.capitalize),
    "dots": (["hmm", "perhaps", "kinda", "maybe", "sorta"], ["...", "...", "?"], str.lower),
}


def synthetic(author: str, rng: np.random.Generator, n_sentences: int = 12) -> str:
    """A text by ``author``: sentences of topic words with two of its habit words, its case and ends."""
    words, ends, case = HABITS[author]
    sentences = []
    for _ in range(n_sentences):
        sentence = [str(w) for w in rng.choice(TOPIC, size=rng.integers(4, 8))]
        for w in rng.choice(words, size=2):
            sentence.insert(int(rng.integers(0, len(sentence) + 1)), str(w))
        sentences.append(case(" ".join(sentence)) + str(rng.choice(ends)))
    return " ".join(sentences)


def corpus(authors: str | list[str], per: int, seed: int) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(seed)
    authors = [authors] if isinstance(authors, str) else authors
    return [synthetic(a, rng) for a in authors for _ in range(per)], [a for a in authors for _ in range(per)]


KNOWN = ["semi", "bang", "dash"]


@pytest.fixture(scope="module")
def three() -> dict:
    train, y = corpus(KNOWN, 8, seed=1)
    test, y_test = corpus(KNOWN, 4, seed=2)
    stranger, _ = corpus("dots", 6, seed=3)
    return {"train": train, "y": y, "test": test, "y_test": y_test, "stranger": stranger}


# --- counting ---------------------------------------------------------------------------------------------

ODD_TEXTS = [
    "The cat  sat.\n\nOn the mat!",
    "",
    "a",
    "Zażółć gęślą jaźń — «déjà vu» 😀😀 l’homme",
    "ab\tab  ab",
    "The cat sat on the mat; the cat.",
]


@pytest.mark.parametrize("ngram_range", [(1, 1), (1, 4), (2, 5), (3, 3)])
@pytest.mark.parametrize("lowercase", [False, True])
def test_char_ngram_counts_are_scikit_learns(ngram_range, lowercase):
    counts, names = char_ngram_counts(ODD_TEXTS, ngram_range, lowercase=lowercase)
    reference = CountVectorizer(analyzer="char", ngram_range=ngram_range, lowercase=lowercase)
    expected = reference.fit_transform(ODD_TEXTS)
    assert names == reference.get_feature_names_out().tolist()
    assert (counts != expected).nnz == 0
    # With a vocabulary: its columns, other n-grams dropped.
    vocabulary = {name: i for i, name in enumerate(names[::3])}
    counts, _ = char_ngram_counts(ODD_TEXTS[::-1], ngram_range, lowercase=lowercase, vocabulary=vocabulary)
    expected = CountVectorizer(
        analyzer="char", ngram_range=ngram_range, lowercase=lowercase, vocabulary=vocabulary
    ).transform(ODD_TEXTS[::-1])
    assert counts.shape == (len(ODD_TEXTS), len(vocabulary)) and (counts != expected).nnz == 0


def test_word_ngram_counts_use_unmask_tokens_with_punctuation():
    counts, names = word_ngram_counts(["The cat, the cat.", "L'homme et le cat"], (1, 2))
    columns = dict(zip(names, counts.toarray().T.tolist(), strict=True))
    assert columns["the cat"] == [2, 0] and columns["cat ,"] == [1, 0] and columns["l' homme"] == [0, 1]
    assert "cat l'" not in columns  # no n-gram crosses from one text into the next
    assert set(names) >= set(tokens("The cat, the cat.", punctuation=True))


def test_a_fold_is_a_refit_on_its_texts():
    """Features of a fold from the counts of all texts equal those of a vectoriser fitted on the fold."""
    texts, _ = corpus(KNOWN, 4, seed=5)
    train, test = np.arange(0, 12, 2), np.arange(1, 12, 2)
    vec = NgramVectorizer(min_df=2)
    blocks = vec._count(texts)
    chosen = vec._select(blocks, train)
    refit = clone(vec).fit([texts[i] for i in train])
    np.testing.assert_allclose(
        NgramVectorizer._weigh(blocks, chosen, test).toarray(),
        refit.transform([texts[i] for i in test]).toarray(),
        atol=1e-12,
    )
    n_chosen = sum(len(cols) for cols, _ in chosen.values())
    assert n_chosen == len(refit.get_feature_names_out())


def test_vectorizer_blocks_weigh_the_same_and_have_names():
    vec = NgramVectorizer((1, 2), min_df=1)
    X = vec.fit_transform(["The cat.", "the dog!"])
    names = vec.get_feature_names_out()
    assert X.shape == (2, len(names)) and len(vec.idf_) == len(names)
    np.testing.assert_allclose(np.asarray(X.multiply(X).sum(axis=1)).ravel(), 1.0)
    is_char = np.array([n.startswith("char:") for n in names])
    assert {"char:Th", "word:the", "word:dog"} <= set(names)
    row = X[0].toarray().ravel()
    assert np.isclose((row[is_char] ** 2).sum(), (row[~is_char] ** 2).sum())
    chars_only = NgramVectorizer((1, 2), word_ngram_range=None, min_df=1).fit(["The cat."])
    assert all(n.startswith("char:") for n in chars_only.get_feature_names_out())
    with pytest.raises(ValueError, match="min_df"):
        NgramVectorizer(min_df=5).fit(["The cat.", "the dog!"])


def test_mask_topic_changes_the_features():
    texts = ["The harbour was closed in 1998.", "The budget was cut in 2001."]
    plain = set(NgramVectorizer((2, 3), min_df=1).fit(texts).get_feature_names_out())
    masked = set(
        NgramVectorizer((2, 3), min_df=1, mask_topic=True, language="en").fit(texts).get_feature_names_out()
    )
    assert plain != masked
    assert "char:har" in plain and "char:har" not in masked
    assert "char:***" in masked and "word:was" in masked and "word:harbour" not in masked


# --- closed set -------------------------------------------------------------------------------------------


def test_closed_set_attributes_synthetic_authors(three):
    clf = CharNgramClassifier().fit(three["train"], three["y"])
    assert clf.score(three["test"], three["y_test"]) == 1.0
    assert clf.threshold_ is None and not clf.open_set_
    assert UNKNOWN not in clf.predict(three["stranger"]).tolist()  # a closed set always names an author


def test_probabilities_sum_to_one_in_classes_order(three):
    clf = CharNgramClassifier().fit(three["train"], three["y"])
    assert clf.classes_.tolist() == sorted(KNOWN)
    proba = clf.predict_proba(three["test"])
    assert proba.shape == (len(three["test"]), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (clf.classes_[proba.argmax(axis=1)] == clf.predict(three["test"])).all()
    assert (clf.classes_[proba.argmax(axis=1)] == np.array(three["y_test"])).all()
    assert clf.temperature_ > 0 and clf.cv_["n_known"] > 0
    # A text's answer does not depend on the batch it comes in.
    one_by_one = np.vstack([clf.predict_proba([t]) for t in three["test"][:3]])
    np.testing.assert_allclose(proba[:3], one_by_one)


def test_two_authors_binary_decisions_and_no_open_set():
    train, y = corpus(["semi", "bang"], 6, seed=6)
    test, y_test = corpus(["semi", "bang"], 3, seed=7)
    clf = CharNgramClassifier(open_set="auto").fit(train, y)
    assert clf.decision_function(test).shape == (6, 2)
    assert clf.score(test, y_test) == 1.0 and clf.threshold_ is None
    with pytest.raises(ValueError, match="three authors"):
        CharNgramClassifier(open_set=True).fit(train, y)
    fixed = CharNgramClassifier(open_set=True, threshold=0.5).fit(train, y)
    assert fixed.threshold_ == 0.5 and fixed.open_set_


# --- open set ---------------------------------------------------------------------------------------------


def test_open_set_answers_unknown_for_a_stranger_only(three):
    clf = CharNgramClassifier(open_set=True).fit(three["train"], three["y"])
    assert clf.open_set_ and 0.0 < clf.threshold_ < 1.0
    assert clf.predict(three["stranger"]).tolist() == [UNKNOWN] * len(three["stranger"])
    assert clf.predict(three["test"]).tolist() == three["y_test"]
    assert clf.score(three["test"] + three["stranger"], three["y_test"] + [UNKNOWN] * 6) == 1.0
    assert clf.cv_["n_unknown"] > 0 and clf.cv_["unknown_recall"] > 0.5
    # The threshold is learnt from the training texts alone, the same on every fit.
    again = CharNgramClassifier(open_set="auto").fit(three["train"], three["y"])
    assert again.threshold_ == clf.threshold_


def test_given_threshold_and_labels(three):
    y = [KNOWN.index(a) for a in three["y"]]  # integer authors: answers become objects
    everyone = CharNgramClassifier(open_set=True, threshold=0.0).fit(three["train"], y)
    assert UNKNOWN not in everyone.predict(three["stranger"]).tolist()
    nobody = CharNgramClassifier(threshold=1.0, open_set="auto", unknown_label="nobody", temperature=1.0)
    answers = nobody.fit(three["train"], y).predict(three["test"])
    assert answers.tolist() == ["nobody"] * len(three["test"])
    assert nobody.temperature_ == 1.0 and nobody.cv_["n_known"] == 0  # nothing to learn: no folds


# --- conventions ------------------------------------------------------------------------------------------


def test_estimator_conventions(three):
    clf = CharNgramClassifier((2, 5), word_ngram_range=None, min_df=1, C=0.5, open_set="auto", cv=4)
    params = clf.get_params()
    assert clone(clf).get_params() == params
    assert not hasattr(clf, "classes_")
    assert clf.fit(three["train"], three["y"]) is clf
    assert clone(clf).get_params() == params and not hasattr(clone(clf), "svm_")
    assert all(n.startswith("char:") for n in clf.vectorizer_.get_feature_names_out())
    copy = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(copy.predict_proba(three["test"]), clf.predict_proba(three["test"]))
    with pytest.raises(ValueError, match="texts but"):
        CharNgramClassifier().fit(three["train"], three["y"][:-1])
    with pytest.raises(TypeError, match="one string"):
        CharNgramClassifier().fit("one text", ["A"])
    with pytest.raises(TypeError, match="one string"):
        clf.predict("one text")
    with pytest.raises(ValueError, match="two authors"):
        CharNgramClassifier().fit(three["train"][:3], ["A"] * 3)
    with pytest.raises(ValueError, match="open_set"):
        CharNgramClassifier(open_set="yes").fit(three["train"], three["y"])
    with pytest.raises(ValueError, match="threshold"):
        CharNgramClassifier(threshold=1.5).fit(three["train"], three["y"])
    with pytest.raises(ValueError, match="cv"):
        CharNgramClassifier(cv=1).fit(three["train"], three["y"])
