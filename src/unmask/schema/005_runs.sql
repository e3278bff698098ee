-- Schema version 5: one table of engine runs, findings that name their run, and coordination's edges.
--
-- A run of an engine replaces that engine's findings over its scope (for coordination and attribution: the
-- whole case) in one transaction, so the case never holds findings of two runs that disagree.
CREATE SEQUENCE run_ids START 1;

CREATE TABLE runs (
    run_id          INTEGER PRIMARY KEY DEFAULT nextval('run_ids'),
    engine          VARCHAR NOT NULL,      -- coordination | attribution
    parameters      JSON,                  -- as the engine was given them
    input_digest    VARCHAR,               -- a digest of what the run read (attribution: sources, decisions)
    unmask_version  VARCHAR,
    seed            BIGINT,
    window_s        DOUBLE,                -- coordination: the window used, in seconds
    counts          JSON,                  -- what the run produced ({"networks": 1, "edges": 66, ...})
    started_at      TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    seconds         DOUBLE,
    scope           VARCHAR NOT NULL DEFAULT 'case'  -- what its findings replace: 'case' is all of them
);

-- Attribution's runs of schema 3 move here. The old table stays, empty: a case of version 3 or later is
-- checked for every table its migrations created.
INSERT INTO runs (engine, input_digest, counts, started_at, scope)
SELECT 'attribution', data_state, json_object('entities', entities, 'links', links, 'findings', findings),
       run_at, 'case'
FROM attribution_runs ORDER BY run_at;
DELETE FROM attribution_runs;

-- The run that wrote a finding (NULL for findings written before version 5, and by engines without runs).
ALTER TABLE findings ADD COLUMN run_id INTEGER;

-- A coordination run's edges: significant ones, or with no test made (tested = false), every edge kept. One
-- row a pair of accounts and co-action kind; account_a < account_b.
CREATE TABLE coordination_edges (
    run_id        INTEGER NOT NULL,
    account_a     VARCHAR NOT NULL,
    account_b     VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,
    weight        BIGINT NOT NULL,         -- distinct objects both acted on within the window
    coactions     BIGINT,
    episodes      BIGINT,
    expected      DOUBLE,                  -- the null model's expectation; NULL when untested
    p_value       DOUBLE,                  -- NULL when untested
    q_value       DOUBLE,                  -- NULL when untested
    tested        BOOLEAN NOT NULL,
    first_time    TIMESTAMPTZ,
    last_time     TIMESTAMPTZ,
    median_gap_s  DOUBLE,
    window_s      DOUBLE,                  -- the window (of those tested) at which the edge did best
    network_id    INTEGER NOT NULL         -- -1: the edge joins two networks, or none
);

-- The co-actions behind an edge: both posts, each with its provenance. Column names end in _a and _b
-- rather than source_id, so that removing a source does not take half an edge's evidence.
CREATE TABLE coordination_evidence (
    run_id        INTEGER NOT NULL,
    account_a     VARCHAR NOT NULL,
    account_b     VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,
    seq           INTEGER NOT NULL,
    object        VARCHAR,
    gap_s         DOUBLE,
    post_id_a     VARCHAR,
    source_id_a   INTEGER,
    record_no_a   BIGINT,
    post_id_b     VARCHAR,
    source_id_b   INTEGER,
    record_no_b   BIGINT
);

-- Network membership of a coordination run: each flagged account, its network and its score.
CREATE TABLE coordination_members (
    run_id        INTEGER NOT NULL,
    network_id    INTEGER NOT NULL,
    account_id    VARCHAR NOT NULL,
    score         DOUBLE                   -- NULL when untested
);
