-- Schema version 2: documents, what persona forensics reads (articles, columns, essays under a byline).
-- Like posts, every row keeps its provenance (source_id, record_no); a record that could not be loaded is
-- in quarantine instead. The original HTML is not stored: the source file keeps it, and record_no finds it.
CREATE TABLE documents (
    doc_id           VARCHAR NOT NULL,     -- unique in the case (a duplicate is quarantined)
    byline           VARCHAR NOT NULL,     -- the name it is published under: trimmed, white space collapsed
    title            VARCHAR,
    outlet           VARCHAR,
    url              VARCHAR,              -- as written
    url_canonical    VARCHAR,              -- canonicalised as post URLs are (macros.sql)
    published_at     TIMESTAMPTZ,          -- UTC; NULL where the record gives none
    published_raw    VARCHAR,              -- as written: tells a date alone from a time
    published_naive  BOOLEAN,              -- no zone was written: read in the import's --timezone
                                           -- (sources.options); NULL where published_at is
    language         VARCHAR,              -- as given (no detection)
    text             VARCHAR NOT NULL,     -- the article text; for HTML, what trafilatura extracted
    html_reduced     BOOLEAN NOT NULL,     -- text was reduced from HTML
    text_sha256      VARCHAR NOT NULL,     -- sha256 of the text NFC-normalised, lower-cased, white space
                                           -- collapsed: equal for the same text published twice
    file             VARCHAR,              -- folder imports: the file, relative to the folder
    source_id        INTEGER NOT NULL,
    record_no        BIGINT NOT NULL
);
