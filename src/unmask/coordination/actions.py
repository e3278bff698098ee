"""What counts as acting on the same object: each co-action kind is a projection of posts to actions.

An action is ``(account, object, oid, t_ms, source_id, record_no)``: an account acted on an object (``oid``
is its 64-bit hash, what joins use) at a time, through the post ``(source_id, record_no)``. Two accounts
co-act when they act on the same object within
the window (see :mod:`unmask.coordination.pairs`).

Content kinds (``link``, ``text``, ``near_text``, ``hashtag``, ``hashtag_set``, ``mention``, ``reply``)
read only a post's own content: a share (retweet, forward) carries the content of the post it shares, and
counting it again would make every co-share a co-link and a co-hashtag too. Shares are the ``share`` kind.

Text is normalised as the coordination-network-toolkit does (Graham et al.), so that results compare:
lower case, ``@mentions`` removed, white space collapsed.
"""

from __future__ import annotations

from dataclasses import dataclass

from unmask.coordination.sql import DUCKDB, Dialect
from unmask.errors import OptionError


@dataclass(frozen=True)
class Kind:
    name: str
    description: str
    object: str  # the object's SQL expression, over ``source``
    where: str
    source: str = "{posts}"

    def sql(self, posts: str, dialect: Dialect = DUCKDB) -> str:
        """SELECT account, object, oid, t_ms, source_id, record_no FROM ``posts`` ...: ``oid`` is the
        object's 64-bit hash, computed identically on every engine (:meth:`Dialect.hash64`)."""
        names = {"posts": posts, "link_key": dialect.link_key("u"), "list_len": dialect.list_len("hashtags")}
        obj, where, source = (part.format(**names) for part in (self.object, self.where, self.source))
        return (
            f"SELECT account, {obj} AS object, {dialect.hash64(obj)} AS oid, t_ms, source_id, record_no "
            f"FROM {source} WHERE {where}"
        )


# {posts} is the posts relation the run reads (a view with an ``account`` column, see engine.py).
_OWN = "shared_post_id IS NULL"


def _kind(name: str, description: str, obj: str, where: str, source: str = "{posts}") -> Kind:
    return Kind(name, description, obj, where, source)


# A normalised text as the coordination-network-toolkit compares them. The regular expressions run only on
# texts they can change (a mention, or white space other than single spaces): three times faster. White space
# is RE2's \\s spelled out: Java's (Spark's) also matches a vertical tab, and both engines must agree.
_NEEDS_REGEX = " OR ".join(
    ["contains(text, '@')", "contains(text, '  ')", *(f"contains(text, chr({c}))" for c in (9, 10, 12, 13))]
)
NORMALISED_TEXT = (
    f"trim(CASE WHEN {_NEEDS_REGEX} "
    "THEN regexp_replace(regexp_replace(lower(text), '@[^\\t\\n\\f\\r ]*', '', 'g'), "
    "'[\\t\\n\\f\\r ]+', ' ', 'g') "
    "ELSE lower(text) END)"
)

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        _kind(
            "share",
            "shared (retweeted, forwarded) the same post",
            "shared_post_id",
            "shared_post_id IS NOT NULL",
        ),
        _kind(
            "link",
            "posted the same link (host and path; scheme, trailing slash and share markers aside)",
            "{link_key}",
            f"{_OWN} AND u IS NOT NULL AND u <> ''",
            "(SELECT *, unnest(urls) AS u FROM {posts})",
        ),
        _kind(
            "text",
            "posted the same text (lower case, mentions removed)",
            "norm_text",
            f"{_OWN} AND norm_text <> ''",
            f"(SELECT *, {NORMALISED_TEXT} AS norm_text FROM {{posts}})",
        ),
        _kind(
            "hashtag",
            "used the same hashtag",
            "h",
            f"{_OWN} AND h IS NOT NULL",
            "(SELECT *, unnest(hashtags) AS h FROM {posts})",
        ),
        _kind(
            "hashtag_set",
            "used the same ordered set of two or more hashtags",
            "array_to_string(hashtags, ' ')",
            f"{_OWN} AND {{list_len}} >= 2",
        ),
        _kind(
            "reply",
            "replied to the same post",
            "reply_to_post_id",
            f"{_OWN} AND reply_to_post_id IS NOT NULL",
        ),
        _kind(
            "mention",
            "mentioned the same account",
            "m",
            f"{_OWN} AND m IS NOT NULL",
            "(SELECT *, unnest(mentions) AS m FROM {posts})",
        ),
    )
}
# near_text is computed by MinHash/LSH (nearduplicates.py), not by one projection.
NEAR_TEXT = "near_text"
ALL_KINDS = (*KINDS, NEAR_TEXT)
DEFAULT_KINDS = ALL_KINDS
_COLUMN_PREFIX = "column:"


def kind_sql(name: str, posts_columns: dict[str, str], posts: str, dialect: Dialect = DUCKDB) -> str:
    """The actions of one kind over the relation ``posts``; ``column:NAME`` makes any posts column (or list
    column) an object.

    ``posts_columns`` maps the posts columns to their SQL types (DuckDB's names: a list type ends in []).
    """
    if name in KINDS:
        return KINDS[name].sql(posts, dialect)
    if name.startswith(_COLUMN_PREFIX):
        column = name[len(_COLUMN_PREFIX) :]
        if column not in posts_columns:
            raise OptionError(
                f"--kinds {name}: posts have no column {column!r}; "
                f"columns are {', '.join(sorted(posts_columns))}"
            )
        value = f'unnest("{column}")' if posts_columns[column].endswith("[]") else f'"{column}"'
        source = f"(SELECT *, CAST({value} AS VARCHAR) AS o FROM {{posts}})"
        return _kind(
            name, f"the same value of {column}", "o", f"{_OWN} AND o IS NOT NULL AND o <> ''", source
        ).sql(posts, dialect)
    raise OptionError(f"unknown kind {name!r}; known: {', '.join(ALL_KINDS)}, or column:NAME")


def parse_kinds(spec: str | None) -> tuple[str, ...]:
    """``"share,link"`` → ``("share", "link")``; None or "all" → every kind."""
    if not spec or spec.strip() == "all":
        return DEFAULT_KINDS
    kinds = tuple(dict.fromkeys(k.strip() for k in spec.split(",") if k.strip()))
    for k in kinds:
        if k not in ALL_KINDS and not k.startswith(_COLUMN_PREFIX):
            raise OptionError(f"unknown kind {k!r}; known: {', '.join(ALL_KINDS)}, or column:NAME")
    return kinds
