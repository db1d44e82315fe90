-- 0020: repaying overdue credits with WeChat Pay. A repayment is the
-- person's own payment, under its own out_trade_no (never reused), of the
-- credits that were overdue when they asked (credit_order_ids, comma
-- separated). Once paid, each credit still owed is marked repaid by it;
-- what was paid for credits no longer owed (the card collection repaid
-- them first) goes back by a refund under out_refund_no.
CREATE TABLE credit_repayments (
    id               TEXT PRIMARY KEY,
    person_id        TEXT NOT NULL REFERENCES persons (id),
    channel          TEXT NOT NULL,
    out_trade_no     TEXT NOT NULL UNIQUE,
    amount_fen       BIGINT NOT NULL CHECK (amount_fen > 0),
    credit_order_ids TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('created', 'awaiting_payment', 'paid', 'closed', 'failed')),
    idempotency_key  TEXT NOT NULL,
    request_hash     TEXT NOT NULL,
    pay_params       TEXT NOT NULL DEFAULT '',
    transaction_id   TEXT NOT NULL DEFAULT '',
    paid_fen         BIGINT NOT NULL DEFAULT 0,
    applied_fen      BIGINT NOT NULL DEFAULT 0,
    refund_fen       BIGINT NOT NULL DEFAULT 0,
    out_refund_no    TEXT UNIQUE,
    refund_status    TEXT NOT NULL DEFAULT '' CHECK (refund_status IN ('', 'requested', 'processing', 'succeeded', 'failed')),
    refund_id        TEXT NOT NULL DEFAULT '',
    note             TEXT NOT NULL DEFAULT '',
    paid_at          BIGINT,
    expires_at       BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    version          INTEGER NOT NULL,
    UNIQUE (person_id, idempotency_key),
    CHECK (applied_fen + refund_fen <= paid_fen)
);
CREATE INDEX credit_repayments_person ON credit_repayments (person_id, created_at);
