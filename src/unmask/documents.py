"""Reading documents from a case: a byline's articles, or an account's posts as its documents.

Persona forensics reads both through the same shape (``DOCUMENT_COLUMNS``), so that an account's posts can
be analysed as its documents: ``doc_id`` is the post id, ``byline`` the account id, ``outlet`` the platform.

Example::

    >>> from unmask.case import Case
    >>> with Case.open("case.duckdb") as case:                     # doctest: +SKIP
    ...     table = documents(case, byline="Jane Roe")
    ...     table.num_rows, table.column_names[:3]
    (12, ['doc_id', 'byline', 'title'])
"""

from __future__ import annotations

import pyarrow as pa

from unmask.case import Case
from unmask.errors import CaseError, OptionError

# The columns of a document, whether an article or a post, in this order.
DOCUMENT_COLUMNS = (
    "doc_id",
    "byline",
    "title",
    "outlet",
    "url",
    "published_at",
    "language",
    "text",
    "source_id",
    "record_no",
)


def documents(case: Case, byline: str | None = None) -> pa.Table:
    """The case's documents (those of ``byline`` only, if given) as ``DOCUMENT_COLUMNS``.

    Ordered by byline, publication time (undated last) and record. ``byline`` is matched as stored: trimmed,
    with white space collapsed.
    """
    require_documents(case)
    return case.con.sql(
        f"""
        SELECT {", ".join(DOCUMENT_COLUMNS)} FROM documents
        WHERE $byline IS NULL OR byline = unmask_collapse_space($byline)
        ORDER BY byline, published_at NULLS LAST, source_id, record_no
        """,
        params={"byline": byline},
    ).to_arrow_table()


def account_documents(
    case: Case, account_id: str, *, platform: str | None = None, include_shares: bool = False
) -> pa.Table:
    """The posts of one account as documents (``DOCUMENT_COLUMNS``), oldest first.

    ``byline`` is the account id, ``outlet`` the platform, ``url`` the post's first URL and ``title`` NULL.
    Posts without text are left out, and so are shares (retweets, forwards: ``shared_post_id`` set), whose
    text someone else wrote, unless ``include_shares``. Replies and quotes are the account's own writing and
    are kept. An account id found on several platforms needs ``platform``.
    """
    platforms = [
        r[0]
        for r in case.con.execute(
            "SELECT DISTINCT platform FROM accounts WHERE account_id = ? AND (? IS NULL OR platform = ?)"
            " ORDER BY platform",
            [account_id, platform, platform],
        ).fetchall()
    ]
    if len(platforms) > 1:
        raise OptionError(
            f"account {account_id!r} is on several platforms ({', '.join(platforms)}): name one"
        )
    return case.con.sql(
        """
        SELECT post_id AS doc_id, account_id AS byline, NULL::VARCHAR AS title, platform AS outlet,
               urls_original[1] AS url, created_at AS published_at, lang AS language, text,
               source_id, record_no
        FROM posts
        WHERE account_id = $account AND ($platform IS NULL OR platform = $platform)
          AND coalesce(trim(text), '') <> ''
          AND ($shares OR shared_post_id IS NULL)
        ORDER BY published_at, source_id, record_no
        """,
        params={"account": account_id, "platform": platform, "shares": include_shares},
    ).to_arrow_table()


def require_documents(case: Case) -> None:
    if case.schema_version() < 2:
        raise CaseError(
            f"{case.path}: made by an older unmask, without documents; open it once for writing "
            "(unmask import) to bring it up to date"
        )
