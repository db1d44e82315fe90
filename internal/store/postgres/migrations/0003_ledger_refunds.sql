-- 0003: double-entry ledger, refunds, stored pay parameters, holds
-- (PostgreSQL twin of store/sqlite/migrations/0003_ledger_refunds.sql).

-- The pay parameters handed out for an order, so a retried request gets the
-- very same signed parameters instead of a new signature (JSON, or '').
ALTER TABLE orders ADD COLUMN pay_params TEXT NOT NULL DEFAULT '';
-- The order this one superseded: every attempt at paying the same bills
-- stays linked to the first.
ALTER TABLE orders ADD COLUMN supersedes TEXT NOT NULL DEFAULT '';
-- When a hold ends by itself (the configured action runs then), or 0.
ALTER TABLE orders ADD COLUMN hold_until BIGINT NOT NULL DEFAULT 0;

-- A ledger posting is one balanced movement of money; (order_id, kind) is
-- unique so the same movement can never be recorded twice.
CREATE TABLE ledger_postings (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (id),
    kind     TEXT NOT NULL,
    at       BIGINT NOT NULL,
    UNIQUE (order_id, kind)
);

-- Entries are signed fen: positive is a debit, negative a credit. Every
-- posting's entries sum to zero (checked in code and by `shebao audit`).
CREATE TABLE ledger_entries (
    posting_id BIGINT NOT NULL REFERENCES ledger_postings (id),
    account    TEXT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen <> 0)
);
CREATE INDEX ledger_entries_posting ON ledger_entries (posting_id);
CREATE INDEX ledger_entries_account ON ledger_entries (account);

-- Refunds go back by the original route; out_refund_no is ours, unique, and
-- reused for every retry of the same refund (WeChat Pay: same number, one refund).
CREATE TABLE refunds (
    out_refund_no TEXT PRIMARY KEY,
    order_id      TEXT NOT NULL REFERENCES orders (id),
    amount_fen    BIGINT NOT NULL CHECK (amount_fen > 0),
    reason        TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('requested', 'processing', 'succeeded', 'failed')),
    refund_id     TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    UNIQUE (order_id)
);
