-- Normalisation macros, created on every connection (TEMP: they are code, not case data).

-- A URL as one object: scheme and host in lower case, no "www.", no default port, no fragment, no
-- tracking parameters (utm_*, fbclid, gclid, ...), an empty path written "/". A bare "www." address is
-- read as http. Anything else that is not scheme://host... is kept as given (trimmed).
-- One regular expression splits the URL into a struct that the next macro reads once per part: nested
-- macros re-evaluate their arguments, and this keeps a million URLs near two seconds.
CREATE OR REPLACE TEMP MACRO unmask_url_host(scheme, host) AS
    CASE
        WHEN scheme = 'http://' THEN regexp_replace(host, ':80$', '')
        WHEN scheme = 'https://' THEN regexp_replace(host, ':443$', '')
        ELSE host
    END;

CREATE OR REPLACE TEMP MACRO unmask_url_from_parts(x) AS
    CASE WHEN x.s = '' AND NOT starts_with(lower(x.h), 'www.') THEN NULL ELSE
        coalesce(nullif(lower(x.s), ''), 'http://')
        || unmask_url_host(coalesce(nullif(lower(x.s), ''), 'http://'),
                           regexp_replace(lower(x.h), '^([^@]*@)?www\.(.)', '\1\2'))
        || CASE WHEN x.p = '' THEN '/' ELSE x.p END
        || coalesce('?' || nullif(ltrim(regexp_replace('&' || x.q,
            '(?i)&(utm_[^=&]*|fbclid|gclid|gclsrc|dclid|msclkid|mc_cid|mc_eid|igshid|yclid|_ga|_gl|ref_src|ref_url|s_cid|mkt_tok|twclid|ttclid)(=[^&]*)?',
            '', 'g'), '&'), ''), '')
    END;

CREATE OR REPLACE TEMP MACRO unmask_canonical_url(u) AS
    CASE
        -- Most URLs in the wild are already canonical (short links, plain paths): one match proves it,
        -- and inside list lambdas the full path costs ten times more.
        WHEN regexp_full_match(u, '(?:https?|ftp)://[a-z0-9.-]+/[^?#\s]*') AND NOT contains(u, '://www.')
            THEN u
        ELSE coalesce(
        unmask_url_from_parts(regexp_extract(trim(u),
            '^([A-Za-z][A-Za-z0-9+.-]*://)?([^/?#]*)([^?#]*)(?:\?([^#]*))?', ['s', 'h', 'p', 'q'])),
        nullif(trim(u), ''))
    END;

-- Hashtags, mentions and URLs written in free text, for formats without entity fields.
CREATE OR REPLACE TEMP MACRO unmask_text_hashtags(t) AS
    list_transform(regexp_extract_all(coalesce(t, ''), '(?:^|[^\p{L}\p{N}_&/])[#＃]([\p{L}\p{M}\p{N}_]*[\p{L}\p{M}][\p{L}\p{M}\p{N}_]*)', 1),
                   lambda h: lower(h));
CREATE OR REPLACE TEMP MACRO unmask_text_mentions(t) AS
    list_transform(regexp_extract_all(coalesce(t, ''), '(?:^|[^\p{L}\p{N}_@])@([A-Za-z0-9_]{1,30})', 1),
                   lambda m: lower(m));
CREATE OR REPLACE TEMP MACRO unmask_text_urls(t) AS
    list_transform(regexp_extract_all(coalesce(t, ''), '(?i)\b((?:https?://|www\.)[^\s<>"''\x{201C}\x{201D}]+)', 1),
                   lambda x: regexp_replace(x, '[.,;:!?)\]}''"\x{2026}]+$', ''));

-- Distinct elements in first-seen order (list_distinct does not keep order, and hashtag order matters).
CREATE OR REPLACE TEMP MACRO unmask_distinct_ordered(l) AS
    list_filter(l, lambda x, i: list_position(l, x) = i);

-- The object a share points at when the export gives no id of the shared post (the FiveThirtyEight IRA
-- data): its text, lower-cased with white space collapsed, as 'text:' || md5.
CREATE OR REPLACE TEMP MACRO unmask_text_object(t) AS
    'text:' || md5(lower(trim(regexp_replace(t, '\s+', ' ', 'g'))));

-- Runs of white space (no-break spaces too) as one space, trimmed: how bylines are stored and matched.
CREATE OR REPLACE TEMP MACRO unmask_collapse_space(t) AS
    trim(regexp_replace(t, '[\s\p{Z}]+', ' ', 'g'));

-- What makes two documents' texts the same: NFC, lower case, white space collapsed, as sha256.
CREATE OR REPLACE TEMP MACRO unmask_text_sha256(t) AS
    sha256(lower(unmask_collapse_space(nfc_normalize(t))));

-- What makes two links the same for coordination: host and path, whatever the scheme, a trailing slash
-- or share markers a client appends (ref, s, si, share, source), after canonicalisation.
CREATE OR REPLACE TEMP MACRO unmask_link_key(u) AS
    rtrim(regexp_extract(regexp_replace(u, '^[A-Za-z][A-Za-z0-9+.-]*://', ''), '^[^?]*'), '/')
    || coalesce('?' || nullif(array_to_string(list_filter(
           string_split(regexp_extract(u, '\?(.*)$', 1), '&'),
           lambda p: p <> '' AND NOT regexp_matches(lower(p), '^(ref|s|si|share|source|ref_src|ref_url)(=|$)')),
       '&'), ''), '');
