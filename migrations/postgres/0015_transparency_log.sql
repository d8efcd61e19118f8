-- Transparency log (issue 15): one RFC 9162 Merkle tree over every event, leaves in commit order.
-- The head row is locked (SELECT … FOR UPDATE) by every append transaction, so leaf indexes are
-- dense and ordered as the transactions commit. Its frontier (the hashes of the complete
-- subtrees along the right edge, hex, comma separated) is all an appender needs.
CREATE TABLE tlog_head
(
    id       integer PRIMARY KEY CHECK (id = 1),
    size     bigint  NOT NULL CHECK (size >= 0),
    frontier text    NOT NULL
);
INSERT INTO tlog_head (id, size, frontier) VALUES (1, 0, '');

-- One row per event: its leaf index and its chain hash (the leaf bytes, hex).
CREATE TABLE tlog_leaves
(
    leaf_index     bigint PRIMARY KEY CHECK (leaf_index >= 0),
    aggregate_type text   NOT NULL,
    aggregate_id   text   NOT NULL,
    sequence       bigint NOT NULL,
    event_hash     text   NOT NULL CHECK (length(event_hash) = 64),
    UNIQUE (aggregate_type, aggregate_id, sequence)
);

-- The hash (hex) of every complete subtree of height ≥ 1: leaves [node_index·2^level, (node_index+1)·2^level).
CREATE TABLE tlog_nodes
(
    level      smallint NOT NULL CHECK (level > 0),
    node_index bigint   NOT NULL CHECK (node_index >= 0),
    hash       text     NOT NULL CHECK (length(hash) = 64),
    PRIMARY KEY (level, node_index)
);

-- Every checkpoint issued (C2SP signed note), at most one per tree size.
CREATE TABLE tlog_checkpoints
(
    tree_size bigint PRIMARY KEY CHECK (tree_size >= 0),
    root_hash text   NOT NULL,
    note      text   NOT NULL,
    issued_at text   NOT NULL
);

-- Witnesses' cosignatures (C2SP tlog-cosignature), one per checkpoint and witness key.
CREATE TABLE tlog_cosignatures
(
    tree_size      bigint NOT NULL REFERENCES tlog_checkpoints (tree_size),
    verifier_key   text   NOT NULL,
    signature_line text   NOT NULL,
    cosigned_at    bigint NOT NULL,
    posted_by      text   NOT NULL,
    posted_at      text   NOT NULL,
    PRIMARY KEY (tree_size, verifier_key)
);
