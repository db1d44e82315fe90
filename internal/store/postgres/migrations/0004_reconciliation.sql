-- 0004: differences found by reconciling our orders with the provider's
-- daily trade bill, with the reason and the action taken or needed
-- (PostgreSQL twin of store/sqlite/migrations/0004_reconciliation.sql).
-- resolved is SQLite's 0/1 flag; BOOLEAN is PostgreSQL's word for it, and
-- what a Go bool encodes to.
CREATE TABLE recon_diffs (
    channel      TEXT NOT NULL,
    bill_date    TEXT NOT NULL,
    out_trade_no TEXT NOT NULL,
    kind         TEXT NOT NULL,
    detail       TEXT NOT NULL,
    action       TEXT NOT NULL,
    resolved     BOOLEAN NOT NULL DEFAULT false,
    found_at     BIGINT NOT NULL,
    PRIMARY KEY (channel, bill_date, out_trade_no, kind)
);
CREATE INDEX recon_diffs_open ON recon_diffs (resolved, found_at);
