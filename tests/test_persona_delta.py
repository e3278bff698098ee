"""Persona features and the Delta family: tokenisation, topic masking, z-scores over documents, attribution
of synthetic authors with known habits, and the Federalist Papers' disputed essays (shipped data)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from unmask.documents import DOCUMENT_COLUMNS
from unmask.persona.delta import METHODS, DeltaClassifier, delta_distances
from unmask.persona.features import (
    FUNCTION_WORDS,
    STYLE_STATISTICS,
    MFWVectorizer,
    char_ngram_vectorizer,
    function_word_vectorizer,
    mask_topic,
    style_statistics,
    tokens,
)
from unmask.persona.reference import FEDERALIST_DISPUTED, federalist

# Two synthetic authors who write about the same topics with different function-word habits.
HABITS = {
    "A": {"the": 10, "of": 6, "which": 4, "upon": 3, "whilst": 2, "and": 5, "to": 4},
    "B": {"the": 6, "of": 9, "that": 4, "on": 4, "while": 3, "and": 7, "to": 2},
    "C": {"a": 8, "of": 5, "that": 5, "upon": 4, "and": 4, "but": 4, "to": 5},
}
# Topic words of the same lengths, so that masked words (one asterisk per letter) do not tell the topic.
TOPICS = {
    "harbour": ["ships", "port", "dock", "quay", "tide", "crane", "cargo", "sailor", "harbour", "fishing"],
    "budget": ["taxes", "debt", "cost", "fund", "bond", "loans", "spend", "budget", "deficit", "revenue"],
}


def synthetic(author: str, topic: str, rng: np.random.Generator, n_words: int = 400) -> str:
    """A text by ``author`` about ``topic``: half function words drawn from its habits, half topic words."""
    habits = HABITS[author]
    fw = np.array(list(habits))
    p = np.array(list(habits.values()), dtype=float)
    words = np.where(
        rng.random(n_words) < 0.5,
        rng.choice(fw, size=n_words, p=p / p.sum()),
        rng.choice(TOPICS[topic], size=n_words),
    )
    return " ".join(words) + "."


def corpus(authors, topics, per: int, seed: int) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for author, topic in zip(authors, topics, strict=True):
        for _ in range(per):
            texts.append(synthetic(author, topic, rng))
            labels.append(author)
    return texts, labels


# --- features ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I don't know, O'Brien's dog.", ["i", "don't", "know", "o'brien's", "dog"]),
        ("L’homme qu'il aime n'est pas là.", ["l'", "homme", "qu'", "il", "aime", "n'", "est", "pas", "là"]),
        ("Dell'anno e nell'ultima un'altra.", ["dell'", "anno", "e", "nell'", "ultima", "un'", "altra"]),
        ("Zażółć gęślą jaźń, w 2024 r.", ["zażółć", "gęślą", "jaźń", "w", "r"]),
        ("¿Qué pasó? ¡El niño llegó!", ["qué", "pasó", "el", "niño", "llegó"]),
    ],
)
def test_tokens_in_five_languages(text, expected):
    assert tokens(text) == expected


def test_tokens_with_punctuation():
    assert tokens("Yes, no; maybe — why?", punctuation=True) == [
        "yes", ",", "no", ";", "maybe", "—", "why", "?",
    ]  # fmt: skip


def test_function_word_lists_are_short_lower_case_and_tokenise_to_themselves():
    for language, words in FUNCTION_WORDS.items():
        assert 50 <= len(words) <= 200, language
        for w in words:
            # an elided form is a token of its own before a word ("j'ai" -> "j'", "ai")
            assert tokens(w + "ai")[:1] == [w] if w.endswith("'") else tokens(w) == [w], (language, w)


def test_mask_topic_keeps_function_words_punctuation_and_lengths():
    assert mask_topic("The harbour was closed in 1998.", language="en") == "The ******* was ****** in ####."
    assert mask_topic("L'homme est là.", language="fr") == "L'***** est **."
    assert mask_topic("The harbour, closed.", language="en", mode="single") == "The *, *."
    assert mask_topic("Gdzie jest kot?", keep=["kot"]) == "***** **** kot?"


def test_mfw_profiles_are_relative_frequencies_most_frequent_first():
    vec = MFWVectorizer(n_words=3).fit(["the cat the dog", "the dog a bird"])
    assert vec.vocabulary_ == ["the", "dog", "a"]  # ties broken alphabetically
    x = vec.transform(["the the dog cat"])
    np.testing.assert_allclose(x, [[0.5, 0.25, 0.0]])
    masked = MFWVectorizer(n_words=10, mask_topic=True, language="en").fit(["the harbour and the quay"])
    assert set(masked.vocabulary_) == {"the", "and", "*******", "****"}


def test_function_words_char_ngrams_and_style_statistics():
    counts = function_word_vectorizer("en").fit_transform(["The cat and the dog."])
    assert counts.sum() == 3
    x = char_ngram_vectorizer((2, 3), mask=True).fit_transform(["The harbour.", "The budget!"])
    assert x.shape[0] == 2 and x.nnz > 0
    stats = style_statistics(["One two three. Four five, six seven eight!", ""])
    assert stats.shape == (2, len(STYLE_STATISTICS))
    row = dict(zip(STYLE_STATISTICS, stats[0], strict=True))
    assert row["sentence_length_mean"] == 4.0 and row["sentence_length_sd"] == 1.0
    assert row["per_1000_words ,"] == 125.0
    assert np.all(stats[1] == 0)


# --- Delta ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_each_delta_attributes_synthetic_authors(method):
    train, y = corpus("AABBCC", ["harbour", "budget"] * 3, per=3, seed=1)
    test, y_test = corpus("AABBCC", ["budget", "harbour"] * 3, per=2, seed=2)
    clf = DeltaClassifier(method, n_words=20).fit(train, y)
    assert clf.score(test, y_test) == 1.0
    proba = clf.predict_proba(test)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (clf.classes_[proba.argmax(axis=1)] == clf.predict(test)).all()


def test_zscores_are_over_documents_not_author_profiles():
    """With two authors, z-scoring author profiles makes every z +-0.707; over documents it does not."""
    train, y = corpus("AB", ["harbour", "harbour"], per=8, seed=3)
    clf = DeltaClassifier(n_words=15, center="documents").fit(train, y)
    freqs = clf.vectorizer_.transform(train)
    np.testing.assert_allclose(clf.mean_, freqs.mean(axis=0))
    np.testing.assert_allclose(clf.scale_, freqs.std(axis=0, ddof=1))
    # The peer's mistake, for contrast: z-scores over the two author profiles are all +-1/sqrt(2).
    profiles = np.stack([freqs[np.asarray(y) == a].mean(axis=0) for a in "AB"])
    wrong = (profiles - profiles.mean(axis=0)) / profiles.std(axis=0, ddof=1)
    np.testing.assert_allclose(np.abs(wrong), 1 / np.sqrt(2))
    # Ours: author centroids of document z-scores spread over many values, several far from 0.707.
    z = np.abs(clf.centroids_)
    assert not np.allclose(z, 1 / np.sqrt(2), atol=0.05)
    assert len(np.unique(np.round(z, 3))) > 10


def test_delta_of_a_text_uses_the_fitted_corpus_not_the_compared_texts():
    """A text is z-scored with the training corpus's statistics: its answer does not depend on the batch,
    and Delta between two texts is not the constant that z-scores from the two texts alone would give."""
    train, y = corpus("AB", ["harbour", "budget"], per=6, seed=4)
    test, _ = corpus("AB", ["budget", "harbour"], per=3, seed=5)
    clf = DeltaClassifier("burrows", n_words=15).fit(train, y)
    batch = clf.distances(test)
    one_by_one = np.vstack([clf.distances([t]) for t in test])
    np.testing.assert_allclose(batch, one_by_one)
    # The degenerate version: z-scores from two texts alone are +-0.707 wherever they differ, so the
    # Delta of any two texts is 1.414 times the share of words that differ (here: every word that differs).
    pair = clf.vectorizer_.transform(test[:2])
    differ = pair[0] != pair[1]
    alone = (pair[:, differ] - pair[:, differ].mean(axis=0)) / pair[:, differ].std(axis=0, ddof=1)
    np.testing.assert_allclose(np.abs(alone), 1 / np.sqrt(2))
    z = clf.transform(test)
    pairwise = delta_distances(z, z, "burrows")[np.triu_indices(len(test), 1)]
    assert pairwise.std() > 0.1 * pairwise.mean()


def test_topic_masking_resists_a_topic_confound():
    """A writes about the harbour and B about the budget in training; in the test they swap topics."""
    train, y = corpus("AB", ["harbour", "budget"], per=6, seed=6)
    test, y_test = corpus("AB", ["budget", "harbour"], per=6, seed=7)
    plain = DeltaClassifier(n_words=30).fit(train, y)
    assert plain.score(test, y_test) <= 0.5  # the topic wins
    masked = DeltaClassifier(n_words=30, mask_topic=True, language="en").fit(train, y)
    assert masked.score(test, y_test) == 1.0
    assert all("*" in w or w in FUNCTION_WORDS["en"] for w in masked.vectorizer_.vocabulary_)


def test_estimator_conventions():
    clf = DeltaClassifier("eder", n_words=50, temperature=0.5)
    assert clone(clf).get_params() == clf.get_params()
    assert not hasattr(clf, "classes_")
    train, y = corpus("AB", ["harbour", "harbour"], per=3, seed=8)
    assert clf.fit(train, y) is clf and clf.temperature_ == 0.5
    with pytest.raises(ValueError, match="method"):
        DeltaClassifier("manhattan").fit(train, y)
    with pytest.raises(ValueError, match="center"):
        DeltaClassifier(center="authors").fit(train, y)
    with pytest.raises(ValueError, match="two authors"):
        DeltaClassifier().fit(train[:3], y[:3])
    with pytest.raises(TypeError):
        clf.predict("one string")


# --- the Federalist Papers (shipped) ----------------------------------------------------------------------


def test_federalist_ships_as_documents():
    table = federalist()
    assert tuple(table.column_names) == DOCUMENT_COLUMNS
    assert table.num_rows == 85
    rows = table.to_pylist()
    assert {r["byline"] for r in rows} == {
        "HAMILTON", "MADISON", "JAY", "HAMILTON AND MADISON", "HAMILTON OR MADISON",
    }  # fmt: skip
    disputed = sorted(int(r["doc_id"]) for r in rows if r["byline"] == "HAMILTON OR MADISON")
    assert disputed == list(FEDERALIST_DISPUTED)
    assert not any("<" in r["text"] for r in rows)
    assert rows[0]["text"].startswith("To the People of the State of New York: AFTER an unequivocal")


def test_federalist_disputed_papers_go_to_madison():
    rows = federalist().to_pylist()
    known = [r for r in rows if r["byline"] in ("HAMILTON", "MADISON")]
    disputed = [r for r in rows if r["byline"] == "HAMILTON OR MADISON"]
    clf = DeltaClassifier().fit([r["text"] for r in known], [r["byline"] for r in known])
    assert clf.predict([r["text"] for r in disputed]).tolist() == ["MADISON"] * 12
