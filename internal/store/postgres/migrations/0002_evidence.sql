-- 0002: the evidence log (package evidence): an RFC 6962 Merkle tree over
-- credited contributions and issued vouchers, appended in the crediting
-- transaction (PostgreSQL twin of store/sqlite/migrations/0002_evidence.sql).
-- Rows are never updated or deleted; `shebao log verify` recomputes
-- everything from evidence_leaves.data and names any row that disagrees.

-- One row: how many leaves and checkpoints the log has made. Appending
-- updates it first, which serialises appenders (the row lock, held until
-- commit under READ COMMITTED), and deleting the newest rows is noticed.
CREATE TABLE evidence_state (
    id          BIGINT PRIMARY KEY CHECK (id = 1),
    size        BIGINT NOT NULL CHECK (size >= 0),
    checkpoints BIGINT NOT NULL CHECK (checkpoints >= 0)
);
INSERT INTO evidence_state (id, size, checkpoints) VALUES (1, 0, 0);

-- idx is the leaf index, 0, 1, 2, … without gaps. data is the canonical
-- leaf encoding; leaf_hash = SHA-256(0x00 || data). kind and ref (order id or
-- voucher id) are copies for lookup; one leaf per order or voucher.
CREATE TABLE evidence_leaves (
    idx         BIGINT PRIMARY KEY CHECK (idx >= 0),
    kind        TEXT NOT NULL,
    ref         TEXT NOT NULL,
    data        BYTEA NOT NULL,
    leaf_hash   BYTEA NOT NULL,
    appended_at BIGINT NOT NULL,
    UNIQUE (kind, ref)
);

-- The roots of every perfect subtree above the leaves (level >= 1), written
-- as appends complete them: about one row per leaf, so that a proof needs
-- O(log n) reads instead of rehashing the log.
CREATE TABLE evidence_nodes (
    level BIGINT NOT NULL CHECK (level >= 1),
    idx   BIGINT NOT NULL CHECK (idx >= 0),
    hash  BYTEA NOT NULL,
    PRIMARY KEY (level, idx)
);

-- Signed checkpoints (c2sp.org/tlog-checkpoint notes). seq counts them
-- 1, 2, 3, … so a deleted row leaves a gap; size only grows with seq.
CREATE TABLE evidence_checkpoints (
    size       BIGINT PRIMARY KEY CHECK (size >= 0),
    seq        BIGINT NOT NULL UNIQUE,
    root       BYTEA NOT NULL,
    note       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
