"""The SQL macros that normalise URLs and pull entities out of text."""

import pytest

from unmask.case import Case


@pytest.fixture(scope="module")
def con():
    with Case.open(":memory:") as case:
        yield case.con


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://WWW.Example.COM:443/Path?utm_source=x&id=3&fbclid=9#frag", "https://example.com/Path?id=3"),
        ("http://example.com", "http://example.com/"),
        ("http://www.a.example:80", "http://a.example/"),
        ("http://a.example:8080/x", "http://a.example:8080/x"),
        ("https://a.example:80/x", "https://a.example:80/x"),
        ("https://a.example/?utm_medium=x&gclid=1&GCLID=2", "https://a.example/"),
        ("https://a.example/p?b=2&a=1", "https://a.example/p?b=2&a=1"),
        ("WWW.x.example/y?utm_a=1", "http://x.example/y"),
        ("https://x.example?a=1#f", "https://x.example/?a=1"),
        ("ftp://Foo.Example/x", "ftp://foo.example/x"),
        ("example.com/x", "example.com/x"),
        ("  https://a.example/x  ", "https://a.example/x"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_canonical_url(con, url, canonical) -> None:
    assert con.execute("SELECT unmask_canonical_url(?)", [url]).fetchall()[0][0] == canonical


def test_hashtags_from_text_any_script(con) -> None:
    text = "New #SyrianArmy in #Hama, #سورية_الن x#no #123 &#39; ＃全角 #Hama"
    assert con.execute("SELECT unmask_text_hashtags(?)", [text]).fetchall()[0][0] == [
        "syrianarmy",
        "hama",
        "سورية_الن",
        "全角",
        "hama",
    ]


def test_mentions_from_text(con) -> None:
    assert con.execute("SELECT unmask_text_mentions(?)", ["RT @Foo_bar: hi x@y.example @a"]).fetchall()[0][
        0
    ] == ["foo_bar", "a"]


def test_urls_from_text_drop_trailing_punctuation(con) -> None:
    text = "see https://t.co/abc. and (http://x.example/a?b=1) www.x.example/y, “https://q.example/s”"
    assert con.execute("SELECT unmask_text_urls(?)", [text]).fetchall()[0][0] == [
        "https://t.co/abc",
        "http://x.example/a?b=1",
        "www.x.example/y",
        "https://q.example/s",
    ]


def test_distinct_ordered_keeps_first_seen_order(con) -> None:
    assert con.execute("SELECT unmask_distinct_ordered(['b', 'a', 'b', 'c', 'a'])").fetchall()[0][0] == [
        "b",
        "a",
        "c",
    ]


def test_text_object_ignores_case_and_spacing(con) -> None:
    a, b = con.execute(
        "SELECT unmask_text_object('Hello  World\n'), unmask_text_object('hello world')"
    ).fetchall()[0]
    assert a == b and a.startswith("text:")
