-- The log: entries (their leaf hashes are the Merkle tree's level 0), the tree's interior nodes, and signed
-- checkpoints. Plain types and primary keys only, so that PostgreSQL-compatible distributed databases
-- (CockroachDB, YugabyteDB) take it as it is.
CREATE TABLE entries (
    seq BIGINT PRIMARY KEY,
    time_ms BIGINT NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    audience TEXT NOT NULL,
    content_hash BYTEA NOT NULL,
    content BYTEA NOT NULL,
    leaf_hash BYTEA NOT NULL
);
CREATE TABLE nodes (
    level SMALLINT NOT NULL,
    idx BIGINT NOT NULL,
    hash BYTEA NOT NULL,
    PRIMARY KEY (level, idx)
);
CREATE TABLE checkpoints (
    size BIGINT PRIMARY KEY,
    note TEXT NOT NULL
);
