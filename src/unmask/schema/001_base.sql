-- The case: every stored row keeps its provenance (source_id, record_no).
CREATE SEQUENCE source_ids START 1;

CREATE TABLE sources (
    source_id          INTEGER PRIMARY KEY DEFAULT nextval('source_ids'),
    path               VARCHAR NOT NULL,   -- as the user gave it
    sha256             VARCHAR NOT NULL UNIQUE,
    format             VARCHAR NOT NULL,
    options            JSON,
    rows_loaded        BIGINT NOT NULL DEFAULT 0,
    rows_quarantined   BIGINT NOT NULL DEFAULT 0,
    notes              VARCHAR[],          -- what the import had to assume (time zone, recovered ids, ...)
    imported_at        TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

CREATE TABLE quarantine (
    source_id   INTEGER NOT NULL,
    record_no   BIGINT NOT NULL,           -- 1-based record number in the file
    line_no     BIGINT,                    -- line where the record starts (text files)
    field       VARCHAR,                   -- the field at fault, where one is
    reason      VARCHAR NOT NULL,
    raw         VARCHAR                    -- the record as read
);

CREATE TABLE accounts (
    platform      VARCHAR NOT NULL,
    account_id    VARCHAR NOT NULL,
    handle        VARCHAR,
    display_name  VARCHAR,
    profile       JSON,                    -- other profile fields, as the export gives them
    source_id     INTEGER NOT NULL,        -- where the account was first seen
    record_no     BIGINT NOT NULL
);

CREATE TABLE posts (
    platform          VARCHAR NOT NULL,
    post_id           VARCHAR NOT NULL,
    account_id        VARCHAR NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL, -- UTC
    text              VARCHAR,
    shared_post_id    VARCHAR,              -- the post this one shares (retweet, forward)
    reply_to_post_id  VARCHAR,
    quoted_post_id    VARCHAR,
    urls              VARCHAR[],            -- canonical URLs
    urls_original     VARCHAR[],            -- as written, same order
    hashtags          VARCHAR[],            -- lower case, without '#'
    mentions          VARCHAR[],            -- lower case, without '@'
    lang              VARCHAR,
    extra             JSON,                 -- other fields of the export worth keeping
    source_id         INTEGER NOT NULL,
    record_no         BIGINT NOT NULL
);

CREATE TABLE findings (
    finding_id      VARCHAR PRIMARY KEY,
    kind            VARCHAR NOT NULL,
    claim           VARCHAR NOT NULL,
    confidence      DOUBLE NOT NULL,
    calibrated      BOOLEAN NOT NULL,
    subjects        VARCHAR[] NOT NULL,
    method          VARCHAR NOT NULL,
    method_version  VARCHAR NOT NULL,
    parameters      JSON,
    limitations     VARCHAR,
    disarm          VARCHAR[],
    created_at      TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

CREATE TABLE evidence (
    finding_id  VARCHAR NOT NULL,
    seq         INTEGER NOT NULL,
    source_id   INTEGER,                   -- NULL for derived evidence (a computed statistic)
    record_no   BIGINT,
    table_name  VARCHAR,
    "values"    JSON,                      -- the values that matter for the claim
    note        VARCHAR
);
