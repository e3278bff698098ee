"""Infrastructure identifiers in saved pages: each kind, the false positives avoided, hostile input."""

from __future__ import annotations

from pathlib import Path

import pytest

from unmask.ingest.trackers import KINDS, Observation, extract

PAGE = """<!doctype html>
<html><head>
<meta charset="utf-8">
<title>Example News</title>
<link rel="canonical" href="https://WWW.Example-News.org/politics/story-1">
<meta property="og:url" content="https://mirror.example-news.net/story-1">
<meta name="google-site-verification" content="abcDEF123_-ghiJKL456mnoPQR789stuVWX0yz12345">
<meta name="facebook-domain-verification" content="k3j5h6g7f8d9s0a1q2w3e4r5t6y7u8">
<meta name="yandex-verification" content="0123456789abcdef">
<meta name="msvalidate.01" content="0123456789ABCDEF0123456789ABCDEF">
<meta name="p:domain_verify" content="fedcba9876543210fedcba9876543210">
<script async src="https://www.googletagmanager.com/gtag/js?id=G-EXNEWS1234"></script>
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){dataLayer.push(arguments);}
  gtag('js', new Date());
  gtag('config', 'G-EXNEWS1234');
  ga('create', 'UA-12345678-2', 'auto');
  (function(w,d,s,l,i){w[l]=w[l]||[];})(window,document,'script','dataLayer','GTM-AB12CD3');
  !function(f,b,e,v,n,t,s){}(window, document,'script');
  fbq( "init" , "123456789012345" );
</script>
<script async src="https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js?client=ca-pub-1234567890123456"></script>
<noscript><img height="1" width="1" src="https://www.facebook.com/tr?id=998877665544332&ev=PageView&noscript=1"></noscript>
</head>
<body>
<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-AB12CD3"></iframe></noscript>
<ins class="adsbygoogle" data-ad-client="pub-9988776655443322"></ins>
<p>Write to the editors at Editors@Example-News.org or call us.</p>
<footer>
  <a href="mailto:tips@example-news.org?subject=Tip">Send a tip</a>
  <a href="tel:+1 (201) 555-0123">Call</a>
  <a href="https://www.facebook.com/ExampleNews/">Facebook</a>
  <a href="https://twitter.com/ExampleNews?ref_src=twsrc">Twitter</a>
  <a href="https://x.com/examplenews">X (the same account)</a>
  <a href="https://t.me/examplenews_channel">Telegram</a>
  <a href="https://www.youtube.com/@ExampleNewsTV">YouTube</a>
  <a href="https://www.instagram.com/example.news/">Instagram</a>
  <a href="https://www.tiktok.com/@examplenews">TikTok</a>
  <a href="https://vk.com/examplenews">VK</a>
  <a href="https://www.linkedin.com/company/example-news/">LinkedIn</a>
  <a href="https://rumble.com/c/ExampleNews">Rumble</a>
  <a href="https://gab.com/ExampleNews">Gab</a>
  <a href="https://truthsocial.com/@ExampleNews">Truth Social</a>
</footer>
</body></html>
"""


def found(html: str | bytes, **kwargs) -> list[tuple[str, str]]:
    """(kind, value) of every observation, in order."""
    return [(o.kind, o.value) for o in extract(html, **kwargs)[1]]


def test_every_kind_is_found_and_normalised() -> None:
    domain, observations = extract(PAGE)
    assert domain == "example-news.org"
    assert [(o.kind, o.value) for o in observations] == [
        ("google-site-verification", "abcDEF123_-ghiJKL456mnoPQR789stuVWX0yz12345"),
        ("facebook-domain-verification", "k3j5h6g7f8d9s0a1q2w3e4r5t6y7u8"),
        ("yandex-verification", "0123456789abcdef"),
        ("msvalidate.01", "0123456789ABCDEF0123456789ABCDEF"),
        ("p:domain_verify", "fedcba9876543210fedcba9876543210"),
        ("ga4", "G-EXNEWS1234"),
        ("ga-ua", "UA-12345678-2"),
        ("ga-account", "12345678"),
        ("gtm", "GTM-AB12CD3"),
        ("fb-pixel", "123456789012345"),
        ("adsense", "pub-1234567890123456"),
        ("fb-pixel", "998877665544332"),
        ("adsense", "pub-9988776655443322"),
        ("email", "editors@example-news.org"),
        ("email", "tips@example-news.org"),
        ("phone", "+12015550123"),
        ("social", "facebook:examplenews"),
        ("social", "x:examplenews"),
        ("social", "telegram:examplenews_channel"),
        ("social", "youtube:examplenewstv"),
        ("social", "instagram:example.news"),
        ("social", "tiktok:examplenews"),
        ("social", "vk:examplenews"),
        ("social", "linkedin:company/example-news"),
        ("social", "rumble:c/examplenews"),
        ("social", "gab:examplenews"),
        ("social", "truthsocial:examplenews"),
    ]
    assert {o.kind for o in observations} <= set(KINDS)
    assert all(isinstance(o, Observation) for o in observations)


def test_contexts_are_short_plain_text_around_the_hit() -> None:
    _, observations = extract(PAGE)
    for o in observations:
        assert 0 < len(o.context) <= 120
        assert "<" not in o.context and ">" not in o.context
        assert "  " not in o.context and "\n" not in o.context
    by_kind: dict[str, Observation] = {}
    for o in observations:
        by_kind.setdefault(o.kind, o)
    assert by_kind["ga4"].context == 'script src="https://www.googletagmanager.com/gtag/js?id=G-EXNEWS1234"'
    assert by_kind["email"].context == "Write to the editors at Editors@Example-News.org or call us."


def test_ua_property_gives_its_account() -> None:
    one = found("<script>ga('create', 'UA-123456-1', 'auto');</script>")
    seven = found("<script>ga('create', 'ua-123456-7', 'auto');</script>")
    assert one == [("ga-ua", "UA-123456-1"), ("ga-account", "123456")]
    assert seven == [("ga-ua", "UA-123456-7"), ("ga-account", "123456")]


def test_deduplicated_in_order_of_first_appearance() -> None:
    html = """<script>ga('create', 'UA-5555555-1');</script>
    <p>UA-5555555-1 again, and GTM-ZZ99ZZ</p>
    <script>gtag('config', 'UA-5555555-3'); var c = 'GTM-ZZ99ZZ';</script>"""
    assert found(html) == [
        ("ga-ua", "UA-5555555-1"),
        ("ga-account", "5555555"),
        ("gtm", "GTM-ZZ99ZZ"),
        ("ga-ua", "UA-5555555-3"),
    ]
    _, observations = extract(html)
    assert "ga('create'" in observations[0].context  # the first sighting is the evidence kept


def test_prose_lookalikes_are_not_ids() -> None:
    html = """<body>
    <p>The G-STRING and the G-ABCDEF1234 model; UA-1 and UA-12-3 are no properties.</p>
    <p>Our GTM-STRATEGY deck. The pub-123 crawl. Retina logo@2x.png, icon@3x.webp.</p>
    <p>Write to name@example.com or you@yourdomain.com; fbq is a word here.</p>
    <script>var model = 'G-ABCDEF1234'; var img = 'logo@2x.png'; var dev = 'dev@real-site.org';</script>
    </body>"""
    assert found(html) == []


def test_ga4_needs_a_tracking_context() -> None:
    assert found("<script>gtag ( \"config\" ,\n 'G-ABC123DEF' );</script>") == [("ga4", "G-ABC123DEF")]
    assert found('<script>var o = {"measurementId": "G-MEASURE99"};</script>') == [("ga4", "G-MEASURE99")]
    tag = '<script src="https://www.googletagmanager.com/gtag/js?l=dataLayer&amp;id=G-QUERY1234"></script>'
    assert found(tag) == [("ga4", "G-QUERY1234")]
    assert found("<script>gtag('event', 'G-NOTCONFIG1');</script>") == []


def test_share_links_and_platform_pages_are_not_accounts() -> None:
    links = [
        "https://twitter.com/intent/tweet?text=Read&url=https://example-news.org/a",
        "https://twitter.com/share?url=x",
        "https://x.com/i/status/123",
        "https://www.facebook.com/sharer/sharer.php?u=https://example-news.org/a",
        "https://www.facebook.com/dialog/share?app_id=1",
        "https://www.facebook.com/plugins/page.php?href=x",
        "https://www.facebook.com/hashtag/news",
        "https://www.facebook.com/",
        "https://twitter.com",
        "https://t.me/share/url?url=https://example-news.org/a",
        "https://www.linkedin.com/shareArticle?mini=true",
        "https://vk.com/share.php?url=x",
        "https://www.youtube.com/watch?v=abc",
        "https://www.youtube.com/results?search_query=x",
        "https://www.instagram.com/p/Cabc123/",
        "https://developers.facebook.com/docs",
        "https://rumble.com/v1abc-some-video.html",
        "https://notfacebook.com/examplenews",
        "javascript:alert(1)",
    ]
    html = "".join(f'<a href="{link}">x</a>' for link in links)
    assert found(html) == []


@pytest.mark.parametrize(
    ("href", "value"),
    [
        ("https://m.facebook.com/profile.php?id=100012345678901", "facebook:100012345678901"),
        ("https://www.facebook.com/pages/Example-News/123456789012", "facebook:123456789012"),
        ("https://www.facebook.com/groups/ExampleReaders/", "facebook:groups/examplereaders"),
        ("https://www.facebook.com/ExampleNews/posts/12345#comments", "facebook:examplenews"),
        ("//twitter.com/@ExampleNews", "x:examplenews"),
        ("https://mobile.twitter.com/ExampleNews/status/1", "x:examplenews"),
        ("https://telegram.me/s/ExampleNews", "telegram:examplenews"),
        ("https://t.me/joinchat/AbCdEf12345", "telegram:+AbCdEf12345"),
        ("https://t.me/+AbCdEf12345", "telegram:+AbCdEf12345"),
        ("https://youtube.com/channel/UCabcDEF1234567890xyzABC", "youtube:channel/UCabcDEF1234567890xyzABC"),
        ("https://www.youtube.com/c/ExampleNews", "youtube:c/examplenews"),
        ("https://www.youtube.com/ExampleNews", "youtube:c/examplenews"),
        ("https://www.youtube.com/user/ExampleNews", "youtube:user/examplenews"),
        ("https://uk.linkedin.com/in/Jane-Roe-123", "linkedin:in/jane-roe-123"),
        ("https://rumble.com/user/ExampleNews", "rumble:user/examplenews"),
        ("https://truthsocial.com/users/ExampleNews", "truthsocial:examplenews"),
        ("HTTPS://WWW.INSTAGRAM.COM/Example.News", "instagram:example.news"),
    ],
)
def test_social_links_are_canonical(href: str, value: str) -> None:
    assert found(f'<a href="{href}">us</a>') == [("social", value)]


def test_rel_me_links_are_accounts_other_link_elements_are_not() -> None:
    html = """<link rel="me" href="https://gab.com/ExampleNews">
    <link rel="home" href="https://twitter.com/NotAnAccountLink">
    <link rel="alternate" href="https://t.me/notanaccountlink">"""
    assert found(html) == [("social", "gab:examplenews")]


def test_social_accounts_from_json_ld_same_as() -> None:
    html = """<script type="application/ld+json">
    {"@context": "https://schema.org", "@graph": [{"@type": "Organization",
     "sameAs": ["https:\\/\\/twitter.com\\/ExampleNews", "https://www.facebook.com/examplenews"]}]}
    </script>"""
    assert found(html) == [("social", "x:examplenews"), ("social", "facebook:examplenews")]
    two_blocks = """<script type="application/ld+json">
    [{"sameAs": "https://gab.com/first"}, {"sameAs": "https://gab.com/second"}]</script>"""
    assert found(two_blocks) == [("social", "gab:first"), ("social", "gab:second")]
    assert found('<script type="application/ld+json">{"sameAs": [[[[</script>') == []


def test_emails_from_links_and_visible_text_but_not_scripts() -> None:
    html = """<a href="mailto:Desk@Example-News.org,%20Ads@Example-News.org?cc=x@example-news.org">mail</a>
    <p>Press: press@example-news.org.</p>
    <script>var author = 'lib@somecdn.io';</script>
    """
    assert found(html) == [
        ("email", "desk@example-news.org"),
        ("email", "ads@example-news.org"),
        ("email", "press@example-news.org"),
    ]


def test_cloudflare_decoding() -> None:
    address = "info@example-news.org"
    key = 0x42
    encoded = f"{key:02x}" + bytes(b ^ key for b in address.encode()).hex()
    assert found(f'<span class="__cf_email__" data-cfemail="{encoded}">[email&#160;protected]</span>') == [
        ("email", address)
    ]
    assert found('<span data-cfemail="zz-not-hex"></span>') == []


def test_phones_from_tel_links_only() -> None:
    html = """<p>Call +1 201 555 0199 any time.</p>
    <a href="tel:+44%20(0)20%207946%200000">UK</a>
    <a href="tel:0201-555-0188;ext=12">local</a>
    <a href="tel:+12">too short</a>"""
    assert found(html) == [("phone", "+442079460000"), ("phone", "02015550188")]


def test_domain_falls_back_from_canonical_to_og_url_to_base_url() -> None:
    assert extract('<link rel="canonical" href="/a/b">', base_url="https://www.Example-News.org/x")[0] == (
        "example-news.org"
    )
    assert extract('<meta property="og:url" content="https://news.example-news.org:8443/a">')[0] == (
        "news.example-news.org"
    )
    assert extract("<p>hi</p>", base_url="example-news.org")[0] == "example-news.org"
    assert extract("<p>hi</p>")[0] is None
    assert extract('<link rel="canonical" href="https://exa\u202emple.org/">')[0] is None
    assert extract('<link rel="canonical" href="mailto:desk@example-news.org">', base_url="https://a.org/")[
        0
    ] == ("a.org")


def test_empty_pages() -> None:
    assert extract("") == (None, [])
    assert extract(b"   ", base_url="https://example-news.org/") == ("example-news.org", [])
    assert found("<!-- old: UA-7654321-1 -->") == [("ga-ua", "UA-7654321-1"), ("ga-account", "7654321")]


def test_too_large_pages_are_refused_before_parsing() -> None:
    with pytest.raises(ValueError, match="max_bytes"):
        extract(b"x" * 101, max_bytes=100)
    with pytest.raises(ValueError, match="max_bytes"):
        extract("é" * 51, max_bytes=100)  # 102 bytes as UTF-8
    assert extract("x" * 100, max_bytes=100) == (None, [])
    with pytest.raises(TypeError):
        extract(123)  # type: ignore[arg-type]


def test_declared_and_marked_encodings() -> None:
    body = "<p>Пишите: редакция@ и UA-1234567-1</p>"
    cp1251 = ('<meta charset="windows-1251">' + body).encode("cp1251")
    assert found(cp1251)[0] == ("ga-ua", "UA-1234567-1")
    utf16 = ("\ufeff<html><body>" + body + "</body></html>").encode("utf-16-le")
    assert found(utf16)[0] == ("ga-ua", "UA-1234567-1")
    assert found(b'<meta charset="base64"><p>UA-1234567-1</p>')[0] == ("ga-ua", "UA-1234567-1")
    assert found(b"<p>\xff\xfe caf\xe9 UA-1234567-1</p>")[0] == ("ga-ua", "UA-1234567-1")


def test_hostile_markup_does_not_crash_and_gives_plain_strings() -> None:
    html = (
        "<scr<script>ipt>eval('</scr'+'ipt>'); /* UA-2222222-1 */ ga('create','UA-3333333-1')</script>"
        "<p\x00>NUL\x00here UA-4444444-1\x00</p><div><div><span></b></i><table><td>GTM-QQ1234"
        "<a href='https://twitter.com/\u202eswen'>rtl</a>"
        '<meta name="google-site-verification" content="abc\u202edef123">'
        "<p>\u202eUA-5555555-1 \u2066reversed\u2069</p>"
        "<a href='mailto:\u202ebad@example-news.org'>m</a>"
        "<a href='http://[::1'>broken url</a><a href='tel:'></a><a href='mailto:'></a>"
        "<![CDATA[ UA-6666666-1 ]]><?php echo 'UA-7777777-1'; ?>"
        "<svg><script>fbq('init','111122223333444')</script></svg>"
        "\ud800 lone surrogate <p"
    )
    domain, observations = extract(html)
    values = {o.value for o in observations}
    assert {"UA-2222222-1", "UA-3333333-1", "UA-4444444-1", "GTM-QQ1234", "UA-5555555-1"} <= values
    assert "111122223333444" in values
    assert not any(o.kind in ("email", "social") for o in observations)  # overrides make no address
    assert not any(o.kind == "google-site-verification" for o in observations)
    for o in observations:
        assert type(o.kind) is str and type(o.value) is str and type(o.context) is str
        for text in (o.value, o.context):
            assert not any(ch in text for ch in "\x00\u202e\u2066\u2069<>")
    assert domain is None


@pytest.mark.parametrize(
    "pathological",
    [
        "UA-" + "9" * 1_000_000,
        "a" * 1_000_000 + "@",
        "a." * 500_000 + "@example-news.org",
        "x@" * 500_000,
        "<" * 1_000_000,
        "<a href='" * 100_000,
        "gtag('config', " + " " * 1_000_000,
        "fbq('init', " * 80_000,
        "facebook.com/tr?" + "a" * 1_000_000,
        "googletagmanager.com/gtag/js?" * 35_000,
        "<script>" + "pub-" * 250_000 + "</script>",
        "<div>" * 200_000,
        '<script type="application/ld+json">' + "[" * 1_000_000 + "</script>",
        "<a href='mailto:" + "a@b.co," * 140_000 + "'>m</a>",
    ],
)
def test_pathological_megabyte_inputs_complete(pathological: str) -> None:
    _, observations = extract(pathological)
    assert isinstance(observations, list)


@pytest.mark.data
def test_real_page_with_universal_analytics_gtm_and_meta_pixel(shared_data: Path) -> None:
    page = (shared_data / "samples/html/readability_videos-2_source.html").read_bytes()
    values = set(found(page))
    assert {
        ("ga-ua", "UA-41822557-1"),
        ("ga-account", "41822557"),
        ("gtm", "GTM-V9PX"),
        ("fb-pixel", "342040669704613"),
    } <= values


@pytest.mark.data
def test_real_page_with_ga4(shared_data: Path) -> None:
    page = (shared_data / "samples/html/readability_royal-road_source.html").read_bytes()
    domain, observations = extract(page)
    assert ("ga4", "G-DZHTJVDKRZ") in {(o.kind, o.value) for o in observations}
    assert domain == "royalroad.com"
