-- Schema version 4: where a source file is, and sources removed from the case.
--
-- sources.path is the path as the user typed it, relative to the folder the import ran in; abs_path is the
-- same file as an absolute path (NULL for sources imported before version 4), so that a later command run
-- from elsewhere still finds it.
ALTER TABLE sources ADD COLUMN abs_path VARCHAR;

-- One row a removal (`unmask sources remove`): what the source was and what went with it. The rows
-- themselves are gone; this keeps the case's history honest about what it once held.
CREATE SEQUENCE source_removal_ids START 1;

CREATE TABLE source_removals (
    removal_id        INTEGER PRIMARY KEY DEFAULT nextval('source_removal_ids'),
    source_id         INTEGER NOT NULL,    -- never reused: new sources take new ids
    path              VARCHAR NOT NULL,
    abs_path          VARCHAR,
    sha256            VARCHAR NOT NULL,
    format            VARCHAR NOT NULL,
    options           JSON,
    imported_at       TIMESTAMPTZ,
    rows_removed      JSON NOT NULL,       -- {table: rows} for every table that keeps source_id
    findings_removed  BIGINT NOT NULL,     -- findings whose evidence rested on the source
    removed_by        VARCHAR NOT NULL,
    removed_at        TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);
