-- 0007: family proxy grants (亲属代缴) and the citizens' audit log
-- (PostgreSQL twin of store/sqlite/migrations/0007_grants_auditlog.sql).

CREATE TABLE grants (
    id            TEXT PRIMARY KEY,
    grantor_id    TEXT NOT NULL REFERENCES persons (id), -- the insured person, whose bills may be paid
    proxy_id      TEXT NOT NULL REFERENCES persons (id), -- the family member who may pay them
    relationship  TEXT NOT NULL,
    insurances    TEXT NOT NULL,   -- comma-separated aae140 codes the grant covers
    until_month   TEXT NOT NULL,   -- YYYY-MM, inclusive
    status        TEXT NOT NULL CHECK (status IN ('pending', 'active', 'revoked')),
    code_mac      BYTEA,           -- the consent code sent to the grantor, while pending
    code_attempts BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    consented_at  BIGINT,
    revoked_at    BIGINT,
    revoked_by    TEXT NOT NULL DEFAULT '',
    CHECK (grantor_id <> proxy_id)
);
CREATE INDEX grants_proxy ON grants (proxy_id, status);
CREATE INDEX grants_grantor ON grants (grantor_id, status);
-- One live grant per pair: asking again while one is pending or active is a conflict.
CREATE UNIQUE INDEX grants_live_pair ON grants (grantor_id, proxy_id) WHERE status <> 'revoked';

-- Who viewed or changed what, append-only and hash-chained with SM3: each
-- row's hash covers its fields and the previous row's hash, so an edited or
-- deleted row breaks the chain from there on. seq is set by the appender
-- (last seq + 1), not by a sequence.
CREATE TABLE audit_log (
    seq       BIGINT PRIMARY KEY,
    at        BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    target    TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash BYTEA NOT NULL,
    hash      BYTEA NOT NULL
);
