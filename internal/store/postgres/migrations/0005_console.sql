-- 0005: the agency's side (issue #8), PostgreSQL twin of
-- store/sqlite/migrations/0005_console.sql. Operator accounts, their
-- sessions, the operator audit log, tickets (工单) with their messages, the
-- FAQ the ticket assistant answers from, console settings, and who resolved
-- a reconciliation difference. SQLite's 0/1 flags (disabled, active) are
-- BOOLEAN here, as recon_diffs.resolved is.

-- An operator is never deleted, only disabled, so the names in the audit log
-- always name someone. The TOTP secret is sealed (SM4-GCM) like personal data.
CREATE TABLE operators (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('administrator', 'reviewer', 'support', 'auditor')),
    password_hash  TEXT NOT NULL,            -- argon2id, PHC string format
    totp_sealed    BYTEA NOT NULL,
    totp_last_step BIGINT NOT NULL DEFAULT 0, -- a code's time step is accepted once (RFC 6238 §5.2)
    failed_logins  BIGINT NOT NULL DEFAULT 0,
    locked_until   BIGINT NOT NULL DEFAULT 0,
    disabled       BOOLEAN NOT NULL DEFAULT false,
    created_at     BIGINT NOT NULL,
    created_by     TEXT NOT NULL
);

-- Operator sessions are apart from citizens' (table sessions): another
-- cookie, another lifetime (8 hours absolute, 30 minutes idle).
CREATE TABLE operator_sessions (
    token_hash  BYTEA PRIMARY KEY,
    operator_id TEXT NOT NULL REFERENCES operators (id),
    created_at  BIGINT NOT NULL,
    last_seen   BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX operator_sessions_operator ON operator_sessions (operator_id);

-- Every operator action, append-only. hash = SM3(prev_hash || entry), the
-- first prev_hash being 32 zero bytes, so an edited or deleted row breaks the
-- chain from there on (`shebao admin verify-audit`). The trigger stops
-- honest mistakes; the chain catches the rest.
CREATE TABLE operator_audit (
    seq       BIGINT PRIMARY KEY CHECK (seq >= 1),
    at        BIGINT NOT NULL,
    operator  TEXT NOT NULL,
    action    TEXT NOT NULL,
    target    TEXT NOT NULL,
    reason    TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash BYTEA NOT NULL,
    hash      BYTEA NOT NULL
);
-- SQLite's RAISE(ABORT, …) triggers, as one PL/pgSQL trigger function.
CREATE FUNCTION operator_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'operator_audit is append-only';
END;
$$;
CREATE TRIGGER operator_audit_no_update BEFORE UPDATE ON operator_audit
    FOR EACH ROW EXECUTE FUNCTION operator_audit_append_only();
CREATE TRIGGER operator_audit_no_delete BEFORE DELETE ON operator_audit
    FOR EACH ROW EXECUTE FUNCTION operator_audit_append_only();

-- A ticket waits for the agency while its status is 'open'; due_at is when
-- the agency's answer is due (first response, or the answer to a follow-up).
CREATE TABLE tickets (
    id                TEXT PRIMARY KEY,
    person_id         TEXT NOT NULL REFERENCES persons (id),
    category          TEXT NOT NULL,
    subject           TEXT NOT NULL,
    order_id          TEXT NOT NULL DEFAULT '',
    error_code        TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL CHECK (status IN ('open', 'answered', 'closed')),
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    due_at            BIGINT NOT NULL,
    first_response_at BIGINT NOT NULL DEFAULT 0,
    escalated_at      BIGINT NOT NULL DEFAULT 0,
    closed_at         BIGINT NOT NULL DEFAULT 0,
    messages          BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX tickets_queue ON tickets (status, due_at);
CREATE INDEX tickets_person ON tickets (person_id, created_at);
CREATE INDEX tickets_created ON tickets (created_at);

CREATE TABLE ticket_messages (
    ticket_id TEXT NOT NULL REFERENCES tickets (id),
    seq       BIGINT NOT NULL,
    author    TEXT NOT NULL CHECK (author IN ('citizen', 'operator', 'system')),
    operator  TEXT NOT NULL DEFAULT '',
    body      TEXT NOT NULL,
    at        BIGINT NOT NULL,
    PRIMARY KEY (ticket_id, seq)
);

CREATE TABLE faq_entries (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    category   TEXT NOT NULL,
    question   TEXT NOT NULL,
    answer     TEXT NOT NULL,
    keywords   TEXT NOT NULL DEFAULT '',
    active     BOOLEAN NOT NULL DEFAULT true,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE console_settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);

ALTER TABLE recon_diffs ADD COLUMN resolved_by TEXT NOT NULL DEFAULT '';
ALTER TABLE recon_diffs ADD COLUMN resolved_at BIGINT NOT NULL DEFAULT 0;

-- Postings being retried, for the console.
CREATE INDEX jobs_kind_attempts ON jobs (kind, attempts) WHERE done_at IS NULL;
-- The console's lists: held orders by when the hold ends, collections by
-- day, payment success by creation day.
CREATE INDEX orders_held ON orders (hold_until) WHERE state = 'held';
CREATE INDEX orders_paid ON orders (paid_at);
CREATE INDEX orders_created ON orders (created_at);
