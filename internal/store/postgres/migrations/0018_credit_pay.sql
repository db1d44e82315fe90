-- 0018: credit pay (社保信用付). An agreement per person: the limit agreed,
-- the card bank mandate repayments are debited under, and whether it is
-- suspended (a credit went overdue). A credit per order paid by credit:
-- what is owed, when it is collected, each attempt's outcome and, once
-- repaid, the debit that repaid it. Outstanding and overdue credits are
-- what the credit_receivable ledger account must add up to.
CREATE TABLE credit_agreements (
    person_id        TEXT PRIMARY KEY REFERENCES persons (id),
    region           TEXT NOT NULL,
    limit_fen        BIGINT NOT NULL CHECK (limit_fen > 0),
    mandate_ref      TEXT NOT NULL UNIQUE,
    status           TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
    suspended_reason TEXT NOT NULL DEFAULT '',
    signed_at        BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE TABLE credits (
    order_id        TEXT PRIMARY KEY REFERENCES orders (id),
    person_id       TEXT NOT NULL REFERENCES persons (id),
    amount_fen      BIGINT NOT NULL CHECK (amount_fen > 0),
    due_at          BIGINT NOT NULL,
    next_attempt_at BIGINT,
    status          TEXT NOT NULL CHECK (status IN ('outstanding', 'overdue', 'repaid', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_failure    TEXT NOT NULL DEFAULT '',
    repay_channel   TEXT NOT NULL DEFAULT '',
    repay_trade_no  TEXT UNIQUE,
    repay_txn_id    TEXT NOT NULL DEFAULT '',
    repaid_at       BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    version         INTEGER NOT NULL
);
CREATE INDEX credits_person ON credits (person_id, created_at);
CREATE INDEX credits_status ON credits (status, due_at);
