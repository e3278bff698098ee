"""Saved web pages: the infrastructure identifiers a site carries (:mod:`unmask.ingest.trackers`).

A file is one page; a folder is every ``.html``/``.htm`` file in it (one record a file, in name order).
Each page becomes a website, an FtM ``Asset`` named by its domain (FtM has no website schema; see
docs/attribution.md), and its tracking ids, verification tokens, social accounts, e-mails and phones become
``infrastructure`` rows on it. The domain is the page's canonical link or ``og:url``, else the file's name
where that is a domain ("example-news.org.html"); a page that gives neither is quarantined.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

from unmask.errors import FormatError
from unmask.ingest.base import file_sha256, files_in, folder_sha256
from unmask.ingest.record_stage import RecordReader, site_entity
from unmask.ingest.stage import Stage
from unmask.ingest.trackers import extract

SUFFIXES = (".html", ".htm", ".xhtml")
# Byte-order marks (UTF-8, UTF-16), the NULs of UTF-16 and white space before a page's first tag.
_LEADING = b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n\x0c"
MAX_PAGE_BYTES = 20_000_000
_DOMAIN_NAME = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
# Top-level domains a file name may end in: country codes (from babel's territory list), the common generic
# ones, and those RFC 2606 reserves; "index.en.html" is then no domain.
_GENERIC_TLDS = frozenset(
    [
        "com",
        "org",
        "net",
        "info",
        "biz",
        "edu",
        "gov",
        "mil",
        "int",
        "name",
        "pro",
        "mobi",
        "asia",
        "tel",
        "travel",
        "xyz",
        "online",
        "site",
        "news",
        "media",
        "press",
        "blog",
        "app",
        "dev",
        "io",
        "ai",
        "co",
        "tv",
        "me",
        "cc",
        "ws",
        "top",
        "club",
        "live",
        "store",
        "tech",
        "space",
        "website",
        "world",
        "today",
        "news",
        "network",
        "agency",
        "digital",
        "eu",
        "uk",
        "su",
        "ac",
        "example",
        "test",
        "invalid",
        "localhost",
    ]
)


@lru_cache(maxsize=1)
def _country_tlds() -> frozenset[str]:
    from babel import Locale

    return frozenset(code.lower() for code in Locale("en").territories if len(code) == 2 and code.isalpha())


def domain_from_file_name(path: Path) -> str | None:
    stem = path.name
    for suffix in SUFFIXES:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    stem = stem.lower().removeprefix("www.")
    found = _DOMAIN_NAME.match(stem)
    if not found:
        return None
    tld = found.group(1)
    return stem if tld.startswith("xn--") or tld in _GENERIC_TLDS or tld in _country_tlds() else None


def is_markup(data: bytes) -> bool:
    """Whether a file is HTML: a saved page starts with a tag, a doctype or a comment, after any byte-order
    mark and white space (JSON starts with a brace, WHOIS text with a word)."""
    return data[:4096].lstrip(_LEADING).startswith(b"<")


def page_files(path: Path) -> dict[str, Path]:
    """A file by its name, or a folder's saved pages by their path in it."""
    return files_in(path, lambda p: p.suffix.lower() in SUFFIXES)


class HtmlPagesReader(RecordReader):
    """``html``: saved web pages (a file, or a folder of them)."""

    name = "html"
    summary = "saved web pages: tracking ids, verification tokens, social links, contacts"
    reads_folders = True

    @classmethod
    def fingerprint(cls, path: Path) -> str:
        """The bytes and the file name: the name may give the domain, so one page saved for two domains
        is two records."""
        if not path.is_dir():
            return hashlib.sha256(f"{path.name}\0{file_sha256(path)}".encode()).hexdigest()
        return folder_sha256(page_files(path))

    def stage(self, path: Path, stage: Stage) -> None:
        files = page_files(path)
        if path.is_dir() and not files:
            raise FormatError(path, f"a folder with no saved pages ({', '.join(SUFFIXES)})")
        shaped = 0  # pages that are HTML, or that cannot tell (empty, too large)
        for record_no, (name, file) in enumerate(files.items(), start=1):
            row = self.new_row(record_no, 1, name)
            try:
                size = file.stat().st_size
                if size > MAX_PAGE_BYTES:
                    shaped += 1  # too large to tell
                    row["error"], row["error_field"] = f"page too large: {size:,} bytes", "html"
                    stage.append(row)
                    continue
                data = file.read_bytes()
            except OSError as exc:
                raise FormatError(file, f"cannot read the file: {exc.strerror or exc}") from None
            stage.on_bytes(len(data))
            shaped += is_markup(data) or not data.strip()
            fallback = domain_from_file_name(file)
            try:
                domain, observations = extract(
                    data, base_url=f"https://{fallback}/" if fallback else None, max_bytes=MAX_PAGE_BYTES
                )
            except ValueError as exc:
                row["error"], row["error_field"] = f"unreadable page: {exc}", "html"
                stage.append(row)
                continue
            domain = domain or fallback
            if not domain:
                row["error"] = (
                    "no domain: the page has no canonical link or og:url, and the file name "
                    f"{name!r} is not one"
                )
                row["error_field"] = "domain"
                stage.append(row)
                continue
            site = site_entity(domain)
            self.put(
                row,
                [site],
                [(site.id, o.kind, o.value, self.as_of, o.context) for o in observations],
            )
            stage.append(row)
        self.refuse_shapeless(path, len(files), shaped, "an HTML document (text that starts with a tag)")
