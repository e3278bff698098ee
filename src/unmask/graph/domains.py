"""Registrable domains: ``blog.example.co.uk`` and ``www.example.co.uk`` are ``example.co.uk``.

The public-suffix list is the one the ``tld`` package ships (installed with trafilatura; it never fetches
a list unless asked). A host under a suffix the list does not know (``.example``, ``.test``, an intranet
name) counts by its last two labels.

Example::

    >>> registrable("news.bbc.co.uk"), registrable("www.aldervalleyvoice.example")
    ('bbc.co.uk', 'aldervalleyvoice.example')
    >>> host("https://WWW.Example.org:8080/a?b")
    'www.example.org'
"""

from __future__ import annotations

import re
from functools import lru_cache

from tld import get_fld

_HOST = re.compile(r"^[a-z][a-z0-9+.-]*://(?:[^@/?#]*@)?([^/:?#]+)", re.IGNORECASE)


def host(url: str) -> str | None:
    """The host of an absolute URL, lower case; None for anything else."""
    found = _HOST.match(url.strip())
    return found.group(1).lower().rstrip(".") if found else None


@lru_cache(maxsize=1 << 16)
def registrable(name: str) -> str | None:
    """The registrable domain of a host name (lower case, ``www.`` and subdomains dropped)."""
    name = name.lower().strip().rstrip(".")
    if not name or "." not in name or not re.fullmatch(r"[a-z0-9.-]+", name):
        return None
    return get_fld(name, fix_protocol=True, fail_silently=True) or ".".join(name.split(".")[-2:])
