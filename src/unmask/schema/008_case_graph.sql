-- Schema version 8: the case graph (unmask.graph), written by its build from records and stored runs.
--
-- graph_nodes: the nodes that are not record entities (accounts, bylines, coordination networks); sites and
-- the people and organisations of the records stay in `entities`. graph_links: the links between them that
-- rest on posts, documents, findings or a stored engine run; attribution's own links stay in `links`.
CREATE TABLE graph_nodes (
    node_id   VARCHAR NOT NULL,         -- account:PLATFORM:ID, byline:NAME, network:ID
    schema    VARCHAR NOT NULL,         -- Account, Byline, Network
    name      VARCHAR,
    detail    JSON
);

CREATE TABLE graph_links (
    from_id   VARCHAR NOT NULL,
    to_id     VARCHAR NOT NULL,
    relation  VARCHAR NOT NULL,         -- in words, as explain prints it
    kind      VARCHAR NOT NULL,         -- posted-links-to, profile-links-to, published-on, acted-together,
                                        -- member-of, same-writer, same-as
    weight    DOUBLE NOT NULL,          -- what crossing it costs a path (popular sites cost more)
    source    VARCHAR,                  -- run:ID or finding:ID when an engine's result is the link
    evidence  JSON,                     -- [{"source": file, "row": record}] behind the link, capped
    detail    JSON
);
