"""unmask: find out who is really behind online influence campaigns.

The Python API mirrors the command line::

    >>> from unmask.case import Case
    >>> from unmask.ingest import import_file
    >>> with Case.open("demo.duckdb") as case:             # doctest: +SKIP
    ...     result = import_file(case, "twitter-io", "tweets.csv")
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("unmask")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
