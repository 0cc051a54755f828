-- The end of the log as one row. Every append locks it first (SELECT … FOR UPDATE), so appends from
-- several nodes queue in order instead of racing, and a node that lost a race can hold the end while it
-- checks its write again.
CREATE TABLE log_head (
    id INT PRIMARY KEY,
    size BIGINT NOT NULL
);
INSERT INTO log_head (id, size) SELECT 1, COALESCE(MAX(seq) + 1, 0) FROM entries;
