-- 0023: a card debit that landed on a credit no longer owed (repaid by
-- WeChat Pay, or cancelled, while the bank was debiting) is owed back and
-- refunded by the card bank under out_refund_no, fixed here before the bank
-- is asked, so that a retry never pays back twice. One row per debit
-- (trade_no, the debit's out_trade_no); its ledger postings are
-- card_excess:<trade_no> and, once refunded, card_returned:<trade_no>.
CREATE TABLE card_excesses (
    trade_no       TEXT PRIMARY KEY,
    order_id       TEXT NOT NULL REFERENCES orders (id),
    person_id      TEXT NOT NULL,
    channel        TEXT NOT NULL,
    amount_fen     BIGINT NOT NULL CHECK (amount_fen > 0),
    transaction_id TEXT NOT NULL,
    out_refund_no  TEXT NOT NULL UNIQUE,
    refund_status  TEXT NOT NULL CHECK (refund_status IN ('requested', 'processing', 'succeeded', 'failed')),
    refund_id      TEXT NOT NULL DEFAULT '',
    refunded_at    BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    version        INTEGER NOT NULL
);
CREATE INDEX card_excesses_person ON card_excesses (person_id, created_at);
CREATE INDEX card_excesses_open ON card_excesses (refund_status, created_at);

-- Debits booked as owed back before this migration were left for an
-- operator to return through the card bank: they stay so (failed, listed
-- on the console's credit page), since no job was enqueued for them.
INSERT INTO card_excesses (trade_no, order_id, person_id, channel, amount_fen, transaction_id, out_refund_no,
    refund_status, created_at, updated_at, version)
SELECT substr(p.kind, 13), p.order_id, c.person_id, substr(e.account, 10), e.amount_fen, '',
    'RC' || substr(p.kind, 15), 'failed', p.at, p.at, 1
FROM ledger_postings p
JOIN ledger_entries e ON e.posting_id = p.id AND e.amount_fen > 0 AND e.account LIKE 'clearing:%'
JOIN credits c ON c.order_id = p.order_id
WHERE p.kind LIKE 'card_excess:%';
