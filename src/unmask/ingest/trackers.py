"""Infrastructure identifiers in a saved web page: the plumbing that sites run by the same people share.

Sites of one operation often carry the same Google Analytics account, AdSense publisher id, Meta pixel or
search-console verification token, and link the same social accounts and contacts. ``extract`` reads one
saved page and lists those identifiers as ``Observation`` s, each with a snippet of the page as evidence.

Nothing from the page is executed or evaluated: lxml parses it, and regular expressions that run in time
linear in the page's size search its text, its inline scripts and its attribute values.

Example::

    >>> domain, found = extract(
    ...     '<link rel="canonical" href="https://www.example-news.org/a">'
    ...     "<script>gtag('config', 'G-ABC1234XYZ');</script>"
    ... )
    >>> domain, [(o.kind, o.value) for o in found]
    ('example-news.org', [('ga4', 'G-ABC1234XYZ')])
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html

try:
    import phonenumbers
except ImportError:  # pragma: no cover - phonenumbers is optional: without it, numbers stay digits
    phonenumbers = None


@dataclass(frozen=True)
class Observation:
    """One identifier found on a page.

    ``kind`` is a key of ``KINDS``; ``value`` the identifier, normalised so that equal values on two pages
    mean the same thing; ``context`` up to 120 characters of the page around it, as plain text with white
    space collapsed (no tags, no control or bidirectional formatting characters).
    """

    kind: str
    value: str
    context: str


KINDS: dict[str, str] = {
    "ga-ua": "Google Analytics (Universal) property",
    "ga-account": "Google Analytics account: the middle number of a UA- property id",
    "ga4": "Google Analytics 4 measurement id",
    "gtm": "Google Tag Manager container",
    "adsense": "Google AdSense publisher id",
    "fb-pixel": "Meta (Facebook) pixel id",
    "google-site-verification": "Google Search Console site verification token",
    "facebook-domain-verification": "Meta Business domain verification token",
    "yandex-verification": "Yandex Webmaster verification token",
    "msvalidate.01": "Bing Webmaster Tools verification token",
    "p:domain_verify": "Pinterest domain verification token",
    "social": "link to a social media account, as platform:handle",
    "email": "e-mail address (mailto: link or in the page's visible text)",
    "phone": "telephone number from a tel: link (E.164 where it has a country code)",
}

_VERIFICATION_METAS = frozenset(
    {
        "google-site-verification",
        "facebook-domain-verification",
        "yandex-verification",
        "msvalidate.01",
        "p:domain_verify",
    }
)
# Verification tokens are short base64, hex or alphanumeric strings; anything else in such a meta is noise
# (or an attempt to smuggle text into the evidence) and is left out.
_TOKEN = re.compile(r"[A-Za-z0-9_+/=.:-]{4,200}")

# Text inside these is code or markup that a visitor does not read: it is searched for tracker ids, but
# e-mail addresses are taken from visible text only (scripts are full of library authors' addresses).
_CODE_TAGS = frozenset({"script", "style", "noscript", "template"})

_CONTEXT_CHARS = 120
# How far either side of a hit to read before tags and white space are dropped from the context.
_RAW_WINDOW = 250
_LINK_CHILDREN = 10
_URL_EDGE = "".join(map(chr, range(0x21)))  # C0 controls and space, as the WHATWG URL parser strips them

# Possessive quantifiers (*+) and bounded repeats keep every pattern linear in the length of the text.
_UA = re.compile(r"(?<![A-Za-z0-9])UA-(\d{4,10})-(\d{1,4})(?!\d)", re.IGNORECASE)
_GA4_ID = r"(G-[A-Z0-9]{6,12})(?![A-Za-z0-9])"
# "G-" followed by capitals is ordinary prose (G-STRING), so a GA4 id counts only where a tracker uses it.
_GA4 = re.compile(
    r"gtag\s*+\(\s*+['\"]config['\"]\s*+,\s*+['\"]" + _GA4_ID
    + r"|googletagmanager\.com/gtag/js\?(?:[^\"'\s<>]{0,300}?[&;])?id=" + _GA4_ID
    + r"|measurementId['\"]?\s*+[:=]\s*+['\"]" + _GA4_ID
)  # fmt: skip
_GTM = re.compile(r"(?<![A-Za-z0-9])GTM-([A-Z0-9]{4,9})(?![A-Za-z0-9])")
_ADSENSE = re.compile(r"(?<![A-Za-z0-9])(?:ca-)?pub-(\d{10,20})(?!\d)", re.IGNORECASE)
_FB_PIXEL = re.compile(
    r"fbq\s*+\(\s*+['\"]init['\"]\s*+,\s*+['\"]?(\d{10,20})(?!\d)"
    r"|facebook\.com/tr/?\?(?:[^\"'\s<>]{0,300}?[&;])?id=(\d{10,20})(?!\d)"
)
_EMAIL_ADDRESS = r"[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}"
_EMAIL = re.compile(r"(?<![\w.%+-])" + _EMAIL_ADDRESS + r"(?![\w-])")
_EMAIL_WHOLE = re.compile(_EMAIL_ADDRESS)

# "logo@2x.png" looks like an address; so do retina image and asset names generally.
_FILE_SUFFIXES = frozenset({"png", "jpg", "jpeg", "gif", "webp", "svg", "avif", "bmp", "ico", "css", "js"})
_PLACEHOLDER_DOMAINS = frozenset(
    {
        "example.com",
        "example.org",
        "example.net",
        "example.edu",
        "domain.com",
        "yourdomain.com",
        "your-domain.com",
        "yoursite.com",
        "yourcompany.com",
    }
)
_PLACEHOLDER_TLDS = frozenset({"example", "test", "invalid", "localhost"})
_PLACEHOLDER_LOCALS = frozenset(
    {"yourname", "your.name", "youremail", "your.email", "your-email", "your_email", "firstname.lastname"}
)

# Characters that make text display as something other than what it holds: C0/C1 controls, bidirectional
# overrides and isolates (an RTL override can make "gro.swen" read as "news.org"), byte-order marks.
_UNSAFE = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)
# Controls that libxml2 may stop at; replaced before parsing so that the rest of the page is still read.
_PAGE_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffe\uffff]")
_TAG = re.compile(r"<[^<>]*+>")
_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]{1,40})", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16: its mark starts with UTF-16 LE's
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def extract(
    html: str | bytes, *, base_url: str | None = None, max_bytes: int = 5_000_000
) -> tuple[str | None, list[Observation]]:
    """(the page's own domain or None, the observations), deduplicated by (kind, value), in order of first
    appearance.

    The domain comes from ``<link rel="canonical">``, else the ``og:url`` meta, else ``base_url``: lower
    case, without ``www.`` or a port. Bytes are decoded by their byte-order mark, else their ``<meta
    charset>``, else as UTF-8, else as Windows-1252; undecodable bytes become U+FFFD. Broken markup is read
    as a browser would guess it; a page lxml cannot parse at all is searched as plain text. Raises
    ValueError for a page over ``max_bytes`` (counted as UTF-8 for a str), before reading it.
    """
    text = _page_text(html, max_bytes)
    scan = _Scan()
    root = _parse(text)
    if root is None:
        scan.text(text, code=True)
    else:
        scan.tree(root)
    domain = None
    for candidate in (scan.canonical, scan.og_url, base_url):
        if candidate and (domain := _domain(candidate, base_url)):
            break
    return domain, list(scan.found.values())


def _page_text(page: str | bytes, max_bytes: int) -> str:
    """The page as text with parser-hostile controls replaced, or ValueError if it is over ``max_bytes``."""
    if isinstance(page, bytes):
        size = len(page)
    elif isinstance(page, str):
        # Every character is at least one byte: a long str is refused without encoding it.
        size = len(page) if len(page) > max_bytes else len(page.encode("utf-8", "surrogatepass"))
    else:
        raise TypeError(f"extract() reads a page as str or bytes, not {type(page).__name__}")
    if size > max_bytes:
        raise ValueError(
            f"the page is {size:,} bytes, more than max_bytes={max_bytes:,}: refusing to read it "
            "(pass a larger max_bytes to read it anyway)"
        )
    text = _decode(page) if isinstance(page, bytes) else page
    return _PAGE_CONTROLS.sub("\ufffd", text)


def _decode(data: bytes) -> str:
    """``data`` as text, by byte-order mark, declared charset, UTF-8 or Windows-1252, in that order."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    declared = _CHARSET.search(data[:4096])
    if declared:
        try:
            codec = codecs.lookup(declared.group(1).decode("ascii")).name
        except LookupError:
            codec = ""
        # As browsers do: Latin-1 and ASCII mean Windows-1252; a page declaring UTF-16/32 without a mark is
        # ASCII-compatible in fact; UTF-7 is refused (it can hide markup).
        if codec in ("iso8859-1", "ascii"):
            codec = "cp1252"
        if codec and not codec.startswith(("utf-16", "utf-32", "utf-7")):
            try:
                return data.decode(codec, errors="replace")
            except LookupError:  # a bytes-to-bytes codec such as base64 is no charset
                pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _parse(text: str) -> Any:
    """The root element of ``text`` parsed as HTML, or None for an empty page or one lxml cannot read."""
    # Bytes with a stated encoding, because lxml refuses a str that carries an XML encoding declaration.
    parser = lxml_html.HTMLParser(encoding="utf-8", remove_comments=False, remove_pis=False, no_network=True)
    try:
        return etree.fromstring(text.encode("utf-8", errors="replace"), parser)
    except (etree.LxmlError, ValueError):
        return None


class _Scan:
    """Walks a parsed page in document order and keeps the first observation of each (kind, value)."""

    def __init__(self) -> None:
        self.found: dict[tuple[str, str], Observation] = {}
        self.canonical: str | None = None
        self.og_url: str | None = None

    def add(self, kind: str, value: str, source: str, start: int, end: int) -> None:
        if (kind, value) not in self.found:
            self.found[kind, value] = Observation(kind, value, _context(source, start, end))

    def tree(self, root: Any) -> None:
        # Comments before or after <html> are siblings of the root, and old tracking snippets live there too.
        top = [*reversed(list(root.itersiblings(preceding=True))), root, *root.itersiblings()]
        # An explicit stack: hostile pages nest deeply, and the walk must not recurse.
        stack: list[tuple[Any, bool]] = [(element, False) for element in reversed(top)]
        code_depth = 0
        while stack:
            element, closing = stack.pop()
            tag = element.tag
            if closing:
                code_depth -= tag in _CODE_TAGS
                if element.tail:
                    self.text(element.tail, code=code_depth > 0)
                continue
            if not isinstance(tag, str):  # a comment or processing instruction: no attributes, no children
                if element.text:
                    self.text(element.text, code=True)
                if element.tail:
                    self.text(element.tail, code=code_depth > 0)
                continue
            self.element(element)
            code_depth += tag in _CODE_TAGS
            if element.text:
                self.text(element.text, code=code_depth > 0)
            stack.append((element, True))
            stack.extend((child, False) for child in reversed(list(element)))

    def element(self, element: Any) -> None:
        tag: str = element.tag
        attrib = element.attrib
        for name, value in attrib.items():
            prefix = f'{tag} {name}="'
            self.ids(value, prefix + value + '"', len(prefix), code=True)
        if tag == "meta":
            self.meta(attrib)
        rel = (attrib.get("rel") or "").lower().split()
        href = _url_text(attrib.get("href") or "")
        if tag == "link" and "canonical" in rel and self.canonical is None and href:
            self.canonical = href
        if href:
            found = _link_values(href, account_link=tag in ("a", "area") or "me" in rel)
            if found:
                # Built only for a hit: a page of ten thousand ordinary links costs no link texts.
                prefix = f'{tag} href="'
                source = f'{prefix}{href}"' + (f" {_link_text(element)}" if tag == "a" else "")
                for kind, value in found:
                    self.add(kind, value, source, len(prefix), len(prefix) + len(href))
        # Cloudflare's e-mail obfuscation: a hex string XOR-ed with its first byte, decoded without a script.
        if (encoded := attrib.get("data-cfemail")) and (email := _cf_email(encoded)):
            prefix = f'{tag} data-cfemail="'
            self.add("email", email, f'{prefix}{encoded}"', len(prefix), len(prefix) + len(encoded))
        if tag == "script" and (attrib.get("type") or "").strip().lower() == "application/ld+json":
            self.same_as(element.text or "")

    def meta(self, attrib: Any) -> None:
        content = attrib.get("content") or ""
        # Open Graph uses property=, the verification tags name=; pages mix them up, so either counts.
        for attribute in ("name", "property"):
            raw_name = attrib.get(attribute) or ""
            name = raw_name.strip().lower()
            if name == "og:url" and self.og_url is None and content.strip():
                self.og_url = _url_text(content)
            elif name in _VERIFICATION_METAS and _TOKEN.fullmatch(token := content.strip()):
                prefix = f'meta {attribute}="{raw_name}" content="'
                self.add(name, token, f'{prefix}{content}"', len(prefix), len(prefix) + len(content))

    def same_as(self, text: str) -> None:
        """Social accounts a JSON-LD block names as the page's publisher's ``sameAs``."""
        for url in _json_same_as(text):
            if social := _social(_url_text(url)):
                at = text.find(url)
                if at >= 0:
                    self.add("social", social, text, at, at + len(url))
                else:  # escaped in the JSON ("https:\/\/…"): quote the URL itself
                    self.add("social", social, url, 0, len(url))

    def text(self, text: str, *, code: bool) -> None:
        self.ids(text, text, 0, code=code)
        if not code:
            for match in _EMAIL.finditer(text):
                if email := _email(match.group(0)):
                    self.add("email", email, text, match.start(), match.end())

    def ids(self, text: str, source: str, offset: int, *, code: bool) -> None:
        """Tracker ids in ``text``, which sits at ``offset`` in ``source`` (what the context quotes)."""
        hits = sorted(_id_hits(text, code=code), key=lambda hit: hit[0])  # stable: ga-ua before ga-account
        for start, end, kind, value in hits:
            self.add(kind, value, source, offset + start, offset + end)


def _id_hits(text: str, *, code: bool) -> Iterator[tuple[int, int, str, str]]:
    """(start, end, kind, value) of every tracker id in ``text``, by kind."""
    # Every pattern needs a hyphen or names fbq or the pixel URL: most attribute values and text nodes have
    # none of them, and a substring test is far cheaper than five searches.
    if "-" not in text and "fbq" not in text and "facebook.com/tr" not in text:
        return
    for match in _UA.finditer(text):
        yield match.start(), match.end(), "ga-ua", match.group(0).upper()
        yield match.start(), match.end(), "ga-account", match.group(1)
    for match in _GA4.finditer(text):
        group = next(g for g in range(1, 4) if match.group(g))
        yield match.start(group), match.end(group), "ga4", match.group(group)
    for match in _GTM.finditer(text):
        # In prose, "GTM-" is also go-to-market jargon (GTM-STRATEGY); real containers nearly always have a
        # digit, and it is in scripts and attributes that they appear.
        if code or any(ch.isdigit() for ch in match.group(1)):
            yield match.start(), match.end(), "gtm", match.group(0)
    for match in _ADSENSE.finditer(text):
        yield match.start(), match.end(), "adsense", f"pub-{match.group(1)}"
    for match in _FB_PIXEL.finditer(text):
        group = 1 if match.group(1) else 2
        yield match.start(group), match.end(group), "fb-pixel", match.group(group)


def _context(source: str, start: int, end: int) -> str:
    """Up to 120 characters of ``source`` around ``source[start:end]``, as plain single-spaced text."""
    left_raw = source[max(0, start - _RAW_WINDOW) : start]
    right_raw = source[end : end + _RAW_WINDOW]
    # Where the window cuts through a tag, drop the cut-off half rather than quote it as text.
    if start > _RAW_WINDOW:
        close, open_ = left_raw.find(">"), left_raw.find("<")
        if close >= 0 and (open_ < 0 or close < open_):
            left_raw = left_raw[close + 1 :]
    if end + _RAW_WINDOW < len(source):
        open_, close = right_raw.rfind("<"), right_raw.rfind(">")
        if open_ > close:
            right_raw = right_raw[:open_]
    hit = _plain(source[start:end])[:_CONTEXT_CHARS]
    left, right = _plain(left_raw), _plain(right_raw)
    room = _CONTEXT_CHARS - len(hit)
    n_right = min(len(right), room - min(len(left), room // 2))
    n_left = min(len(left), room - n_right)
    return " ".join((left[len(left) - n_left :] + hit + right[:n_right]).split())


def _plain(text: str) -> str:
    """``text`` without tags, angle brackets or unsafe characters, white space collapsed (not stripped)."""
    text = _UNSAFE.sub("", text)
    if "<" in text or ">" in text:
        text = _TAG.sub(" ", text).replace("<", " ").replace(">", " ")
    words = " ".join(text.split())
    if not words:
        return " " if text else ""
    # The edges keep a space if they had one: the pieces of a context are joined without adding any.
    return (" " if text[0].isspace() else "") + words + (" " if text[-1].isspace() else "")


def _link_values(href: str, *, account_link: bool) -> list[tuple[str, str]]:
    """(kind, value) of what a link points at: addresses, a phone number or, for an ``account_link`` (an
    <a> or <area>, or a rel=me link), a social account."""
    lowered = href[:30].lower()
    if lowered.startswith("mailto:"):
        addresses = unquote(href[7:]).partition("?")[0].split(",")
        return [("email", email) for address in addresses if (email := _email(address))]
    if lowered.startswith("tel:"):
        phone = _phone(unquote(href[4:]))
        return [("phone", phone)] if phone else []
    if account_link and (social := _social(href)):
        return [("social", social)]
    if "/cdn-cgi/l/email-protection#" in href and (email := _cf_email(href.rpartition("#")[2])):
        return [("email", email)]
    return []


def _link_text(element: Any) -> str:
    """The first words of a link's text, to show what the page called it.

    Reads the link's own text and that of its first few children only: walking a whole subtree per link
    would make a page of nested links quadratic.
    """
    pieces = [element.text or ""]
    for child in element[:_LINK_CHILDREN]:
        pieces += [child.text or "", child.tail or ""]
    return " ".join(_plain(" ".join(pieces)).split())[:80]


def _url_text(url: str) -> str:
    """An attribute value as a browser reads a URL: C0 controls and spaces stripped from both ends, tabs and
    newlines dropped from within. Anything else stays, so that a host or handle with a bidirectional
    override fails validation instead of passing as the text it imitates."""
    return url.strip(_URL_EDGE).replace("\t", "").replace("\n", "").replace("\r", "")


def _email(candidate: str) -> str | None:
    """``candidate`` as a lower-case address, or None if it is none, an image name or a placeholder."""
    address = candidate.strip().lower()
    if not _EMAIL_WHOLE.fullmatch(address):
        return None
    local, _, domain = address.rpartition("@")
    tld = domain.rpartition(".")[2]
    if (
        tld in _FILE_SUFFIXES
        or tld in _PLACEHOLDER_TLDS
        or domain in _PLACEHOLDER_DOMAINS
        or local in _PLACEHOLDER_LOCALS
    ):
        return None
    return address


def _cf_email(encoded: str) -> str | None:
    """The address Cloudflare's e-mail protection hid in ``encoded`` (hex; the first byte is the XOR key)."""
    if not 4 <= len(encoded) <= 512:
        return None
    try:
        data = bytes.fromhex(encoded)
    except ValueError:
        return None
    return _email(bytes(byte ^ data[0] for byte in data[1:]).decode("utf-8", errors="replace"))


def _phone(number: str) -> str | None:
    """A tel: number as E.164 (``+`` and digits) where it has a country code, else its digits."""
    number = _UNSAFE.sub("", number).split(";", 1)[0].strip()  # ";ext=…" and ";phone-context=…" go
    digits = "".join(ch for ch in number if "0" <= ch <= "9")
    if not 3 <= len(digits) <= 20:
        return None
    if not number.startswith("+"):
        # Without a country code a national number has no E.164 form; guessing the country from the
        # site's domain would be wrong for .com, .io, .tv and every site that serves another country.
        return digits
    if phonenumbers is not None:
        try:
            parsed = phonenumbers.parse(number, None)
        except phonenumbers.NumberParseException:
            parsed = None
        if parsed is not None and phonenumbers.is_possible_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return f"+{digits}"


def _domain(url: str, base_url: str | None) -> str | None:
    """The host of ``url`` (resolved against ``base_url``), lower case, without ``www.``; None if none."""
    url = _url_text(url)
    try:
        if base_url and "//" not in url:
            url = urljoin(_url_text(base_url), url)
        parts = urlsplit(url)
        if not parts.scheme and not parts.netloc:  # a bare "example-news.org/page" given as base_url
            parts = urlsplit("//" + url)
        host = parts.hostname
    except ValueError:
        return None
    # "mailto:desk@example-news.org" has no host where a page could live.
    if not host or parts.scheme not in ("http", "https", ""):
        return None
    host = host.rstrip(".").lower().removeprefix("www.")
    labels = host.split(".")
    # A page's domain has a dot; a relative path read as a host ("about/") has none.
    if len(labels) < 2 or not all(re.fullmatch(r"[\w-]{1,63}", label) for label in labels):
        return None
    return host


def _json_same_as(text: str) -> Iterator[str]:
    """The ``sameAs`` URLs anywhere in a JSON-LD block (nothing if it is not JSON)."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return
    stack: list[Any] = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            same = node.get("sameAs")
            if isinstance(same, str):
                yield same
            elif isinstance(same, list):
                yield from (url for url in same if isinstance(url, str))
            # Pushed in reverse so that blocks come out in the order the page has them.
            stack.extend(reversed([value for key, value in node.items() if key != "sameAs"]))
        elif isinstance(node, list):
            stack.extend(reversed(node))


# --- social links -----------------------------------------------------------------------------------------

_SOCIAL_HOSTS = {
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "instagram.com": "instagram",
    "twitter.com": "x",
    "x.com": "x",
    "t.me": "telegram",
    "telegram.me": "telegram",
    "telegram.dog": "telegram",
    "youtube.com": "youtube",
    "tiktok.com": "tiktok",
    "vk.com": "vk",
    "linkedin.com": "linkedin",
    "rumble.com": "rumble",
    "gab.com": "gab",
    "truthsocial.com": "truthsocial",
}
# Subdomains that are the same site for another device; others (developers.facebook.com, help.x.com) are
# the platform talking about itself.
_SAME_SITE_SUBDOMAINS = frozenset({"www", "m", "mobile", "web", "mbasic", "touch"})
_HANDLE = re.compile(r"[\w.-]{1,100}")
_X_HANDLE = re.compile(r"[a-z0-9_]{1,15}")
_INSTAGRAM_HANDLE = re.compile(r"[a-z0-9._]{1,30}")
_TELEGRAM_HANDLE = re.compile(r"[a-z0-9_]{4,32}")
_TELEGRAM_INVITE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_YOUTUBE_CHANNEL = re.compile(r"UC[A-Za-z0-9_-]{10,40}")
_VK_CONTENT = re.compile(r"(?:wall|video|photo|album|topic|audio|doc|clip|market|board|note|poll)-?\d")


def _words(text: str) -> frozenset[str]:
    """The white-space-separated words of ``text``: long word lists stay readable in a few lines."""
    return frozenset(text.split())


# First path segments that are the platform's own pages (sharing, search, login, help), not an account.
_RESERVED = {
    "facebook": _words(
        "sharer share dialog plugins hashtag search home login watch events photo photos story permalink tr"
        " help policies policy privacy legal terms about business ads gaming marketplace settings"
        " notifications messages reel reels stories video videos l media notes friends bookmarks fundraisers"
        " recover directory careers public"
    ),
    "x": _words(
        "share intent i search hashtag home explore login logout signup settings notifications messages tos"
        " privacy compose about download jobs help account oauth rules"
    ),
    "instagram": _words("p reel reels tv explore accounts direct about legal developer web"),
    "telegram": _words("share addstickers addemoji addtheme addlist proxy socks iv login c"),
    "youtube": _words(
        "watch embed shorts results playlist feed redirect live hashtag share premium about t account signin"
        " logout kids music gaming s yt attribution_link subscription_center iframe_api player_api"
    ),
    "vk": _words("search feed login im settings apps video music groups friends"),
    "gab": _words(
        "home search hash tags groups about explore news settings auth compose privacy tos timeline"
        " notifications share"
    ),
}


def _social(url: str) -> str | None:
    """``platform:handle`` for a link to an account on a social platform, else None.

    Handles are lower case; a namespace prefix tells apart what platforms keep apart (``youtube:channel/…``
    from ``youtube:c/…``, ``facebook:groups/…``, ``linkedin:company/…``). YouTube channel ids and Telegram
    invite hashes keep their case, because it is part of them.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https", "") or not host:
        return None
    host = host.rstrip(".")
    platform = _SOCIAL_HOSTS.get(host)
    if platform is None:
        sub, _, rest = host.partition(".")
        platform = _SOCIAL_HOSTS.get(rest)
        linkedin_country = platform == "linkedin" and len(sub) == 2 and sub.isalpha()
        if platform is None or not (sub in _SAME_SITE_SUBDOMAINS or linkedin_country):
            return None
    segments = [unquote(segment) for segment in parts.path.split("/") if segment]
    if not segments:  # the platform's home page (facebook.com/profile.php?id= has a segment)
        return None
    if segments[0].lower() in _RESERVED.get(platform, ()):
        return None
    handle = _HANDLE_READERS[platform](segments, parts.query)
    return f"{platform}:{handle}" if handle else None


def _valid(handle: str, pattern: re.Pattern[str] = _HANDLE) -> str | None:
    """``handle`` if it matches ``pattern`` and has a letter or digit, else None."""
    if len(handle) <= 100 and pattern.fullmatch(handle) and any(ch.isalnum() for ch in handle):
        return handle
    return None


def _facebook(segments: list[str], query: str) -> str | None:
    first = segments[0].lower()
    if first == "profile.php":
        ids = parse_qs(query).get("id") or [""]
        return ids[0] if ids[0].isascii() and ids[0].isdigit() else None
    if first in ("pages", "people") and len(segments) >= 3:  # /pages/Some-Name/123456789
        return segments[2] if segments[2].isascii() and segments[2].isdigit() else None
    if first == "pg" and len(segments) >= 2:
        return _valid(segments[1].lower())
    if first == "groups" and len(segments) >= 2:
        group = _valid(segments[1].lower())
        return f"groups/{group}" if group else None
    if first.endswith(".php") or first in ("pages", "people", "groups", "pg"):
        return None
    return _valid(first)


def _x(segments: list[str], query: str) -> str | None:
    return _valid(segments[0].lower().removeprefix("@"), _X_HANDLE)


def _instagram(segments: list[str], query: str) -> str | None:
    first = segments[0].lower()
    if first == "stories":
        return _valid(segments[1].lower(), _INSTAGRAM_HANDLE) if len(segments) >= 2 else None
    return _valid(first, _INSTAGRAM_HANDLE)


def _telegram(segments: list[str], query: str) -> str | None:
    first = segments[0]
    if first.lower() == "joinchat" and len(segments) >= 2:
        invite = _valid(segments[1], _TELEGRAM_INVITE)
        return f"+{invite}" if invite else None
    if first.startswith("+"):
        invite = _valid(first[1:], _TELEGRAM_INVITE)
        return f"+{invite}" if invite else None
    if first.lower() == "s" and len(segments) >= 2:  # t.me/s/name: the channel's public web preview
        first = segments[1]
    return _valid(first.lower(), _TELEGRAM_HANDLE)


def _youtube(segments: list[str], query: str) -> str | None:
    first = segments[0]
    if first.startswith("@"):
        return _valid(first[1:].lower())
    if first.lower() == "channel" and len(segments) >= 2:
        channel = _valid(segments[1], _YOUTUBE_CHANNEL)
        return f"channel/{channel}" if channel else None
    if first.lower() in ("c", "user") and len(segments) >= 2:
        name = _valid(segments[1].lower())
        return f"{first.lower()}/{name}" if name else None
    # youtube.com/name is the old custom URL, the same as youtube.com/c/name.
    name = _valid(first.lower())
    return f"c/{name}" if name and first.lower() not in ("c", "user", "channel") else None


def _tiktok(segments: list[str], query: str) -> str | None:
    first = segments[0].lower()
    return _valid(first[1:]) if first.startswith("@") else None


def _vk(segments: list[str], query: str) -> str | None:
    first = segments[0].lower()
    if first.endswith(".php") or _VK_CONTENT.match(first):
        return None
    return _valid(first)


def _linkedin(segments: list[str], query: str) -> str | None:
    first = segments[0].lower()
    if first in ("in", "company", "school", "showcase") and len(segments) >= 2:
        name = _valid(segments[1].lower())
        return f"{first}/{name}" if name else None
    return None


def _rumble(segments: list[str], query: str) -> str | None:
    first = segments[0].lower()
    if first in ("c", "user") and len(segments) >= 2:
        name = _valid(segments[1].lower())
        return f"{first}/{name}" if name else None
    return None  # /v…-title.html is a video, /embed/… a player


def _gab(segments: list[str], query: str) -> str | None:
    return _valid(segments[0].lower().removeprefix("@"))


def _truthsocial(segments: list[str], query: str) -> str | None:
    first = segments[0].lower()
    if first.startswith("@"):
        return _valid(first[1:])
    if first == "users" and len(segments) >= 2:
        return _valid(segments[1].lower())
    return None


_HANDLE_READERS: dict[str, Callable[[list[str], str], str | None]] = {
    "facebook": _facebook,
    "x": _x,
    "instagram": _instagram,
    "telegram": _telegram,
    "youtube": _youtube,
    "tiktok": _tiktok,
    "vk": _vk,
    "linkedin": _linkedin,
    "rumble": _rumble,
    "gab": _gab,
    "truthsocial": _truthsocial,
}
