-- 0021: what the provider reported paid for an order, recorded with the
-- payment. It differs from amount_fen only for a payment of another amount
-- (held; only a refund of what arrived is possible). Orders paid before
-- this migration are backfilled: their amount, or for such a hold the
-- amount its reason states ("amount paid N fen differs from order amount
-- M fen").
ALTER TABLE orders ADD COLUMN received_fen BIGINT NOT NULL DEFAULT 0;
UPDATE orders SET received_fen = amount_fen WHERE paid_at IS NOT NULL AND channel NOT IN ('credit_pay', 'family_offset');
UPDATE orders SET received_fen = split_part(hold_reason, ' ', 3)::bigint
	WHERE hold_reason LIKE 'amount paid % fen differs from order amount % fen';
