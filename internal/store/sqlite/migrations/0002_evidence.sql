-- 0002: the evidence log (package evidence): an RFC 6962 Merkle tree over
-- credited contributions and issued vouchers, appended in the crediting
-- transaction. Rows are never updated or deleted; `shebao log verify`
-- recomputes everything from evidence_leaves.data and names any row that
-- disagrees.

-- One row: how many leaves and checkpoints the log has made. Appending
-- updates it first, which serialises appenders (the row lock in PostgreSQL;
-- the single writer in SQLite), and deleting the newest rows is noticed.
CREATE TABLE evidence_state (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    size        INTEGER NOT NULL CHECK (size >= 0),
    checkpoints INTEGER NOT NULL CHECK (checkpoints >= 0)
);
INSERT INTO evidence_state (id, size, checkpoints) VALUES (1, 0, 0);

-- idx is the leaf index, 0, 1, 2, … without gaps. data is the canonical
-- leaf encoding; leaf_hash = SHA-256(0x00 || data). kind and ref (order id or
-- voucher id) are copies for lookup; one leaf per order or voucher.
CREATE TABLE evidence_leaves (
    idx         INTEGER PRIMARY KEY CHECK (idx >= 0),
    kind        TEXT NOT NULL,
    ref         TEXT NOT NULL,
    data        BLOB NOT NULL,
    leaf_hash   BLOB NOT NULL,
    appended_at INTEGER NOT NULL,
    UNIQUE (kind, ref)
);

-- The roots of every perfect subtree above the leaves (level >= 1), written
-- as appends complete them: about one row per leaf, so that a proof needs
-- O(log n) reads instead of rehashing the log.
CREATE TABLE evidence_nodes (
    level INTEGER NOT NULL CHECK (level >= 1),
    idx   INTEGER NOT NULL CHECK (idx >= 0),
    hash  BLOB NOT NULL,
    PRIMARY KEY (level, idx)
);

-- Signed checkpoints (c2sp.org/tlog-checkpoint notes). seq counts them
-- 1, 2, 3, … so a deleted row leaves a gap; size only grows with seq.
CREATE TABLE evidence_checkpoints (
    size       INTEGER PRIMARY KEY CHECK (size >= 0),
    seq        INTEGER NOT NULL UNIQUE,
    root       BLOB NOT NULL,
    note       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
