-- Schema version 3: public records as FollowTheMoney statements, the identifiers FtM has no schema for,
-- and what attribution derives from them (resolution decisions, links).
--
-- A statement is one value of one property of one entity, from one record of one source file: the
-- FollowTheMoney statement model, so that every value keeps its provenance. The same entity id seen in two
-- records (a page in fourteen country reports) has statements from both.
CREATE TABLE statements (
    entity_id   VARCHAR NOT NULL,
    schema      VARCHAR NOT NULL,          -- the FtM schema the record gave the entity
    prop        VARCHAR NOT NULL,          -- FtM property name
    value       VARCHAR NOT NULL,          -- cleaned by FtM's property type (dates ISO, countries ISO codes)
    source_id   INTEGER NOT NULL,
    record_no   BIGINT NOT NULL
);

-- Infrastructure seen on a website or in a registration: tracking ids, verification tokens, name servers,
-- registrant e-mails and phones, IPs, outbound social links. FtM has no schema for them (see
-- docs/attribution.md); they point at the FtM entity they were seen on.
CREATE TABLE infrastructure (
    entity_id   VARCHAR NOT NULL,          -- the website (an FtM Asset) or registrant the value belongs to
    kind        VARCHAR NOT NULL,          -- ga-ua, ga-account, ga4, gtm, adsense, fb-pixel, nameserver, ...
    value       VARCHAR NOT NULL,          -- normalised
    as_of       DATE,                      -- the date the record describes, where known
    context     VARCHAR,                   -- a little of the page or record around it
    source_id   INTEGER NOT NULL,
    record_no   BIGINT NOT NULL
);

-- Entity resolution: one row a compared pair. attribution run rewrites 'auto' and 'candidate' rows;
-- 'accepted' and 'rejected' are a reviewer's decisions and are kept.
CREATE TABLE resolutions (
    left_id     VARCHAR NOT NULL,          -- left_id < right_id
    right_id    VARCHAR NOT NULL,
    schema      VARCHAR NOT NULL,          -- the schema the two share
    score       DOUBLE NOT NULL,
    rule        VARCHAR NOT NULL,          -- what made the score, in words
    decision    VARCHAR NOT NULL,          -- auto | candidate | accepted | rejected
    decided_by  VARCHAR,
    decided_at  TIMESTAMPTZ,
    PRIMARY KEY (left_id, right_id)
);

-- One row an entity, written by attribution run: its schema (the most specific its records give), the
-- name shown for it, and the entity it was merged into (itself when not merged).
CREATE TABLE entities (
    entity_id     VARCHAR PRIMARY KEY,
    schema        VARCHAR NOT NULL,
    name          VARCHAR,
    canonical_id  VARCHAR NOT NULL,
    payer_class   VARCHAR                  -- for ad payers: placeholder | platform-wide | agency | specific
);

-- Evidence links between entities, each from one record (or one resolution), for explain and exports.
CREATE TABLE links (
    from_id     VARCHAR NOT NULL,
    to_id       VARCHAR NOT NULL,
    relation    VARCHAR NOT NULL,          -- in words, read from -> to ("paid for the ads of")
    kind        VARCHAR NOT NULL,          -- record | same-as | shared-value
    weight      DOUBLE NOT NULL DEFAULT 1, -- path cost: generic payers and candidate merges cost more
    source_id   INTEGER,                   -- NULL for a resolution
    record_no   BIGINT,
    detail      JSON
);

-- What attribution run last saw, so that later commands know whether to run it again.
CREATE TABLE attribution_runs (
    run_at      TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    data_state  VARCHAR NOT NULL,          -- a digest of the sources and review decisions it read
    entities    BIGINT,
    links       BIGINT,
    findings    BIGINT
);
