-- 0005: the agency's side (issue #8). Operator accounts, their sessions, the
-- operator audit log, tickets (工单) with their messages, the FAQ the ticket
-- assistant answers from, console settings, and who resolved a
-- reconciliation difference.

-- An operator is never deleted, only disabled, so the names in the audit log
-- always name someone. The TOTP secret is sealed (SM4-GCM) like personal data.
CREATE TABLE operators (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('administrator', 'reviewer', 'support', 'auditor')),
    password_hash  TEXT NOT NULL,            -- argon2id, PHC string format
    totp_sealed    BLOB NOT NULL,
    totp_last_step INTEGER NOT NULL DEFAULT 0, -- a code's time step is accepted once (RFC 6238 §5.2)
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   INTEGER NOT NULL DEFAULT 0,
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    created_by     TEXT NOT NULL
);

-- Operator sessions are apart from citizens' (table sessions): another
-- cookie, another lifetime (8 hours absolute, 30 minutes idle).
CREATE TABLE operator_sessions (
    token_hash  BLOB PRIMARY KEY,
    operator_id TEXT NOT NULL REFERENCES operators (id),
    created_at  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX operator_sessions_operator ON operator_sessions (operator_id);

-- Every operator action, append-only. hash = SM3(prev_hash || entry), the
-- first prev_hash being 32 zero bytes, so an edited or deleted row breaks the
-- chain from there on (`shebao admin verify-audit`). The triggers stop
-- honest mistakes; the chain catches the rest.
CREATE TABLE operator_audit (
    seq       INTEGER PRIMARY KEY CHECK (seq >= 1),
    at        INTEGER NOT NULL,
    operator  TEXT NOT NULL,
    action    TEXT NOT NULL,
    target    TEXT NOT NULL,
    reason    TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash BLOB NOT NULL,
    hash      BLOB NOT NULL
);
CREATE TRIGGER operator_audit_no_update BEFORE UPDATE ON operator_audit
BEGIN SELECT RAISE(ABORT, 'operator_audit is append-only'); END;
CREATE TRIGGER operator_audit_no_delete BEFORE DELETE ON operator_audit
BEGIN SELECT RAISE(ABORT, 'operator_audit is append-only'); END;

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
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    due_at            INTEGER NOT NULL,
    first_response_at INTEGER NOT NULL DEFAULT 0,
    escalated_at      INTEGER NOT NULL DEFAULT 0,
    closed_at         INTEGER NOT NULL DEFAULT 0,
    messages          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tickets_queue ON tickets (status, due_at);
CREATE INDEX tickets_person ON tickets (person_id, created_at);
CREATE INDEX tickets_created ON tickets (created_at);

CREATE TABLE ticket_messages (
    ticket_id TEXT NOT NULL REFERENCES tickets (id),
    seq       INTEGER NOT NULL,
    author    TEXT NOT NULL CHECK (author IN ('citizen', 'operator', 'system')),
    operator  TEXT NOT NULL DEFAULT '',
    body      TEXT NOT NULL,
    at        INTEGER NOT NULL,
    PRIMARY KEY (ticket_id, seq)
);

CREATE TABLE faq_entries (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    category   TEXT NOT NULL,
    question   TEXT NOT NULL,
    answer     TEXT NOT NULL,
    keywords   TEXT NOT NULL DEFAULT '',
    active     INTEGER NOT NULL DEFAULT 1,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE console_settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL
);

ALTER TABLE recon_diffs ADD COLUMN resolved_by TEXT NOT NULL DEFAULT '';
ALTER TABLE recon_diffs ADD COLUMN resolved_at INTEGER NOT NULL DEFAULT 0;

-- Postings being retried, for the console.
CREATE INDEX jobs_kind_attempts ON jobs (kind, attempts) WHERE done_at IS NULL;
-- The console's lists: held orders by when the hold ends, collections by
-- day, payment success by creation day.
CREATE INDEX orders_held ON orders (hold_until) WHERE state = 'held';
CREATE INDEX orders_paid ON orders (paid_at);
CREATE INDEX orders_created ON orders (created_at);
